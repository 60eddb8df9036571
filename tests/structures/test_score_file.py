import json
import os
import pickle

import numpy as np
import pytest

from mmt_challenge.structures import (ScoreFile, import_mmaction_dump,
                                      load_score_file, make_meta,
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
    with pytest.raises(ValueError, match='score files are .npz archives'):
        load_score_file(str(path))


def test_load_never_unpickles_a_dump(tmp_path):
    path = tmp_path / 'scores.pkl'
    with open(path, 'wb') as f:
        pickle.dump([{'pred_score': np.zeros(3)}], f)
    with pytest.raises(ValueError, match='import_mmaction_dump'):
        load_score_file(str(path))


def test_import_mmaction_dump_needs_a_pickle_suffix(tmp_path):
    path = tmp_path / 'scores.npz'
    path.write_bytes(b'x')
    with pytest.raises(ValueError, match='ends with .pkl'):
        import_mmaction_dump(str(path))


def test_load_names_the_file(tmp_path):
    path = str(tmp_path / 'bad.npz')
    np.savez(path, video_ids=np.array(['a']))
    with pytest.raises(ValueError, match=r'bad.npz: missing key\(s\)'):
        load_score_file(path)
