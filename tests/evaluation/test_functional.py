import warnings

import numpy as np
import pytest
from mmaction.evaluation.functional import (mean_average_precision,
                                            mmit_mean_average_precision)
from sklearn.metrics import average_precision_score

from mmt_challenge.evaluation import (NoPositiveWarning, macro_map, micro_map,
                                      sample_map)
from mmt_challenge.evaluation import functional

MAP_FUNCTIONS = [sample_map, macro_map, micro_map]
RTOL = 1e-12


def random_problem(seed,
                   num_samples=60,
                   num_classes=25,
                   *,
                   decimals=None,
                   positive_rate=0.15):
    """Random scores (rounded to ``decimals`` for ties) and multi-hot labels
    with at least one positive in every sample and every class."""
    rng = np.random.default_rng(seed)
    scores = rng.random((num_samples, num_classes))
    if decimals is not None:
        scores = scores.round(decimals)
    labels = rng.random((num_samples, num_classes)) < positive_rate
    labels[np.arange(num_samples),
           rng.integers(0, num_classes, num_samples)] = True
    labels[rng.integers(0, num_samples, num_classes),
           np.arange(num_classes)] = True
    return scores, labels.astype(np.int64)


@pytest.fixture(params=['counting', 'sorting'])
def row_strategy(request, monkeypatch):
    """Run a test once with each way of computing per-row AP."""
    cost = np.inf if request.param == 'counting' else 0
    monkeypatch.setattr(functional, '_SORT_COST_PER_LOG2', cost)
    return request.param


@pytest.mark.parametrize(
    'length, num_pos, counting',
    [
        (313, 3, True),  # M-MiT validation samples
        (10000, 96, True),  # its classes
        (313, 250, False),  # dense labels
    ])
def test_strategy_choice(length, num_pos, counting):
    assert bool(num_pos <= functional._max_counted_positives(length)) is counting


@pytest.mark.parametrize('labels_dtype', [bool, np.int64, np.uint8,
                                          np.float32])
def test_counted_and_sorted_rows_mix(monkeypatch, labels_dtype):
    # Rows with more than 4 positives are sorted, the others counted.
    monkeypatch.setattr(functional, '_SORT_COST_PER_LOG2',
                        4.5 / np.log2(40))
    scores, labels = random_problem(5, 80, 40, decimals=1,
                                    positive_rate=0.1)
    num_pos = labels.sum(axis=1)
    assert (num_pos > 4).any() and (num_pos <= 4).any()
    labels = labels.astype(labels_dtype)
    np.testing.assert_allclose(
        functional.sample_ap(scores, labels),
        [average_precision_score(y, s) for s, y in zip(scores, labels)],
        rtol=RTOL)
    np.testing.assert_allclose(
        sample_map(scores.astype(np.float32), labels),
        average_precision_score(labels, scores.astype(np.float32),
                                average='samples'),
        rtol=RTOL)


@pytest.mark.parametrize('decimals', [None, 2, 1, 0])
@pytest.mark.parametrize('seed', range(3))
def test_matches_sklearn(row_strategy, seed, decimals):
    scores, labels = random_problem(seed, decimals=decimals)
    np.testing.assert_allclose(
        sample_map(scores, labels),
        average_precision_score(labels, scores, average='samples'),
        rtol=RTOL)
    np.testing.assert_allclose(
        macro_map(scores, labels),
        average_precision_score(labels, scores, average='macro'),
        rtol=RTOL)
    np.testing.assert_allclose(
        micro_map(scores, labels),
        average_precision_score(labels, scores, average='micro'),
        rtol=RTOL)


