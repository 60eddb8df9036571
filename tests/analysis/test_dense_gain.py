"""mmt_challenge.analysis.dense_gain: single clip vs dense vs fused."""
import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from mmt_challenge.analysis import dense_gain, format_dense_gain_table
from mmt_challenge.structures import ScoreFile

NUM_VIDEOS, NUM_CLASSES = 40, 7


def _score_file(ids, scores, scales, num_clips=1):
    return ScoreFile(
        video_ids=np.asarray(ids),
        class_names=np.asarray([f'c{c}' for c in range(NUM_CLASSES)]),
        scores=scores.astype(np.float32),
        scales=np.asarray(scales),
        num_clips=num_clips,
        num_crops=1)


@pytest.fixture
def tests():
    rng = np.random.default_rng(0)
    labels = (rng.random((NUM_VIDEOS, NUM_CLASSES)) < 0.3).astype(np.int64)
    labels[0] = 0  # a video without positives: left out of sample mAP
    labels[1:NUM_CLASSES + 1, np.arange(NUM_CLASSES)] = 1
    ids = [f'v{i:03d}.mp4' for i in range(NUM_VIDEOS)]
    clip = rng.random((NUM_VIDEOS, 1, NUM_CLASSES))
    dense = 0.7 * rng.random((NUM_VIDEOS, 3, NUM_CLASSES))
    dense += 0.3 * labels[:, None]
    order = rng.permutation(NUM_VIDEOS)  # joined on id, not position
    return dict(
        labels=labels,
        ids=ids,
        clip=clip,
        dense=dense,
        clip_file=_score_file(ids, clip, [56]),
        dense_file=_score_file([ids[i] for i in order], dense[order],
                               [48, 56, 64], num_clips=4))


def _sklearn_sample_map(scores, labels):
    keep = labels.sum(axis=1) > 0
    return np.mean([
        average_precision_score(y, s)
        for y, s in zip(labels[keep], scores[keep])
    ])


def test_maps_match_sklearn(tests):
    row = dense_gain(tests['clip_file'], tests['dense_file'], tests['labels'],
                     tests['ids'])
    labels = tests['labels']
    assert row.clip == pytest.approx(
        _sklearn_sample_map(tests['clip'][:, 0], labels), abs=1e-6)
    assert row.dense == pytest.approx(
        _sklearn_sample_map(tests['dense'][:, 1], labels), abs=1e-6)
    assert row.fused == pytest.approx(
        _sklearn_sample_map(tests['dense'].mean(axis=1), labels), abs=1e-6)
    assert (row.scale, row.scales) == (56, [48, 56, 64])
    assert row.views == '4 clips x 1 crop'


def test_gain_interval_is_the_paired_bootstrap(tests):
    row = dense_gain(tests['clip_file'], tests['dense_file'], tests['labels'],
                     tests['ids'], num_samples=2000, seed=3)
    labels = tests['labels']
    keep = labels.sum(axis=1) > 0

    def per_video(scores):
        return np.array([
            average_precision_score(y, s)
            for y, s in zip(labels[keep], scores[keep])
        ])

    diff = per_video(tests['dense'].mean(axis=1)) - per_video(
        tests['clip'][:, 0])
    rng = np.random.default_rng(3)
    means = [
        diff[rng.integers(0, len(diff), len(diff))].mean()
        for _ in range(2000)
    ]
    low, high = np.quantile(means, [0.025, 0.975])
    # the same percentile bootstrap up to the order of the draws
    assert row.gain_low == pytest.approx(low, abs=0.02)
    assert row.gain_high == pytest.approx(high, abs=0.02)
    assert row.gain_low < row.fused - row.clip < row.gain_high
    assert row.gain_low > 0  # the dense scores carry the labels' signal


def test_clip_scale_must_be_among_the_dense_scales(tests):
    clip = _score_file(tests['ids'], tests['clip'], [40])
    with pytest.raises(ValueError, match=r'not the clip\'s scale 40'):
        dense_gain(clip, tests['dense_file'], tests['labels'], tests['ids'])
    two = _score_file(tests['ids'], tests['dense'][:, :2], [48, 56])
    with pytest.raises(ValueError, match='must have one scale'):
        dense_gain(two, tests['dense_file'], tests['labels'], tests['ids'])


def test_missing_video_is_named(tests):
    ids = tests['ids'][1:]
    clip = _score_file(ids, tests['clip'][1:], [56])
    with pytest.raises(ValueError, match='v000.mp4'):
        dense_gain(clip, tests['dense_file'], tests['labels'], tests['ids'])


def test_table_lists_every_member_in_percent(tests):
    row = dense_gain(tests['clip_file'], tests['dense_file'], tests['labels'],
                     tests['ids'])
    table = format_dense_gain_table({'TSN': row, 'TSM': row})
    lines = table.splitlines()
    assert len(lines) == 4 and lines[2].startswith('| TSN |')
    assert f'{100 * row.fused:.2f} (48/56/64)' in lines[3]
    assert f'{100 * (row.fused - row.clip):+.2f}' in lines[3]
