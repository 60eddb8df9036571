"""Ops: the temporal interlace shift of TIN, in plain PyTorch."""
from .tin_shift import linear_tin_shift, tin_shift

__all__ = ['tin_shift', 'linear_tin_shift']
