"""The dense test loop against MMAction2's own test path, view by view."""
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
from mmaction.registry import TRANSFORMS
from mmengine.dataset import Compose, pseudo_collate

from mmt_challenge.testing import (DenseTester, DenseTestProtocol,
                                   DenseTestVideos)

# float32 scores equal to MMAction2's: the forward passes run on a copy with
# BatchNorms folded (the conftest's models have random BN statistics) in
# other batches, which changes the float rounding, not the function
ATOL = 1e-5


def mmaction_scores(model, root, video_ids, pipeline):
    """``[N, C]`` what MMAction2's pipeline and ``test_step`` give (sigmoid
    probabilities averaged over the views, ``average_clips='sigmoid'``)."""
    compose = Compose([TRANSFORMS.build(t) for t in pipeline])
    scores = []
    for video_id in video_ids:
        data = compose(
            dict(
                filename=osp.join(root, video_id),
                start_index=0,
                modality='RGB'))
        with torch.no_grad():
            (sample, ) = model.test_step(pseudo_collate([data]))
        scores.append(sample.pred_score.numpy())
    return np.stack(scores)


def dense_scores(model, protocol, videos, **options):
    """DenseTester's result on the tiny videos."""
    options.setdefault('show_progress', False)
    return DenseTester(model, protocol, **options).test(
        videos['ids'], videos['root'])


def segment_pipeline(num_clips, scale, crop):
    return [
        dict(type='DecordInit'),
        dict(
            type='DenseSegmentSampleFrames',
            num_segments=8,
            num_clips=num_clips),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, scale)), crop,
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='PackActionInputs')
    ]


def test_three_clips_three_crops_match_mmaction(tsm_model, tiny_videos):
    protocol = DenseTestProtocol(
        'segments',
        8,
        num_clips=3,
        num_crops=3,
        scales=(32, ),
        base_scale=32,
        base_crop=32)
    result = dense_scores(tsm_model, protocol, tiny_videos)
    expected = mmaction_scores(
        tsm_model, tiny_videos['root'], tiny_videos['ids'],
        segment_pipeline(3, 32, dict(type='ThreeCrop', crop_size=32)))
    assert result.video_ids == tiny_videos['ids']
    assert result.scores.shape == (5, 1, 14)
    np.testing.assert_allclose(result.scores[:, 0], expected, atol=ATOL)
    assert not result.unreadable


def test_every_scale_matches_its_own_mmaction_run(tsm_model, tiny_videos):
    # crops 24 at scale 28 (ratio 6/7): 27 at scale 32
    protocol = DenseTestProtocol(
        'segments',
        8,
        num_clips=3,
        scales=(28, 32),
        base_scale=28,
        base_crop=24)
    result = dense_scores(tsm_model, protocol, tiny_videos, batch_views=4)
    for i, (scale, crop) in enumerate([(28, 24), (32, 27)]):
        expected = mmaction_scores(
            tsm_model, tiny_videos['root'], tiny_videos['ids'],
            segment_pipeline(3, scale, dict(type='CenterCrop',
                                            crop_size=crop)))
        np.testing.assert_allclose(result.scores[:, i], expected, atol=ATOL)


def test_3d_clips_match_mmaction(i3d_model, i3d_cfg, tiny_videos):
    protocol = DenseTestProtocol.from_config(i3d_cfg)
    assert (protocol.sampling, protocol.num_clips) == ('clips', 3)
    result = dense_scores(i3d_model, protocol, tiny_videos)
    expected = mmaction_scores(i3d_model, tiny_videos['root'],
                               tiny_videos['ids'],
                               i3d_cfg.test_dataloader.dataset.pipeline)
    np.testing.assert_allclose(result.scores[:, 0], expected, atol=ATOL)


@pytest.fixture(scope='module')
def dense_run(tsm_model, tiny_videos):
    protocol = DenseTestProtocol(
        'segments',
        8,
        num_clips=4,
        num_crops=3,
        scales=(28, 32),
        base_scale=32,
        base_crop=28)
    result = dense_scores(tsm_model, protocol, tiny_videos, keep_views=True)
    return protocol, result


def test_kept_views_average_to_the_scores(dense_run):
    protocol, result = dense_run
    assert result.view_scores.shape == (5, 2, 12, 14)
    np.testing.assert_allclose(
        result.view_scores.mean(axis=2), result.scores, atol=ATOL)


def test_middle_clip_centre_crop_view_is_the_single_view_test(
        dense_run, tsm_model, tiny_videos):
    protocol, result = dense_run
    single = DenseTestProtocol(
        'segments', 8, scales=(28, 32), base_scale=32, base_crop=28)
    alone = dense_scores(tsm_model, single, tiny_videos)
    middle_clip, centre_crop = protocol.num_clips // 2, 1
    view = middle_clip * protocol.num_crops + centre_crop
    np.testing.assert_allclose(
        result.view_scores[:, :, view], alone.scores, atol=ATOL)


@pytest.mark.parametrize('options', [
    dict(deduplicate=False),
    dict(batch_views=1),
    dict(batch_views=7),
    dict(num_workers=1),
    dict(optimize=False),
])
def test_options_do_not_change_the_scores(dense_run, tsm_model, tiny_videos,
                                          options):
    protocol, expected = dense_run
    result = dense_scores(
        tsm_model, protocol, tiny_videos, keep_views=True, **options)
    assert result.video_ids == expected.video_ids
    np.testing.assert_allclose(result.scores, expected.scores, atol=ATOL)
    np.testing.assert_allclose(
        result.view_scores, expected.view_scores, atol=ATOL)


