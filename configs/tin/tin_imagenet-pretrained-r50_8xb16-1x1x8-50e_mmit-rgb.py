# TIN R50, 8 frames, on M-MiT: the 2019 winners' TIN member (Table 1). Data,
# head, loss and schedule as the TSM R50 member; the temporal interlace
# backbone of ../_base_/models/tin_r50.py.
_base_ = [
    '../_base_/models/tin_r50.py', '../_base_/datasets/mmit_video.py',
    '../_base_/schedules/sgd_step_50e.py', '../_base_/default_runtime.py'
]

# As MMAction2's TSM and TIN: 5x lr on the new fc layer.
optim_wrapper = dict(
    constructor='TSMOptimWrapperConstructor', paramwise_cfg=dict(fc_lr5=True))
