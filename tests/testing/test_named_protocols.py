"""Named dense protocols: seed 002's fixed clips and the 2019 report's
random clips (seeded, reproducible)."""
import inspect
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

from mmt_challenge.testing import DenseTestProtocol, DenseTestVideos
from mmt_challenge.testing.protocol import NAMED_PROTOCOLS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TSM = 'configs/tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py'
SLOWFAST = 'configs/slowfast/slowfast_r101_32xb32-8x8x1-180k_mmit-rgb.py'


def _protocol(config: str, **dense_test_cfg) -> DenseTestProtocol:
    cfg = Config.fromfile(osp.join(ROOT, config))
    if dense_test_cfg:
        cfg.dense_test_cfg = dense_test_cfg
    return DenseTestProtocol.from_config(cfg)


def test_new_defaults_match_the_docstring():
    params = inspect.signature(DenseTestProtocol).parameters
    assert params['clip_sampling'].default == 'fixed'
    assert params['seed'].default == 0


def test_image_members_default_to_ten_fixed_clips():
    protocol = _protocol(TSM)
    assert protocol.clip_sampling == 'fixed'
    assert (protocol.num_clips, protocol.num_crops) == (10, 3)
    assert protocol.scales == (224, 256, 288)
    # fixed clips need no video id and do not depend on it
    assert np.array_equal(protocol.frame_indices(90),
                          protocol.frame_indices(90, video_id='a.mp4'))


def test_the_reports_protocol_is_five_random_clips_of_three_256_crops():
    protocol = _protocol(TSM, protocol='mmit2019-2d')
    assert protocol.clip_sampling == 'random'
    assert (protocol.num_clips, protocol.num_crops) == (5, 3)
    assert protocol.scales == (256, )
    assert protocol.crop_size(256) == (256, 256)  # the whole short side
    assert protocol.frame_indices(90, video_id='a.mp4').shape == (5, 8)
    # the config's other keys override the named values
    assert _protocol(TSM, protocol='mmit2019-2d', seed=3).seed == 3


def test_random_clips_are_reproducible_and_seeded_per_video():
    protocol = _protocol(TSM, protocol='mmit2019-2d')
    again = _protocol(TSM, protocol='mmit2019-2d')
    ids = [f'video_{i}.mp4' for i in range(20)]
    first = [protocol.frame_indices(90, video_id=v) for v in ids]
    # the same clips in another run, and whatever the order of the videos
    for v, clips in reversed(list(zip(ids, first))):
        assert np.array_equal(again.frame_indices(90, video_id=v), clips)
    assert len({c.tobytes() for c in first}) == len(ids)
    reseeded = _protocol(TSM, protocol='mmit2019-2d', seed=1)
    assert not np.array_equal(
        reseeded.frame_indices(90, video_id=ids[0]), first[0])


def test_random_segment_frames_are_uniform_within_their_segment():
    protocol = DenseTestProtocol(
        sampling='segments', clip_len=8, num_clips=5, clip_sampling='random')
    num_frames = 80  # segments of 10 frames
    draws = np.stack([
        protocol.frame_indices(num_frames, video_id=str(i))
        for i in range(400)
    ])  # [videos, clips, segments]
    segment = draws // 10
    assert np.array_equal(segment,
                          np.broadcast_to(np.arange(8), segment.shape))
    counts = np.bincount((draws % 10).ravel(), minlength=10)
    expected = draws.size / 10  # 1600 per offset
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))


def test_random_clips_of_consecutive_frames_fit_or_loop():
    protocol = _protocol(SLOWFAST, clip_sampling='random', num_clips=4)
    clips = protocol.frame_indices(100, video_id='v.mp4')
    assert clips.shape == (4, 32)
    assert np.all(np.diff(clips, axis=1) == 2)
    assert clips.min() >= 0 and clips.max() < 100
    short = protocol.frame_indices(40, video_id='v.mp4')  # 64 > 40 frames
    assert np.array_equal(short[:, 0], np.zeros(4))
    assert np.array_equal(short, (np.arange(32) * 2 % 40)[None].repeat(4, 0))


def test_decoded_videos_take_the_protocols_random_clips(video_factory):
    video_factory('a/b.mp4', num_frames=24)
    protocol = DenseTestProtocol(
        sampling='segments',
        clip_len=4,
        num_clips=3,
        scales=(32, ),
        base_scale=32,
        base_crop=(32, 32),
        clip_sampling='random')
    videos = DenseTestVideos(['a/b.mp4'], video_factory.root, protocol,
                             deduplicate=False)
    decoded = videos[0]
    assert decoded.error is None
    expected = protocol.frame_indices(24, video_id='a/b.mp4')
    # rows of the decoded frames map back to the protocol's frame indices
    wanted = np.unique(expected)
    assert np.array_equal(wanted[decoded.clips], expected)


@pytest.mark.parametrize('dense_test_cfg, match', [
    (dict(protocol='report'), "'report' is not a named protocol"),
    (dict(clip_sampling='shuffled'), 'clip_sampling must be one of'),
    (dict(protocol='mmit2019-2d', seed=-1), 'seed must be non-negative'),
])
def test_bad_dense_test_cfg_raises(dense_test_cfg, match):
    with pytest.raises(ValueError, match=match):
        _protocol(TSM, **dense_test_cfg)


def test_random_clips_need_the_video_id():
    protocol = _protocol(TSM, protocol='mmit2019-2d')
    with pytest.raises(ValueError, match='seeded by the video id'):
        protocol.frame_indices(90)


def test_named_protocols_are_valid():
    for name, values in NAMED_PROTOCOLS.items():
        DenseTestProtocol(sampling='segments', clip_len=8, **values)
