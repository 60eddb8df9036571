# TSM R50, 16 frames, on M-MiT: the 2019 winners' 16-frame TSM member
# (Table 1). The 8-frame member's model and schedule on 16 uniformly sampled
# segments; 16 videos per GPU as MMAction2's 16-frame TSM.
_base_ = [
    '../_base_/models/tsm_r50.py', '../_base_/datasets/mmit_video.py',
    '../_base_/schedules/sgd_step_50e.py', '../_base_/default_runtime.py'
]
from mmt_challenge.utils.config_pipelines import with_sample_frames  # noqa

num_segments = 16
model = dict(
    backbone=dict(num_segments=num_segments),
    cls_head=dict(num_segments=num_segments))

train_pipeline = with_sample_frames(
    _base_.train_pipeline, num_clips=num_segments)
val_pipeline = with_sample_frames(_base_.val_pipeline, num_clips=num_segments)
test_pipeline = with_sample_frames(
    _base_.test_pipeline, num_clips=num_segments)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

# As the 8-frame member (MMAction2's TSM): 5x lr on the new fc layer.
optim_wrapper = dict(
    constructor='TSMOptimWrapperConstructor', paramwise_cfg=dict(fc_lr5=True))
