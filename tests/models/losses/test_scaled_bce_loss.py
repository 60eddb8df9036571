import math

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS

import mmt_challenge  # noqa: F401
from mmt_challenge.models.losses import ScaledBCELoss


def bce_reference(scores, targets, scale, weights=None):
    """Scaled, weighted, mean-reduced BCE by explicit loops in float64 scalar
    autograd: -(y log sigmoid(x) + (1 - y) log sigmoid(-x))."""
    num_samples, num_classes = scores.shape
    total = torch.zeros((), dtype=torch.float64)
    for b in range(num_samples):
        for c in range(num_classes):
            x, y = scores[b, c], float(targets[b][c])
            w = 1.0 if weights is None else float(weights[c])
            # log sigmoid(x) = -log(1 + exp(-x)), written stably by sign
            log_p = -torch.log1p(torch.exp(-x)) if x >= 0 else \
                x - torch.log1p(torch.exp(x))
            log_q = log_p - x  # log sigmoid(-x) = log sigmoid(x) - x
            total = total - w * (y * log_p + (1 - y) * log_q)
    return scale * total / (num_samples * num_classes)


def random_case(seed, num_samples, num_classes, soft=False):
    gen = torch.Generator().manual_seed(seed)
    scores = torch.randn(
        num_samples, num_classes, generator=gen, dtype=torch.float64) * 3
    if soft:
        targets = torch.rand(
            num_samples, num_classes, generator=gen, dtype=torch.float64)
    else:
        targets = (torch.rand(num_samples, num_classes, generator=gen)
                   < 0.3).double()
    return scores, targets


def loss_and_grad(loss_fn, scores, labels):
    scores = scores.detach().clone().requires_grad_()
    value = loss_fn(scores, labels)
    (grad, ) = torch.autograd.grad(value, scores)
    return value.detach(), grad


@pytest.mark.parametrize('seed, num_samples, num_classes', [(0, 1, 1),
                                                            (1, 4, 7),
                                                            (2, 6, 13)])
@pytest.mark.parametrize('scale', [1.0, 160.0])
@pytest.mark.parametrize('mode', ['none', 'sqrt', 'linear'])
@pytest.mark.parametrize('soft', [False, True])
def test_scaled_bce_matches_loop_reference(seed, num_samples, num_classes,
                                           scale, mode, soft):
    scores, targets = random_case(seed, num_samples, num_classes, soft)
    counts = [2 + (5 * c) % 7 for c in range(num_classes)]
    loss_fn = ScaledBCELoss(
        scale,
        class_weight_mode=mode,
        class_counts=None if mode == 'none' else counts)
    value, grad = loss_and_grad(loss_fn, scores, targets)
    weights = None
    if mode != 'none':
        mean = sum(counts) / len(counts)
        weights = [(c / mean)**(0.5 if mode == 'sqrt' else 1) for c in counts]
    ref_scores = scores.clone().requires_grad_()
    ref = bce_reference(ref_scores, targets.tolist(), scale, weights)
    (ref_grad, ) = torch.autograd.grad(ref, ref_scores)
    torch.testing.assert_close(value, ref.detach(), rtol=1e-6, atol=1e-12)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-6, atol=1e-12)


def test_scaled_bce_is_scale_times_plain_bce():
    scores, targets = random_case(3, 8, 313)
    torch.testing.assert_close(
        ScaledBCELoss(160.0)(scores, targets),
        160 * F.binary_cross_entropy_with_logits(scores, targets))


@pytest.mark.parametrize('factor', [100.0, 1e4])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_scaled_bce_finite_for_large_logits(factor, dtype):
    scores, targets = random_case(5, 64, 313)
    value, grad = loss_and_grad(
        ScaledBCELoss(
            160.0,
            class_weight_mode='sqrt',
            class_counts=[1 + c for c in range(313)]),
        (scores * factor).to(dtype), targets.to(dtype))
    assert torch.isfinite(value)
    assert torch.isfinite(grad).all()


