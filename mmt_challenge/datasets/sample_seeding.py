"""Per-sample random streams, so that augmentation does not depend on which
dataloader worker draws a sample or on what that worker drew before.

MMAction2's transforms draw from the global generators (``random``,
``np.random``, ``torch``). With dataloader workers each worker carries its
own global state, seeded once when it starts, so a sample's augmentation
depends on the worker that happens to process it and on everything that
worker processed before: a run resumed with fresh workers (or persistent
workers started at another epoch) augments differently from an
uninterrupted one. Keying each draw instead with :class:`SampleKey` (the
run's seed, the rank, the epoch and the position in that epoch's sampler
order) and seeding the global generators from the key for the duration of
that one sample makes every draw a function of the key alone.

:class:`KeyedSampler` wraps a sampler so that it yields keys;
:class:`~mmt_challenge.datasets.MultiLabelVideoDataset` accepts them;
:class:`~mmt_challenge.engine.RNGStateHook` puts the two together.
"""
import contextlib
import random
from typing import Callable, Iterator, NamedTuple

import numpy as np
import torch
from torch.utils.data import Sampler

__all__ = ['SampleKey', 'seeded_randomness', 'KeyedSampler']


class SampleKey(NamedTuple):
    """Which draw of a training run a sample is.

    Args:
        seed (int): The run's seed.
        rank (int): The process's rank.
        epoch (int): The epoch (0-based).
        position (int): The position in this rank's sampler order of the
            epoch (an infinite sampler counts on).
        index (int): The dataset index.
    """
    seed: int
    rank: int
    epoch: int
    position: int
    index: int


@contextlib.contextmanager
def seeded_randomness(key: SampleKey) -> Iterator[None]:
    """Seed ``random``, ``np.random`` and torch's CPU generator from ``key``
    for the block, and give them their former states back afterwards (so
    that a dataloader without workers leaves the main process's streams,
    e.g. dropout's, as they were)."""
    words = np.random.SeedSequence(
        [key.seed % 2**63, key.rank, key.epoch, key.position]).generate_state(
            4, dtype=np.uint32)
    python_state = random.getstate()
    numpy_state = np.random.get_state()
    torch_state = torch.get_rng_state()
    random.seed(int.from_bytes(words[:2].tobytes(), 'little'))
    np.random.seed(words)
    torch.manual_seed(int.from_bytes(words[2:].tobytes(), 'little'))
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        torch.set_rng_state(torch_state)


class KeyedSampler(Sampler):
    """Yield a :class:`SampleKey` for each index another sampler yields.

    Iterated in the main process (the dataloader sends the keys to its
    workers), so the epoch is read when an epoch's iteration starts.

    Args:
        sampler (Sampler): Yields dataset indices.
        seed (int): The run's seed.
        rank (int): This process's rank.
        epoch (Callable[[], int]): Returns the current epoch.
    """

    def __init__(self, sampler: Sampler, seed: int, rank: int,
                 epoch: Callable[[], int]) -> None:
        self.sampler = sampler
        self.seed = int(seed)
        self.rank = int(rank)
        self.epoch = epoch

    def __iter__(self) -> Iterator[SampleKey]:
        epoch = int(self.epoch())
        for position, index in enumerate(self.sampler):
            yield SampleKey(self.seed, self.rank, epoch, position, int(index))

    def __len__(self) -> int:
        return len(self.sampler)

    def set_epoch(self, epoch: int) -> None:
        """Pass on to the wrapped sampler (mmengine's loops call it)."""
        if hasattr(self.sampler, 'set_epoch'):
            self.sampler.set_epoch(epoch)
