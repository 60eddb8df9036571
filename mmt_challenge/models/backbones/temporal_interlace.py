"""Temporal interlace module of TIN, on the pure-PyTorch shift."""
import torch
from torch import Tensor, nn

from mmaction.registry import MODELS

from mmt_challenge.utils.checks import check_positive_int
from ..ops import linear_tin_shift

__all__ = ['OffsetNet', 'WeightNet', 'TemporalInterlace']


class OffsetNet(nn.Module):
    """Offset network of the temporal interlace module.

    A temporal convolution to one channel, two fully connected layers over
    time with a ReLU between them, then ``4 * (sigmoid(z) - 0.5)``: one
    offset per sample and group in ``(-2, 2)``, shared across time. The last
    bias starts at 0.5108, which alone gives an offset of 0.5 (as in TIN and
    MMAction2).

    Parameter names are those of MMAction2's ``OffsetNet`` (``conv``,
    ``fc1``, ``fc2``).

    Args:
        in_channels (int): Channels of the pooled descriptor.
        groups (int): Number of offsets per sample.
        num_segments (int): Number of frames T.
    """

    def __init__(self, in_channels: int, groups: int, num_segments: int):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, 1, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(num_segments, num_segments)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(num_segments, groups)
        self.sigmoid = nn.Sigmoid()
        self.init_weights()

    def init_weights(self) -> None:
        """Set the last bias to 0.5108: ``4 * (sigmoid(0.5108) - 0.5)`` is
        0.5."""
        nn.init.constant_(self.fc2.bias, 0.5108)

    def forward(self, x: Tensor) -> Tensor:
        """Compute the offsets.

        Args:
            x (Tensor): [N, C, T] descriptor pooled over space.

        Returns:
            Tensor: [N, groups] offsets in (-2, 2).
        """
        n, _, t = x.shape
        x = self.conv(x).view(n, t)
        x = self.fc2(self.relu(self.fc1(x)))
        return 4 * (self.sigmoid(x) - 0.5)


class WeightNet(nn.Module):
    """Weight network of the temporal interlace module.

    A temporal convolution to one channel per group and ``2 * sigmoid``: one
    weight per sample, time step and group in ``(0, 2)``. The bias starts at
    0, which alone gives a weight of 1 (as in TIN and MMAction2).

    Parameter names are those of MMAction2's ``WeightNet`` (``conv``).

    Args:
        in_channels (int): Channels of the pooled descriptor.
        groups (int): Number of weights per sample and time step.
    """

    def __init__(self, in_channels: int, groups: int):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, groups, kernel_size=3, padding=1)
        self.sigmoid = nn.Sigmoid()
        self.init_weights()

    def init_weights(self) -> None:
        """Zero the bias: ``2 * sigmoid(0) = 1``."""
        nn.init.zeros_(self.conv.bias)

    def forward(self, x: Tensor) -> Tensor:
        """Compute the weights.

        Args:
            x (Tensor): [N, C, T] descriptor pooled over space.

        Returns:
            Tensor: [N, T, groups] weights in (0, 2).
        """
        return 2 * self.sigmoid(self.conv(x)).permute(0, 2, 1)


