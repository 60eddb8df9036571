# The built-in mini M-MiT (tools/make_mini_dataset.py): 64 px videos, 32
# frames, 48 px crops so members train on 2 CPU cores in a few minutes. The
# full pipeline scaled from 256 / 224 px to 56 / 48 px: MultiScaleCrop's
# spatial jitter, so that the members see objects over the range of sizes the
# multi-scale dense test shows them. No horizontal flip: it would swap the
# left/right and clockwise/anticlockwise motion classes (a flip is fine on
# M-MiT, whose classes are flip-invariant). Loaders, sampler and metric as
# ./mmit_video.py, with one decoding thread and worker per loader for CPUs.
dataset_type = 'MultiLabelVideoDataset'
num_classes = 14  # tools/make_mini_dataset.py writes 14 classes
data_root = 'data/mini_mmit/videos'
ann_file_train = 'data/mini_mmit/mini_mmit_train_list_videos.txt'
ann_file_val = 'data/mini_mmit/mini_mmit_val_list_videos.txt'
ann_file_test = 'data/mini_mmit/mini_mmit_test_list_videos.txt'
num_segments = 8

train_pipeline = [
    dict(type='DecordInit', num_threads=1),
    dict(type='SampleFrames', clip_len=1, frame_interval=1,
         num_clips=num_segments),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 56)),
    dict(type='MultiScaleCrop', input_size=48,
         scales=(1, 0.875, 0.75, 0.66), random_crop=False, max_wh_scale_gap=1),
    dict(type='Resize', scale=(48, 48), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs', meta_keys=('video_id', 'img_shape')),
]
val_pipeline = [
    dict(type='DecordInit', num_threads=1),
    dict(type='SampleFrames', clip_len=1, frame_interval=1,
         num_clips=num_segments, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 56)),
    dict(type='CenterCrop', crop_size=48),
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

# tools/dense_test.py: scales 48 / 56 / 64 (crops 41 / 48 / 55: the same part
# of the frame). 8 segments of a 32-frame video leave 4 distinct offsets in a
# segment, so 4 clips; 1 crop, because 3 crops of a square frame differ by a
# few pixels only.
dense_test_cfg = dict(scales=[48, 56, 64], num_clips=4, num_crops=1)
