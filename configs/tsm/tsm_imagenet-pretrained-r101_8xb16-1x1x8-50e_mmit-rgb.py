# TSM R101, 8 frames, on M-MiT: the 2019 winners' TSM R101 member (Table 1).
_base_ = ['./tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py']

model = dict(
    backbone=dict(
        depth=101,
        pretrained='https://download.pytorch.org/models/resnet101-63fe2227.pth'
    ))
