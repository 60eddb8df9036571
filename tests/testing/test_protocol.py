"""Dense test protocols read from member configs."""
import inspect
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

from mmt_challenge.testing import DenseTestProtocol

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def config(name):
    return Config.fromfile(osp.join(ROOT, 'configs', name))


def pipeline_cfg(*transforms, **extra):
    return Config(
        dict(
            test_dataloader=dict(dataset=dict(pipeline=list(transforms))),
            **extra))


SAMPLE_2D = dict(type='SampleFrames', clip_len=1, num_clips=8, test_mode=True)
SAMPLE_3D = dict(
    type='SampleFrames',
    clip_len=32,
    frame_interval=2,
    num_clips=10,
    test_mode=True)
RESIZE = dict(type='Resize', scale=(-1, 256))
CENTER = dict(type='CenterCrop', crop_size=224)
NCHW = dict(type='FormatShape', input_format='NCHW')
NCTHW = dict(type='FormatShape', input_format='NCTHW')


def test_defaults_match_the_docstring():
    params = inspect.signature(DenseTestProtocol).parameters
    assert params['frame_interval'].default == 1
    assert params['num_clips'].default == 1
    assert params['num_crops'].default == 1
    assert params['scales'].default == (256, )
    assert params['base_scale'].default == 256
    assert params['base_crop'].default == (224, 224)


def test_mini_member_views_are_its_validation_views_at_more_places():
    protocol = DenseTestProtocol.from_config(
        config('mini/tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py'))
    assert protocol.sampling == 'segments'
    assert protocol.input_format == 'NCHW'
    assert protocol.clip_len == 8
    # the pipeline's crop at its scale; dense_test_cfg's clips and scales
    assert (protocol.base_scale, protocol.base_crop) == (56, (48, 48))
    assert (protocol.num_clips, protocol.num_crops) == (4, 1)
    assert protocol.scales == (48, 56, 64)
    # 4 clips: every distinct offset inside the 4-frame segments
    indices = protocol.frame_indices(32)
    assert len({tuple(clip) for clip in indices}) == 4
    assert [protocol.crop_size(s)
            for s in (48, 56, 64)] == [(41, 41), (48, 48), (55, 55)]


def test_mmit_member_defaults_are_the_reports_dense_views():
    protocol = DenseTestProtocol.from_config(
        config('tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py'))
    assert (protocol.num_clips, protocol.num_crops) == (10, 3)
    assert protocol.scales == (224, 256, 288)
    slowfast = DenseTestProtocol.from_config(
        config('slowfast/slowfast_r101_32xb32-8x8x1-180k_mmit-rgb.py'))
    assert (slowfast.num_clips, slowfast.num_crops) == (10, 3)
    assert slowfast.scales == (128, 144, 160)
    # 256 crops at 256: the crop spans the short side at every scale
    assert [protocol.crop_size(s) for s in (224, 256, 288)] == [(224, 224),
                                                                (256, 256),
                                                                (288, 288)]


def test_3d_member_samples_clips():
    protocol = DenseTestProtocol.from_config(
        pipeline_cfg(
            dict(type='DecordInit'), SAMPLE_3D, dict(type='DecordDecode'),
            RESIZE, dict(type='ThreeCrop', crop_size=256), NCTHW))
    assert protocol.sampling == 'clips'
    assert protocol.input_format == 'NCTHW'
    assert (protocol.clip_len, protocol.frame_interval) == (32, 2)
    assert (protocol.num_clips, protocol.num_crops) == (10, 3)
    assert protocol.frame_indices(300).shape == (10, 32)


def test_dense_test_cfg_then_arguments_override_the_pipeline():
    cfg = pipeline_cfg(
        SAMPLE_2D,
        RESIZE,
        CENTER,
        NCHW,
        dense_test_cfg=dict(scales=[224, 256, 288], num_clips=10, num_crops=3))
    protocol = DenseTestProtocol.from_config(cfg)
    assert protocol.scales == (224, 256, 288)
    assert (protocol.num_clips, protocol.num_crops) == (10, 3)
    protocol = DenseTestProtocol.from_config(
        cfg, scales=[128], num_clips=4, num_crops=1)
    assert protocol.scales == (128, )
    assert (protocol.num_clips, protocol.num_crops) == (4, 1)
    assert protocol.num_views == 4


def test_to_dict_is_json_ready():
    protocol = DenseTestProtocol(
        'segments', 8, scales=[128, 160], base_scale=144, base_crop=128)
    record = protocol.to_dict()
    assert record['scales'] == [128, 160]
    assert record['crop_sizes'] == [[114, 114], [142, 142]]
    assert isinstance(protocol.scales[0], int)


@pytest.mark.parametrize('transforms,match', [
    ((SAMPLE_2D, RESIZE, dict(type='TenCrop',
                              crop_size=224), NCHW), 'uses TenCrop'),
    ((SAMPLE_2D, dict(type='Resize', scale=(224, 224),
                      keep_ratio=False), CENTER, NCHW), r'scale=\(-1, S\)'),
    ((SAMPLE_2D, RESIZE, NCHW), 'exactly one of CenterCrop and ThreeCrop'),
    ((SAMPLE_2D, RESIZE, CENTER), 'no FormatShape'),
    ((dict(SAMPLE_3D), RESIZE, CENTER, NCHW), 'clip_len=32'),
    ((SAMPLE_2D, RESIZE, CENTER,
      dict(type='FormatShape',
           input_format='NCTHW_Heatmap')), 'NCHW or NCTHW'),
])
def test_unsupported_pipelines_raise(transforms, match):
    with pytest.raises(ValueError, match=match):
        DenseTestProtocol.from_config(pipeline_cfg(*transforms))


def test_unknown_dense_test_cfg_key_raises():
    cfg = pipeline_cfg(
        SAMPLE_2D, RESIZE, CENTER, NCHW, dense_test_cfg=dict(scale=[1]))
    with pytest.raises(ValueError,
                       match=r"dense_test_cfg: unknown key\(s\) \['scale'\]"):
        DenseTestProtocol.from_config(cfg)


@pytest.mark.parametrize('kwargs,match', [
    (dict(sampling='frames'), "sampling must be 'segments' or 'clips'"),
    (dict(num_crops=2), 'num_crops must be 1 or 3'),
    (dict(scales=[224, 224]), 'distinct'),
    (dict(scales=[]), 'non-empty'),
    (dict(num_clips=0), 'num_clips must be positive, got 0'),
    (dict(frame_interval=2), 'frame_interval must be 1'),
    (dict(base_crop=300), 'larger than its scale'),
])
def test_bad_protocols_raise(kwargs, match):
    args = {**dict(sampling='segments', clip_len=8), **kwargs}
    with pytest.raises(ValueError, match=match):
        DenseTestProtocol(**args)


def test_frame_indices_follow_the_sampling():
    segments = DenseTestProtocol('segments', 8, num_clips=10)
    assert segments.frame_indices(90).shape == (10, 8)
    clips = DenseTestProtocol('clips', 4, frame_interval=2, num_clips=3)
    np.testing.assert_array_equal(
        clips.frame_indices(20),
        [[0, 2, 4, 6], [6, 8, 10, 12], [13, 15, 17, 19]])
