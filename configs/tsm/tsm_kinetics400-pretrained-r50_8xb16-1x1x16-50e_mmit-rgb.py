# TSM R50, 16 frames, on M-MiT, fine-tuned from MMAction2's Kinetics-400 TSM
# R50 of 16 segments instead of ImageNet (Kinetics-600 in the report;
# docs/zoo.md). The Kinetics classifier is dropped and a 313-class one
# initialised (load_from_options).
_base_ = ['./tsm_imagenet-pretrained-r50_8xb16-1x1x16-50e_mmit-rgb.py']

model = dict(backbone=dict(pretrained=None, pretrained2d=False))
load_from = (
    'https://download.openmmlab.com/mmaction/v1.0/recognition/tsm/'
    'tsm_imagenet-pretrained-r50_8xb16-1x1x16-50e_kinetics400-rgb/'
    'tsm_imagenet-pretrained-r50_8xb16-1x1x16-50e_kinetics400-rgb_20220831-'
    '042b1748.pth')
load_from_options = dict(drop_prefixes=['cls_head.'])
