"""The whole mini challenge chain at tiny sizes: data, four members trained
through tools/train.py, dense tests, ensemble, submission, report; then a
second run that reuses every finished stage."""
import glob
import os.path as osp
import signal
import subprocess
import sys
import time
from unittest import mock

import numpy as np
import pytest
from mmengine.utils import ProgressBar

from mmt_challenge.apis import MiniChallenge
from mmt_challenge.apis import mini_challenge as module
from mmt_challenge.structures import load_score_file
from mmt_challenge.submission import validate_submission

RUN_TOOL = module._run_tool


def _tiny_challenge(root, epochs=1):
    loaders = [
        f'{loader}_dataloader.{key}={value}'
        for loader in ('train', 'val', 'test')
        for key, value in (('batch_size', 4), ('num_workers', 0),
                           ('persistent_workers', False))
    ]
    return MiniChallenge(
        work_dir=str(root / 'work'),
        data_dir=str(root / 'data'),
        dataset_kwargs=dict(num_train=8, num_val=6, num_test=6, size=32,
                            num_frames=8),
        train_options=[f'train_cfg.max_epochs={epochs}', *loaders],
        dense_test_options=['--scales', '28', '32', '--num-clips', '2',
                            '--num-crops', '1'],
        submission=str(root / 'submissions' / 'top5.txt'))


@pytest.fixture(scope='module')
def challenge(tmp_path_factory):
    return _tiny_challenge(tmp_path_factory.mktemp('mini_challenge'))


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


# --------------------------------------------------------------------------
# Interrupted at every stage, then run again
# --------------------------------------------------------------------------
class _Spy:
    """Stands in for ``_run_tool``: records the commands of a run and may
    press Ctrl-C in one of them.

    Args:
        interrupt (callable, optional): Predicate on a command: the tool to
            interrupt.
        ready (callable, optional): When to send SIGINT to that tool. None
            interrupts before the tool starts.
    """

    def __init__(self, interrupt=None, ready=None):
        self.commands = []
        self.interrupt = interrupt
        self.ready = ready

    def __call__(self, args):
        self.commands.append(list(args))
        if self.interrupt is None or not self.interrupt(args):
            return RUN_TOOL(args)
        if self.ready is None:
            raise KeyboardInterrupt
        child = subprocess.Popen([sys.executable, *args],
                                 cwd=module.REPO_ROOT)
        deadline = time.monotonic() + 300
        while child.poll() is None and not self.ready() and \
                time.monotonic() < deadline:
            time.sleep(0.02)
        assert child.poll() is None, f'{args[0]} ended before Ctrl-C'
        child.send_signal(signal.SIGINT)
        child.wait(timeout=60)
        raise KeyboardInterrupt

    def tools(self, name):
        return [c for c in self.commands if c[0] == f'tools/{name}.py']


def _out(command):
    return command[command.index('--out') + 1]


def _interrupted_on_call(function, number):
    """``function``, except that call ``number`` raises KeyboardInterrupt."""
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == number:
            raise KeyboardInterrupt
        return function(*args, **kwargs)

    return wrapper


def _run(challenge, spy, interrupted=None):
    """Run the challenge with ``spy`` as its tool runner; ``interrupted``
    names a module function whose first call raises KeyboardInterrupt."""
    with mock.patch.object(module, '_run_tool', spy):
        if interrupted is None:
            return challenge.run()
        with mock.patch.object(
                module, interrupted,
                _interrupted_on_call(getattr(module, interrupted), 1)), \
                pytest.raises(KeyboardInterrupt):
            challenge.run()


def test_interrupted_at_every_stage_resumes_without_redoing(tmp_path):
    challenge = _tiny_challenge(tmp_path, epochs=2)
    tsn, tsm = challenge.members[:2]

    # data: Ctrl-C while the videos are written leaves no dataset behind
    with mock.patch.object(ProgressBar, 'update',
                           _interrupted_on_call(ProgressBar.update, 5)), \
            pytest.raises(KeyboardInterrupt):
        _run(challenge, _Spy())
    assert not osp.exists(challenge.data_dir)

    # train: Ctrl-C in TSM's second epoch, TSN finished
    last = osp.join(challenge.member_dir(tsm), 'last_checkpoint')
    spy = _Spy(lambda a: a[:2] == ['tools/train.py', tsm.config],
               lambda: osp.isfile(last))
    with pytest.raises(KeyboardInterrupt):
        _run(challenge, spy)
    assert [c[1] for c in spy.tools('train')] == [tsn.config, tsm.config]
    assert not osp.exists(osp.join(challenge.member_dir(tsm), 'train.done'))

    # test: TSN is not retrained, TSM resumes; Ctrl-C before the 2nd test
    spy = _Spy(lambda a: a[0] == 'tools/dense_test.py' and
               _out(a) == challenge.score_file(tsn, 'test'))
    with pytest.raises(KeyboardInterrupt):
        _run(challenge, spy)
    trained = spy.tools('train')
    assert [c[1] for c in trained] == [m.config for m in challenge.members[1:]]
    assert '--resume' in trained[0] and '--resume' not in trained[1]
    assert [_out(c) for c in spy.tools('dense_test')] == [
        challenge.score_file(tsn, split) for split in ('val', 'test')]

    # ensemble: Ctrl-C between the fused val and test files
    spy = _Spy()
    with mock.patch.object(module, 'save_score_file',
                           _interrupted_on_call(module.save_score_file, 2)), \
            pytest.raises(KeyboardInterrupt):
        _run(challenge, spy)
    assert not spy.tools('train')
    assert [_out(c) for c in spy.tools('dense_test')] == [
        challenge.score_file(member, split) for member in challenge.members
        for split in ('val', 'test')][1:]
    assert not osp.exists(osp.join(challenge.ensemble_dir, 'fused_test.npz'))

    # submit, then report: Ctrl-C in each, no tool runs again
    for name in ('validate_submission', 'atomic_write_text'):
        spy = _Spy()
        _run(challenge, spy, interrupted=name)
        assert not spy.commands
    assert not osp.exists(osp.join(challenge.work_dir, 'report.md'))

    spy = _Spy()
    table = _run(challenge, spy)
    assert not spy.commands
    assert list(table.index) == [m.name for m in challenge.members] + [
        'ensemble']
    assert not validate_submission(
        challenge.submission, challenge.list_file('test'), num_classes=14)
    for member in challenge.members:
        for split in ('val', 'test'):
            scores = load_score_file(challenge.score_file(member, split))
            assert np.isfinite(scores.scores).all()
    assert not glob.glob(str(tmp_path / '**' / '*.tmp'), recursive=True)
