"""The commands in the README and docs/ run as written.

Every ``python tools/...`` command of a ``bash`` block must name files that
exist and parse with its tool's own argument parser (the parser runs
in-process, so a renamed flag or a removed tool fails here without running
any training). Usage synopses (``[--flag]``, ``<placeholder>``) and commands
built from shell variables are checked for the files they name only.
"""
import importlib.util
import os.path as osp
import re
import shlex
import sys
from glob import glob

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DOCS = [osp.join(ROOT, 'README.md')] + sorted(
    glob(osp.join(ROOT, 'docs', '*.md')))
REPO_PATH = re.compile(
    r'^(configs|ensembles|challenges|tools|benchmarks)/[^\s]*\.(py|sh)$')
PLACEHOLDER = re.compile(r'[\[\]<>$*]|\.\.\.|\{|\}')
# Files named ``my_*`` stand for the reader's own (a challenge config the docs
# show how to write), not for files of the repository.
READERS_FILE = re.compile(r'(^|/)my_[^/]*$')


def _bash_blocks(path):
    text = open(path, encoding='utf-8').read()
    return re.findall(r'```bash\n(.*?)```', text, flags=re.S)


def _commands(block):
    """Shell segments of a block: continuations joined, split on ``&&``,
    ``;``, ``|`` and newlines."""
    joined = re.sub(r'\\\n\s*', ' ', block)
    for line in joined.splitlines():
        line = line.split(' #', 1)[0].strip()
        for segment in re.split(r'&&|;|\|\|?', line):
            if segment.strip():
                yield segment.strip()


def _tool_invocation(tokens):
    """``(script, args)`` of ``[ENV=..] python|bash|torchrun ... script
    args``, or None."""
    tokens = [t for t in tokens]
    while tokens and (re.match(r'^[A-Z_]+=', tokens[0])
                      or tokens[0] in ('do', 'then', 'else')):
        tokens.pop(0)
    if not tokens or tokens[0] not in ('python', 'python3', 'bash',
                                       'torchrun'):
        return None
    for i, token in enumerate(tokens[1:], start=1):
        if REPO_PATH.match(token):
            return token, tokens[i + 1:]
    return None


def _list_variables(block):
    """Variables a block builds up as argument lists (``ARGS=""`` then
    ``ARGS="$ARGS ..."``): no single value stands for them."""
    return set(re.findall(r'(?:^|\s)(\w+)=""', block))


def _all_commands():
    for doc in DOCS:
        for block in _bash_blocks(doc):
            lists = _list_variables(block)
            for command in _commands(block):
                if any(re.search(rf'\${name}\b', command) for name in lists):
                    continue  # its arguments are only known when it runs
                yield osp.relpath(doc, ROOT), command


COMMANDS = list(_all_commands())


def test_the_docs_have_commands():
    docs = {doc for doc, _ in COMMANDS}
    assert 'README.md' in docs and len(COMMANDS) > 20


@pytest.mark.parametrize('doc, command', COMMANDS)
def test_named_files_exist(doc, command):
    try:
        tokens = shlex.split(command)
    except ValueError:
        pytest.skip('not a simple shell command')
    for token in tokens:
        for part in token.split('='):
            if REPO_PATH.match(part) and not PLACEHOLDER.search(part) \
                    and not READERS_FILE.search(part):
                assert osp.exists(osp.join(ROOT, part)), \
                    f'{doc}: {part} does not exist ({command!r})'


def _load_tool(script):
    name = 'doc_tool_' + re.sub(r'\W', '_', script)
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(ROOT, script))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    return module


def _fill_placeholders(command):
    """``<run>``, ``$VAR`` and ``${VAR...}`` stand for a value: use ``1``
    (a valid path and a valid number)."""
    return re.sub(r'<[^<>]*>|\$\{[^}]*\}|\$\w+', '1', command)


SYNOPSIS = re.compile(r'[\[\]]|\.\.\.|\$\(')
PARSEABLE = [(doc, _fill_placeholders(command)) for doc, command in COMMANDS
             if not SYNOPSIS.search(command)
             and re.search(r'(^|\s)tools/[\w/]+\.py', command)]


@pytest.mark.parametrize('doc, command', PARSEABLE)
def test_tool_arguments_parse(doc, command, monkeypatch):
    invocation = _tool_invocation(shlex.split(command))
    assert invocation is not None, f'{doc}: cannot read {command!r}'
    script, args = invocation
    module = _load_tool(script)
    if not hasattr(module, 'parse_args'):
        pytest.skip(f'{script} has no parse_args')
    monkeypatch.setattr(sys, 'argv', [script] + args)
    monkeypatch.setenv('LOCAL_RANK', '0')
    try:
        module.parse_args()
    except SystemExit as e:
        pytest.fail(f'{doc}: {script} rejects its arguments ({command!r}): '
                    f'exit {e.code}')
