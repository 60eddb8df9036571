"""Evaluation: sample-level, macro and micro mAP, and the registered metric."""
from .functional import (NoPositiveWarning, class_ap, macro_map, map_metrics,
                         micro_map, sample_ap, sample_map)
from .multilabel_map_metric import MultiLabelMAP

__all__ = [
    'sample_map', 'macro_map', 'micro_map', 'map_metrics', 'sample_ap',
    'class_ap',
    'NoPositiveWarning',
    'MultiLabelMAP'
]
