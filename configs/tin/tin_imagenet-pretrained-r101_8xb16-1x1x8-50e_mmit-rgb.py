# TIN R101, 8 frames, on M-MiT: the 2019 winners' TIN member (Table 1).
# Inherits TSM R50 (not TIN R50) so that the 16-frame variant stays within
# three levels of inheritance; the TIN override is the same two keys.
_base_ = ['../tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py']

model = dict(
    backbone=dict(
        type='ResNetTINTorch',
        shift_div=4,
        depth=101,
        pretrained='https://download.pytorch.org/models/resnet101-63fe2227.pth'))
