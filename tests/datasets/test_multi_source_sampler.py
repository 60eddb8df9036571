from collections import Counter

import pytest
import torch
from mmaction.registry import DATA_SAMPLERS
from torch.utils.data import ConcatDataset, TensorDataset

import mmt_challenge  # noqa: F401
from mmt_challenge.datasets import multi_source_sampler
from mmt_challenge.datasets.multi_source_sampler import MultiSourceSampler


class Sources:
    """A stand-in for MultiSourceDataset: sizes and names only."""

    def __init__(self, sizes, names=None):
        self.cumulative_sizes = torch.tensor(sizes).cumsum(0).tolist()
        self.source_names = tuple(
            names or [f's{i}' for i in range(len(sizes))])

    def __len__(self):
        return self.cumulative_sizes[-1]


def source_of(index, dataset):
    return sum(index >= c for c in dataset.cumulative_sizes)


def counts_by_source(indices, dataset):
    return Counter(source_of(i, dataset) for i in indices)


@pytest.mark.parametrize('sizes, replicas, expected', [
    ([10, 30], None, [10, 30]),
    ([10, 30], [2, 0.5], [20, 15]),
    ([10, 30, 5], [1.5, 0, 3], [15, 0, 15]),
    ([7], [0.3], [2]),
])
def test_each_source_is_drawn_size_times_replica_times(sizes, replicas,
                                                       expected):
    dataset = Sources(sizes)
    sampler = MultiSourceSampler(dataset, replicas=replicas, seed=0)
    indices = list(sampler)
    assert len(sampler) == len(indices) == sum(expected)
    counts = counts_by_source(indices, dataset)
    assert [counts.get(s, 0) for s in range(len(sizes))] == expected


def test_whole_replicas_show_every_sample_equally_often():
    dataset = Sources([6, 4])
    indices = list(MultiSourceSampler(dataset, replicas=[2, 3], seed=1))
    counts = Counter(indices)
    assert all(counts[i] == 2 for i in range(6))
    assert all(counts[i] == 3 for i in range(6, 10))


def test_a_fractional_replica_draws_without_replacement():
    dataset = Sources([20, 20])
    indices = list(MultiSourceSampler(dataset, replicas=[0.5, 1.25], seed=2))
    first = [i for i in indices if i < 20]
    second = [i for i in indices if i >= 20]
    assert len(first) == len(set(first)) == 10
    assert len(second) == 25 and max(Counter(second).values()) == 2
    assert len(set(second)) == 20


def test_batches_mix_the_sources():
    dataset = Sources([50, 50])
    indices = list(MultiSourceSampler(dataset, seed=3))
    batches = [indices[i:i + 10] for i in range(0, 100, 10)]
    mixed = [len(counts_by_source(b, dataset)) == 2 for b in batches]
    assert sum(mixed) >= 8


def test_same_seed_same_order_and_set_epoch_reshuffles():
    dataset = Sources([8, 8])
    a = MultiSourceSampler(dataset, seed=5)
    b = MultiSourceSampler(dataset, seed=5)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first and sorted(list(a)) == sorted(first)
    assert list(a) == list(a)  # the same within an epoch


def test_without_shuffle_the_sources_follow_one_another():
    dataset = Sources([3, 2])
    sampler = MultiSourceSampler(dataset, replicas=[1, 2], shuffle=False,
                                 seed=0)
    assert list(sampler) == [0, 1, 2, 3, 4, 3, 4]


@pytest.mark.parametrize('world_size', [2, 3])
@pytest.mark.parametrize('round_up', [True, False])
def test_ranks_split_one_epoch(monkeypatch, world_size, round_up):
    dataset = Sources([7, 4])
    epoch = MultiSourceSampler(dataset, replicas=[1, 0.5], seed=9)
    epoch_indices = epoch.epoch_indices()
    assert len(epoch_indices) == 9
    per_rank = []
    for rank in range(world_size):
        monkeypatch.setattr(multi_source_sampler, 'get_dist_info',
                            lambda rank=rank: (rank, world_size))
        sampler = MultiSourceSampler(dataset, replicas=[1, 0.5], seed=9,
                                     round_up=round_up)
        indices = list(sampler)
        assert len(indices) == len(sampler)
        per_rank.append(indices)
    if round_up:
        total = -(-9 // world_size) * world_size
        assert all(len(r) == total // world_size for r in per_rank)
        padded = (epoch_indices * 2)[:total]
    else:
        padded = epoch_indices
    merged = [None] * len(padded)
    for rank, indices in enumerate(per_rank):
        merged[rank::world_size] = indices
    assert merged == padded


def test_works_with_torch_concat_dataset():
    dataset = ConcatDataset([TensorDataset(torch.zeros(3)),
                             TensorDataset(torch.zeros(5))])
    sampler = MultiSourceSampler(dataset, replicas=[2, 1], seed=0)
    counts = counts_by_source(list(sampler), dataset)
    assert counts == {0: 6, 1: 5}


def test_replicas_by_name():
    dataset = Sources([10, 10, 10], names=['mmit', 'k400', 'mit'])
    sampler = MultiSourceSampler(dataset, replicas=dict(k400=0.5, mit=2))
    assert sampler.replicas == (1.0, 0.5, 2.0)
    assert sampler.source_counts == (10, 5, 20)


def test_builds_from_registry():
    sampler = DATA_SAMPLERS.build(
        dict(type='MultiSourceSampler', replicas=[1, 2]),
        default_args=dict(dataset=Sources([2, 2]), seed=0))
    assert len(sampler) == 6
    indices = list(sampler)
    assert counts_by_source(indices, sampler.dataset) == {0: 2, 1: 4}
    assert Counter(indices) == {0: 1, 1: 1, 2: 2, 3: 2}


def test_rejects_a_plain_dataset():
    with pytest.raises(TypeError, match='cumulative_sizes'):
        MultiSourceSampler(TensorDataset(torch.zeros(3)))


def test_rejects_empty_sources():
    with pytest.raises(ValueError, match=r'sources \[1\] are empty'):
        MultiSourceSampler(Sources([3, 0]))


def test_rejects_an_empty_epoch():
    with pytest.raises(ValueError, match='draw no sample'):
        MultiSourceSampler(Sources([3, 4]), replicas=[0, 0.1])


@pytest.mark.parametrize('replicas, error, match', [
    ([1], ValueError, '1 replica factors for 2 sources'),
    ([1, -1], ValueError, 'non-negative and finite'),
    ([1, float('inf')], ValueError, 'non-negative and finite'),
    ([1, '2'], TypeError, 'must be a number'),
    ([1, True], TypeError, 'must be a number'),
    ('12', TypeError, 'list of numbers'),
    (dict(s9=1), ValueError, r"unknown sources \['s9'\]"),
])
def test_rejects_bad_replicas(replicas, error, match):
    with pytest.raises(error, match=match):
        MultiSourceSampler(Sources([3, 4]), replicas=replicas)


def test_replicas_by_name_need_source_names():
    dataset = ConcatDataset([TensorDataset(torch.zeros(3))])
    with pytest.raises(ValueError, match='need a dataset with source_names'):
        MultiSourceSampler(dataset, replicas=dict(a=1))
