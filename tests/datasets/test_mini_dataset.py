import importlib.util
import inspect
import json
import os
import os.path as osp
import re
import sys

import numpy as np
import pytest

from mmt_challenge.datasets import (MINI_CLASSES, class_indices_by_kind,
                                    generate_mini_dataset, generation,
                                    load_mini_classes, motion_class_indices)
from mmt_challenge.datasets.mini_render import object_extent, render_scene
from mmt_challenge.datasets.mini_scenes import reverse_scene, sample_scene

SPLITS = ('training', 'validation', 'testing')
CSV = dict(
    training='trainingSet.csv',
    validation='validationSet.csv',
    testing='testingSet.csv')
NUM_CLASSES = len(MINI_CLASSES)
# Small enough to be fast, at least one round of primaries per split so that
# every class appears in every split.
TINY = dict(
    num_train=2 * NUM_CLASSES,
    num_val=NUM_CLASSES,
    num_test=NUM_CLASSES,
    size=32,
    num_frames=8,
    fps=5,
    seed=3)


def read_csv(path):
    with open(path, newline='') as f:
        text = f.read()
    rows = []
    for line in text.splitlines():
        name, *labels = line.split(',')
        rows.append((name, [int(x) for x in labels]))
    return text, rows


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp('mini') / 'mini_mmit'
    summary = generate_mini_dataset(out, **TINY)
    return out, summary


def test_defaults():
    params = inspect.signature(generate_mini_dataset).parameters
    assert {
        k: params[k].default
        for k in list(params)[1:]
    } == dict(
        num_train=400,
        num_val=100,
        num_test=100,
        size=64,
        num_frames=32,
        fps=10,
        seed=0,
        overwrite=False,
        show_progress=False)
    assert all(params[k].kind is inspect.Parameter.KEYWORD_ONLY
               for k in list(params)[1:])


def test_class_table():
    assert 10 <= NUM_CLASSES <= 16
    assert [c.index for c in MINI_CLASSES] == list(range(NUM_CLASSES))
    assert len({c.name for c in MINI_CLASSES}) == NUM_CLASSES
    kinds = [c.kind for c in MINI_CLASSES]
    assert set(kinds) == {'appearance', 'motion'}
    for c in MINI_CLASSES:
        # reverse is an involution; appearance is time-symmetric, a motion
        # class maps to the other motion class of its pair
        assert MINI_CLASSES[c.reverse].reverse == c.index
        if c.kind == 'appearance':
            assert c.reverse == c.index
        else:
            assert c.reverse != c.index
            assert MINI_CLASSES[c.reverse].kind == 'motion'
    names = {c.name: c for c in MINI_CLASSES}
    for a, b in [('moving_left', 'moving_right'), ('moving_up', 'moving_down'),
                 ('approaching', 'receding'),
                 ('rotating_clockwise', 'rotating_counterclockwise')]:
        assert names[a].reverse == names[b].index


def test_layout_and_csv_format(tiny):
    out, summary = tiny
    assert summary['out_dir'] == str(out)
    assert summary['video_root'] == str(out / 'videos')
    assert summary['num_classes'] == NUM_CLASSES
    assert summary['num_videos'] == dict(
        training=TINY['num_train'],
        validation=TINY['num_val'],
        testing=TINY['num_test'])
    assert sorted(os.listdir(out)) == sorted(
        ['videos', 'classes.json', 'moments_categories.txt', *CSV.values()])
    for split in SPLITS:
        assert summary['ann_files'][split] == str(out / CSV[split])
        text, rows = read_csv(out / CSV[split])
        assert text.endswith('\n') and '\r' not in text
        assert len(rows) == summary['num_videos'][split]
        pattern = re.compile(rf'^{split}/\d{{6}}\.mp4(,\d+){{1,3}}$')
        assert all(pattern.match(line) for line in text.splitlines())
        names = [name for name, _ in rows]
        assert sorted(os.listdir(out / 'videos' / split)) == sorted(
            osp.basename(n) for n in names)
        counts = np.zeros(NUM_CLASSES, int)
        for _, labels in rows:
            assert 1 <= len(labels) <= 3
            assert labels == sorted(set(labels))
            assert all(0 <= c < NUM_CLASSES for c in labels)
            # never both directions of a motion pair in one clip
            assert not {
                MINI_CLASSES[c].reverse
                for c in labels if MINI_CLASSES[c].kind == 'motion'
            } & set(labels)
            counts[labels] += 1
        # every class appears in every split
        assert counts.min() >= 1
    with open(out / 'moments_categories.txt') as f:
        assert f.read().splitlines() == [c.name for c in MINI_CLASSES]


