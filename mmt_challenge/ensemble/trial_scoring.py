"""Sample AP of many weight-search trials in one compiled pass.

A trial of the weight search is the weighted sum at a *base* point plus a
few moved sources: ``base + sum_k delta_k * values[k]``. Scoring a batch of
trials row by row keeps each base row in cache for every trial, fuses the
trial's row into a small buffer and counts each positive's rank in it with
:func:`~mmt_challenge.evaluation.rank_counting.row_precision_sum`: no
``[N, C]`` temporary per trial, one read of the base per batch.

Why numba: NumPy would write each trial's ``[N, C]`` sum and one bool
``[N, C]`` matrix per positive slot to memory; at the winners' scale (39
sources, 10,000 x 313 scores, thousands of trials) that traffic was the
search's whole cost.

Sums are float64, built as ``values[k0] * delta_0 + base``, then
``+ delta_k * values[k]`` for the other moved sources, in the order given.
"""
import numba
import numpy as np

from ..evaluation.rank_counting import row_precision_sum

__all__ = ['apply_moves', 'trial_sample_ap']


@numba.njit(cache=True, nogil=True)
def _fuse_row(base, values, row, sources, deltas, num_moves, out):
    """``out = base[row] + sum_k deltas[k] * values[sources[k], row]`` over
    the first ``num_moves`` moves; ``out`` may be ``base[row]`` itself."""
    if num_moves == 0:
        out[:] = base[row]
        return
    source, delta = sources[0], deltas[0]
    for j in range(out.shape[0]):
        out[j] = values[source, row, j] * delta + base[row, j]
    for k in range(1, num_moves):
        source, delta = sources[k], deltas[k]
        for j in range(out.shape[0]):
            out[j] += delta * values[source, row, j]


@numba.njit(cache=True, nogil=True)
def apply_moves(base, values, sources, deltas):
    """Move the base in place: ``base += sum_k deltas[k] * values[sources[k]]``
    with the trials' arithmetic (a trial's sums become the new base's).

    Args:
        base (np.ndarray): ``[N, C]`` float64 weighted sums.
        values (np.ndarray): ``[M, N, C]`` sources.
        sources (np.ndarray): ``[K]`` int64 moved sources.
        deltas (np.ndarray): ``[K]`` float64 weight changes.
    """
    for row in range(base.shape[0]):
        _fuse_row(base, values, row, sources, deltas, len(sources),
                  base[row])


#: Rows per block: a block's base rows stay in cache while every trial of a
#: batch reads its moved sources' rows of the block in one sequential run.
BLOCK_ROWS = 32


@numba.njit(cache=True, nogil=True)
def trial_sample_ap(base, values, sources, deltas, num_moves, pos_cols,
                    pos_start, first_row, stop_row, out):
    """Average precision of rows ``first_row:stop_row`` for every trial.

    Releases the GIL, so that threads can score disjoint row ranges at once
    (threads rather than ``parallel=True``: numba's OpenMP pool would abort a
    forked child that calls it).

    Args:
        base (np.ndarray): ``[N, C]`` float64 weighted sums at the base.
        values (np.ndarray): ``[M, N, C]`` sources.
        sources (np.ndarray): ``[T, K]`` int64, each trial's moved sources
            (the first ``num_moves[t]`` of its row).
        deltas (np.ndarray): ``[T, K]`` float64, their weight changes.
        num_moves (np.ndarray): ``[T]`` int64.
        pos_cols (np.ndarray): ``[P]`` int64 columns of the positives,
            grouped by row.
        pos_start (np.ndarray): ``[N + 1]`` int64, row ``i``'s positives are
            ``pos_cols[pos_start[i]:pos_start[i + 1]]`` (at least one).
        first_row (int): First row scored.
        stop_row (int): One past the last row scored.
        out (np.ndarray): ``[T, N]`` float64, filled with the rows' AP.
    """
    num_classes = base.shape[1]
    fused = np.empty(num_classes)
    positives = np.empty(num_classes)
    for start in range(first_row, stop_row, BLOCK_ROWS):
        for t in range(sources.shape[0]):
            for row in range(start, min(stop_row, start + BLOCK_ROWS)):
                _fuse_row(base, values, row, sources[t], deltas[t],
                          num_moves[t], fused)
                first, stop = pos_start[row], pos_start[row + 1]
                for p in range(first, stop):
                    positives[p - first] = fused[pos_cols[p]]
                out[t, row] = row_precision_sum(
                    fused, positives, stop - first) / (stop - first)
