"""Clip placement, resizing and crops against MMAction2's own transforms."""
from fractions import Fraction

import numpy as np
import pytest
from mmaction.datasets.transforms import (CenterCrop, Resize, SampleFrames,
                                          ThreeCrop)

from mmt_challenge.testing import (clip_frame_indices, crop_offsets,
                                   resize_frames, resized_shape,
                                   segment_frame_indices, unique_clips)


def mmaction_indices(num_frames, **kwargs):
    results = SampleFrames(
        test_mode=True, **kwargs)(
            dict(total_frames=num_frames, start_index=0))
    return results['frame_inds'].reshape(-1, kwargs['clip_len'])


@pytest.mark.parametrize('num_frames', [5, 8, 16, 30, 31, 90, 301])
@pytest.mark.parametrize('num_segments', [3, 5, 8, 16])
def test_one_segment_clip_is_mmaction_test_sampling(num_frames, num_segments):
    expected = mmaction_indices(
        num_frames, clip_len=1, num_clips=num_segments).reshape(1, -1)
    np.testing.assert_array_equal(
        segment_frame_indices(num_frames, num_segments, 1), expected)


@pytest.mark.parametrize('num_frames', [8, 30, 31, 90])
@pytest.mark.parametrize('num_segments', [3, 8])
def test_two_segment_clips_are_mmaction_twice_sample(num_frames, num_segments):
    # MMAction2 lists the middle clip first, then the shifted one.
    middle, start = mmaction_indices(
        num_frames, clip_len=1, num_clips=num_segments,
        twice_sample=True).reshape(2, -1)
    np.testing.assert_array_equal(
        segment_frame_indices(num_frames, num_segments, 2),
        np.stack([start, middle]))


@pytest.mark.parametrize('num_frames,num_segments,num_clips', [(90, 8, 10),
                                                               (75, 5, 10),
                                                               (33, 16, 10),
                                                               (64, 8, 7),
                                                               (17, 3, 4)])
def test_segment_clips_follow_the_offset_formula(num_frames, num_segments,
                                                 num_clips):
    got = segment_frame_indices(num_frames, num_segments, num_clips)
    assert got.shape == (num_clips, num_segments)
    length = Fraction(num_frames, num_segments)
    for j in range(num_clips):
        i = j - num_clips // 2
        assert -num_clips / 2 <= i < num_clips / 2
        for k in range(num_segments):
            position = (k + Fraction(1, 2) + Fraction(i, num_clips)) * length
            assert got[j, k] == int(position)  # floor of an exact fraction
            # every clip samples the frame covering a point of segment k
            assert int(k * length) <= got[j, k] < (k + 1) * length
    # offsets spread over the segment, in increasing order
    assert (np.diff(got, axis=0) >= 0).all()


@pytest.mark.parametrize('num_frames', [3, 20, 64, 100, 301])
@pytest.mark.parametrize('clip_len,frame_interval', [(4, 2), (8, 8), (32, 2),
                                                     (16, 1)])
@pytest.mark.parametrize('num_clips', [1, 3, 10])
def test_dense_clips_are_mmaction_test_sampling(num_frames, clip_len,
                                                frame_interval, num_clips):
    expected = mmaction_indices(
        num_frames,
        clip_len=clip_len,
        frame_interval=frame_interval,
        num_clips=num_clips)
    np.testing.assert_array_equal(
        clip_frame_indices(num_frames, clip_len, frame_interval, num_clips),
        expected)


def test_unique_clips_rebuild_the_clips_in_first_appearance_order():
    indices = np.array([[3, 4], [0, 1], [3, 4], [5, 6], [0, 1]])
    clips, clip_of = unique_clips(indices)
    np.testing.assert_array_equal(clips, [[3, 4], [0, 1], [5, 6]])
    np.testing.assert_array_equal(clip_of, [0, 1, 0, 2, 1])
    np.testing.assert_array_equal(clips[clip_of], indices)


def test_short_videos_repeat_segment_clips():
    # 32 frames, 8 segments of 4 frames: 10 clips have 4 distinct offsets
    clips, _ = unique_clips(segment_frame_indices(32, 8, 10))
    assert len(clips) == 4


@pytest.mark.parametrize('height,width,short', [(32, 40, 28), (240, 320, 256),
                                                (360, 202, 144), (64, 64, 56),
                                                (64, 64, 64)])
def test_resize_is_mmaction_resize(height, width, short):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (3, height, width, 3), dtype=np.uint8)
    results = Resize(scale=(-1, short))(
        dict(imgs=list(frames), img_shape=(height, width)))
    expected = np.stack(results['imgs'])
    assert resized_shape(height, width, short) == expected.shape[1:3]
    np.testing.assert_array_equal(resize_frames(frames, short), expected)


def _crops(frames, corners, crop_w, crop_h):
    return [
        frames[:, top:top + crop_h, left:left + crop_w]
        for top, left in corners
    ]


@pytest.mark.parametrize('height,width,crop', [(32, 40, 28), (56, 56, 48),
                                               (48, 73, 41), (73, 48, 41)])
def test_center_crop_is_mmaction_center_crop(height, width, crop):
    frames = np.random.default_rng(1).integers(
        0, 256, (2, height, width, 3), dtype=np.uint8)
    expected = np.stack(
        CenterCrop(crop)(dict(imgs=list(frames),
                              img_shape=(height, width)))['imgs'])
    (got, ) = _crops(frames, crop_offsets(height, width, crop, 1), crop, crop)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize('height,width', [(32, 40), (32, 41), (45, 32),
                                          (32, 32)])
def test_three_crops_of_the_short_side_are_mmaction_three_crop(height, width):
    frames = np.random.default_rng(2).integers(
        0, 256, (2, height, width, 3), dtype=np.uint8)
    crop = min(height, width)
    imgs = ThreeCrop(crop)(dict(imgs=list(frames),
                                img_shape=(height, width)))['imgs']
    left, right, middle = np.split(np.stack(imgs), 3)  # ThreeCrop's order
    got = _crops(frames, crop_offsets(height, width, crop, 3), crop, crop)
    for ours, theirs in zip(got, [left, middle, right]):
        np.testing.assert_array_equal(ours, theirs)


def test_three_smaller_crops_lie_along_the_long_side_centred_across():
    assert crop_offsets(56, 80, 48, 3) == [(4, 0), (4, 16), (4, 32)]
    assert crop_offsets(80, 56, 48, 3) == [(0, 4), (16, 4), (32, 4)]
    assert crop_offsets(56, 56, 48, 3) == [(4, 0), (4, 4), (4, 8)]
    assert crop_offsets(56, 80, (40, 48), 1) == [(4, 20)]


@pytest.mark.parametrize('call,match', [
    (lambda: segment_frame_indices(0, 8, 1), 'num_frames'),
    (lambda: segment_frame_indices(10, 8, 0), 'num_clips'),
    (lambda: clip_frame_indices(10, 4, 0, 1), 'frame_interval'),
    (lambda: crop_offsets(32, 32, 28, 2), 'num_crops must be 1 or 3'),
    (lambda: crop_offsets(32, 40, 33, 1), 'does not fit'),
    (lambda: resize_frames(np.zeros((4, 4, 3), np.uint8), 8), r'\[F, H, W'),
])
def test_bad_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()
