import json
import os
import pickle

import mmengine
import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample

from mmt_challenge.ensemble import (ScoreFile, load_score_file, make_meta,
                                    save_score_file)
from mmt_challenge.version import __version__


def _score_file(num_videos=4, num_scales=2, num_classes=3, views=False,
                seed=0, **overrides):
    rng = np.random.default_rng(seed)
    fields = dict(
        video_ids=[f'a/{i}.mp4' for i in range(num_videos)],
        class_names=[f'c{c}' for c in range(num_classes)],
        scales=[128, 160][:num_scales],
        num_clips=2,
        num_crops=3,
        meta=make_meta(config='x.py', checkpoint='x.pth', tool='test'))
    view_scores = rng.random((num_videos, num_scales, 6, num_classes))
    if views:
        fields['view_scores'] = view_scores
    fields['scores'] = view_scores.mean(axis=2)
    fields.update(overrides)
    return ScoreFile(**fields)


def test_round_trip(tmp_path):
    original = _score_file(views=True)
    path = str(tmp_path / 'scores.npz')
    save_score_file(path, original)
    loaded = load_score_file(path)
    np.testing.assert_array_equal(loaded.video_ids, original.video_ids)
    np.testing.assert_array_equal(loaded.class_names, original.class_names)
    np.testing.assert_array_equal(loaded.scores, original.scores)
    np.testing.assert_array_equal(loaded.view_scores, original.view_scores)
    np.testing.assert_array_equal(loaded.scales, [128, 160])
    assert (loaded.num_clips, loaded.num_crops) == (2, 3)
    assert loaded.meta['config'] == 'x.py'
    assert loaded.meta['mmt_challenge'] == __version__
    assert loaded.meta['score_file_version'] == 1
    assert 'created' in loaded.meta


def test_storage_format_needs_no_pickle(tmp_path):
    path = str(tmp_path / 'scores.npz')
    save_score_file(path, _score_file(views=True))
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted([
            'video_ids', 'class_names', 'scores', 'scales', 'num_clips',
            'num_crops', 'meta', 'view_scores'
        ])
        assert archive['video_ids'].dtype.kind == 'U'
        assert archive['class_names'].dtype.kind == 'U'
        assert archive['scores'].dtype == np.float32
        assert archive['scores'].shape == (4, 2, 3)
        assert archive['view_scores'].shape == (4, 2, 6, 3)
        assert archive['scales'].dtype == np.int64
        assert archive['num_clips'].shape == ()
        meta = json.loads(str(archive['meta'][()]))
    assert meta['checkpoint'] == 'x.pth'


def test_save_is_atomic(tmp_path, monkeypatch):
    path = str(tmp_path / 'scores.npz')
    save_score_file(path, _score_file(seed=0))
    before = open(path, 'rb').read()

    def broken_savez(file, **arrays):
        file.write(b'half a file')
        raise OSError('disk full')

    monkeypatch.setattr(np, 'savez', broken_savez)
    with pytest.raises(OSError, match='disk full'):
        save_score_file(path, _score_file(seed=1))
    assert open(path, 'rb').read() == before
    assert os.listdir(tmp_path) == ['scores.npz']


def test_save_does_not_modify_meta(tmp_path):
    score_file = _score_file(meta={'config': 'y.py'})
    save_score_file(str(tmp_path / 's.npz'), score_file)
    assert score_file.meta == {'config': 'y.py'}


