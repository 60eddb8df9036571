"""Ensemble reports: the printed table, CSV files, weights and plots.

A report directory holds:

=================== =========================================================
file                content
=================== =========================================================
summary.csv         the table: every member scale, every member, the
                    ensemble (in-sample, with its bootstrap interval) and the
                    k-fold estimate; sample / macro / micro mAP
weights.json        the fusion rule and the weight of each member, reusable
                    with ``tools/ensemble.py --weights`` on the test split
folds.csv           per fold: its weights, in-fold and held-out sample mAP
per_class_ap.csv    per class: AP of the ensemble and of the best member
members.png         sample mAP of each member and of the ensemble
weights.png         the weights
per_class_ap.png    per-class AP, ensemble against the best member
=================== =========================================================

A report is written whole or not at all: into a temporary directory beside
it, then moved into place (:func:`~mmt_challenge.utils.atomic_directory`),
so a killed run leaves the previous report as it was and never a directory
that mixes two runs; what a killed run left behind is removed by the next.
An existing directory is replaced only if it holds nothing but report files
(and the extra files of this run, e.g. the fused score file), so that no
other file is lost.
"""
import json
import numbers
import os
import os.path as osp
from typing import Callable, Dict, List, Mapping, Optional, Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..utils import atomic_directory, atomic_open
from .runner import EnsembleResult

__all__ = [
    'REPORT_FILES', 'format_table', 'write_report', 'weights_record',
    'check_report_dir', 'read_weights_file'
]

REPORT_FILES = ('summary.csv', 'weights.json', 'folds.csv',
                'per_class_ap.csv', 'members.png', 'weights.png',
                'per_class_ap.png')


def format_table(result: EnsembleResult) -> str:
    """The report table as text, followed by the estimate line.

    Args:
        result (EnsembleResult): A run with labels.

    Returns:
        str: A fixed-width table (mAPs as fractions, 4 decimals).
    """
    if result.table is None:
        raise ValueError('this run had no labels, so there is no table')
    table = result.table.copy()
    table['scale'] = table['scale'].astype(object).where(
        table['scale'].notna(), '')
    text = table.to_string(
        index=False, na_rep='', float_format=lambda x: f'{x:.4f}')
    lines = [text, '']
    rows = result.table.set_index('kind')['sample_mAP']
    in_sample = rows['ensemble']
    line = (f'ensemble (weights: {result.weight_source}): sample mAP '
            f'{in_sample:.4f}')
    if result.ci is not None:
        line += (f', {result.ci.confidence:.0%} bootstrap CI '
                 f'[{result.ci.low:.4f}, {result.ci.high:.4f}]')
    lines.append(line)
    if 'ensemble k-fold' in rows:
        honest = rows['ensemble k-fold']
        line = (f'honest estimate ({len(result.kfold.fold_weights)}-fold, '
                f'weights fitted without the scored fold): {honest:.4f}')
        if result.kfold_ci is not None:
            line += (f', {result.kfold_ci.confidence:.0%} CI '
                     f'[{result.kfold_ci.low:.4f}, '
                     f'{result.kfold_ci.high:.4f}]')
        lines.append(line + f'; in-sample {in_sample:.4f} is optimistic by '
                     f'{in_sample - honest:+.4f}')
    else:
        lines.append(f'weights from the {result.weight_source}, not fitted '
                     'on this data: the score above is already honest')
    return '\n'.join(lines)


def weights_record(result: EnsembleResult) -> Dict:
    """What ``weights.json`` holds."""
    return dict(
        recipe=result.recipe.name,
        fusion=result.recipe.fusion,
        source=result.weight_source,
        weights=result.weights)


