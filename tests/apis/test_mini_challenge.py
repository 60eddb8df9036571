"""The whole mini challenge chain at tiny sizes: data, four members trained
through tools/train.py, dense tests, ensemble, submission, report; then a
second run that reuses every finished stage."""
import os.path as osp
from unittest import mock

import pytest

from mmt_challenge.apis import MiniChallenge
from mmt_challenge.apis import mini_challenge as module

TINY_TRAIN = [
    'train_cfg.max_epochs=1',
    *[f'{loader}_dataloader.{key}={value}'
      for loader in ('train', 'val', 'test')
      for key, value in (('batch_size', 4), ('num_workers', 0),
                         ('persistent_workers', False))],
]


@pytest.fixture(scope='module')
def challenge(tmp_path_factory):
    root = tmp_path_factory.mktemp('mini_challenge')
    return MiniChallenge(
        work_dir=str(root / 'work'),
        data_dir=str(root / 'data'),
        dataset_kwargs=dict(num_train=8, num_val=6, num_test=6, size=32,
                            num_frames=8),
        train_options=TINY_TRAIN,
        dense_test_options=['--num-clips', '2', '--num-crops', '1'],
        submission=str(root / 'submissions' / 'top5.txt'))


def test_whole_chain_runs_and_reports(challenge):
    table = challenge.run()
    assert list(table.index) == ['TSN', 'TSM', 'TIN', 'SlowFast', 'ensemble']
    assert ((table > 0) & (table <= 1)).all().all()
    lines = open(challenge.submission).read().splitlines()
    assert len(lines) == 6 and all(len(line.split()) == 6 for line in lines)
    report = open(osp.join(challenge.work_dir, 'report.md')).read()
    assert '| ensemble |' in report and 'motion-only classes' in report
    for member in challenge.members:
        for split in ('val', 'test'):
            assert osp.isfile(challenge.score_file(member, split))


def test_second_run_reuses_finished_stages(challenge):
    with mock.patch.object(module, '_run_tool') as run_tool, \
            mock.patch.object(module, 'generate_mini_dataset') as generate:
        challenge.run()
    run_tool.assert_not_called()  # no training, no dense test
    generate.assert_not_called()
