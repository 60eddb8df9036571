"""Per-member mAP on the mini M-MiT, overall and by kind of class.

    python tools/analysis/per_kind_map.py \
        --ann data/mini_mmit/mini_mmit_val_list_videos.txt \
        --classes data/mini_mmit/classes.json \
        tsn=work_dirs/tsn/val.pkl tsm=work_dirs/tsm/val.pkl [--out table.md]

Each member is ``NAME=PREDICTIONS`` (or just the path, named after its
folder): a ``tools/test.py --dump`` pickle of the list file ``--ann``, or a
score file (``.npz``). Scores are joined to the list's labels on video id.
The table gives sample mAP (the challenge metric), macro mAP, and macro mAP
over the motion-only classes (direction of motion, which no single frame
shows) and over the appearance classes. The mini dataset makes each motion
class the time reversal of another, so an order-less member such as TSN is
at chance within each pair.

Only pass pickles you made or trust: unpickling runs code.
"""
import argparse
import os.path as osp

from mmt_challenge.analysis import format_kind_map_table, kind_maps
from mmt_challenge.datasets import class_indices_by_kind
from mmt_challenge.utils import atomic_write_text


def parse_args():
    parser = argparse.ArgumentParser(
        description='sample mAP and motion / appearance class macro mAP of '
        'members on the mini M-MiT')
    parser.add_argument(
        'members',
        nargs='+',
        help='NAME=PATH or PATH: tools/test.py --dump pickle or score file')
    parser.add_argument(
        '--ann',
        required=True,
        help='the list file the members were tested on')
    parser.add_argument(
        '--classes',
        default='data/mini_mmit/classes.json',
        help='classes.json of the mini dataset (default: %(default)s)')
    parser.add_argument('--out', help='also write the table to this file')
    return parser.parse_args()


def _split_member(member: str) -> tuple:
    if '=' in member:
        name, path = member.split('=', 1)
        return name, path
    return osp.basename(osp.dirname(osp.abspath(member))), member


def main():
    args = parse_args()
    classes = class_indices_by_kind(args.classes)
    kinds = ['motion', 'appearance']
    results = {}
    for member in args.members:
        name, path = _split_member(member)
        if name in results:
            raise ValueError(f'member {name!r} is given twice')
        results[name] = kind_maps(path, args.ann, classes, name=name)
    table = format_kind_map_table(results, kinds)
    print(table, end='')
    if args.out:
        atomic_write_text(args.out, table)


if __name__ == '__main__':
    main()
