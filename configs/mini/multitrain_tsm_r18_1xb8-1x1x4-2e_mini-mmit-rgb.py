# Single-dataset side of the mini multi-dataset experiment: ResNet-18 TSM on
# the mini M-MiT, shrunk so that a run takes minutes on a shared 2-core CPU:
# 4 segments of 32 px crops, 2 epochs (100 iterations) of AdamW at lr 1e-3
# with a short warm-up and a cosine decay (with SGD at lr 0.05 the losses
# of the multi-dataset model climbed over so short a schedule). It is the
# mini M-MiT baseline with the budget of the multi-dataset config
# multitrain_tsm_r18_1xb8-1x1x4-2e_mini-mmit-pair-rgb.py (same iterations,
# batch size and schedule), and the config that tests the mini M-MiT model
# exported from it (tools/export_single_dataset.py --dataset mmit).
_base_ = ['./tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py']

num_segments = 4
model = dict(
    backbone=dict(num_segments=num_segments),
    cls_head=dict(num_segments=num_segments))

train_pipeline = [
    dict(type='DecordInit', num_threads=1),
    dict(type='SampleFrames', clip_len=1, frame_interval=1,
         num_clips=num_segments),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 36)),
    dict(type='RandomCrop', size=32),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs', meta_keys=('video_id', 'img_shape')),
]
val_pipeline = [
    dict(type='DecordInit', num_threads=1),
    dict(type='SampleFrames', clip_len=1, frame_interval=1,
         num_clips=num_segments, test_mode=True),
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

train_cfg = dict(max_epochs=2, val_interval=2)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,
         end=0.5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=1.5, eta_min=0, by_epoch=True,
         begin=0.5, end=2, convert_to_iter_based=True)
]
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=1e-4))
