# Mini counterpart of configs/slowfast/fastonly_r101_32xb32-32x2x1-180k_mmit-rgb.py:
# a Fast pathway without channel reduction (ResNet-18, 16 channels at the
# stem, as wide as the mini Slow-only) on 16 frames taken every 2nd frame.
_base_ = [
    '../_base_/models/fastonly_r101.py',
    '../_base_/datasets/mini_mmit_video_dense.py',
    '../_base_/schedules/mini_sgd_8e.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(depth=18, base_channels=16),
    cls_head=dict(
        num_classes=_base_.num_classes,
        in_channels=128,
        loss_cls=dict(scale=_base_.num_classes / 2)))  # see the mini TSM
