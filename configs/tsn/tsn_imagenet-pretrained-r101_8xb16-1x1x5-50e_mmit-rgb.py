# TSN R101, 5 segments, on M-MiT: the 2019 winners' TSN member (Table 1).
_base_ = [
    '../_base_/models/tsn_r50.py', '../_base_/datasets/mmit_video.py',
    '../_base_/schedules/sgd_step_50e.py', '../_base_/default_runtime.py'
]
from mmt_challenge.utils.config_pipelines import with_sample_frames  # noqa

model = dict(
    backbone=dict(
        depth=101,
        pretrained='https://download.pytorch.org/models/resnet101-63fe2227.pth'
    ))

num_segments = 5
train_pipeline = with_sample_frames(
    _base_.train_pipeline, num_clips=num_segments)
val_pipeline = with_sample_frames(_base_.val_pipeline, num_clips=num_segments)
test_pipeline = with_sample_frames(
    _base_.test_pipeline, num_clips=num_segments)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
