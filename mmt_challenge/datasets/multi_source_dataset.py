"""Datasets with their own label spaces, concatenated for co-training."""
import bisect
import re
from typing import Sequence, Union

import numpy as np
import torch
from mmaction.registry import DATASETS
from torch.utils.data import Dataset

from ..utils.checks import check_int, check_keys, check_positive_int

__all__ = ['MultiSourceDataset', 'label_to_target']

_NAME = re.compile(r'^[A-Za-z0-9_-]+$')
_SOURCE_KEYS = frozenset(['name', 'num_classes', 'dataset'])


@DATASETS.register_module()
class MultiSourceDataset(Dataset):
    """Datasets with different label spaces, one after the other.

    The data of multi-dataset training as in MultiTrain (Liang et al.,
    `Multi-dataset Training of Transformers for Robust Action Recognition
    <https://arxiv.org/abs/2209.12362>`_, NeurIPS 2022) and CoVeR (Zhang et
    al., `Co-training Transformer with Videos and Images Improves Action
    Recognition <https://arxiv.org/abs/2112.07175>`_, 2021): every source
    keeps its own dataset class, pipeline and label space, and each sample
    says where it comes from, so that batches can mix sources and a
    :class:`~mmt_challenge.models.heads.MultiDatasetHead` sends each sample's
    loss to its own dataset's head. Pair it with
    :class:`~mmt_challenge.datasets.multi_source_sampler.MultiSourceSampler`,
    which draws the sources in proportion to size times a replica factor.

    Each source's pipeline must end in ``PackActionInputs`` and give inputs
    of one shape across sources, so that they stack into one batch. On top
    of the source's own ``gt_label`` (kept as it is, in the source's label
    space), the data sample gets:

    * metainfo ``dataset_index`` (int, the source's position) and
      ``dataset_name`` (str);
    * ``dataset_targets``: float Tensor ``[sum(num_classes)]``, the targets
      of every source concatenated in source order: the sample's own
      ``gt_label`` as a multi-hot vector (one-hot for a single-label
      source) in its source's slice, zeros elsewhere;
    * ``loss_mask``: float Tensor ``[len(sources)]``, 1 for the sample's own
      source and 0 for the others.

    An image dataset can be a source (CoVeR's image-video co-training): its
    images are fed as single-frame clips repeated to the clip length of the
    videos, so that they batch with them (and a temporal shift sees a still
    clip). MMAction2's ``VideoDataset`` reads an image list (``path label``
    per line) as well as a video list; decode with ``ImageDecode`` and repeat
    with ``BuildPseudoClip``:

    .. code-block:: python

        image_pipeline = [
            dict(type='ImageDecode'),
            dict(type='Resize', scale=(-1, 256)),
            dict(type='RandomResizedCrop'),
            dict(type='Resize', scale=(224, 224), keep_ratio=False),
            dict(type='Flip', flip_ratio=0.5),
            dict(type='BuildPseudoClip', clip_len=8),
            dict(type='FormatShape', input_format='NCHW'),
            dict(type='PackActionInputs'),
        ]
        sources = [
            dict(name='mmit', num_classes=313,
                 dataset=dict(type='MultiLabelVideoDataset', ...)),
            dict(name='in1k', num_classes=1000,
                 dataset=dict(type='VideoDataset', ann_file=...,
                              data_prefix=dict(video=...),
                              pipeline=image_pipeline)),
        ]

    Args:
        sources (Sequence[dict]): One dict per source with ``name`` (str of
            letters, digits, ``_`` and ``-``; the name of its head in
            :class:`~mmt_challenge.models.heads.MultiDatasetHead`),
            ``num_classes`` (int) and ``dataset`` (a dataset config, or a
            built dataset). The order is that of the head's ``datasets``.
    """

    def __init__(self, sources: Sequence[dict]) -> None:
        if isinstance(sources, (str, dict)) or not isinstance(
                sources, Sequence) or not sources:
            raise ValueError('sources must be a non-empty list of dicts, got '
                             f'{sources!r}')
        names, num_classes, datasets = [], [], []
        for i, source in enumerate(sources):
            check_keys(
                source, f'source {i}', _SOURCE_KEYS, required=_SOURCE_KEYS)
            name = source['name']
            if not isinstance(name, str) or not _NAME.match(name):
                raise ValueError(
                    f'source {i}: name must be letters, digits, "_" or "-", '
                    f'got {name!r}')
            if name in names:
                raise ValueError(f'source name {name!r} appears twice')
            classes = check_positive_int(source['num_classes'],
                                         f'source {name!r}: num_classes')
            dataset = source['dataset']
            if isinstance(dataset, dict):
                dataset = DATASETS.build(dataset)
            if len(dataset) == 0:
                raise ValueError(f'source {name!r} is empty')
            names.append(name)
            num_classes.append(int(classes))
            datasets.append(dataset)
        self.source_names = tuple(names)
        self.num_classes = tuple(num_classes)
        self.datasets = datasets
        self.source_sizes = tuple(len(d) for d in datasets)
        self.cumulative_sizes = np.cumsum(self.source_sizes).tolist()
        self._offsets = np.concatenate([[0],
                                        np.cumsum(num_classes)]).tolist()

    @property
    def metainfo(self) -> dict:
        """``source_names``, ``num_classes`` and ``source_sizes``."""
        return dict(
            source_names=self.source_names,
            num_classes=self.num_classes,
            source_sizes=self.source_sizes)

    def full_init(self) -> None:
        """Fully initialise every source that initialises lazily."""
        for dataset in self.datasets:
            if hasattr(dataset, 'full_init'):
                dataset.full_init()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def locate(self, idx: int) -> tuple:
        """``(source index, index within the source)`` of sample ``idx``."""
        check_int(idx, 'index')
        if not 0 <= idx < len(self):
            raise IndexError(f'index {idx} out of range for a dataset of '
                             f'{len(self)} samples')
        source = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[source - 1] if source else 0
        return source, int(idx - start)

    def get_data_info(self, idx: int) -> dict:
        """The annotation of sample ``idx``, from its source."""
        source, local = self.locate(idx)
        return self.datasets[source].get_data_info(local)

    def __getitem__(self, idx: int) -> dict:
        source, local = self.locate(idx)
        data = self.datasets[source][local]
        sample = data.get('data_samples') if isinstance(data, dict) else None
        if sample is None or 'gt_label' not in sample:
            raise ValueError(
                f'source {self.source_names[source]!r} gave a sample without '
                "data_samples.gt_label; its pipeline must end in "
                'PackActionInputs and its annotation must have labels')
        try:
            own = label_to_target(sample.gt_label, self.num_classes[source])
        except ValueError as error:
            raise ValueError(f'source {self.source_names[source]!r}, sample '
                             f'{local}: {error}') from None
        targets = torch.zeros(self._offsets[-1])
        start = self._offsets[source]
        targets[start:start + self.num_classes[source]] = own
        mask = torch.zeros(len(self.datasets))
        mask[source] = 1.0
        sample.set_metainfo(
            dict(
                dataset_index=source,
                dataset_name=self.source_names[source]))
        sample.dataset_targets = targets
        sample.loss_mask = mask
        return data

    def __repr__(self) -> str:
        parts = ', '.join(
            f'{n} ({s} samples, {c} classes)' for n, s, c in zip(
                self.source_names, self.source_sizes, self.num_classes))
        return f'{type(self).__name__}({parts})'


