"""Bootstrap confidence interval of sample mAP.

Sample mAP is the mean of per-sample average precisions, so resampling
videos with replacement only needs those ``N`` numbers once: each bootstrap
replicate is the mean of a resample of them (the percentile bootstrap,
Efron & Tibshirani 1993, ch. 13).
"""
from dataclasses import dataclass

import numpy as np

from .scoring import per_sample_ap

__all__ = ['BootstrapResult', 'bootstrap_mean_ci', 'sample_map_ci']


@dataclass
class BootstrapResult:
    """A point estimate and its percentile interval.

    Args:
        estimate (float): The statistic on the full data.
        low (float): Lower end of the interval.
        high (float): Upper end of the interval.
        confidence (float): Its coverage, e.g. 0.95.
        num_samples (int): Bootstrap replicates.
    """
    estimate: float
    low: float
    high: float
    confidence: float
    num_samples: int


def bootstrap_mean_ci(values: np.ndarray,
                      *,
                      num_samples: int = 1000,
                      confidence: float = 0.95,
                      seed: int = 0,
                      chunk: int = 100) -> BootstrapResult:
    """Percentile bootstrap interval of the mean of ``values``.

    Args:
        values (np.ndarray): ``[N]`` finite per-sample values.
        num_samples (int): Replicates. Defaults to 1000.
        confidence (float): Coverage in (0, 1). Defaults to 0.95.
        seed (int): Seed of the resampling. Defaults to 0.
        chunk (int): Replicates drawn at once (memory ``chunk * N`` int64).
            Defaults to 100.

    Returns:
        BootstrapResult: The mean and the ``(1 - confidence) / 2`` and
        ``(1 + confidence) / 2`` quantiles of the replicate means.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f'values must be a non-empty 1-D array, got shape '
                         f'{values.shape}')
    if not np.isfinite(values).all():
        raise ValueError('values must be finite')
    if not 0 < confidence < 1:
        raise ValueError(f'confidence must be in (0, 1), got {confidence!r}')
    if num_samples < 1:
        raise ValueError(f'num_samples must be >= 1, got {num_samples!r}')
    rng = np.random.default_rng(seed)
    means = np.empty(num_samples)
    for start in range(0, num_samples, chunk):
        size = min(chunk, num_samples - start)
        draws = rng.integers(0, len(values), size=(size, len(values)))
        means[start:start + size] = values[draws].mean(axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return BootstrapResult(
        float(values.mean()), float(low), float(high), confidence,
        num_samples)


def sample_map_ci(scores: np.ndarray,
                  labels: np.ndarray,
                  *,
                  num_samples: int = 1000,
                  confidence: float = 0.95,
                  seed: int = 0) -> BootstrapResult:
    """Bootstrap interval of ``sample_map(scores, labels)`` over videos.

    Videos without a positive label are left out, as sample mAP leaves them
    out.

    Args:
        scores (np.ndarray): ``[N, C]`` scores.
        labels (np.ndarray): ``[N, C]`` multi-hot.
        num_samples (int): Replicates. Defaults to 1000.
        confidence (float): Coverage. Defaults to 0.95.
        seed (int): Seed. Defaults to 0.

    Returns:
        BootstrapResult: ``estimate`` equals ``sample_map(scores, labels)``.
    """
    ap = per_sample_ap(scores, labels)
    return bootstrap_mean_ci(
        ap[~np.isnan(ap)],
        num_samples=num_samples,
        confidence=confidence,
        seed=seed)
