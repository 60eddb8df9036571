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
from mmengine.utils import ProgressBar

from ..datasets import labels_to_multi_hot, read_list_file
from .bootstrap import BootstrapResult, sample_map_ci
from .fusion_rules import build_fusion, normalize_weights
from .join import check_classes, rows_in_order
from .recipe import Recipe
from .score_file import ScoreFile, load_score_file, make_meta
from .scoring import per_class_ap, score_all
from .weight_search import KFoldResult, SearchResult, fit_weights, kfold_fit

__all__ = ['EnsembleResult', 'run_ensemble', 'TABLE_COLUMNS']

TABLE_COLUMNS = ['kind', 'member', 'scale', 'weight', 'sample_map',
                 'macro_map', 'micro_map', 'ci_low', 'ci_high']


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
    timings = {}
    fusion = build_fusion(recipe.fusion)
    log = (lambda msg: print_log(msg, logger='current')) if progress else (
        lambda msg: None)

    start = time.perf_counter()
    records, labelled = (_read_annotation(ann_file) if ann_file else
                         (None, False))
    ref_ids = (np.asarray([r.video_id for r in records])
               if records is not None else None)
    reference = f'{ann_file}' if ann_file else None
    class_names = labels = None
    rows_table: List[dict] = []
    values = []
    member_names = [m.name for m in recipe.members]
    bar = ProgressBar(len(recipe.members)) if progress else None
    for spec in recipe.members:
        t0 = time.perf_counter()
        path = spec.path(split)
        try:
            score_file = load_score_file(path, **spec.load)
        except (ValueError, TypeError, FileNotFoundError) as e:
            raise type(e)(f'member {spec.name!r}: {e}') from None
        if class_names is None:
            class_names = score_file.class_names
            if ref_ids is None:
                ref_ids = score_file.video_ids
                reference = f'member {spec.name!r} ({path})'
            if labelled:
                bad = [r for r in records
                       if max(r.labels) >= len(class_names)]
                if bad:
                    raise ValueError(
                        f'{ann_file}, line {bad[0].line}: video '
                        f'{bad[0].video_id!r} has label {max(bad[0].labels)} '
                        f'but member {spec.name!r} has {len(class_names)} '
                        'classes')
                labels = labels_to_multi_hot(records, len(class_names))
        else:
            check_classes(spec.name, score_file, class_names,
                          f'member {member_names[0]!r}')
        rows = rows_in_order(spec.name, score_file, ref_ids, reference)
        try:
            scale_ids = score_file.scale_indices(spec.scales)
        except ValueError as e:
            raise ValueError(f'member {spec.name!r}: {e}') from None
        if spec.views is None:
            per_scale = (score_file.scores[rows, i] for i in scale_ids)
        else:
            try:
                selected = score_file.select(
                    scales=spec.scales, views=spec.views)
            except ValueError as e:
                raise ValueError(f'member {spec.name!r}: {e}') from None
            per_scale = (selected[rows, j] for j in range(len(scale_ids)))
        total = None
        for i, probs in zip(scale_ids, per_scale):
            if labels is not None and detail:
                rows_table.append(
                    _row('scale', spec.name, int(score_file.scales[i]),
                         np.nan, score_all(probs, labels)))
            transformed = fusion.transform(probs)
            total = transformed if total is None else total + transformed
        values.append(total / len(scale_ids))
        del score_file
        timings[f'member {spec.name}'] = time.perf_counter() - t0
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.file.write('\n')
    values = np.stack(values)
    timings['load and join'] = time.perf_counter() - start
    log(f'loaded {len(values)} members x {len(ref_ids)} videos x '
        f'{len(class_names)} classes in {timings["load and join"]:.2f} s')

    result_search = result_kfold = kfold_ci = None
    if weights is not None:
        weight_vector, weight_source = _resolve_weights(recipe,
                                                        weights), 'file'
    elif labels is not None and recipe.search is not None and search:
        t0 = time.perf_counter()
        options = dict(
            method=recipe.search['method'],
            greedy=recipe.search['greedy'],
            init=np.asarray(recipe.weights) if sum(recipe.weights) > 0 else
            None,
            **recipe.search.get('options', {}))
        result_search = fit_weights(values, labels, fusion=fusion, **options)
        log(f'weight search ({recipe.search["method"]}, greedy='
            f'{recipe.search["greedy"]}): in-sample sample mAP '
            f'{result_search.score:.4f} after {result_search.num_evals} '
            f'evaluations in {result_search.seconds:.2f} s')
        result_kfold = kfold_fit(
            values,
            labels,
            fusion=fusion,
            folds=recipe.search['folds'],
            seed=recipe.search['seed'],
            progress=progress,
            **options)
        weight_vector, weight_source = result_search.weights, 'search'
        timings['weight search'] = time.perf_counter() - t0
    else:
        weight_vector, weight_source = _resolve_weights(recipe,
                                                        None), 'recipe'
    if not fusion.uses_weights:
        weight_vector = np.ones(len(values))
    weight_vector = normalize_weights(weight_vector, len(values))

    t0 = time.perf_counter()
    fused_scores = fusion.combine(values, weight_vector)
    timings['fuse'] = time.perf_counter() - t0
    weight_map = dict(zip(member_names, map(float, weight_vector)))

    result = EnsembleResult(
        recipe=recipe,
        split=split,
        fused=ScoreFile(
            video_ids=ref_ids,
            class_names=class_names,
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
        search=result_search,
        kfold=result_kfold,
        timings=timings)

    if labels is not None:
        t0 = time.perf_counter()
        boot = recipe.bootstrap
        if detail:
            for m, name in enumerate(member_names):
                rows_table.append(
                    _row('member', name, None, weight_map[name],
                         score_all(fusion.inverse(values[m]), labels)))
            result.ci = sample_map_ci(fused_scores, labels, **boot)
        rows_table.append(
            _row('ensemble', 'ensemble', None, np.nan,
                 score_all(fused_scores, labels), result.ci))
        if result_kfold is not None:
            if detail:
                kfold_ci = sample_map_ci(result_kfold.held_out, labels,
                                         **boot)
                result.kfold_ci = kfold_ci
            rows_table.append(
                _row('ensemble k-fold', 'ensemble', None, np.nan,
                     score_all(result_kfold.held_out, labels), kfold_ci))
        table = pd.DataFrame(rows_table, columns=TABLE_COLUMNS)
        table['scale'] = table['scale'].astype('Int64')
        result.table = table
        if detail:
            members = table[table['kind'] == 'member']
            best = members.loc[members['sample_map'].idxmax(), 'member']
            result.best_member = best
            result.per_class = pd.DataFrame(
                dict(
                    class_name=class_names,
                    ensemble=per_class_ap(fused_scores, labels),
                    best_member=per_class_ap(
                        fusion.inverse(values[member_names.index(best)]),
                        labels)))
        timings['score'] = time.perf_counter() - t0
        rows = table.set_index('kind')['sample_map']
        log(f'ensemble sample mAP {rows["ensemble"]:.4f}' +
            ('' if result.ci is None else
             f' (95% CI {result.ci.low:.4f}-{result.ci.high:.4f})') +
            ('' if 'ensemble k-fold' not in rows else
             f', k-fold estimate {rows["ensemble k-fold"]:.4f}') +
            ('' if kfold_ci is None else
             f' ({kfold_ci.low:.4f}-{kfold_ci.high:.4f})') +
            f'; scored in {timings["score"]:.2f} s')
    return result