def test_classes_json(tiny):
    out, _ = tiny
    with open(out / 'classes.json') as f:
        data = json.load(f)
    assert data['classes'] == [
        dict(index=c.index, name=c.name, kind=c.kind, reverse=c.reverse)
        for c in MINI_CLASSES
    ]
    gen = data['generation']
    for key, value in TINY.items():
        assert gen[key] == value
    assert load_mini_classes(out) == data['classes']
    groups = class_indices_by_kind(out / 'classes.json')
    assert groups['motion'] == [
        c.index for c in MINI_CLASSES if c.kind == 'motion'
    ]
    assert groups['appearance'] == [
        c.index for c in MINI_CLASSES if c.kind == 'appearance'
    ]
    assert motion_class_indices(out / 'classes.json') == groups['motion']
    assert motion_class_indices(str(out)) == groups['motion']


@pytest.mark.parametrize('content, match', [
    ('[]', 'no "classes" list'),
    ('{"classes": [{"index": 1, "name": "a", "kind": "motion"}]}',
     'expected index 0'),
    ('{"classes": [{"index": 0, "name": "a", "kind": "colour"}]}',
     "kind 'colour'"),
])
def test_load_mini_classes_rejects_bad_file(tmp_path, content, match):
    path = tmp_path / 'classes.json'
    path.write_text(content)
    with pytest.raises(ValueError, match=match):
        motion_class_indices(path)


def test_decord_reads_videos(tiny):
    decord = pytest.importorskip('decord')
    out, _ = tiny
    red = MINI_CLASSES[0]
    assert red.name == 'red_circle'
    for split in SPLITS:
        _, rows = read_csv(out / CSV[split])
        for name, labels in rows:
            reader = decord.VideoReader(str(out / 'videos' / name))
            assert len(reader) == TINY['num_frames']
            assert reader.get_avg_fps() == pytest.approx(TINY['fps'])
            frames = reader.get_batch(list(range(len(reader)))).asnumpy()
            assert frames.shape == (TINY['num_frames'], TINY['size'],
                                    TINY['size'], 3)
            # colours survive the encoding in RGB order: strongly red pixels
            # exactly in the clips labelled red_circle
            r, g, b = (frames[..., i].astype(int) for i in range(3))
            reddish = ((r > 150) & (g < 100) & (b < 100)).sum(axis=(1, 2))
            assert (reddish.max() >= 4) == (red.index in labels), name


def test_decoded_frames_match_rendering(tmp_path):
    decord = pytest.importorskip('decord')
    scene = sample_scene(
        np.random.default_rng(0), size=64, num_frames=10, num_labels=3)
    frames = render_scene(scene)
    path = str(tmp_path / 'clip.mp4')
    generation.write_mp4v(path, frames, 10)
    decoded = decord.VideoReader(path).get_batch(list(range(10))).asnumpy()
    err = np.abs(decoded.astype(float) - frames.astype(float)).mean()
    assert err < 6, err


def test_deterministic(tmp_path, tiny):
    decord = pytest.importorskip('decord')
    out, _ = tiny
    again = tmp_path / 'again'
    generate_mini_dataset(again, **TINY)
    for name in [*CSV.values(), 'classes.json', 'moments_categories.txt']:
        assert (out / name).read_bytes() == (again / name).read_bytes()
    _, rows = read_csv(out / CSV['validation'])
    for name, _ in rows[:4]:
        a = decord.VideoReader(str(out / 'videos' / name))
        b = decord.VideoReader(str(again / 'videos' / name))
        idx = list(range(TINY['num_frames']))
        np.testing.assert_array_equal(
            a.get_batch(idx).asnumpy(),
            b.get_batch(idx).asnumpy())
    other = tmp_path / 'other'
    generate_mini_dataset(other, **dict(TINY, seed=TINY['seed'] + 1))
    assert (other /
            CSV['training']).read_bytes() != (out /
                                              CSV['training']).read_bytes()


