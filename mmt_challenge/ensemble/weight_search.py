"""Member weights fitted on validation, and an honest estimate of them.

Weights live on the simplex (non-negative, summing to one) and are chosen to
maximise sample mAP of the fused prediction. Three searches:

* ``coordinate_ascent``: one member at a time, its weight multiplied or
  divided by ``1 + step``, set to zero, or revived from zero; the best
  improving move is kept; the step halves after a pass without improvement.
  Deterministic.
* ``nelder_mead``: :func:`scipy.optimize.minimize` with Nelder-Mead on the
  softmax parametrisation of the simplex.
* greedy forward selection (`Caruana et al. 2004, "Ensemble selection from
  libraries of models" <https://doi.org/10.1145/1015330.1015432>`_): add,
  with replacement, the member that most improves the score until nothing
  does; the counts are the weights. Used alone (``method=None``) or as the
  starting point of a search that keeps unselected members at zero.

Greedy selection and coordinate ascent move one weight at a time, so
:func:`fit_weights` gives them an objective that scores each trial from the
weighted sum of the point it moves from plus the moved sources, on only the
part of each row that can change a positive's precision
(:class:`_SampleMAPObjective`); the searches themselves, and so their
decisions, are the same as with the plain objective
``sample_map(fusion.combine(values, w), labels)``.

A score tuned on the data it is measured on is optimistic. :func:`kfold_fit`
fits the weights on k - 1 folds of the validation videos and predicts the
held-out fold, for every fold, so that every video is scored by weights that
never saw it.
"""
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence

import numpy as np
from mmengine.logging import print_log
from scipy.optimize import minimize

from ..utils.progress import track
from .fusion_rules import BaseFusion, normalize_weights
from .scoring import sample_map

__all__ = ['SearchResult', 'KFoldResult', 'coordinate_ascent',
           'nelder_mead', 'greedy_selection', 'fit_weights', 'kfold_fit',
           'SEARCH_METHODS']

SEARCH_METHODS = ('coordinate_ascent', 'nelder_mead', None)
Objective = Callable[[np.ndarray], float]


@dataclass
class SearchResult:
    """Weights found by a search.

    Args:
        weights (np.ndarray): ``[M]`` on the simplex.
        score (float): The objective (sample mAP) at ``weights``, on the data
            they were fitted on.
        num_evals (int): Objective evaluations used.
        seconds (float): Wall time of the search.
    """
    weights: np.ndarray
    score: float
    num_evals: int = 0
    seconds: float = 0.0


@dataclass
class KFoldResult:
    """Out-of-fold predictions of weights fitted on the other folds.

    Args:
        held_out (np.ndarray): ``[N, C]`` float32, row i fused with the
            weights fitted without video i's fold.
        fold_of (np.ndarray): ``[N]`` int, the fold of each video.
        fold_weights (list[np.ndarray]): ``k`` weight vectors ``[M]``.
        fold_scores (list[float]): Sample mAP of each held-out fold.
        in_fold_scores (list[float]): Sample mAP of each fit on its own
            training folds, for comparison.
    """
    held_out: np.ndarray
    fold_of: np.ndarray
    fold_weights: List[np.ndarray] = field(default_factory=list)
    fold_scores: List[float] = field(default_factory=list)
    in_fold_scores: List[float] = field(default_factory=list)


class _Counted:
    """An objective that counts its calls."""

    def __init__(self, function: Objective) -> None:
        self.function = function
        self.calls = 0

    def __call__(self, weights: np.ndarray) -> float:
        self.calls += 1
        return self.function(weights)


