"""Ensemble recipes: which members, which scales and views, which weights.

A recipe is an mmengine config file (so recipes inherit through
``_base_``) with these variables::

    members = [
        dict(name='tsn_r101',                        # unique, required
             score_file='work_dirs/tsn_r101/scores_{split}.npz',  # required
             scales=[224, 256],   # optional, default all scales in the file
             views=None,          # optional view indices (needs view_scores)
             weight=1.0,          # optional, default 1.0, >= 0
             load=dict(ann_file='data/mmit/val_list.txt')),  # optional,
                                  # for MMAction2 dumps (.pkl) only:
                                  # passed to import_mmaction_dump
        ...
    ]
    fusion = dict(type='weighted_mean')  # mean | weighted_mean |
                                         # logit_mean | rank_mean
    search = dict(method='coordinate_ascent',  # or 'nelder_mead', None
                  greedy=False,          # greedy forward selection first
                  folds=5, seed=0,       # the k-fold honest estimate
                  options=dict(max_evals=2000))  # to the search function
                                         # optional; None keeps the weights
    bootstrap = dict(num_samples=1000, confidence=0.95, seed=0)

``{split}`` in ``score_file`` is replaced by the split being fused (``val``
or ``test``), so one recipe serves both. Relative paths are relative to the
working directory, as in MMAction2's configs.
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

from mmengine.config import Config

from ..structures import DUMP_SUFFIXES
from ..utils.checks import check_int, check_keys, check_non_negative
from ..utils.config_options import merge_cfg_options
from .fusion_rules import build_fusion
from .weight_search import SEARCH_METHODS

__all__ = ['MemberSpec', 'Recipe', 'load_recipe']

_MEMBER_KEYS = {'name', 'score_file', 'scales', 'views', 'weight', 'load'}
_LOAD_KEYS = {'ann_file', 'scale', 'class_names', 'sigmoid'}
_SEARCH_KEYS = {'method', 'greedy', 'folds', 'seed', 'options'}
_BOOTSTRAP_KEYS = {'num_samples', 'confidence', 'seed'}


@dataclass(frozen=True)
class MemberSpec:
    """One member of a recipe.

    Args:
        name (str): Unique name, used in tables and messages.
        score_file (str): Path of its score file; ``{split}`` is replaced by
            the split.
        scales (tuple[int], optional): Scales to use. None means all.
        views (tuple[int], optional): View indices to use. None means the
            stored average over all views.
        weight (float): Weight in a weighted fusion. Defaults to 1.0.
        load (dict): Extra arguments of
            :func:`~mmt_challenge.structures.import_mmaction_dump` (MMAction2
            dumps only). Defaults to an empty dict.
    """
    name: str
    score_file: str
    scales: Optional[Tuple[int, ...]] = None
    views: Optional[Tuple[int, ...]] = None
    weight: float = 1.0
    load: Dict[str, Any] = field(default_factory=dict)

    def path(self, split: str) -> str:
        """The score file of ``split``."""
        return self.score_file.replace('{split}', split)


@dataclass
class Recipe:
    """A validated ensemble recipe.

    Args:
        name (str): The recipe's file name without extension.
        members (list[MemberSpec]): At least one.
        fusion (dict): Fusion rule config, ``dict(type=...)``.
        search (dict, optional): Weight search settings, or None.
        bootstrap (dict): Bootstrap settings.
    """
    name: str
    members: List[MemberSpec]
    fusion: Dict[str, Any]
    search: Optional[Dict[str, Any]] = None
    bootstrap: Dict[str, Any] = field(default_factory=dict)

    @property
    def weights(self) -> List[float]:
        return [m.weight for m in self.members]


def _int_tuple(value: Any, what: str) -> Optional[Tuple[int, ...]]:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f'{what} must be a non-empty list of integers or '
                         f'None, got {value!r}')
    value = tuple(check_int(v, f'{what}[{i}]') for i, v in enumerate(value))
    if len(set(value)) != len(value):
        raise ValueError(f'{what} repeats a value: {list(value)}')
    return value


def _member(index: int, cfg: Any) -> MemberSpec:
    cfg = check_keys(cfg, f'members[{index}]', _MEMBER_KEYS)
    name = cfg.get('name')
    if not isinstance(name, str) or not name:
        raise ValueError(f'members[{index}] needs a non-empty name, got '
                         f'{name!r}')
    where = f'member {name!r}'
    score_file = cfg.get('score_file')
    if not isinstance(score_file, str) or not score_file:
        raise ValueError(f'{where}: score_file must be a path, got '
                         f'{score_file!r}')
    weight = check_non_negative(cfg.get('weight', 1.0), f'{where}: weight')
    load = check_keys(cfg.get('load') or {}, f'{where}: load', _LOAD_KEYS)
    if load and not score_file.endswith(DUMP_SUFFIXES):
        raise ValueError(f'{where}: load options {sorted(load)} apply to '
                         f'MMAction2 dumps (.pkl) only, not {score_file!r}')
    return MemberSpec(
        name=name,
        score_file=score_file,
        scales=_int_tuple(cfg.get('scales'), f'{where}: scales'),
        views=_int_tuple(cfg.get('views'), f'{where}: views'),
        weight=float(weight),
        load=load)


def load_recipe(recipe: Union[str, Config, dict],
                *,
                cfg_options: Optional[dict] = None) -> Recipe:
    """Read and validate an ensemble recipe.

    Args:
        recipe (str | Config | dict): A recipe file (``ensembles/*.py``) or
            its contents.
        cfg_options (dict, optional): Overrides merged into the config, as
            ``--cfg-options`` in MMAction2's tools. Defaults to None.

    Returns:
        Recipe: The members, fusion rule, search and bootstrap settings.

    Raises:
        ValueError: Naming the member or the setting that is wrong.
    """
    if isinstance(recipe, str):
        name = osp.splitext(osp.basename(recipe))[0]
        cfg = Config.fromfile(recipe)
    else:
        name = 'recipe'
        cfg = recipe if isinstance(recipe, Config) else Config(dict(recipe))
    # Unknown keys are errors unless marked new (+key=value).
    merge_cfg_options(cfg, cfg_options,
                      optional_keys=('fusion', 'search', 'bootstrap'))
    cfg = cfg.to_dict()

    members_cfg = cfg.get('members')
    if not isinstance(members_cfg, (list, tuple)) or not members_cfg:
        raise ValueError(f'recipe {name!r} needs a non-empty members list')
    members = [_member(i, m) for i, m in enumerate(members_cfg)]
    seen = set()
    for member in members:
        if member.name in seen:
            raise ValueError(f'recipe {name!r}: duplicate member name '
                             f'{member.name!r}')
        seen.add(member.name)

    fusion = cfg.get('fusion', dict(type='weighted_mean'))
    if isinstance(fusion, str):
        fusion = dict(type=fusion)
    build_fusion(fusion)  # raises on an unknown rule or bad options

    search = cfg.get('search')
    if search is not None:
        search = check_keys(search, 'search', _SEARCH_KEYS)
        search.setdefault('method', 'coordinate_ascent')
        search.setdefault('greedy', False)
        search.setdefault('folds', 5)
        search.setdefault('seed', 0)
        if search['method'] not in SEARCH_METHODS:
            raise ValueError(f'search: unknown method {search["method"]!r}; '
                             f'choose from {list(SEARCH_METHODS)}')
        check_int(search['folds'], 'search: folds', min_val=2)
        if not build_fusion(fusion).uses_weights:
            raise ValueError(
                f'search needs a weighted fusion rule; {fusion["type"]!r} '
                'uses equal weights')
    bootstrap = check_keys(
        cfg.get('bootstrap') or {}, 'bootstrap', _BOOTSTRAP_KEYS)
    return Recipe(name, members, dict(fusion), search, bootstrap)
