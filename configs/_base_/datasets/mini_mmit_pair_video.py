# Data of the mini multi-dataset experiment (configs/mini/multitrain_*): the
# mini M-MiT (./mini_mmit_video.py's videos and lists) shrunk so that a run
# takes minutes on a shared 2-core CPU: 4 segments of 32 px crops, no spatial
# jitter. The loaders read the mini M-MiT; the mini pair dataset
# (mmt_challenge.datasets.mini_pair: 8 single-label classes related to the
# mini M-MiT's) is named here for the configs that train on it.
dataset_type = 'MultiLabelVideoDataset'
num_classes = 14
data_root = 'data/mini_mmit/videos'
ann_file_train = 'data/mini_mmit/mini_mmit_train_list_videos.txt'
ann_file_val = 'data/mini_mmit/mini_mmit_val_list_videos.txt'
ann_file_test = 'data/mini_mmit/mini_mmit_test_list_videos.txt'
pair_num_classes = 8
pair_root = 'data/mini_pair/videos'
pair_ann_train = 'data/mini_pair/mini_pair_train_list_videos.txt'
pair_ann_val = 'data/mini_pair/mini_pair_val_list_videos.txt'
pair_ann_test = 'data/mini_pair/mini_pair_test_list_videos.txt'
num_segments = 4

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

_loader = dict(num_workers=1, persistent_workers=True)
train_dataloader = dict(
    batch_size=8,
    **_loader,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        num_classes=num_classes,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    **_loader,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        num_classes=num_classes,
        data_prefix=dict(video=data_root),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=8,
    **_loader,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_test,
        num_classes=num_classes,
        data_prefix=dict(video=data_root),
        pipeline=test_pipeline,
        test_mode=True))

val_evaluator = dict(type='MultiLabelMAP')
test_evaluator = val_evaluator

# tools/dense_test.py: as the mini members (./mini_mmit_video.py).
dense_test_cfg = dict(scales=[48, 56, 64], num_clips=4, num_crops=1)
