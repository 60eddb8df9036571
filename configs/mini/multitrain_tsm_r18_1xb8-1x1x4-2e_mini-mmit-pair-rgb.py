# MultiTrain on the mini pair: one ResNet-18 TSM trained on the mini M-MiT
# (14 multi-label classes, scaled BCE) and the mini pair dataset (8
# single-label classes, cross-entropy) at once, with cross-dataset
# projections and the informative loss. Mixed batches; each dataset drawn
# with replica 0.5, so an epoch holds 400 videos, as in the single-dataset
# baselines multitrain_tsm_r18_1xb8-1x1x4-2e_mini-{mmit,pair}-rgb.py: the
# same iterations, batch size and schedule. Validation scores the mini
# M-MiT head; tools/export_single_dataset.py exports either dataset's model
# for the baseline configs. Data and schedule as those baselines.
_base_ = [
    '../_base_/models/tsm_r50.py',
    '../_base_/datasets/mini_mmit_pair_video.py',
    '../_base_/schedules/mini_adamw_2e.py', '../_base_/default_runtime.py'
]

model = dict(
    type='MultiDatasetRecognizer2D',
    backbone=dict(
        depth=18,
        pretrained=None,
        pretrained2d=False,
        num_segments=_base_.num_segments),
    cls_head=dict(
        _delete_=True,
        type='MultiDatasetHead',
        in_channels=512,
        num_segments=_base_.num_segments,
        dropout_ratio=0.5,
        init_std=0.01,
        datasets=[
            dict(name='mmit', num_classes=_base_.num_classes,
                 multi_label=True,
                 loss_cls=dict(type='ScaledBCELoss',
                               scale=_base_.num_classes / 2)),
            dict(name='pair', num_classes=_base_.pair_num_classes,
                 loss_cls=dict(type='CrossEntropyLoss')),
        ],
        with_projections=True,
        projection_loss_weight=1.0,
        test_dataset='mmit'),
    informative_loss=dict(
        type='InformativeLoss', in_channels=512, hidden_channels=1024))

train_dataloader = dict(
    sampler=dict(
        _delete_=True,
        type='MultiSourceSampler',
        replicas=dict(mmit=0.5, pair=0.5)),
    dataset=dict(
        _delete_=True,
        type='MultiSourceDataset',
        sources=[
            dict(name='mmit', num_classes=_base_.num_classes,
                 dataset=_base_.train_dataloader.dataset),
            dict(name='pair', num_classes=_base_.pair_num_classes,
                 dataset=dict(
                     type='VideoDataset',
                     ann_file=_base_.pair_ann_train,
                     data_prefix=dict(video=_base_.pair_root),
                     pipeline=_base_.train_pipeline)),
        ]))
