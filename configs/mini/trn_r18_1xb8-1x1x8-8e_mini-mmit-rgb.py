# Mini counterpart of configs/trn/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py:
# ResNet-18 TRN trained from scratch on the mini M-MiT, with the data and
# schedule of the other mini members but 1/5 of their lr, as MMAction2 trains
# TRN with 1/5 of TSM's lr (0.002 against 0.01): at lr 0.1 the ReLUs of the
# relation MLP die in the first epoch (fc_cls turns every output negative)
# and the member predicts its class priors. No partial BN: it keeps the BN
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

optim_wrapper = dict(optimizer=dict(lr=0.02))
