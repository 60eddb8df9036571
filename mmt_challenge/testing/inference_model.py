"""A test-time copy of a recognizer that runs the same function faster.

:func:`prepare_inference_model` returns a deep copy of an eval-mode
recognizer with three changes that leave its outputs equal up to float
rounding (the dense test checks 1e-5 on probabilities against MMAction2):

* **Conv-BN folding**: every mmcv ``ConvModule`` whose convolution is
  followed by an eval-mode ``BatchNorm`` gets the normalisation folded into
  the convolution's weight and bias (``torch.nn.utils.fusion``), and the
  norm replaced by an identity. Convolutions wrapped by a temporal module
  (TSM's ``TemporalShift``, TIN's ``TemporalInterlace``: the wrapper's
  ``net``) are folded too. BN in eval mode is an affine map per channel, so
  ``bn(conv(x)) = conv'(x)`` with ``W' = W * g / s`` and ``b' = (b - mu) *
  g / s + beta`` (``s = sqrt(var + eps)``); it saves a pass over every
  activation.
* **channels_last** (2D members only): oneDNN's convolutions run on NHWC
  without reordering their inputs and outputs.
* **A temporal shift that keeps the memory format**: MMAction2's
  ``TemporalShift.shift`` views the feature as ``[N/T, T, C, H*W]`` and
  concatenates slices, which returns NCHW-contiguous memory, so every
  following convolution would reorder a channels_last feature back.
  :class:`MemoryFormatTemporalShift` moves the same channels (the same
  values, zeros shifted in) into a tensor of the input's layout.

Why our own code: PyTorch's ``fuse_conv_bn_eval`` folds one pair, but
neither mmengine nor MMAction2 walk a recognizer's ``ConvModule`` tree
(mmcv's compiled ``fuse_conv_bn`` is absent from mmcv-lite and skips
wrapped convolutions), and ``torch.jit.trace`` + ``optimize_for_inference``
mis-traces TSM's shift (probabilities off by up to 1 here).
"""
import copy
from typing import Tuple

import torch
from mmaction.models.backbones.resnet_tsm import TemporalShift
from mmcv.cnn import ConvModule
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd
from torch.nn.utils.fusion import fuse_conv_bn_eval

__all__ = [
    'MemoryFormatTemporalShift', 'fold_conv_bn', 'prepare_inference_model',
    'replace_temporal_shifts'
]


class MemoryFormatTemporalShift(nn.Module):
    """TSM's temporal shift in the input's memory format, then ``net``.

    The first ``C // shift_div`` channels of frame ``t`` take frame
    ``t + 1``'s (zeros at the last frame), the next ``C // shift_div`` take
    frame ``t - 1``'s (zeros at the first), the rest stay: exactly
    MMAction2's ``TemporalShift.shift``.

    Args:
        net (nn.Module): The module run on the shifted feature.
        num_segments (int): Frames per clip ``T``.
        shift_div (int): ``C // shift_div`` channels shift each way.

    Shapes:
        x (Tensor): ``[N * T, C, H, W]``, any memory format; returns
        ``net``'s output on the shifted ``[N * T, C, H, W]`` feature (of the
        same memory format as ``x``).
    """

    def __init__(self, net: nn.Module, num_segments: int,
                 shift_div: int) -> None:
        super().__init__()
        self.net = net
        self.num_segments = num_segments
        self.shift_div = shift_div

    @classmethod
    def from_temporal_shift(
            cls, module: TemporalShift) -> 'MemoryFormatTemporalShift':
        """The same shift around the same ``net`` as an MMAction2
        ``TemporalShift``."""
        return cls(module.net, module.num_segments, module.shift_div)

    def shift(self, x: Tensor) -> Tensor:
        """The shifted feature, ``[N * T, C, H, W]`` as ``x``."""
        n, c, h, w = x.shape
        t, fold = self.num_segments, c // self.shift_div
        clips = x.view(n // t, t, c, h, w)
        out = torch.empty_like(x)
        shifted = out.view(n // t, t, c, h, w)
        shifted[:, :-1, :fold] = clips[:, 1:, :fold]
        shifted[:, -1:, :fold] = 0
        shifted[:, 1:, fold:2 * fold] = clips[:, :-1, fold:2 * fold]
        shifted[:, :1, fold:2 * fold] = 0
        shifted[:, :, 2 * fold:] = clips[:, :, 2 * fold:]
        return out

    def forward(self, x: Tensor) -> Tensor:
        return self.net(self.shift(x))


def _wrapped_conv(module: nn.Module) -> Tuple[nn.Module, str]:
    """The module holding the convolution of a ``ConvModule.conv`` and the
    attribute naming it (through wrappers that keep it as ``net``)."""
    parent, name = None, 'conv'
    target = module
    while not isinstance(target, _ConvNd) and isinstance(
            getattr(target, 'net', None), nn.Module):
        parent, name, target = target, 'net', target.net
    return (parent, name) if isinstance(target, _ConvNd) else (None, '')


def fold_conv_bn(model: nn.Module) -> int:
    """Fold eval-mode BatchNorms into the convolutions before them, in place.

    Only ``ConvModule`` s whose order puts the conv before the norm, whose
    norm is a ``_BatchNorm`` with running statistics, and whose modules are
    all in eval mode are folded.

    Args:
        model (nn.Module): Modified in place.

    Returns:
        int: The number of BatchNorms folded.
    """
    folded = 0
    for module in model.modules():
        if not isinstance(module, ConvModule) or not module.with_norm:
            continue
        norm = module.norm
        order = list(module.order)
        if (not isinstance(norm, _BatchNorm) or norm.running_mean is None
                or order.index('norm') < order.index('conv') or
                module.training):
            continue
        parent, name = _wrapped_conv(module.conv)
        if name == '':
            continue
        holder = module if parent is None else parent
        conv = getattr(holder, name)
        setattr(holder, name, fuse_conv_bn_eval(conv, norm))
        setattr(module, module.norm_name, nn.Identity())
        folded += 1
    return folded


def replace_temporal_shifts(model: nn.Module) -> int:
    """Swap MMAction2 ``TemporalShift`` s for
    :class:`MemoryFormatTemporalShift` s, in place.

    Returns:
        int: The number of shifts replaced.
    """
    replaced = 0
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if type(child) is TemporalShift:
                setattr(module, name,
                        MemoryFormatTemporalShift.from_temporal_shift(child))
                replaced += 1
    return replaced


def prepare_inference_model(model: nn.Module,
                            *,
                            fold_bn: bool = True,
                            channels_last: bool = True) -> nn.Module:
    """A copy of a recognizer for test-time inference.

    Args:
        model (nn.Module): An MMAction2 recognizer in eval mode (not
            modified).
        fold_bn (bool): Fold BatchNorms into the convolutions before them.
            Defaults to True.
        channels_last (bool): Store 4D weights channels_last and use the
            memory-format-keeping temporal shift; ignored for models with
            3D convolutions (5D weights). Defaults to True.

    Returns:
        nn.Module: The copy, in eval mode with gradients off, on the
        model's device.
    """
    if model.training:
        raise ValueError('prepare_inference_model needs a model in eval '
                         'mode (BatchNorm folding uses the running '
                         'statistics); call model.eval() first')
    model = copy.deepcopy(model)
    model.requires_grad_(False)
    if fold_bn:
        fold_conv_bn(model)
    has_3d = any(p.dim() == 5 for p in model.parameters())
    if channels_last and not has_3d:
        replace_temporal_shifts(model)
        model = model.to(memory_format=torch.channels_last)
    return model
