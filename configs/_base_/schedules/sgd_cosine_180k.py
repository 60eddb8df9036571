# The report's SlowFast schedule: SGD, momentum 0.9, weight decay 1e-4,
# half-period cosine from lr 0.2 with a linear warm-up, 180k iterations,
# batch 1024 over 32 GPUs with synchronized BN. Where the report is silent,
# as MMAction2's SlowFast (slowfast_r50_8xb8-4x16x1-256e_kinetics400-rgb.py):
# the warm-up starts at 0.1 x lr and lasts 34/256 of the schedule (24k
# iterations), overlapping the cosine; gradient clipping at norm 40. Use it
# with ../iter_based_runtime.py, which logs and checkpoints in iterations.
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=180000, val_begin=1,
    val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=24000),
    dict(type='CosineAnnealingLR', T_max=180000, eta_min=0, by_epoch=False,
         begin=0, end=180000)
]

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))

# BN statistics over all GPUs (the Runner converts BN layers when it runs
# distributed; SyncBN needs CUDA).
sync_bn = 'torch'

# 32 GPUs x 32 clips; `tools/train.py --auto-scale-lr` rescales lr from this.
auto_scale_lr = dict(enable=False, base_batch_size=1024)
