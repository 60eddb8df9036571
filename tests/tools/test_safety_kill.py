"""SIGKILL in the middle of writing, then a rerun: the report directory is
the old report or the new one, never a mix, and no temporary file of the
killed run survives the rerun."""
import os
import subprocess
import sys

from .conftest import ROOT, run_in_process, snapshot

# Runs a tool with one function replaced by a SIGKILL of the process.
KILL_AT = """
import os, runpy, signal, sys
target, attribute, after = sys.argv[1], sys.argv[2], int(sys.argv[3])
owner = __import__(target, fromlist=['_'])
*path, attribute = attribute.split('.')
for part in path:
    owner = getattr(owner, part)
original = getattr(owner, attribute)
calls = []
def kill(*args, **kwargs):
    calls.append(1)
    if len(calls) > after:
        os.kill(os.getpid(), signal.SIGKILL)
    return original(*args, **kwargs)
setattr(owner, attribute, kill)
sys.argv = sys.argv[4:]
runpy.run_path(sys.argv[0], run_name='__main__')
"""


def _killed(*args, kill_at):
    """Run ``python tools/...`` in a subprocess, killed as ``kill_at`` says:
    (module, attribute, number of calls that go through)."""
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    return subprocess.run(
        [sys.executable, '-c', KILL_AT, *kill_at, *map(str, args)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def _hidden(directory):
    return sorted(n for n in os.listdir(directory) if n.startswith('.'))


def test_killed_submission_leaves_no_temporary_after_a_rerun(
        fused, tmp_path, monkeypatch, capsys):
    path, test_list = fused
    inputs = snapshot(path, test_list)
    out = tmp_path / 'subs' / 'top5.txt'
    args = (path, '--out', out, '--test-list', test_list)
    killed = _killed('tools/make_submission.py', *args,
                     kill_at=('os', 'replace', '0'))
    assert killed.returncode == -9
    assert not out.exists()
    assert len(_hidden(out.parent)) == 1  # the killed run's temporary file

    code, stdout, err = run_in_process(monkeypatch, capsys,
                                       'make_submission.py', *args)
    assert code == 0, err
    assert 'validated' in stdout
    assert _hidden(out.parent) == []
    assert len(out.read_text().splitlines()) == 6
    assert snapshot(path, test_list) == inputs


def test_killed_report_is_never_mixed(ensemble, tmp_path, monkeypatch,
                                      capsys):
    report = tmp_path / 'report'
    base = (ensemble['recipe'], '--ann', ensemble['ann'], '--report', report,
            '--out', report / 'val_fused.npz')
    code, _, err = run_in_process(monkeypatch, capsys, 'ensemble.py', *base)
    assert code == 0, err
    old = snapshot(report)
    assert len(old) >= 5

    # Other weights (a member setting the recipe leaves at its default, so
    # marked +), killed while saving its second plot.
    second = (*base, '--cfg-options', '+members.0.weight=3.0')
    killed = _killed('tools/ensemble.py', *second,
                     kill_at=('matplotlib.figure', 'Figure.savefig', '1'))
    assert killed.returncode == -9
    assert snapshot(report) == old  # the whole old report, nothing new
    assert _hidden(tmp_path) != []  # the killed run's temporary directory

    code, _, err = run_in_process(monkeypatch, capsys, 'ensemble.py', *second)
    assert code == 0, err
    assert _hidden(tmp_path) == []
    new = snapshot(report)
    assert set(new) == set(old)
    assert new[str(report / 'weights.json')] != old[str(report /
                                                       'weights.json')]
    assert new[str(report / 'val_fused.npz')] != old[str(report /
                                                        'val_fused.npz')]
