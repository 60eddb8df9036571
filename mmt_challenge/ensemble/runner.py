"""Run a recipe: load the members, join them, fit weights, fuse and score.

Members are processed one at a time (load, check, score each scale, reduce
to one transformed ``[N, C]`` array, drop the file), so memory holds one
score file plus ``M`` arrays of ``[N, C]`` float32.
"""
import time
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional

import numpy as np
import pandas as pd
from mmengine.logging import print_log

from ..datasets import labels_to_multi_hot, read_list_file
from ..utils.progress import track
from .bootstrap import BootstrapResult, sample_map_ci
from .fusion_rules import BaseFusion, build_fusion, normalize_weights
from .join import check_classes, rows_in_order
from .recipe import MemberSpec, Recipe
from ..structures import ScoreFile, load_member_scores, make_meta
from .scoring import per_class_ap, score_all
from .weight_search import KFoldResult, SearchResult, fit_weights, kfold_fit

__all__ = ['EnsembleResult', 'run_ensemble', 'TABLE_COLUMNS']

TABLE_COLUMNS = ['kind', 'member', 'scale', 'weight', 'sample_mAP',
                 'macro_mAP', 'micro_mAP', 'ci_low', 'ci_high']


@dataclass
class EnsembleResult:
    """Everything a recipe run produced.

    Args:
        recipe (Recipe): The recipe.
        split (str): The split fused.
        fused (ScoreFile): The fused scores, one "scale" (0).
        weights (dict[str, float]): Weight of each member, summing to one.
        weight_source (str): ``'search'``, ``'file'`` or ``'recipe'``.
        table (pd.DataFrame, optional): Columns :data:`TABLE_COLUMNS`; a row
            per member scale (``kind='scale'``), per member
            (``'member'``), the fused result (``'ensemble'``) and its
            k-fold estimate (``'ensemble k-fold'``). None without labels.
        search (SearchResult, optional): The in-sample weight fit.
        kfold (KFoldResult, optional): The honest estimate's fits.
        ci (BootstrapResult, optional): Interval of the ensemble's sample
            mAP.
        kfold_ci (BootstrapResult, optional): Interval of the k-fold
            estimate.
        per_class (pd.DataFrame, optional): Per-class AP of the ensemble and
            of the best member (``class``, ``ensemble``, ``best_member``).
        best_member (str, optional): The member with the best sample mAP.
        timings (dict[str, float]): Seconds per stage.
    """
    recipe: Recipe
    split: str
    fused: ScoreFile
    weights: Dict[str, float]
    weight_source: str
    table: Optional[pd.DataFrame] = None
    search: Optional[SearchResult] = None
    kfold: Optional[KFoldResult] = None
    ci: Optional[BootstrapResult] = None
    kfold_ci: Optional[BootstrapResult] = None
    per_class: Optional[pd.DataFrame] = None
    best_member: Optional[str] = None
    timings: Dict[str, float] = field(default_factory=dict)


def _read_annotation(ann_file: str):
    records = read_list_file(ann_file, allow_unlabelled=True)
    if not records:
        raise ValueError(f'{ann_file}: no videos')
    labelled = [bool(r.labels) for r in records]
    if any(labelled) and not all(labelled):
        r = records[labelled.index(False)]
        raise ValueError(f'{ann_file}, line {r.line}: video {r.video_id!r} '
                         'has no labels while other videos have some')
    return records, all(labelled)


def _resolve_weights(recipe: Recipe,
                     weights: Optional[Mapping[str, float]]) -> np.ndarray:
    names = [m.name for m in recipe.members]
    if weights is None:
        return np.asarray(recipe.weights, dtype=np.float64)
    missing = [n for n in names if n not in weights]
    unknown = [n for n in weights if n not in names]
    if missing or unknown:
        raise ValueError(f'weights do not match the recipe members: missing '
                         f'{missing}, unknown {unknown}')
    return np.asarray([weights[n] for n in names], dtype=np.float64)


def _row(kind: str, member: str, scale, weight, metrics: dict,
         ci: Optional[BootstrapResult] = None) -> dict:
    return dict(
        kind=kind, member=member, scale=scale, weight=weight, **metrics,
        ci_low=ci.low if ci else np.nan, ci_high=ci.high if ci else np.nan)


@dataclass
class _Members:
    """The members of a recipe, joined and reduced to one array each."""
    video_ids: np.ndarray  # [N], the reference order
    class_names: np.ndarray  # [C]
    values: np.ndarray  # [M, N, C] transformed, mean over each member's scales
    labels: Optional[np.ndarray]  # [N, C] multi-hot, or None
    scale_rows: List[dict]  # table rows of every member scale


