import math

import pytest
import torch
from mmaction.registry import MODELS

import mmt_challenge  # noqa: F401
from mmt_challenge.models.losses import WARPLoss

from multilabel_cases import loss_and_grad
from multilabel_cases import random_case as _random_case


def random_case(seed, num_samples, num_classes, spread=2.0, density=0.3):
    """The shared random case, with logits of spread 2 by default."""
    return _random_case(seed, num_samples, num_classes, spread=spread,
                        density=density)


def harmonic(r):
    return sum(1.0 / j for j in range(1, r + 1))


def warp_reference(scores, labels, margin=1.0, weights=None):
    """Exact WARP by explicit loops over samples, positives and negatives, in
    float64 scalar autograd:
    sum_p w_p L(r_p) / r_p sum_u [m + f_u - f_p]_+, averaged over samples."""
    num_samples, num_classes = scores.shape
    values = scores.detach().tolist()
    total = torch.zeros((), dtype=torch.float64)
    for b in range(num_samples):
        pos = [c for c in range(num_classes) if labels[b][c] == 1]
        neg = [c for c in range(num_classes) if labels[b][c] == 0]
        for p in pos:
            violators = [
                u for u in neg if margin + values[b][u] - values[b][p] > 0
            ]
            rank = len(violators)
            if rank == 0:
                continue
            w = 1.0 if weights is None else float(weights[p])
            for u in violators:
                total = total + w * harmonic(rank) / rank * (
                    margin + scores[b, u] - scores[b, p])
    return total / num_samples


def reference_and_grad(scores, labels, **kwargs):
    scores = scores.detach().clone().requires_grad_()
    ref = warp_reference(scores, labels.tolist(), **kwargs)
    if not ref.requires_grad:
        return ref, torch.zeros_like(scores)
    (grad, ) = torch.autograd.grad(ref, scores)
    return ref.detach(), grad


@pytest.mark.parametrize('seed, num_samples, num_classes, density', [
    (0, 1, 2, 0.5),
    (1, 5, 7, 0.3),
    (2, 8, 11, 0.6),
    (3, 4, 16, 0.1),
    (4, 3, 40, 0.5),
])
@pytest.mark.parametrize('margin', [1.0, 0.3])
@pytest.mark.parametrize('mode', ['none', 'sqrt', 'linear'])
def test_warp_exact_matches_loop_reference(seed, num_samples, num_classes,
                                           density, margin, mode):
    scores, labels = random_case(
        seed, num_samples, num_classes, density=density)
    counts = [3 + (7 * c) % 5 for c in range(num_classes)]
    loss_fn = WARPLoss(
        margin=margin,
        class_weight_mode=mode,
        class_counts=None if mode == 'none' else counts)
    value, grad = loss_and_grad(loss_fn, scores, labels)
    weights = None
    if mode != 'none':
        mean = sum(counts) / len(counts)
        weights = [(c / mean)**(0.5 if mode == 'sqrt' else 1) for c in counts]
    ref, ref_grad = reference_and_grad(
        scores, labels, margin=margin, weights=weights)
    torch.testing.assert_close(value, ref, rtol=1e-6, atol=1e-12)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-6, atol=1e-12)


def test_warp_exact_with_ties_and_a_large_offset():
    # ties among negatives, scores exactly on the margin (not violating)
    # and a common offset of 1e6 that the row centring must absorb
    scores = torch.tensor(
        [[0.0, 1.0, 1.0, -1.0, 2.0, 0.5], [3.0, 3.0, 3.0, 2.0, 2.0, 4.0]],
        dtype=torch.float64)
    labels = torch.tensor([[1, 0, 0, 0, 1, 0], [0, 1, 0, 1, 0, 0]],
                          dtype=torch.float64)
    ref, ref_grad = reference_and_grad(scores, labels)
    value, grad = loss_and_grad(WARPLoss(), scores + 1e6, labels)
    torch.testing.assert_close(value, ref, rtol=1e-6, atol=1e-12)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-6, atol=1e-12)


def test_warp_exact_float32_close_to_float64():
    scores, labels = random_case(7, 16, 40)
    v64, g64 = loss_and_grad(WARPLoss(), scores, labels)
    v32, g32 = loss_and_grad(WARPLoss(), scores.float(), labels.float())
    torch.testing.assert_close(v32.double(), v64, rtol=1e-5, atol=0)
    # a score within float32 rounding of a margin can flip a rank: compare
    # where the float32 and float64 ranks agree, i.e. almost everywhere
    assert (torch.isclose(g32.double(), g64, rtol=1e-4,
                          atol=1e-6)).float().mean() > 0.99


