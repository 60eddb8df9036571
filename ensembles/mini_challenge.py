# The mini challenge's ensemble (tools/mini_challenge.py): one member of each
# family, every scale its dense test wrote, weighted mean of probabilities with
# weights searched on validation, an honest 5-fold estimate and a bootstrap
# interval (the defaults). tools/mini_challenge.py points the score files at
# its work directory.
_base_ = ['./_base_/default_fusion.py']


def _member(name, config):
    return dict(
        name=name,
        score_file=f'work_dirs/mini_challenge/{config}/scores_{{split}}.npz')


members = [
    _member('TSN', 'tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb'),
    _member('TSM', 'tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb'),
    _member('TIN', 'tin_r18_1xb8-1x1x8-8e_mini-mmit-rgb'),
    _member('SlowFast', 'slowfast_r18_1xb8-4x8x1-8e_mini-mmit-rgb'),
]
