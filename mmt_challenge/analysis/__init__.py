"""Analysis of members: the member table (architecture, input, schedule,
FLOPs, parameters), mAP by kind of class on the mini M-MiT and the gain of
dense multi-scale testing over one clip.

Not imported by ``import mmt_challenge``: the kind maps read score files,
which pulls in :mod:`mmt_challenge.ensemble` (pandas, matplotlib).
"""
from .dense_gain import DenseGain, dense_gain, format_dense_gain_table
from .loss_study import (format_loss_study_table, run_loss_study,
                         summarize_loss_study)
from .member_table import (describe_test_view, format_member_table,
                           member_row, model_complexity)
from .per_kind_map import format_kind_map_table, kind_maps
from .projection_weights import (projection_weight_from_state_dict,
                                 top_projection_weights)

__all__ = [
    'describe_test_view', 'model_complexity', 'member_row',
    'format_member_table', 'kind_maps', 'format_kind_map_table',
    'DenseGain', 'dense_gain', 'format_dense_gain_table', 'run_loss_study',
    'summarize_loss_study', 'format_loss_study_table',
    'top_projection_weights', 'projection_weight_from_state_dict'
]
