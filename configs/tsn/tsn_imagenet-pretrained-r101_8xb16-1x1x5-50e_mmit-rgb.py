# TSN R101, 5 segments, on M-MiT: the 2019 winners' TSN member (Table 1).
_base_ = [
    '../_base_/models/tsn_r50.py', '../_base_/datasets/mmit_video_1x1x5.py',
    '../_base_/schedules/sgd_step_50e.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(
        depth=101,
        pretrained='https://download.pytorch.org/models/resnet101-63fe2227.pth'
    ))
