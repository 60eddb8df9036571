"""Mean average precision for multi-label recognition, in three averages.

``sample_map`` is the Multi-Moments in Time challenge metric: every sample's
average precision over classes, averaged over samples. ``macro_map`` averages
per-class average precision over classes, ``micro_map`` pools every
sample-class pair into one ranking.

All three use the uninterpolated average precision of scikit-learn's
:func:`sklearn.metrics.average_precision_score`: the precision-recall curve is
taken over the *distinct* scores, so tied scores form one threshold and a
positive tied with negatives gets the precision of the whole tie group. Equal
inputs give the same numbers as scikit-learn (up to floating-point rounding of
the sum), without a Python loop over samples or classes:

* ``sample_map`` and ``macro_map`` use, for a row (a sample, or a class)
  with ``P`` positives, ``AP = (1 / P) * sum_i TP(>= s_i) / #(>= s_i)`` over
  its positives ``i``: each positive only needs how many scores and how many
  positives of its row are at least its own score. Rows with few positives
  (M-MiT samples: about three of 313 classes) are counted by a compiled loop
  (:mod:`.rank_counting`), cheaper than sorting; rows with many (M-MiT
  classes: about a hundred positives in 10,000 samples) are sorted with one
  ``argsort`` along the axis and each positive's tie group is found with
  ``searchsorted``.
* ``micro_map`` is the same formula over one row of all pairs, with two
  sorts and two ``searchsorted`` calls.
"""
import warnings
from typing import Dict

import numpy as np

from . import rank_counting

__all__ = ['sample_map', 'macro_map', 'micro_map', 'map_metrics',
           'NoPositiveWarning']

# Counting costs one comparison pass over a row per positive of the row;
# sorting costs about _SORT_COST_PER_LOG2 passes per log2(row length).
_SORT_COST_PER_LOG2 = 20


class NoPositiveWarning(UserWarning):
    """Samples or classes without any positive label were left out of an mAP.

    Their average precision is undefined (there is no recall to reach).
    """


def _check_shapes(scores, labels) -> tuple:
    """Convert the inputs of the mAP functions and check their dtypes and
    shapes (not their values).

    Args:
        scores (array-like): [N, C] real scores.
        labels (array-like): [N, C] multi-hot labels, bool or numbers.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``scores`` and ``labels`` [N, C], in
        their own dtypes.
    """
    scores = np.asarray(scores)
    labels = np.asarray(labels)
    for name, value in (('scores', scores), ('labels', labels)):
        if value.dtype.kind not in 'biuf':
            raise TypeError(f'{name} must hold real numbers, got dtype '
                            f'{value.dtype}')
        if value.ndim != 2:
            raise ValueError(f'{name} must be 2-D [N, C], got shape '
                             f'{value.shape}')
    if scores.shape != labels.shape:
        raise ValueError('scores and labels have different shapes: '
                         f'{scores.shape} and {labels.shape}')
    if scores.size == 0:
        raise ValueError(f'scores and labels are empty (shape {scores.shape})')
    return scores, labels


def _check_scores_labels(scores, labels) -> tuple:
    """Validate and convert the inputs shared by the mAP functions.

    Args:
        scores (array-like): [N, C] real scores.
        labels (array-like): [N, C] multi-hot labels, bool or numbers in
            ``{0, 1}``.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``scores`` [N, C] in their own real
        dtype and ``labels`` [N, C] bool.
    """
    scores, labels = _check_shapes(scores, labels)
    # A finite sum proves every score finite, in one cheap reduction; only a
    # sum that is not (NaN, infinity, or overflow) needs the exact check.
    with np.errstate(over='ignore', invalid='ignore'):
        finite_sum = scores.dtype.kind != 'f' or np.isfinite(scores.sum())
    if not finite_sum and not np.isfinite(scores).all():
        num_nan = int(np.isnan(scores).sum())
        num_inf = int(np.isinf(scores).sum())
        raise ValueError(f'scores must be finite, got {num_nan} NaN and '
                         f'{num_inf} infinite values')
    if labels.dtype.kind != 'b':
        if labels.dtype.kind in 'iu':
            # One reduction, no temporary array: negative integers viewed as
            # unsigned are larger than 1.
            unsigned = labels.view(labels.dtype.str.replace('i', 'u'))
            binary = unsigned.max() <= 1
            not_binary = None if binary else unsigned > 1
        else:
            not_binary = (labels != 0) & (labels != 1)
            binary = not not_binary.any()
        if not binary:
            bad = np.unique(labels[not_binary])
            shown = ', '.join(map(str, bad[:5]))
            if bad.size > 5:
                shown += ', ...'
            raise ValueError('labels must be multi-hot with values in {0, 1}, '
                             f'got {int(not_binary.sum())} other values: '
                             f'{shown}')
        labels = labels.astype(bool)
    return scores, labels


