"""Member heads with multi-label (sigmoid) clip averaging, and the multi-dataset
head."""
from .multi_dataset_head import MultiDatasetHead, top_projection_weights
from .multilabel_average import MultiLabelAverageMixin
from .multilabel_heads import (MultiLabelI3DHead, MultiLabelSlowFastHead,
                               MultiLabelTRNHead, MultiLabelTSMHead,
                               MultiLabelTSNHead)

__all__ = [
    'MultiLabelAverageMixin', 'MultiLabelTSNHead', 'MultiLabelTSMHead',
    'MultiLabelTRNHead', 'MultiLabelI3DHead', 'MultiLabelSlowFastHead',
    'MultiDatasetHead', 'top_projection_weights'
]
