"""Atomic file writing: a temporary file in the target directory, then
:func:`os.replace`, so a reader never sees a half-written file."""
import contextlib
import os
import os.path as osp
import tempfile
from typing import IO, Iterator

__all__ = ['atomic_open', 'atomic_write_text']


@contextlib.contextmanager
def atomic_open(path: str, mode: str = 'wb', **kwargs) -> Iterator[IO]:
    """Open a temporary file beside ``path``; move it onto ``path`` on success.

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
    fd, tmp_path = tempfile.mkstemp(
        dir=directory, prefix=f'.{osp.basename(path)}.', suffix='.tmp')
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
