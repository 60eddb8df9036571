# Mini counterpart of configs/slowfast/slowfast_r101_32xb32-8x8x1-180k_mmit-rgb.py:
# a narrow SlowFast ResNet-18 (Slow 16 channels wide at the stem, Fast 1/4
# of that) trained from scratch on the mini M-MiT, with the schedule of the
# other mini members so that the members differ only in their models. Slow
# 4x8 + Fast 16x2 on all 32 frames (tau 4, alpha 4, as the full member). No
# synchronized BN: SyncBN needs CUDA, and the mini trains on CPUs.
_base_ = [
    '../_base_/models/slowfast_r101.py',
    '../_base_/datasets/mini_mmit_video_dense.py',
    '../_base_/schedules/mini_sgd_8e.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(
        channel_ratio=4,
        slow_pathway=dict(depth=18, base_channels=16),
        fast_pathway=dict(depth=18, base_channels=4)),
    cls_head=dict(
        num_classes=_base_.num_classes,
        in_channels=160,  # 128 (Slow) + 32 (Fast)
        loss_cls=dict(scale=_base_.num_classes / 2)))  # see the mini TSM
