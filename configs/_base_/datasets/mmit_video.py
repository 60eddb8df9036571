# M-MiT v1 (313 classes) read from videos with decord; list files written by
# tools/build_annotations.py. Uniform sampling of 8 segments for image-based
# members; 224 crops, spatial jitter (MultiScaleCrop) and horizontal flips as
# in the 2019 report. Members with other segment counts set them with
# mmt_challenge.utils.config_pipelines.with_sample_frames.
dataset_type = 'MultiLabelVideoDataset'
num_classes = 313
data_root = 'data/mmit/videos'
ann_file_train = 'data/mmit/mmit_train_list_videos.txt'
ann_file_val = 'data/mmit/mmit_val_list_videos.txt'
ann_file_test = 'data/mmit/mmit_val_list_videos.txt'
num_segments = 8

train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1,
         num_clips=num_segments),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224,
         scales=(1, 0.875, 0.75, 0.66), random_crop=False, max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs', meta_keys=('video_id', 'img_shape')),
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1,
         num_clips=num_segments, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs', meta_keys=('video_id', 'img_shape')),
]
# Single-scale test views: 2 clips x 3 crops; tools/dense_test.py does the
# multi-scale dense protocol.
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1,
         num_clips=num_segments, test_mode=True, twice_sample=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs', meta_keys=('video_id', 'img_shape')),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        num_classes=num_classes,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        num_classes=num_classes,
        data_prefix=dict(video=data_root),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
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

# tools/dense_test.py: 10 clips at fixed offsets x 3 crops ('fixed-10x3') at
# three short-side scales, 256 and one 32-pixel step either side. The 2019
# report tests its image-based members on 5 random clips x 3 crops of 256 px
# at scale 256: the named protocol 'mmit2019-2d' (seeded random clips), e.g.
# --cfg-options dense_test_cfg.protocol=mmit2019-2d dense_test_cfg.scales=[256]
# (mmt_challenge/testing/protocol.py, docs/dense_test.md).
dense_test_cfg = dict(protocol='fixed-10x3', scales=[224, 256, 288])
