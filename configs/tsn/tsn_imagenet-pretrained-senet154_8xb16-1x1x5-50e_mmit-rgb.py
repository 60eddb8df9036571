# TSN with an SENet-154 backbone, 5 segments, on M-MiT: a TSN backbone of the
# 2019 report's Table 1. The TSN R101 member with timm's SENet-154 (Hu et al.,
# the original ImageNet weights: timm's `legacy_senet154`; MMAction2's
# `timm.` backbones; pip install '.[timm]'; pretrained=True downloads them;
# Kinetics-600 in the report, docs/zoo.md); 2048 features per frame, ImageNet
# normalisation as the ResNet members.
_base_ = ['./tsn_imagenet-pretrained-r101_8xb16-1x1x5-50e_mmit-rgb.py']

model = dict(
    backbone=dict(_delete_=True, type='timm.legacy_senet154', pretrained=True),
    cls_head=dict(in_channels=2048))
