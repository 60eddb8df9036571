import hashlib
import json
import os

import decord
import numpy as np
import pytest

from mmt_challenge.datasets import MINI_CLASSES, generate_mini_dataset
from mmt_challenge.datasets.mini_pair import (PAIR_CLASSES, PLANTED_PAIRS,
                                              generate_mini_pair_dataset,
                                              sample_pair_scene)

MINI = {c.name: c for c in MINI_CLASSES}


def test_class_table_and_planted_pairs():
    assert [c.index for c in PAIR_CLASSES] == list(range(8))
    assert len({c.name for c in PAIR_CLASSES}) == 8
    related = [name for c in PAIR_CLASSES for name in c.related]
    assert set(related) <= set(MINI)
    assert len(related) == len(set(related)) == len(MINI_CLASSES)
    assert len(PLANTED_PAIRS) == 14
    controls = [c.name for c in PAIR_CLASSES if not c.related]
    assert controls == ['grey_still_shape']
    for c in PAIR_CLASSES:  # a class groups one kind of mini class
        assert len({MINI[name].kind for name in c.related}) <= 1
    for name in ('horizontal_motion', 'vertical_motion', 'depth_motion',
                 'spinning'):
        a, b = PAIR_CLASSES[[c.name for c in PAIR_CLASSES].index(
            name)].related
        assert MINI[a].reverse == MINI[b].index  # both directions


def grey(color):
    return color[0] == color[1] == color[2] and color[0] >= 190


def moves(obj):
    return not (np.allclose(obj['center'], obj['center'][0])
                and np.allclose(obj['radius'], obj['radius'][0])
                and np.allclose(obj['angle'], obj['angle'][0]))


@pytest.mark.parametrize('label', range(8))
def test_scenes_show_one_object_of_a_related_class(label):
    pair = PAIR_CLASSES[label]
    seen = set()
    for seed in range(12):
        scene = sample_pair_scene(
            np.random.default_rng(seed), label, size=32, num_frames=6)
        assert scene['labels'] == [label]
        assert len(scene['objects']) == 1
        obj = scene['objects'][0]
        if pair.related:
            assert len(scene['mini_labels']) == 1
            mini = MINI_CLASSES[scene['mini_labels'][0]]
            assert mini.name in pair.related
            seen.add(mini.name)
            assert moves(obj) == (mini.kind == 'motion')
            assert grey(obj['color']) == (mini.kind == 'motion')
        else:
            assert scene['mini_labels'] == []
            assert grey(obj['color']) and not moves(obj)
            assert obj['shape'] not in ('disc', 'box', 'lollipop')
    if pair.related:
        assert seen == set(pair.related)


def test_sample_pair_scene_rejects_bad_labels():
    with pytest.raises(ValueError, match=r'label must be in \[0, 8\), got 8'):
        sample_pair_scene(np.random.default_rng(0), 8)
    with pytest.raises(TypeError, match='label must be an int, got True'):
        sample_pair_scene(np.random.default_rng(0), True)


def digest(root):
    h = hashlib.sha256()
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            h.update(os.path.relpath(path, root).encode())
            with open(path, 'rb') as f:
                h.update(f.read())
    return h.hexdigest()


@pytest.fixture(scope='module')
def tiny_pair(tmp_path_factory):
    out = tmp_path_factory.mktemp('pair') / 'mini_pair'
    info = generate_mini_pair_dataset(
        out, num_train=10, num_val=3, num_test=2, size=32, num_frames=6)
    return info


def test_writes_the_layout_with_balanced_single_labels(tiny_pair):
    info = tiny_pair
    assert info['num_classes'] == 8
    assert info['num_videos'] == dict(training=10, validation=3, testing=2)
    with open(info['label_map']) as f:
        assert f.read().split() == [c.name for c in PAIR_CLASSES]
    with open(info['classes_json']) as f:
        classes = json.load(f)
    assert classes['classes'][3] == dict(
        index=3, name='horizontal_motion',
        related=['moving_left', 'moving_right'])
    assert classes['generation']['generator'] == \
        'mmt_challenge.datasets.mini_pair'
    with open(info['ann_files']['training']) as f:
        rows = [line.strip().split(',') for line in f]
    assert [r[0] for r in rows] == [f'training/{i:06d}.mp4' for i in range(10)]
    labels = [int(r[1]) for r in rows]
    assert all(len(r) == 2 for r in rows)
    assert sorted(labels[:8]) == list(range(8))  # a full round first
    reader = decord.VideoReader(
        os.path.join(info['video_root'], rows[0][0]))
    assert len(reader) == 6 and reader[0].shape == (32, 32, 3)


def test_same_arguments_same_bytes(tiny_pair, tmp_path):
    again = generate_mini_pair_dataset(
        tmp_path / 'again', num_train=10, num_val=3, num_test=2, size=32,
        num_frames=6)
    assert digest(again['out_dir']) == digest(tiny_pair['out_dir'])


def test_shares_no_video_with_the_mini_mmit(tmp_path):
    pair = generate_mini_pair_dataset(tmp_path / 'pair', num_train=3,
                                      num_val=0, num_test=0, size=32,
                                      num_frames=4)
    mini = generate_mini_dataset(tmp_path / 'mini', num_train=3, num_val=0,
                                 num_test=0, size=32, num_frames=4)

    def videos(info):
        root = os.path.join(info['video_root'], 'training')
        return {open(os.path.join(root, n), 'rb').read()
                for n in os.listdir(root)}

    assert not videos(pair) & videos(mini)


def test_overwrite_rules(tiny_pair, tmp_path):
    with pytest.raises(FileExistsError, match='not empty'):
        generate_mini_pair_dataset(tiny_pair['out_dir'], num_train=1,
                                   num_val=0, num_test=0, size=32,
                                   num_frames=2)
    foreign = tmp_path / 'foreign'
    foreign.mkdir()
    (foreign / 'notes.txt').write_text('mine')
    with pytest.raises(ValueError, match='does not look like a mini pair'):
        generate_mini_pair_dataset(foreign, overwrite=True, num_train=1,
                                   num_val=0, num_test=0, size=32,
                                   num_frames=2)
    replaced = generate_mini_pair_dataset(
        tmp_path / 'again', num_train=1, num_val=0, num_test=0, size=32,
        num_frames=2)
    replaced = generate_mini_pair_dataset(
        replaced['out_dir'], overwrite=True, num_train=2, num_val=0,
        num_test=0, size=32, num_frames=2)
    with open(replaced['ann_files']['training']) as f:
        assert len(f.readlines()) == 2


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(size=48), ValueError, 'not one of'),
    (dict(size=33), ValueError, 'even'),
    (dict(size=30), ValueError, 'size must be >= 32'),
    (dict(num_train=-1), ValueError, 'num_train must be non-negative'),
    (dict(num_frames=1.5), TypeError, 'num_frames must be an int'),
    (dict(fps=0), ValueError, 'fps must be positive'),
    (dict(fps='10'), TypeError, 'fps must be a number'),
])
def test_rejects_bad_arguments(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        generate_mini_pair_dataset(tmp_path / 'x', **kwargs)
