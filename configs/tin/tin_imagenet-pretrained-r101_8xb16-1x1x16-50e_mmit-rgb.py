# TIN R101, 16 frames, on M-MiT: the 2019 winners' TIN member (Table 1). The
# 8-frame R101 member with 16 uniformly sampled segments (as
# ../_base_/datasets/mmit_video_1x1x16.py, which cannot be a second base here:
# its keys would duplicate the 8-frame dataset's). Batch 16 per GPU as the
# 8-frame members; lower it with --cfg-options if memory runs short.
_base_ = ['./tin_imagenet-pretrained-r101_8xb16-1x1x8-50e_mmit-rgb.py']

num_segments = 16
model = dict(
    backbone=dict(num_segments=num_segments),
    cls_head=dict(num_segments=num_segments))


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
