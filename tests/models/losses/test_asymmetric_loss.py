import math

import pytest
import torch
from mmaction.registry import MODELS

import mmt_challenge  # noqa: F401
from mmt_challenge.models.losses import AsymmetricLoss

from multilabel_cases import loss_and_grad, random_case


def asl_reference(scores, labels, gamma_neg=4.0, gamma_pos=0.0, clip=0.05,
                  eps=1e-8):
    """ASL entry by entry as the paper and the official code write it, in
    float64 scalar autograd: p = sigmoid(x), the negatives' probability
    shifted down by ``clip``, both clamped at ``eps`` under the log, summed
    over classes and averaged over samples."""
    num_samples, num_classes = scores.shape
    total = torch.zeros((), dtype=torch.float64)
    for b in range(num_samples):
        for c in range(num_classes):
            y = labels[b][c]
            p = 1 / (1 + torch.exp(-scores[b, c]))
            pos = (1 - p)**gamma_pos * torch.log(torch.clamp(p, min=eps))
            keep = torch.clamp(1 - p + clip, max=1)  # 1 - max(p - clip, 0)
            neg = (1 - keep)**gamma_neg * torch.log(
                torch.clamp(keep, min=eps))
            total = total - (y * pos + (1 - y) * neg)
    return total / num_samples


def reference_and_grad(scores, labels, **kwargs):
    scores = scores.detach().clone().requires_grad_()
    ref = asl_reference(scores, labels.tolist(), **kwargs)
    (grad, ) = torch.autograd.grad(ref, scores)
    return ref.detach(), grad


def test_asl_defaults_are_the_papers():
    loss_fn = AsymmetricLoss()
    assert (loss_fn.gamma_neg, loss_fn.gamma_pos, loss_fn.clip,
            loss_fn.eps) == (4.0, 0.0, 0.05, 1e-8)
    assert loss_fn.loss_weight == 1.0


@pytest.mark.parametrize('seed, num_samples, num_classes, density', [
    (0, 1, 2, 0.5),
    (1, 5, 7, 0.3),
    (2, 8, 11, 0.6),
])
@pytest.mark.parametrize('options', [
    dict(),
    dict(gamma_neg=2.0, gamma_pos=1.0, clip=0.2),
    dict(gamma_neg=0.0, gamma_pos=0.0, clip=0.0, eps=0.0),  # plain BCE
    dict(gamma_neg=3.0, gamma_pos=0.5, clip=0.0),
])
def test_asl_matches_reference(seed, num_samples, num_classes, density,
                               options):
    scores, labels = random_case(
        seed, num_samples, num_classes, density=density)
    labels[0] = 0  # a sample with no positive: its negatives still count
    value, grad = loss_and_grad(AsymmetricLoss(**options), scores, labels)
    ref, ref_grad = reference_and_grad(scores, labels, **options)
    torch.testing.assert_close(value, ref, rtol=1e-6, atol=1e-12)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-6, atol=1e-12)


def test_asl_without_focusing_or_clip_is_bce_summed_over_classes():
    scores, labels = random_case(3, 6, 9)
    value = AsymmetricLoss(gamma_neg=0.0, clip=0.0, eps=0.0)(scores, labels)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(
        scores, labels, reduction='sum') / 6
    torch.testing.assert_close(value, bce, rtol=1e-12, atol=0)


def test_asl_sample_without_positive_contributes_its_negatives():
    scores, labels = random_case(5, 4, 8)
    labels[1] = 0
    value, grad = loss_and_grad(AsymmetricLoss(), scores, labels)
    kept = torch.sigmoid(scores[1]) > 0.05
    # negatives above the margin are pushed down, the others ignored
    assert torch.all(grad[1, kept] > 0)
    assert torch.all(grad[1, ~kept] == 0)
    alone = AsymmetricLoss()(scores[1:2], labels[1:2])
    assert alone > 0


def test_asl_gradcheck():
    scores, labels = random_case(7, 3, 6, density=0.5)
    scores.requires_grad_()
    assert torch.autograd.gradcheck(
        lambda s: AsymmetricLoss(gamma_pos=1.0)(s, labels), (scores, ))


