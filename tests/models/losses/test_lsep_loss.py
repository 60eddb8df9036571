import math

import pytest
import torch
from mmaction.registry import MODELS

import mmt_challenge  # noqa: F401
from mmt_challenge.models.losses import LSEPLoss

from multilabel_cases import loss_and_grad, random_case


def lsep_reference(scores, labels, weights=None):
    """LSEP by explicit loops over samples and (negative, positive) pairs, in
    float64 scalar autograd: log(1 + sum_v sum_u w_v exp(f_u - f_v))."""
    num_samples, num_classes = scores.shape
    total = torch.zeros((), dtype=torch.float64)
    for b in range(num_samples):
        pos = [c for c in range(num_classes) if labels[b][c] == 1]
        neg = [c for c in range(num_classes) if labels[b][c] == 0]
        if not pos or not neg:
            continue
        pair_sum = torch.zeros((), dtype=torch.float64)
        for v in pos:
            w = 1.0 if weights is None else float(weights[v])
            for u in neg:
                pair_sum = pair_sum + w * torch.exp(scores[b, u] -
                                                    scores[b, v])
        total = total + torch.log1p(pair_sum)
    return total / num_samples


@pytest.mark.parametrize('seed, num_samples, num_classes, density', [
    (0, 1, 2, 0.5),
    (1, 5, 7, 0.3),
    (2, 8, 11, 0.6),
    (3, 4, 16, 0.1),
])
@pytest.mark.parametrize('mode', ['none', 'sqrt', 'linear'])
def test_lsep_matches_loop_reference(seed, num_samples, num_classes, density,
                                     mode):
    scores, labels = random_case(
        seed, num_samples, num_classes, density=density)
    counts = list(range(1, num_classes + 1))
    loss_fn = LSEPLoss(
        class_weight_mode=mode,
        class_counts=None if mode == 'none' else counts)
    value, grad = loss_and_grad(loss_fn, scores, labels)

    weights = None
    if mode != 'none':
        mean = sum(counts) / len(counts)
        weights = [(c / mean)**(0.5 if mode == 'sqrt' else 1) for c in counts]
    ref_scores = scores.clone().requires_grad_()
    ref = lsep_reference(ref_scores, labels.tolist(), weights)
    if not ref.requires_grad:  # every sample skipped
        assert value == 0 and torch.all(grad == 0)
        return
    (ref_grad, ) = torch.autograd.grad(ref, ref_scores)
    torch.testing.assert_close(value, ref.detach(), rtol=1e-6, atol=1e-12)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-6, atol=1e-12)


def test_lsep_gradcheck():
    scores, labels = random_case(5, 3, 6, density=0.5)
    labels[0, :2] = torch.tensor([1.0, 0.0])
    loss_fn = LSEPLoss(class_weight_mode='sqrt', class_counts=[3] * 6)
    scores.requires_grad_()
    assert torch.autograd.gradcheck(lambda s: loss_fn(s, labels), (scores, ))


