"""The dense segment clips as an MMAction2 transform."""
import numpy as np
import pytest
from mmaction.datasets.transforms import SampleFrames
from mmaction.registry import TRANSFORMS

from mmt_challenge.testing import (DenseSegmentSampleFrames,
                                   segment_frame_indices)


def sample(transform, num_frames):
    return transform(dict(total_frames=num_frames, start_index=0))


@pytest.mark.parametrize('num_frames', [8, 31, 90])
def test_one_clip_is_sample_frames_test_mode(num_frames):
    ours = sample(DenseSegmentSampleFrames(8), num_frames)
    theirs = sample(
        SampleFrames(clip_len=1, num_clips=8, test_mode=True), num_frames)
    np.testing.assert_array_equal(ours['frame_inds'], theirs['frame_inds'])
    assert ours['clip_len'] == 1 and ours['num_clips'] == 8


@pytest.mark.parametrize('make', [
    DenseSegmentSampleFrames, lambda num_segments, num_clips: TRANSFORMS.build(
        dict(type='DenseSegmentSampleFrames', num_segments=num_segments,
             num_clips=num_clips))
], ids=['class', 'registry'])
def test_clips_follow_each_other(make):
    transform = make(8, num_clips=10)
    assert 'num_clips=10' in repr(transform)
    results = sample(transform, 90)
    np.testing.assert_array_equal(results['frame_inds'],
                                  segment_frame_indices(90, 8, 10).ravel())
    assert results['frame_inds'].dtype == np.int32
    assert results['num_clips'] == 80


def test_start_index_is_added():
    results = DenseSegmentSampleFrames(4)(dict(total_frames=8, start_index=1))
    np.testing.assert_array_equal(results['frame_inds'], [2, 4, 6, 8])


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(num_segments=0), ValueError, 'num_segments must be positive'),
    (dict(num_segments=8, num_clips=True), TypeError,
     'num_clips must be an int, got True'),
])
def test_bad_arguments_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        DenseSegmentSampleFrames(**kwargs)