def _count_true(mask: np.ndarray) -> np.ndarray:
    """Number of True values of each row of a bool [R, L] array, as [R]."""
    # Summing the uint8 view is about twice as fast as count_nonzero(axis=1).
    dtype = np.uint16 if mask.shape[1] < 2**16 else np.int64
    return mask.view(np.uint8).sum(axis=1, dtype=dtype)


def _row_precision_sums_by_sorting(scores: np.ndarray, labels: np.ndarray,
                                   num_pos: np.ndarray) -> np.ndarray:
    """Sum over the positives of each row of the precision at their score
    (what :func:`.rank_counting.row_precision_sum` counts), with one argsort.

    With each row sorted ascending and the rows laid end to end, a positive
    whose tie group starts at flat position ``g`` of row ``r`` has
    ``#(>= s) = (r + 1) * L - g`` and ``TP(>= s)`` = the positives of row
    ``r`` at flat positions ``>= g``; both come from ``searchsorted`` on
    increasing flat positions, so no other pass over [R, L] is needed.

    Args:
        scores (np.ndarray): [R, L] finite real scores.
        labels (np.ndarray): [R, L] bool.
        num_pos (np.ndarray): [R] number of positives of each row.

    Returns:
        np.ndarray: [R] float64, zero for rows without positives.
    """
    num_rows, length = scores.shape
    flat = np.argsort(scores, axis=1)
    flat += np.arange(0, num_rows * length, length)[:, None]
    # np.take with flat indices is several times faster than
    # take_along_axis.
    sorted_scores = np.take(scores, flat)
    sorted_labels = np.take(labels, flat)
    del flat
    new_group = np.empty((num_rows, length), dtype=bool)
    new_group[:, 0] = True
    np.not_equal(
        sorted_scores[:, 1:], sorted_scores[:, :-1], out=new_group[:, 1:])
    del sorted_scores
    group_starts = np.flatnonzero(new_group)
    del new_group
    positives = np.flatnonzero(sorted_labels)
    start = group_starts[np.searchsorted(group_starts, positives, 'right') - 1]
    rows = positives // length
    num_ge = (rows + 1) * length - start
    tp_ge = np.cumsum(num_pos)[rows] - np.searchsorted(positives, start)
    return np.bincount(rows, weights=tp_ge / num_ge, minlength=num_rows)


def _max_counted_positives(length: int) -> float:
    """Rows of ``length`` scores with more positives than this are sorted.

    Counting costs one comparison pass over the row per positive, sorting
    about ``_SORT_COST_PER_LOG2`` such passes per log2(row length).
    """
    return _SORT_COST_PER_LOG2 * np.log2(max(length, 2))


def _kernel_inputs(scores: np.ndarray, labels: np.ndarray) -> tuple:
    """``scores`` and ``labels`` as C-contiguous arrays of the few dtypes
    the compiled kernel is built for (each other dtype would compile
    another copy of it)."""
    if scores.dtype not in (np.float32, np.float64):
        scores = scores.astype(np.float64)
    if labels.dtype.kind in 'iu' and labels.dtype != np.int64:
        labels = labels.astype(np.int64)
    elif labels.dtype.kind == 'f' and labels.dtype not in (np.float32,
                                                           np.float64):
        labels = labels.astype(np.float64)
    return np.ascontiguousarray(scores), np.ascontiguousarray(labels)


def _row_average_precision(scores: np.ndarray,
                           labels: np.ndarray) -> np.ndarray:
    """Average precision of each row, NaN for rows without positives.

    Rows with few positives are counted by the compiled kernel, which also
    checks that every score is finite and every label 0 or 1; the other
    rows are sorted.

    Args:
        scores (np.ndarray): ``[R, L]`` real scores (shapes and dtypes
            checked by :func:`_check_shapes`).
        labels (np.ndarray): ``[R, L]`` bool or numbers.

    Returns:
        np.ndarray: [R] float64.

    Raises:
        ValueError: A score is not finite or a label is not 0 or 1.
    """
    scores, labels = _kernel_inputs(scores, labels)
    ap = np.empty(scores.shape[0])
    status = rank_counting.row_average_precision(
        scores, labels, _max_counted_positives(scores.shape[1]), ap)
    if status != rank_counting.OK:
        _check_scores_labels(scores, labels)  # raises, naming the values
        raise AssertionError(f'the kernel rejected valid inputs ({status})')
    deferred = np.flatnonzero(ap == rank_counting.DEFERRED)
    if deferred.size:
        deferred_labels = labels[deferred].astype(bool)
        num_pos = _count_true(deferred_labels).astype(np.int64)
        ap[deferred] = _row_precision_sums_by_sorting(
            scores[deferred], deferred_labels, num_pos) / num_pos
    return ap


def _mean_over_defined(ap: np.ndarray, *, what: str, metric: str) -> float:
    """Mean of the non-NaN entries of ``ap``, warning about the NaN ones."""
    undefined = np.isnan(ap)
    num_undefined = int(undefined.sum())
    if num_undefined:
        warnings.warn(
            f'{num_undefined} of {ap.size} {what} have no positive label; '
            f'they are left out of {metric}',
            NoPositiveWarning,
            stacklevel=3)
    return float(ap[~undefined].mean())


