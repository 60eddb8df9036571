import os

import pytest

from mmt_challenge.utils import atomic_open, atomic_write_text


def test_atomic_write_text_replaces_whole_file(tmp_path):
    path = tmp_path / 'sub' / 'out.txt'
    atomic_write_text(str(path), 'first\n')
    atomic_write_text(str(path), 'second\n')
    assert path.read_text() == 'second\n'
    assert os.listdir(path.parent) == ['out.txt']


def test_failed_write_leaves_old_file_and_no_temporary(tmp_path):
    path = tmp_path / 'out.bin'
    path.write_bytes(b'old')
    with pytest.raises(RuntimeError, match='interrupted'):
        with atomic_open(str(path), 'wb') as f:
            f.write(b'half')
            raise RuntimeError('interrupted')
    assert path.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['out.bin']


def test_rejects_read_modes(tmp_path):
    with pytest.raises(ValueError, match="mode must be 'w' or 'wb'"):
        with atomic_open(str(tmp_path / 'x'), 'r'):
            pass


def _stale(tmp_path, name, kind='tmp', pid=None):
    """A temporary name as a killed process of this host leaves it."""
    from mmt_challenge.utils.atomic import _host_tag
    pid = pid if pid is not None else _dead_pid()
    return tmp_path / f'.{name}.{kind}-{_host_tag()}-{pid}-abc123'


def _dead_pid():
    import subprocess
    import sys
    process = subprocess.Popen([sys.executable, '-c', 'pass'])
    process.wait()
    return process.pid


def test_next_write_removes_temporaries_of_killed_writers(tmp_path):
    from mmt_challenge.utils import remove_stale_temporaries
    stale = _stale(tmp_path, 'out.txt')
    stale.write_text('half')
    stale_dir = _stale(tmp_path, 'out.txt', kind='old')
    stale_dir.mkdir()
    live = _stale(tmp_path, 'out.txt', pid=os.getpid())  # a running writer
    live.write_text('busy')
    other = tmp_path / '.out.txt.tmp-ffffffff-1-x'  # another host's
    other.write_text('remote')
    atomic_write_text(str(tmp_path / 'out.txt'), 'new\n')
    assert sorted(os.listdir(tmp_path)) == sorted(
        ['out.txt', live.name, other.name])
    assert remove_stale_temporaries(str(tmp_path / 'out.txt')) == []


def test_atomic_directory_replaces_whole_or_not_at_all(tmp_path):
    from mmt_challenge.utils import atomic_directory
    target = tmp_path / 'report'
    with atomic_directory(str(target)) as tmp:
        with open(os.path.join(tmp, 'a.txt'), 'w') as f:
            f.write('1')
    assert os.listdir(target) == ['a.txt']
    with pytest.raises(RuntimeError):
        with atomic_directory(str(target)) as tmp:
            with open(os.path.join(tmp, 'b.txt'), 'w') as f:
                f.write('2')
            raise RuntimeError('killed')
    assert os.listdir(target) == ['a.txt']
    with atomic_directory(str(target)) as tmp:
        with open(os.path.join(tmp, 'b.txt'), 'w') as f:
            f.write('2')
    assert os.listdir(target) == ['b.txt']
    assert sorted(os.listdir(tmp_path)) == ['report']
