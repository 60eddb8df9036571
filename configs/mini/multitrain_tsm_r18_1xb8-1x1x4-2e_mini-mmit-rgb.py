# Single-dataset side of the mini multi-dataset experiment: ResNet-18 TSM on
# the mini M-MiT, shrunk so that a run takes minutes on a shared 2-core CPU
# (../_base_/datasets/mini_mmit_pair_video.py: 4 segments of 32 px crops;
# ../_base_/schedules/mini_adamw_2e.py: 2 epochs, 100 iterations, of AdamW).
# It is the mini M-MiT baseline with the budget of the multi-dataset config
# multitrain_tsm_r18_1xb8-1x1x4-2e_mini-mmit-pair-rgb.py (same iterations,
# batch size and schedule), and the config that tests the mini M-MiT model
# exported from it (tools/export_single_dataset.py --dataset mmit).
_base_ = [
    '../_base_/models/tsm_r50.py',
    '../_base_/datasets/mini_mmit_pair_video.py',
    '../_base_/schedules/mini_adamw_2e.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(
        depth=18,
        pretrained=None,
        pretrained2d=False,
        num_segments=_base_.num_segments),
    cls_head=dict(
        num_classes=_base_.num_classes,
        in_channels=512,
        num_segments=_base_.num_segments,
        init_std=0.01,
        # see ./tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py
        loss_cls=dict(scale=_base_.num_classes / 2)))
