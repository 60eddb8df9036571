"""Heavy tool commands run in children of a fork server: exit codes,
working directory and environment as a new interpreter's, and torch's
thread pool usable although the runner has used its own."""
import json
import textwrap

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
