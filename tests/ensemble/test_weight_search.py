import multiprocessing

import numpy as np
import pytest

from mmt_challenge.ensemble import (build_fusion, coordinate_ascent,
                                    fit_weights, greedy_selection, kfold_fit,
                                    load_recipe, nelder_mead, run_ensemble)
from mmt_challenge.ensemble.weight_search import _SampleMAPObjective
from mmt_challenge.evaluation import sample_map


def _labels(rng, num_videos, num_classes, per_video=2):
    labels = np.zeros((num_videos, num_classes), dtype=np.uint8)
    for i in range(num_videos):
        labels[i, rng.choice(num_classes, per_video, replace=False)] = 1
    return labels


def _informative(rng, labels, signal):
    logits = rng.normal(size=labels.shape) + signal * labels
    return (1 / (1 + np.exp(-logits))).astype(np.float32)


def test_coordinate_ascent_reaches_a_known_optimum():
    target = np.array([0.6, 0.3, 0.1, 0.0])

    def objective(w):
        return -np.abs(w - target).sum()

    weights = coordinate_ascent(objective, np.full(4, 0.25), min_step=0.01)
    np.testing.assert_allclose(weights, target, atol=0.03)


def test_coordinate_ascent_keeps_frozen_members():
    weights = coordinate_ascent(lambda w: w[1], np.array([0.0, 0.5, 0.5]),
                                frozen=np.array([True, False, False]))
    assert weights[0] == 0
    assert weights[1] > 0.9


def test_nelder_mead_moves_towards_the_optimum():
    target = np.array([0.7, 0.2, 0.1])
    weights = nelder_mead(lambda w: -np.square(w - target).sum(),
                          np.full(3, 1 / 3))
    np.testing.assert_allclose(weights, target, atol=0.02)
    assert weights.sum() == pytest.approx(1)


def test_greedy_selection_counts():
    # Members 0 and 2 together are best; member 1 never helps.
    def objective(w):
        return -(w[0] - 0.5)**2 - (w[2] - 0.5)**2 - w[1]

    weights = greedy_selection(objective, 3)
    np.testing.assert_allclose(weights, [0.5, 0, 0.5])


@pytest.mark.parametrize('method, greedy', [
    ('coordinate_ascent', False),
    ('nelder_mead', False),
    ('coordinate_ascent', True),
    (None, True),
])
def test_fit_prefers_the_informative_member(method, greedy):
    rng = np.random.default_rng(0)
    labels = _labels(rng, 80, 10)
    values = np.stack([
        _informative(rng, labels, 3.0),
        rng.random(labels.shape).astype(np.float32),
        rng.random(labels.shape).astype(np.float32),
    ])
    fusion = build_fusion('weighted_mean')
    fit = fit_weights(values, labels, fusion=fusion, method=method,
                      greedy=greedy)
    assert fit.weights.sum() == pytest.approx(1)
    assert fit.weights[0] > 0.5
    assert fit.score == pytest.approx(
        sample_map(fusion.combine(values, fit.weights), labels))
    assert fit.score > sample_map(fusion.combine(values), labels)
    assert fit.num_evals > 0


def _noise_members(seed=0):
    """Members that know nothing: any weights tuned on them overfit."""
    rng = np.random.default_rng(seed)
    labels = _labels(rng, 60, 10)
    values = rng.random((8, 60, 10)).astype(np.float32)
    return values, labels


@pytest.mark.parametrize('seed', [0, 1])
def test_kfold_estimate_is_below_an_overfitted_in_sample_score(seed):
    values, labels = _noise_members(seed)
    fusion = build_fusion('weighted_mean')
    in_sample = fit_weights(values, labels, fusion=fusion).score
    kfold = kfold_fit(values, labels, fusion=fusion, folds=5, seed=0,
                      progress=False)
    honest = sample_map(kfold.held_out, labels)
    chance = sample_map(fusion.combine(values), labels)
    assert in_sample > honest + 0.03
    assert abs(honest - chance) < 0.03
    # Each fold's fit also looks better on its own training folds.
    assert np.mean(kfold.in_fold_scores) > np.mean(kfold.fold_scores)


def test_kfold_folds_partition_the_videos():
    values, labels = _noise_members()
    kfold = kfold_fit(values, labels, fusion=build_fusion('weighted_mean'),
                      folds=4, seed=3, progress=False)
    assert sorted(np.bincount(kfold.fold_of).tolist()) == [15, 15, 15, 15]
    assert len(kfold.fold_weights) == 4
    for k, weights in enumerate(kfold.fold_weights):
        test = kfold.fold_of == k
        np.testing.assert_allclose(
            kfold.held_out[test],
            build_fusion('weighted_mean').combine(values[:, test], weights))


def test_recipe_run_reports_honest_estimate_next_to_in_sample(
        member_files, tmp_path):
    paths, list_file, _, _ = member_files(
        num_members=6, num_videos=60, num_classes=10, signal=0.0, seed=1)
    recipe = load_recipe(
        dict(
            members=[dict(name=f'm{i}', score_file=p)
                     for i, p in enumerate(paths)],
            fusion=dict(type='weighted_mean'),
            search=dict(method='coordinate_ascent', folds=5),
            bootstrap=dict(num_samples=200)))
    result = run_ensemble(recipe, ann_file=list_file, progress=False)
    table = result.table.set_index('kind')
    in_sample = table.loc['ensemble', 'sample_mAP']
    honest = table.loc['ensemble k-fold', 'sample_mAP']
    assert honest < in_sample
    assert result.weight_source == 'search'
    assert result.kfold_ci.estimate == pytest.approx(honest)
    assert table.loc['ensemble k-fold', 'ci_low'] <= honest <= table.loc[
        'ensemble k-fold', 'ci_high']