def label_to_target(label: Union[torch.Tensor, np.ndarray, Sequence[int],
                                 int], num_classes: int) -> torch.Tensor:
    """A label as a float32 target vector ``[num_classes]``.

    Integer labels are class indices (one index for a single-label dataset,
    several for a multi-label one) and become a multi-hot vector; floating or
    bool labels are already target vectors (multi-hot, or soft from mixup)
    and must have ``num_classes`` entries in ``[0, 1]``.

    Args:
        label (Tensor | np.ndarray | Sequence[int] | int): ``gt_label``.
        num_classes (int): Size of the label space.

    Returns:
        Tensor: ``[num_classes]`` float32.
    """
    if isinstance(label, np.ndarray):
        label = torch.from_numpy(label)
    elif not isinstance(label, torch.Tensor):
        label = torch.as_tensor(label)
    label = label.reshape(-1)
    if label.dtype == torch.bool or label.is_floating_point():
        if label.numel() != num_classes:
            raise ValueError(f'a target vector must have {num_classes} '
                             f'entries, got {label.numel()}')
        target = label.float()
        bad = ~((target >= 0) & (target <= 1))  # NaN is bad too
        if bool(bad.any()):
            raise ValueError(f'targets must lie in [0, 1], got '
                             f'{target[bad][:5].tolist()}')
        return target
    if label.is_complex():
        raise TypeError(f'labels must be real, got {label.dtype}')
    bad = (label < 0) | (label >= num_classes)
    if bool(bad.any()):
        raise ValueError(f'class indices {label[bad].tolist()} are out of '
                         f'range for {num_classes} classes (an unlabelled '
                         'sample has index -1)')
    target = torch.zeros(num_classes)
    target[label.long()] = 1.0
    return target
