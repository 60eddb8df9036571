"""Evaluation: sample-level, macro and micro mAP, and the registered metric."""
from .functional import NoPositiveWarning, macro_map, micro_map, sample_map
from .multilabel_map_metric import MultiLabelMAP

__all__ = [
    'sample_map', 'macro_map', 'micro_map', 'NoPositiveWarning',
    'MultiLabelMAP'
]
