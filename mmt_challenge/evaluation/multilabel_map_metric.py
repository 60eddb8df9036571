"""Sample-level, macro and micro mAP as an MMAction2 evaluation metric."""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

from .functional import map_metrics


@METRICS.register_module()
class MultiLabelMAP(BaseMetric):
    """Mean average precision of multi-label predictions, three ways.

    Reports ``sample_mAP`` (the Multi-Moments in Time challenge metric, see
    :func:`~mmt_challenge.evaluation.sample_map`), ``macro_mAP``
    (:func:`~mmt_challenge.evaluation.macro_map`) and ``micro_mAP``
    (:func:`~mmt_challenge.evaluation.micro_map`), all in [0, 1], under the
    prefix ``mmit``:

    .. code-block:: python

        val_evaluator = dict(type='MultiLabelMAP')
        default_hooks = dict(checkpoint=dict(save_best='mmit/sample_mAP'))

    Each data sample needs ``pred_score`` (Tensor [C], e.g. sigmoid
    probabilities) and ``gt_label``: either a multi-hot Tensor [C] with values
    in {0, 1} (what ``VideoDataset(multi_class=True)`` and
    :class:`~mmt_challenge.datasets.MultiLabelVideoDataset` produce) or a
    Tensor of distinct integer class indices [K] (what
    ``ActionDataSample.set_gt_label`` makes of a list of labels), turned into
    multi-hot with ``C`` taken from ``pred_score``. A ``gt_label`` with as
    many entries as ``pred_score`` is always read as multi-hot. Samples with
    no positive class are left out of ``sample_mAP`` with a warning.

    Results are kept as numpy arrays, so the default ``collect_device='cpu'``
    gathers them from every rank in distributed evaluation.

    Args:
        collect_device (str): Device used to collect results across ranks,
            ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to None,
            which uses :attr:`default_prefix` (``'mmit'``).
        collect_dir (str, optional): Directory, shared by all ranks, used to
            collect results when ``collect_device='cpu'``. Defaults to None
            (a temporary directory).
    """

    default_prefix: Optional[str] = 'mmit'

    def __init__(self,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep each sample's scores and multi-hot labels as numpy arrays.

        Args:
            data_batch (Any): The batch from the dataloader (unused).
            data_samples (Sequence[dict | ActionDataSample]): The model
                outputs, each with ``pred_score`` [C] and ``gt_label``
                ([C] multi-hot or [K] class indices).
        """
        for data_sample in data_samples:
            pred_score = _field(data_sample, 'pred_score')
            if isinstance(pred_score, dict):
                raise TypeError(
                    'MultiLabelMAP needs one pred_score tensor per '
                    'sample, got a dict with keys '
                    f'{sorted(pred_score)}')
            pred_score = _to_numpy(pred_score, 'pred_score')
            if pred_score.ndim != 1 or pred_score.size == 0:
                raise ValueError('pred_score must be a non-empty 1-D tensor '
                                 f'[C], got shape {pred_score.shape}')
            gt_label = _to_multi_hot(
                _to_numpy(_field(data_sample, 'gt_label'), 'gt_label'),
                pred_score.size)
            self.results.append(dict(pred_score=pred_score, gt_label=gt_label))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the three mAPs over every collected sample.

        Args:
            results (list[dict]): ``pred_score`` [C] and ``gt_label`` [C]
                bool of each sample, from all ranks.

        Returns:
            dict[str, float]: ``sample_mAP``, ``macro_mAP`` and
            ``micro_mAP``, in [0, 1].
        """
        if not results:
            raise ValueError('MultiLabelMAP got no results: process() was '
                             'not called with any data sample')
        sizes = sorted({result['pred_score'].size for result in results})
        if len(sizes) > 1:
            raise ValueError('pred_score sizes differ between samples: '
                             f'{sizes}')
        scores = np.stack([result['pred_score'] for result in results])
        labels = np.stack([result['gt_label'] for result in results])
        return map_metrics(scores, labels)


def _field(data_sample: Any, name: str) -> Any:
    """``data_sample[name]`` for a dict, ``data_sample.name`` otherwise."""
    if isinstance(data_sample, dict):
        if name not in data_sample:
            raise KeyError(f'data sample has no {name!r} (keys: '
                           f'{sorted(data_sample)})')
        return data_sample[name]
    if not hasattr(data_sample, name):
        raise KeyError(f'data sample {type(data_sample).__name__} has no '
                       f'{name!r}')
    return getattr(data_sample, name)


def _to_numpy(value: Any, name: str) -> np.ndarray:
    """A copy of a tensor or array as numpy (not a view of the model's)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.dtype == torch.bfloat16:  # numpy has no bfloat16
            value = value.float()
        return value.numpy().copy()
    if isinstance(value, np.ndarray):
        return value.copy()
    raise TypeError(f'{name} must be a torch.Tensor or numpy array, got '
                    f'{type(value).__name__}')


def _to_multi_hot(gt_label: np.ndarray, num_classes: int) -> np.ndarray:
    """A sample's ``gt_label`` as a bool [num_classes] multi-hot vector.

    Args:
        gt_label (np.ndarray): [num_classes] multi-hot, or [K] distinct
            integer class indices.
        num_classes (int): C, the size of the sample's ``pred_score``.

    Returns:
        np.ndarray: [num_classes] bool.
    """
    if gt_label.ndim == 0:
        gt_label = gt_label.reshape(1)
    if gt_label.ndim != 1:
        raise ValueError('gt_label must be a 1-D tensor (multi-hot [C] or '
                         f'class indices [K]), got shape {gt_label.shape}')
    if gt_label.shape == (num_classes, ):
        not_binary = (gt_label != 0) & (gt_label != 1)
        if not_binary.any():
            raise ValueError(
                f'gt_label has {num_classes} entries like pred_score, so it '
                'must be multi-hot with values in {0, 1}, got '
                f'{np.unique(gt_label[not_binary])[:5].tolist()}')
        return gt_label.astype(bool)
    if gt_label.dtype.kind not in 'iu':
        raise ValueError(
            f'gt_label of shape {gt_label.shape} and dtype {gt_label.dtype} '
            'is neither a multi-hot vector of the pred_score size '
            f'({num_classes}) nor integer class indices')
    out_of_range = (gt_label < 0) | (gt_label >= num_classes)
    if out_of_range.any():
        raise ValueError(
            f'gt_label class indices {gt_label[out_of_range].tolist()} are '
            f'out of range for pred_score of size {num_classes}')
    if np.unique(gt_label).size != gt_label.size:
        raise ValueError(
            f'gt_label class indices {gt_label.tolist()} repeat a class; if '
            f'it is a multi-hot vector, its size {gt_label.size} does not '
            f'match the pred_score size {num_classes}')
    multi_hot = np.zeros(num_classes, dtype=bool)
    multi_hot[gt_label] = True
    return multi_hot
