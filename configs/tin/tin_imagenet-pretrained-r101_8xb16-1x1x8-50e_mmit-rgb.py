# TIN R101, 8 frames, on M-MiT: the 2019 winners' TIN member (Table 1).
_base_ = ['./tin_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py']

model = dict(
    backbone=dict(
        depth=101,
        pretrained='https://download.pytorch.org/models/resnet101-63fe2227.pth'
    ))
