"""Heavy tool commands run in children of a fork server: exit codes,
working directory and environment as a new interpreter's, torch's thread
pool usable although the runner has used its own, and several commands at
once from threads, each with its own variables and output."""
import json
import textwrap
import threading
import time

import pytest
import torch

from mmt_challenge.apis.tool_processes import ToolProcesses

TOOL = textwrap.dedent('''
    import json, os, sys
    import torch
    out, code = sys.argv[1], int(sys.argv[2])
    if code == 99:
        raise ValueError('the tool failed')
    x = torch.randn(256, 256)
    for _ in range(3):  # parallel operators: they hang in a child forked
        y = torch.nn.functional.conv2d(  # after the parent's pool started
            torch.randn(8, 16, 32, 32), torch.randn(16, 16, 3, 3)) @ x[:30]
    with open(out, 'w') as f:
        json.dump(dict(cwd=os.getcwd(), env=os.environ.get('TOOL_TEST_VAR'),
                       threads=torch.get_num_threads(), name=__name__,
                       path0=sys.path[0]), f)
    sys.exit(code)
''')


@pytest.fixture(scope='module')
def processes():
    return ToolProcesses()


def test_child_runs_the_tool_as_a_new_interpreter_would(
        processes, tmp_path, monkeypatch):
    torch.nn.functional.conv2d(  # this process's OpenMP pool is running
        torch.randn(8, 16, 32, 32), torch.randn(16, 16, 3, 3)).sum()
    tool = tmp_path / 'tools' / 'probe.py'
    tool.parent.mkdir()
    tool.write_text(TOOL)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('TOOL_TEST_VAR', 'seen')
    out = tmp_path / 'out.json'
    assert processes.run(['tools/probe.py', str(out), '0']) == 0
    seen = json.loads(out.read_text())
    assert seen['cwd'] == str(tmp_path)
    assert seen['env'] == 'seen'  # the environment at run time
    assert seen['name'] == '__main__'
    assert seen['path0'] == str(tool.parent)
    assert seen['threads'] == torch.get_num_threads()


def test_exit_codes_and_exceptions(processes, tmp_path, capfd):
    tool = tmp_path / 'probe.py'
    tool.write_text(TOOL)
    assert processes.run([str(tool), str(tmp_path / 'a.json'), '3']) == 3
    assert processes.run([str(tool), str(tmp_path / 'b.json'), '99']) == 1
    assert 'ValueError: the tool failed' in capfd.readouterr().err


RENDEZVOUS = textwrap.dedent('''
    import os, sys, time
    mine, other, mode = sys.argv[1:4]
    open(mine, 'w').close()
    deadline = time.time() + 60
    while not os.path.exists(other):  # the other command runs beside me
        if time.time() > deadline:
            sys.exit(5)
        time.sleep(0.05)
    print('met', os.environ['TOOL_TEST_VAR'])
    if mode == 'sleep':
        time.sleep(60)
''')


def test_commands_from_threads_run_at_once_with_their_env_and_output(
        processes, tmp_path):
    tool = tmp_path / 'rendezvous.py'
    tool.write_text(RENDEZVOUS)
    a, b = tmp_path / 'a', tmp_path / 'b'
    logs = [tmp_path / 'a.log', tmp_path / 'b.log']
    codes = {}

    def run(name, mine, other, log):
        with open(log, 'wb') as f:
            codes[name] = processes.run([str(tool), str(mine), str(other), ''],
                                        env={'TOOL_TEST_VAR': name},
                                        output=f.fileno())

    threads = [threading.Thread(target=run, args=('A', a, b, logs[0])),
               threading.Thread(target=run, args=('B', b, a, logs[1]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert codes == {'A': 0, 'B': 0}
    assert [log.read_text() for log in logs] == ['met A\n', 'met B\n']


def test_terminate_ends_commands_other_threads_wait_for(processes, tmp_path):
    tool = tmp_path / 'rendezvous.py'
    tool.write_text(RENDEZVOUS)
    started = tmp_path / 'started'
    codes = []
    thread = threading.Thread(target=lambda: codes.append(processes.run(
        [str(tool), str(started), str(started), 'sleep'],
        env={'TOOL_TEST_VAR': 'x'})))
    thread.start()
    deadline = time.time() + 60
    while not started.exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # in its 60 s sleep
    processes.terminate()
    thread.join(30)
    assert not thread.is_alive() and codes and codes[0] != 0
