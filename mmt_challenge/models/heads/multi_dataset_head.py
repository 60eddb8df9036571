"""One classification head per dataset, with cross-dataset projections."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from mmengine.model import BaseModule
from mmengine.model.weight_init import normal_init
from torch import Tensor, nn

from mmt_challenge.datasets.multi_source_dataset import label_to_target
from mmt_challenge.utils.checks import (check_non_negative, check_positive,
                                        check_positive_int, check_probability)

from .head_datasets import HeadDatasetSpec, parse_head_datasets

__all__ = ['MultiDatasetHead', 'HEAD_FORMATS']

HEAD_FORMATS = ('auto', 'fc_cls', 'multi_dataset')


@MODELS.register_module()
class MultiDatasetHead(BaseModule):
    """Per-dataset classification heads with cross-dataset projections.

    The head of multi-dataset training: one backbone feature, one classifier
    per dataset (CoVeR, Zhang et al., `Co-training Transformer with Videos
    and Images Improves Action Recognition
    <https://arxiv.org/abs/2112.07175>`_), and, for every ordered pair of
    datasets ``(i, j)``, a linear projection without bias from dataset
    ``i``'s logits to dataset ``j``'s label space, trained with dataset
    ``j``'s loss on dataset ``j``'s samples, so that each head learns the
    others' classes (MultiTrain, Liang et al., `Multi-dataset Training of
    Transformers for Robust Action Recognition
    <https://arxiv.org/abs/2209.12362>`_, NeurIPS 2022). The projections
    only shape training; inference for one dataset runs that dataset's
    classifier alone.

    **Features.** The head pools what the recognizer gives it into one
    ``[M, in_channels]`` embedding per clip (:meth:`pool`): 2D-CNN frame
    features ``[M * T, C, H, W]`` are averaged over space and over groups of
    ``T = num_segments`` frames (or all ``num_segs`` frames of a sample when
    ``num_segments`` is None, as TSN's average consensus); 3D features
    ``[M, C, T, H, W]`` over space-time; a tuple of 3D features (SlowFast's
    pathways) pathway by pathway, then concatenated. With a linear
    classifier this equals the per-frame classifier and average consensus of
    MMAction2's TSN / TSM / I3D / SlowFast heads, so a dataset's classifier
    exports into those heads (:meth:`export_state_dict`).

    **Losses.** The batch carries, per sample, the targets of every dataset
    (``dataset_targets``, ``[sum(num_classes)]``) and a loss mask per dataset
    (``loss_mask``, ``[len(datasets)]``), as
    :class:`~mmt_challenge.datasets.multi_source_dataset.MultiSourceDataset`
    writes them. Dataset ``j``'s loss sees only the ``n_j`` samples whose
    mask for ``j`` is 1, with ``j``'s own loss module (softmax cross-entropy
    for a single-label dataset, a multi-label loss for M-MiT; targets are
    ``[n_j, C_j]``, one-hot for single-label datasets), and is weighted by
    ``loss_weight_j * n_j / B``, so that every sample of the batch counts
    the same whichever dataset it comes from (MultiTrain's normalisation):

    .. math::

        L = \\sum_j w_j \\frac{n_j}{B} \\Big( L_j(f_j(x)) +
            \\lambda \\frac{1}{D - 1} \\sum_{i \\ne j}
            L_j(P_{i \\to j} f_i(x)) \\Big)

    with ``f_i`` the classifiers, ``P_{i->j}`` the projections and
    ``lambda = projection_loss_weight``. The terms are returned as
    ``loss_cls_<name>`` and ``loss_proj_<name>``. A dataset without samples
    in the batch contributes a zero that keeps its parameters in the graph
    (DDP with ``find_unused_parameters=False`` needs every parameter used).

    A head with a single dataset also takes plain single-dataset batches
    (``gt_label`` only), so a one-dataset config can test a classifier that
    does not fit an MMAction2 head (an MLP).

    Args:
        in_channels (int): Channels of the backbone feature (summed over
            the pathways of a tuple).
        datasets (Sequence[dict]): One dict per dataset, in the order of the
            data's sources: ``name`` (str of letters, digits, ``_`` and
            ``-``), ``num_classes`` (int), and optionally ``multi_label``
            (bool, default False), ``loss_cls`` (dict, default
            ``dict(type='ScaledBCELoss')`` when ``multi_label`` else
            ``dict(type='CrossEntropyLoss')``) and ``loss_weight`` (float,
            default 1.0).
        num_segments (int, optional): Frames per clip of 2D-CNN features,
            e.g. 8 for TSM. Defaults to None (all frames of a sample).
        hidden_channels (int, optional): Hidden width of a 2-layer MLP
            classifier (``Linear``, GELU, ``Linear``; MultiTrain uses 2048).
            Defaults to None (linear classifiers).
        dropout_ratio (float): Dropout on the pooled feature. Defaults to
            0.5.
        init_std (float): Std of the normal init of the classifiers' output
            layers. Defaults to 0.01.
        with_projections (bool): Add the cross-dataset projections (needs
            two or more datasets). Defaults to True.
        projection_loss_weight (float): ``lambda``. Defaults to 1.0.
        projection_init_std (float): Std of the normal init of the
            projections; 0 starts them at zero, so that every weight the
            analysis reads
            (:func:`~mmt_challenge.analysis.top_projection_weights`) was
            learned, and a projection passes gradients to the classifiers
            and the backbone from its first update on (MultiTrain draws them
            with std 0.02). Defaults to 0.0.
        test_dataset (str, optional): The dataset :meth:`predict` and
            :meth:`forward` answer for unless told otherwise. Defaults to
            None (the first).
        init_cfg (dict, optional): mmengine init config. Defaults to None.

    Example:
        >>> head = MultiDatasetHead(
        ...     in_channels=2048, num_segments=8, test_dataset='mmit',
        ...     datasets=[
        ...         dict(name='mmit', num_classes=313, multi_label=True,
        ...              loss_cls=dict(type='ScaledBCELoss', scale=160.0)),
        ...         dict(name='k400', num_classes=400),
        ...         dict(name='mit', num_classes=339)])
    """

    def __init__(self,
                 in_channels: int,
                 datasets: Sequence[dict],
                 *,
                 num_segments: Optional[int] = None,
                 hidden_channels: Optional[int] = None,
                 dropout_ratio: float = 0.5,
                 init_std: float = 0.01,
                 with_projections: bool = True,
                 projection_loss_weight: float = 1.0,
                 projection_init_std: float = 0.0,
                 test_dataset: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        check_positive_int(in_channels, 'in_channels')
        check_positive_int(num_segments, 'num_segments', allow_none=True)
        check_positive_int(
            hidden_channels, 'hidden_channels', allow_none=True)
        check_probability(
            dropout_ratio, 'dropout_ratio', include_boundaries='left')
        check_positive(init_std, 'init_std')
        check_non_negative(projection_loss_weight, 'projection_loss_weight')
        check_non_negative(projection_init_std, 'projection_init_std')
        self.in_channels = in_channels
        self.num_segments = num_segments
        self.hidden_channels = hidden_channels
        self.dropout_ratio = dropout_ratio
        self.init_std = init_std
        self.projection_loss_weight = float(projection_loss_weight)
        self.projection_init_std = float(projection_init_std)

        specs, losses = parse_head_datasets(datasets)
        self.specs: Tuple[HeadDatasetSpec, ...] = specs
        self.names = tuple(spec.name for spec in specs)
        self.index = {name: i for i, name in enumerate(self.names)}
        if with_projections and len(specs) < 2:
            raise ValueError('with_projections needs two or more datasets, '
                             f'got {list(self.names)}')
        self.with_projections = bool(with_projections)
        self.test_dataset = self._check_name(
            self.names[0] if test_dataset is None else test_dataset,
            'test_dataset')

        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio else None
        self.heads = nn.ModuleDict(
            (spec.name, self._classifier(spec.num_classes))
            for spec in specs)
        self.losses = nn.ModuleDict(zip(self.names, losses))
        if self.with_projections:
            # projections[dst][src]: Linear(C_src -> C_dst), weight [C_dst,
            # C_src]: the weight of source class a for target class b.
            self.projections = nn.ModuleDict(
                (dst.name,
                 nn.ModuleDict((src.name,
                                nn.Linear(
                                    src.num_classes,
                                    dst.num_classes,
                                    bias=False)) for src in specs
                               if src.name != dst.name)) for dst in specs)
        else:
            self.projections = None

    # ------------------------------------------------------------------
    # Building
    # ------------------------------------------------------------------
    def _classifier(self, num_classes: int) -> nn.Module:
        if self.hidden_channels is None:
            return nn.Linear(self.in_channels, num_classes)
        return nn.Sequential(
            nn.Linear(self.in_channels, self.hidden_channels), nn.GELU(),
            nn.Linear(self.hidden_channels, num_classes))

    def init_weights(self) -> None:
        """Normal init of the classifiers' output layers (``init_std``) and
        of the projections (``projection_init_std``, zeros for 0); an MLP's
        hidden layer keeps PyTorch's default init."""
        for head in self.heads.values():
            last = head if isinstance(head, nn.Linear) else head[-1]
            normal_init(last, std=self.init_std)
        if self.projections is not None:
            for group in self.projections.values():
                for projection in group.values():
                    if self.projection_init_std:
                        nn.init.normal_(
                            projection.weight, std=self.projection_init_std)
                    else:
                        nn.init.zeros_(projection.weight)

    def _check_name(self, name: str, what: str = 'dataset') -> str:
        if name not in self.index:
            raise ValueError(f'{what} {name!r} is not one of the head\'s '
                             f'datasets {list(self.names)}')
        return name

    # ------------------------------------------------------------------
    # Forward
    # ------------------------------------------------------------------
    def pool(self,
             x: Union[Tensor, Sequence[Tensor]],
             num_segs: Optional[int] = None,
             **kwargs) -> Tensor:
        """Pool backbone features into one embedding per clip.

        Args:
            x (Tensor | tuple[Tensor]): ``[M * T, C, H, W]`` (2D CNN),
                ``[M, C, T, H, W]`` (3D CNN), a tuple of those (pathways,
                concatenated) or ``[M, C]`` (already pooled; returned as is).
            num_segs (int, optional): Frames per sample of 2D features,
                used when ``num_segments`` is None (the recognizer passes
                it). Defaults to None.
            **kwargs: Other recognizer outputs (``fcn_test``, ``loss_aux``),
                ignored.

        Returns:
            Tensor: ``[M, in_channels]``.
        """
        if isinstance(x, (tuple, list)):
            if not x:
                raise ValueError('got an empty tuple of features')
            pooled = torch.cat([self._pool_one(f, num_segs) for f in x], 1)
        else:
            pooled = self._pool_one(x, num_segs)
        if pooled.shape[1] != self.in_channels:
            raise ValueError(f'the features have {pooled.shape[1]} channels, '
                             f'in_channels is {self.in_channels}')
        return pooled

    def _pool_one(self, x: Tensor, num_segs: Optional[int]) -> Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(
                f'features must be Tensors, got {type(x).__name__}')
        if x.dim() == 2:
            return x
        if x.dim() == 5:
            return x.mean(dim=(2, 3, 4))
        if x.dim() != 4:
            raise ValueError('features must be [M, C], [M * T, C, H, W] or '
                             f'[M, C, T, H, W], got shape {tuple(x.shape)}')
        frames = self.num_segments or num_segs
        if frames is None:
            raise ValueError('2D features need num_segments (head) or '
                             'num_segs (from the recognizer)')
        if x.shape[0] % frames:
            raise ValueError(f'{x.shape[0]} frame features do not split into '
                             f'clips of {frames} frames')
        x = x.mean(dim=(2, 3))
        return x.view(-1, frames, x.shape[1]).mean(dim=1)

    def forward_all(self, x: Union[Tensor, Sequence[Tensor]],
                    **kwargs) -> Dict[str, Tensor]:
        """Logits of every dataset's classifier.

        Args:
            x (Tensor | tuple[Tensor]): Features (see :meth:`pool`).
            **kwargs: ``num_segs`` and other recognizer outputs.

        Returns:
            dict[str, Tensor]: ``[M, C_name]`` logits by dataset name.
        """
        x = self._drop(self.pool(x, **kwargs))
        return OrderedDict(
            (name, head(x)) for name, head in self.heads.items())

    def forward(self,
                x: Union[Tensor, Sequence[Tensor]],
                dataset: Optional[str] = None,
                **kwargs) -> Tensor:
        """Logits of one dataset's classifier; no other classifier runs.

        Args:
            x (Tensor | tuple[Tensor]): Features (see :meth:`pool`).
            dataset (str, optional): Which classifier. Defaults to None
                (``test_dataset``).
            **kwargs: ``num_segs`` and other recognizer outputs.

        Returns:
            Tensor: ``[M, C_dataset]`` logits.
        """
        name = self._check_name(dataset or self.test_dataset)
        return self.heads[name](self._drop(self.pool(x, **kwargs)))

    def _drop(self, x: Tensor) -> Tensor:
        return self.dropout(x) if self.dropout is not None else x

    def project(self,
                logits: Dict[str, Tensor]) -> Dict[Tuple[str, str], Tensor]:
        """Project every dataset's logits into every other label space.

        Args:
            logits (dict[str, Tensor]): ``[M, C_name]`` by dataset name, as
                from :meth:`forward_all`.

        Returns:
            dict[tuple[str, str], Tensor]: ``[M, C_dst]`` by ``(src, dst)``.
        """
        if self.projections is None:
            raise RuntimeError('this head has no projections '
                               '(with_projections=False)')
        return OrderedDict(((src, dst), projection(logits[src]))
                           for dst, group in self.projections.items()
                           for src, projection in group.items())

    def projection_weight(self, src: str, dst: str) -> Tensor:
        """The ``[C_dst, C_src]`` weight of the projection ``src -> dst``."""
        if self.projections is None:
            raise RuntimeError('this head has no projections '
                               '(with_projections=False)')
        self._check_name(src, 'src')
        self._check_name(dst, 'dst')
        if src == dst:
            raise ValueError(f'no projection from {src!r} to itself')
        return self.projections[dst][src].weight

    # ------------------------------------------------------------------
    # Loss
    # ------------------------------------------------------------------
    def loss(self, feats: Union[Tensor, Sequence[Tensor]],
             data_samples: SampleList, **kwargs) -> Dict[str, Tensor]:
        """Classification and projection losses of a training batch.

        Args:
            feats (Tensor | tuple[Tensor]): Features (see :meth:`pool`), one
                clip per sample.
            data_samples (list[ActionDataSample]): With ``dataset_targets``
                and ``loss_mask`` (see the class docstring); ``gt_label``
                alone for a one-dataset head.
            **kwargs: ``num_segs`` and other recognizer outputs.

        Returns:
            dict[str, Tensor]: ``loss_cls_<name>`` and, with projections,
            ``loss_proj_<name>`` for every dataset.
        """
        return self.loss_by_feat(self.forward_all(feats, **kwargs),
                                 data_samples)

    def loss_by_feat(self, logits: Dict[str, Tensor],
                     data_samples: SampleList) -> Dict[str, Tensor]:
        """The losses of :meth:`loss`, from every classifier's logits.

        Args:
            logits (dict[str, Tensor]): ``[B, C_name]`` by dataset name.
            data_samples (list[ActionDataSample]): See :meth:`loss`.

        Returns:
            dict[str, Tensor]: See :meth:`loss`.
        """
        batch = len(data_samples)
        first = logits[self.names[0]]
        if first.shape[0] != batch:
            raise ValueError(
                f'{first.shape[0]} clips for {batch} samples: training takes '
                'one clip per sample')
        targets, masks = self.gather_targets(data_samples, first.device)
        projected = self.project(logits) if self.with_projections else {}
        losses = OrderedDict()
        for j, spec in enumerate(self.specs):
            name = spec.name
            selected = masks[:, j]
            count = int(selected.sum())
            sources = [src for src in self.names if src != name]
            if count == 0:
                losses[f'loss_cls_{name}'] = logits[name].sum() * 0.0
                if self.with_projections:
                    losses[f'loss_proj_{name}'] = sum(
                        projected[(src, name)].sum() for src in sources) * 0.0
                continue
            weight = spec.loss_weight * count / batch
            target = targets[j][selected]
            losses[f'loss_cls_{name}'] = weight * self._loss(
                name, logits[name][selected], target)
            if self.with_projections:
                terms = [
                    self._loss(name, projected[(src, name)][selected], target)
                    for src in sources
                ]
                losses[f'loss_proj_{name}'] = (
                    weight * self.projection_loss_weight *
                    torch.stack(terms).mean())
        return losses

    def _loss(self, name: str, scores: Tensor, target: Tensor) -> Tensor:
        value = self.losses[name](scores, target)
        if isinstance(value, dict):
            value = sum(v for k, v in value.items() if 'loss' in k)
        return value

    def gather_targets(self, data_samples: SampleList,
                       device: Union[str, torch.device] = 'cpu'
                       ) -> Tuple[List[Tensor], Tensor]:
        """Stack the per-dataset targets and loss masks of a batch.

        Args:
            data_samples (list[ActionDataSample]): See :meth:`loss`.
            device (str | torch.device): Where to put them. Defaults to
                ``'cpu'``.

        Returns:
            tuple[list[Tensor], Tensor]: ``[B, C_j]`` float targets of each
            dataset, and ``[B, len(datasets)]`` bool masks.
        """
        if not data_samples:
            raise ValueError('got no data samples')
        sizes = [spec.num_classes for spec in self.specs]
        have = ['dataset_targets' in s and 'loss_mask' in s
                for s in data_samples]
        if all(have):
            targets = torch.stack([
                torch.as_tensor(s.dataset_targets).reshape(-1)
                for s in data_samples
            ]).to(device=device, dtype=torch.float32)
            masks = torch.stack([
                torch.as_tensor(s.loss_mask).reshape(-1)
                for s in data_samples
            ]).to(device)
            self._check_batch(data_samples, targets, masks, sum(sizes))
            return list(targets.split(sizes, dim=1)), masks.bool()
        if any(have):
            raise ValueError('some samples of the batch have dataset_targets '
                             'and loss_mask and some do not')
        if len(self.specs) > 1:
            raise ValueError(
                'a multi-dataset head needs dataset_targets and loss_mask '
                'in every data sample (use MultiSourceDataset)')
        target = torch.stack([
            label_to_target(s.gt_label, sizes[0]) for s in data_samples
        ]).to(device)
        return [target], torch.ones(len(data_samples), 1, dtype=torch.bool,
                                    device=device)

    def _check_batch(self, data_samples: SampleList, targets: Tensor,
                     masks: Tensor, total: int) -> None:
        if targets.shape[1] != total:
            raise ValueError(
                f'dataset_targets have {targets.shape[1]} entries, the '
                f'head\'s datasets {list(self.names)} have {total} classes')
        if masks.shape[1] != len(self.specs):
            raise ValueError(f'loss_mask has {masks.shape[1]} entries for '
                             f'{len(self.specs)} datasets')
        if not bool(((masks == 0) | (masks == 1)).all()):
            raise ValueError('loss_mask values must be 0 or 1, got '
                             f'{masks.unique().tolist()}')
        if not bool(((targets >= 0) & (targets <= 1)).all()):
            raise ValueError('dataset_targets must lie in [0, 1]')
        for s in data_samples:
            index, name = s.metainfo.get('dataset_index'), s.metainfo.get(
                'dataset_name')
            if index is None or name is None:
                continue
            if not 0 <= index < len(self.names) or self.names[index] != name:
                raise ValueError(
                    f'a sample of dataset {name!r} has dataset_index '
                    f'{index}, but the head\'s datasets are '
                    f'{list(self.names)}: list the sources and the head\'s '
                    'datasets in the same order')

    # ------------------------------------------------------------------
    # Inference
    # ------------------------------------------------------------------
    def predict(self,
                feats: Union[Tensor, Sequence[Tensor]],
                data_samples: SampleList,
                dataset: Optional[str] = None,
                **kwargs) -> SampleList:
        """Predict with one dataset's classifier only.

        Args:
            feats (Tensor | tuple[Tensor]): Features (see :meth:`pool`),
                any number of views per sample.
            data_samples (list[ActionDataSample]): One per video.
            dataset (str, optional): Which dataset. Defaults to None
                (``test_dataset``).
            **kwargs: ``num_segs`` and other recognizer outputs.

        Returns:
            list[ActionDataSample]: With ``pred_score`` ``[C_dataset]``,
            the probabilities (sigmoid for a multi-label dataset, softmax
            otherwise) averaged over the views, and ``pred_label``.
        """
        name = self._check_name(dataset or self.test_dataset)
        return self.predict_by_feat(
            self(feats, dataset=name, **kwargs), data_samples, dataset=name)

    def predict_by_feat(self,
                        cls_scores: Tensor,
                        data_samples: SampleList,
                        dataset: Optional[str] = None) -> SampleList:
        """Average one dataset's probabilities over the views of each video.

        Args:
            cls_scores (Tensor): ``[B * views, C_dataset]`` logits.
            data_samples (list[ActionDataSample]): ``B`` samples.
            dataset (str, optional): Whose logits. Defaults to None
                (``test_dataset``).

        Returns:
            list[ActionDataSample]: See :meth:`predict`.
        """
        name = self._check_name(dataset or self.test_dataset)
        spec = self.specs[self.index[name]]
        if not data_samples or cls_scores.shape[0] % len(data_samples):
            raise ValueError(f'{cls_scores.shape[0]} scores cannot be split '
                             f'among {len(data_samples)} samples')
        if spec.multi_label:
            probs = cls_scores.sigmoid()
        else:
            probs = F.softmax(cls_scores, dim=1)
        probs = probs.view(len(data_samples), -1, probs.shape[1]).mean(dim=1)
        for sample, score in zip(data_samples, probs):
            sample.set_pred_score(score)
            sample.set_pred_label(score.argmax(dim=-1, keepdim=True).detach())
        return data_samples

    # ------------------------------------------------------------------
    # Export
    # ------------------------------------------------------------------
    def export_state_dict(self,
                          dataset: str,
                          head_format: str = 'auto') -> 'OrderedDict':
        """One dataset's classifier, for a single-dataset head.

        Args:
            dataset (str): Which dataset.
            head_format (str): ``'fc_cls'``: keys ``fc_cls.weight`` /
                ``fc_cls.bias``, which MMAction2's TSN, TSM, I3D and
                SlowFast heads (and their multi-label versions) load;
                linear classifiers only. ``'multi_dataset'``: the keys of a
                :class:`MultiDatasetHead` with this one dataset and no
                projections. ``'auto'``: ``'fc_cls'`` for linear
                classifiers, ``'multi_dataset'`` for MLPs. Defaults to
                ``'auto'``.

        Returns:
            OrderedDict: The state dict, keys relative to the head; no
            other dataset's classifier and no projection.
        """
        name = self._check_name(dataset)
        if head_format not in HEAD_FORMATS:
            raise ValueError(f'head_format must be one of {HEAD_FORMATS}, '
                             f'got {head_format!r}')
        linear = self.hidden_channels is None
        if head_format == 'auto':
            head_format = 'fc_cls' if linear else 'multi_dataset'
        state = self.state_dict()
        if head_format == 'fc_cls':
            if not linear:
                raise ValueError(
                    "head_format='fc_cls' needs linear classifiers; an MLP "
                    "classifier exports with head_format='multi_dataset' "
                    'into a one-dataset MultiDatasetHead')
            return OrderedDict(
                (f'fc_cls.{key}', state[f'heads.{name}.{key}'])
                for key in ('weight', 'bias'))
        prefixes = (f'heads.{name}.', f'losses.{name}.')
        return OrderedDict(
            (k, v) for k, v in state.items() if k.startswith(prefixes))

    def extra_repr(self) -> str:
        return (f'datasets={list(self.names)}, '
                f'test_dataset={self.test_dataset!r}, '
                f'with_projections={self.with_projections}')