def _check_has_positive(labels: np.ndarray) -> None:
    if not labels.any():
        raise ValueError('labels have no positive at all: average precision '
                         'is undefined')


def sample_ap(scores, labels) -> np.ndarray:
    """Average precision of every sample over the classes.

    Args:
        scores (array-like): [N, C] real, finite prediction scores.
        labels (array-like): [N, C] multi-hot ground truth.

    Returns:
        np.ndarray: [N] float64, NaN for samples without a positive; the
        mean of the other entries is :func:`sample_map`.
    """
    return _row_average_precision(*_check_shapes(scores, labels))


def class_ap(scores, labels) -> np.ndarray:
    """Average precision of every class over the samples.

    Args:
        scores (array-like): [N, C] real, finite prediction scores.
        labels (array-like): [N, C] multi-hot ground truth.

    Returns:
        np.ndarray: [C] float64, NaN for classes without a positive; the
        mean of the other entries is :func:`macro_map`.
    """
    scores, labels = _check_shapes(scores, labels)
    return _row_average_precision(scores.T, labels.T)


def sample_map(scores, labels) -> float:
    """Sample-level mean average precision (the M-MiT challenge metric).

    The average precision of each sample over the classes, averaged over the
    samples: the same number as ``sklearn.metrics.average_precision_score(
    labels, scores, average='samples')`` when every sample has a positive,
    and as MMAction2's ``mmit_mean_average_precision``. Tied scores form one
    threshold. Samples without any positive label are left out, with a
    :class:`NoPositiveWarning` saying how many.

    Args:
        scores (array-like): [N, C] real, finite prediction scores.
        labels (array-like): [N, C] multi-hot ground truth, bool or numbers
            in ``{0, 1}``.

    Returns:
        float: The mean over samples with a positive, in [0, 1].

    Example:
        >>> sample_map([[0.9, 0.2, 0.4], [0.1, 0.8, 0.3]],
        ...            [[1, 0, 1], [0, 0, 1]])
        0.75
    """
    ap = sample_ap(scores, labels)
    _check_has_positive(~np.isnan(ap))
    return _mean_over_defined(ap, what='samples', metric='sample_mAP')


def macro_map(scores, labels) -> float:
    """Class-level mean average precision.

    The average precision of each class over the samples, averaged over the
    classes that have a positive, as MMAction2's ``mean_average_precision``.
    Classes without any positive label are left out, with a
    :class:`NoPositiveWarning` saying how many (scikit-learn's
    ``average='macro'`` counts them as 0 instead). Tied scores form one
    threshold.

    Args:
        scores (array-like): [N, C] real, finite prediction scores.
        labels (array-like): [N, C] multi-hot ground truth, bool or numbers
            in ``{0, 1}``.

    Returns:
        float: The mean over classes with a positive, in [0, 1].
    """
    ap = class_ap(scores, labels)
    _check_has_positive(~np.isnan(ap))
    return _mean_over_defined(ap, what='classes', metric='macro_mAP')


def micro_map(scores, labels) -> float:
    """Micro-averaged average precision.

    The average precision of all N * C sample-class pairs ranked together:
    ``sklearn.metrics.average_precision_score(labels, scores,
    average='micro')``. Tied scores form one threshold.

    Args:
        scores (array-like): [N, C] real, finite prediction scores.
        labels (array-like): [N, C] multi-hot ground truth, bool or numbers
            in ``{0, 1}``.

    Returns:
        float: The pooled average precision, in [0, 1].
    """
    scores, labels = _check_scores_labels(scores, labels)
    _check_has_positive(labels)
    all_sorted = np.sort(scores, axis=None)
    pos_sorted = np.sort(scores[labels])
    num_ge = all_sorted.size - np.searchsorted(all_sorted, pos_sorted, 'left')
    tp_ge = pos_sorted.size - np.searchsorted(pos_sorted, pos_sorted, 'left')
    return float(np.mean(tp_ge / num_ge))


def map_metrics(scores, labels) -> Dict[str, float]:
    """Sample, macro and micro mAP of one prediction, under the keys that
    :class:`~mmt_challenge.evaluation.MultiLabelMAP` logs.

    The one place that builds this dict: the metric, the dense test, the
    ensemble's tables and the analysis tools all call it, so every table and
    log spells the keys the same way.

    Args:
        scores (array-like): [N, C] real, finite prediction scores.
        labels (array-like): [N, C] multi-hot ground truth, bool or numbers
            in ``{0, 1}``.

    Returns:
        dict[str, float]: ``sample_mAP`` (:func:`sample_map`), ``macro_mAP``
        (:func:`macro_map`) and ``micro_mAP`` (:func:`micro_map`), in [0, 1].
    """
    scores, labels = _check_scores_labels(scores, labels)
    return dict(
        sample_mAP=sample_map(scores, labels),
        macro_mAP=macro_map(scores, labels),
        micro_mAP=micro_map(scores, labels))
