# TRN R50, 8 segments, on M-MiT, with the image-based members' data and
# schedule. The 2019 report tried TRN and says "it doesn't work well in our
# attempt": it is not one of the winners' members
# (ensembles/mmit2019_winners_with_trn.py adds it to their ensemble).
_base_ = [
    '../_base_/models/trn_r50.py', '../_base_/datasets/mmit_video.py',
    '../_base_/schedules/sgd_step_50e.py', '../_base_/default_runtime.py'
]

# The report is silent on per-layer lr; as MMAction2's TRN: the TSM
# optimizer constructor (no weight decay on BN, 2x lr on biases) without the
# 5x lr of the last fc layer, and DDP looking for unused parameters (those
# of the BN layers that partial BN freezes).
optim_wrapper = dict(
    constructor='TSMOptimWrapperConstructor', paramwise_cfg=dict(fc_lr5=False))
model_wrapper_cfg = dict(find_unused_parameters=True)
