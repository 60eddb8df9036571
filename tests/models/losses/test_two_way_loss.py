import math

import pytest
import torch
from mmaction.registry import MODELS

import mmt_challenge  # noqa: F401
from mmt_challenge.models.losses import TwoWayLoss

from multilabel_cases import loss_and_grad, random_case


def softplus(z):
    # log(1 + e^z) without overflow for the large violations of x100 logits
    if z > 0:
        return z + torch.log1p(torch.exp(-z))
    return torch.log1p(torch.exp(z))


def soft_max_violation(neg_values, pos_values, tp, tn):
    """softplus(Tn log sum_n e^(x_n / Tn) + Tp log sum_p e^(-x_p / Tp)),
    the sums written out and shifted by their largest term by hand."""
    if not neg_values:
        return torch.zeros((), dtype=torch.float64)  # softplus(-inf)
    top_n = max(v.item() / tn for v in neg_values)
    sum_n = sum(torch.exp(v / tn - top_n) for v in neg_values)
    top_p = max(-v.item() / tp for v in pos_values)
    sum_p = sum(torch.exp(-v / tp - top_p) for v in pos_values)
    violation = tn * (top_n + torch.log(sum_n)) + tp * (top_p +
                                                        torch.log(sum_p))
    return softplus(violation)


def two_way_reference(scores, labels, tp=4.0, tn=1.0):
    """The two-way loss by explicit loops over samples and over classes, in
    float64 scalar autograd: the mean over samples with a positive of the
    per-sample term plus the mean over classes with a positive of the
    per-class term."""
    num_samples, num_classes = scores.shape
    total = torch.zeros((), dtype=torch.float64)
    # sample-wise: rank the classes of each sample
    terms = []
    for b in range(num_samples):
        pos = [scores[b, c] for c in range(num_classes) if labels[b][c] == 1]
        neg = [scores[b, c] for c in range(num_classes) if labels[b][c] == 0]
        if pos:
            terms.append(soft_max_violation(neg, pos, tp, tn))
    if terms:
        total = total + sum(terms) / len(terms)
    # class-wise: rank the samples of each class
    terms = []
    for c in range(num_classes):
        pos = [scores[b, c] for b in range(num_samples) if labels[b][c] == 1]
        neg = [scores[b, c] for b in range(num_samples) if labels[b][c] == 0]
        if pos:
            terms.append(soft_max_violation(neg, pos, tp, tn))
    if terms:
        total = total + sum(terms) / len(terms)
    return total


def reference_and_grad(scores, labels, **kwargs):
    scores = scores.detach().clone().requires_grad_()
    ref = two_way_reference(scores, labels.tolist(), **kwargs)
    if not ref.requires_grad:  # nothing to rank
        return ref, torch.zeros_like(scores)
    (grad, ) = torch.autograd.grad(ref, scores)
    return ref.detach(), grad


def test_two_way_defaults_are_the_papers():
    loss_fn = TwoWayLoss()
    assert (loss_fn.pos_temperature, loss_fn.neg_temperature) == (4.0, 1.0)
    assert loss_fn.target_threshold is None
    assert loss_fn.loss_weight == 1.0


@pytest.mark.parametrize('seed, num_samples, num_classes, density', [
    (0, 1, 2, 0.5),
    (1, 5, 7, 0.3),
    (2, 8, 11, 0.6),
    (3, 6, 16, 0.1),
])
@pytest.mark.parametrize('tp, tn', [(4.0, 1.0), (1.0, 0.5)])
def test_two_way_matches_loop_reference(seed, num_samples, num_classes,
                                        density, tp, tn):
    scores, labels = random_case(
        seed, num_samples, num_classes, density=density)
    # a sample with no positive and one with no negative in every case
    labels[0] = 0
    if num_samples > 1:
        labels[1] = 1
    value, grad = loss_and_grad(
        TwoWayLoss(pos_temperature=tp, neg_temperature=tn), scores, labels)
    ref, ref_grad = reference_and_grad(scores, labels, tp=tp, tn=tn)
    torch.testing.assert_close(value, ref, rtol=1e-6, atol=1e-12)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-6, atol=1e-12)


def test_two_way_gradcheck():
    scores, labels = random_case(5, 4, 6, density=0.4)
    labels[0] = 0
    scores.requires_grad_()
    assert torch.autograd.gradcheck(lambda s: TwoWayLoss()(s, labels),
                                    (scores, ))


@pytest.mark.parametrize('factor', [100.0, 1e4])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_two_way_finite_for_large_logits(factor, dtype):
    scores, labels = random_case(11, 64, 313, spread=1.0, density=0.02)
    labels[0] = 0  # a sample with no positive
    labels[1] = 1  # and one with no negative
    value, grad = loss_and_grad(TwoWayLoss(), (scores * factor).to(dtype),
                                labels.to(dtype))
    assert torch.isfinite(value)
    assert torch.isfinite(grad).all()
    if factor == 100.0 and dtype == torch.float64:
        few = slice(0, 6)
        value, grad = loss_and_grad(TwoWayLoss(), scores[few] * factor,
                                    labels[few])
        ref, ref_grad = reference_and_grad(scores[few] * factor, labels[few])
        torch.testing.assert_close(value, ref, rtol=1e-6, atol=0)
        torch.testing.assert_close(grad, ref_grad, rtol=1e-6, atol=1e-12)


