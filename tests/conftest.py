"""Shared fixtures: tiny generated videos on disk."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

# Tests run on two cores next to each other; one torch thread each is fastest.
os.environ.setdefault('OMP_NUM_THREADS', '1')

# Before any test module imports mmaction.models: the package's compat
# workarounds make the pinned mmaction2 wheel importable (docs/design.md).
import mmt_challenge  # noqa: E402,F401


def write_video(path: str, num_frames: int = 8, size: int = 32,
                seed: int = 0) -> str:
    """Write a small random-colour mp4 that decord can read."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    rng = np.random.default_rng(seed)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (size, size))
    for _ in range(num_frames):
        writer.write(rng.integers(0, 256, (size, size, 3), dtype=np.uint8))
    writer.release()
    return path


def write_broken_video(path: str) -> str:
    """Write a file with an .mp4 name that no decoder can open."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(b'\x00not a video\x00' * 64)
    return path


@pytest.fixture
def video_factory(tmp_path):
    """Create videos under ``tmp_path / 'videos'``; returns the root."""
    root = tmp_path / 'videos'

    def make(relpath: str, broken: bool = False, **kwargs) -> str:
        path = str(root / relpath)
        return write_broken_video(path) if broken else write_video(
            path, **kwargs)

    make.root = str(root)
    return make


@pytest.fixture(autouse=True, scope='session')
def mmaction_scope():
    """Build components in MMAction2's registry scope, as configs do."""
    import mmt_challenge  # noqa: F401
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