class _SampleMAPObjective:
    """``sample_map(fusion.combine(values, w), labels)`` for the searches,
    recomputing only what a move changes.

    The searches call the objective with whole weight vectors, each a few
    coordinates (and a rescaling) away from one evaluated before. Sample AP
    only depends on the order within each row, which a positive rescaling of
    the weights and the fusion rule's increasing inverse keep, so this class:

    * keeps the weighted sum at the last point a trial was built from (the
      *base*) and adds ``delta * values[k]`` for the coordinates a trial
      changes;
    * scores only a *band* of each row: its positives and the negatives that
      can reach the row's lowest positive for any weights within an L1
      radius of an *anchor* point (bounded by how far each source can move a
      negative against a positive of the row); the other negatives stay
      strictly below every positive, so they never count. A trial outside
      the radius rebuilds the band around the base.

    Scores are the exact (float64) weighted sums: the plain evaluation rounds
    the fused scores to float32 first, which can tie or swap two scores of a
    row that agree to about 1e-7 relative and change sample mAP by about
    1e-8; otherwise the values are the same. A trial with one non-zero
    weight is scored exactly as before.

    Args:
        values (np.ndarray): ``[M, N, C]`` transformed sources.
        labels (np.ndarray): ``[N, C]`` bool, every row with a positive.
        fusion (BaseFusion): The rule (its inverse, for single sources).
    """

    #: A rebuilt band's radius, in distances of the trial that asked for it:
    #: wider bands cost more per evaluation, narrower ones more rebuilds.
    radius_factor = 3.0
    #: Rows per block of the padded band layout.
    block_rows = 1024
    #: Evaluated trials remembered as possible next bases.
    num_recent = 64

    def __init__(self, values: np.ndarray, labels: np.ndarray,
                 fusion: BaseFusion) -> None:
        self.values = values
        self.labels = labels
        self.fusion = fusion
        self.calls = 0
        num_sources, num_rows, num_classes = values.shape
        self.num_pos = labels.sum(axis=1)
        # rise[k, i] / fall[k, i]: the most that a unit more / less weight
        # on source k lifts a negative of row i against a positive.
        pos_rows, pos_cols = np.nonzero(labels)
        rise = np.empty((num_sources, num_rows))
        fall = np.empty((num_sources, num_rows))
        for k in range(num_sources):
            pos_values = values[k][pos_rows, pos_cols]
            pos_min = np.full(num_rows, np.inf)
            pos_max = np.full(num_rows, -np.inf)
            np.minimum.at(pos_min, pos_rows, pos_values)
            np.maximum.at(pos_max, pos_rows, pos_values)
            rise[k] = np.maximum(values[k].max(axis=1) - pos_min, 0)
            fall[k] = np.maximum(pos_max - values[k].min(axis=1), 0)
        self.rise, self.fall = rise, fall
        self.max_rise, self.max_fall = rise.max(axis=0), fall.max(axis=0)
        self.scale = float(np.abs(values).max()) or 1.0
        self.anchor = None

    # -- the band -------------------------------------------------------

    def _rebuild(self, anchor: np.ndarray, up: float, down: float) -> None:
        """Band around weights ``anchor`` for trials that add at most ``up``
        and remove at most ``down`` weight (L1) from it; the base becomes
        the anchor."""
        labels = self.labels
        num_rows, num_classes = labels.shape
        fused = np.zeros((num_rows, num_classes), dtype=np.float32)
        term = np.empty_like(fused)
        for k in np.flatnonzero(anchor):
            np.multiply(self.values[k], np.float32(anchor[k]), out=term)
            fused += term
        pos_min = np.where(labels, fused, np.inf).min(axis=1)
        # A float32 sum of M terms is off by far less than this slack.
        slack = 1e-4 * anchor.sum() * self.scale
        self.margin = up * self.max_rise + down * self.max_fall
        in_band = fused >= (pos_min - self.margin - slack)[:, None]
        in_band |= labels
        del fused, term
        # Rows by falling number of positives, then falling band length:
        # in each block, the rows with a p-th positive come first.
        lengths = in_band.sum(axis=1)
        order = np.lexsort((-lengths, -self.num_pos))
        in_band, lengths = in_band[order], lengths[order]
        num_pos = self.num_pos[order]
        rows, cols = np.nonzero(in_band)
        within = np.arange(rows.size) - (np.cumsum(lengths) - lengths)[rows]
        # Each block is a [rows, width] slab, padded to its longest row.
        block_of = np.arange(num_rows) // self.block_rows
        starts = np.arange(0, num_rows, self.block_rows)
        widths = np.maximum.reduceat(lengths, starts)
        sizes = widths * np.diff(np.append(starts, num_rows))
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        slot = (offsets[block_of[rows]] +
                (rows - starts[block_of[rows]]) * widths[block_of[rows]] +
                within)
        self.cells = np.zeros(int(sizes.sum()), dtype=np.int64)
        self.cells[slot] = order[rows] * num_classes + cols
        self.pad = np.ones(self.cells.size, dtype=bool)
        self.pad[slot] = False
        self.blocks = []
        for b, start in enumerate(starts):
            block_pos = num_pos[start:start + self.block_rows]
            self.blocks.append(
                (int(start), len(block_pos), int(widths[b]),
                 int(offsets[b]),
                 [int((block_pos > p).sum())
                  for p in range(int(block_pos[0]))]))
        is_pos = labels[order][rows, cols]
        self.pos_cells = slot[is_pos]  # grouped by row, in `order`
        pos_rows = rows[is_pos]
        self.pos_index = (pos_rows,
                          np.arange(pos_rows.size) -
                          (np.cumsum(num_pos) - num_pos)[pos_rows])
        self.sorted_num_pos = num_pos
        self.sub = {}
        self.anchor = anchor.copy()
        self.base = anchor.copy()
        self.base_sum = np.zeros(self.cells.size)
        for k in np.flatnonzero(anchor):
            self.base_sum += anchor[k] * self._sub(k)
        self.base_sum[self.pad] = -np.inf
        self.recent = []
        # Buffers of the trials' sums and comparisons, reused.
        self.trial_sum = np.empty(self.cells.size)
        self.above = np.empty(max(rows * width for _, rows, width, _, _
                                  in self.blocks), dtype=bool)

    def _sub(self, k: int) -> np.ndarray:
        """Source ``k`` on the band layout, float64, zero on the padding."""
        if k not in self.sub:
            sub = self.values[k].ravel()[self.cells].astype(np.float64)
            sub[self.pad] = 0
            self.sub[k] = sub
        return self.sub[k]

    def _in_band(self, raw: np.ndarray) -> bool:
        delta = raw - self.anchor
        moved = np.flatnonzero(delta)
        need = (np.maximum(delta[moved], 0) @ self.rise[moved] +
                np.maximum(-delta[moved], 0) @ self.fall[moved])
        return bool((need <= self.margin).all())

    # -- weights relative to the base ------------------------------------

    @staticmethod
    def _relative(weights: np.ndarray, base: np.ndarray) -> tuple:
        """``weights`` rescaled to agree with ``base`` on as many coordinates
        as possible, and the difference from ``base``."""
        both = (weights > 0) & (base > 0)
        if both.any():
            ratios = base[both] / weights[both]
            rounded = np.round(ratios / ratios[0], 9)
            values, counts = np.unique(rounded, return_counts=True)
            scale = ratios[0] * values[np.argmax(counts)]
        else:
            scale = base.sum()
        raw = weights * scale
        delta = raw - base
        same = np.abs(delta) <= 1e-9 * np.maximum(np.abs(raw), np.abs(base))
        raw[same] = base[same]
        delta[same] = 0
        return raw, delta

    def _moved(self, delta: np.ndarray,
               out: Optional[np.ndarray] = None) -> np.ndarray:
        """The band's weighted sums at ``base + delta``, in ``out`` if given
        (reusing one buffer spares the page faults of a fresh array)."""
        moved = np.flatnonzero(delta)
        if not moved.size:
            if out is None:
                return self.base_sum.copy()
            out[:] = self.base_sum
            return out
        out = np.multiply(self._sub(moved[0]), delta[moved[0]], out=out)
        out += self.base_sum
        for k in moved[1:]:
            out += delta[k] * self._sub(k)
        return out

    # -- evaluation -------------------------------------------------------

    def __call__(self, weights: np.ndarray) -> float:
        self.calls += 1
        weights = np.asarray(weights, dtype=np.float64)
        nonzero = np.flatnonzero(weights)
        if len(nonzero) == 1:
            return sample_map(self.fusion.inverse(self.values[nonzero[0]]),
                              self.labels)
        if self.anchor is None:
            self._rebuild(weights, up=0.0, down=0.0)
        raw, delta = self._relative(weights, self.base)
        if np.count_nonzero(delta) > 1:
            # Usually the search moved on from one of the last trials.
            for known_raw, known_delta in reversed(self.recent):
                raw_k, delta_k = self._relative(weights, known_raw)
                if np.count_nonzero(delta_k) <= 1:
                    self.base_sum = self._moved(known_delta)
                    self.base, self.recent = known_raw, []
                    raw, delta = raw_k, delta_k
                    break
        if not self._in_band(raw):
            scale = self.radius_factor / self.base.sum()
            self._rebuild(self.base / self.base.sum(),
                          up=scale * np.maximum(delta, 0).sum(),
                          down=scale * np.maximum(-delta, 0).sum())
            raw, delta = self._relative(weights, self.base)
        self.recent = (self.recent + [(raw, delta)])[-self.num_recent:]
        return self._mean_ap(self._moved(delta, out=self.trial_sum))

    def _mean_ap(self, fused: np.ndarray) -> float:
        """Sample mAP from the band's weighted sums."""
        num_pos = self.sorted_num_pos
        pos_scores = np.full((len(num_pos), int(num_pos[0])), -np.inf)
        pos_scores[self.pos_index] = fused[self.pos_cells]
        # tp_ge[i, p]: positives of row i scored at least its p-th one.
        tp_ge = (pos_scores[:, None, :] >= pos_scores[:, :, None]).sum(2)
        precision = np.zeros(len(num_pos))
        for start, num_rows, width, offset, rows_with in self.blocks:
            block = fused[offset:offset + num_rows * width].reshape(
                num_rows, width)
            for p, rows in enumerate(rows_with):
                threshold = pos_scores[start:start + rows, p, None]
                above = self.above[:rows * width].reshape(rows, width)
                np.greater_equal(block[:rows], threshold, out=above)
                num_ge = above.view(np.uint8).sum(axis=1, dtype=np.uint16)
                precision[start:start + rows] += (
                    tp_ge[start:start + rows, p] / num_ge)
        return float(np.mean(precision / num_pos))


