# The mini pair dataset alone (mmt_challenge.datasets.mini_pair: 8
# single-label classes related to the mini M-MiT's): ResNet-18 TSM with a
# softmax head and cross-entropy, the pipeline and budget of
# multitrain_tsm_r18_1xb8-1x1x4-2e_mini-mmit-rgb.py. The mini pair baseline of
# the multi-dataset experiment, and the config that tests the mini pair model
# exported from multitrain_tsm_r18_1xb8-1x1x4-2e_mini-mmit-pair-rgb.py
# (tools/export_single_dataset.py --dataset pair).
_base_ = ['./multitrain_tsm_r18_1xb8-1x1x4-2e_mini-mmit-rgb.py']

num_classes = _base_.pair_num_classes
data_root = _base_.pair_root
ann_file_train = _base_.pair_ann_train
ann_file_val = _base_.pair_ann_val
ann_file_test = _base_.pair_ann_test

model = dict(
    cls_head=dict(
        _delete_=True,
        type='TSMHead',
        num_classes=num_classes,
        in_channels=512,
        num_segments=_base_.num_segments,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.5,
        init_std=0.01,
        is_shift=True,
        average_clips='prob',
        loss_cls=dict(type='CrossEntropyLoss')))

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='VideoDataset',
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=_base_.train_pipeline))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='VideoDataset',
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root),
        pipeline=_base_.val_pipeline,
        test_mode=True))
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='VideoDataset',
        ann_file=ann_file_test,
        data_prefix=dict(video=data_root),
        pipeline=_base_.test_pipeline,
        test_mode=True))

# sample mAP (the challenge metric; for one label, the mean reciprocal rank
# of the true class) and top-1 / top-5 accuracy
val_evaluator = [dict(type='MultiLabelMAP'), dict(type='AccMetric')]
test_evaluator = val_evaluator