def test_two_way_sample_without_positive_only_feeds_the_class_terms():
    scores, labels = random_case(13, 5, 8, density=0.4)
    labels[2] = 0
    labels[:, 0] = torch.tensor([1.0, 0, 0, 0, 0])  # class 0: one positive
    value, grad = loss_and_grad(TwoWayLoss(), scores, labels)
    # its logits of classes with a positive get gradient (it is a negative
    # of their class terms), the others none
    has_pos = labels.bool().any(dim=0)
    assert torch.all(grad[2, has_pos] > 0)
    assert torch.all(grad[2, ~has_pos] == 0)
    # and it is not counted in the sample-wise mean: adding a sample with
    # no positive and all logits at -1e3 (negligible in every class term)
    # rescales nothing
    extra = torch.cat([scores, torch.full((1, 8), -1e3, dtype=torch.float64)])
    extra_labels = torch.cat([labels, torch.zeros(1, 8, dtype=torch.float64)])
    torch.testing.assert_close(TwoWayLoss()(extra, extra_labels), value)


def test_two_way_batch_without_positives_is_zero_with_zero_grad():
    scores = torch.randn(3, 5, dtype=torch.float64)
    value, grad = loss_and_grad(TwoWayLoss(), scores, torch.zeros(3, 5))
    assert value == 0
    assert torch.all(grad == 0)


def test_two_way_closed_form_one_pair():
    # one sample, class 1 positive, class 0 negative: the sample term is
    # softplus(x0 - x1); class 0 has no positive, class 1 no negative (0)
    scores = torch.tensor([[2.0, -1.0]], dtype=torch.float64)
    labels = torch.tensor([[0.0, 1.0]], dtype=torch.float64)
    assert TwoWayLoss()(scores, labels).item() == pytest.approx(
        math.log1p(math.exp(3.0)), rel=1e-12)


def test_two_way_soft_targets():
    scores, labels = random_case(17, 6, 8)
    soft = labels * 0.6 + 0.2 * torch.rand(6, 8, dtype=torch.float64)
    with pytest.raises(ValueError, match='targets must be 0 or 1'):
        TwoWayLoss()(scores, soft)
    torch.testing.assert_close(
        TwoWayLoss(target_threshold=0.5)(scores, soft),
        TwoWayLoss()(scores, (soft > 0.5).double()))


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(pos_temperature=0.0), ValueError,
     'pos_temperature must be positive and finite, got 0.0'),
    (dict(neg_temperature=float('inf')), ValueError,
     'neg_temperature must be positive and finite, got inf'),
    (dict(pos_temperature='4'), TypeError,
     "pos_temperature must be a number, got '4'"),
    (dict(target_threshold=1.0), ValueError,
     r'target_threshold must .*\[0, 1\), got 1\.0'),
])
def test_two_way_bad_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        TwoWayLoss(**kwargs)


@pytest.mark.parametrize('scores, labels, error, match', [
    (torch.zeros(4, 5), torch.zeros(4, 6), ValueError,
     r'label shape \(4, 6\) does not match cls_score shape \(4, 5\)'),
    (torch.zeros(4, 5), torch.zeros(
        4, dtype=torch.long), ValueError, 'multi_class=True'),
    (torch.zeros(4, 5, dtype=torch.long), torch.zeros(
        4, 5), TypeError, 'cls_score must be floating point'),
])
def test_two_way_input_errors(scores, labels, error, match):
    with pytest.raises(error, match=f'TwoWayLoss: .*{match}'):
        TwoWayLoss()(scores, labels)


def test_two_way_unexpected_kwarg():
    with pytest.raises(TypeError, match=r"unexpected keyword .*'weight'"):
        TwoWayLoss()(torch.zeros(2, 3), torch.zeros(2, 3), weight=1)


def test_two_way_build_from_registry_and_loss_weight():
    loss_fn = MODELS.build(
        dict(type='TwoWayLoss', pos_temperature=2.0, loss_weight=0.5))
    assert isinstance(loss_fn, TwoWayLoss)
    scores, labels = random_case(29, 4, 6, density=0.5)
    torch.testing.assert_close(
        loss_fn(scores, labels),
        0.5 * TwoWayLoss(pos_temperature=2.0)(scores, labels))


def test_two_way_half_precision_computed_in_float32():
    scores, labels = random_case(31, 8, 10)
    value = TwoWayLoss()(scores.half(), labels)
    assert value.dtype == torch.float32
    torch.testing.assert_close(
        value.double(),
        TwoWayLoss()(scores.half().double(), labels),
        rtol=1e-5,
        atol=0)
