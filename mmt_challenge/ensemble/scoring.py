"""Scoring fused predictions with the package's mAP metrics.

Thin helpers over :mod:`mmt_challenge.evaluation`: the three averages at
once, and the per-sample / per-class average precisions that the bootstrap
and the report need, computed with the same metric functions one row or one
column at a time so that every number in a report comes from one
implementation.
"""
import warnings
from typing import Dict

import numpy as np

from ..evaluation import macro_map, micro_map, sample_map

__all__ = ['score_all', 'per_sample_ap', 'per_class_ap', 'sample_map',
           'macro_map', 'micro_map']


def score_all(scores: np.ndarray, labels: np.ndarray) -> Dict[str, float]:
    """Sample, macro and micro mAP of one prediction.

    Args:
        scores (np.ndarray): ``[N, C]`` scores.
        labels (np.ndarray): ``[N, C]`` multi-hot.

    Returns:
        dict: ``sample_map``, ``macro_map``, ``micro_map`` as Python floats.
        Samples or classes without a positive are left out silently (the
        caller reports how many once).
    """
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)
        return dict(
            sample_map=sample_map(scores, labels),
            macro_map=macro_map(scores, labels),
            micro_map=micro_map(scores, labels))


def per_sample_ap(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Average precision of every sample over the classes.

    Args:
        scores (np.ndarray): ``[N, C]`` scores.
        labels (np.ndarray): ``[N, C]`` multi-hot.

    Returns:
        np.ndarray: ``[N]`` float64, NaN for samples without a positive. The
        mean of the non-NaN entries is ``sample_map(scores, labels)``.
    """
    labels = np.asarray(labels)
    has_positive = labels.any(axis=1)
    ap = np.full(len(labels), np.nan)
    for i in np.flatnonzero(has_positive):
        ap[i] = sample_map(scores[i:i + 1], labels[i:i + 1])
    return ap


def per_class_ap(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Average precision of every class over the samples.

    Args:
        scores (np.ndarray): ``[N, C]`` scores.
        labels (np.ndarray): ``[N, C]`` multi-hot.

    Returns:
        np.ndarray: ``[C]`` float64, NaN for classes without a positive. The
        mean of the non-NaN entries is ``macro_map(scores, labels)``.
    """
    labels = np.asarray(labels)
    has_positive = labels.any(axis=0)
    ap = np.full(labels.shape[1], np.nan)
    for c in np.flatnonzero(has_positive):
        ap[c] = macro_map(scores[:, c:c + 1], labels[:, c:c + 1])
    return ap
