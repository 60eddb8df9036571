"""Temporal interlace shift in plain PyTorch.

The `Temporal Interlacing Network <https://arxiv.org/abs/2001.06499>`_ (TIN)
moves groups of channels along time by learned offsets. MMAction2 calls
``mmcv.ops.tin_shift`` for the integer shift, which exists only in compiled
mmcv, only on CUDA, and whose backward kernel applies the forward shift to the
gradient again instead of its adjoint (``mmcv/ops/csrc/common/cuda/
tin_shift_cuda_kernel.cuh``: the two kernels are the same code). Here the shift
is a single ``torch.gather`` with a validity mask: it runs on any device and
dtype, and autograd differentiates it exactly (the gradient of a gather is a
scatter-add, i.e. the shift back by the same amount with zeros shifted in).
The interpolated shift TIN learns through is a batched product with ``[T, T]``
shift matrices, which autograd differentiates exactly too.
"""
from typing import Optional

import torch
from torch import Tensor

__all__ = ['tin_shift', 'linear_tin_shift']


def _check_shift_args(x: Tensor, shift: Tensor, shift_name: str) -> None:
    """Check the shapes shared by :func:`tin_shift` and
    :func:`linear_tin_shift`, as ``mmcv.ops.tin_shift`` does."""
    if not isinstance(x, Tensor):
        raise TypeError(f'x must be a Tensor, got {type(x).__name__}')
    if not isinstance(shift, Tensor):
        raise TypeError(
            f'{shift_name} must be a Tensor, got {type(shift).__name__}')
    if x.dim() != 4:
        raise ValueError('x must have shape [N, T, C, HW], got shape '
                         f'{tuple(x.shape)}')
    if shift.dim() != 2:
        raise ValueError(f'{shift_name} must have shape [N, G], got shape '
                         f'{tuple(shift.shape)}')
    if x.size(0) != shift.size(0):
        raise ValueError(
            f'The first dim (batch) of x and {shift_name} should be the same, '
            f'got {x.size(0)} and {shift.size(0)}')
    channels, groups = x.size(2), shift.size(1)
    if groups == 0 or channels % groups != 0:
        raise ValueError('C should be a positive multiple of the number of '
                         f'groups G, got C={channels} and G={groups}')
    if shift.device != x.device:
        raise ValueError(f'x is on {x.device} but {shift_name} is on '
                         f'{shift.device}')


