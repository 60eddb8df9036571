"""Backbones registered in MMAction2's MODELS."""
from .resnet_tin_torch import InterlacedConv, ResNetTINTorch
from .temporal_interlace import OffsetNet, TemporalInterlace, WeightNet

__all__ = [
    'ResNetTINTorch', 'InterlacedConv', 'TemporalInterlace', 'OffsetNet',
    'WeightNet'
]
