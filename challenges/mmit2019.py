# The M-MiT 2019 winners' challenge on the real Multi-Moments in Time (v1,
# 313 classes): videos re-encoded at 30 fps with a 320-pixel short side, as
# the winners did; every member of their ensemble (Tables 1 and 2), each with
# its dense test protocol (the configs' dense_test_cfg: 10 clips x 3 crops,
# scales 224 / 256 / 288 for the image-based members, 128 / 144 / 160 for the
# SlowFast family); their ensemble (ensembles/mmit2019_winners.py: weighted
# mean, weights fitted on validation with the honest 5-fold estimate); a
# top-5 submission and the full score CSV.
#
#   python tools/run_challenge.py challenges/mmit2019.py --dry-run
#   python tools/run_challenge.py challenges/mmit2019.py \
#       --launcher slurm --partition gpu --gpus 32 --gpus-per-node 8
#
# The data as distributed: data/mmit/{trainingSet,validationSet,testingSet}.csv
# (the test CSV lists file names only), the label map
# data/mmit/moments_categories.txt and the videos under data/mmit/videos.
work_dir = 'work_dirs/mmit2019'

_root = 'data/mmit'
data = dict(
    label_map=f'{_root}/moments_categories.txt',
    num_classes=313,  # checked against the label map once it is there
    train=dict(csv=f'{_root}/trainingSet.csv', videos=f'{_root}/videos'),
    val=dict(csv=f'{_root}/validationSet.csv', videos=f'{_root}/videos'),
    test=dict(csv=f'{_root}/testingSet.csv', videos=f'{_root}/videos'),
    prepare=dict(fps=30, short_side=320, workers=16),
    workers=16)


def _member(name, config):
    return dict(name=name, config=f'configs/{config}.py')


members = [
    # Image-based members (Table 1), ImageNet-pretrained, 50 epochs. TRN is
    # not one: the report says it "doesn't work well in our attempt"
    # (ensembles/mmit2019_winners_with_trn.py adds it to the ensemble).
    _member('tsn_r101_5f',
            'tsn/tsn_imagenet-pretrained-r101_8xb16-1x1x5-50e_mmit-rgb'),
    _member('tsn_irv2_5f', 'tsn/tsn_imagenet-pretrained-inception-resnet-'
            'v2_8xb16-1x1x5-50e_mmit-rgb'),
    _member('tsn_senet154_5f',
            'tsn/tsn_imagenet-pretrained-senet154_8xb16-1x1x5-50e_mmit-rgb'),
    _member('tsm_r50_8f',
            'tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb'),
    _member('tsm_r50_16f',
            'tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x16-50e_mmit-rgb'),
    _member('tsm_r101_8f',
            'tsm/tsm_imagenet-pretrained-r101_8xb16-1x1x8-50e_mmit-rgb'),
    _member('tin_r50_8f',
            'tin/tin_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb'),
    _member('tin_r101_8f',
            'tin/tin_imagenet-pretrained-r101_8xb16-1x1x8-50e_mmit-rgb'),
    _member('tin_r101_16f',
            'tin/tin_imagenet-pretrained-r101_8xb16-1x1x16-50e_mmit-rgb'),
    # The SlowFast family (Table 2), from scratch, 180k iterations.
    _member('slowfast_r101_8x8',
            'slowfast/slowfast_r101_32xb32-8x8x1-180k_mmit-rgb'),
    _member('slowfast_r101_11x8',
            'slowfast/slowfast_r101_32xb32-11x8x1-180k_mmit-rgb'),
    _member('fastonly_r101_32x2',
            'slowfast/fastonly_r101_32xb32-32x2x1-180k_mmit-rgb'),
    _member('fastonly_r101_16x2',
            'slowfast/fastonly_r101_32xb32-16x2x1-180k_mmit-rgb'),
    _member('slowonly_r101_8x4',
            'slowfast/slowonly_r101_32xb32-8x4x1-180k_mmit-rgb'),
]
train = dict(seed=0)
ensemble = dict(recipe='ensembles/mmit2019_winners.py')
submission = dict(
    formats=['top5', 'scores'], file='submissions/mmit2019_{format}.txt')
