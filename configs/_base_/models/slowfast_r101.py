# SlowFast R101 with a multi-label head: sigmoid clip averaging, scaled BCE
# (x160), dropout 0.5 (the report). Slow 8x8 + Fast 32x2 from a clip of 32
# frames taken every 2nd frame (64 consecutive frames): tau = 4 and
# alpha = 4 on that clip. The report is silent on the rest; as MMAction2's
# SlowFast 8x8 (slowfast_r50_8xb8-8x8x1-256e_kinetics400-rgb.py and its R101
# variant): beta_inv 8 (Fast has 1/8 of Slow's channels), lateral fusion
# kernel 7, Fast conv1 kernel 5x7x7, trained from scratch.
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dSlowFast',
        pretrained=None,
        resample_rate=4,  # tau, in frames of the sampled clip
        speed_ratio=4,  # alpha
        channel_ratio=8,  # beta_inv
        slow_pathway=dict(
            type='resnet3d',
            depth=101,
            pretrained=None,
            lateral=True,
            fusion_kernel=7,
            conv1_kernel=(1, 7, 7),
            dilations=(1, 1, 1, 1),
            conv1_stride_t=1,
            pool1_stride_t=1,
            inflate=(0, 0, 1, 1),
            norm_eval=False),
        fast_pathway=dict(
            type='resnet3d',
            depth=101,
            pretrained=None,
            lateral=False,
            base_channels=8,
            conv1_kernel=(5, 7, 7),
            conv1_stride_t=1,
            pool1_stride_t=1,
            norm_eval=False)),
    cls_head=dict(
        type='MultiLabelSlowFastHead',
        num_classes=313,
        in_channels=2304,  # 2048 (Slow) + 256 (Fast)
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
