# TSN with an Inception-ResNet-v2 backbone, 5 segments, on M-MiT: a TSN
# backbone of the 2019 report's Table 1. The TSN R101 member with timm's
# Inception-ResNet-v2 (MMAction2's `timm.` backbones; pip install
# '.[timm]'), ImageNet weights from timm (pretrained=True downloads them;
# Kinetics-600 in the report, docs/zoo.md) and their Inception input
# normalisation; 1536 features per frame. Crops stay 224 (the network is
# fully convolutional before its pooling; timm's default input is 299).
_base_ = ['./tsn_imagenet-pretrained-r101_8xb16-1x1x5-50e_mmit-rgb.py']

model = dict(
    backbone=dict(
        _delete_=True, type='timm.inception_resnet_v2', pretrained=True),
    cls_head=dict(in_channels=1536),
    data_preprocessor=dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5,
                                                              127.5]))
