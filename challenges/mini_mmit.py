# The mini challenge (python tools/mini_challenge.py, the README's first
# command): the generated mini M-MiT (14 classes: 6 appearance, 8 motion in
# time-reversed pairs), one mini member of each family, the mini ensemble
# recipe, a top-5 submission for the test split, and a report with the
# motion-class macro mAP of every member against the order-less TSN.
work_dir = 'work_dirs/mini_challenge'

_root = 'data/mini_mmit'
_csv = dict(train='trainingSet.csv', val='validationSet.csv',
            test='testingSet.csv')
data = dict(
    generate=dict(out=_root),  # tools/make_mini_dataset.py --out data/mini_mmit
    label_map=f'{_root}/moments_categories.txt',
    num_classes=14,  # what the generator writes; checked against the map
    **{
        split: dict(
            csv=f'{_root}/{csv}',
            videos=f'{_root}/videos',
            list=f'{_root}/mini_mmit_{split}_list_videos.txt')
        for split, csv in _csv.items()
    })

members = [
    dict(name='TSN', config='configs/mini/tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py'),
    dict(name='TSM', config='configs/mini/tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py'),
    dict(name='TIN', config='configs/mini/tin_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py'),
    dict(name='SlowFast',
         config='configs/mini/slowfast_r18_1xb8-4x8x1-8e_mini-mmit-rgb.py'),
]
# Speed only, the same scores: the dense test of val evaluates every member,
# so a training validates once, after its 8th and last epoch (mmengine
# always validates the last; validating does not change the weights), and a
# dense test's forward pass takes 16 views (4 videos of the 2D members)
# instead of one video's, which gives bit-identical outputs on CPU.
member_defaults = dict(
    cfg_options={'train_cfg.val_interval': 8},
    dense_test=dict(batch_views=16))
train = dict(seed=0)
# Speed only, the same scores: the four trainings, then the eight dense
# tests, run four at once, each with the threads one alone would use.
jobs = 4
ensemble = dict(recipe='ensembles/mini_challenge.py')
submission = dict(formats=['top5'], file='submissions/mini_challenge_top5.txt')
report = dict(
    class_group=dict(
        title='motion-class',
        description='motion-only classes',
        classes_json=f'{_root}/classes.json',
        kind='motion'),
    baselines=['TSN'])
