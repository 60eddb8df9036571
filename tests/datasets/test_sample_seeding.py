"""Per-sample random streams: a sample's draws depend on its key only, not
on the process that draws it or on what was drawn before."""
import random

import numpy as np
import torch
from torch.utils.data import DataLoader, SequentialSampler

from mmt_challenge.datasets import MultiLabelVideoDataset
from mmt_challenge.datasets.sample_seeding import (KeyedSampler, SampleKey,
                                                   seeded_randomness)


def _draws():
    return (random.random(), float(np.random.rand()),
            float(torch.rand(())))


def test_a_key_fixes_the_draws_and_leaves_the_streams_as_they_were():
    key = SampleKey(seed=3, rank=0, epoch=1, position=5, index=2)
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    with seeded_randomness(key):
        first = _draws()
    after = _draws()
    random.seed(1)  # another history before the same key
    np.random.seed(1)
    torch.manual_seed(1)
    _draws()
    with seeded_randomness(key):
        assert _draws() == first
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    assert _draws() == after  # the block did not move the global streams
    with seeded_randomness(key._replace(epoch=2)):
        assert _draws() != first
    with seeded_randomness(key._replace(position=6)):
        assert _draws() != first


def _record_draws(results):
    results['draws'] = _draws()
    return results


def _dataset(tmp_path):
    ann = tmp_path / 'list.txt'
    ann.write_text(''.join(f'v{i}.mp4 {i % 3}\n' for i in range(6)))
    return MultiLabelVideoDataset(
        str(ann), pipeline=[_record_draws], num_classes=3)


def test_keyed_samples_are_the_same_in_any_worker(tmp_path):
    dataset = _dataset(tmp_path)
    epoch = [0]
    sampler = KeyedSampler(SequentialSampler(dataset), seed=7, rank=0,
                           epoch=lambda: epoch[0])
    expected = {}
    for e in (0, 1):
        epoch[0] = e
        expected[e] = [dataset[key]['draws'] for key in sampler]
    assert expected[0] != expected[1]

    loader = DataLoader(dataset, sampler=sampler, batch_size=2,
                        num_workers=2, persistent_workers=True,
                        collate_fn=lambda batch: [b['draws'] for b in batch])
    # Epoch 1 first, as a resumed run's fresh workers start there.
    for e in (1, 0, 1):
        epoch[0] = e
        drawn = [draws for batch in loader for draws in batch]
        assert drawn == expected[e]
    # Plain indices keep the ordinary behaviour.
    assert isinstance(dataset[0]['draws'], tuple)
