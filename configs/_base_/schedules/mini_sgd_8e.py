# Mini-challenge schedule: the members' SGD recipe, shortened to 8 epochs for
# training from scratch on CPU, with a linear warm-up because there is no
# pretrained backbone to start from.
_base_ = './sgd_step_50e.py'

train_cfg = dict(max_epochs=8, val_interval=2)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', begin=0, end=8, by_epoch=True, milestones=[6],
         gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.1))
auto_scale_lr = dict(base_batch_size=8)