@MODELS.register_module()
class TemporalInterlace(nn.Module):
    """Temporal interlace module.

    Proposed in `Temporal Interlacing Network
    <https://arxiv.org/abs/2001.06499>`_ (TIN). The first
    ``in_channels // shift_div`` channels (the shifted folds) are split into
    four equal groups; an offset net gives two offsets per sample (shared
    across time) and the four groups move by ``(o0, o1, -o0, -o1)`` frames
    (mirrored groups), with linear interpolation between neighbouring integer
    shifts (:func:`~mmt_challenge.models.ops.linear_tin_shift`) so that the
    offsets learn; a weight net scales every shifted frame by a weight per
    time step in ``(0, 2)`` (groups ``0, 2`` share one weight, ``1, 3`` the
    other). The remaining channels pass through unchanged. The offset and
    weight nets read the shifted folds averaged over space.

    This is MMAction2's ``TemporalInterlace`` with the same parameter names
    (``offset_net.*``, ``weight_net.*``), computed with the pure-PyTorch
    shift, in the input's dtype, without a loop over batch or groups. With
    the offsets at -1 and the weights at 1 it is TSM's temporal shift with
    ``shift_div * 2``.

    Args:
        in_channels (int): Number of input channels C.
        num_segments (int): Number of frames T per clip. Defaults to 8.
        shift_div (int): The shifted folds are ``in_channels // shift_div``
            channels, a multiple of 4. Defaults to 4.
    """

    #: Offsets from the offset net; mirrored to twice as many shift groups.
    deform_groups = 2

    def __init__(self,
                 in_channels: int,
                 *,
                 num_segments: int = 8,
                 shift_div: int = 4):
        super().__init__()
        check_positive_int(num_segments, 'num_segments')
        if shift_div < 1 or in_channels % shift_div != 0:
            raise ValueError('in_channels must be a multiple of shift_div, '
                             f'got in_channels={in_channels} and '
                             f'shift_div={shift_div}')
        num_folds = in_channels // shift_div
        if num_folds % (2 * self.deform_groups) != 0:
            raise ValueError(
                'in_channels // shift_div must be a multiple of '
                f'{2 * self.deform_groups}, got in_channels={in_channels} '
                f'and shift_div={shift_div}')
        self.in_channels = in_channels
        self.num_segments = num_segments
        self.shift_div = shift_div
        self.num_folds = num_folds
        self.offset_net = OffsetNet(num_folds, self.deform_groups,
                                    num_segments)
        self.weight_net = WeightNet(num_folds, self.deform_groups)

    def extra_repr(self) -> str:
        return (f'in_channels={self.in_channels}, '
                f'num_segments={self.num_segments}, '
                f'shift_div={self.shift_div}')

    def _check_input(self, x: Tensor) -> None:
        if x.dim() != 4:
            raise ValueError('x must have shape [N*T, C, H, W], got shape '
                             f'{tuple(x.shape)}')
        if x.size(1) != self.in_channels:
            raise ValueError(f'x has {x.size(1)} channels, expected '
                             f'in_channels={self.in_channels}')
        if x.size(0) % self.num_segments != 0:
            raise ValueError(f'the first dim of x ({x.size(0)}) must be a '
                             'multiple of num_segments='
                             f'{self.num_segments}')

    def forward(self, x: Tensor) -> Tensor:
        """Interlace the frames of every clip.

        Args:
            x (Tensor): [N*T, C, H, W] features, clip-major (the T frames of
                a clip are consecutive), ``T = num_segments``.

        Returns:
            Tensor: [N*T, C, H, W], the interlaced features.
        """
        self._check_input(x)
        nt, _, h, w = x.shape
        n, t = nt // self.num_segments, self.num_segments
        # [N, T, folds, H*W]: a view, no copy.
        folds = x[:, :self.num_folds].view(n, t, self.num_folds, h * w)
        # [N, folds, T]: the folds pooled over space.
        pooled = folds.mean(-1).permute(0, 2, 1)
        offset = self.offset_net(pooled)
        weight = self.weight_net(pooled)
        return self.interlace(x, offset, weight)

    def interlace(self, x: Tensor, offset: Tensor, weight: Tensor) -> Tensor:
        """Shift and weight the folds with given offsets and weights.

        The part of :meth:`forward` after the offset and weight nets, public
        so that the shift can be driven (and gradient-checked) directly.

        Args:
            x (Tensor): [N*T, C, H, W] features, ``T = num_segments``.
            offset (Tensor): [N, 2] offsets in frames; the four groups of the
                folds move by ``(o0, o1, -o0, -o1)``.
            weight (Tensor): [N, T, 2] weights per output frame; groups
                ``0, 2`` take ``weight[..., 0]``, groups ``1, 3``
                ``weight[..., 1]``.

        Returns:
            Tensor: [N*T, C, H, W], the folds shifted and weighted, the other
            channels unchanged.
        """
        self._check_input(x)
        nt, _, h, w = x.shape
        n, t = nt // self.num_segments, self.num_segments
        if offset.shape != (n, self.deform_groups):
            raise ValueError(f'offset must have shape {(n, 2)}, got '
                             f'{tuple(offset.shape)}')
        if weight.shape != (n, t, self.deform_groups):
            raise ValueError(f'weight must have shape {(n, t, 2)}, got '
                             f'{tuple(weight.shape)}')
        folds = x[:, :self.num_folds].view(n, t, self.num_folds, h * w)
        shifted = linear_tin_shift(
            folds, torch.cat([offset, -offset], 1),
            torch.cat([weight, weight], 2))
        return torch.cat(
            [shifted.reshape(nt, self.num_folds, h, w), x[:, self.num_folds:]],
            dim=1)
