# M-MiT for the SlowFast family: one clip of consecutive frames (dense
# sampling), by default 32 frames taken every 2nd frame (64 consecutive
# frames); the short side randomly resized to [128, 160] and 112 crops, as
# the 2019 report, which also states horizontal flips. Members with other
# clips set `clip_len` / `frame_interval` in their SampleFrames. Test views:
# 10 clips x 3 crops of the short side (here 128), as the report's SlowFast
# test (its three scales are dense_test_cfg below) and MMAction2's SlowFast.
_base_ = './mmit_video.py'

clip_len = 32
frame_interval = 2

train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='RandomRescale', scale_range=(128, 160)),
    dict(type='RandomCrop', size=112),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=('video_id', 'img_shape')),
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 128)),
    dict(type='CenterCrop', crop_size=112),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=('video_id', 'img_shape')),
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=10, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 128)),
    dict(type='ThreeCrop', crop_size=128),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=('video_id', 'img_shape')),
]

# 32 clips per GPU: the report's batch of 1024 over 32 GPUs.
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=32, dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(batch_size=1, dataset=dict(pipeline=test_pipeline))

# tools/dense_test.py: the 2019 report's SlowFast protocol, 10 clips x 3 crops
# at short-side scales 128, 144 and 160.
dense_test_cfg = dict(scales=[128, 144, 160], num_clips=10, num_crops=3)