def coordinate_ascent(objective: Objective,
                      init: np.ndarray,
                      *,
                      step: float = 1.0,
                      min_step: float = 0.05,
                      max_evals: int = 2000,
                      tol: float = 1e-7,
                      frozen: Optional[np.ndarray] = None) -> np.ndarray:
    """Maximise ``objective`` over the simplex, one coordinate at a time.

    For each member in turn the candidate moves are: weight times
    ``1 + step``, weight divided by ``1 + step``, weight zero, or, for a zero
    weight, ``step / M`` of the total; weights are renormalised after each
    move and the best move that improves by more than ``tol`` is taken. A
    pass without improvement halves ``step``; the search stops when ``step``
    falls below ``min_step`` or after ``max_evals`` evaluations.

    Args:
        objective (Callable): ``weights [M] -> float`` to maximise.
        init (np.ndarray): ``[M]`` starting weights on the simplex.
        step (float): Initial relative step. Defaults to 1.0.
        min_step (float): Smallest step tried. Defaults to 0.05.
        max_evals (int): Evaluation budget. Defaults to 2000.
        tol (float): Smallest improvement accepted. Defaults to 1e-7.
        frozen (np.ndarray, optional): ``[M]`` bool, members whose weight is
            not moved (e.g. left out by greedy selection). Defaults to None.

    Returns:
        np.ndarray: ``[M]`` weights on the simplex.
    """
    weights = normalize_weights(init, len(init))
    num_members = len(weights)
    frozen = np.zeros(num_members, bool) if frozen is None else frozen
    best = objective(weights)
    evals = 1
    while step >= min_step and evals < max_evals:
        improved = False
        for m in np.flatnonzero(~frozen):
            current = weights[m]
            if current > 0:
                values = [current * (1 + step), current / (1 + step)]
                if (weights > 0).sum() > 1:
                    values.append(0.0)
            else:
                values = [step / num_members]
            best_move = None
            for value in values:
                trial = weights.copy()
                trial[m] = value
                trial /= trial.sum()
                score = objective(trial)
                evals += 1
                if score > best + tol:
                    best, best_move = score, trial
            if best_move is not None:
                weights, improved = best_move, True
            if evals >= max_evals:
                break
        if not improved:
            step /= 2
    return weights


