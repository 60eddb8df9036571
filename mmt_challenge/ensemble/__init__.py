"""Ensembling: fusion rules, weight search, reports."""
from .bootstrap import BootstrapResult, bootstrap_mean_ci, sample_map_ci
from .fusion_rules import (FUSION_RULES, BaseFusion, LogitMeanFusion,
                           MeanFusion, RankMeanFusion, WeightedMeanFusion,
                           build_fusion, normalize_weights)
from .join import check_classes, rows_in_order
from .recipe import MemberSpec, Recipe, load_recipe
from .report import format_table, write_report
from .runner import EnsembleResult, run_ensemble
from .weight_search import (KFoldResult, SearchResult, coordinate_ascent,
                            fit_weights, greedy_selection, kfold_fit,
                            nelder_mead)

__all__ = [
    'FUSION_RULES', 'BaseFusion', 'MeanFusion',
    'WeightedMeanFusion', 'LogitMeanFusion', 'RankMeanFusion',
    'build_fusion', 'normalize_weights', 'check_classes', 'rows_in_order',
    'MemberSpec', 'Recipe', 'load_recipe', 'SearchResult', 'KFoldResult',
    'coordinate_ascent', 'nelder_mead', 'greedy_selection', 'fit_weights',
    'kfold_fit', 'BootstrapResult', 'bootstrap_mean_ci', 'sample_map_ci',
    'EnsembleResult', 'run_ensemble', 'format_table', 'write_report'
]
