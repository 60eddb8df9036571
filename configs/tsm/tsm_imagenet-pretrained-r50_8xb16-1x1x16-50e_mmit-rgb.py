# TSM R50, 16 frames, on M-MiT: the 2019 winners' 16-frame TSM member
# (Table 1). The 8-frame member's model and schedule on 16 uniformly sampled
# segments; 16 videos per GPU as MMAction2's 16-frame TSM.
_base_ = [
    '../_base_/models/tsm_r50.py', '../_base_/datasets/mmit_video_1x1x16.py',
    '../_base_/schedules/sgd_step_50e.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(num_segments=_base_.num_segments),
    cls_head=dict(num_segments=_base_.num_segments))

# As the 8-frame member (MMAction2's TSM): 5x lr on the new fc layer.
optim_wrapper = dict(
    constructor='TSMOptimWrapperConstructor', paramwise_cfg=dict(fc_lr5=True))
