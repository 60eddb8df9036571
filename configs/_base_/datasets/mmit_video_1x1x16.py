# M-MiT with 16 uniformly sampled segments instead of 8.
_base_ = './mmit_video.py'
num_segments = 16


def _with_segments(pipeline):
    return [
        dict(t, num_clips=num_segments) if t['type'] == 'SampleFrames' else t
        for t in pipeline
    ]


train_pipeline = _with_segments(_base_.train_pipeline)
val_pipeline = _with_segments(_base_.val_pipeline)
test_pipeline = _with_segments(_base_.test_pipeline)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
