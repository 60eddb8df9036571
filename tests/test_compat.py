import importlib
import io
import pickle
import sys
import warnings

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import mmt_challenge  # noqa: F401  applies the workarounds
from mmt_challenge import compat


def test_mmaction_models_import_and_drn_placeholder():
    models = importlib.import_module('mmaction.models')
    assert hasattr(models, 'TSNHead')
    from mmaction.models.localizers import DRN
    with pytest.raises(ImportError, match='upstream issue 2714'):
        DRN()


def test_apply_is_idempotent(tmp_path):
    """A second ``apply()`` adds nothing and replaces nothing: the same
    allowlist, the same warning filters, the same DRN placeholder modules
    (a replaced module would leave two ``DRN`` classes), and the workarounds
    still work."""
    compat.apply()  # pytest resets the warning filters for each test
    drn_names = (compat._DRN_MODULE, f'{compat._DRN_MODULE}.drn')
    drn_modules = [sys.modules.get(name) for name in drn_names]
    safe_globals = list(torch.serialization.get_safe_globals())
    filters = list(warnings.filters)
    compat.apply()
    after = list(torch.serialization.get_safe_globals())
    assert len(after) == len(safe_globals)
    assert set(after) == set(safe_globals)
    assert len(warnings.filters) == len(filters)
    assert set(warnings.filters) == set(filters)
    assert [sys.modules.get(name) for name in drn_names] == drn_modules
    from mmaction.models.localizers import DRN
    assert DRN is drn_modules[1].DRN
    path = tmp_path / 'epoch_2.pth'
    torch.save(_mmengine_like_checkpoint(), path)
    assert torch.load(path, weights_only=True)['meta']['iter'] == 7


def _mmengine_like_checkpoint():
    hub = MessageHub.get_instance('compat-test')
    for value in (0.5, 0.25, 0.125):
        hub.update_scalar('train/loss', value)
    hub.update_info('iter', 7)
    return {
        'meta': {'epoch': 2, 'iter': 7, 'seed': np.int64(3),
                 'lr': np.float64(0.01), 'dtype': np.dtype('float32')},
        'state_dict': {'w': torch.randn(3, 4)},
        'message_hub': hub.state_dict(),
        'history': HistoryBuffer([1.0, 2.0], [1, 1]),
        'array': np.arange(6, dtype=np.int32).reshape(2, 3),
    }


def test_mmengine_checkpoint_loads_weights_only(tmp_path):
    path = tmp_path / 'epoch_2.pth'
    checkpoint = _mmengine_like_checkpoint()
    torch.save(checkpoint, path)
    loaded = torch.load(path, weights_only=True)
    torch.testing.assert_close(loaded['state_dict']['w'],
                               checkpoint['state_dict']['w'])
    assert loaded['meta']['seed'] == 3
    assert loaded['meta']['dtype'] == np.float32
    np.testing.assert_array_equal(loaded['array'], checkpoint['array'])
    history = loaded['message_hub']['log_scalars']['train/loss']
    assert history.mean() == pytest.approx(0.875 / 3)
    assert loaded['history'].current() == 2.0


class _RunsCode:
    """A pickle payload that would call ``os.getcwd`` when loaded."""

    def __reduce__(self):
        import os
        return (os.getcwd, ())


class _AttributeLookup:
    """A payload that looks up a non-statistics attribute of an allowed
    class through ``getattr`` while loading."""

    def __reduce__(self):
        return (getattr, (HistoryBuffer, 'register_statistics'))


@pytest.mark.parametrize('payload', [_RunsCode(), _AttributeLookup()])
def test_foreign_code_is_still_refused(tmp_path, payload):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': payload}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)


def test_getattr_stand_in_only_resolves_history_buffer_methods():
    assert compat._history_buffer_getattr(HistoryBuffer,
                                          'mean') is HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError, match='Refusing getattr'):
        compat._history_buffer_getattr(HistoryBuffer, '__init__')
    with pytest.raises(pickle.UnpicklingError, match='Refusing getattr'):
        compat._history_buffer_getattr(io, 'open')
