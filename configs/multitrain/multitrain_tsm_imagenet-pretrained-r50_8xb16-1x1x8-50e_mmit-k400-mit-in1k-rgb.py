# CoVeR-style image co-training on top of the M-MiT + Kinetics-400 + MiT
# MultiTrain model: ImageNet-1k as a fourth source with its own head, its
# images fed as still 8-frame clips (ImageDecode + BuildPseudoClip), so that
# the backbone keeps learning appearance from images while it learns motion
# from videos (Zhang et al., "Co-training Transformer with Videos and Images
# Improves Action Recognition", 2021). The image list is `path label` per
# line, as MMAction2's VideoDataset reads it; replica 0.25 keeps images to
# about an eighth of each batch.
_base_ = [
    './multitrain_tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-k400-mit-rgb.py'
]

in1k_root = 'data/imagenet/train'
in1k_ann_train = 'data/imagenet/meta/train.txt'

image_pipeline = [
    dict(type='ImageDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224,
         scales=(1, 0.875, 0.75, 0.66), random_crop=False, max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='BuildPseudoClip', clip_len=_base_.num_segments),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs', meta_keys=('img_shape', )),
]

model = dict(
    cls_head=dict(datasets=[
        *_base_.model.cls_head.datasets,
        dict(name='in1k', num_classes=1000,
             loss_cls=dict(type='CrossEntropyLoss')),
    ]))

train_dataloader = dict(
    sampler=dict(replicas=dict(in1k=0.25)),
    dataset=dict(sources=[
        *_base_.train_dataloader.dataset.sources,
        dict(name='in1k', num_classes=1000,
             dataset=dict(
                 type='VideoDataset',
                 ann_file=in1k_ann_train,
                 data_prefix=dict(video=in1k_root),
                 pipeline=image_pipeline)),
    ]))
