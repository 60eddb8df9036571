"""The datasets of a :class:`~.MultiDatasetHead`: their specs, checked and
parsed from the head's ``datasets`` config."""
import re
from typing import NamedTuple, Sequence, Tuple

from mmaction.registry import MODELS
from torch import nn

from mmt_challenge.utils.checks import (check_keys, check_non_negative,
                                        check_positive_int)

__all__ = ['HeadDatasetSpec', 'parse_head_datasets']

_NAME = re.compile(r'^[A-Za-z0-9_-]+$')
_SPEC_KEYS = frozenset(
    ['name', 'num_classes', 'multi_label', 'loss_cls', 'loss_weight'])


class HeadDatasetSpec(NamedTuple):
    """One dataset of a :class:`MultiDatasetHead`.

    Attributes:
        name (str): Name of the dataset (and of its head).
        num_classes (int): Size of its label space.
        multi_label (bool): Sigmoid probabilities at inference (M-MiT)
            rather than softmax (Kinetics, Moments in Time).
        loss_weight (float): Factor on its classification and projection
            losses.
    """
    name: str
    num_classes: int
    multi_label: bool
    loss_weight: float


def parse_head_datasets(
        datasets: Sequence[dict]) -> Tuple[Tuple[HeadDatasetSpec, ...], list]:
    """Check a :class:`MultiDatasetHead`'s ``datasets`` and build their
    losses.

    Args:
        datasets (Sequence[dict]): One dict per dataset: ``name`` (letters,
            digits, ``_``, ``-``; unique), ``num_classes`` (int > 0),
            optional ``multi_label`` (bool, default False), ``loss_weight``
            (float >= 0, default 1.0) and ``loss_cls`` (a loss config;
            default scaled BCE for multi-label datasets, cross-entropy
            otherwise).

    Returns:
        tuple: The :class:`HeadDatasetSpec` of every dataset, in order, and
        their built losses.

    Raises:
        ValueError: A bad list, name, key or value, naming the entry.
        TypeError: An entry that is not a dict, or a non-bool
            ``multi_label``.
    """
    if isinstance(datasets, (str, dict)) or not isinstance(
            datasets, Sequence) or not datasets:
        raise ValueError('datasets must be a non-empty list of dicts, got '
                         f'{datasets!r}')
    specs, losses = [], []
    for i, entry in enumerate(datasets):
        check_keys(entry, f'datasets[{i}]', _SPEC_KEYS)
        name = entry.get('name')
        if not isinstance(name, str) or not _NAME.match(name) or hasattr(
                nn.ModuleDict, name):
            raise ValueError(
                f'datasets[{i}]: name must be letters, digits, "_" or "-" '
                f'(and not a ModuleDict attribute), got {name!r}')
        if name in [spec.name for spec in specs]:
            raise ValueError(f'dataset name {name!r} appears twice')
        num_classes = entry.get('num_classes')
        check_positive_int(num_classes, f'datasets[{i}].num_classes')
        multi_label = entry.get('multi_label', False)
        if not isinstance(multi_label, bool):
            raise TypeError(f'datasets[{i}].multi_label must be a bool, got '
                            f'{multi_label!r}')
        loss_weight = entry.get('loss_weight', 1.0)
        check_non_negative(loss_weight, f'datasets[{i}].loss_weight')
        loss_cls = entry.get('loss_cls') or dict(
            type='ScaledBCELoss' if multi_label else 'CrossEntropyLoss')
        specs.append(
            HeadDatasetSpec(name, int(num_classes), multi_label,
                            float(loss_weight)))
        losses.append(MODELS.build(loss_cls))
    return tuple(specs), losses
