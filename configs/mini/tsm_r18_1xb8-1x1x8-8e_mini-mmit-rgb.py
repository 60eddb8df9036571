# Mini counterpart of configs/tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py:
# ResNet-18 TSM trained from scratch on the mini M-MiT.
_base_ = [
    '../_base_/models/tsm_r50.py', '../_base_/datasets/mini_mmit_video.py',
    '../_base_/schedules/mini_sgd_8e.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(depth=18, pretrained=None, pretrained2d=False),
    cls_head=dict(
        num_classes=_base_.num_classes,
        in_channels=512,
        init_std=0.01,
        # Scaled BCE takes the mean over B x C; x160 with M-MiT's 313 classes
        # weighs each sample's summed BCE by about 0.5. C / 2 keeps that
        # weight with the mini's 14 classes.
        loss_cls=dict(scale=_base_.num_classes / 2)))
