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
weighted sum of the point it moves from plus the moved source, the
candidates of one step in one compiled pass (:class:`_SampleMAPObjective`,
:mod:`.trial_scoring`); the searches themselves, and so their decisions, are
the same as with the plain objective
``sample_map(fusion.combine(values, w), labels)``.

A score tuned on the data it is measured on is optimistic. :func:`kfold_fit`
fits the weights on k - 1 folds of the validation videos and predicts the
held-out fold, for every fold, so that every video is scored by weights that
never saw it.
"""
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence

import numpy as np
from mmengine.logging import print_log
from scipy.optimize import minimize

from ..utils.progress import track
from . import trial_scoring
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
    scoring a batch of trials in one compiled pass.

    The searches ask for whole weight vectors, each a coordinate (and a
    rescaling) away from one evaluated before. Sample AP only depends on the
    order within each row, which a positive rescaling of the weights and the
    fusion rule's increasing inverse keep, so this class keeps the weighted
    sum at a *base* point (the last trial the search moved to) and scores
    each trial as the base plus its moved sources
    (:mod:`.trial_scoring`); :meth:`many` scores the candidates of one
    search step together, reading each base row once.

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

    #: Evaluated trials remembered as possible next bases.
    num_recent = 64
    #: Threads scoring disjoint row ranges of a batch (the kernel releases
    #: the GIL): the CPUs this process may use (sched_getaffinity is Linux
    #: only), at most 8.
    num_threads = min(
        len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity')
        else os.cpu_count() or 1, 8)

    def __init__(self, values: np.ndarray, labels: np.ndarray,
                 fusion: BaseFusion) -> None:
        if values.dtype not in (np.float32, np.float64):
            values = values.astype(np.float64)
        self.values = np.ascontiguousarray(values)
        self.labels = labels
        self.fusion = fusion
        self.calls = 0
        _, self.pos_cols = np.nonzero(labels)
        self.pos_start = np.concatenate(
            [[0], np.cumsum(labels.sum(axis=1))]).astype(np.int64)
        self.base = None
        self.base_sum = None
        self.recent = []
        self.pool = None

    def _threads(self) -> ThreadPoolExecutor:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(self.num_threads)
        return self.pool

    def close(self) -> None:
        """Stop the scoring threads."""
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None

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

    def _move_base(self, raw: np.ndarray, delta: np.ndarray) -> None:
        moved = np.flatnonzero(delta)
        trial_scoring.apply_moves(self.base_sum, self.values, moved,
                                  delta[moved])
        self.base, self.recent = raw, []

    def _choose_base(self, weights: np.ndarray) -> None:
        """Start at ``weights``, or move the base to the recent trial that
        ``weights`` is one coordinate away from (the search moved there)."""
        if self.base is None:
            self.base = np.zeros_like(weights)
            self.base_sum = np.zeros(self.labels.shape)
            self._move_base(weights, weights)
            return
        _, delta = self._relative(weights, self.base)
        if np.count_nonzero(delta) <= 1:
            return
        for known_raw, known_delta in reversed(self.recent):
            _, delta = self._relative(weights, known_raw)
            if np.count_nonzero(delta) <= 1:
                self._move_base(known_raw, known_delta)
                return

    def many(self, trials: Sequence[np.ndarray]) -> List[float]:
        """Sample mAP of each weight vector of ``trials`` (``[M]`` each)."""
        self.calls += len(trials)
        scores = [0.0] * len(trials)
        pending = []
        for t, weights in enumerate(trials):
            weights = np.asarray(weights, dtype=np.float64)
            nonzero = np.flatnonzero(weights)
            if len(nonzero) == 1:
                scores[t] = sample_map(
                    self.fusion.inverse(self.values[nonzero[0]]),
                    self.labels)
            else:
                pending.append((t, weights))
        if not pending:
            return scores
        self._choose_base(pending[0][1])
        moves = [self._relative(weights, self.base) for _, weights in pending]
        max_moves = max(1, max(np.count_nonzero(d) for _, d in moves))
        sources = np.zeros((len(moves), max_moves), dtype=np.int64)
        deltas = np.zeros((len(moves), max_moves))
        num_moves = np.zeros(len(moves), dtype=np.int64)
        for t, (_, delta) in enumerate(moves):
            moved = np.flatnonzero(delta)
            sources[t, :len(moved)] = moved
            deltas[t, :len(moved)] = delta[moved]
            num_moves[t] = len(moved)
        ap = np.empty((len(moves), len(self.labels)))
        bounds = np.linspace(0, len(self.labels),
                             self.num_threads + 1).astype(int)
        ranges = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]
        list(self._threads().map(
            lambda rows: trial_scoring.trial_sample_ap(
                self.base_sum, self.values, sources, deltas, num_moves,
                self.pos_cols, self.pos_start, *rows, ap), ranges))
        for (t, _), row_ap in zip(pending, ap):
            scores[t] = float(np.mean(row_ap))
        self.recent = (self.recent + moves)[-self.num_recent:]
        return scores

    def __call__(self, weights: np.ndarray) -> float:
        return self.many([weights])[0]


def _evaluate_all(objective: Objective,
                  trials: List[np.ndarray]) -> List[float]:
    """The objective at each trial, in one batch where it can."""
    many = getattr(objective, 'many', None)
    if many is not None:
        return many(trials)
    return [objective(trial) for trial in trials]


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
            trials = []
            for value in values:
                trial = weights.copy()
                trial[m] = value
                trials.append(trial / trial.sum())
            best_move = None
            for trial, score in zip(trials, _evaluate_all(objective, trials)):
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
        trials = []
        for m in range(num_members):
            trial = counts.copy()
            trial[m] += 1
            trials.append(trial / trial.sum())
        scores = _evaluate_all(objective, trials)
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
    try:
        if greedy:
            weights = greedy_selection(objective, num_members)
            frozen = weights == 0
        if method == 'coordinate_ascent':
            weights = coordinate_ascent(objective, weights, frozen=frozen,
                                        **options)
        elif method == 'nelder_mead':
            weights = nelder_mead(objective, weights, frozen=frozen,
                                  **options)
    finally:
        if isinstance(objective, _SampleMAPObjective):
            objective.close()
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
