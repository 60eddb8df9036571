# Schedule of the mini multi-dataset experiment (configs/mini/multitrain_*):
# 2 epochs of AdamW at lr 1e-3 (with SGD at lr 0.05 the losses of the
# multi-dataset model climbed over so short a schedule), a half-epoch linear
# warm-up and a cosine decay; gradient clipping as the members' SGD recipe.
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=2, val_begin=1, val_interval=2)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,
         end=0.5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=1.5, eta_min=0, by_epoch=True,
         begin=0.5, end=2, convert_to_iter_based=True)
]

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4),
    clip_grad=dict(max_norm=20, norm_type=2))

# One process x 8 videos.
auto_scale_lr = dict(enable=False, base_batch_size=8)
