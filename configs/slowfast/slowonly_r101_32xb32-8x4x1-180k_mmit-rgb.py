# Slow-only R101, 8x4, on M-MiT: the 2019 winners' Slow-only member (Table 2):
# 8 frames taken every 4th frame (32 consecutive frames), on the SlowFast
# members' data and schedule.
_base_ = [
    '../_base_/models/slowonly_r101.py',
    '../_base_/datasets/mmit_video_dense.py',
    '../_base_/schedules/sgd_cosine_180k.py',
    '../_base_/iter_based_runtime.py'
]
from mmt_challenge.utils.config_pipelines import with_sample_frames  # noqa

clip_len = 8
frame_interval = 4
train_pipeline = with_sample_frames(
    _base_.train_pipeline, clip_len=clip_len, frame_interval=frame_interval)
val_pipeline = with_sample_frames(
    _base_.val_pipeline, clip_len=clip_len, frame_interval=frame_interval)
test_pipeline = with_sample_frames(
    _base_.test_pipeline, clip_len=clip_len, frame_interval=frame_interval)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
