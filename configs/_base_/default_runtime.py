# Runtime shared by every member: MMAction2's default runtime, plus
# mmt_challenge's components, the CPU-capable DDP wrapper and the best
# checkpoint picked by validation sample mAP.
default_scope = 'mmaction'
custom_imports = dict(imports=['mmt_challenge'], allow_failed_imports=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        interval=1,
        max_keep_ckpts=3,
        save_best='mmit/sample_mAP',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'))
# Random states in checkpoints, so that a resumed run continues exactly.
custom_hooks = [dict(type='RNGStateHook')]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

# `device_ids` only for CUDA modules, so that torchrun also works on CPUs.
model_wrapper_cfg = dict(
    type='DeviceAgnosticDDP',
    broadcast_buffers=False,
    find_unused_parameters=False)

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
