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
"""
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


def linear_tin_shift(x: Tensor, offset: Tensor) -> Tensor:
    """Shift groups of channels along time by real-valued offsets.

    The differentiable temporal sampling of TIN (MMAction2's
    ``linear_sampler``): every group is shifted by ``offset`` with linear
    interpolation between the two neighbouring integer shifts,
    ``out = (1 - a) * tin_shift(x, floor(offset)) + a *
    tin_shift(x, floor(offset) + 1)`` with ``a = offset - floor(offset)``,
    so that the output is differentiable with respect to ``offset`` as well
    as ``x`` (the derivative is one-sided at integer offsets, as in TIN).

    Args:
        x (Tensor): [N, T, C, HW] features, any floating dtype.
        offset (Tensor): [N, G] floating offsets on the device of ``x``;
            ``C`` must be a multiple of ``G``.

    Returns:
        Tensor: [N, T, C, HW], the shifted features, dtype of ``x``.

    Raises:
        TypeError: if ``x`` or ``offset`` is not a Tensor, or ``offset`` is
            not floating.
        ValueError: on a shape mismatch or ``C`` not a multiple of ``G``.
    """
    _check_shift_args(x, offset, 'offset')
    if not offset.is_floating_point():
        raise TypeError('offset must be a floating tensor, got dtype '
                        f'{offset.dtype}; use tin_shift for integer shifts')
    n, t, c, hw = x.shape
    groups = offset.size(1)
    floor = torch.floor(offset.detach())
    # Linear-interpolation weights per group; only these carry the gradient
    # with respect to the offset (floor is piecewise constant).
    weight1 = (offset - floor).to(x.dtype)
    weight0 = 1 - weight1
    shift0 = floor.long()
    data0 = _shift_gather(x, shift0).view(n, t, groups, c // groups, hw)
    data1 = _shift_gather(x, shift0 + 1).view(n, t, groups, c // groups, hw)
    weight0 = weight0.view(n, 1, groups, 1, 1)
    weight1 = weight1.view(n, 1, groups, 1, 1)
    return (weight0 * data0 + weight1 * data1).view(n, t, c, hw)
