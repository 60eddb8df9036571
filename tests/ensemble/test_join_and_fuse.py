"""Members are joined on video id: fusion against a pandas join reference."""
import numpy as np
import pandas as pd
import pytest

from mmt_challenge.ensemble import load_recipe, run_ensemble
from mmt_challenge.structures import (ScoreFile, load_score_file,
                                      save_score_file)


def _recipe(paths, fusion='mean', weights=None, scales=None, **extra):
    members = []
    for m, path in enumerate(paths):
        member = dict(name=f'm{m}', score_file=path)
        if weights is not None:
            member['weight'] = weights[m]
        if scales is not None:
            member['scales'] = scales[m]
        members.append(member)
    return load_recipe(dict(members=members, fusion=dict(type=fusion),
                            **extra))


def _reference(paths, weights, scales, transform, inverse, order):
    """pandas join on video id, then a numpy weighted mean."""
    frames = []
    for m, path in enumerate(paths):
        with np.load(path) as f:
            ids, scores, all_scales = f['video_ids'], f['scores'], f['scales']
        picked = [list(all_scales).index(s) for s in scales[m]]
        member = np.mean([transform(scores[:, s].astype(np.float64))
                          for s in picked], axis=0)
        frames.append(pd.DataFrame(member, index=ids).add_prefix(f'm{m}_'))
    joined = frames[0].join(frames[1:], how='inner').loc[order]
    stacked = joined.to_numpy().reshape(len(order), len(paths), -1)
    w = np.asarray(weights, dtype=np.float64) / np.sum(weights)
    return inverse(np.einsum('m,nmc->nc', w, stacked))


def _identity(x):
    return x


def _logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p) - np.log1p(-p)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize('fusion, weights, transform, inverse', [
    ('mean', [1, 1, 1], _identity, _identity),
    ('weighted_mean', [0.5, 2.0, 1.0], _identity, _identity),
    ('logit_mean', [1.0, 0.0, 3.0], _logit, _sigmoid),
])
def test_fusion_matches_pandas_join(member_files, fusion, weights, transform,
                                    inverse):
    paths, list_file, video_ids, labels = member_files(
        num_members=3, num_videos=40, num_classes=6, scales=(128, 144, 160))
    scales = [[128, 160], [144], [128, 144, 160]]
    result = run_ensemble(
        _recipe(paths, fusion, weights, scales), ann_file=list_file,
        progress=False)
    reference = _reference(paths, weights, scales, transform, inverse,
                           video_ids)
    assert result.fused.video_ids.tolist() == video_ids
    np.testing.assert_allclose(result.fused.scores[:, 0], reference,
                               rtol=1e-5, atol=1e-7)


def test_order_without_annotation_is_the_first_members(member_files):
    paths, _, video_ids, _ = member_files(num_members=2)
    result = run_ensemble(_recipe(paths), progress=False)
    first = load_score_file(paths[0])
    np.testing.assert_array_equal(result.fused.video_ids, first.video_ids)
    reference = _reference(paths, [1, 1], [[224, 256], [224, 256]],
                           _identity, _identity, first.video_ids)
    np.testing.assert_allclose(result.fused.scores[:, 0], reference,
                               rtol=1e-5)
    assert result.table is None


def test_fused_file_round_trips(member_files, tmp_path):
    paths, list_file, _, _ = member_files(num_members=2)
    result = run_ensemble(_recipe(paths, 'weighted_mean', [1, 3]),
                          ann_file=list_file, progress=False)
    out = str(tmp_path / 'fused.npz')
    save_score_file(out, result.fused)
    fused = load_score_file(out)
    assert fused.scales.tolist() == [0]
    assert fused.meta['weights'] == {'m0': 0.25, 'm1': 0.75}
    assert fused.meta['tool'] == 'tools/ensemble.py'
    np.testing.assert_array_equal(fused.scores, result.fused.scores)


