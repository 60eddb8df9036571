"""The loss study on the mini M-MiT: every loss's mini TSM config trained
with three seeds, the mean and standard deviation of its validation sample
mAP.

    python tools/analysis/loss_study.py [--work-dir work_dirs/loss_study] \
        [--data-dir data/mini_mmit] [--seeds 0 1 2] [--out table.md]

Generates the mini M-MiT (and its list files) if needed, then trains each
(loss, seed) through ``tools/train.py`` unless its ``result.json`` exists,
so that a second call resumes where the first stopped. The table is printed
and written to ``<work-dir>/loss_study.md`` (and ``--out``).
"""
import argparse
import os.path as osp

import mmt_challenge  # noqa: F401
from mmt_challenge.analysis import (format_loss_study_table,
                                    run_loss_study, summarize_loss_study)
from mmt_challenge.analysis.loss_study import data_options, prepare_mini_data
from mmt_challenge.utils import atomic_write_text


def parse_args():
    parser = argparse.ArgumentParser(
        description='train the mini TSM with each loss and several seeds')
    parser.add_argument(
        '--work-dir', default='work_dirs/loss_study',
        help='where the runs and the table go')
    parser.add_argument(
        '--data-dir', default='data/mini_mmit', help='the mini dataset')
    parser.add_argument(
        '--seeds', type=int, nargs='+', default=[0, 1, 2],
        help='training seeds')
    parser.add_argument('--out', help='also write the table to this file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        metavar='KEY=VALUE',
        help='passed to the --cfg-options of every tools/train.py run')
    return parser.parse_args()


def main():
    args = parse_args()
    prepare_mini_data(args.data_dir)
    results = run_loss_study(
        args.work_dir,
        seeds=args.seeds,
        cfg_options=data_options(args.data_dir) + args.cfg_options)
    table = format_loss_study_table(summarize_loss_study(results))
    print(table)
    atomic_write_text(osp.join(args.work_dir, 'loss_study.md'), table + '\n')
    if args.out:
        atomic_write_text(args.out, table + '\n')


if __name__ == '__main__':
    main()