@pytest.mark.parametrize('factor', [100.0, 1e4])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_asl_finite_for_large_logits(factor, dtype):
    scores, labels = random_case(11, 64, 313, spread=1.0, density=0.02)
    labels[0] = 0
    labels[1] = 1
    for options in (dict(), dict(clip=0.0, eps=0.0, gamma_pos=1.0)):
        value, grad = loss_and_grad(
            AsymmetricLoss(**options), (scores * factor).to(dtype),
            labels.to(dtype))
        assert torch.isfinite(value)
        assert torch.isfinite(grad).all()
    if factor == 100.0 and dtype == torch.float64:
        few = slice(0, 4)
        value, grad = loss_and_grad(AsymmetricLoss(), scores[few] * factor,
                                    labels[few])
        ref, ref_grad = reference_and_grad(scores[few] * factor, labels[few])
        torch.testing.assert_close(value, ref, rtol=1e-6, atol=0)
        torch.testing.assert_close(grad, ref_grad, rtol=1e-6, atol=1e-12)


def test_asl_eps_clamps_a_hopeless_positive():
    # logit -30: p < 1e-8, so the loss is -log(1e-8) with no gradient, as
    # in the official code; without the clamp it is softplus(30)
    scores = torch.tensor([[-30.0]], dtype=torch.float64)
    labels = torch.ones(1, 1, dtype=torch.float64)
    value, grad = loss_and_grad(AsymmetricLoss(), scores, labels)
    assert value.item() == pytest.approx(-math.log(1e-8), rel=1e-12)
    assert grad.item() == 0
    value = AsymmetricLoss(eps=0.0)(scores, labels)
    assert value.item() == pytest.approx(30.0 + math.log1p(math.exp(-30.0)))


def test_asl_soft_targets_interpolate_both_sides():
    scores, labels = random_case(13, 5, 7)
    soft = labels * 0.6 + 0.2 * torch.rand(5, 7, dtype=torch.float64)
    loss_fn = AsymmetricLoss()
    # each entry's loss as a positive and as a negative
    per_entry = []
    for y in (1.0, 0.0):
        per_entry.append(
            torch.stack([
                loss_fn(scores[b:b + 1, c:c + 1],
                        torch.full((1, 1), y, dtype=torch.float64))
                for b in range(5) for c in range(7)
            ]).view(5, 7))
    expected = (soft * per_entry[0] +
                (1 - soft) * per_entry[1]).sum(dim=1).mean()
    torch.testing.assert_close(loss_fn(scores, soft), expected)


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(gamma_neg=-1.0), ValueError,
     'gamma_neg must be non-negative and finite, got -1.0'),
    (dict(gamma_pos=float('nan')), ValueError, 'gamma_pos must be'),
    (dict(clip=1.0), ValueError, r'clip must be in \[0, 1\), got 1.0'),
    (dict(eps=-1e-8), ValueError, r'eps must be in \[0, 1\)'),
    (dict(clip='0.05'), TypeError, "clip must be a number, got '0.05'"),
])
def test_asl_bad_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        AsymmetricLoss(**kwargs)


@pytest.mark.parametrize('scores, labels, error, match', [
    (torch.zeros(4, 5), torch.zeros(4, 6), ValueError,
     r'label shape \(4, 6\) does not match cls_score shape \(4, 5\)'),
    (torch.zeros(2, 3), torch.tensor([[0, 2, 1], [0, 0, 1]]), ValueError,
     r'targets must lie in \[0, 1\], got 2\.0'),
    (torch.zeros(4, 5, dtype=torch.long), torch.zeros(
        4, 5), TypeError, 'cls_score must be floating point'),
])
def test_asl_input_errors(scores, labels, error, match):
    with pytest.raises(error, match=f'AsymmetricLoss: .*{match}'):
        AsymmetricLoss()(scores, labels)


def test_asl_unexpected_kwarg():
    with pytest.raises(TypeError, match=r"unexpected keyword .*'weight'"):
        AsymmetricLoss()(torch.zeros(2, 3), torch.zeros(2, 3), weight=1)


def test_asl_build_from_registry_and_loss_weight():
    loss_fn = MODELS.build(
        dict(type='AsymmetricLoss', gamma_neg=2.0, loss_weight=0.5))
    assert isinstance(loss_fn, AsymmetricLoss)
    scores, labels = random_case(17, 4, 6)
    torch.testing.assert_close(
        loss_fn(scores, labels),
        0.5 * AsymmetricLoss(gamma_neg=2.0)(scores, labels))


def test_asl_half_precision_computed_in_float32():
    scores, labels = random_case(19, 8, 10)
    value = AsymmetricLoss()(scores.half(), labels)
    assert value.dtype == torch.float32
    torch.testing.assert_close(
        value.double(),
        AsymmetricLoss()(scores.half().double(), labels),
        rtol=1e-5,
        atol=0)
