# The MultiTrain model of the base config with one linear classifier per
# dataset (MMAction2's heads) and a 4096-wide expander instead of the paper's
# MLP heads and 2048 expander: its M-MiT head exports as MMAction2's fc_cls
# (tools/export_single_dataset.py --dataset mmit), which the TSM R50 member,
# configs/tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py, tests.
_base_ = [
    './multitrain_tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-k400-mit-rgb.py'  # noqa
]

model = dict(
    cls_head=dict(hidden_channels=None),
    informative_loss=dict(hidden_channels=4096))
