import inspect
import json
import pickle
import socket

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmaction.registry import METRICS
from mmaction.structures import ActionDataSample

import mmt_challenge  # noqa: F401  registers MultiLabelMAP
from mmt_challenge.evaluation import (MultiLabelMAP, NoPositiveWarning,
                                      macro_map, micro_map, sample_map)


def random_problem(seed, num_samples=30, num_classes=12):
    rng = np.random.default_rng(seed)
    scores = rng.random((num_samples, num_classes)).round(1).astype(np.float32)
    labels = rng.random((num_samples, num_classes)) < 0.2
    labels[np.arange(num_samples),
           rng.integers(0, num_classes, num_samples)] = True
    return scores, labels


def data_samples(scores, labels, *, gt_as='multi-hot'):
    """ActionDataSamples as a multi-label recognizer outputs them."""
    samples = []
    for score, label in zip(scores, labels):
        sample = ActionDataSample().set_pred_score(torch.from_numpy(score))
        if gt_as == 'multi-hot':  # MultiLabelVideoDataset: float multi-hot
            sample.set_gt_label(torch.from_numpy(label.astype(np.float32)))
        else:  # set_gt_label([l1, l2]): a LongTensor of class indices
            sample.set_gt_label(np.flatnonzero(label).tolist())
        samples.append(sample)
    return samples


def expected_metrics(scores, labels):
    return dict(
        sample_mAP=sample_map(scores, labels),
        macro_mAP=macro_map(scores, labels),
        micro_mAP=micro_map(scores, labels))


def test_build_from_registry():
    metric = METRICS.build(dict(type='MultiLabelMAP'))
    assert isinstance(metric, MultiLabelMAP)
    assert metric.prefix == MultiLabelMAP.default_prefix == 'mmit'
    assert METRICS.build(dict(type='MultiLabelMAP', prefix='val')).prefix \
        == 'val'


def test_defaults_match_docstring():
    signature = inspect.signature(MultiLabelMAP)
    assert signature.parameters['collect_device'].default == 'cpu'
    assert signature.parameters['prefix'].default is None
    assert signature.parameters['collect_dir'].default is None
    assert "Defaults to ``'cpu'``" in MultiLabelMAP.__doc__


@pytest.mark.parametrize('gt_as', ['multi-hot', 'indices'])
@pytest.mark.parametrize('as_dict', [False, True])
def test_process_and_compute(gt_as, as_dict):
    scores, labels = random_problem(0)
    samples = data_samples(scores, labels, gt_as=gt_as)
    if as_dict:  # what mmengine's Evaluator passes on
        samples = [sample.to_dict() for sample in samples]
    metric = METRICS.build(dict(type='MultiLabelMAP'))
    for start in range(0, len(samples), 8):  # batches of 8
        metric.process({}, samples[start:start + 8])
    assert len(metric.results) == len(samples)
    assert metric.compute_metrics(metric.results) == expected_metrics(
        scores, labels)


def test_evaluate_adds_prefix_and_resets():
    scores, labels = random_problem(1)
    metric = METRICS.build(dict(type='MultiLabelMAP'))
    metric.process({}, data_samples(scores, labels))
    result = metric.evaluate(len(scores))
    expected = expected_metrics(scores, labels)
    assert result == {f'mmit/{key}': value for key, value in expected.items()}
    assert all(
        type(value) is float and 0 <= value <= 1 for value in result.values())
    assert metric.results == []


def test_results_are_picklable_numpy():
    scores, labels = random_problem(2)
    metric = MultiLabelMAP()
    metric.process({}, data_samples(scores, labels, gt_as='indices'))
    for result in metric.results:
        assert isinstance(result['pred_score'], np.ndarray)
        assert result['gt_label'].dtype == bool
    restored = pickle.loads(pickle.dumps(metric.results))
    assert metric.compute_metrics(restored) == expected_metrics(scores, labels)


def test_results_do_not_share_memory_with_the_model_output():
    scores, labels = random_problem(3)
    samples = data_samples(scores.copy(), labels)
    metric = MultiLabelMAP()
    metric.process({}, samples)
    for sample in samples:  # e.g. an output buffer reused by the next batch
        sample.pred_score.zero_()
    assert metric.compute_metrics(metric.results) == expected_metrics(
        scores, labels)


def test_bfloat16_scores():
    scores, labels = random_problem(4)
    samples = data_samples(scores, labels)
    for sample in samples:
        sample.pred_score = sample.pred_score.bfloat16()
    metric = MultiLabelMAP()
    metric.process({}, samples)
    bf16_scores = torch.from_numpy(scores).bfloat16().float().numpy()
    assert metric.compute_metrics(metric.results) == expected_metrics(
        bf16_scores, labels)


