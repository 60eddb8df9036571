"""Input checks and class-balancing weights of the multi-label losses."""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch

from mmt_challenge.utils.checks import check_probability

__all__ = [
    'CLASS_WEIGHT_MODES', 'class_weights_from_counts', 'build_class_weights',
    'check_multilabel_inputs', 'check_no_kwargs', 'check_ranking_inputs',
    'binarize_targets', 'check_target_threshold'
]

CLASS_WEIGHT_MODES = ('none', 'sqrt', 'linear')


def class_weights_from_counts(counts: Union[Sequence[float], np.ndarray,
                                            torch.Tensor],
                              mode: str) -> Optional[torch.Tensor]:
    """Per-class weights from per-class sample counts.

    With ``N_i`` the count of class ``i`` and ``N_mean`` the mean count over
    classes:

    * ``'none'``: no weights (returns None);
    * ``'sqrt'``: ``w_i = sqrt(N_i / N_mean)``;
    * ``'linear'``: ``w_i = N_i / N_mean``.

    These are the two class-balancing weights the M-MiT 2019 winners tried on
    top of scaled BCE. Both give frequent classes a larger weight; ``linear``
    has mean 1 over classes, ``sqrt`` has mean at most 1.

    A class with a zero count would get weight 0, i.e. it would be silently
    dropped from the loss (and, for the ranking losses, its positives would
    never be ranked). That is almost always a wrong counts file or a
    ``num_classes`` mismatch, so it is an error: ``ValueError`` naming the
    classes. Drop or fix those classes in the counts, or use ``'none'``.

    Args:
        counts (Sequence[float] | np.ndarray | Tensor): ``[C]`` non-negative
            finite counts.
        mode (str): ``'none'``, ``'sqrt'`` or ``'linear'``.

    Returns:
        Tensor | None: ``[C]`` float64 weights, or None for ``'none'``.
    """
    if mode not in CLASS_WEIGHT_MODES:
        raise ValueError(f'class_weight_mode must be one of '
                         f'{CLASS_WEIGHT_MODES}, got {mode!r}')
    if mode == 'none':
        return None
    if isinstance(counts, torch.Tensor):
        array = counts.detach().cpu().numpy()
    else:
        try:
            array = np.asarray(counts)
        except (TypeError, ValueError) as e:
            raise TypeError(
                f'class counts must be a 1-D sequence of numbers, got '
                f'{type(counts).__name__}') from e
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number)
                                     or array.dtype == bool):
        raise TypeError(f'class counts must be numbers, got dtype '
                        f'{array.dtype}')
    array = array.astype(np.float64)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f'class counts must be a non-empty 1-D sequence, got '
                         f'shape {tuple(array.shape)}')
    if not np.all(np.isfinite(array)):
        bad = np.flatnonzero(~np.isfinite(array))
        raise ValueError(f'class counts must be finite; class {int(bad[0])} '
                         f'has count {array[bad[0]]}')
    if np.any(array < 0):
        bad = np.flatnonzero(array < 0)
        raise ValueError(f'class counts must be non-negative; class '
                         f'{int(bad[0])} has count {array[bad[0]]}')
    zero = np.flatnonzero(array == 0)
    if zero.size:
        shown = ', '.join(map(str, zero[:10].tolist()))
        more = f' and {zero.size - 10} more' if zero.size > 10 else ''
        raise ValueError(
            f'class_weight_mode={mode!r} needs a positive count for every '
            f'class, but {zero.size} of {array.size} classes have count 0 '
            f'(classes {shown}{more}); their weight would be 0. Fix the '
            "counts or use class_weight_mode='none'")
    weights = array / array.mean()
    if mode == 'sqrt':
        weights = np.sqrt(weights)
    return torch.from_numpy(weights)


def build_class_weights(
        mode: str, class_counts: Optional[Sequence[float]],
        class_counts_file: Optional[str]) -> Optional[torch.Tensor]:
    """Resolve the ``class_weight_mode`` / ``class_counts`` /
    ``class_counts_file`` options of a loss into ``[C]`` float64 weights.

    Exactly one of ``class_counts`` and ``class_counts_file`` must be given
    when ``mode`` is not ``'none'``, and neither when it is.
    """
    if mode not in CLASS_WEIGHT_MODES:
        raise ValueError(f'class_weight_mode must be one of '
                         f'{CLASS_WEIGHT_MODES}, got {mode!r}')
    given = [
        name for name, value in (('class_counts', class_counts),
                                 ('class_counts_file', class_counts_file))
        if value is not None
    ]
    if mode == 'none':
        if given:
            raise ValueError(
                f"{given[0]} is set but class_weight_mode='none'; set "
                "class_weight_mode='sqrt' or 'linear' to use the counts")
        return None
    if len(given) != 1:
        raise ValueError(
            f'class_weight_mode={mode!r} needs exactly one of class_counts '
            f'and class_counts_file, got '
            f'{" and ".join(given) if given else "neither"}')
    if class_counts_file is not None:
        # imported here: the datasets package is not needed otherwise
        from mmt_challenge.datasets.class_counts import load_class_counts
        class_counts = load_class_counts(class_counts_file)
    return class_weights_from_counts(class_counts, mode)


def check_no_kwargs(kwargs: dict, loss_name: str) -> None:
    """Raise ``TypeError`` naming the keyword arguments a loss's forward
    got but does not take (MMAction2's ``BaseWeightedLoss`` passes any
    through)."""
    if kwargs:
        raise TypeError(f'{loss_name} got unexpected keyword arguments '
                        f'{sorted(kwargs)}')