def _rewrite(path, **changes):
    score_file = load_score_file(path)
    fields = dict(video_ids=score_file.video_ids,
                  class_names=score_file.class_names,
                  scores=score_file.scores, scales=score_file.scales)
    fields.update(changes)
    save_score_file(path, ScoreFile(**fields))
    return fields


def test_missing_video_names_member_and_video(member_files):
    paths, list_file, _, _ = member_files(num_members=3)
    score_file = load_score_file(paths[1])
    keep = score_file.video_ids != 'videos/007.mp4'
    _rewrite(paths[1], video_ids=score_file.video_ids[keep],
             scores=score_file.scores[keep])
    with pytest.raises(ValueError, match=r"member 'm1' has no scores for 1 "
                       r"video\(s\) of .*val_list.txt: 'videos/007.mp4'"):
        run_ensemble(_recipe(paths), ann_file=list_file, progress=False)


def test_missing_video_without_annotation(member_files):
    paths, _, _, _ = member_files(num_members=2)
    score_file = load_score_file(paths[0])
    _rewrite(paths[0], video_ids=score_file.video_ids[1:],
             scores=score_file.scores[1:])
    first = score_file.video_ids[0]
    with pytest.raises(ValueError, match=r"member 'm1' has 1 video\(s\) that "
                       rf"are not in member 'm0' .*'{first}'"):
        run_ensemble(_recipe(paths), progress=False)


def test_extra_video_names_member_and_video(member_files):
    paths, list_file, _, _ = member_files(num_members=2)
    score_file = load_score_file(paths[0])
    _rewrite(paths[0],
             video_ids=np.append(score_file.video_ids, 'other/x.mp4'),
             scores=np.concatenate([score_file.scores,
                                    score_file.scores[:1]]))
    with pytest.raises(ValueError, match=r"member 'm0' has 1 video\(s\) that "
                       r"are not in .*val_list.txt: 'other/x.mp4'"):
        run_ensemble(_recipe(paths), ann_file=list_file, progress=False)


def test_duplicate_video_names_member_and_video(member_files, tmp_path):
    paths, list_file, _, _ = member_files(num_members=2)
    with np.load(paths[1]) as f:
        arrays = dict(f)
    arrays['video_ids'][3] = arrays['video_ids'][5]
    np.savez(paths[1], **arrays)
    duplicate = arrays['video_ids'][5]
    with pytest.raises(ValueError, match=rf"member 'm1': .*member1_val.npz: "
                       rf"duplicate video id '{duplicate}'"):
        run_ensemble(_recipe(paths), ann_file=list_file, progress=False)


def test_non_finite_scores_name_member_and_video(member_files):
    paths, list_file, _, _ = member_files(num_members=2)
    with np.load(paths[0]) as f:
        arrays = dict(f)
    arrays['scores'][4, 1, 2] = np.inf
    np.savez(paths[0], **arrays)
    video = arrays['video_ids'][4]
    with pytest.raises(ValueError, match=rf"member 'm0': .*non-finite.*"
                       rf"'{video}'"):
        run_ensemble(_recipe(paths), ann_file=list_file, progress=False)


def test_different_class_counts(member_files):
    paths, list_file, _, _ = member_files(num_members=2, num_classes=8)
    score_file = load_score_file(paths[1])
    _rewrite(paths[1], class_names=score_file.class_names[:7],
             scores=score_file.scores[:, :, :7])
    with pytest.raises(ValueError, match="member 'm1' has 7 classes but "
                       "member 'm0' has 8"):
        run_ensemble(_recipe(paths), ann_file=list_file, progress=False)


def test_different_class_names(member_files):
    paths, list_file, _, _ = member_files(num_members=2, num_classes=8)
    names = load_score_file(paths[1]).class_names.copy()
    names[[2, 3]] = names[[3, 2]]
    _rewrite(paths[1], class_names=names)
    with pytest.raises(ValueError, match="member 'm1' names class 2 "
                       "'class_3' but member 'm0' names it 'class_2'"):
        run_ensemble(_recipe(paths), ann_file=list_file, progress=False)


