"""Fuse an ensemble recipe's members, score it and write a report.

Validation (fit weights, report the honest estimate)::

    python tools/ensemble.py ensembles/mmit2019_winners.py \\
        --ann data/mmit/val_list.txt --out work_dirs/ens/val_fused.npz \\
        --report work_dirs/ens/report

Test (apply the weights fitted on validation)::

    python tools/ensemble.py ensembles/mmit2019_winners.py --split test \\
        --weights work_dirs/ens/report/weights.json \\
        --out work_dirs/ens/test_fused.npz
"""
import argparse
import json
import os.path as osp

from mmengine.config import DictAction
from mmengine.logging import print_log

import mmt_challenge  # noqa: F401  applies the stack workarounds
from mmt_challenge.ensemble import (format_table, load_recipe, run_ensemble, write_report)
from mmt_challenge.structures import save_score_file


def parse_args():
    parser = argparse.ArgumentParser(
        description='Fuse the members of an ensemble recipe')
    parser.add_argument('recipe', help='ensemble recipe (ensembles/*.py)')
    parser.add_argument(
        '--ann',
        help='list file of the split: fixes the video order; with labels it '
        'turns on scoring, weight search and the report')
    parser.add_argument(
        '--split',
        default='val',
        help='replaces {split} in the members\' score file paths')
    parser.add_argument('--out', help='fused score file (.npz) to write')
    parser.add_argument(
        '--report',
        help='report directory (default: work_dirs/ensembles/<recipe>/'
        '<split> when --ann has labels)')
    parser.add_argument(
        '--weights',
        help='weights.json of an earlier run: use its member weights '
        'instead of the recipe\'s or a search')
    parser.add_argument(
        '--no-search',
        action='store_true',
        help='keep the recipe\'s weights even if it asks for a search')
    parser.add_argument(
        '--no-detail',
        action='store_true',
        help='score the fused result only: no per-member rows, bootstrap '
        'intervals, per-class AP or member plots (faster)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override recipe settings, e.g. search.folds=10')
    return parser.parse_args()


def main():
    args = parse_args()
    recipe = load_recipe(args.recipe, cfg_options=args.cfg_options)
    weights = None
    if args.weights is not None:
        with open(args.weights, encoding='utf-8') as f:
            weights = json.load(f)['weights']
    result = run_ensemble(
        recipe,
        split=args.split,
        ann_file=args.ann,
        weights=weights,
        search=not args.no_search,
        detail=not args.no_detail)
    if args.out is not None:
        save_score_file(args.out, result.fused)
        print_log(f'fused scores written to {args.out}', logger='current')
    report_dir = args.report
    if report_dir is None and result.table is not None:
        report_dir = osp.join('work_dirs', 'ensembles', recipe.name,
                              args.split)
    if result.table is not None:
        print(format_table(result))
    if report_dir is not None:
        written = write_report(result, report_dir)
        print_log(f'report written to {report_dir}: '
                  f'{", ".join(osp.basename(p) for p in written)}',
                  logger='current')


if __name__ == '__main__':
    main()
