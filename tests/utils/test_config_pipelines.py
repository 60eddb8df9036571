import pytest
from mmengine.config import Config

from mmt_challenge.utils.config_pipelines import with_sample_frames

PIPELINE = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8),
    dict(type='DecordDecode'),
]


def test_only_sample_frames_changes():
    edited = with_sample_frames(PIPELINE, num_clips=16, test_mode=True)
    assert edited[1] == dict(
        type='SampleFrames',
        clip_len=1,
        frame_interval=1,
        num_clips=16,
        test_mode=True)
    assert edited[0] is PIPELINE[0] and edited[2] is PIPELINE[2]
    assert PIPELINE[1]['num_clips'] == 8  # the input is left alone


@pytest.mark.parametrize('pipeline, options, match', [
    (PIPELINE, {}, 'at least one option'),
    (PIPELINE, dict(num_segments=16), "no option.*'num_segments'"),
    (PIPELINE[:1], dict(num_clips=16), 'no SampleFrames step'),
])
def test_bad_calls_raise(pipeline, options, match):
    with pytest.raises(ValueError, match=match):
        with_sample_frames(pipeline, **options)


def test_a_config_calls_it_after_its_base(tmp_path):
    (tmp_path / 'base.py').write_text(f'train_pipeline = {PIPELINE!r}\n')
    (tmp_path / 'variant.py').write_text(
        "_base_ = ['./base.py']\n"
        'from mmt_challenge.utils.config_pipelines import '
        'with_sample_frames  # noqa\n'
        'train_pipeline = with_sample_frames(_base_.train_pipeline, '
        'num_clips=5)\n')
    cfg = Config.fromfile(str(tmp_path / 'variant.py'))
    assert cfg.train_pipeline[1]['num_clips'] == 5
    assert 'with_sample_frames' not in cfg  # functions are not config values