def test_refuses_to_overwrite(tmp_path):
    args = dict(TINY, num_train=2, num_val=1, num_test=1)
    out = tmp_path / 'mini'
    out.mkdir()  # an empty directory is fine
    generate_mini_dataset(out, **args)
    before = (out / CSV['training']).read_bytes()
    with pytest.raises(FileExistsError, match='overwrite'):
        generate_mini_dataset(out, **dict(args, seed=9))
    assert (out / CSV['training']).read_bytes() == before
    (out / 'trainlist.txt').write_text('derived file\n')
    generate_mini_dataset(out, **dict(args, seed=9), overwrite=True)
    assert (out / CSV['training']).read_bytes() != before
    assert not (out / 'trainlist.txt').exists()
    # nothing left beside the output
    assert os.listdir(tmp_path) == ['mini']


def test_overwrite_spares_foreign_directory(tmp_path):
    (tmp_path / 'notes.txt').write_text('keep me\n')
    with pytest.raises(
            ValueError, match=r"unexpected entries \['notes.txt'\]"):
        generate_mini_dataset(tmp_path, **TINY, overwrite=True)
    assert (tmp_path / 'notes.txt').read_text() == 'keep me\n'
    path = tmp_path / 'file'
    path.write_text('')
    with pytest.raises(FileExistsError, match='not a directory'):
        generate_mini_dataset(path, **TINY, overwrite=True)


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(num_train=-1), ValueError, 'num_train must be non-negative, got -1'),
    (dict(num_val=1.5), TypeError, 'num_val must be an int, got 1.5'),
    (dict(size=8), ValueError, 'size must be >= 32, got 8'),
    (dict(size=33), ValueError, 'size must be even'),
    (dict(size=48), ValueError, 'decord 0.6.0 misreads those), got 48'),
    (dict(size=True), TypeError, 'size must be an int, got True'),
    (dict(num_frames=1), ValueError, 'num_frames must be >= 2, got 1'),
    (dict(seed=-2), ValueError, 'seed must be non-negative, got -2'),
    (dict(fps=0), ValueError, 'fps must be positive and finite, got 0'),
    (dict(fps='10'), TypeError, "fps must be a number, got '10'"),
])
def test_bad_arguments(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=re.escape(match)):
        generate_mini_dataset(tmp_path / 'mini', **kwargs)
    assert not (tmp_path / 'mini').exists()


@pytest.mark.parametrize('kwargs, match', [
    (dict(primary=NUM_CLASSES), r'primary must be in \[0, 14\), got 14'),
    (dict(num_labels=4), 'num_labels must be 1, 2 or 3, got 4'),
    (dict(size=16), 'size must be >= 32, got 16'),
])
def test_sample_scene_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sample_scene(np.random.default_rng(0), **kwargs)


def _reference_labels(obj, size):
    """Labels that an object shows, read off its drawn trajectory."""
    shapes = {
        'circle': 'red_circle',
        'square': 'green_square',
        'triangle': 'blue_triangle',
        'cross': 'yellow_cross',
        'ring': 'cyan_ring',
        'star': 'magenta_star',
    }
    index = {c.name: c.index for c in MINI_CLASSES}
    labels = set()
    if obj['shape'] in shapes:
        labels.add(index[shapes[obj['shape']]])
    else:  # neutral objects are grey
        assert len(set(obj['color'])) == 1
    (dx, dy), dr = obj['center'][-1] - obj['center'][0], np.diff(obj['radius'])
    da = np.diff(obj['angle'])
    moves = [
        abs(dx) > 0.3 * size,
        abs(dy) > 0.3 * size,
        np.all(np.abs(dr) > 0),
        np.all(np.abs(da) > 0)
    ]
    assert sum(moves) <= 1
    # whatever moves, moves all the way and monotonically; the rest is still
    for axis, name in ((0, ('moving_right', 'moving_left')),
                       (1, ('moving_down', 'moving_up'))):
        step = np.diff(obj['center'][:, axis])
        if moves[axis]:
            assert np.all(step > 0) or np.all(step < 0)
            labels.add(index[name[0] if step[0] > 0 else name[1]])
        else:
            assert np.all(step == 0)
    if moves[2]:
        assert obj['radius'].max() / obj['radius'].min() > 2
        labels.add(index['approaching' if dr[0] > 0 else 'receding'])
    else:
        assert np.all(dr == 0)
    if moves[3]:
        assert obj['shape'] == 'lollipop'
        assert abs(obj['angle'][-1] - obj['angle'][0]) > 0.7 * np.pi
        # angles grow from +x towards +y (down): clockwise on screen
        labels.add(index['rotating_clockwise' if da[0] >
                         0 else 'rotating_counterclockwise'])
    else:
        assert np.all(da == 0)
    return labels


