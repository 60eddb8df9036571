# TSN with a multi-label head: sigmoid clip averaging, scaled BCE (x160, the
# 2019 winners' loss), dropout 0.5 (the report), init_std as MMAction2's TSN.
model = dict(
    type='Recognizer2D',
    backbone=dict(
        type='ResNet',
        pretrained='https://download.pytorch.org/models/resnet50-11ad3fa6.pth',
        depth=50,
        norm_eval=False),
    cls_head=dict(
        type='MultiLabelTSNHead',
        num_classes=313,
        in_channels=2048,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.5,
        init_std=0.01,
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
