# The report's image-based schedule: SGD, lr 0.01, momentum 0.9, weight decay
# 5e-4, the lr divided by 10 "20 epochs" (issue 15's reading of the report).
# We read it as a step every 20 epochs: milestones 20 and 40. The 50-epoch
# length and the gradient clipping are MMAction2's TSM schedule
# (sgd_tsm_50e.py), whose milestones are the same. lr 0.01 is for the base
# batch of auto_scale_lr.
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=50, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=50,
        by_epoch=True,
        milestones=[20, 40],
        gamma=0.1)
]

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
    clip_grad=dict(max_norm=20, norm_type=2))

# 8 GPUs x 16 videos; `tools/train.py --auto-scale-lr` rescales lr from this.
auto_scale_lr = dict(enable=False, base_batch_size=128)
