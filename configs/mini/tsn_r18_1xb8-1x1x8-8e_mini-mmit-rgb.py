# Mini counterpart of configs/tsn/tsn_imagenet-pretrained-r101_8xb16-1x1x5-50e_mmit-rgb.py:
# ResNet-18 TSN trained from scratch on the mini M-MiT, 8 segments like the
# other mini members so that they differ only in temporal modelling.
_base_ = [
    '../_base_/models/tsn_r50.py', '../_base_/datasets/mini_mmit_video.py',
    '../_base_/schedules/mini_sgd_8e.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(depth=18, pretrained=None),
    cls_head=dict(
        num_classes=_base_.num_classes,
        in_channels=512,
        loss_cls=dict(scale=_base_.num_classes / 2)))  # see the mini TSM
