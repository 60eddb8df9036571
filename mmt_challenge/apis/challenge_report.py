"""The leaderboard report of a challenge run.

Rows: every member at each test scale and fused over its scales, the
ensemble and its honest k-fold estimate, from the ensemble's ``summary.csv``
(sample / macro / micro mAP with the bootstrap interval), plus, when the
challenge names a class group (the mini's motion classes), the macro mAP
over that group. Written as Markdown beside the ensemble's plots, with the
test videos that got the class prior named.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd

from ..datasets import (class_indices_by_kind, labels_to_multi_hot,
                        read_list_file)
from ..ensemble import rows_in_order
from ..evaluation import class_ap
from ..structures import load_member_scores, load_score_file
from ..utils import atomic_write_text
from .challenge_config import Challenge

__all__ = [
    'class_group_indices', 'leaderboard', 'prior_fill_lines', 'write_report'
]

TABLE_COLUMNS = ['sample_mAP', 'macro_mAP', 'micro_mAP']


def class_group_indices(group: dict) -> List[int]:
    """The classes of a report's class group: ``indices=[...]``, or
    ``classes_json`` (a generator's ``classes.json``) with a ``kind``."""
    if group.get('indices') is not None:
        return [int(i) for i in group['indices']]
    return list(class_indices_by_kind(group['classes_json'])[group['kind']])


def _rows_of(path: str, video_ids: Sequence[str]) -> tuple:
    """A score file's scales ``[S]`` and its ``[N, S, C]`` scores in
    ``video_ids`` order."""
    score_file = load_member_scores(path)
    rows = rows_in_order(path, score_file, video_ids, 'the val list')
    return score_file.scales.tolist(), score_file.scores[rows]


def _board_row(summary_row: pd.Series, model: str, scale: str,
               group_map: float) -> dict:
    return dict(
        model=model,
        scale=scale,
        weight=summary_row['weight'],
        **{key: summary_row[key] for key in TABLE_COLUMNS},
        ci_low=summary_row['ci_low'],
        ci_high=summary_row['ci_high'],
        group_mAP=group_map)


def leaderboard(challenge: Challenge) -> pd.DataFrame:
    """Every row of the report (see the module docstring), columns
    ``model, scale, weight, sample_mAP, macro_mAP, micro_mAP, ci_low,
    ci_high, group_mAP``."""
    val_list = challenge.splits['val'].list_file
    records = read_list_file(val_list)
    ids = [r.video_id for r in records]
    group = challenge.report.get('class_group')
    if group:
        labels = labels_to_multi_hot(records, challenge.num_classes())
        indices = class_group_indices(group)

    def group_map(scores: np.ndarray) -> float:
        if not group:
            return np.nan
        return float(np.nanmean(class_ap(scores, labels)[indices]))

    ensemble_dir = challenge.ensemble_dir
    summary = pd.read_csv(osp.join(challenge.report_dir, 'summary.csv'))
    board = []
    for member in challenge.members:
        scales, scores = _rows_of(challenge.score_file(member, 'val'), ids)
        rows = summary[summary['member'] == member.name]
        if not len(rows):
            continue  # not in the recipe
        for _, row in rows[rows['kind'] == 'scale'].iterrows():
            scale = int(row['scale'])
            board.append(_board_row(row, member.name, str(scale),
                                    group_map(scores[:, scales.index(scale)])))
        row = rows[rows['kind'] == 'member'].iloc[0]
        board.append(_board_row(row, member.name, 'fused',
                                group_map(scores.mean(axis=1))))
    fused = load_score_file(osp.join(ensemble_dir, 'fused_val.npz'))
    fused = fused.scores[rows_in_order('fused', fused, ids, val_list), 0]
    for kind, name in (('ensemble', 'ensemble'),
                       ('ensemble k-fold', 'ensemble, k-fold estimate')):
        rows = summary[summary['kind'] == kind]
        if len(rows):
            board.append(_board_row(
                rows.iloc[0], name, '',
                group_map(fused) if kind == 'ensemble' else np.nan))
    return pd.DataFrame(board)


def _facts(challenge: Challenge, table: pd.DataFrame,
           board: pd.DataFrame) -> List[str]:
    members = table.drop(index='ensemble')
    best = members['sample_mAP'].idxmax()
    ensemble = table.loc['ensemble', 'sample_mAP']
    verdict = 'beats' if ensemble > members.loc[best, 'sample_mAP'] \
        else 'does NOT beat'
    facts = [f'Ensemble {ensemble:.4f} vs best member {best} '
             f'{members.loc[best, "sample_mAP"]:.4f}: the ensemble '
             f'{verdict} its best member (val sample mAP, weights fitted '
             'on val).']
    kfold = board[board['model'] == 'ensemble, k-fold estimate']
    if len(kfold):
        folds = osp.join(challenge.report_dir, 'folds.csv')
        k = len(pd.read_csv(folds)) if osp.isfile(folds) else 'k'
        facts.append(f'Honest {k}-fold estimate of the ensemble '
                     f'(weights fitted on the other folds): '
                     f'{kfold.iloc[0]["sample_mAP"]:.4f}.')
    group = challenge.report.get('class_group')
    for baseline in challenge.report.get('baselines', []) if group else []:
        for name in members.index:
            if name == baseline:
                continue
            ours, theirs = (table.loc[name, 'group_mAP'],
                            table.loc[baseline, 'group_mAP'])
            verdict = 'beats' if ours > theirs else 'does NOT beat'
            facts.append(f'{name} {verdict} {baseline} on the '
                         f'{group["description"]} ({ours:.4f} vs '
                         f'{theirs:.4f}).')
    return facts


def prior_fill_lines(prior_filled: Dict[str, Dict[str, str]]) -> List[str]:
    """One line per test video that got the class prior from a member."""
    by_video: Dict[str, List[str]] = {}
    for member, videos in prior_filled.items():
        for video, reason in videos.items():
            by_video.setdefault(video, []).append(f'{member} ({reason})')
    return [f'Test video `{video}` has the training class prior as the '
            f'scores of: {", ".join(members)}.'
            for video, members in sorted(by_video.items())]


def _markdown_table(board: pd.DataFrame, group: Optional[dict]) -> List[str]:
    def number(value: float) -> str:
        return '' if pd.isna(value) else f'{value:.4f}'

    header = '| model | scale | weight | sample mAP | macro mAP | micro mAP |'
    rule = '|---|---|---|---|---|---|'
    if group:
        header += f' {group["title"]} macro mAP |'
        rule += '---|'
    lines = [header, rule]
    for row in board.itertuples():
        sample = number(row.sample_mAP)
        if not pd.isna(row.ci_low):
            sample += f' ({row.ci_low:.4f}-{row.ci_high:.4f})'
        weight = '' if pd.isna(row.weight) else f'{row.weight:.3f}'
        line = (f'| {row.model} | {row.scale} | {weight} | {sample} | '
                f'{number(row.macro_mAP)} | {number(row.micro_mAP)} |')
        if group:
            line += f' {number(row.group_mAP)} |'
        lines.append(line)
    return lines


def write_report(challenge: Challenge, timings: Dict[str, float],
                 prior_filled: Dict[str, Dict[str, str]]) -> pd.DataFrame:
    """Print the leaderboard and write ``<work_dir>/report.md``.

    Args:
        challenge (Challenge): A challenge whose ensemble stage finished.
        timings (dict[str, float]): Seconds per stage of this run.
        prior_filled (dict[str, dict[str, str]]): Member -> video -> reason,
            the test videos that got the class prior.

    Returns:
        pd.DataFrame: One row per member (fused over its scales) and
        ``'ensemble'``, indexed by model; columns ``sample_mAP``,
        ``macro_mAP``, ``micro_mAP`` and, with a class group,
        ``group_mAP``.
    """
    board = leaderboard(challenge)
    group = challenge.report.get('class_group')
    table = board[board['scale'].isin(['fused', ''])
                  & (board['model'] != 'ensemble, k-fold estimate')]
    table = table.set_index('model')[
        TABLE_COLUMNS + (['group_mAP'] if group else [])]
    facts = _facts(challenge, table, board)
    lines = _markdown_table(board, group)
    facts += prior_fill_lines(prior_filled)
    submissions = ', '.join(f'`{challenge.submission_file(f)}`'
                            for f in challenge.submission['formats'])
    timing = ', '.join(f'{k} {v:.0f} s' for k, v in timings.items())
    plots = []
    for title, png in (('members', 'members.png'), ('weights', 'weights.png'),
                       ('per-class AP', 'per_class_ap.png')):
        target = osp.relpath(osp.join(challenge.report_dir, png),
                             challenge.work_dir)
        plots += [f'![{title}]({target})', '']
    text = '\n'.join([
        f'# {challenge.name} report', '',
        'Validation split. Each member at each test scale and fused '
        'over its scales; ensemble weights fitted on validation (the '
        'k-fold row fits them on the other folds); 95% bootstrap '
        'intervals of sample mAP in brackets.', '', *lines, '',
        *[f'- {f}' for f in facts], '',
        f'Submission: {submissions} (validated).', '',
        *([f'Stage times: {timing}.', ''] if timing else []),
        *plots
    ])
    path = osp.join(challenge.work_dir, 'report.md')
    atomic_write_text(path, text)
    print('\n'.join(lines))
    print('\n'.join(facts))
    print(f'report: {path}')
    return table
