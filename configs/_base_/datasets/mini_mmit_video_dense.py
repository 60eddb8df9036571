# The mini M-MiT for the SlowFast family: one clip of consecutive frames, by
# default 16 frames taken every 2nd frame (all 32 frames of a mini video);
# the short side randomly resized to [56, 64] and 48 crops (the full
# members' [128, 160] and 112, scaled to the mini's 64 px videos and 48 px
# crops). No flip, as ./mini_mmit_video.py.
_base_ = './mini_mmit_video.py'

clip_len = 16
frame_interval = 2

train_pipeline = [
    dict(type='DecordInit', num_threads=1),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='RandomRescale', scale_range=(56, 64)),
    dict(type='RandomCrop', size=48),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=('video_id', 'img_shape')),
]
val_pipeline = [
    dict(type='DecordInit', num_threads=1),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 56)),
    dict(type='CenterCrop', crop_size=48),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=('video_id', 'img_shape')),
]
test_pipeline = val_pipeline

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

# tools/dense_test.py: scales 48 / 56 / 64; one clip, since a 16 x 2 clip
# already spans all 32 frames of a mini video, and 3 crops instead.
dense_test_cfg = dict(scales=[48, 56, 64], num_clips=1, num_crops=3)