def test_lsep_float32_close_to_float64():
    scores, labels = random_case(7, 16, 40)
    loss_fn = LSEPLoss()
    v64, g64 = loss_and_grad(loss_fn, scores, labels)
    v32, g32 = loss_and_grad(loss_fn, scores.float(), labels.float())
    torch.testing.assert_close(v32.double(), v64, rtol=1e-5, atol=0)
    torch.testing.assert_close(g32.double(), g64, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize('factor', [100.0, 1e4, 1e30])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_lsep_finite_for_large_logits(factor, dtype):
    scores, labels = random_case(11, 64, 313, spread=1.0, density=0.02)
    labels[0] = 0  # a sample with no positive
    labels[1] = 1  # and one with no negative
    loss_fn = LSEPLoss()
    value, grad = loss_and_grad(loss_fn, (scores * factor).to(dtype),
                                labels.to(dtype))
    assert torch.isfinite(value)
    assert torch.isfinite(grad).all()
    if factor == 100.0 and dtype == torch.float64:
        # large logits: log(1 + sum exp) -> the largest violation, no
        # overflow; the loop reference on the first samples
        few = slice(0, 6)
        value = loss_fn(scores[few] * factor, labels[few])
        ref = lsep_reference(scores[few] * factor, labels[few].tolist())
        torch.testing.assert_close(value, ref, rtol=1e-6, atol=0)


@pytest.mark.parametrize('degenerate', ['no_positive', 'no_negative'])
def test_lsep_degenerate_samples_contribute_zero(degenerate):
    scores, labels = random_case(13, 4, 9, density=0.4)
    labels[2] = 0 if degenerate == 'no_positive' else 1
    loss_fn = LSEPLoss()
    value, grad = loss_and_grad(loss_fn, scores, labels)
    assert torch.all(grad[2] == 0)
    # the others are averaged over all four samples
    rest = [0, 1, 3]
    v_rest, g_rest = loss_and_grad(loss_fn, scores[rest], labels[rest])
    torch.testing.assert_close(value, v_rest * 3 / 4)
    torch.testing.assert_close(grad[rest], g_rest * 3 / 4)


def test_lsep_all_degenerate_is_zero_with_zero_grad():
    scores = torch.randn(3, 5, dtype=torch.float64)
    labels = torch.tensor([[0.] * 5, [1.] * 5, [0.] * 5], dtype=torch.float64)
    value, grad = loss_and_grad(LSEPLoss(), scores, labels)
    assert value == 0
    assert torch.all(grad == 0)


def test_lsep_soft_targets_rejected_without_threshold():
    scores, labels = random_case(17, 4, 6)
    labels[1, 2] = 0.7
    with pytest.raises(ValueError, match=r'targets must be 0 or 1, got 0\.7'):
        LSEPLoss()(scores, labels)


def test_lsep_soft_targets_thresholded():
    scores, labels = random_case(19, 6, 8)
    soft = labels * 0.6 + 0.2 * torch.rand(6, 8, dtype=torch.float64)
    value = LSEPLoss(target_threshold=0.5)(scores, soft)
    torch.testing.assert_close(value,
                               LSEPLoss()(scores, (soft > 0.5).double()))


@pytest.mark.parametrize('threshold, error, match', [
    (1.0, ValueError, r'target_threshold must be in \[0, 1\), got 1\.0'),
    (-0.1, ValueError, r'got -0\.1'),
    ('0.5', TypeError, "target_threshold must be a number or None, got '0.5'"),
])
def test_lsep_bad_threshold(threshold, error, match):
    with pytest.raises(error, match=match):
        LSEPLoss(target_threshold=threshold)


@pytest.mark.parametrize('scores, labels, error, match', [
    (torch.zeros(4, 5), torch.zeros(4, 6), ValueError,
     r'label shape \(4, 6\) does not match cls_score shape \(4, 5\)'),
    (torch.zeros(4, 5), torch.zeros(
        4, dtype=torch.long), ValueError, 'multi_class=True'),
    (torch.zeros(4, 5, 2), torch.zeros(4, 5, 2), ValueError,
     r'cls_score must be \[B, C\], got shape \(4, 5, 2\)'),
    (torch.zeros(0, 5), torch.zeros(
        0, 5), ValueError, 'at least one sample and one class'),
    (torch.zeros(4, 5, dtype=torch.long), torch.zeros(
        4, 5), TypeError, 'cls_score must be floating point, got torch.int64'),
    ([[0.0]], torch.zeros(
        1, 1), TypeError, 'cls_score must be a Tensor, got list'),
    (torch.zeros(2, 3), torch.tensor([[0, 2, 1], [0, 0, 1]]), ValueError,
     r'targets must lie in \[0, 1\], got 2\.0 at \(sample, class\) \(0, 1\)'),
])
def test_lsep_input_errors(scores, labels, error, match):
    with pytest.raises(error, match=match):
        LSEPLoss()(scores, labels)


def test_lsep_weight_count_mismatch():
    loss_fn = LSEPLoss(class_weight_mode='linear', class_counts=[1, 2, 3])
    with pytest.raises(ValueError, match='3 class weights .* 5 classes'):
        loss_fn(torch.zeros(2, 5), torch.zeros(2, 5))


def test_lsep_unexpected_kwarg():
    with pytest.raises(TypeError, match=r"unexpected keyword .*'weight'"):
        LSEPLoss()(torch.zeros(2, 3), torch.zeros(2, 3), weight=1)


def test_lsep_bool_and_int_labels():
    scores, labels = random_case(23, 3, 5)
    expected = LSEPLoss()(scores, labels)
    torch.testing.assert_close(LSEPLoss()(scores, labels.bool()), expected)
    torch.testing.assert_close(LSEPLoss()(scores, labels.long()), expected)


def test_lsep_build_from_registry_and_loss_weight():
    loss_fn = MODELS.build(dict(type='LSEPLoss', loss_weight=2.0))
    assert isinstance(loss_fn, LSEPLoss)
    scores, labels = random_case(29, 3, 5, density=0.5)
    labels[0, :2] = torch.tensor([1.0, 0.0])
    torch.testing.assert_close(
        loss_fn(scores, labels), 2 * LSEPLoss()(scores, labels))


def test_lsep_closed_form_two_classes():
    # one positive v, one negative u: log(1 + exp(f_u - f_v))
    scores = torch.tensor([[2.0, -1.0]], dtype=torch.float64)
    labels = torch.tensor([[0.0, 1.0]], dtype=torch.float64)
    assert LSEPLoss()(scores, labels).item() == pytest.approx(
        math.log1p(math.exp(3.0)), rel=1e-12)