@pytest.mark.parametrize('mode', ['exact', 'sampled'])
@pytest.mark.parametrize('factor', [100.0, 1e4])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_warp_finite_for_large_logits(mode, factor, dtype):
    scores, labels = random_case(11, 64, 313, spread=1.0, density=0.02)
    labels[0] = 0
    labels[1] = 1
    loss_fn = WARPLoss(mode, seed=0)
    value, grad = loss_and_grad(loss_fn, (scores * factor).to(dtype),
                                labels.to(dtype))
    assert torch.isfinite(value)
    assert torch.isfinite(grad).all()
    if mode == 'exact' and dtype == torch.float64 and factor == 100.0:
        # the loop reference on the first samples (it is slow on all 64)
        few = slice(0, 6)
        value, grad = loss_and_grad(loss_fn, scores[few] * factor, labels[few])
        ref, ref_grad = reference_and_grad(scores[few] * factor, labels[few])
        torch.testing.assert_close(value, ref, rtol=1e-6, atol=0)
        torch.testing.assert_close(grad, ref_grad, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize('mode', ['exact', 'sampled'])
@pytest.mark.parametrize('degenerate', ['no_positive', 'no_negative'])
def test_warp_degenerate_samples_contribute_zero(mode, degenerate):
    scores, labels = random_case(13, 4, 9, density=0.4)
    labels[2] = 0 if degenerate == 'no_positive' else 1
    value, grad = loss_and_grad(WARPLoss(mode, seed=1), scores, labels)
    assert torch.isfinite(value)
    assert torch.all(grad[2] == 0)
    if mode == 'exact':
        rest = [0, 1, 3]
        v_rest, g_rest = loss_and_grad(WARPLoss(), scores[rest], labels[rest])
        torch.testing.assert_close(value, v_rest * 3 / 4)
        torch.testing.assert_close(grad[rest], g_rest * 3 / 4)


@pytest.mark.parametrize('mode', ['exact', 'sampled'])
def test_warp_nothing_violated_is_zero_with_zero_grad(mode):
    scores = torch.tensor([[5.0, -5.0, 5.0], [0.0, 0.0, 0.0]],
                          dtype=torch.float64)
    labels = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]],
                          dtype=torch.float64)
    value, grad = loss_and_grad(WARPLoss(mode), scores, labels)
    assert value == 0
    assert torch.all(grad == 0)


@pytest.mark.parametrize('counts', [None, [4, 1, 1, 1, 1, 16]])
def test_warp_sampled_equals_exact_when_every_negative_ties(counts):
    # every negative violates with the same hinge: the first draw always
    # violates, the rank estimate is n, and both forms give w L(n) * hinge
    scores = torch.tensor(
        [[0.0, 0.2, 0.2, 0.2, 0.2, -0.5], [1.0, 1.5, 1.5, 1.5, 1.5, 1.5]],
        dtype=torch.float64)
    labels = torch.tensor([[1, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0]],
                          dtype=torch.float64)
    kwargs = {} if counts is None else dict(
        class_weight_mode='linear', class_counts=counts)
    exact, exact_grad = loss_and_grad(
        WARPLoss('exact', **kwargs), scores, labels)
    sampled, sampled_grad = loss_and_grad(
        WARPLoss('sampled', seed=3, **kwargs), scores, labels)
    torch.testing.assert_close(sampled, exact, rtol=1e-12, atol=0)
    # the gradients differ (one drawn negative against all of them) but
    # agree on the positives
    torch.testing.assert_close(sampled_grad[labels == 1],
                               exact_grad[labels == 1])
    w = [1.0] * 6 if counts is None else [c / 4 for c in counts]
    expected = (w[0] * harmonic(4) * 1.2 + w[5] * harmonic(4) * 1.7 +
                w[0] * harmonic(5) * 1.5) / 2
    assert exact.item() == pytest.approx(expected, rel=1e-12)