@pytest.mark.parametrize('size', [32, 64])
def test_scene_labels_match_content(size):
    """No class by accident: labels are exactly what the objects show."""
    rng = np.random.default_rng(1)
    for _ in range(200):
        scene = sample_scene(rng, size=size, num_frames=12)
        shown = set()
        for obj in scene['objects']:
            labels = _reference_labels(obj, size)
            assert labels == set(obj['labels'])
            assert not labels & shown  # no two objects share a label
            shown |= labels
            # inside the frame in every frame
            reach = object_extent(obj, size)
            assert np.all(obj['center'] - reach[:, None] >= 0)
            assert np.all(obj['center'] + reach[:, None] <= size)
        assert shown == set(scene['labels'])
        assert 1 <= len(scene['objects']) <= 3


def test_label_count_distribution():
    rng = np.random.default_rng(2)
    counts = np.bincount([
        len(sample_scene(rng, size=64, num_frames=2)['labels'])
        for _ in range(400)
    ],
                         minlength=4)
    assert counts[0] == 0
    np.testing.assert_allclose(counts[1:] / 400, [0.3, 0.4, 0.3], atol=0.08)


def test_time_reversal_symmetry():
    """Playing a clip backwards gives the clip of the reversed labels."""
    rng = np.random.default_rng(4)
    for _ in range(30):
        scene = sample_scene(rng, size=32, num_frames=8)
        back = reverse_scene(scene)
        assert back['labels'] == sorted(MINI_CLASSES[c].reverse
                                        for c in scene['labels'])
        np.testing.assert_array_equal(
            render_scene(back),
            render_scene(scene)[::-1])
        twice = reverse_scene(back)
        assert twice['labels'] == scene['labels']
        np.testing.assert_array_equal(render_scene(twice), render_scene(scene))


@pytest.mark.parametrize('pair',
                         [('moving_left', 'moving_right'),
                          ('moving_up', 'moving_down'),
                          ('approaching', 'receding'),
                          ('rotating_clockwise', 'rotating_counterclockwise')])
def test_motion_pairs_share_their_frames(pair):
    """The two classes of a motion pair are drawn from the same frames.

    With the same random draws, the clip of one direction is the clip of the
    other played backwards: the same set of frames, so every order-less
    statistic (mean frame, per-pixel histogram over time, the average of any
    per-frame feature as in TSN) is identical and cannot tell them apart.
    """
    index = {c.name: c.index for c in MINI_CLASSES}
    a, b = index[pair[0]], index[pair[1]]
    for seed in range(5):
        for num_labels in (1, 2, 3):
            sa = sample_scene(
                np.random.default_rng(seed),
                size=32,
                num_frames=8,
                primary=a,
                num_labels=num_labels)
            sb = sample_scene(
                np.random.default_rng(seed),
                size=32,
                num_frames=8,
                primary=b,
                num_labels=num_labels)
            fa, fb = render_scene(sa), render_scene(sb)
            if num_labels == 1:
                assert sa['labels'] == [a] and sb['labels'] == [b]
                np.testing.assert_array_equal(fa, fb[::-1])
            # with other objects around, only the primary object is
            # reversed, so the sum of the frames over time is the same
            np.testing.assert_array_equal(
                fa.astype(int).sum(0),
                fb.astype(int).sum(0))


def test_cli(tmp_path, monkeypatch, capsys):
    path = osp.join(
        osp.dirname(__file__), '..', '..', 'tools', 'make_mini_dataset.py')
    spec = importlib.util.spec_from_file_location('make_mini_dataset', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / 'cli'
    monkeypatch.setattr(sys, 'argv', [
        'make_mini_dataset.py', '--out',
        str(out), '--num-train', '3', '--num-val', '2', '--num-test', '1',
        '--size', '32', '--num-frames', '6', '--fps', '5', '--seed', '7'
    ])
    tool.main()
    gen = json.loads((out / 'classes.json').read_text())['generation']
    assert (gen['num_train'], gen['num_val'], gen['num_test'], gen['size'],
            gen['num_frames'], gen['fps'], gen['seed']) == (3, 2, 1, 32, 6, 5,
                                                            7)
    assert str(out) in capsys.readouterr().out
    with pytest.raises(FileExistsError):
        tool.main()
    monkeypatch.setattr(sys, 'argv', sys.argv + ['--overwrite'])
    tool.main()
