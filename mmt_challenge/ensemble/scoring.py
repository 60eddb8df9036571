"""Scoring fused predictions with the package's mAP metrics.

Thin helpers over :mod:`mmt_challenge.evaluation`: the three averages at
once, and the per-sample / per-class average precisions that the bootstrap
and the report need, so that every number in a report comes from one
implementation.
"""
import warnings
from typing import Dict

import numpy as np

from ..evaluation import (class_ap, macro_map, map_metrics, micro_map,
                          sample_ap, sample_map)

__all__ = ['score_all', 'per_sample_ap', 'per_class_ap', 'sample_map',
           'macro_map', 'micro_map']


def score_all(scores: np.ndarray, labels: np.ndarray) -> Dict[str, float]:
    """Sample, macro and micro mAP of one prediction.

    Args:
        scores (np.ndarray): ``[N, C]`` scores.
        labels (np.ndarray): ``[N, C]`` multi-hot.

    Returns:
        dict: :func:`~mmt_challenge.evaluation.map_metrics`' ``sample_mAP``,
        ``macro_mAP``, ``micro_mAP`` as Python floats. Samples or classes
        without a positive are left out silently (the caller reports how
        many once).
    """
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)
        return map_metrics(scores, labels)


# Kept under the ensemble's names; the numerics live in mmt_challenge.evaluation.
per_sample_ap = sample_ap
per_class_ap = class_ap
