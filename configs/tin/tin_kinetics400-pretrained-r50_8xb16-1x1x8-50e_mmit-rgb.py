# TIN R50, 8 frames, on M-MiT, fine-tuned from MMAction2's Kinetics-400 TIN
# R50 (itself fine-tuned from its Kinetics-400 TSM) instead of ImageNet
# (Kinetics-600 in the report; docs/zoo.md). ResNetTINTorch has the parameter
# names of MMAction2's ResNetTIN, so only the Kinetics classifier differs: it
# is dropped and a 313-class one initialised (load_from_options).
_base_ = ['./tin_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py']

model = dict(backbone=dict(pretrained=None, pretrained2d=False))
load_from = (
    'https://download.openmmlab.com/mmaction/v1.0/recognition/tin/'
    'tin_kinetics400-pretrained-tsm-r50_1x1x8-50e_kinetics400-rgb/'
    'tin_kinetics400-pretrained-tsm-r50_1x1x8-50e_kinetics400-rgb_20220913-'
    '7f10d0c0.pth')
load_from_options = dict(drop_prefixes=['cls_head.'])
