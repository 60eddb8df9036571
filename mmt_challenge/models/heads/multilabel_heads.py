"""MMAction2's member heads with multi-label clip averaging.

Each class is its MMAction2 namesake plus :class:`MultiLabelAverageMixin`,
so ``average_clips='sigmoid'`` averages sigmoid probabilities over views. They
are one-liners, kept together in one file rather than one file each.
Use them with ``multi_class=True`` and a multi-label loss, e.g.
``dict(type='MultiLabelTSMHead', num_classes=313, in_channels=2048,
multi_class=True, average_clips='sigmoid', loss_cls=dict(type='ScaledBCELoss',
scale=160.0))``. Arguments and shapes are those of the MMAction2 head.
"""
from mmaction.models.heads import (I3DHead, SlowFastHead, TRNHead, TSMHead,
                                   TSNHead)
from mmaction.registry import MODELS

from .multilabel_average import MultiLabelAverageMixin

__all__ = [
    'MultiLabelTSNHead', 'MultiLabelTSMHead', 'MultiLabelTRNHead',
    'MultiLabelI3DHead', 'MultiLabelSlowFastHead'
]


@MODELS.register_module()
class MultiLabelTSNHead(MultiLabelAverageMixin, TSNHead):
    """:class:`mmaction.models.TSNHead` with sigmoid clip averaging."""


@MODELS.register_module()
class MultiLabelTSMHead(MultiLabelAverageMixin, TSMHead):
    """:class:`mmaction.models.TSMHead` with sigmoid clip averaging."""


@MODELS.register_module()
class MultiLabelTRNHead(MultiLabelAverageMixin, TRNHead):
    """:class:`mmaction.models.TRNHead` with sigmoid clip averaging."""


@MODELS.register_module()
class MultiLabelI3DHead(MultiLabelAverageMixin, I3DHead):
    """:class:`mmaction.models.I3DHead` with sigmoid clip averaging."""


@MODELS.register_module()
class MultiLabelSlowFastHead(MultiLabelAverageMixin, SlowFastHead):
    """:class:`mmaction.models.SlowFastHead` with sigmoid clip averaging."""