def nelder_mead(objective: Objective,
                init: np.ndarray,
                *,
                max_evals: Optional[int] = None,
                scale: float = 1.0,
                frozen: Optional[np.ndarray] = None) -> np.ndarray:
    """Maximise ``objective`` over the simplex with Nelder-Mead.

    The free weights are ``softmax(z)``; the initial simplex steps ``scale``
    along each coordinate of ``z`` (sample mAP is piecewise constant in the
    weights, so scipy's default 5% simplex rarely moves).

    Args:
        objective (Callable): ``weights [M] -> float`` to maximise.
        init (np.ndarray): ``[M]`` starting weights on the simplex.
        max_evals (int, optional): Evaluation budget. Defaults to None
            (``200 * M``).
        scale (float): Initial simplex size in softmax space. Defaults to
            1.0.
        frozen (np.ndarray, optional): ``[M]`` bool, members kept at zero.
            Defaults to None.

    Returns:
        np.ndarray: ``[M]`` weights on the simplex.
    """
    init = normalize_weights(init, len(init))
    frozen = np.zeros(len(init), bool) if frozen is None else frozen
    free = np.flatnonzero(~frozen)

    def weights_of(z: np.ndarray) -> np.ndarray:
        weights = np.zeros(len(init))
        e = np.exp(z - z.max())
        weights[free] = e / e.sum()
        return weights

    if len(free) < 2:
        return weights_of(np.zeros(len(free)))
    z0 = np.log(np.maximum(init[free], 1e-6))
    simplex = np.vstack([z0, z0 + scale * np.eye(len(free))])
    result = minimize(
        lambda z: -objective(weights_of(z)),
        z0,
        method='Nelder-Mead',
        options=dict(
            initial_simplex=simplex,
            maxfev=max_evals or 200 * len(free),
            xatol=1e-3,
            fatol=1e-7))
    return weights_of(result.x)