@pytest.mark.parametrize('overrides, error, match', [
    (dict(video_ids=['a', 'b', 'a', 'c']), ValueError,
     r"duplicate video id 'a' at rows \[0, 2\]"),
    (dict(video_ids=['a', '', 'b', 'c']), ValueError,
     r'video_ids\[1\] is an empty string'),
    (dict(class_names=['x', 'y', 'x']), ValueError,
     "duplicate class name 'x'"),
    (dict(video_ids=['a', 'b', 'c']), ValueError,
     r'scores must have shape \[N, S, C\] = \[3, S, 3\]'),
    (dict(scales=[128]), ValueError, r'2 scale\(s\) but scales lists 1'),
    (dict(scales=[128, 128]), ValueError, 'scales must be unique'),
    (dict(scales=[128.5, 160]), ValueError, 'scales must be a 1-D list of '
     'integers'),
    (dict(num_clips=0), ValueError, 'num_clips must be a positive integer'),
    (dict(meta={'when': object()}), TypeError, 'JSON-serialisable'),
    (dict(scores=np.ones((4, 2, 3), dtype=np.int64)), TypeError,
     'scores must be floating point'),
    (dict(video_ids=[1, 2, 3, 4]), TypeError, 'video_ids must hold strings'),
])
def test_validation(overrides, error, match):
    with pytest.raises(error, match=match):
        _score_file(**overrides)


def test_non_finite_scores_name_the_video():
    scores = np.full((4, 2, 3), 0.5)
    scores[2, 1, 0] = np.nan
    with pytest.raises(ValueError, match=r"non-finite .* 1 video\(s\): "
                       r"'a/2.mp4'"):
        _score_file(scores=scores)


def test_out_of_range_scores_name_the_video():
    scores = np.full((4, 2, 3), 0.5)
    scores[3, 0, 2] = 2.5
    with pytest.raises(ValueError, match=r"\[0, 1\].*'a/3.mp4'.*logits"):
        _score_file(scores=scores)


def test_view_scores_must_average_to_scores():
    good = _score_file(views=True)
    with pytest.raises(ValueError, match='mean of view_scores'):
        _score_file(views=True, scores=good.scores * 0.5)
    with pytest.raises(ValueError, match=r'V = num_clips \* num_crops'):
        _score_file(num_clips=1, view_scores=good.view_scores,
                    scores=good.scores)


def test_select_scales_and_views():
    score_file = _score_file(views=True)
    np.testing.assert_array_equal(
        score_file.select(scales=[160]), score_file.scores[:, [1]])
    np.testing.assert_allclose(
        score_file.select(scales=[160, 128], views=[0, 5]),
        score_file.view_scores[:, [1, 0]][:, :, [0, 5]].mean(axis=2),
        rtol=1e-6)
    with pytest.raises(ValueError, match=r'scale 224 is not in this score '
                       r'file; it has scales \[128, 160\]'):
        score_file.select(scales=[224])
    with pytest.raises(ValueError, match=r'views must be distinct indices '
                       r'in \[0, 6\)'):
        score_file.select(views=[6])
    with pytest.raises(ValueError, match='no view_scores'):
        _score_file().select(views=[0])


def test_save_and_load_reject_other_suffixes(tmp_path):
    with pytest.raises(ValueError, match='.npz archives'):
        save_score_file(str(tmp_path / 's.npy'), _score_file())
    path = tmp_path / 's.txt'
    path.write_text('x')
    with pytest.raises(ValueError, match='unknown score file type'):
        load_score_file(str(path))


def test_load_names_the_file(tmp_path):
    path = str(tmp_path / 'bad.npz')
    np.savez(path, video_ids=np.array(['a']))
    with pytest.raises(ValueError, match=r'bad.npz: missing key\(s\)'):
        load_score_file(path)


# MMAction2 ``tools/test.py --dump`` pickles ---------------------------------


def _dump(path, probs, gt=None, with_ids=None):
    """What mmengine's DumpResults writes: ActionDataSample.to_dict()."""
    results = []
    for i, p in enumerate(probs):
        sample = ActionDataSample().set_pred_score(torch.tensor(p))
        if gt is not None:
            sample.set_gt_label(torch.tensor(gt[i]))
        if with_ids is not None:
            sample.set_metainfo(dict(video_id=with_ids[i]))
        results.append(sample.to_dict())
    mmengine.dump(results, path)
    return path


def _list(path, ids, labels):
    with open(path, 'w') as f:
        for video_id, label in zip(ids, labels):
            f.write(f'{video_id} {" ".join(map(str, np.flatnonzero(label)))}'
                    '\n')
    return str(path)


