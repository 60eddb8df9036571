# Fast-only R101, 16x2, on M-MiT: the 2019 winners' second Fast-only member
# (Table 2). The report names no channel reduction for it either: the 32x2
# member on a clip of 16 frames taken every 2nd frame.
_base_ = ['./fastonly_r101_32xb32-32x2x1-180k_mmit-rgb.py']

clip_len = 16


def _with_clip(pipeline):
    return [
        dict(t, clip_len=clip_len) if t['type'] == 'SampleFrames' else t
        for t in pipeline
    ]


train_pipeline = _with_clip(_base_.train_pipeline)
val_pipeline = _with_clip(_base_.val_pipeline)
test_pipeline = _with_clip(_base_.test_pipeline)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
