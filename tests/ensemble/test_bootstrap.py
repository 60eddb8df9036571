import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from mmt_challenge.ensemble import bootstrap_mean_ci, sample_map_ci
from mmt_challenge.ensemble.scoring import per_class_ap, per_sample_ap


@pytest.fixture
def case():
    rng = np.random.default_rng(0)
    labels = (rng.random((40, 6)) < 0.3).astype(np.uint8)
    labels[0] = 0  # no positive: left out, as sample mAP leaves it out
    labels[1:, 0] |= (labels[1:].sum(1) == 0).astype(np.uint8)
    scores = rng.random((40, 6))
    return scores, labels


def test_per_sample_ap_matches_sklearn(case):
    scores, labels = case
    ap = per_sample_ap(scores, labels)
    assert np.isnan(ap[0])
    for i in range(1, len(ap)):
        assert ap[i] == pytest.approx(
            average_precision_score(labels[i], scores[i]))


def test_per_class_ap_matches_sklearn(case):
    scores, labels = case
    labels[:, 5] = 0
    ap = per_class_ap(scores, labels)
    assert np.isnan(ap[5])
    np.testing.assert_allclose(
        ap[:5], average_precision_score(labels[:, :5], scores[:, :5],
                                        average=None))


def test_bootstrap_matches_a_plain_loop():
    values = np.random.default_rng(1).random(30)
    result = bootstrap_mean_ci(values, num_samples=250, seed=7, chunk=64)
    # Reference: the same draws, one replicate at a time.
    rng = np.random.default_rng(7)
    means = []
    for start in range(0, 250, 64):
        draws = rng.integers(0, 30, size=(min(64, 250 - start), 30))
        means.extend(values[row].mean() for row in draws)
    low, high = np.percentile(means, [2.5, 97.5])
    assert result.estimate == pytest.approx(values.mean())
    assert (result.low, result.high) == pytest.approx((low, high))
    assert (result.confidence, result.num_samples) == (0.95, 250)


def test_sample_map_ci(case):
    scores, labels = case
    result = sample_map_ci(scores, labels, num_samples=300)
    reference = average_precision_score(labels[1:], scores[1:],
                                        average='samples')
    assert result.estimate == pytest.approx(reference)
    assert result.low < result.estimate < result.high


def test_interval_narrows_with_more_videos():
    rng = np.random.default_rng(2)
    small = bootstrap_mean_ci(rng.random(50), seed=0)
    large = bootstrap_mean_ci(rng.random(5000), seed=0)
    assert large.high - large.low < (small.high - small.low) / 5


@pytest.mark.parametrize('values, kwargs, match', [
    ([], {}, 'non-empty 1-D'),
    ([0.5, np.nan], {}, 'finite'),
    ([0.5], dict(confidence=1.0), r'confidence must be in \(0, 1\)'),
    ([0.5], dict(num_samples=0), 'num_samples must be >= 1'),
])
def test_bootstrap_errors(values, kwargs, match):
    with pytest.raises(ValueError, match=match):
        bootstrap_mean_ci(np.asarray(values, dtype=float), **kwargs)
