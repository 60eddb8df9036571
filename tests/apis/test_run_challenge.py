"""A challenge end to end on a dataset unlike the mini M-MiT: two members
trained and densely tested here, their train and test stages as two CPU
processes under torchrun, and a third member tested elsewhere that joins with
its score files."""
import glob
import os.path as osp

import numpy as np
import pandas as pd
from mmengine.config import Config
from torch.distributed.elastic.utils.distributed import get_free_port

from mmt_challenge.apis import ChallengeRunner, Launch, load_challenge
from mmt_challenge.datasets import read_list_file, read_mmit_csv
from mmt_challenge.structures import ScoreFile, save_score_file
from mmt_challenge.submission import class_prior, validate_submission

from .conftest import CLASSES, ROOT, make_odd_dataset, write_challenge

TINY = """
member_defaults = dict(
    cfg_options={
        'train_cfg.max_epochs': 1,
        'train_cfg.val_interval': 2,  # the dense tests evaluate
        **{f'{loader}_dataloader.{key}': value
           for loader in ('train', 'val', 'test')
           for key, value in (('batch_size', 2), ('num_workers', 0),
                              ('persistent_workers', False))}},
    dense_test=dict(scales=[32], num_clips=1, num_crops=1))
data.update(prepare=dict(fps=10, short_side=32, workers=2))
ensemble = dict(search=dict(folds=2), bootstrap=dict(num_samples=50))
submission = dict(formats=['top5', 'scores'],
                  file=work_dir + '/submissions/odd_{format}.txt')
"""


def _elsewhere(data, root):
    """Score files of a member tested elsewhere: every val video, every test
    video but the undecodable one."""
    rng = np.random.default_rng(0)
    files = {}
    for split, ids in (
            ('val', [r.video_id for r in read_mmit_csv(data['val_csv'])]),
            ('test', data['test_ids'][:-1])):
        files[split] = str(root / f'elsewhere_{split}.npz')
        save_score_file(files[split], ScoreFile(
            video_ids=np.asarray(ids), class_names=np.asarray(CLASSES),
            scores=rng.random((len(ids), 1, len(CLASSES))),
            scales=np.array([0])))
    return files


def _repo_configs():
    return sorted(glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                            recursive=True))


def test_odd_dataset_end_to_end_under_torchrun(tmp_path, capfd):
    data = make_odd_dataset(str(tmp_path / 'data'))
    work = str(tmp_path / 'work')
    elsewhere = _elsewhere(data, tmp_path)
    path = write_challenge(
        tmp_path / 'odd.py', data, work, extra=TINY + f"""
members = members + [dict(name='Elsewhere', score_files={elsewhere!r})]
""")
    configs_before = _repo_configs()
    challenge = load_challenge(path)
    runner = ChallengeRunner(
        challenge,
        launch=Launch('pytorch', nproc_per_node=2, master_port=get_free_port()))
    table = runner.run()

    assert list(table.index) == ['TSM', 'TSN', 'Elsewhere', 'ensemble']
    assert np.isfinite(table.to_numpy()).all()
    out = capfd.readouterr()
    assert 'on 2 process(es)' in out.out + out.err  # distributed dense test
    train_logs = glob.glob(osp.join(work, '*', '*', '*.log'))
    assert len(train_logs) == 2
    for log in train_logs:
        assert 'Distributed training: True' in open(log).read()

    # data: the unusable training videos are left out and named
    train = challenge.splits['train']
    kept = {r.video_id for r in read_list_file(train.list_file)}
    assert len(kept) == 10 and not kept & set(data['broken_train'].values())
    dropped = open(train.list_file + '.dropped.txt', encoding='utf-8').read()
    assert all(v in dropped for v in data['broken_train'].values())
    assert sorted(osp.relpath(p, train.prepared) for p in glob.glob(
        osp.join(train.prepared, '**', '*.mp4'), recursive=True)) == sorted(
            kept)

    # members: the challenge's classes injected, no member config written
    assert _repo_configs() == configs_before
    for member in challenge.members[:2]:
        cfg = Config.fromfile(challenge.member_config(member))
        assert cfg.model.cls_head.num_classes == len(CLASSES)
        # the mini configs' scale 7 for 14 classes, carried to 5 classes
        assert cfg.model.cls_head.loss_cls.scale == 7 * len(CLASSES) / 14
        assert cfg.train_dataloader.dataset.ann_file == train.list_file
        assert cfg.val_dataloader.dataset.num_classes == len(CLASSES)

    # submission: every test video, the undecodable one with the prior
    test_list = challenge.splits['test'].list_file
    top5 = challenge.submission_file('top5')
    scores = challenge.submission_file('scores')
    for fmt, file in (('top5', top5), ('scores', scores)):
        assert not validate_submission(
            file, test_list, num_classes=len(CLASSES), format=fmt)
    lines = open(top5, encoding='utf-8').read().splitlines()
    assert [line.split()[0] for line in lines] == data['test_ids']
    prior = class_prior(train.list_file, len(CLASSES))
    table = pd.read_csv(scores).set_index('filename')
    np.testing.assert_allclose(
        table.loc[data['unreadable_test']].to_numpy(), prior, atol=1e-6)
    assert not np.allclose(table.loc['test_0.mp4'].to_numpy(), prior)
    expected_top = np.argsort(-prior, kind='stable')[:5]
    assert lines[-1].split()[1:] == [str(c) for c in expected_top]

    # the report and the run's log name the video that got the prior
    report = open(osp.join(work, 'report.md'), encoding='utf-8').read()
    assert data['unreadable_test'] in report
    assert '| ensemble |' in report
    (log,) = glob.glob(osp.join(work, 'run_challenge_*.log'))
    assert data['unreadable_test'] in open(log, encoding='utf-8').read()
