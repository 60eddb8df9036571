# Slow-only R101, 8x4, on M-MiT: the 2019 winners' Slow-only member (Table 2):
# 8 frames taken every 4th frame (32 consecutive frames), on the SlowFast
# members' data and schedule.
_base_ = [
    '../_base_/models/slowonly_r101.py',
    '../_base_/datasets/mmit_video_dense.py',
    '../_base_/schedules/sgd_cosine_180k.py',
    '../_base_/iter_based_runtime.py'
]

clip_len = 8
frame_interval = 4


def _with_clip(pipeline):
    return [
        dict(t, clip_len=clip_len, frame_interval=frame_interval)
        if t['type'] == 'SampleFrames' else t for t in pipeline
    ]


train_pipeline = _with_clip(_base_.train_pipeline)
val_pipeline = _with_clip(_base_.val_pipeline)
test_pipeline = _with_clip(_base_.test_pipeline)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