@pytest.fixture
def dump_case(tmp_path):
    rng = np.random.default_rng(0)
    ids = [f'v/{i}.mp4' for i in range(6)]
    labels = np.zeros((6, 4), dtype=np.int64)
    labels[np.arange(6), rng.integers(0, 4, 6)] = 1
    labels[0, 3] = labels[0, 3] or 1
    probs = rng.random((6, 4)).astype(np.float32)
    ann = _list(tmp_path / 'val_list.txt', ids, labels)
    return tmp_path, ids, labels, probs, ann


def test_dump_with_annotation_order(dump_case):
    tmp_path, ids, labels, probs, ann = dump_case
    path = _dump(str(tmp_path / 'd.pkl'), probs, labels)
    loaded = load_score_file(path, ann_file=ann, scale=256)
    np.testing.assert_array_equal(loaded.video_ids, ids)
    np.testing.assert_array_equal(loaded.scores[:, 0], probs)
    np.testing.assert_array_equal(loaded.scales, [256])
    assert loaded.class_names.tolist() == ['0', '1', '2', '3']
    assert loaded.meta['tool'] == 'mmaction2 tools/test.py --dump'


def test_dump_keys_match_mmaction():
    sample = ActionDataSample().set_pred_score(torch.ones(3) / 2)
    sample.set_gt_label(torch.tensor([0, 1, 1]))
    assert {'pred_score', 'gt_label'} <= set(sample.to_dict())


def test_dump_in_another_order_is_refused(dump_case):
    tmp_path, ids, labels, probs, ann = dump_case
    order = [1, 0, 2, 3, 4, 5]
    if (labels[0] == labels[1]).all():
        order = [2, 1, 0, 3, 4, 5]
    path = _dump(str(tmp_path / 'd.pkl'), probs[order], labels[order])
    with pytest.raises(ValueError, match='not in the order of that list'):
        load_score_file(path, ann_file=ann)


def test_dump_without_ids_needs_ann_file(dump_case):
    tmp_path, ids, labels, probs, ann = dump_case
    path = _dump(str(tmp_path / 'd.pkl'), probs)
    with pytest.raises(ValueError, match='pass ann_file='):
        load_score_file(path)
    with_ids = _dump(str(tmp_path / 'ids.pkl'), probs, with_ids=ids)
    np.testing.assert_array_equal(load_score_file(with_ids).video_ids, ids)


def test_dump_of_another_list_is_refused(dump_case):
    tmp_path, ids, labels, probs, ann = dump_case
    path = _dump(str(tmp_path / 'd.pkl'), probs[:5], labels[:5])
    with pytest.raises(ValueError, match='has 5 samples but .* lists 6'):
        load_score_file(path, ann_file=ann)


def test_dump_of_logits(dump_case):
    tmp_path, ids, labels, probs, ann = dump_case
    logits = np.log(probs / (1 - probs))
    path = _dump(str(tmp_path / 'd.pkl'), logits, labels)
    with pytest.raises(ValueError, match='logits or softmax'):
        load_score_file(path, ann_file=ann)
    loaded = load_score_file(path, ann_file=ann, sigmoid=True)
    np.testing.assert_allclose(loaded.scores[:, 0], probs, rtol=1e-5)


def test_dump_class_names_from_label_map(dump_case):
    tmp_path, ids, labels, probs, ann = dump_case
    path = _dump(str(tmp_path / 'd.pkl'), probs, labels)
    label_map = tmp_path / 'labels.txt'
    label_map.write_text('run\njump\nswim\nfly\n')
    loaded = load_score_file(path, ann_file=ann, class_names=str(label_map))
    assert loaded.class_names.tolist() == ['run', 'jump', 'swim', 'fly']


def test_dump_that_is_not_a_list(tmp_path):
    path = str(tmp_path / 'd.pkl')
    with open(path, 'wb') as f:
        pickle.dump({'pred_score': 1}, f)
    with pytest.raises(ValueError, match='list of per-sample results'):
        load_score_file(path)
