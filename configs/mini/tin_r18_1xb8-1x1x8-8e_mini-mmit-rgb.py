# Mini counterpart of configs/tin/tin_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py:
# ResNet-18 TIN trained from scratch on the mini M-MiT; the mini TSM member
# with the temporal interlace backbone (shift_div 4).
_base_ = ['./tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py']

model = dict(backbone=dict(type='ResNetTINTorch', shift_div=4))
