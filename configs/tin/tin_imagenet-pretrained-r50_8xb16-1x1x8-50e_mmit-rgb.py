# TIN R50, 8 frames, on M-MiT: the 2019 winners' TIN member (Table 1). The TSM
# R50 member with its backbone swapped for the temporal interlace one; data,
# head, loss and schedule are TSM's. shift_div 4 as in the TIN paper and
# MMAction2's TIN configs. To start from a trained TSM member instead of
# ImageNet, see the README ("TIN"): `load_from` a TSM checkpoint works.
_base_ = ['../tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py']

model = dict(backbone=dict(type='ResNetTINTorch', shift_div=4))
