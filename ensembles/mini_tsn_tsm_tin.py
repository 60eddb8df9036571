# The mini challenge's image-based members (configs/mini/), all scales their
# dense test wrote, plain mean of probabilities: no weights to fit, so the
# validation score is already honest.
_base_ = ['./_base_/default_fusion.py']


def _member(name, config):
    return dict(
        name=name, score_file=f'work_dirs/{config}/scores_{{split}}.npz')


members = [
    _member('tsn_r18', 'tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb'),
    _member('tsm_r18', 'tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb'),
    _member('tin_r18', 'tin_r18_1xb8-1x1x8-8e_mini-mmit-rgb'),
]
fusion = dict(type='mean')
search = None
