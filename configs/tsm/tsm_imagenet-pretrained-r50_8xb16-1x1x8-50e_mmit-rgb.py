# TSM R50, 8 frames, on M-MiT: the 2019 winners' TSM member (Table 1).
_base_ = [
    '../_base_/models/tsm_r50.py', '../_base_/datasets/mmit_video.py',
    '../_base_/schedules/sgd_step_50e.py', '../_base_/default_runtime.py'
]

# The report is silent on per-layer lr; MMAction2's TSM trains the new fc
# layer with 5x the lr (TSMOptimWrapperConstructor, fc_lr5).
optim_wrapper = dict(
    constructor='TSMOptimWrapperConstructor', paramwise_cfg=dict(fc_lr5=True))
