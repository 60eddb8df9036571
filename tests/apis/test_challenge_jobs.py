"""Several trainings (then dense tests) at once (``jobs``, the mini
challenge's 4): they really overlap, each writes its own log, the light
steps wait for them, a failed one stops new ones and is named, Ctrl-C in
one redoes nothing finished, and each job sees its own GPU where there are
GPUs. Heavy steps are faked (tests/apis/fake_runs.py)."""
import os
import os.path as osp
import sys
import threading
from unittest import mock

import pytest

from mmt_challenge.apis import ChallengeRunner, Launch, load_challenge
from mmt_challenge.apis import challenge_runner as runner_module

from .fake_runs import Spy, after, run_with, tiny_challenge


def _meet(parties):
    """A ``before`` hook: every heavy command waits until ``parties`` of
    them are running (BrokenBarrierError if they never are)."""
    barrier = threading.Barrier(parties, timeout=30)
    return lambda argv: barrier.wait()


def _work_dir(argv):
    return after(argv, '--work-dir')


@pytest.fixture
def challenge(tmp_path, monkeypatch):
    monkeypatch.delenv('OMP_WAIT_POLICY', raising=False)
    return load_challenge(tiny_challenge(tmp_path))


def test_the_mini_challenge_runs_four_at_once(challenge):
    assert challenge.jobs == 4
    # Four trainings meet, then two groups of four dense tests.
    policies = []

    def meet(argv, barrier=_meet(4)):
        policies.append(os.environ.get('OMP_WAIT_POLICY'))
        barrier(argv)

    spy = Spy(before=meet)
    table = run_with(challenge, spy, jobs=None)
    assert list(table.index)[-1] == 'ensemble'
    # waiting OpenMP threads sleep while the jobs run, and only then
    assert policies == ['PASSIVE'] * 12
    assert 'OMP_WAIT_POLICY' not in os.environ

    heavy = [(argv, env, log) for argv, env, log in spy.calls
             if 'tools/train.py' in argv or 'tools/dense_test.py' in argv]
    assert len(heavy) == 4 + 8
    logs = [log for _, _, log in heavy]
    assert len(set(logs)) == 12
    assert all(osp.dirname(log) == osp.join(challenge.work_dir, 'logs')
               for log in logs)
    assert {'train_TSN.log', 'dense_test_of_SlowFast_on_test.log'} <= {
        osp.basename(log) for log in logs}
    # every prior fill after every dense test of the stage
    tools = [next(a for a in argv if a.endswith('.py')) for argv in
             spy.commands]
    last_dense = max(i for i, t in enumerate(tools) if 'dense_test' in t)
    first_fill = min(i for i, t in enumerate(tools)
                     if 'fill_missing_scores' in t)
    assert first_fill > last_dense

    # a second run redoes nothing, jobs or not
    spy = Spy()
    run_with(challenge, spy, jobs=None)
    assert not spy.commands


def test_run_command_writes_a_job_output_to_its_log(tmp_path):
    tool = tmp_path / 'noisy.py'
    tool.write_text('import sys\nprint("to stdout")\n'
                    'print("to stderr", file=sys.stderr)\n'
                    'sys.exit(int(sys.argv[1]))\n')
    log = tmp_path / 'logs' / 'noisy.log'
    runner_module.run_command([sys.executable, str(tool), '0'],
                              log_file=str(log))
    with pytest.raises(RuntimeError, match='exit code 3'):
        runner_module.run_command(
            [sys.executable, str(tool), '3'], log_file=str(log))
    text = log.read_text()
    # both runs, appended (a resumed training keeps what it printed)
    assert text.count('to stdout') == 2 and text.count('to stderr') == 2
    assert text.startswith(f'$ {sys.executable} {tool} 0\n')


