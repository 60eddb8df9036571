# TIN R50, 8 frames, on M-MiT, initialised from MMAction2's Kinetics-400 TSM
# R50, as MMAction2 trains its own Kinetics TIN
# (tin_kinetics400-pretrained-tsm-r50_1x1x8-50e_kinetics400-rgb.py). The TSM
# convolutions load into TIN's (InterlacedConv maps TSM's names); TIN's
# interlace modules (net1: offset and weight nets) are new and keep their
# initialisation, and the Kinetics classifier is dropped for a 313-class one
# (load_from_options).
_base_ = ['./tin_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py']

model = dict(backbone=dict(pretrained=None, pretrained2d=False))
load_from = (
    'https://download.openmmlab.com/mmaction/v1.0/recognition/tsm/'
    'tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb/'
    'tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb_20220831-'
    '64d69186.pth')
load_from_options = dict(
    drop_prefixes=['cls_head.'], allow_missing=['backbone.*.net1.*'])
