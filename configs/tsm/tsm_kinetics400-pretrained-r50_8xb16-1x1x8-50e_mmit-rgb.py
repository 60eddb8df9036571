# TSM R50, 8 frames, on M-MiT, fine-tuned from MMAction2's Kinetics-400 TSM
# R50 (8 segments, 50 epochs) instead of ImageNet. The report pre-trains its
# image-based members on Kinetics-600; Kinetics-400 is the closest public
# start (docs/zoo.md). The Kinetics classifier is dropped and a 313-class
# one initialised (load_from_options).
_base_ = ['./tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py']

model = dict(backbone=dict(pretrained=None, pretrained2d=False))
load_from = (
    'https://download.openmmlab.com/mmaction/v1.0/recognition/tsm/'
    'tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb/'
    'tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb_20220831-'
    '64d69186.pth')
load_from_options = dict(drop_prefixes=['cls_head.'])
