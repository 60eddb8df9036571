"""The installed environment: one distribution provides ``cv2``."""
import importlib.metadata
import os.path as osp

import cv2


def _cv2_providers() -> dict:
    """Installed distributions whose files include the ``cv2`` package,
    by name, with the paths of their ``cv2/__init__.py``."""
    providers = {}
    for dist in importlib.metadata.distributions():
        for file in dist.files or ():
            if file.parts == ('cv2', '__init__.py'):
                providers[dist.metadata['Name']] = osp.realpath(
                    dist.locate_file(file))
    return providers


def test_exactly_one_distribution_provides_cv2():
    """mmengine, mmcv-lite and mmaction2 require opencv-python and
    opencv-contrib-python; setup.py satisfies those names with the
    metadata-only stand-ins in shims/, so opencv-python-headless alone
    installs ``cv2`` and no install order decides which build is loaded."""
    providers = _cv2_providers()
    assert list(providers) == ['opencv-python-headless'], providers
    assert providers['opencv-python-headless'] == osp.realpath(cv2.__file__)
    for name in ('opencv-python', 'opencv-contrib-python'):
        dist = importlib.metadata.distribution(name)
        assert dist.read_text('top_level.txt').strip() == '', name
        assert dist.requires == ['opencv-python-headless==4.11.0.86'], name
