# Mini counterpart of configs/slowfast/slowonly_r101_32xb32-8x4x1-180k_mmit-rgb.py:
# the mini SlowFast's Slow pathway alone (ResNet-18, 16 channels at the
# stem), on 8 frames taken every 4th frame.
_base_ = [
    '../_base_/models/slowonly_r101.py',
    '../_base_/datasets/mini_mmit_video_dense.py',
    '../_base_/schedules/mini_sgd_8e.py', '../_base_/default_runtime.py'
]
from mmt_challenge.utils.config_pipelines import with_sample_frames  # noqa

model = dict(
    backbone=dict(depth=18, base_channels=16),
    cls_head=dict(
        num_classes=_base_.num_classes,
        in_channels=128,
        loss_cls=dict(scale=_base_.num_classes / 2)))  # see the mini TSM

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