def greedy_selection(objective: Objective,
                     num_members: int,
                     *,
                     max_steps: Optional[int] = None,
                     tol: float = 0.0) -> np.ndarray:
    """Greedy forward selection with replacement (Caruana et al. 2004).

    Starting from nothing, add the member whose extra copy gives the best
    score; stop when the best addition does not improve by more than
    ``tol``, or after ``max_steps`` additions.

    Args:
        objective (Callable): ``weights [M] -> float`` to maximise.
        num_members (int): M.
        max_steps (int, optional): Most additions. Defaults to None
            (``2 * M``).
        tol (float): Smallest improvement accepted. Defaults to 0.0.

    Returns:
        np.ndarray: ``[M]`` selection counts divided by their sum; members
        never selected have weight 0.
    """
    counts = np.zeros(num_members)
    best = -np.inf
    for _ in range(max_steps or 2 * num_members):
        scores = []
        for m in range(num_members):
            trial = counts.copy()
            trial[m] += 1
            scores.append(objective(trial / trial.sum()))
        m = int(np.argmax(scores))
        if scores[m] <= best + tol:
            break
        best = scores[m]
        counts[m] += 1
    return counts / counts.sum()


def _positive_rows(labels: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.asarray(labels).any(axis=1))


def fit_weights(values: np.ndarray,
                labels: np.ndarray,
                *,
                fusion: BaseFusion,
                method: Optional[str] = 'coordinate_ascent',
                greedy: bool = False,
                init: Optional[Sequence[float]] = None,
                **options) -> SearchResult:
    """Fit member weights that maximise sample mAP of the fused prediction.

    Args:
        values (np.ndarray): ``[M, N, C]`` members, already transformed by
            ``fusion`` (:meth:`BaseFusion.transform`) and row-aligned.
        labels (np.ndarray): ``[N, C]`` multi-hot.
        fusion (BaseFusion): The rule; it must use weights.
        method (str, optional): ``'coordinate_ascent'``, ``'nelder_mead'``
            or None (greedy selection alone, or ``init`` unchanged).
            Defaults to ``'coordinate_ascent'``.
        greedy (bool): Start from greedy forward selection; members it
            leaves out stay at zero. Defaults to False.
        init (Sequence[float], optional): ``[M]`` starting weights. Defaults
            to None (equal).
        **options: Passed to the search function (e.g. ``max_evals``).

    Returns:
        SearchResult: The weights and their in-sample sample mAP.
    """
    if method not in SEARCH_METHODS:
        raise ValueError(f'unknown search method {method!r}; choose from '
                         f'{list(SEARCH_METHODS)}')
    if not fusion.uses_weights:
        raise ValueError(f'fusion rule {fusion!r} has fixed equal weights; '
                         'use weighted_mean, logit_mean or rank_mean to '
                         'search weights')
    values, labels = np.asarray(values), np.asarray(labels)
    rows = _positive_rows(labels)
    if len(rows) < len(labels):  # fit on samples that have a positive
        values, labels = values[:, rows], labels[rows]
    start = time.perf_counter()
    if method == 'nelder_mead':  # moves every weight at once
        objective = _Counted(
            lambda w: sample_map(fusion.combine(values, w), labels))
    else:
        objective = _SampleMAPObjective(values, labels.astype(bool), fusion)
    num_members = len(values)
    weights = normalize_weights(init, num_members)
    frozen = None
    if greedy:
        weights = greedy_selection(objective, num_members)
        frozen = weights == 0
    if method == 'coordinate_ascent':
        weights = coordinate_ascent(objective, weights, frozen=frozen,
                                    **options)
    elif method == 'nelder_mead':
        weights = nelder_mead(objective, weights, frozen=frozen, **options)
    score = sample_map(fusion.combine(values, weights), labels)
    return SearchResult(weights, score, objective.calls + 1,
                        time.perf_counter() - start)


