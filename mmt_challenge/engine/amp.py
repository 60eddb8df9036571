"""Automatic mixed precision for training and testing: one place that says
which precision runs where.

* Training (``tools/train.py --amp [fp16|bf16]``): mmengine's
  ``AmpOptimWrapper`` (autocast plus a dynamic loss scale), which mmengine
  0.10.7 allows on CUDA / NPU / MLU / MUSA only; on a CPU-only machine the
  flag is refused here, with a message, before the Runner builds.
* Testing (``tools/dense_test.py --amp [fp16|bf16]``): ``torch.autocast`` on
  the model's device; on a CPU only ``bf16`` (``torch.autocast('cpu')`` has
  no float16 convolutions worth using), and scores are then not equal to the
  float32 ones.
"""
import argparse
from typing import Optional

import torch
from mmengine.config import ConfigDict

__all__ = [
    'AMP_DTYPES', 'add_amp_argument', 'amp_dtype', 'amp_optim_wrapper',
    'autocast'
]

#: ``--amp`` value -> autocast dtype (and mmengine's ``dtype`` name).
AMP_DTYPES = {'fp16': torch.float16, 'bf16': torch.bfloat16}


def amp_dtype(amp: str, device_type: str) -> torch.dtype:
    """The autocast dtype of an ``--amp`` value on a device type.

    Args:
        amp (str): ``'fp16'`` or ``'bf16'``.
        device_type (str): ``'cuda'``, ``'cpu'``, ...

    Returns:
        torch.dtype: ``torch.float16`` or ``torch.bfloat16``.

    Raises:
        ValueError: For another value, or fp16 on a CPU.
    """
    if amp not in AMP_DTYPES:
        raise ValueError(f'amp must be one of {sorted(AMP_DTYPES)}, got '
                         f'{amp!r}')
    if device_type == 'cpu' and amp == 'fp16':
        raise ValueError('--amp fp16 needs a CUDA device; on a CPU use '
                         '--amp bf16 (bfloat16 autocast) or no --amp')
    return AMP_DTYPES[amp]


def autocast(amp: Optional[str], device: torch.device):
    """``torch.autocast`` for ``amp`` on ``device`` (disabled for None)."""
    device = torch.device(device)
    if amp is None:
        return torch.autocast(device.type, enabled=False)
    return torch.autocast(device.type, dtype=amp_dtype(amp, device.type))


def amp_optim_wrapper(optim_wrapper: dict,
                      amp: str,
                      *,
                      cuda_available: Optional[bool] = None) -> ConfigDict:
    """An ``optim_wrapper`` config trained with mmengine's AmpOptimWrapper.

    Args:
        optim_wrapper (dict): The config's ``optim_wrapper``
            (``OptimWrapper`` or already ``AmpOptimWrapper``).
        amp (str): ``'fp16'`` or ``'bf16'``.
        cuda_available (bool, optional): Defaults to None
            (``torch.cuda.is_available()``).

    Returns:
        ConfigDict: A copy with ``type='AmpOptimWrapper'``, ``dtype``
        (``'float16'`` / ``'bfloat16'``) and ``loss_scale='dynamic'`` unless
        the config sets one.

    Raises:
        ValueError: Without CUDA, for another wrapper type or ``amp``.
    """
    if cuda_available is None:
        cuda_available = torch.cuda.is_available()
    if not cuda_available:
        raise ValueError(
            '--amp trains with mmengine\'s AmpOptimWrapper, which needs a '
            'CUDA device (none is available); train without --amp on a CPU')
    dtype = amp_dtype(amp, 'cuda')
    wrapper = ConfigDict(optim_wrapper)
    kind = wrapper.get('type', 'OptimWrapper')
    if kind not in ('OptimWrapper', 'AmpOptimWrapper'):
        raise ValueError(f'--amp does not support the optimizer wrapper '
                         f'{kind!r}')
    wrapper.type = 'AmpOptimWrapper'
    wrapper.dtype = str(dtype).replace('torch.', '')
    wrapper.setdefault('loss_scale', 'dynamic')
    return wrapper


def add_amp_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """Add ``--amp [fp16|bf16]`` (``--amp`` alone means fp16) to a tool."""
    parser.add_argument(
        '--amp', nargs='?', const='fp16', choices=sorted(AMP_DTYPES),
        help=help)
