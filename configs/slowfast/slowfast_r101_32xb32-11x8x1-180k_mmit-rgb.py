# SlowFast R101, Slow 11x8 + Fast 44x2, on M-MiT: the 2019 winners' SlowFast
# member that sees the whole (about 90-frame) video (Table 2). The 8x8 member
# (./slowfast_r101_32xb32-8x8x1-180k_mmit-rgb.py) on a clip of 44 frames
# taken every 2nd frame; tau and alpha unchanged.
_base_ = [
    '../_base_/models/slowfast_r101.py',
    '../_base_/datasets/mmit_video_dense.py',
    '../_base_/schedules/sgd_cosine_180k.py',
    '../_base_/iter_based_runtime.py'
]
from mmt_challenge.utils.config_pipelines import with_sample_frames  # noqa

clip_len = 44
train_pipeline = with_sample_frames(_base_.train_pipeline, clip_len=clip_len)
val_pipeline = with_sample_frames(_base_.val_pipeline, clip_len=clip_len)
test_pipeline = with_sample_frames(_base_.test_pipeline, clip_len=clip_len)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