def test_warp_sampled_rank_estimate_matches_truncated_geometric():
    # one positive, n = 10 negatives of which r = 2 violate with hinge 1:
    # draws with replacement until a violation, at most n draws, so
    # P(N = k) = p (1 - p)^(k - 1), p = r / n, and the loss of the sample is
    # L(floor(n / N)) (0 if no violation in n draws)
    n, r, rows = 10, 2, 20000
    scores = torch.zeros(rows, n + 1, dtype=torch.float64)
    scores[:, 1:1 + r] = 0.0  # margin 1 + 0 - 0 > 0: violators
    scores[:, 1 + r:] = -5.0  # not violating
    labels = torch.zeros(rows, n + 1, dtype=torch.float64)
    labels[:, 0] = 1
    p = r / n
    expected = sum(p * (1 - p)**(k - 1) * harmonic(n // k)
                   for k in range(1, n + 1))
    gen = torch.Generator().manual_seed(1234)
    value = WARPLoss('sampled')(scores, labels, generator=gen).item()
    # per-sample loss is bounded by L(n) < 3: the standard error is < 0.02
    assert value == pytest.approx(expected, abs=0.03)
    exact_rank_loss = harmonic(r)
    assert abs(expected - exact_rank_loss) > 0.1  # the two differ; sanity


def test_warp_sampled_gradient_structure():
    # each counted positive has d/df_p = -w L(est) and its drawn negative
    # +w L(est): gradients of a sample sum to zero and are L-multiples
    scores, labels = random_case(31, 6, 12, density=0.3)
    value, grad = loss_and_grad(WARPLoss('sampled', seed=5), scores, labels)
    assert value > 0
    torch.testing.assert_close(
        grad.sum(dim=1), torch.zeros(6, dtype=grad.dtype), atol=1e-12, rtol=0)
    assert torch.all(grad[labels == 1] <= 0)


def test_warp_sampled_is_seedable():
    scores, labels = random_case(37, 32, 50, density=0.2)
    a = WARPLoss('sampled', seed=7)(scores, labels)
    b = WARPLoss('sampled', seed=7)(scores, labels)
    assert a == b
    gen_a = torch.Generator().manual_seed(9)
    gen_b = torch.Generator().manual_seed(9)
    loss_fn = WARPLoss('sampled')
    assert loss_fn(
        scores, labels, generator=gen_a) == loss_fn(
            scores, labels, generator=gen_b)
    draws = {
        WARPLoss('sampled', seed=s)(scores, labels).item()
        for s in range(5)
    }
    assert len(draws) > 1  # it does sample


def test_warp_sampled_unbiased_when_violators_tie():
    # with the violators tied, E[L(floor(n/N))] is the only randomness; the
    # estimate of the loss of many identical samples is close to its mean
    scores, labels = random_case(41, 1, 30, density=0.2)
    scores = scores.repeat(4000, 1)
    labels = labels.repeat(4000, 1)
    a = WARPLoss('sampled', seed=1)(scores, labels)
    b = WARPLoss('sampled', seed=2)(scores, labels)
    assert a.item() == pytest.approx(b.item(), rel=0.05)


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(mode='approx'), ValueError,
     r"mode must be one of \('exact', 'sampled'\), got 'approx'"),
    (dict(margin=-1.0), ValueError,
     'margin must be non-negative and finite, got -1.0'),
    (dict(margin='1'), TypeError, "margin must be a number, got '1'"),
    (dict(seed=1.5), TypeError, 'seed must be an int or None, got 1.5'),
    (dict(class_weight_mode='inverse'), ValueError,
     r"class_weight_mode must be one of .*, got 'inverse'"),
])
def test_warp_bad_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        WARPLoss(**kwargs)


@pytest.mark.parametrize('scores, labels, error, match', [
    (torch.zeros(4, 5), torch.zeros(5, 4), ValueError,
     r'label shape \(5, 4\) does not match cls_score shape \(4, 5\)'),
    (torch.zeros(4, 5), torch.zeros(
        4, dtype=torch.long), ValueError, 'multi_class=True'),
    (torch.zeros(3), torch.zeros(3), ValueError,
     r'cls_score must be \[B, C\], got shape \(3,\)'),
    (torch.zeros(2, 3), torch.tensor([[0.0, 0.5, 1.0], [0, 0, 1]]), ValueError,
     r'targets must be 0 or 1, got 0\.5 at \(sample, class\) '
     r'\(0, 1\)'),
    (torch.zeros(2, 3), torch.tensor([[0.0, float('nan'), 1.0], [0, 0, 1]]),
     ValueError, r'targets must lie in \[0, 1\], got nan'),
])
def test_warp_input_errors(scores, labels, error, match):
    with pytest.raises(error, match=match):
        WARPLoss()(scores, labels)


def test_warp_bad_generator():
    with pytest.raises(
            TypeError, match='generator must be a torch.Generator'
            ', got int'):
        WARPLoss('sampled')(torch.zeros(2, 3), torch.zeros(2, 3), generator=1)


def test_warp_soft_targets_thresholded():
    scores, labels = random_case(43, 6, 8)
    soft = labels * 0.6 + 0.2 * torch.rand(6, 8, dtype=torch.float64)
    value = WARPLoss(target_threshold=0.5)(scores, soft)
    torch.testing.assert_close(value,
                               WARPLoss()(scores, (soft > 0.5).double()))


def test_warp_build_from_registry():
    loss_fn = MODELS.build(
        dict(type='WARPLoss', mode='sampled', seed=0, loss_weight=0.5))
    assert (loss_fn.mode, loss_fn.seed, loss_fn.loss_weight) == ('sampled', 0,
                                                                 0.5)
    scores, labels = random_case(3, 5, 6, density=0.5)
    torch.testing.assert_close(
        loss_fn(scores, labels),
        0.5 * WARPLoss(mode='sampled', seed=0)(scores, labels))


def test_warp_closed_form_one_pair():
    # f_p = 0, one violating negative f_u = 0.25: L(1) / 1 * 1.25
    scores = torch.tensor([[0.0, 0.25]], dtype=torch.float64)
    labels = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    assert WARPLoss()(scores, labels).item() == pytest.approx(1.25)
    assert math.isclose(harmonic(3), 1 + 1 / 2 + 1 / 3)
