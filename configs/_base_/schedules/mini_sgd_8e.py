# Mini-challenge schedule: the members' SGD recipe (./sgd_step_50e.py:
# momentum 0.9, weight decay 5e-4, gradient clipping at norm 20, lr divided
# by 10 once), shortened to 8 epochs for training from scratch on CPU, with a
# linear warm-up because there is no pretrained backbone to start from.
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=8, val_begin=1, val_interval=2)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', begin=0, end=8, by_epoch=True, milestones=[6],
         gamma=0.1)
]

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    clip_grad=dict(max_norm=20, norm_type=2))

# One process x 8 videos.
auto_scale_lr = dict(enable=False, base_batch_size=8)
