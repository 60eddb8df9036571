# SlowFast R101, Slow 11x8 + Fast 44x2, on M-MiT: the 2019 winners' SlowFast
# member that sees the whole (about 90-frame) video (Table 2). The 8x8 member
# on a clip of 44 frames taken every 2nd frame; tau and alpha unchanged.
_base_ = ['./slowfast_r101_32xb32-8x8x1-180k_mmit-rgb.py']

clip_len = 44


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