def _member_scales(spec: MemberSpec, score_file: ScoreFile,
                   rows: np.ndarray):
    """Yield ``(scale, [N, C] probabilities in reference order)``."""
    try:
        indices = score_file.scale_indices(spec.scales)
        if spec.views is None:
            for i in indices:
                yield int(score_file.scales[i]), score_file.scores[rows, i]
        else:
            selected = score_file.select(scales=spec.scales,
                                         views=spec.views)
            for j, i in enumerate(indices):
                yield int(score_file.scales[i]), selected[rows, j]
    except ValueError as e:
        raise ValueError(f'member {spec.name!r}: {e}') from None


def _load_members(recipe: Recipe, fusion: BaseFusion, split: str,
                  ann_file: Optional[str], score_scales: bool,
                  progress: bool, timings: Dict[str, float]) -> _Members:
    """Load, check and join every member, one score file in memory at a
    time."""
    records, labelled = (_read_annotation(ann_file) if ann_file else
                         (None, False))
    video_ids = (np.asarray([r.video_id for r in records])
                 if records is not None else None)
    reference = ann_file
    class_names = labels = None
    values, scale_rows = [], []
    for spec in track(
            recipe.members,
            description='Loading members',
            unit='members',
            disable=not progress):
        start = time.perf_counter()
        path = spec.path(split)
        try:
            score_file = load_member_scores(path, **spec.load)
        except (ValueError, TypeError, FileNotFoundError) as e:
            raise type(e)(f'member {spec.name!r}: {e}') from None
        if class_names is None:  # the first member sets the classes
            class_names = score_file.class_names
            if video_ids is None:
                video_ids = score_file.video_ids
                reference = f'member {spec.name!r} ({path})'
            if labelled:
                labels = _labels(records, ann_file, spec.name,
                                 len(class_names))
        else:
            check_classes(spec.name, score_file, class_names,
                          f'member {recipe.members[0].name!r}')
        rows = rows_in_order(spec.name, score_file, video_ids, reference)
        total, count = None, 0
        for scale, probs in _member_scales(spec, score_file, rows):
            if labels is not None and score_scales:
                scale_rows.append(
                    _row('scale', spec.name, scale, np.nan,
                         score_all(probs, labels)))
            transformed = fusion.transform(probs)
            total = transformed if total is None else total + transformed
            count += 1
        values.append(total / count)
        del score_file, total
        timings[f'member {spec.name}'] = time.perf_counter() - start
    return _Members(video_ids, class_names, np.stack(values), labels,
                    scale_rows)


def _labels(records, ann_file: str, member: str,
            num_classes: int) -> np.ndarray:
    for record in records:
        if max(record.labels) >= num_classes:
            raise ValueError(
                f'{ann_file}, line {record.line}: video '
                f'{record.video_id!r} has label {max(record.labels)} but '
                f'member {member!r} has {num_classes} classes')
    return labels_to_multi_hot(records, num_classes)


def _search_options(recipe: Recipe) -> dict:
    weights = np.asarray(recipe.weights)
    return dict(
        method=recipe.search['method'],
        greedy=recipe.search['greedy'],
        init=weights if weights.sum() > 0 else None,
        **recipe.search.get('options', {}))


