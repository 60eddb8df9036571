# Mini counterpart of configs/trn/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py:
# ResNet-18 TRN trained from scratch on the mini M-MiT, with the data and
# schedule of the other mini members. No partial BN: it keeps the BN
# statistics of a pretrained backbone, and there is none here.
_base_ = [
    '../_base_/models/trn_r50.py', '../_base_/datasets/mini_mmit_video.py',
    '../_base_/schedules/mini_sgd_8e.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(depth=18, pretrained=None, partial_bn=False),
    cls_head=dict(
        num_classes=_base_.num_classes,
        in_channels=512,
        loss_cls=dict(scale=_base_.num_classes / 2)))  # see the mini TSM

# The relation MLP has no normalisation: at the mini lr (0.1) its ReLUs die
# in the first two epochs (fc_cls turns every output negative) and the
# member predicts its class priors; the head learns at 1/10 of the lr. With
# MultiScaleCrop's jitter that was not enough (0.275 val sample mAP at epoch
# 8, seed 0, the class prior's); half the other minis' lr learns (0.501).
optim_wrapper = dict(
    optimizer=dict(lr=0.05),
    paramwise_cfg=dict(custom_keys=dict(cls_head=dict(lr_mult=0.1))))
