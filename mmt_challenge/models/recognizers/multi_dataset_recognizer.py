"""Recognizers trained on several datasets at once (CoVeR / MultiTrain).

:class:`MultiDatasetRecognizer2D` and :class:`MultiDatasetRecognizer3D` are
MMAction2's ``Recognizer2D`` / ``Recognizer3D`` with
:class:`MultiDatasetRecognizerMixin`; they differ only in how they extract
features, so they are one-liners kept together here.
"""
from collections import OrderedDict
from typing import Dict, Optional

import torch
from mmaction.models.recognizers import Recognizer2D, Recognizer3D
from mmaction.registry import MODELS
from mmaction.utils import OptConfigType, SampleList
from mmengine.model import merge_dict

from ..heads.multi_dataset_head import MultiDatasetHead

__all__ = [
    'MultiDatasetRecognizerMixin', 'MultiDatasetRecognizer2D',
    'MultiDatasetRecognizer3D'
]


class MultiDatasetRecognizerMixin:
    """One backbone, a :class:`~mmt_challenge.models.heads.MultiDatasetHead`
    and MultiTrain's informative loss.

    Training (CoVeR, Zhang et al., `Co-training Transformer with Videos and
    Images Improves Action Recognition <https://arxiv.org/abs/2112.07175>`_;
    MultiTrain, Liang et al., `Multi-dataset Training of Transformers for
    Robust Action Recognition <https://arxiv.org/abs/2209.12362>`_, NeurIPS
    2022): a mixed batch of several datasets goes through the backbone once;
    the pooled embedding feeds the head, whose per-dataset losses are masked
    to each dataset's own samples and whose cross-dataset projections learn
    how the label spaces relate; optionally the same embedding feeds the
    informative loss (an :class:`~mmt_challenge.models.losses.InformativeLoss`
    with its expander). The losses are ``loss_cls_<name>``,
    ``loss_proj_<name>``, ``loss_variance`` and ``loss_covariance``.

    Inference for one named dataset (:meth:`predict`, the head's
    ``test_dataset`` by default) runs that dataset's classifier only, and
    :meth:`single_dataset_state_dict` exports the weights a plain
    single-dataset ``Recognizer2D`` / ``Recognizer3D`` config loads: the
    backbone (and neck) and that classifier, without the other classifiers,
    the projections and the expander.

    Args:
        *args: Passed to the recognizer (``backbone``, ``cls_head``, ...);
            ``cls_head`` must be a ``MultiDatasetHead``.
        informative_loss (dict, optional): Config of the informative loss,
            e.g. ``dict(type='InformativeLoss', in_channels=2048)``.
            Defaults to None (no informative loss).
        **kwargs: Passed to the recognizer.
    """

    def __init__(self,
                 *args,
                 informative_loss: OptConfigType = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(getattr(self, 'cls_head', None), MultiDatasetHead):
            raise TypeError(
                f'{type(self).__name__} needs cls_head=dict(type='
                "'MultiDatasetHead', ...), got "
                f'{type(getattr(self, "cls_head", None)).__name__}')
        self.informative_loss = (
            MODELS.build(informative_loss)
            if informative_loss is not None else None)

    def loss(self, inputs: torch.Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, torch.Tensor]:
        """Losses of a mixed training batch.

        Args:
            inputs (Tensor): ``[B, ...]`` clips of every dataset.
            data_samples (list[ActionDataSample]): With ``dataset_targets``
                and ``loss_mask``, as ``MultiSourceDataset`` writes them.

        Returns:
            dict[str, Tensor]: The head's losses, the informative loss's
            terms and the neck's auxiliary losses.
        """
        feats, loss_kwargs = self.extract_feat(
            inputs, data_samples=data_samples)
        loss_aux = loss_kwargs.get('loss_aux', dict())
        embedding = self.cls_head.pool(feats, **loss_kwargs)
        losses = self.cls_head.loss(embedding, data_samples)
        if self.informative_loss is not None:
            losses.update(self.informative_loss(embedding))
        return merge_dict(losses, loss_aux)

    def predict(self,
                inputs: torch.Tensor,
                data_samples: SampleList,
                dataset: Optional[str] = None,
                **kwargs) -> SampleList:
        """Predict for one dataset with its classifier only.

        Args:
            inputs (Tensor): ``[B, views, ...]`` test clips.
            data_samples (list[ActionDataSample]): One per video.
            dataset (str, optional): Which dataset. Defaults to None (the
                head's ``test_dataset``).

        Returns:
            list[ActionDataSample]: With ``pred_score`` ``[C_dataset]``
            (see :meth:`MultiDatasetHead.predict
            <mmt_challenge.models.heads.MultiDatasetHead.predict>`).
        """
        feats, predict_kwargs = self.extract_feat(inputs, test_mode=True)
        return self.cls_head.predict(
            feats, data_samples, dataset=dataset, **predict_kwargs)

    def single_dataset_state_dict(self,
                                  dataset: str,
                                  head_format: str = 'auto') -> OrderedDict:
        """The weights of a single-dataset recognizer for ``dataset``.

        Args:
            dataset (str): Which dataset.
            head_format (str): How the classifier is stored (see
                ``MultiDatasetHead.export_state_dict``): ``'auto'``,
                ``'fc_cls'`` (MMAction2's heads) or ``'multi_dataset'``.
                Defaults to ``'auto'``.

        Returns:
            OrderedDict: Everything but the head and the informative loss,
            plus ``cls_head.*`` for that dataset's classifier.
        """
        head = self.cls_head.export_state_dict(dataset, head_format)
        state = OrderedDict(
            (k, v) for k, v in self.state_dict().items()
            if not k.startswith(('cls_head.', 'informative_loss.')))
        state.update((f'cls_head.{k}', v) for k, v in head.items())
        return state


@MODELS.register_module()
class MultiDatasetRecognizer2D(MultiDatasetRecognizerMixin, Recognizer2D):
    """Multi-dataset recognizer on a 2D backbone (TSN, TSM, TIN): see
    :class:`MultiDatasetRecognizerMixin`."""


@MODELS.register_module()
class MultiDatasetRecognizer3D(MultiDatasetRecognizerMixin, Recognizer3D):
    """Multi-dataset recognizer on a 3D backbone (I3D, SlowFast): see
    :class:`MultiDatasetRecognizerMixin`."""
