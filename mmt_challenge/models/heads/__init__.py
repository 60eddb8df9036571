"""Member heads with multi-label (sigmoid) clip averaging, and the multi-dataset
head."""
from .head_datasets import HeadDatasetSpec, parse_head_datasets
from .multi_dataset_head import MultiDatasetHead
from .multilabel_average import MultiLabelAverageMixin
from .multilabel_heads import (MultiLabelI3DHead, MultiLabelSlowFastHead,
                               MultiLabelTRNHead, MultiLabelTSMHead,
                               MultiLabelTSNHead)

__all__ = [
    'MultiLabelAverageMixin', 'MultiLabelTSNHead', 'MultiLabelTSMHead',
    'MultiLabelTRNHead', 'MultiLabelI3DHead', 'MultiLabelSlowFastHead',
    'MultiDatasetHead', 'HeadDatasetSpec', 'parse_head_datasets'
]
