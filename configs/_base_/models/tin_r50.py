# TIN (temporal interlace network) with a multi-label head: sigmoid clip
# averaging, scaled BCE (x160), dropout 0.5 (the report). Head, init_std and
# segments as the TSM model (./tsm_r50.py); the backbone interlaces every
# block with shift_div 4, as the TIN paper and MMAction2's TIN configs, on the
# pure-PyTorch interlace shift (ResNetTINTorch; MMAction2's ResNetTIN needs
# compiled CUDA mmcv). A TSM checkpoint initialises it (docs/zoo.md).
model = dict(
    type='Recognizer2D',
    backbone=dict(
        type='ResNetTINTorch',
        pretrained='https://download.pytorch.org/models/resnet50-11ad3fa6.pth',
        depth=50,
        norm_eval=False,
        shift_div=4,
        num_segments=8),
    cls_head=dict(
        type='MultiLabelTSMHead',
        num_classes=313,
        in_channels=2048,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.5,
        init_std=0.001,
        is_shift=True,
        num_segments=8,
        multi_class=True,
        average_clips='sigmoid',
        loss_cls=dict(type='ScaledBCELoss', scale=160.0)),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCHW'),
    train_cfg=None,
    test_cfg=None)
