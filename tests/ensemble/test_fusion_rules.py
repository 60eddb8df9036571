import numpy as np
import pytest

from mmt_challenge.ensemble import (FUSION_RULES, LogitMeanFusion,
                                    RankMeanFusion, build_fusion,
                                    normalize_weights)


@pytest.fixture
def sources():
    rng = np.random.default_rng(0)
    probs = rng.random((3, 20, 7)).astype(np.float32)
    probs[0, 0, 0] = 0.0  # the logit rule clips these
    probs[1, 0, 1] = 1.0
    probs[2, 5, :3] = 0.25  # ties for the rank rule
    return probs


def test_registered_rules():
    assert {'mean', 'weighted_mean', 'logit_mean', 'rank_mean'} <= set(
        FUSION_RULES.module_dict)


def test_documented_defaults():
    assert LogitMeanFusion().eps == 1e-6
    assert RankMeanFusion().over == 'classes'


def test_mean_ignores_weights(sources):
    fused = build_fusion('mean')(list(sources), [5, 1, 0])
    np.testing.assert_allclose(fused, sources.astype(np.float64).mean(0),
                               rtol=1e-6)


def test_weighted_mean(sources):
    weights = np.array([3.0, 1.0, 0.0])
    fused = build_fusion(dict(type='weighted_mean'))(list(sources), weights)
    reference = (3 * sources[0].astype(np.float64) + sources[1]) / 4
    np.testing.assert_allclose(fused, reference, rtol=1e-6)


def test_logit_mean(sources):
    weights = np.array([1.0, 2.0, 1.0])
    fused = build_fusion(dict(type='logit_mean', eps=1e-4))(list(sources),
                                                            weights)
    p = np.clip(sources.astype(np.float64), 1e-4, 1 - 1e-4)
    logits = np.log(p) - np.log(1 - p)
    mean = np.einsum('k,knc->nc', weights / weights.sum(), logits)
    np.testing.assert_allclose(fused, 1 / (1 + np.exp(-mean)), rtol=1e-5)


@pytest.mark.parametrize('over', ['classes', 'videos'])
def test_rank_mean(sources, over):
    weights = np.array([1.0, 1.0, 2.0])
    fused = build_fusion(dict(type='rank_mean', over=over))(list(sources),
                                                            weights)
    axis = 1 if over == 'classes' else 0
    # Reference: average rank by counting (ties share the mean position).
    ranks = []
    for probs in sources.astype(np.float64):
        if axis == 0:
            probs = probs.T
        less = (probs[:, None, :] < probs[:, :, None]).sum(-1)
        equal = (probs[:, None, :] == probs[:, :, None]).sum(-1)
        rank = less + (equal - 1) / 2  # 0-based average rank
        rank = rank / (probs.shape[1] - 1)
        ranks.append(rank.T if axis == 0 else rank)
    reference = np.einsum('k,knc->nc', weights / weights.sum(),
                          np.stack(ranks))
    np.testing.assert_allclose(fused, reference, rtol=1e-6, atol=1e-7)
    assert fused.min() >= 0 and fused.max() <= 1


def test_weighted_mean_stays_a_probability():
    probs = np.ones((3, 4, 5), dtype=np.float32)
    fused = build_fusion('weighted_mean')(list(probs), [0.1, 0.7, 0.2])
    assert fused.max() <= 1.0


@pytest.mark.parametrize('weights, match', [
    ([1, 2], r'expected 3 weights'),
    ([1, -1, 1], r'finite and >= 0'),
    ([1, np.nan, 1], r'finite and >= 0'),
    ([0, 0, 0], 'at least one weight must be positive'),
])
def test_bad_weights(weights, match):
    with pytest.raises(ValueError, match=match):
        normalize_weights(weights, 3)


@pytest.mark.parametrize('cfg, match', [
    (dict(type='median'), "unknown fusion rule 'median'"),
    (dict(eps=1), r'dict\(type=...\)'),
])
def test_build_errors(cfg, match):
    with pytest.raises(ValueError, match=match):
        build_fusion(cfg)


@pytest.mark.parametrize('cfg, match', [
    (dict(type='logit_mean', eps=0.7), 'eps must be in'),
    (dict(type='rank_mean', over='rows'), "over must be 'classes' or "
     "'videos'"),
])
def test_bad_options(cfg, match):
    with pytest.raises(ValueError, match=match):
        build_fusion(cfg)