@pytest.mark.parametrize('decimals', [None, 1])
def test_matches_sklearn_with_uneven_positives(row_strategy, decimals):
    # One dense sample and one dense class among sparse ones: the counting
    # strategy handles rows with different numbers of positive slots.
    scores, labels = random_problem(
        7, 40, 30, decimals=decimals, positive_rate=0.05)
    labels[3] = 1
    labels[:, 5] = 1
    labels[10, ::2] = 1
    np.testing.assert_allclose(
        sample_map(scores, labels),
        average_precision_score(labels, scores, average='samples'),
        rtol=RTOL)
    np.testing.assert_allclose(
        macro_map(scores, labels),
        average_precision_score(labels, scores, average='macro'),
        rtol=RTOL)


@pytest.mark.parametrize('decimals', [None, 1])
def test_matches_mmaction2(row_strategy, decimals):
    # MMAction2's binary_precision_recall_curve also takes thresholds at the
    # distinct scores (np.diff of the sorted scores), so its tie handling is
    # the same as scikit-learn's: the numbers agree with ties too (checked
    # here with scores rounded to one decimal). It differs only on samples
    # without a positive: mmit_mean_average_precision returns NaN for the
    # whole set (0 / 0 recall), sample_map leaves them out with a warning
    # (see test_sample_without_positive_is_left_out).
    scores, labels = random_problem(11, decimals=decimals)
    np.testing.assert_allclose(
        sample_map(scores, labels),
        mmit_mean_average_precision(list(scores), list(labels)),
        rtol=RTOL)
    np.testing.assert_allclose(
        macro_map(scores, labels),
        mean_average_precision(list(scores), list(labels)),
        rtol=RTOL)


def test_mmaction2_returns_nan_where_sample_map_leaves_out():
    scores, labels = random_problem(3)
    labels[0] = 0
    with np.errstate(invalid='ignore'):
        assert np.isnan(
            mmit_mean_average_precision(list(scores), list(labels)))
    with pytest.warns(NoPositiveWarning):
        value = sample_map(scores, labels)
    np.testing.assert_allclose(
        value,
        mmit_mean_average_precision(list(scores[1:]), list(labels[1:])),
        rtol=RTOL)


@pytest.mark.parametrize(
    'scores, labels, expected',
    [
        # Ranks 1 and 2 are positive: AP 1; rank 2 of 3 is the positive: 1/2.
        ([[0.9, 0.2, 0.4], [0.1, 0.8, 0.3]], [[1, 0, 1], [0, 0, 1]], 0.75),
        # A positive tied with a negative takes the tie group's precision, 1/2,
        # whatever order the tie is sorted in.
        ([[0.5, 0.5, 0.1]], [[1, 0, 0]], 0.5),
        ([[0.5, 0.5, 0.1]], [[0, 1, 0]], 0.5),
        # Positives at ranks 1 and 3 (0.9, then 0.5 tied at ranks 2-3):
        # (1/1 + 2/3) / 2.
        ([[0.9, 0.5, 0.5, 0.1]], [[1, 0, 1, 0]], (1 + 2 / 3) / 2),
        # All scores tied: precision is the positive rate.
        ([[0.3, 0.3, 0.3, 0.3]], [[1, 0, 1, 0]], 0.5),
    ])
def test_sample_map_by_hand(row_strategy, scores, labels, expected):
    assert sample_map(scores, labels) == pytest.approx(expected, rel=RTOL)


@pytest.mark.parametrize('function', MAP_FUNCTIONS)
@pytest.mark.parametrize('scores, labels', [
    ([[0.3]], [[1]]),
    ([[0.3], [0.5]], [[1], [1]]),
    ([[0.3, 0.3]], [[1, 1]]),
])
def test_smallest_inputs(row_strategy, function, scores, labels):
    assert function(scores, labels) == 1.0