def read_weights_file(path: str) -> Dict[str, float]:
    """The member weights of a report's ``weights.json``.

    Args:
        path (str): The file (``tools/ensemble.py --weights``).

    Returns:
        dict[str, float]: Weight per member name.

    Raises:
        ValueError: Not JSON, or without a ``weights`` object of numbers;
            the message names the file.
    """
    try:
        with open(path, encoding='utf-8') as f:
            record = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f'{path}: not a weights.json (invalid JSON: {e})'
                         ) from None
    if not isinstance(record, dict) or 'weights' not in record:
        found = sorted(record) if isinstance(record, dict) else type(
            record).__name__
        raise ValueError(f'{path}: no "weights" key (found {found}); '
                         'expected the weights.json an ensemble report '
                         'writes')
    weights = record['weights']
    if not isinstance(weights, dict) or not all(
            isinstance(k, str) and isinstance(v, numbers.Real)
            and not isinstance(v, bool) for k, v in weights.items()):
        raise ValueError(f'{path}: "weights" must map member names to '
                         f'numbers, got {weights!r}')
    return {k: float(v) for k, v in weights.items()}


def check_report_dir(report_dir: str, extra_names: Sequence[str] = ()) -> None:
    """Refuse a report directory whose replacement would lose files.

    Args:
        report_dir (str): The directory; it may not exist yet.
        extra_names (Sequence[str]): Other files this run writes into it.

    Raises:
        ValueError: ``report_dir`` is a file, or holds files other than
            :data:`REPORT_FILES` and ``extra_names``.
    """
    if not osp.lexists(report_dir):
        return
    if not osp.isdir(report_dir):
        raise ValueError(f'report directory {report_dir} is not a directory')
    foreign = sorted(
        set(os.listdir(report_dir)) - set(REPORT_FILES) - set(extra_names))
    if foreign:
        raise ValueError(
            f'report directory {report_dir} holds files a report does not '
            f'write ({", ".join(foreign[:5])}'
            f'{" ..." if len(foreign) > 5 else ""}); a report replaces its '
            'directory whole, so choose an empty or new one')


def _save_figure(fig: Figure, path: str) -> None:
    FigureCanvasAgg(fig)
    fig.tight_layout()
    with atomic_open(path, 'wb') as f:
        fig.savefig(f, format='png', dpi=120)


def _members_plot(result: EnsembleResult) -> Figure:
    table = result.table
    members = table[table['kind'] == 'member']
    names: List[str] = list(members['member'])
    values: List[float] = list(members['sample_mAP'])
    colors = ['tab:blue'] * len(names)
    for kind, label, color in (('ensemble', 'ensemble', 'tab:red'),
                               ('ensemble k-fold', 'ensemble (k-fold)',
                                'tab:orange')):
        rows = table[table['kind'] == kind]
        if len(rows):
            names.append(label)
            values.append(float(rows['sample_mAP'].iloc[0]))
            colors.append(color)
    fig = Figure(figsize=(7, 0.35 * len(names) + 1.2))
    ax = fig.add_subplot()
    y = np.arange(len(names))
    ax.barh(y, values, color=colors)
    label_at = list(values)  # labels start past the whiskers
    for label, ci in (('ensemble', result.ci),
                      ('ensemble (k-fold)', result.kfold_ci)):
        if ci is None or label not in names:
            continue
        i = names.index(label)
        ax.errorbar(values[i], i, fmt='none', ecolor='black',
                    xerr=[[values[i] - ci.low], [ci.high - values[i]]],
                    capsize=3)
        label_at[i] = max(values[i], ci.high)
    for i, value in enumerate(values):
        ax.text(label_at[i], i, f' {value:.4f}', va='center', fontsize=8)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    low, high = min(values), max(label_at)
    ax.set_xlim(max(0.0, low - 0.1 * (high - low + 1e-3) - 0.02),
                min(1.0, high) + 0.08)
    ax.set_xlabel('sample mAP')
    ax.set_title(f'{result.recipe.name}: members vs ensemble')
    return fig


