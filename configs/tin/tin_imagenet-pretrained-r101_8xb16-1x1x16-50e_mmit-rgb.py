# TIN R101, 16 frames, on M-MiT: the 2019 winners' TIN member (Table 1): the
# TIN R50 member with a ResNet-101 on 16 uniformly sampled segments. Batch 16
# per GPU as the 8-frame members; lower it with --cfg-options if memory runs
# short.
_base_ = ['./tin_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py']
from mmt_challenge.utils.config_pipelines import with_sample_frames  # noqa

num_segments = 16
model = dict(
    backbone=dict(
        depth=101,
        num_segments=num_segments,
        pretrained='https://download.pytorch.org/models/resnet101-63fe2227.pth'
    ),
    cls_head=dict(num_segments=num_segments))

train_pipeline = with_sample_frames(
    _base_.train_pipeline, num_clips=num_segments)
val_pipeline = with_sample_frames(_base_.val_pipeline, num_clips=num_segments)
test_pipeline = with_sample_frames(
    _base_.test_pipeline, num_clips=num_segments)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