def test_macro_and_micro_by_hand():
    scores = [[0.9, 0.1], [0.8, 0.7], [0.2, 0.3]]
    labels = [[1, 0], [0, 1], [1, 1]]
    # Class 0: ranks 0.9 (pos), 0.8, 0.2 (pos): (1 + 2/3) / 2.
    # Class 1: ranks 0.7 (pos), 0.3 (pos), 0.1: 1.
    assert macro_map(scores, labels) == pytest.approx((1 + 5 / 6) / 2)
    # Pooled: 0.9+ 0.8- 0.7+ 0.3+ 0.2+ 0.1-: (1 + 2/3 + 3/4 + 4/5) / 4.
    assert micro_map(scores, labels) == pytest.approx(
        (1 + 2 / 3 + 3 / 4 + 4 / 5) / 4)


@pytest.mark.parametrize(
    'score_dtype', [np.float16, np.float32, np.float64, np.int64, np.uint8])
@pytest.mark.parametrize('label_dtype',
                         [bool, np.int8, np.int64, np.uint8, np.float32])
def test_dtypes(score_dtype, label_dtype):
    scores, labels = random_problem(5, decimals=2)
    scores = (scores * 100).astype(score_dtype)
    labels = labels.astype(label_dtype)
    for function, average in zip(MAP_FUNCTIONS, ['samples', 'macro', 'micro']):
        value = function(scores, labels)
        assert type(value) is float
        np.testing.assert_allclose(
            value,
            average_precision_score(
                labels.astype(bool),
                scores.astype(np.float64),
                average=average),
            rtol=RTOL)


@pytest.mark.parametrize('layout', ['fortran', 'strided'])
def test_non_contiguous_inputs(row_strategy, layout):
    scores, labels = random_problem(8, decimals=1)
    expected = [
        average_precision_score(labels, scores, average=average)
        for average in ['samples', 'macro', 'micro']
    ]
    if layout == 'fortran':
        scores, labels = np.asfortranarray(scores), np.asfortranarray(labels)
    else:  # every other column of a wider array
        wide_scores = np.repeat(scores, 2, axis=1)
        wide_labels = np.repeat(labels, 2, axis=1)
        scores, labels = wide_scores[:, ::2], wide_labels[:, ::2]
    for function, value in zip(MAP_FUNCTIONS, expected):
        np.testing.assert_allclose(function(scores, labels), value, rtol=RTOL)


def test_accepts_lists_and_bool_scores():
    scores = [[True, False, True], [False, True, True]]
    labels = [[1, 0, 0], [0, 1, 1]]
    np.testing.assert_allclose(
        sample_map(scores, labels),
        average_precision_score(labels, scores, average='samples'),
        rtol=RTOL)


def test_sample_map_ignores_class_order(row_strategy):
    scores, labels = random_problem(9, decimals=1)
    order = np.random.default_rng(0).permutation(scores.shape[1])
    assert sample_map(scores[:, order], labels[:, order]) == pytest.approx(
        sample_map(scores, labels), rel=RTOL)


def test_sample_without_positive_is_left_out(row_strategy):
    scores, labels = random_problem(2, decimals=1)
    labels[[4, 17]] = 0
    with pytest.warns(
            NoPositiveWarning,
            match=r'2 of 60 samples have no positive label'):
        value = sample_map(scores, labels)
    keep = labels.any(axis=1)
    np.testing.assert_allclose(
        value,
        average_precision_score(labels[keep], scores[keep], average='samples'),
        rtol=RTOL)


def test_class_without_positive_is_left_out(row_strategy):
    scores, labels = random_problem(4, decimals=1)
    labels[:, [0, 3, 8]] = 0
    with pytest.warns(
            NoPositiveWarning,
            match=r'3 of 25 classes have no positive label'):
        value = macro_map(scores, labels)
    keep = labels.any(axis=0)
    np.testing.assert_allclose(
        value,
        average_precision_score(
            labels[:, keep], scores[:, keep], average='macro'),
        rtol=RTOL)
    with np.errstate(invalid='ignore'):  # MMAction2 skips them as NaN
        reference = mean_average_precision(list(scores), list(labels))
    np.testing.assert_allclose(value, reference, rtol=RTOL)