def check_multilabel_inputs(
        cls_score: torch.Tensor, label: torch.Tensor,
        class_weight: Optional[torch.Tensor],
        loss_name: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """Check ``cls_score [B, C]`` / ``label [B, C]`` and return both in the
    dtype the loss is computed in: ``cls_score``'s, or float32 for float16 /
    bfloat16 logits (mixed precision), whose range and resolution are too
    small for the sums of a loss.

    Raises ``TypeError`` for non-tensors or a non-floating ``cls_score`` and
    ``ValueError`` for shape mismatches, targets outside ``[0, 1]`` or NaN,
    and class weights of the wrong length.
    """
    if not isinstance(cls_score, torch.Tensor):
        raise TypeError(f'{loss_name}: cls_score must be a Tensor, got '
                        f'{type(cls_score).__name__}')
    if not isinstance(label, torch.Tensor):
        raise TypeError(f'{loss_name}: label must be a Tensor, got '
                        f'{type(label).__name__}')
    if not cls_score.is_floating_point():
        raise TypeError(f'{loss_name}: cls_score must be floating point, got '
                        f'{cls_score.dtype}')
    if cls_score.dim() != 2:
        raise ValueError(f'{loss_name}: cls_score must be [B, C], got shape '
                         f'{tuple(cls_score.shape)}')
    if cls_score.shape[0] == 0 or cls_score.shape[1] == 0:
        raise ValueError(f'{loss_name}: cls_score must have at least one '
                         f'sample and one class, got shape '
                         f'{tuple(cls_score.shape)}')
    if label.shape != cls_score.shape:
        hint = ''
        if label.dim() == 1 and label.shape[0] == cls_score.shape[0]:
            hint = (' (a [B] label is single-label: multi-label losses need '
                    'multi-hot [B, C] labels, set multi_class=True in the '
                    'dataset and head)')
        raise ValueError(
            f'{loss_name}: label shape {tuple(label.shape)} does not match '
            f'cls_score shape {tuple(cls_score.shape)}{hint}')
    if label.is_complex():
        raise TypeError(f'{loss_name}: label must be real, got {label.dtype}')
    if cls_score.dtype in (torch.float16, torch.bfloat16):
        cls_score = cls_score.float()
    label = label.to(dtype=cls_score.dtype)
    low, high = torch.aminmax(label)
    if not (0 <= float(low) and float(high) <= 1):  # NaN fails too
        bad = (label < 0) | (label > 1) | torch.isnan(label)
        index = tuple(int(i) for i in bad.nonzero()[0])
        raise ValueError(f'{loss_name}: targets must lie in [0, 1], got '
                         f'{label[index].item()} at (sample, class) {index}')
    if class_weight is not None and class_weight.numel() != cls_score.shape[1]:
        raise ValueError(
            f'{loss_name}: {class_weight.numel()} class weights (from the '
            f'class counts) but cls_score has {cls_score.shape[1]} classes; '
            'counts computed from an annotation miss the classes above its '
            'largest label: pass num_classes when counting '
            '(tools/class_counts.py --num-classes)')
    return cls_score, label


def check_ranking_inputs(
        cls_score: torch.Tensor, label: torch.Tensor,
        class_weight: Optional[torch.Tensor],
        target_threshold: Optional[float],
        loss_name: str) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Check the inputs of a ranking loss (LSEP, WARP) and split its targets.

    :func:`check_multilabel_inputs`, then :func:`binarize_targets`.

    Args:
        cls_score (Tensor): ``[B, C]`` logits.
        label (Tensor): ``[B, C]`` targets in ``[0, 1]``.
        class_weight (Tensor, optional): ``[C]`` class weights.
        target_threshold (float, optional): See :func:`binarize_targets`.
        loss_name (str): The loss, for messages.

    Returns:
        tuple[Tensor, Tensor, Tensor]: ``cls_score`` in the dtype the loss
        is computed in, and the ``[B, C]`` bool masks ``pos`` and ``neg``.
    """
    cls_score, label = check_multilabel_inputs(cls_score, label, class_weight,
                                               loss_name)
    pos, neg = binarize_targets(label, target_threshold, loss_name)
    return cls_score, pos, neg


def binarize_targets(label: torch.Tensor, target_threshold: Optional[float],
                     loss_name: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """Split checked ``[B, C]`` targets into positive / negative masks.

    With ``target_threshold=None`` the targets must be exactly 0 or 1 (soft
    targets from mixup or label smoothing raise ``ValueError``); otherwise a
    class is positive when its target is greater than the threshold and
    negative otherwise.

    Returns:
        tuple[Tensor, Tensor]: ``pos`` and ``neg``, ``[B, C]`` bool.
    """
    if target_threshold is None:
        # label is in [0, 1]: y (1 - y) is 0 exactly for y in {0, 1}
        if bool((label * (1 - label)).any()):
            soft = (label != 0) & (label != 1)
            index = tuple(int(i) for i in soft.nonzero()[0])
            raise ValueError(
                f'{loss_name}: targets must be 0 or 1, got '
                f'{label[index].item()} at (sample, class) {index}; soft '
                '(mixup / label-smoothed) targets need target_threshold, e.g. '
                'target_threshold=0.0 to count every class with any target '
                'mass as positive')
        pos = label == 1
    else:
        pos = label > target_threshold
    return pos, ~pos


def check_target_threshold(target_threshold: Optional[float],
                           loss_name: str) -> Optional[float]:
    """Validate the ``target_threshold`` option of a ranking loss."""
    return check_probability(
        target_threshold,
        f'{loss_name}: target_threshold',
        include_boundaries='left',
        allow_none=True)
