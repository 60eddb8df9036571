"""Fusion rules: how the probabilities of several sources become one score.

Every rule is a weighted mean in a transformed space: each source's
``[N, C]`` probabilities are mapped by :meth:`BaseFusion.transform`, the
transformed sources are averaged with non-negative weights that sum to one,
and :meth:`BaseFusion.inverse` maps the mean back to ``[0, 1]``.

=============== ================================= ===========================
rule            transform                         inverse
=============== ================================= ===========================
``mean``        identity (equal weights)          identity
weighted_mean   identity                          identity
logit_mean      ``logit(clip(p, eps, 1 - eps))``  sigmoid
rank_mean       average rank, scaled to [0, 1]    identity
=============== ================================= ===========================

Rules are registered in :data:`FUSION_RULES` and built from config dicts,
e.g. ``dict(type='logit_mean', eps=1e-6)``.
"""
from typing import Optional, Sequence, Union

import numpy as np
from mmengine.registry import Registry
from scipy.special import expit, logit
from scipy.stats import rankdata

__all__ = ['FUSION_RULES', 'BaseFusion', 'MeanFusion', 'WeightedMeanFusion',
           'LogitMeanFusion', 'RankMeanFusion', 'build_fusion',
           'normalize_weights']

FUSION_RULES = Registry('fusion rule')


def normalize_weights(weights: Optional[Sequence[float]],
                      num_sources: int) -> np.ndarray:
    """Check weights and scale them to sum to one.

    Args:
        weights (Sequence[float], optional): ``[K]`` non-negative finite
            weights, not all zero. None means equal weights.
        num_sources (int): K.

    Returns:
        np.ndarray: ``[K]`` float64, summing to one.
    """
    if weights is None:
        return np.full(num_sources, 1 / num_sources)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (num_sources, ):
        raise ValueError(f'expected {num_sources} weights, got shape '
                         f'{weights.shape}')
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError(f'weights must be finite and >= 0, got '
                         f'{weights.tolist()}')
    total = weights.sum()
    if total <= 0:
        raise ValueError('at least one weight must be positive, got all '
                         'zeros')
    return weights / total


class BaseFusion:
    """A weighted mean of transformed probabilities.

    Subclasses fill in :meth:`transform` and, where it is not the identity,
    :meth:`inverse`.
    """

    #: Whether the rule uses the weights it is given (``mean`` does not).
    uses_weights = True

    def transform(self, probs: np.ndarray) -> np.ndarray:
        """Map probabilities to the space where they are averaged.

        Args:
            probs (np.ndarray): ``[N, C]`` probabilities of one source.

        Returns:
            np.ndarray: ``[N, C]`` float32.
        """
        return np.asarray(probs, dtype=np.float32)

    def inverse(self, values: np.ndarray) -> np.ndarray:
        """Map an average of transformed sources back to ``[0, 1]``.

        Args:
            values (np.ndarray): ``[N, C]``.

        Returns:
            np.ndarray: ``[N, C]`` float32 in ``[0, 1]``.
        """
        # Clipping removes float32 rounding above 1 of a weighted mean of
        # probabilities, nothing more.
        return np.clip(np.asarray(values, dtype=np.float32), 0, 1)

    def combine(self,
                values: Union[np.ndarray, Sequence[np.ndarray]],
                weights: Optional[Sequence[float]] = None) -> np.ndarray:
        """Weighted mean of already transformed sources, mapped back.

        Args:
            values (np.ndarray | Sequence[np.ndarray]): ``[K, N, C]``
                transformed sources.
            weights (Sequence[float], optional): ``[K]``; normalised to sum
                to one. Defaults to None (equal weights).

        Returns:
            np.ndarray: ``[N, C]`` float32 fused scores.
        """
        if not isinstance(values, np.ndarray):
            values = np.stack(values)
        if values.ndim != 3:
            raise ValueError(f'expected [K, N, C] values, got shape '
                             f'{values.shape}')
        if not self.uses_weights:
            weights = None
        weights = normalize_weights(weights, len(values))
        fused = np.tensordot(weights.astype(values.dtype), values, axes=1)
        return self.inverse(fused)

    def __call__(self,
                 probs: Sequence[np.ndarray],
                 weights: Optional[Sequence[float]] = None) -> np.ndarray:
        """Fuse sources given as probabilities.

        Args:
            probs (Sequence[np.ndarray]): K arrays of ``[N, C]``
                probabilities, rows aligned (same videos, same order).
            weights (Sequence[float], optional): ``[K]``. Defaults to None
                (equal weights).

        Returns:
            np.ndarray: ``[N, C]`` float32.
        """
        return self.combine([self.transform(p) for p in probs], weights)

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'


@FUSION_RULES.register_module(name='mean')
class MeanFusion(BaseFusion):
    """Plain mean of probabilities; weights are ignored."""

    uses_weights = False


@FUSION_RULES.register_module(name='weighted_mean')
class WeightedMeanFusion(BaseFusion):
    """Weighted mean of probabilities."""


@FUSION_RULES.register_module(name='logit_mean')
class LogitMeanFusion(BaseFusion):
    """Weighted mean of logits, mapped back with a sigmoid.

    Args:
        eps (float): Probabilities are clipped to ``[eps, 1 - eps]`` before
            the logit. Defaults to 1e-6.
    """

    def __init__(self, eps: float = 1e-6) -> None:
        if not 0 < eps < 0.5:
            raise ValueError(f'eps must be in (0, 0.5), got {eps!r}')
        self.eps = eps

    def transform(self, probs: np.ndarray) -> np.ndarray:
        probs = np.clip(np.asarray(probs, dtype=np.float32), self.eps,
                        1 - self.eps)
        return logit(probs)

    def inverse(self, values: np.ndarray) -> np.ndarray:
        return expit(np.asarray(values, dtype=np.float32))

    def __repr__(self) -> str:
        return f'{type(self).__name__}(eps={self.eps})'


@FUSION_RULES.register_module(name='rank_mean')
class RankMeanFusion(BaseFusion):
    """Weighted mean of ranks, each scaled to ``[0, 1]``.

    Ties share their average rank. The fused scores are mean normalised
    ranks, not probabilities; ranking metrics and top-5 lists only use their
    order.

    Args:
        over (str): ``'classes'`` ranks the classes within each video (the
            order sample mAP scores); ``'videos'`` ranks the videos within
            each class (the order macro mAP scores). Defaults to
            ``'classes'``.
    """

    def __init__(self, over: str = 'classes') -> None:
        if over not in ('classes', 'videos'):
            raise ValueError(f"over must be 'classes' or 'videos', got "
                             f'{over!r}')
        self.over = over

    def transform(self, probs: np.ndarray) -> np.ndarray:
        axis = 1 if self.over == 'classes' else 0
        probs = np.asarray(probs)
        ranks = rankdata(probs, method='average', axis=axis)
        return ((ranks - 1) / max(probs.shape[axis] - 1, 1)).astype(
            np.float32)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(over={self.over!r})'


def build_fusion(cfg: Union[str, dict, BaseFusion]) -> BaseFusion:
    """Build a fusion rule from ``dict(type=NAME, ...)`` or a name."""
    if isinstance(cfg, BaseFusion):
        return cfg
    if isinstance(cfg, str):
        cfg = dict(type=cfg)
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise ValueError(f'a fusion rule is dict(type=...), got {cfg!r}')
    if cfg['type'] not in FUSION_RULES:
        raise ValueError(f'unknown fusion rule {cfg["type"]!r}; choose from '
                         f'{sorted(FUSION_RULES.module_dict)}')
    return FUSION_RULES.build(dict(cfg))