@pytest.mark.parametrize('function', MAP_FUNCTIONS)
def test_no_warning_when_all_defined(function):
    scores, labels = random_problem(1)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        function(scores, labels)


GOOD_SCORES = [[0.1, 0.2], [0.2, 0.3]]

# yapf: disable
INVALID_INPUTS = [
    pytest.param(np.zeros(3), np.zeros(3), ValueError,
                 r'scores must be 2-D \[N, C\], got shape \(3,\)',
                 id='scores-1d'),
    pytest.param(np.zeros((2, 3)), np.zeros((2, 3, 1)), ValueError,
                 r'labels must be 2-D \[N, C\], got shape \(2, 3, 1\)',
                 id='labels-3d'),
    pytest.param(np.zeros((2, 3)), np.zeros((3, 2)), ValueError,
                 r'different shapes: \(2, 3\) and \(3, 2\)',
                 id='shape-mismatch'),
    pytest.param(np.zeros((0, 3)), np.zeros((0, 3)), ValueError,
                 r'empty \(shape \(0, 3\)\)', id='no-samples'),
    pytest.param(np.zeros((2, 0)), np.zeros((2, 0)), ValueError,
                 r'empty \(shape \(2, 0\)\)', id='no-classes'),
    pytest.param([[0.1, np.nan], [0.2, 0.3]], [[1, 0], [0, 1]], ValueError,
                 r'scores must be finite, got 1 NaN and 0 infinite values',
                 id='nan'),
    pytest.param([[0.1, np.inf], [-np.inf, 0.3]], [[1, 0], [0, 1]],
                 ValueError,
                 r'scores must be finite, got 0 NaN and 2 infinite values',
                 id='inf'),
    pytest.param(GOOD_SCORES, [[2, 0], [0, 1]], ValueError,
                 r'values in \{0, 1\}, got 1 other values: 2',
                 id='label-2'),
    pytest.param(GOOD_SCORES, [[-1, 0], [0, 1]], ValueError,
                 r'got 1 other values: -1', id='label-negative'),
    pytest.param(GOOD_SCORES, [[0.5, 1.0], [0.0, 1.0]], ValueError,
                 r'got 1 other values: 0.5', id='label-soft'),
    pytest.param([[0.1] * 6], [[2, 3, 4, 5, 6, 7]], ValueError,
                 r'got 6 other values: 2, 3, 4, 5, 6, \.\.\.',
                 id='labels-many-bad'),
    pytest.param(GOOD_SCORES, [[0, 0], [0, 0]], ValueError,
                 r'labels have no positive at all', id='no-positive'),
    pytest.param([['a', 'b']], [[1, 0]], TypeError,
                 r'scores must hold real numbers, got dtype <U1',
                 id='scores-str'),
    pytest.param([[0.1 + 1j, 0.2]], [[1, 0]], TypeError,
                 r'scores must hold real numbers, got dtype complex128',
                 id='scores-complex'),
    pytest.param([[0.1, 0.2]], [['1', '0']], TypeError,
                 r'labels must hold real numbers, got dtype <U1',
                 id='labels-str'),
]
# yapf: enable


@pytest.mark.parametrize('function', MAP_FUNCTIONS)
@pytest.mark.parametrize('scores, labels, error, match', INVALID_INPUTS)
def test_invalid_inputs(function, scores, labels, error, match):
    with pytest.raises(error, match=match):
        function(scores, labels)


def test_finite_scores_whose_sum_overflows_are_accepted():
    # The finiteness check sums the scores first; an overflowing sum of
    # finite scores must fall back to the exact check, not raise.
    scores = np.array([[3e38, 2e38, 1.0], [3e38, 1.0, 2e38]],
                      dtype=np.float32)
    labels = np.array([[0, 1, 0], [0, 0, 1]])
    assert sample_map(scores, labels) == pytest.approx(
        average_precision_score(labels, scores, average='samples'))
