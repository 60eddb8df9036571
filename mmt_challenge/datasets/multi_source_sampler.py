"""Sampling of concatenated sources in proportion to size times a replica."""
import math
from typing import Dict, Iterator, List, Optional, Sequence, Sized, Union

import torch
from mmaction.registry import DATA_SAMPLERS
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from ..utils.checks import check_non_negative

__all__ = ['MultiSourceSampler']


@DATA_SAMPLERS.register_module()
class MultiSourceSampler(Sampler):
    """Draws the sources of a concatenated dataset in proportion to their
    size times a replica factor; distributed like mmengine's
    ``DefaultSampler``.

    MultiTrain's schedule (Liang et al., `Multi-dataset Training of
    Transformers for Robust Action Recognition
    <https://arxiv.org/abs/2209.12362>`_, ``MULTI_REPLICAS``): an epoch
    holds ``round(r_s * N_s)`` samples of source ``s`` of ``N_s`` samples
    with replica factor ``r_s``, each source drawn without replacement (a
    whole permutation per full replica, the head of a further permutation
    for a fractional one), and all of them shuffled together so that every
    batch mixes the sources. A sample's chance to come from source ``s`` is
    therefore ``r_s N_s / sum_t r_t N_t``; a replica factor of 2 shows a
    small dataset twice per epoch, 0.5 shows half of a large one.

    In distributed training every rank draws the same epoch (the seed is
    shared across ranks and changed by :meth:`set_epoch`, which mmengine's
    ``DistSamplerSeedHook`` calls) and takes every ``world_size``-th index
    from its rank on. With ``round_up`` the epoch is padded by its first
    indices to a multiple of the world size, so that every rank gets the
    same number of samples.

    Args:
        dataset (Sized): A concatenation of sources with ``cumulative_sizes``
            (``MultiSourceDataset``, mmengine's or torch's
            ``ConcatDataset``).
        replicas (Sequence[float] | dict[str, float], optional): Replica
            factor of each source, non-negative, in source order; or by
            source name (``dataset.source_names``), sources left out getting
            1. Defaults to None (1 for every source).
        shuffle (bool): Shuffle the epoch; without it the sources follow one
            another in order. Defaults to True.
        seed (int, optional): Random seed, the same on every rank. Defaults
            to None (drawn on rank 0 and shared).
        round_up (bool): Pad the epoch to a multiple of the world size.
            Defaults to True.
    """

    def __init__(self,
                 dataset: Sized,
                 replicas: Optional[Union[Sequence[float],
                                          Dict[str, float]]] = None,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 round_up: bool = True) -> None:
        sizes = _source_sizes(dataset)
        self.replicas = _resolve_replicas(replicas, dataset, len(sizes))
        self.source_counts = tuple(
            int(round(r * n)) for r, n in zip(self.replicas, sizes))
        self.epoch_size = sum(self.source_counts)
        if self.epoch_size == 0:
            raise ValueError(
                f'the replica factors {list(self.replicas)} draw no sample '
                f'from sources of sizes {list(sizes)}')
        self.dataset = dataset
        self.source_sizes = sizes
        self._starts = [0] + list(dataset.cumulative_sizes[:-1])
        self.rank, self.world_size = get_dist_info()
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.round_up = round_up
        self.epoch = 0
        if round_up:
            self.num_samples = math.ceil(self.epoch_size / self.world_size)
            self.total_size = self.num_samples * self.world_size
        else:
            self.num_samples = math.ceil(
                (self.epoch_size - self.rank) / self.world_size)
            self.total_size = self.epoch_size

    def epoch_indices(self) -> List[int]:
        """Every rank's indices of the current epoch, before the split."""
        generator = torch.Generator()
        generator.manual_seed(self.seed + self.epoch)
        indices = []
        for start, size, count in zip(self._starts, self.source_sizes,
                                      self.source_counts):
            passes = []
            for _ in range(math.ceil(count / size)):
                if self.shuffle:
                    passes.append(torch.randperm(size, generator=generator))
                else:
                    passes.append(torch.arange(size))
            if passes:
                indices.append(torch.cat(passes)[:count] + start)
        order = torch.cat(indices)
        if self.shuffle:
            order = order[torch.randperm(len(order), generator=generator)]
        return order.tolist()

    def __iter__(self) -> Iterator[int]:
        indices = self.epoch_indices()
        if self.round_up:
            repeats = self.total_size // len(indices) + 1
            indices = (indices * repeats)[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.world_size])

    def __len__(self) -> int:
        """The number of samples of this rank per epoch."""
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which reshuffles when ``shuffle`` is on.

        Args:
            epoch (int): Epoch number.
        """
        self.epoch = epoch


def _source_sizes(dataset: Sized) -> tuple:
    cumulative = getattr(dataset, 'cumulative_sizes', None)
    if cumulative is None:
        raise TypeError(
            f'MultiSourceSampler needs a concatenated dataset with '
            f'cumulative_sizes (MultiSourceDataset, ConcatDataset), got '
            f'{type(dataset).__name__}')
    cumulative = [int(c) for c in cumulative]
    sizes = tuple(b - a for a, b in zip([0] + cumulative[:-1], cumulative))
    empty = [i for i, size in enumerate(sizes) if size == 0]
    if empty:
        raise ValueError(f'sources {empty} are empty')
    return sizes


def _resolve_replicas(replicas, dataset: Sized, num_sources: int) -> tuple:
    if replicas is None:
        return (1.0, ) * num_sources
    if isinstance(replicas, dict):
        names = getattr(dataset, 'source_names', None)
        if names is None:
            raise ValueError('replicas given by name need a dataset with '
                             'source_names (MultiSourceDataset); pass a list '
                             'in source order instead')
        unknown = sorted(set(replicas) - set(names))
        if unknown:
            raise ValueError(f'replicas name unknown sources {unknown}; the '
                             f'sources are {list(names)}')
        replicas = [replicas.get(name, 1.0) for name in names]
    if isinstance(replicas, str) or not isinstance(replicas, Sequence):
        raise TypeError('replicas must be a list of numbers or a dict by '
                        f'source name, got {replicas!r}')
    if len(replicas) != num_sources:
        raise ValueError(f'{len(replicas)} replica factors for '
                         f'{num_sources} sources')
    return tuple(
        check_non_negative(value, f'replica factor {i}')
        for i, value in enumerate(replicas))
