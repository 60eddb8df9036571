"""timm for the config audit without torchvision.

timm imports ``torchvision`` at import time (``FrozenBatchNorm2d``, the image
transforms), but no torchvision on PyPI fits the CPU build of torch 2.13.0
(setup.py, the ``timm`` extra). The members' timm backbones never call those
names, so where torchvision is missing the audit gives timm a stand-in whose
attributes are empty classes: the backbone code under test is timm's own.
"""
import enum
import importlib.abc
import importlib.machinery
import sys
import types

import pytest


class _Placeholder:

    def __init__(self, *args, **kwargs):
        pass


class _StandInModule(types.ModuleType):

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        if name == 'InterpolationMode':  # an Enum that timm iterates
            return enum.Enum('InterpolationMode',
                             'NEAREST BILINEAR BICUBIC BOX HAMMING LANCZOS '
                             'NEAREST_EXACT')
        return type(name, (_Placeholder, ), {})


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers ``import torchvision[.x]`` with stand-in modules."""

    def find_spec(self, name, path, target=None):
        if name == 'torchvision' or name.startswith('torchvision.'):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _StandInModule(spec.name)
        module.__path__ = []
        module.__version__ = '0.0.0+stand-in'
        return module

    def exec_module(self, module):
        pass


def import_timm():
    """``timm``, with a torchvision stand-in where torchvision is missing;
    skips the test where timm itself is not installed."""
    try:
        import timm
        return timm
    except ModuleNotFoundError as error:
        if error.name != 'torchvision':
            pytest.skip(f'timm is not installed: {error}')
    sys.meta_path.insert(0, _StandInFinder())
    import timm
    return timm


@pytest.fixture
def timm_backbones():
    """Call with a config: imports timm first if its backbone is timm's."""

    def prepare(cfg):
        if str(cfg.model.backbone.type).startswith('timm.'):
            import_timm()

    return prepare
