# Mini counterpart of configs/tin/tin_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py:
# ResNet-18 TIN trained from scratch on the mini M-MiT, scaled down as the
# mini TSM member (./tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py), from which it
# differs only in the temporal interlace backbone (shift_div 4).
_base_ = [
    '../_base_/models/tin_r50.py', '../_base_/datasets/mini_mmit_video.py',
    '../_base_/schedules/mini_sgd_8e.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(depth=18, pretrained=None, pretrained2d=False),
    cls_head=dict(
        num_classes=_base_.num_classes,
        in_channels=512,
        init_std=0.01,
        loss_cls=dict(scale=_base_.num_classes / 2)))  # see the mini TSM