def test_a_failed_job_starts_no_new_one_and_is_named(challenge):
    tsn, tsm, tin, slowfast = challenge.members
    started_tsm = threading.Event()

    def before(argv):
        if _work_dir(argv) == challenge.member_dir(tsn):
            assert started_tsm.wait(30)  # TSM runs while TSN fails
            raise RuntimeError('TSN ran out of memory')
        started_tsm.set()

    spy = Spy(before=before)
    with pytest.raises(RuntimeError) as error:
        run_with(challenge, spy, jobs=2)
    message = str(error.value)
    assert 'train TSN failed' in message and 'out of memory' in message
    assert osp.join(challenge.work_dir, 'logs', 'train_TSN.log') in message
    # TSM finished; TIN and SlowFast never started
    assert [_work_dir(c) for c in spy.tools('train')] == [
        challenge.member_dir(m) for m in (tsn, tsm)]
    assert osp.isfile(osp.join(challenge.member_dir(tsm), 'train.done'))
    assert not spy.tools('dense_test')

    spy = Spy()
    run_with(challenge, spy, jobs=2)
    assert sorted(_work_dir(c) for c in spy.tools('train')) == sorted(
        challenge.member_dir(m) for m in (tsn, tin, slowfast))


def test_ctrl_c_in_one_job_redoes_nothing_finished(challenge):
    tsm = challenge.members[1]
    # Ctrl-C once TSM's training has written its checkpoint; the other
    # three trainings, running beside it, finish.
    spy = Spy(before=_meet(4),
              during=lambda argv: 'tools/train.py' in argv and _work_dir(
                  argv) == challenge.member_dir(tsm))
    with pytest.raises(KeyboardInterrupt):
        run_with(challenge, spy, jobs=4)
    assert len(spy.tools('train')) == 4 and not spy.tools('dense_test')
    done = [osp.isfile(osp.join(challenge.member_dir(m), 'train.done'))
            for m in challenge.members]
    assert done == [True, False, True, True]

    spy = Spy()
    run_with(challenge, spy, jobs=4)
    (train, ) = spy.tools('train')
    assert _work_dir(train) == challenge.member_dir(tsm)
    assert '--resume' in train
    assert len(spy.tools('dense_test')) == 8


def test_ctrl_c_ends_the_running_jobs(challenge):
    processes = mock.Mock()
    spy = Spy(interrupt=lambda argv: 'tools/train.py' in argv)
    with mock.patch.object(runner_module, '_tool_processes', processes), \
            pytest.raises(KeyboardInterrupt):
        run_with(challenge, spy, jobs=2)
    processes.terminate.assert_called_once_with()


def test_each_running_job_sees_its_own_gpu(challenge):
    spy = Spy(before=_meet(2))
    with mock.patch.object(runner_module, 'job_devices',
                           lambda: ['5', '7']):
        run_with(challenge, spy, jobs=2)
    devices = [env['CUDA_VISIBLE_DEVICES'] for argv, env, _ in spy.calls
               if 'tools/train.py' in argv]
    assert len(devices) == 4 and set(devices[:2]) == {'5', '7'}
    assert all(not env for argv, env, _ in spy.calls
               if 'tools/ensemble.py' in argv)


def test_job_devices_follow_cuda_visible_devices(monkeypatch):
    with mock.patch('torch.cuda.device_count', return_value=0):
        assert runner_module.job_devices() == []
    with mock.patch('torch.cuda.device_count', return_value=2):
        monkeypatch.delenv('CUDA_VISIBLE_DEVICES', raising=False)
        assert runner_module.job_devices() == ['0', '1']
        monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '3, 6')
        assert runner_module.job_devices() == ['3', '6']


def test_jobs_are_checked_and_shown_in_the_dry_run(challenge):
    with pytest.raises(ValueError, match='--launcher none'):
        ChallengeRunner(challenge, launch=Launch('pytorch'), jobs=2)
    # the mini challenge's jobs = 4 holds without a launcher only
    assert ChallengeRunner(challenge, launch=Launch('pytorch')).jobs == 1
    assert ChallengeRunner(challenge).jobs == 4
    with pytest.raises(ValueError, match='jobs'):
        ChallengeRunner(challenge, jobs=0)
    lines = ChallengeRunner(challenge, jobs=3).dry_run()
    assert '# the train commands in their own processes run 3 at once, ' \
        'before the others' in lines
    assert not any('at once' in line
                   for line in ChallengeRunner(challenge, jobs=1).dry_run())
