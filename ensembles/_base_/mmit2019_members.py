# The members of the first-place M-MiT 2019 ensemble (the winners' report,
# Tables 1 and 2: TSN with ResNet-101, Inception-ResNet-v2 and SENet-154
# backbones, TSM, TIN and the SlowFast family), each read from the score file
# its dense multi-scale test writes (tools/dense_test.py) to
# work_dirs/<config name>/scores_{split}.npz. TRN is not among them: the report tried it and says
# "it doesn't work well in our attempt"; `trn_member` is here for the recipe
# variant that adds it (../mmit2019_winners_with_trn.py).
#
# Test scales follow the winners' protocol (issue 6): 256-pixel short side for
# the image-based members, 128 / 144 / 160 for the SlowFast family. Weights
# start equal; the recipes' search fits them on validation (the report does
# not publish its weights).


def _member(name, config, scales):
    return dict(
        name=name,
        score_file=f'work_dirs/{config}/scores_{{split}}.npz',
        scales=scales,
        weight=1.0)


_image_scales = [256]
_slowfast_scales = [128, 144, 160]

image_members = [
    _member('tsn_r101_5f',
            'tsn_imagenet-pretrained-r101_8xb16-1x1x5-50e_mmit-rgb',
            _image_scales),
    _member('tsn_irv2_5f',
            'tsn_imagenet-pretrained-inception-resnet-v2_8xb16-1x1x5-50e_'
            'mmit-rgb', _image_scales),
    _member('tsn_senet154_5f',
            'tsn_imagenet-pretrained-senet154_8xb16-1x1x5-50e_mmit-rgb',
            _image_scales),
    _member('tsm_r50_8f',
            'tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb',
            _image_scales),
    _member('tsm_r50_16f',
            'tsm_imagenet-pretrained-r50_8xb16-1x1x16-50e_mmit-rgb',
            _image_scales),
    _member('tsm_r101_8f',
            'tsm_imagenet-pretrained-r101_8xb16-1x1x8-50e_mmit-rgb',
            _image_scales),
    _member('tin_r50_8f',
            'tin_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb',
            _image_scales),
    _member('tin_r101_8f',
            'tin_imagenet-pretrained-r101_8xb16-1x1x8-50e_mmit-rgb',
            _image_scales),
    _member('tin_r101_16f',
            'tin_imagenet-pretrained-r101_8xb16-1x1x16-50e_mmit-rgb',
            _image_scales),
]

slowfast_members = [
    # Slow 8x8 + Fast 32x2 on 64 consecutive frames.
    _member('slowfast_r101_8x8', 'slowfast_r101_32xb32-8x8x1-180k_mmit-rgb',
            _slowfast_scales),
    # Slow 11x8 + Fast 44x2: the whole ~90-frame video.
    _member('slowfast_r101_11x8', 'slowfast_r101_32xb32-11x8x1-180k_mmit-rgb',
            _slowfast_scales),
    # Fast pathway alone, 32x2, without channel reduction.
    _member('fastonly_r101_32x2', 'fastonly_r101_32xb32-32x2x1-180k_mmit-rgb',
            _slowfast_scales),
    _member('fastonly_r101_16x2', 'fastonly_r101_32xb32-16x2x1-180k_mmit-rgb',
            _slowfast_scales),
    _member('slowonly_r101_8x4', 'slowonly_r101_32xb32-8x4x1-180k_mmit-rgb',
            _slowfast_scales),
]

trn_member = _member('trn_r50_8f',
                     'trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb',
                     _image_scales)

members = image_members + slowfast_members
