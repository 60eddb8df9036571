"""The mini challenge (challenges/mini_mmit.py) at tiny sizes: its members'
generated configs are the configs they trained with before the challenge
configs; the whole chain, a second run that reuses every finished step, and
a run interrupted once in every stage that redoes nothing finished.

Trainings and dense tests are faked here (tests/apis/fake_runs.py), one at
a time: these tests check the bookkeeping of the chain;
tests/apis/test_challenge_jobs.py runs them several at once and
tests/apis/test_run_challenge.py trains and tests members for real."""
import glob
import os.path as osp
from unittest import mock

import pytest
from mmengine.config import Config

from mmt_challenge.apis import ChallengeRunner, load_challenge
from mmt_challenge.apis import challenge_report
from mmt_challenge.submission import validate_submission
from mmt_challenge.utils.progress import ProgressReport

from .fake_runs import Spy, run_with, tiny_challenge


@pytest.fixture(scope='module')
def finished(tmp_path_factory):
    """The tiny mini challenge run once, with its commands."""
    challenge = load_challenge(
        tiny_challenge(tmp_path_factory.mktemp('mini_challenge')))
    spy = Spy()
    table = run_with(challenge, spy)
    return challenge, spy, table


def test_mini_members_train_with_the_configs_they_had(finished):
    # Before the challenge configs, the mini challenge trained each member
    # config with --cfg-options setting its lists and video folder only.
    challenge = finished[0]
    for member in challenge.members:
        generated = Config.fromfile(challenge.member_config(member))
        before = Config.fromfile(member.config)
        for loader, split in (('train', 'train'), ('val', 'val'),
                              ('test', 'test')):
            before.merge_from_dict({
                f'{loader}_dataloader.dataset.ann_file':
                challenge.splits[split].list_file,
                f'{loader}_dataloader.dataset.data_prefix.video':
                challenge.splits[split].video_root
            })
        # tools/dense_test.py reads the test list from --ann: the config's
        # test dataloader now points at val, as the full members'.
        before.test_dataloader.dataset.ann_file = \
            challenge.splits['val'].list_file
        assert generated.to_dict() == before.to_dict(), member.name


def test_whole_chain_runs_and_reports(finished):
    challenge, spy, table = finished
    assert list(table.index) == ['TSN', 'TSM', 'TIN', 'SlowFast', 'ensemble']
    assert ((table > 0) & (table <= 1)).all().all()
    assert [c[c.index('--out') + 1] for c in spy.tools('dense_test')] == [
        challenge.score_file(m, s) for m in challenge.members
        for s in ('val', 'test')]
    assert len(spy.tools('fill_missing_scores')) == 4
    assert len(spy.tools('ensemble')) == 2
    test_list = challenge.splits['test'].list_file
    submission = challenge.submission_file('top5')
    lines = open(submission).read().splitlines()
    assert len(lines) == 6 and all(len(line.split()) == 6 for line in lines)
    assert not validate_submission(submission, test_list, num_classes=14)
    report = open(osp.join(challenge.work_dir, 'report.md')).read()
    assert '| ensemble |' in report and 'motion-only classes' in report
    assert 'motion-class macro mAP' in report


def test_second_run_reuses_finished_steps(finished):
    challenge = finished[0]
    spy = Spy()
    table = run_with(challenge, spy)
    assert not spy.commands
    assert list(table.index)[-1] == 'ensemble'


def test_dry_run_prints_the_commands_a_run_runs(finished):
    challenge, spy, _ = finished
    printed = [line.split('  # ')[0] for line in
               ChallengeRunner(challenge).dry_run()
               if not line.startswith('#')]
    ran = [' '.join(c[1:]) for c in spy.commands]
    assert [' '.join(line.split()[1:]) for line in printed] == ran
    assert all(line.endswith('# finished') for line in
               ChallengeRunner(challenge).dry_run()
               if not line.startswith('#'))


def _interrupted_on_call(function, number):
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == number:
            raise KeyboardInterrupt
        return function(*args, **kwargs)

    return wrapper


def _is(tool, *words):
    return lambda argv: f'tools/{tool}.py' in argv and all(
        w in argv for w in words)


def test_interrupted_at_every_stage_resumes_without_redoing(tmp_path):
    challenge = load_challenge(tiny_challenge(tmp_path))
    tsn, tsm = challenge.members[:2]
    data_dir = challenge.generate['out']

    # data: Ctrl-C while the videos are written leaves no dataset behind
    with mock.patch.object(ProgressReport, 'update',
                           _interrupted_on_call(ProgressReport.update, 5)), \
            pytest.raises(KeyboardInterrupt):
        run_with(challenge, Spy())
    assert not osp.exists(data_dir)

    # train: Ctrl-C in TSM's training, after a checkpoint; TSN finished
    spy = Spy(during=_is('train', challenge.member_config(tsm)))
    with pytest.raises(KeyboardInterrupt):
        run_with(challenge, spy)
    assert len(spy.tools('make_mini_dataset')) == 1
    assert [c[c.index('--work-dir') + 1] for c in spy.tools('train')] == [
        challenge.member_dir(m) for m in (tsn, tsm)]
    assert not osp.exists(osp.join(challenge.member_dir(tsm), 'train.done'))

    # test: nothing of the data stage again, TSN not retrained, TSM resumes;
    # Ctrl-C before TSN's test-split dense test
    spy = Spy(interrupt=_is('dense_test',
                             challenge.score_file(tsn, 'test')))
    with pytest.raises(KeyboardInterrupt):
        run_with(challenge, spy)
    trained = spy.tools('train')
    assert spy.commands[0] == trained[0]  # the data stage was finished
    assert [c[c.index('--work-dir') + 1] for c in trained] == [
        challenge.member_dir(m) for m in challenge.members[1:]]
    assert '--resume' in trained[0] and '--resume' not in trained[1]

    # ensemble: Ctrl-C after the fit on val, before test
    spy = Spy(interrupt=_is('ensemble', '--split'))
    with pytest.raises(KeyboardInterrupt):
        run_with(challenge, spy)
    assert not spy.tools('train')
    assert [c[c.index('--out') + 1] for c in spy.tools('dense_test')] == [
        challenge.score_file(m, s) for m in challenge.members
        for s in ('val', 'test')][1:]
    assert len(spy.tools('ensemble')) == 2
    assert not osp.exists(osp.join(challenge.ensemble_dir, 'fused_test.npz'))

    # submit: Ctrl-C in the validation; the ensemble on val is not redone
    spy = Spy(interrupt=_is('validate_submission'))
    with pytest.raises(KeyboardInterrupt):
        run_with(challenge, spy)
    assert [c[-1] for c in spy.tools('ensemble')][:1] and all(
        '--split' in c for c in spy.tools('ensemble'))
    assert not spy.tools('fill_missing_scores')

    # report: Ctrl-C while writing it; only the validation runs again
    spy = Spy()
    with mock.patch.object(
            challenge_report, 'atomic_write_text',
            _interrupted_on_call(challenge_report.atomic_write_text, 1)), \
            pytest.raises(KeyboardInterrupt):
        run_with(challenge, spy)
    assert [c for c in spy.commands] == spy.tools('validate_submission')
    assert not osp.exists(osp.join(challenge.work_dir, 'report.md'))

    spy = Spy()
    table = run_with(challenge, spy)
    assert not spy.commands
    assert list(table.index) == [m.name for m in challenge.members] + [
        'ensemble']
    assert not glob.glob(str(tmp_path / '**' / '.*.tmp*'), recursive=True)