def run_ensemble(recipe: Recipe,
                 *,
                 split: str = 'val',
                 ann_file: Optional[str] = None,
                 weights: Optional[Mapping[str, float]] = None,
                 search: bool = True,
                 detail: bool = True,
                 progress: bool = True) -> EnsembleResult:
    """Fuse a recipe's members on one split, and score it if labelled.

    Args:
        recipe (Recipe): From :func:`~mmt_challenge.ensemble.load_recipe`.
        split (str): Replaces ``{split}`` in the members' score file paths.
            Defaults to ``'val'``.
        ann_file (str, optional): MMAction2 list file of the split. It fixes
            the video order of the output and, if labelled, turns on scoring,
            weight search and the report. Defaults to None (the first
            member's order, no scoring).
        weights (Mapping[str, float], optional): Weight per member name,
            e.g. fitted on validation and now applied to test. Defaults to
            None (search if the recipe asks and labels exist, else the
            recipe's weights).
        search (bool): Allow the recipe's weight search. Defaults to True.
        detail (bool): With labels, also score every member scale and
            member, bootstrap the intervals and compute per-class AP; False
            scores the fused result (and the k-fold estimate) only. Defaults
            to True.
        progress (bool): Progress bars and timing lines. Defaults to True.

    Returns:
        EnsembleResult: The fused scores, weights, and with labels the table,
        honest estimate and intervals.
    """
    timings: Dict[str, float] = {}
    fusion = build_fusion(recipe.fusion)
    log = (lambda msg: print_log(msg, logger='current')) if progress else (
        lambda msg: None)
    member_names = [m.name for m in recipe.members]

    start = time.perf_counter()
    members = _load_members(recipe, fusion, split, ann_file, detail,
                            progress, timings)
    values, labels = members.values, members.labels
    timings['load and join'] = time.perf_counter() - start
    log(f'loaded {len(values)} members x {len(members.video_ids)} videos x '
        f'{len(members.class_names)} classes in '
        f'{timings["load and join"]:.2f} s')

    fitted = kfold = None
    if weights is not None:
        weight_vector, weight_source = _resolve_weights(recipe,
                                                        weights), 'file'
    elif labels is not None and recipe.search is not None and search:
        start = time.perf_counter()
        options = _search_options(recipe)
        fitted = fit_weights(values, labels, fusion=fusion, **options)
        log(f'weight search ({options["method"]}, greedy='
            f'{options["greedy"]}): in-sample sample mAP {fitted.score:.4f} '
            f'after {fitted.num_evals} evaluations in '
            f'{fitted.seconds:.2f} s')
        kfold = kfold_fit(
            values,
            labels,
            fusion=fusion,
            folds=recipe.search['folds'],
            seed=recipe.search['seed'],
            progress=progress,
            **options)
        weight_vector, weight_source = fitted.weights, 'search'
        timings['weight search'] = time.perf_counter() - start
    else:
        weight_vector, weight_source = _resolve_weights(recipe,
                                                        None), 'recipe'
    if not fusion.uses_weights:
        weight_vector = np.ones(len(values))
    weight_vector = normalize_weights(weight_vector, len(values))
    weight_map = dict(zip(member_names, map(float, weight_vector)))

    start = time.perf_counter()
    fused_scores = fusion.combine(values, weight_vector)
    timings['fuse'] = time.perf_counter() - start

    result = EnsembleResult(
        recipe=recipe,
        split=split,
        fused=ScoreFile(
            video_ids=members.video_ids,
            class_names=members.class_names,
            scores=fused_scores[:, None, :],
            scales=np.array([0]),
            meta=make_meta(
                tool='tools/ensemble.py',
                recipe=recipe.name,
                split=split,
                fusion=recipe.fusion,
                weights=weight_map,
                weight_source=weight_source,
                members=[
                    dict(name=m.name, score_file=m.path(split),
                         scales=m.scales, views=m.views)
                    for m in recipe.members
                ])),
        weights=weight_map,
        weight_source=weight_source,
        search=fitted,
        kfold=kfold,
        timings=timings)
    if labels is not None:
        start = time.perf_counter()
        _score(result, members, fusion, fused_scores, detail)
        timings['score'] = time.perf_counter() - start
        log(_summary_line(result) + f'; scored in {timings["score"]:.2f} s')
    return result


def _score(result: EnsembleResult, members: _Members, fusion: BaseFusion,
           fused_scores: np.ndarray, detail: bool) -> None:
    """Fill in the table, intervals and per-class AP of ``result``."""
    labels, boot = members.labels, result.recipe.bootstrap
    rows = list(members.scale_rows)
    names = list(result.weights)
    if detail:
        for m, name in enumerate(names):
            rows.append(
                _row('member', name, None, result.weights[name],
                     score_all(fusion.inverse(members.values[m]), labels)))
        result.ci = sample_map_ci(fused_scores, labels, **boot)
    rows.append(
        _row('ensemble', 'ensemble', None, np.nan,
             score_all(fused_scores, labels), result.ci))
    if result.kfold is not None:
        if detail:
            result.kfold_ci = sample_map_ci(result.kfold.held_out, labels,
                                            **boot)
        rows.append(
            _row('ensemble k-fold', 'ensemble', None, np.nan,
                 score_all(result.kfold.held_out, labels), result.kfold_ci))
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    table['scale'] = table['scale'].astype('Int64')
    result.table = table
    if detail:
        member_rows = table[table['kind'] == 'member']
        best = member_rows.loc[member_rows['sample_mAP'].idxmax(), 'member']
        result.best_member = best
        result.per_class = pd.DataFrame(
            dict(
                class_name=members.class_names,
                ensemble=per_class_ap(fused_scores, labels),
                best_member=per_class_ap(
                    fusion.inverse(members.values[names.index(best)]),
                    labels)))


def _summary_line(result: EnsembleResult) -> str:
    rows = result.table.set_index('kind')['sample_mAP']
    line = f'ensemble sample mAP {rows["ensemble"]:.4f}'
    if result.ci is not None:
        line += f' (95% CI {result.ci.low:.4f}-{result.ci.high:.4f})'
    if 'ensemble k-fold' in rows:
        line += f', k-fold estimate {rows["ensemble k-fold"]:.4f}'
        if result.kfold_ci is not None:
            line += (f' ({result.kfold_ci.low:.4f}-'
                     f'{result.kfold_ci.high:.4f})')
    return line
