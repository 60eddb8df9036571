"""Count the videos of each class in an annotation, for class-balanced losses.

    python tools/class_counts.py data/mmit/mmit_train_list_videos.txt \
        data/mmit/train_class_counts.txt --num-classes 313

The input is an MMAction2 list file (``path l1 l2 ...``) or an M-MiT CSV
(``relpath.mp4,l1,l2``; chosen by the ``.csv`` suffix unless ``--format``
says otherwise). The output has one count per line, line ``i`` for class
``i``; pass it to a loss as ``class_counts_file``:

    loss_cls=dict(type='ScaledBCELoss', scale=160.0,
                  class_weight_mode='sqrt',
                  class_counts_file='data/mmit/train_class_counts.txt')
"""
import argparse

from mmt_challenge.datasets.class_counts import (load_class_counts,
                                                 write_class_counts)
from mmt_challenge.engine.cli import exit_on_input_error
from mmt_challenge.utils import check_outputs_not_inputs


def parse_args():
    parser = argparse.ArgumentParser(
        description='per-class video counts of a multi-label annotation')
    parser.add_argument(
        'ann_file', help='MMAction2 list file or M-MiT annotation CSV')
    parser.add_argument('out', help='counts file to write, one per line')
    parser.add_argument(
        '--num-classes',
        type=int,
        default=None,
        help='number of classes (default: the largest label plus one; pass '
        'it so that classes without any video are counted as 0)')
    parser.add_argument(
        '--format',
        choices=['auto', 'list', 'csv'],
        default='auto',
        help="annotation format (default: 'csv' for a .csv suffix, else "
        "'list')")
    return parser.parse_args()


@exit_on_input_error
def main():
    args = parse_args()
    check_outputs_not_inputs({'out': args.out}, {'annotation': args.ann_file})
    fmt = args.format
    if fmt == 'auto':
        fmt = 'csv' if args.ann_file.lower().endswith('.csv') else 'list'
    counts = load_class_counts(args.ann_file, args.num_classes, fmt=fmt)
    write_class_counts(args.out, counts)
    zero = [i for i, c in enumerate(counts.tolist()) if c == 0]
    print(f'{len(counts)} classes, {int(counts.sum())} labels, counts '
          f'{int(counts.min())}..{int(counts.max())} (mean '
          f'{counts.mean():.1f}) -> {args.out}')
    if zero:
        print(f'warning: {len(zero)} classes have no video: {zero[:20]}'
              f'{" ..." if len(zero) > 20 else ""}; class_weight_mode '
              "'sqrt' / 'linear' refuses zero counts")


if __name__ == '__main__':
    main()