def kfold_fit(values: np.ndarray,
              labels: np.ndarray,
              *,
              fusion: BaseFusion,
              folds: int = 5,
              seed: int = 0,
              progress: bool = True,
              **search) -> KFoldResult:
    """Honest estimate: fit on k - 1 folds, predict the held-out fold.

    Videos are split into ``folds`` folds of (nearly) equal size by a seeded
    random permutation. The pooled held-out prediction scores every video
    with weights fitted without it; its sample mAP is the estimate to report
    next to the in-sample score.

    Args:
        values (np.ndarray): ``[M, N, C]`` transformed, row-aligned members.
        labels (np.ndarray): ``[N, C]`` multi-hot.
        fusion (BaseFusion): The rule.
        folds (int): Number of folds k, at least 2. Defaults to 5.
        seed (int): Seed of the split. Defaults to 0.
        progress (bool): Show a progress bar and per-fold lines. Defaults to
            True.
        **search: Passed to :func:`fit_weights` (``method``, ``greedy``,
            ``init``, ...).

    Returns:
        KFoldResult: Held-out predictions ``[N, C]`` and per-fold weights and
        scores.
    """
    num_videos = values.shape[1]
    if not 2 <= folds <= num_videos:
        raise ValueError(f'folds must be in [2, {num_videos}] (the number of '
                         f'videos), got {folds}')
    order = np.random.default_rng(seed).permutation(num_videos)
    fold_of = np.empty(num_videos, dtype=np.int64)
    for k, part in enumerate(np.array_split(order, folds)):
        fold_of[part] = k
    result = KFoldResult(
        held_out=np.empty(values.shape[1:], dtype=np.float32),
        fold_of=fold_of)
    for k in track(
            range(folds),
            description='Cross-validating the weights',
            unit='folds',
            disable=not progress):
        train, test = fold_of != k, fold_of == k
        fit = fit_weights(values[:, train], labels[train], fusion=fusion,
                          **search)
        result.held_out[test] = fusion.combine(values[:, test], fit.weights)
        result.fold_weights.append(fit.weights)
        result.in_fold_scores.append(fit.score)
        if labels[test].any():
            result.fold_scores.append(
                sample_map(result.held_out[test], labels[test]))
        else:
            result.fold_scores.append(float('nan'))
    if progress:
        for k in range(folds):
            print_log(
                f'fold {k}: fitted {result.in_fold_scores[k]:.4f} on the '
                f'other folds, held-out {result.fold_scores[k]:.4f}',
                logger='current')
    return result