def _weights_plot(result: EnsembleResult) -> Figure:
    names = list(result.weights)
    fig = Figure(figsize=(7, 0.35 * len(names) + 1.2))
    ax = fig.add_subplot()
    y = np.arange(len(names))
    ax.barh(y, [result.weights[n] for n in names], color='tab:green')
    if result.kfold is not None:
        folds = np.stack(result.kfold.fold_weights)
        ax.errorbar(folds.mean(0), y, xerr=folds.std(0), fmt='o',
                    color='black', markersize=3, label='k-fold mean +- std')
        ax.legend(loc='lower right')
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel('weight')
    ax.set_title(f'weights ({result.weight_source})')
    return fig


def _per_class_plot(result: EnsembleResult) -> Figure:
    per_class = result.per_class.dropna()
    fig = Figure(figsize=(5.5, 5.5))
    ax = fig.add_subplot()
    ax.scatter(per_class['best_member'], per_class['ensemble'], s=8,
               alpha=0.6)
    ax.plot([0, 1], [0, 1], color='grey', linewidth=1)
    better = int((per_class['ensemble'] > per_class['best_member']).sum())
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(f'AP of the best member ({result.best_member})')
    ax.set_ylabel('AP of the ensemble')
    ax.set_title(f'per-class AP: ensemble better on {better} of '
                 f'{len(per_class)} classes')
    return fig


def write_report(
        result: EnsembleResult,
        report_dir: str,
        *,
        extra_files: Optional[Mapping[str, Callable[[str], None]]] = None
) -> List[str]:
    """Write the report files (see the module docstring), all or nothing.

    Args:
        result (EnsembleResult): A run; without labels only
            ``weights.json`` is written, without ``detail`` no per-class AP
            and no member plots.
        report_dir (str): Created, or replaced whole (see
            :func:`check_report_dir`).
        extra_files (Mapping[str, Callable[[str], None]], optional): More
            files of the run to write into the report at the same time: the
            name in the directory -> a function writing that path. Defaults
            to None.

    Returns:
        list[str]: The files written (their final paths).
    """
    extra_files = dict(extra_files or {})
    check_report_dir(report_dir, list(extra_files))
    with atomic_directory(report_dir) as tmp_dir:
        names = _write_report_files(result, tmp_dir)
        for name, write in extra_files.items():
            write(osp.join(tmp_dir, name))
            names.append(name)
    return [osp.join(report_dir, name) for name in names]


def _write_report_files(result: EnsembleResult, report_dir: str) -> List[str]:
    """Write the report into ``report_dir``; the names written."""
    written = []

    def path(name: str) -> str:
        written.append(name)
        return osp.join(report_dir, name)

    with atomic_open(path('weights.json'), 'w', encoding='utf-8') as f:
        json.dump(weights_record(result), f, indent=2)
        f.write('\n')
    if result.table is None:
        return written
    with atomic_open(path('summary.csv'), 'w', encoding='utf-8',
                     newline='') as f:
        result.table.to_csv(f, index=False)
    if result.kfold is not None:
        folds = pd.DataFrame(
            np.stack(result.kfold.fold_weights), columns=list(result.weights))
        folds.insert(0, 'fold', np.arange(len(folds)))
        folds.insert(1, 'videos', np.bincount(result.kfold.fold_of))
        folds.insert(2, 'in_fold_sample_mAP', result.kfold.in_fold_scores)
        folds.insert(3, 'held_out_sample_mAP', result.kfold.fold_scores)
        with atomic_open(path('folds.csv'), 'w', encoding='utf-8',
                         newline='') as f:
            folds.to_csv(f, index=False)
    _save_figure(_weights_plot(result), path('weights.png'))
    if result.per_class is not None:  # run with detail
        with atomic_open(path('per_class_ap.csv'), 'w', encoding='utf-8',
                         newline='') as f:
            result.per_class.to_csv(f, index=False)
        _save_figure(_members_plot(result), path('members.png'))
        _save_figure(_per_class_plot(result), path('per_class_ap.png'))
    return written
