# MultiTrain with TSM R50 on M-MiT + Kinetics-400 + Moments in Time, as the
# MultiTrain paper (Liang et al., "Multi-dataset Training of Transformers for
# Robust Action Recognition", NeurIPS 2022): one backbone, one 2-layer MLP
# classifier per dataset (hidden 2048, GELU), cross-dataset projections for
# every ordered pair of datasets, and the informative loss on an expander of
# hidden size 2048. Mixed batches drawn in proportion to dataset size
# (replica 1 each). Validation and inference score the M-MiT head;
# tools/export_single_dataset.py --dataset mmit exports the M-MiT model (MLP
# heads keep the multi-dataset head layout; the `-linear` variant of this
# config exports MMAction2's fc_cls, which the TSM R50 member tests).
# Kinetics-400 and MiT (v1, 339 classes) are single-label: softmax
# cross-entropy; list files as MMAction2's tools/data writes them.
_base_ = [
    '../_base_/models/tsm_r50.py', '../_base_/datasets/mmit_video.py',
    '../_base_/schedules/sgd_step_50e.py', '../_base_/default_runtime.py'
]

k400_root = 'data/kinetics400/videos_train'
k400_ann_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
mit_root = 'data/mit/videos/training'
mit_ann_train = 'data/mit/mit_train_list_videos.txt'

model = dict(
    type='MultiDatasetRecognizer2D',
    cls_head=dict(
        _delete_=True,
        type='MultiDatasetHead',
        in_channels=2048,
        num_segments=_base_.num_segments,
        dropout_ratio=0.5,
        init_std=0.001,
        hidden_channels=2048,
        datasets=[
            dict(name='mmit', num_classes=313, multi_label=True,
                 loss_cls=dict(type='ScaledBCELoss', scale=160.0)),
            dict(name='k400', num_classes=400,
                 loss_cls=dict(type='CrossEntropyLoss')),
            dict(name='mit', num_classes=339,
                 loss_cls=dict(type='CrossEntropyLoss')),
        ],
        with_projections=True,
        projection_loss_weight=1.0,
        test_dataset='mmit'),
    informative_loss=dict(
        type='InformativeLoss',
        in_channels=2048,
        hidden_channels=2048,
        variance_weight=25.0,
        covariance_weight=1.0,
        loss_weight=0.1))

# Every source skips undecodable videos (MultiLabelVideoDataset; a
# single-label list file reads as one label per video).
train_dataloader = dict(
    sampler=dict(
        _delete_=True,
        type='MultiSourceSampler',
        replicas=dict(mmit=1.0, k400=1.0, mit=1.0)),
    dataset=dict(
        _delete_=True,
        type='MultiSourceDataset',
        sources=[
            dict(name='mmit', num_classes=313,
                 dataset=_base_.train_dataloader.dataset),
            dict(name='k400', num_classes=400,
                 dataset=dict(
                     type='MultiLabelVideoDataset',
                     ann_file=k400_ann_train,
                     num_classes=400,
                     data_prefix=dict(video=k400_root),
                     pipeline=_base_.train_pipeline)),
            dict(name='mit', num_classes=339,
                 dataset=dict(
                     type='MultiLabelVideoDataset',
                     ann_file=mit_ann_train,
                     num_classes=339,
                     data_prefix=dict(video=mit_root),
                     pipeline=_base_.train_pipeline)),
        ]))

# The TSM members' new-layer learning rate x5 (MMAction2's
# TSMOptimWrapperConstructor, fc_lr5) for the whole head, classifiers and
# projections: that constructor takes the last Linear for the classifier and
# cannot tell the classifiers from the projections and the expander.
optim_wrapper = dict(
    constructor='DefaultOptimWrapperConstructor',
    paramwise_cfg=dict(custom_keys={'cls_head': dict(lr_mult=5.0)}))
