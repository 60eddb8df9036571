# TSN R101, 5 segments, on M-MiT, fine-tuned from MMAction2's Kinetics-400
# TSN R101 (8 segments, 100 epochs; segment count does not change TSN's
# weights) instead of ImageNet. The report pre-trains its image-based members
# on Kinetics-600 and says it helps them; MMAction2 publishes no Kinetics-600
# TSN, and Kinetics-400 is the closest public start (docs/zoo.md). The
# Kinetics classifier (400 classes) is dropped and a 313-class one
# initialised: load_from_options (mmt_challenge.engine.LoadFromOptions).
_base_ = ['./tsn_imagenet-pretrained-r101_8xb16-1x1x5-50e_mmit-rgb.py']

model = dict(backbone=dict(pretrained=None))
load_from = (
    'https://download.openmmlab.com/mmaction/v1.0/recognition/tsn/'
    'tsn_imagenet-pretrained-r101_8xb32-1x1x8-100e_kinetics400-rgb/'
    'tsn_imagenet-pretrained-r101_8xb32-1x1x8-100e_kinetics400-rgb_20220906-'
    '23cff032.pth')
load_from_options = dict(drop_prefixes=['cls_head.'])
