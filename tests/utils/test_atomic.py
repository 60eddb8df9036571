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
