# Single-dataset side of the mini multi-dataset experiment: ResNet-18 TSM on
# the mini M-MiT at 32 px crops with a 4-epoch schedule, so that a run takes
# a minute or two on 2 CPU cores. It is the mini M-MiT baseline with the
# budget of multitrain_tsm_r18_1xb8-1x1x4-2e_mini-mmit-pair-rgb.py (same
# iterations and batch size), and the config that tests the mini M-MiT model
# exported from it (tools/export_single_dataset.py --dataset mmit).
_base_ = ['./tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py']

train_pipeline = [
    dict(type='DecordInit', num_threads=1),
    dict(type='SampleFrames', clip_len=1, frame_interval=1,
         num_clips=_base_.num_segments),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 36)),
    dict(type='RandomCrop', size=32),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs', meta_keys=('video_id', 'img_shape')),
]
val_pipeline = [
    dict(type='DecordInit', num_threads=1),
    dict(type='SampleFrames', clip_len=1, frame_interval=1,
         num_clips=_base_.num_segments, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 36)),
    dict(type='CenterCrop', crop_size=32),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs', meta_keys=('video_id', 'img_shape')),
]
test_pipeline = val_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

train_cfg = dict(max_epochs=4, val_interval=4)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', begin=0, end=4, by_epoch=True, milestones=[3],
         gamma=0.1)
]