def test_scaled_bce_soft_targets_accepted():
    scores, targets = random_case(7, 4, 5, soft=True)
    assert torch.isfinite(ScaledBCELoss()(scores, targets))


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(scale=0.0), ValueError,
     'scale must be positive and finite, got 0.0'),
    (dict(scale=float('inf')), ValueError, 'got inf'),
    (dict(scale='160'), TypeError, "scale must be a number, got '160'"),
    (dict(class_weight_mode='sqrt'), ValueError,
     "class_weight_mode='sqrt' needs exactly one of class_counts and "
     'class_counts_file, got neither'),
    (dict(
        class_weight_mode='sqrt',
        class_counts=[1, 2],
        class_counts_file='x.txt'), ValueError,
     'got class_counts and class_counts_file'),
    (dict(class_counts=[1, 2]), ValueError,
     "class_counts is set but class_weight_mode='none'"),
    (dict(class_weight_mode='linear', class_counts=[4, 0, 2, 0]), ValueError,
     r'2 of 4 classes have count 0 \(classes 1, 3\)'),
    (dict(class_weight_mode='sqrt',
          class_counts=[4, -1]), ValueError, 'class 1 has count -1.0'),
    (dict(class_weight_mode='sqrt', class_counts=[[1, 2]]), ValueError,
     r'non-empty 1-D sequence, got shape \(1, 2\)'),
    (dict(class_weight_mode='sqrt',
          class_counts=['a', 'b']), TypeError, 'class counts must be numbers'),
])
def test_scaled_bce_bad_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        ScaledBCELoss(**kwargs)


@pytest.mark.parametrize('scores, labels, error, match', [
    (torch.zeros(4, 5), torch.zeros(4, 6), ValueError,
     r'label shape \(4, 6\) does not match cls_score shape \(4, 5\)'),
    (torch.zeros(4, 5), torch.zeros(
        4, dtype=torch.long), ValueError, 'multi_class=True'),
    (torch.zeros(2, 3), torch.tensor([[0.0, 1.5, 1.0], [0, 0, 1]]), ValueError,
     r'targets must lie in \[0, 1\], got 1\.5'),
    (torch.zeros(2, 3), torch.tensor([[0.0, -0.5, 1.0], [0, 0, 1]]),
     ValueError, r'targets must lie in \[0, 1\], got -0\.5'),
    (torch.zeros(2, 3), [[0, 0, 1], [0, 1, 0]
                         ], TypeError, 'label must be a Tensor, got list'),
])
def test_scaled_bce_input_errors(scores, labels, error, match):
    with pytest.raises(error, match=match):
        ScaledBCELoss()(scores, labels)


def test_scaled_bce_builds_from_registry_as_the_members_use_it():
    loss_fn = MODELS.build(dict(type='ScaledBCELoss', scale=160.0))
    assert isinstance(loss_fn, ScaledBCELoss)
    assert loss_fn.scale == 160.0
    assert loss_fn.class_weight is None
    # the class weights never enter a checkpoint
    weighted = ScaledBCELoss(class_weight_mode='linear', class_counts=[1, 3])
    assert 'class_weight' not in weighted.state_dict()
    assert weighted.class_weight.tolist() == [0.5, 1.5]


def test_scaled_bce_counts_file(tmp_path):
    counts_file = tmp_path / 'counts.txt'
    counts_file.write_text('1\n4\n9\n')
    list_file = tmp_path / 'train_list.txt'
    list_file.write_text('a.mp4 0 1\nb.mp4 1 2\nc.mp4 2\n')
    csv_file = tmp_path / 'train.csv'
    csv_file.write_text('a.mp4,0,1\nb.mp4,1,2\nc.mp4,2\n')
    from_counts = ScaledBCELoss(
        class_weight_mode='sqrt', class_counts_file=str(counts_file))
    mean = 14 / 3
    assert from_counts.class_weight.tolist() == pytest.approx(
        [math.sqrt(c / mean) for c in (1, 4, 9)], rel=1e-15)
    for path in (list_file, csv_file):
        loss_fn = ScaledBCELoss(
            class_weight_mode='linear', class_counts_file=str(path))
        assert loss_fn.class_weight.tolist() == pytest.approx(
            [1 / (5 / 3), 2 / (5 / 3), 2 / (5 / 3)])
    with pytest.raises(FileNotFoundError, match='missing.txt'):
        ScaledBCELoss(
            class_weight_mode='linear',
            class_counts_file=str(tmp_path / 'missing.txt'))


def test_scaled_bce_weight_count_mismatch():
    loss_fn = ScaledBCELoss(class_weight_mode='linear', class_counts=[1, 2])
    with pytest.raises(ValueError, match='2 class weights .* 3 classes'):
        loss_fn(torch.zeros(2, 3), torch.zeros(2, 3))
