"""mmt_challenge.analysis.per_kind_map: mAP by kind of class."""
import pickle

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score

from mmt_challenge.analysis import format_kind_map_table, kind_maps
from mmt_challenge.structures import ScoreFile, save_score_file

NUM_VIDEOS, NUM_CLASSES = 12, 6
KINDS = dict(motion=[3, 4, 5], appearance=[0, 1, 2])


@pytest.fixture
def member(tmp_path):
    """A list file, and one member's scores as a dump and a score file."""
    rng = np.random.default_rng(0)
    labels = np.zeros((NUM_VIDEOS, NUM_CLASSES), dtype=np.int64)
    for i in range(NUM_VIDEOS):
        labels[i, rng.choice(NUM_CLASSES, 1 + i % 2, replace=False)] = 1
    labels[:NUM_CLASSES, np.arange(NUM_CLASSES)] = 1  # every class present
    scores = np.clip(0.4 * labels + rng.uniform(0, 0.8, labels.shape), 0,
                     1).astype(np.float32)
    ids = [f'val/{i:03d}.mp4' for i in range(NUM_VIDEOS)]
    ann = tmp_path / 'list.txt'
    ann.write_text(''.join(
        ' '.join([v, *map(str, np.flatnonzero(row))]) + '\n'
        for v, row in zip(ids, labels)))
    dump = tmp_path / 'val.pkl'
    with open(dump, 'wb') as f:
        pickle.dump([
            dict(pred_score=torch.from_numpy(s),
                 gt_label=torch.from_numpy(l).float())
            for s, l in zip(scores, labels)
        ], f)
    order = rng.permutation(NUM_VIDEOS)  # rows joined on id, not position
    npz = tmp_path / 'val.npz'
    save_score_file(
        str(npz),
        ScoreFile(
            video_ids=np.asarray(ids)[order],
            class_names=np.asarray([str(c) for c in range(NUM_CLASSES)]),
            scores=scores[order, None, :],
            scales=np.zeros(1, dtype=np.int64),
            num_clips=1,
            num_crops=1))
    return dict(ann=str(ann), dump=str(dump), npz=str(npz), labels=labels,
                scores=scores)


@pytest.mark.parametrize('kind', ['dump', 'npz'])
def test_kind_maps_against_scikit_learn(member, kind):
    maps = kind_maps(member[kind], member['ann'], KINDS, name='m')
    labels, scores = member['labels'], member['scores']
    assert set(maps) == {'sample_mAP', 'macro_mAP', 'micro_mAP', 'motion',
                         'appearance'}
    assert maps['sample_mAP'] == pytest.approx(
        average_precision_score(labels, scores, average='samples'))
    assert maps['micro_mAP'] == pytest.approx(
        average_precision_score(labels, scores, average='micro'))
    assert maps['macro_mAP'] == pytest.approx(
        average_precision_score(labels, scores, average='macro'))
    for name, indices in KINDS.items():
        assert maps[name] == pytest.approx(
            average_precision_score(
                labels[:, indices], scores[:, indices], average='macro'))


def test_kind_maps_names_the_member_of_a_missing_video(member, tmp_path):
    ann = tmp_path / 'more.txt'
    ann.write_text(open(member['ann']).read() + 'val/extra.mp4 1\n')
    with pytest.raises(ValueError, match="member 'm' has no scores for 1"):
        kind_maps(member['npz'], str(ann), KINDS, name='m')


def test_format_kind_map_table():
    table = format_kind_map_table(
        dict(tsn=dict(sample_mAP=0.5, macro_mAP=0.25, motion=0.125,
                      appearance=1.0)),
        ['motion', 'appearance'])
    assert table == (
        '| member | sample mAP | macro mAP | motion macro mAP | '
        'appearance macro mAP |\n'
        '|---|---:|---:|---:|---:|\n'
        '| tsn | 50.0 | 25.0 | 12.5 | 100.0 |\n')
