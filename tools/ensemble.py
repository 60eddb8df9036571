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
import os.path as osp

from mmengine.config import DictAction
from mmengine.logging import print_log

import mmt_challenge  # noqa: F401  applies the stack workarounds
from mmt_challenge.engine.cli import exit_on_input_error
from mmt_challenge.ensemble import (format_table, load_recipe, run_ensemble,
                                    write_report)
from mmt_challenge.ensemble.report import check_report_dir, read_weights_file
from mmt_challenge.structures import save_score_file
from mmt_challenge.utils import check_outputs_not_inputs, check_suffix


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
        help='override recipe settings, e.g. search.folds=10; a key the '
        'recipe lacks is an error unless marked new: +key=value')
    return parser.parse_args()


def check_paths(args, recipe):
    """Fail fast, before any member is read: the --out suffix, no output
    over an input, a report directory that can be replaced whole. Returns
    the report directory (None without one) and the extra files of the
    report (the fused file when --out lies inside it)."""
    check_suffix(args.out, '.npz', '--out')
    report_dir = args.report
    if report_dir is None and args.ann is not None:  # used if it has labels
        report_dir = osp.join('work_dirs', 'ensembles', recipe.name,
                              args.split)
    inputs = {'recipe': args.recipe, 'list file (--ann)': args.ann,
              'weights file (--weights)': args.weights}
    for member in recipe.members:
        inputs[f'member {member.name!r} score file'] = member.path(args.split)
    check_outputs_not_inputs({'--out': args.out}, inputs,
                             output_dirs={'the report directory': report_dir})
    in_report = (args.out is not None and report_dir is not None
                 and osp.dirname(osp.realpath(args.out)) == osp.realpath(
                     report_dir))
    extra = [osp.basename(args.out)] if in_report else []
    if report_dir is not None:
        check_report_dir(report_dir, extra)
    return report_dir, extra


@exit_on_input_error
def main():
    args = parse_args()
    recipe = load_recipe(args.recipe, cfg_options=args.cfg_options)
    report_dir, extra = check_paths(args, recipe)
    weights = None
    if args.weights is not None:
        weights = read_weights_file(args.weights)
    result = run_ensemble(
        recipe,
        split=args.split,
        ann_file=args.ann,
        weights=weights,
        search=not args.no_search,
        detail=not args.no_detail)
    if args.out is not None and not extra:
        save_score_file(args.out, result.fused)
        print_log(f'fused scores written to {args.out}', logger='current')
    if result.table is not None:
        print(format_table(result))
    elif args.report is None:
        report_dir = None  # the default report needs labels
    if report_dir is not None:
        written = write_report(
            result, report_dir,
            extra_files={
                name: lambda path: save_score_file(path, result.fused)
                for name in extra
            })
        print_log(f'report written to {report_dir}: '
                  f'{", ".join(osp.basename(p) for p in written)}',
                  logger='current')


if __name__ == '__main__':
    main()
