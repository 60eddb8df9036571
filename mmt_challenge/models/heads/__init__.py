"""Member heads with multi-label (sigmoid) clip averaging."""
from .multilabel_average import MultiLabelAverageMixin
from .multilabel_heads import (MultiLabelI3DHead, MultiLabelSlowFastHead,
                               MultiLabelTRNHead, MultiLabelTSMHead,
                               MultiLabelTSNHead)

__all__ = [
    'MultiLabelAverageMixin', 'MultiLabelTSNHead', 'MultiLabelTSMHead',
    'MultiLabelTRNHead', 'MultiLabelI3DHead', 'MultiLabelSlowFastHead'
]
