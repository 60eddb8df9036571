# Fast-only R101, 16x2, on M-MiT: the 2019 winners' second Fast-only member
# (Table 2). The report names no channel reduction for it either: the 32x2
# member (./fastonly_r101_32xb32-32x2x1-180k_mmit-rgb.py) on a clip of 16
# frames taken every 2nd frame.
_base_ = [
    '../_base_/models/fastonly_r101.py',
    '../_base_/datasets/mmit_video_dense.py',
    '../_base_/schedules/sgd_cosine_180k.py',
    '../_base_/iter_based_runtime.py'
]
from mmt_challenge.utils.config_pipelines import with_sample_frames  # noqa

clip_len = 16
train_pipeline = with_sample_frames(_base_.train_pipeline, clip_len=clip_len)
val_pipeline = with_sample_frames(_base_.val_pipeline, clip_len=clip_len)
test_pipeline = with_sample_frames(_base_.test_pipeline, clip_len=clip_len)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
