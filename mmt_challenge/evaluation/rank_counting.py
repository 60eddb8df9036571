"""Average precision of rows with few positives, by counting, compiled.

A row's average precision (scikit-learn's, ties as one threshold) is
``(1 / P) * sum_p TP(>= s_p) / #(>= s_p)`` over its ``P`` positives: each
positive only needs how many scores of its row are at least its own, not a
sorted row. With M-MiT's ~3 positives of 313 classes a sample, counting is
``3 * 313`` comparisons a row against ``313 * log2(313)`` for a sort.

Why numba and not NumPy: NumPy counts with one pass over the whole matrix per
positive slot, each writing a temporary bool matrix and gathering positives
first; a compiled loop compares each row with its few positives while the row
is in cache, validates the inputs in the same pass, and needs no temporary.
The weight search's trials (:mod:`mmt_challenge.ensemble.trial_scoring`) use
the same per-row function on rows they fuse on the fly.
"""
import numba
import numpy as np

__all__ = ['row_precision_sum', 'row_average_precision', 'DEFERRED']

#: :func:`row_average_precision`'s status codes.
OK, NOT_BINARY, NOT_FINITE = 0, 1, 2
#: The value of rows left to the caller (an average precision is >= 0).
DEFERRED = -1.0


@numba.njit(cache=True, nogil=True)
def row_precision_sum(row, positives, num_pos):
    """Sum over the positives of a row of the precision at their score.

    Args:
        row (np.ndarray): ``[L]`` finite scores of one row.
        positives (np.ndarray): ``[>= P]`` buffer whose first ``num_pos``
            entries are the positives' scores.
        num_pos (int): P.

    Returns:
        float: ``sum_p TP(>= s_p) / #(>= s_p)``; 0.0 when ``num_pos`` is 0.
    """
    total = 0.0
    for p in range(num_pos):
        threshold = positives[p]
        num_ge = 0
        for j in range(row.shape[0]):
            num_ge += row[j] >= threshold
        tp_ge = 0
        for q in range(num_pos):
            tp_ge += positives[q] >= threshold
        total += tp_ge / num_ge
    return total


@numba.njit(cache=True, nogil=True)
def row_average_precision(scores, labels, max_count, out):
    """Average precision of every row, checking the inputs on the way.

    Args:
        scores (np.ndarray): ``[R, L]`` real scores.
        labels (np.ndarray): ``[R, L]`` bool or numbers, each 0 or 1.
        max_count (float): Rows with more positives than this are left to
            the caller (sorting them is cheaper), marked ``DEFERRED``.
        out (np.ndarray): ``[R]`` float64, filled with each row's average
            precision, NaN for rows without a positive, ``DEFERRED`` for
            rows with more than ``max_count`` positives.

    Returns:
        int: ``OK``, or ``NOT_BINARY`` / ``NOT_FINITE`` at the first label
        outside {0, 1} / score that is NaN or infinite (``out`` is then
        incomplete); the caller builds the error message.
    """
    num_rows, length = scores.shape
    positives = np.empty(length, dtype=np.float64)
    for i in range(num_rows):
        num_pos = 0
        for j in range(length):
            score = scores[i, j]
            if score - score != 0:  # NaN or infinite
                return NOT_FINITE
            label = labels[i, j]
            if label:
                if label != 1:
                    return NOT_BINARY
                positives[num_pos] = score
                num_pos += 1
        if num_pos == 0:
            out[i] = np.nan
        elif num_pos > max_count:
            out[i] = DEFERRED
        else:
            out[i] = row_precision_sum(scores[i], positives, num_pos) / num_pos
    return OK
