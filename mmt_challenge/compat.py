"""Workarounds for the packaging bugs of the pinned MMAction2 / mmengine / torch stack.

Everything the package needs to patch lives here, applied once by
``import mmt_challenge`` (nothing in site-packages is edited):

1. The mmaction2 1.2.0 wheel ships ``mmaction/models/localizers/__init__.py``
   importing ``.drn.drn.DRN`` but not the ``drn`` package itself (upstream
   issue 2714), so ``import mmaction.models`` fails. We register a placeholder
   ``DRN`` module before MMAction2's models are imported; building ``DRN``
   raises a clear error instead of breaking every other model.
2. mmengine 0.10.7 saves ``HistoryBuffer`` objects, numpy arrays and scalars in
   its checkpoints, and torch >= 2.6 loads with ``weights_only=True``, so
   ``--resume`` fails on mmengine's own checkpoints. We allowlist exactly those
   types. ``HistoryBuffer.__getstate__`` pickles its statistics methods as
   ``getattr(HistoryBuffer, 'mean')``; allowlisting ``builtins.getattr`` would
   let any checkpoint call any attribute, so instead the name ``builtins.getattr``
   is bound to :func:`_history_buffer_getattr`, which resolves only the
   statistics methods registered on ``HistoryBuffer`` and refuses everything
   else. Loading stays weights-only: a checkpoint from elsewhere cannot run code.
3. mmcv-lite warns on every import that ``MultiScaleDeformableAttention`` (a
   compiled op no member uses) is missing; that one warning is silenced.
"""
import sys
import types
import warnings

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

__all__ = ['patch_mmaction_drn', 'allow_mmengine_checkpoint_types',
           'MMENGINE_CHECKPOINT_GLOBALS']

_DRN_MODULE = 'mmaction.models.localizers.drn'


def patch_mmaction_drn() -> None:
    """Make ``import mmaction.models`` work with the broken 1.2.0 wheel."""
    try:
        import mmaction.models.localizers.drn.drn  # noqa: F401
        return  # a fixed wheel or a source install: nothing to do
    except ImportError:
        pass

    class DRN(torch.nn.Module):
        """Placeholder for MMAction2's DRN, missing from the 1.2.0 wheel."""

        def __init__(self, *args, **kwargs):
            raise ImportError(
                'DRN is not available: the mmaction2 1.2.0 wheel does not '
                'ship mmaction/models/localizers/drn (upstream issue 2714). '
                'Install MMAction2 from source to use it.')

    package = types.ModuleType(_DRN_MODULE)
    package.__path__ = []  # mark it as a package
    module = types.ModuleType(f'{_DRN_MODULE}.drn')
    module.DRN = DRN
    package.drn = module
    sys.modules[_DRN_MODULE] = package
    sys.modules[f'{_DRN_MODULE}.drn'] = module


def _history_buffer_getattr(obj, name: str):
    """Stand-in for ``builtins.getattr`` inside weights-only checkpoint loading.

    Only ``getattr(HistoryBuffer, <registered statistics method>)`` resolves.
    """
    statistics = HistoryBuffer._statistics_methods
    if obj is HistoryBuffer and name in ('min', 'max', 'current', 'mean',
                                         *statistics):
        return getattr(HistoryBuffer, name)
    raise torch.serialization.pickle.UnpicklingError(
        f'Refusing getattr({obj!r}, {name!r}) while loading a checkpoint '
        'with weights_only=True: only HistoryBuffer statistics methods are '
        'allowed.')


def _numpy_dtype_classes() -> list:
    return sorted({type(np.dtype(code)) for code in np.typecodes['All']},
                  key=lambda cls: cls.__name__)


MMENGINE_CHECKPOINT_GLOBALS = [
    HistoryBuffer,
    np.core.multiarray.scalar,
    np.core.multiarray._reconstruct,
    np.ndarray,
    np.dtype,
    *_numpy_dtype_classes(),
    (_history_buffer_getattr, 'builtins.getattr'),
]


def allow_mmengine_checkpoint_types() -> None:
    """Allowlist what mmengine stores in checkpoints for weights-only loading."""
    torch.serialization.add_safe_globals(MMENGINE_CHECKPOINT_GLOBALS)


def apply() -> None:
    """Apply every workaround; idempotent."""
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    patch_mmaction_drn()
    allow_mmengine_checkpoint_types()