def _shift_gather(x: Tensor, shift: Tensor) -> Tensor:
    """The shift itself, arguments already checked; ``shift`` is int64."""
    n, t, c, hw = x.shape
    groups = shift.size(1)
    # A shift beyond +/-T leaves only zeros; clamping keeps the index
    # arithmetic below in range whatever the integer values.
    shift = shift.clamp(-t, t)
    # Source frame of every output frame, per sample and group: [N, T, G].
    time = torch.arange(t, device=x.device, dtype=shift.dtype)
    source = time.view(1, t, 1) - shift.view(n, 1, groups)
    invalid = (source < 0) | (source >= t)
    source = source.clamp(0, max(t - 1, 0))
    # [N, T, G, C/G*HW]: a view whenever x is contiguous within a frame.
    x_grouped = x.reshape(n, t, groups, (c // groups) * hw)
    index = source.unsqueeze(-1).expand(-1, -1, -1, x_grouped.size(-1))
    out = torch.gather(x_grouped, 1, index)
    out = out.masked_fill(invalid.unsqueeze(-1), 0)
    return out.view(n, t, c, hw)


def tin_shift(x: Tensor, shift: Tensor) -> Tensor:
    """Shift groups of channels along time by integer amounts.

    The forward semantics of ``mmcv.ops.tin_shift``, from `Temporal
    Interlacing Network <https://arxiv.org/abs/2001.06499>`_: the channels
    are split into ``G`` equal groups, group ``g`` holding channels
    ``g*C/G ... (g+1)*C/G - 1``, and every group of every sample is shifted
    by its own amount, ``out[n, t, c] = x[n, t - shift[n, g(c)], c]``, with
    zeros where ``t - shift`` falls outside ``[0, T)`` (so a shift of
    ``+/-T`` or beyond gives zeros).

    Unlike mmcv's op it runs on any device and dtype, and its gradient with
    respect to ``x`` is the true adjoint (the shift by ``-shift``), where
    mmcv's backward kernel shifts the gradient by ``+shift`` again.

    Args:
        x (Tensor): [N, T, C, HW] features, any floating dtype.
        shift (Tensor): [N, G] integer shifts (any integer dtype), on the
            device of ``x``; ``C`` must be a multiple of ``G``. Not
            differentiable.

    Returns:
        Tensor: [N, T, C, HW], the shifted features, dtype of ``x``.

    Raises:
        TypeError: if ``x`` or ``shift`` is not a Tensor, or ``shift`` is not
            of an integer dtype.
        ValueError: on a shape mismatch or ``C`` not a multiple of ``G``.
    """
    _check_shift_args(x, shift, 'shift')
    if shift.is_floating_point() or shift.is_complex() or \
            shift.dtype == torch.bool:
        raise TypeError('shift must be an integer tensor, got dtype '
                        f'{shift.dtype}; use linear_tin_shift for '
                        'fractional shifts')
    return _shift_gather(x, shift.long())


def linear_tin_shift(x: Tensor,
                     offset: Tensor,
                     weight: Optional[Tensor] = None) -> Tensor:
    """Shift groups of channels along time by real-valued offsets.

    The differentiable temporal sampling of TIN (MMAction2's
    ``linear_sampler``, followed by TIN's per-frame weights): every group is
    shifted by ``offset`` frames with linear interpolation between the two
    neighbouring integer shifts, then scaled per output frame::

        out = weight * ((1 - a) * tin_shift(x, floor(offset))
                        + a * tin_shift(x, floor(offset) + 1)),
        a = offset - floor(offset),

    so that the output is differentiable with respect to ``offset`` (the
    derivative is one-sided at integer offsets, as in TIN) and ``weight`` as
    well as ``x``.

    It is computed as one batched matrix product per sample and group with a
    ``[T, T]`` matrix holding the interpolation and the weights: no loop
    over batch or groups, no scatter in the backward pass, and with integer
    offsets and unit weights the product copies ``x`` exactly.

    Args:
        x (Tensor): [N, T, C, HW] features, any floating dtype.
        offset (Tensor): [N, G] floating offsets on the device of ``x``;
            ``C`` must be a multiple of ``G``.
        weight (Tensor, optional): [N, T, G] weight of every output frame
            and group, on the device of ``x``. Defaults to None (weights 1).

    Returns:
        Tensor: [N, T, C, HW], the shifted features, dtype of ``x``.

    Raises:
        TypeError: if ``x`` or ``offset`` is not a Tensor, or ``offset`` or
            ``weight`` is not floating.
        ValueError: on a shape mismatch or ``C`` not a multiple of ``G``.
    """
    _check_shift_args(x, offset, 'offset')
    if not offset.is_floating_point():
        raise TypeError('offset must be a floating tensor, got dtype '
                        f'{offset.dtype}; use tin_shift for integer shifts')
    n, t, c, hw = x.shape
    groups = offset.size(1)
    if weight is not None:
        if not isinstance(weight, Tensor):
            raise TypeError(
                f'weight must be a Tensor, got {type(weight).__name__}')
        if not weight.is_floating_point():
            raise TypeError('weight must be a floating tensor, got dtype '
                            f'{weight.dtype}')
        if weight.shape != (n, t, groups):
            raise ValueError(f'weight must have shape {(n, t, groups)} '
                             f'[N, T, G], got {tuple(weight.shape)}')
    matrix = _shift_matrix(offset, weight, t).to(x.dtype)  # [N, G, T, T]
    # [N, G, T, C/G*HW] @ ... -> [N, T, G, C/G*HW]
    x_grouped = x.reshape(n, t, groups, -1).transpose(1, 2)
    out = torch.matmul(matrix, x_grouped).transpose(1, 2)
    return out.reshape(n, t, c, hw)


def _shift_matrix(offset: Tensor, weight: Optional[Tensor],
                  t: int) -> Tensor:
    """[N, G, T, T] matrices of the interpolated, weighted shift.

    ``matrix[n, g, i, j]`` is the share of input frame ``j`` in output frame
    ``i``: ``(1 - a)`` at ``j = i - floor(offset)``, ``a`` at
    ``j = i - floor(offset) - 1``, times ``weight[n, i, g]``; rows whose
    source frames fall outside ``[0, T)`` lose those entries (zeros shifted
    in).
    """
    n, groups = offset.shape
    floor = torch.floor(offset.detach())
    # Only the interpolation weights carry the gradient with respect to the
    # offset (floor is piecewise constant).
    weight1 = (offset - floor).view(n, groups, 1, 1)
    weight0 = 1 - weight1
    # Beyond +/-(T + 1) every source frame is outside the clip; clamping
    # keeps the integer arithmetic in range.
    shift0 = floor.clamp(-t - 1, t + 1).long().view(n, groups, 1, 1)
    frames = torch.arange(t, device=offset.device)
    source = frames.view(1, 1, t, 1) - shift0  # [N, G, T(out), 1]
    column = frames.view(1, 1, 1, t)  # [1, 1, 1, T(in)]
    matrix = (weight0 * (column == source) +
              weight1 * (column == source - 1))
    if weight is not None:
        matrix = matrix * weight.permute(0, 2, 1).unsqueeze(-1)
    return matrix
