# Mini counterpart of configs/tsn/tsn_imagenet-pretrained-senet154_8xb16-1x1x5-50e_mmit-rgb.py:
# TSN on timm's SE-ResNet-18 (`legacy_seresnet18`, SENet-154's squeeze-and-
# excitation blocks in the smallest network of the family), trained from
# scratch as the mini TSN member (./tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py).
# Needs timm (pip install '.[timm]'). Inception-ResNet-v2 has no small
# variant, and its unpadded stem does not fit 48 px crops: no mini for it.
_base_ = [
    '../_base_/models/tsn_r50.py', '../_base_/datasets/mini_mmit_video.py',
    '../_base_/schedules/mini_sgd_8e.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(
        _delete_=True, type='timm.legacy_seresnet18', pretrained=False),
    cls_head=dict(
        num_classes=_base_.num_classes,
        in_channels=512,
        loss_cls=dict(scale=_base_.num_classes / 2)))  # see the mini TSM
