# The mini MultiTrain model of ./multitrain_tsm_r18_1xb8-1x1x4-2e_mini-mmit-pair-rgb.py
# trained 8 times as long (16 epochs, 800 iterations), long enough for the
# cross-dataset projections to find the planted related classes of the mini
# pair (tools/analysis/projection_weights.py; README, "The mini pair").
_base_ = ['./multitrain_tsm_r18_1xb8-1x1x4-2e_mini-mmit-pair-rgb.py']

train_cfg = dict(max_epochs=16, val_interval=4)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,
         end=0.5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=15.5, eta_min=0, by_epoch=True,
         begin=0.5, end=16, convert_to_iter_based=True)
]
