# Slow-only R101: SlowFast's Slow pathway alone, with a multi-label head
# (sigmoid clip averaging, scaled BCE x160, dropout 0.5 as the report). As
# MMAction2's Slow-only (ResNet3dSlowOnly): 1x7x7 conv1, temporal kernels only
# in res4 and res5, no temporal downsampling; trained from scratch as the
# SlowFast members.
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=101,
        pretrained=None,
        lateral=False,
        conv1_kernel=(1, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=(0, 0, 1, 1),
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