def test_missing_scale_names_member(member_files):
    paths, list_file, _, _ = member_files(num_members=2)
    with pytest.raises(ValueError, match="member 'm1': scale 320 is not in"):
        run_ensemble(_recipe(paths, scales=[[224], [320]]),
                     ann_file=list_file, progress=False)


def test_label_out_of_member_classes(member_files, helpers, tmp_path):
    paths, _, video_ids, labels = member_files(num_members=1, num_classes=4)
    wide = np.zeros((len(video_ids), 9), dtype=np.uint8)
    wide[:, :4] = labels
    wide[2, 8] = 1
    list_file = helpers.list_file(tmp_path / 'wide.txt', video_ids, wide)
    with pytest.raises(ValueError, match=r"line 3: video 'videos/002.mp4' has"
                       r" label 8 but member 'm0' has 4 classes"):
        run_ensemble(_recipe(paths), ann_file=list_file, progress=False)


def test_unknown_score_file_names_member(member_files, tmp_path):
    paths, list_file, _, _ = member_files(num_members=1)
    with pytest.raises(FileNotFoundError, match="member 'm1': score file "
                       'not found'):
        run_ensemble(_recipe([paths[0], str(tmp_path / 'nope.npz')]),
                     ann_file=list_file, progress=False)


def test_split_placeholder(member_files):
    paths, list_file, _, _ = member_files(num_members=2)
    templates = [p[:-len('val.npz')] + '{split}.npz' for p in paths]
    result = run_ensemble(_recipe(templates), split='val',
                          ann_file=list_file, progress=False)
    assert result.fused.meta['members'][0]['score_file'] == paths[0]


def test_views_select_from_view_scores(member_files, tmp_path):
    paths, list_file, video_ids, _ = member_files(num_members=1)
    rng = np.random.default_rng(5)
    base = load_score_file(paths[0])
    view_scores = rng.random((base.num_videos, 2, 6, base.num_classes))
    path = str(tmp_path / 'views.npz')
    save_score_file(path, ScoreFile(
        video_ids=base.video_ids, class_names=base.class_names,
        scores=view_scores.mean(axis=2), scales=base.scales, num_clips=2,
        num_crops=3, view_scores=view_scores))
    recipe = load_recipe(dict(members=[
        dict(name='center', score_file=path, scales=[256], views=[1, 4])
    ]))
    result = run_ensemble(recipe, ann_file=list_file, progress=False)
    frame = pd.DataFrame(view_scores[:, 1, [1, 4]].mean(axis=1),
                         index=base.video_ids).loc[video_ids]
    np.testing.assert_allclose(result.fused.scores[:, 0], frame.to_numpy(),
                               rtol=1e-6)


@pytest.mark.parametrize('fusion', ['rank_mean', 'logit_mean'])
def test_every_rule_runs_with_search(member_files, fusion):
    paths, list_file, _, _ = member_files(num_members=3, num_videos=30)
    recipe = _recipe(paths, fusion,
                     search=dict(method='nelder_mead', folds=3),
                     bootstrap=dict(num_samples=50))
    result = run_ensemble(recipe, ann_file=list_file, progress=False)
    assert set(result.table['kind']) == {'scale', 'member', 'ensemble',
                                         'ensemble k-fold'}
    assert sum(result.weights.values()) == pytest.approx(1)
    assert 0 <= result.fused.scores.min() <= result.fused.scores.max() <= 1


def test_detail_off_scores_the_fused_result_only(member_files):
    paths, list_file, _, _ = member_files(num_members=2)
    result = run_ensemble(_recipe(paths), ann_file=list_file, detail=False,
                          progress=False)
    assert result.table['kind'].tolist() == ['ensemble']
    assert result.ci is None and result.per_class is None