@pytest.mark.parametrize('kwargs, match', [
    (dict(method='grid'), "unknown search method 'grid'"),
    (dict(fusion=build_fusion('mean')), 'fixed equal weights'),
])
def test_fit_errors(kwargs, match):
    values, labels = _noise_members()
    kwargs.setdefault('fusion', build_fusion('weighted_mean'))
    with pytest.raises(ValueError, match=match):
        fit_weights(values, labels, **kwargs)


def test_kfold_needs_two_folds():
    values, labels = _noise_members()
    with pytest.raises(ValueError, match=r'folds must be in \[2, 60\]'):
        kfold_fit(values, labels, fusion=build_fusion('weighted_mean'),
                  folds=1)


def _plain_fit(values, labels, fusion, *, step=1.0, min_step=0.05,
               max_evals=2000, tol=1e-7):
    """Greedy selection then coordinate ascent as first written: every
    evaluation fuses all sources and scores the whole matrix."""

    def score(weights):
        return sample_map(fusion.combine(values, weights), labels)

    num = len(values)
    counts, best = np.zeros(num), -np.inf
    for _ in range(2 * num):
        trials = [score(np.eye(num)[m] + counts) for m in range(num)]
        m = int(np.argmax(trials))
        if trials[m] <= best:
            break
        best = trials[m]
        counts[m] += 1
    weights = counts / counts.sum()
    frozen = weights == 0
    best, evals = score(weights), 1
    while step >= min_step and evals < max_evals:
        improved = False
        for m in np.flatnonzero(~frozen):
            if weights[m] > 0:
                values_m = [weights[m] * (1 + step), weights[m] / (1 + step)]
                if (weights > 0).sum() > 1:
                    values_m.append(0.0)
            else:
                values_m = [step / num]
            move = None
            for value in values_m:
                trial = weights.copy()
                trial[m] = value
                trial /= trial.sum()
                trial_score = score(trial)
                evals += 1
                if trial_score > best + tol:
                    best, move = trial_score, trial
            if move is not None:
                weights, improved = move, True
            if evals >= max_evals:
                break
        if not improved:
            step /= 2
    return weights


def _correlated_sources(seed, num_members=4, scales=2, num_videos=150,
                        num_classes=30):
    """Members of differing skill, each seen at a few correlated scales."""
    rng = np.random.default_rng(seed)
    labels = _labels(rng, num_videos, num_classes, per_video=3)
    sources = []
    for m in range(num_members):
        shared = rng.normal(size=labels.shape)
        for _ in range(scales):
            logits = (shared + 0.3 * rng.normal(size=labels.shape) +
                      (0.5 + 0.4 * m) * labels - 1.5)
            sources.append(1 / (1 + np.exp(-logits)))
    return np.stack(sources).astype(np.float32), labels


@pytest.mark.parametrize('seed, rule', [(0, 'weighted_mean'),
                                        (1, 'logit_mean')])
def test_search_takes_the_plain_searchs_path(seed, rule):
    values, labels = _correlated_sources(seed)
    fusion = build_fusion(rule)
    values = np.stack([fusion.transform(v) for v in values])
    fit = fit_weights(values, labels, fusion=fusion, greedy=True)
    expected = _plain_fit(values, labels, fusion)
    assert (expected > 0).sum() >= 3  # a search with something to decide
    np.testing.assert_array_equal(fit.weights, expected)


def test_incremental_objective_equals_the_plain_one_along_random_moves():
    values, labels = _correlated_sources(2, num_members=3, scales=2)
    fusion = build_fusion('weighted_mean')
    objective = _SampleMAPObjective(values, labels.astype(bool), fusion)
    objective.num_threads = 3  # uneven row ranges, scored at once
    rng = np.random.default_rng(0)
    weights = np.full(len(values), 1 / len(values))
    base_moves, num_trials = 0, 0
    for _ in range(40):
        trials = []
        for _ in range(rng.integers(1, 4)):
            trial = weights.copy()
            # One coordinate as the searches move, sometimes two.
            for m in rng.choice(len(values), rng.choice([1, 1, 2]),
                                replace=False):
                trial[m] = trial[m] * rng.choice([0.0, 0.5, 2.0, 8.0]) + (
                    0.1 if trial[m] == 0 else 0)
            trials.append(trial / trial.sum())
        base = objective.base
        scores = objective.many(trials)
        num_trials += len(trials)
        for trial, score in zip(trials, scores):
            assert score == pytest.approx(
                sample_map(fusion.combine(values, trial), labels), abs=1e-12)
        base_moves += objective.base is not base
        if rng.random() < 0.5:  # the search moves to one of them
            weights = trials[rng.integers(len(trials))]
    assert objective.calls == num_trials
    assert base_moves > 5
    objective.close()


def _fit_in_process():
    values, labels = _correlated_sources(3, num_members=3, scales=1,
                                         num_videos=80)
    return fit_weights(values, labels, fusion=build_fusion('weighted_mean'),
                       greedy=True).weights


def test_search_runs_again_in_a_forked_child():
    # An OpenMP pool in the parent would abort a forked child that scores.
    in_parent = _fit_in_process()
    with multiprocessing.get_context('fork').Pool(1) as pool:
        in_child = pool.apply(_fit_in_process)
    np.testing.assert_array_equal(in_child, in_parent)
