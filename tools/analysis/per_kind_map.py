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

from mmt_challenge.datasets import (class_indices_by_kind, labels_to_multi_hot,
                                    read_list_file)
from mmt_challenge.ensemble import load_score_file, rows_in_order
from mmt_challenge.evaluation import macro_map, sample_map


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


def kind_maps(path: str, ann_file: str, classes: dict, *, name: str) -> dict:
    """sample / macro mAP of one member, and macro mAP of each class kind.

    Args:
        path (str): The member's dump (``.pkl``) or score file (``.npz``).
        ann_file (str): The list file the member was tested on.
        classes (dict): ``{kind: [class index, ...]}`` as
            :func:`mmt_challenge.datasets.class_indices_by_kind` returns.
        name (str): The member, for messages.

    Returns:
        dict: ``sample``, ``macro`` and one macro mAP per kind, in [0, 1].
    """
    score_file = load_score_file(path, ann_file=ann_file)
    num_classes = score_file.num_classes
    records = read_list_file(ann_file, num_classes=num_classes)
    rows = rows_in_order(name, score_file, [r.video_id for r in records],
                         ann_file)
    scores = score_file.scores[rows, 0, :]  # the first (only) scale
    labels = labels_to_multi_hot(records, num_classes)
    maps = dict(
        sample=sample_map(scores, labels), macro=macro_map(scores, labels))
    for kind, indices in classes.items():
        maps[kind] = macro_map(scores[:, indices], labels[:, indices])
    return maps


def markdown(results: dict, kinds: list) -> str:
    """``{member: maps}`` as a Markdown table, in percent."""
    header = ['member', 'sample mAP', 'macro mAP'] + [
        f'{kind} macro mAP' for kind in kinds
    ]
    lines = [
        '| ' + ' | '.join(header) + ' |',
        '|---|' + '---:|' * (len(header) - 1),
    ]
    for name, maps in results.items():
        values = [maps['sample'], maps['macro']] + [maps[k] for k in kinds]
        lines.append(f'| {name} | ' +
                     ' | '.join(f'{100 * v:.1f}' for v in values) + ' |')
    return '\n'.join(lines) + '\n'


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
    table = markdown(results, kinds)
    print(table, end='')
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table)


if __name__ == '__main__':
    main()