def test_deduplication_scores_each_distinct_clip_once(tiny_videos):
    # 16 frames, 8 segments of 2 frames: 4 clips have 2 distinct offsets
    protocol = DenseTestProtocol('segments', 8, num_clips=4)
    videos = DenseTestVideos(tiny_videos['ids'], tiny_videos['root'], protocol)
    for i, num_frames in enumerate([16, 16, 12, 5, 16]):
        clips = {tuple(c) for c in protocol.frame_indices(num_frames)}
        assert len(videos[i].clips) == len(clips)
        assert videos[i].num_frames == num_frames
    assert len(videos[0].clips) == 2
    undeduplicated = DenseTestVideos(
        tiny_videos['ids'], tiny_videos['root'], protocol, deduplicate=False)
    assert len(undeduplicated[0].clips) == 4


def test_unreadable_videos_are_reported_and_get_no_row(dense_run, tsm_model,
                                                       tiny_videos, tmp_path,
                                                       monkeypatch):
    protocol, clean = dense_run
    logged = []
    monkeypatch.setattr('mmt_challenge.testing.dense_tester.print_log',
                        lambda msg, **kwargs: logged.append(msg))
    root = tmp_path / 'videos'
    shutil.copytree(tiny_videos['root'], root)
    (root / 'val' / 'broken.mp4').write_bytes(b'\x00not a video\x00' * 64)
    ids = [
        'val/broken.mp4', *tiny_videos['ids'][:2], 'val/missing.mp4',
        *tiny_videos['ids'][2:]
    ]
    result = DenseTester(
        tsm_model, protocol, show_progress=False).test(ids, str(root))
    assert result.video_ids == tiny_videos['ids']
    assert sorted(result.unreadable) == ['val/broken.mp4', 'val/missing.mp4']
    assert all(result.unreadable.values())
    np.testing.assert_allclose(result.scores, clean.scores, atol=ATOL)
    assert 'No such file' in result.unreadable['val/missing.mp4']
    assert len(logged) == 2
    assert logged[0].startswith('Skipping unreadable video val/broken.mp4 (')


def test_progress_bar_shows_videos_per_second(tsm_model, tiny_videos, capsys):
    protocol = DenseTestProtocol(
        'segments', 8, scales=(28, ), base_scale=28, base_crop=24)
    DenseTester(tsm_model, protocol).test(tiny_videos['ids'][:2],
                                          tiny_videos['root'])
    out = capsys.readouterr().out
    assert '2/2' in out and 'videos/s' in out


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(batch_views=0), ValueError, 'batch_views must be positive'),
    (dict(num_workers=-1), ValueError, 'num_workers must be non-negative'),
    (dict(num_workers=1.0), TypeError, 'num_workers must be an int'),
    (dict(amp='fp16'), ValueError, 'fp16 needs a CUDA device'),
    (dict(amp='half'), ValueError, 'amp must be one of'),
])
def test_bad_options_raise(tsm_model, kwargs, error, match):
    protocol = DenseTestProtocol('segments', 8)
    with pytest.raises(error, match=match):
        DenseTester(tsm_model, protocol, **kwargs)


def test_a_model_that_is_not_a_recognizer_raises():
    with pytest.raises(TypeError, match='MMAction2 recognizer'):
        DenseTester(torch.nn.Linear(2, 2), DenseTestProtocol('segments', 8))


def test_duplicate_video_ids_raise(tsm_model, tiny_videos):
    tester = DenseTester(tsm_model, DenseTestProtocol('segments', 8))
    with pytest.raises(ValueError, match='duplicates'):
        tester.test(['val/a.mp4', 'val/a.mp4'], tiny_videos['root'])


def test_cpu_batches_hold_about_one_full_size_clip(tsm_model):
    def batch(base_crop, scale, **options):
        protocol = DenseTestProtocol(
            'segments',
            8,
            num_clips=10,
            num_crops=3,
            scales=(scale, ),
            base_scale=256,
            base_crop=base_crop)
        return DenseTester(
            tsm_model, protocol, optimize=False,
            **options).views_per_batch(scale)

    assert DenseTester.CPU_BATCH_PIXELS == 8 * 256 * 256
    assert DenseTester.LARGE_CROP == 112
    assert batch(256, 256) == 1  # one 8 x 256 x 256 view
    assert batch(256, 288) == 1  # never fewer than one
    assert batch(128, 256) == 4  # (256 / 128) ** 2 views of 8 x 128 x 128
    assert batch(64, 256) == 30  # small crops: the views of a video
    assert batch(256, 256, batch_views=4) == 4


def test_bf16_autocast_on_cpu_gives_close_but_not_equal_scores(
        dense_run, tsm_model, tiny_videos):
    protocol, expected = dense_run
    result = dense_scores(tsm_model, protocol, tiny_videos, amp='bf16')
    difference = np.abs(result.scores - expected.scores).max()
    assert 0 < difference < 0.05


@pytest.mark.parametrize('base_crop, channels_last', [(112, True),
                                                      (96, False)])
def test_channels_last_only_for_large_crops(tsm_model, base_crop,
                                            channels_last):
    protocol = DenseTestProtocol(
        'segments', 8, scales=(256, 288), base_scale=256, base_crop=base_crop)
    model = DenseTester(tsm_model, protocol).model
    assert model is not tsm_model
    weight = model.backbone.conv1.conv.weight
    assert weight.is_contiguous(
        memory_format=torch.channels_last) == channels_last
    assert DenseTester(tsm_model, protocol, optimize=False).model is tsm_model
