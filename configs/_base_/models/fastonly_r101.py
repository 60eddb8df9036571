# Fast-only R101: SlowFast's Fast pathway alone, without its channel reduction
# (beta_inv 1: the width of a ResNet-101, as the report's Fast-only member),
# with a multi-label head (sigmoid clip averaging, scaled BCE x160, dropout
# 0.5 as the report). As the Fast pathway of MMAction2's SlowFast: 5x7x7
# conv1 and temporal kernels in every stage, no temporal downsampling, no
# lateral connections (ResNet3dSlowOnly is that backbone); trained from
# scratch as the SlowFast members.
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=101,
        pretrained=None,
        lateral=False,
        conv1_kernel=(5, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=(1, 1, 1, 1),
        norm_eval=False),
    cls_head=dict(
        type='MultiLabelI3DHead',
        num_classes=313,
        in_channels=2048,
        spatial_type='avg',
        dropout_ratio=0.5,
        multi_class=True,
        average_clips='sigmoid',
        loss_cls=dict(type='ScaledBCELoss', scale=160.0)),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'),
    train_cfg=None,
    test_cfg=None)
