"""Atomic writing of files and directories.

A file is written to a temporary file in its directory, then moved onto its
path with :func:`os.replace`; a directory is built under a temporary name
beside its path, then moved into place whole. A reader never sees a
half-written file or a directory that mixes two runs.

Temporary names carry this host and process
(``.<name>.tmp-<host>-<pid>-<random>``), so that the next write to the same
path removes what a killed run left behind, and never the temporary file of a
run that is still going (on this host; other hosts' files are left alone).
"""
import contextlib
import glob
import os
import os.path as osp
import shutil
import socket
import tempfile
import zlib
from typing import IO, Iterator, List

__all__ = [
    'atomic_open', 'atomic_write_text', 'atomic_directory',
    'remove_stale_temporaries'
]


def _host_tag() -> str:
    return f'{zlib.crc32(socket.gethostname().encode()):08x}'


def _temporary_prefix(path: str, kind: str = 'tmp') -> str:
    """``.<name>.<kind>-<host>-<pid>-``, beside ``path``."""
    return f'.{osp.basename(path)}.{kind}-{_host_tag()}-{os.getpid()}-'


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_temporaries(path: str) -> List[str]:
    """Remove the temporary files and directories that killed writes of
    ``path`` on this host left beside it.

    Args:
        path (str): The final file or directory.

    Returns:
        list[str]: What was removed.
    """
    directory = osp.dirname(osp.abspath(path))
    pattern = osp.join(glob.escape(directory),
                       f'.{glob.escape(osp.basename(path))}.*-*-*-*')
    removed = []
    for candidate in glob.glob(pattern):
        tag = osp.basename(candidate)[len(osp.basename(path)) + 2:]
        kind, _, rest = tag.partition('-')
        host, _, rest = rest.partition('-')
        pid = rest.partition('-')[0]
        if (kind not in ('tmp', 'old') or host != _host_tag()
                or not pid.isdigit() or _process_alive(int(pid))):
            continue
        if osp.isdir(candidate) and not osp.islink(candidate):
            shutil.rmtree(candidate, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.remove(candidate)
        removed.append(candidate)
    return removed


@contextlib.contextmanager
def atomic_open(path: str, mode: str = 'wb', **kwargs) -> Iterator[IO]:
    """Open a temporary file beside ``path``; move it onto ``path`` on success.

    Temporary files that killed writes of ``path`` left behind are removed
    first.

    Args:
        path (str): The final file. Its directory is created if needed.
        mode (str): ``'wb'`` or ``'w'``. Defaults to ``'wb'``.
        **kwargs: Passed to :func:`os.fdopen` (e.g. ``encoding``,
            ``newline``).

    Yields:
        IO: The open temporary file. If the block raises, the temporary file
        is removed and ``path`` is left untouched.
    """
    if mode not in ('w', 'wb'):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp_path = tempfile.mkstemp(
        dir=directory, prefix=_temporary_prefix(path))
    try:
        # mkstemp creates the file readable by its owner only; give it the
        # permissions an ordinary open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
        os.replace(tmp_path, path)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_open(path, 'w', encoding='utf-8') as f:
        f.write(text)


@contextlib.contextmanager
def atomic_directory(path: str) -> Iterator[str]:
    """Build a directory under a temporary name; move it onto ``path`` whole.

    An existing ``path`` is replaced (moved aside, then removed) only when
    the block succeeds, so ``path`` holds either the old directory or the
    new one, never a mix; a kill between the two moves leaves no directory
    at ``path`` and the old one under a temporary name, which the next
    write of ``path`` removes.

    Args:
        path (str): The final directory. Its parent is created if needed.

    Yields:
        str: The empty temporary directory to fill.
    """
    path = osp.abspath(path)
    parent = osp.dirname(path)
    os.makedirs(parent, exist_ok=True)
    remove_stale_temporaries(path)
    tmp_dir = tempfile.mkdtemp(dir=parent, prefix=_temporary_prefix(path))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_dir, 0o777 & ~umask)
        yield tmp_dir
        if osp.lexists(path):
            old = tempfile.mkdtemp(
                dir=parent, prefix=_temporary_prefix(path, 'old'))
            os.rmdir(old)
            os.rename(path, old)
            os.rename(tmp_dir, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp_dir, path)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