def test_sample_without_positive_warns():
    scores, labels = random_problem(5)
    labels[2] = False
    metric = MultiLabelMAP()
    metric.process({}, data_samples(scores, labels, gt_as='indices'))
    with pytest.warns(NoPositiveWarning, match='1 of 30 samples'):
        result = metric.compute_metrics(metric.results)
    np.testing.assert_allclose(
        result['sample_mAP'],
        sample_map(np.delete(scores, 2, axis=0), np.delete(labels, 2, axis=0)))


def test_single_index_label():
    metric = MultiLabelMAP()
    sample = ActionDataSample().set_pred_score(torch.tensor([0.1, 0.7, 0.2]))
    sample.set_gt_label(2)  # stored as LongTensor([2])
    metric.process({}, [sample])
    np.testing.assert_array_equal(metric.results[0]['gt_label'],
                                  [False, False, True])


def make_sample(pred_score, gt_label):
    return dict(pred_score=pred_score, gt_label=gt_label)


@pytest.mark.parametrize('sample, error, match', [
    (make_sample(torch.rand(4), torch.tensor([1, 7])), ValueError,
     r'class indices \[7\] are out of range for pred_score of size 4'),
    (make_sample(torch.rand(4), torch.tensor(
        [-1])), ValueError, r'class indices \[-1\] are out of range'),
    (make_sample(torch.rand(4), torch.tensor([0, 1, 1, 0, 1])), ValueError,
     r'its size 5 does not match the pred_score size 4'),
    (make_sample(torch.rand(4), torch.tensor([0., 1., 1.])), ValueError,
     r'shape \(3,\) and dtype float32 is neither a multi-hot vector of the '
     r'pred_score size \(4\) nor integer class indices'),
    (make_sample(torch.rand(4), torch.tensor([0., 2., 1., 0.])), ValueError,
     r'must be multi-hot with values in \{0, 1\}, got \[2.0\]'),
    (make_sample(torch.rand(4), torch.ones(2, 2)), ValueError,
     r'gt_label must be a 1-D tensor .* got shape \(2, 2\)'),
    (make_sample(torch.rand(2, 4), torch.tensor([1])), ValueError,
     r'pred_score must be a non-empty 1-D tensor \[C\], got shape \(2, 4\)'),
    (make_sample(torch.rand(0), torch.tensor(
        [1])), ValueError, r'got shape \(0,\)'),
    (make_sample(dict(rgb=torch.rand(4)), torch.tensor(
        [1])), TypeError, r"got a dict with keys \['rgb'\]"),
    (make_sample([0.1, 0.9], torch.tensor([1])), TypeError,
     r'pred_score must be a torch.Tensor or numpy array, got list'),
    (dict(pred_score=torch.rand(4)), KeyError, r"has no 'gt_label'"),
    (ActionDataSample().set_gt_label(
        [1]), KeyError, r"ActionDataSample has no 'pred_score'"),
])
def test_process_invalid_samples(sample, error, match):
    with pytest.raises(error, match=match):
        MultiLabelMAP().process({}, [sample])


def test_compute_metrics_without_results():
    with pytest.raises(ValueError, match='MultiLabelMAP got no results'):
        MultiLabelMAP().compute_metrics([])


def test_compute_metrics_with_different_class_counts():
    metric = MultiLabelMAP()
    metric.process({}, [
        make_sample(torch.rand(4), torch.tensor([1])),
        make_sample(torch.rand(5), torch.tensor([1]))
    ])
    with pytest.raises(
            ValueError,
            match=r'pred_score sizes differ between samples: '
            r'\[4, 5\]'):
        metric.compute_metrics(metric.results)


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _evaluate_on_rank(rank, world_size, port, out_dir):
    """One rank of a distributed evaluation, as mmengine's ValLoop runs it."""
    dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=world_size)
    try:
        scores, labels = random_problem(6, num_samples=31)
        # DefaultSampler(shuffle=False): every world_size-th sample, the last
        # rank padded with the first samples to an equal length.
        indices = list(range(len(scores)))
        indices += indices[:-len(indices) % world_size]
        mine = indices[rank::world_size]
        metric = MultiLabelMAP()
        metric.process({}, data_samples(scores[mine], labels[mine]))
        result = metric.evaluate(len(scores))
        with open(f'{out_dir}/rank{rank}.json', 'w') as f:
            json.dump(result, f)
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(
    'fork' not in mp.get_all_start_methods(),
    reason='needs the fork start method')
def test_distributed_evaluation(tmp_path):
    world_size = 2
    # fork: the ranks inherit the imported stack instead of importing it again
    mp.start_processes(
        _evaluate_on_rank,
        args=(world_size, _free_port(), str(tmp_path)),
        nprocs=world_size,
        start_method='fork')
    scores, labels = random_problem(6, num_samples=31)
    expected = {
        f'mmit/{key}': value
        for key, value in expected_metrics(scores, labels).items()
    }
    for rank in range(world_size):
        with open(tmp_path / f'rank{rank}.json') as f:
            assert json.load(f) == expected
