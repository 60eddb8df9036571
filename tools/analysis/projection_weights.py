"""Top-k cross-dataset projection weights of a multi-dataset checkpoint.

``python tools/analysis/projection_weights.py CHECKPOINT --src A --dst B
[--src-classes A_LABEL_MAP] [--dst-classes B_LABEL_MAP] [--topk 3]
[--class NAME ...] [--related JSON] [--out FILE.csv]``

For each class of dataset B, the classes of dataset A whose logits the
learned projection ``A -> B`` weighs most (the MultiTrain supplement's
Table 4): which of A's concepts the model found in B's. Printed as a table
and saved as CSV (``dst_class,rank,src_class,weight[,related]``).

``--related`` marks expected pairs and prints their recall at k: a JSON
list of ``[class, class]`` pairs, or a ``classes.json`` whose classes list
their ``related`` classes of the other dataset (the mini pair dataset's).
"""
import argparse
import csv
import json

import torch

import mmt_challenge  # noqa: F401  applies the stack workarounds
from mmt_challenge.datasets import read_label_map
from mmt_challenge.analysis.projection_weights import (
    projection_weight_from_state_dict, top_projection_weights)
from mmt_challenge.utils import atomic_open


def parse_args():
    parser = argparse.ArgumentParser(
        description='Print and save the top-k cross-dataset projection '
        'weights between the classes of two datasets')
    parser.add_argument('checkpoint', help='multi-dataset checkpoint')
    parser.add_argument('--src', required=True, help='source dataset')
    parser.add_argument('--dst', required=True, help='target dataset')
    parser.add_argument(
        '--src-classes', help='label map of the source (one name a line)')
    parser.add_argument(
        '--dst-classes', help='label map of the target (one name a line)')
    parser.add_argument(
        '--topk', type=int, default=3, help='source classes per target')
    parser.add_argument(
        '--class',
        dest='classes',
        nargs='+',
        help='only these target classes (names)')
    parser.add_argument(
        '--related', help='JSON of expected pairs, to mark and score')
    parser.add_argument('--out', help='CSV file to write')
    return parser.parse_args()


def read_related(path: str) -> set:
    """Expected pairs as a set of frozensets of two class names."""
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    if isinstance(data, dict) and isinstance(data.get('classes'), list):
        return {
            frozenset((c['name'], other))
            for c in data['classes'] for other in c.get('related', [])
        }
    if isinstance(data, list) and all(
            isinstance(p, list) and len(p) == 2 for p in data):
        return {frozenset(p) for p in data}
    raise SystemExit(f'{path}: expected a list of [class, class] pairs or a '
                     'classes.json with "related" lists')


def main():
    args = parse_args()
    checkpoint = torch.load(args.checkpoint, map_location='cpu')
    state_dict = checkpoint.get('state_dict', checkpoint)
    weight = projection_weight_from_state_dict(state_dict, args.src, args.dst)
    src_classes = (
        read_label_map(args.src_classes) if args.src_classes else
        [str(i) for i in range(weight.shape[1])])
    dst_classes = (
        read_label_map(args.dst_classes) if args.dst_classes else
        [str(i) for i in range(weight.shape[0])])
    rows = top_projection_weights(
        weight,
        args.topk,
        src_classes=src_classes,
        dst_classes=dst_classes,
        dst_filter=args.classes)
    fields = ['dst_class', 'rank', 'src_class', 'weight']
    related = read_related(args.related) if args.related else None
    if related is not None:
        fields.append('related')
        for row in rows:
            row['related'] = frozenset(
                (row['dst_class'], row['src_class'])) in related

    print(f'Projection {args.src} -> {args.dst}: top {args.topk} '
          f'{args.src} classes per {args.dst} class')
    extra = related is not None
    print(f'| {args.dst} class | rank | {args.src} class | weight |' +
          (' related |' if extra else ''))
    print('|---|---:|---|---:|' + ('---|' if extra else ''))
    for row in rows:
        mark = (' yes |' if row['related'] else ' |') if extra else ''
        print(f"| {row['dst_class']} | {row['rank']} | {row['src_class']} | "
              f"{row['weight']:.3f} |{mark}")
    if extra:
        # pairs of a shown target class and a source class
        shown = {row['dst_class'] for row in rows}
        expected = {
            pair
            for pair in related if any(
                name in shown and (pair - {name}) <= set(src_classes)
                for name in pair)
        }
        found = {
            frozenset((row['dst_class'], row['src_class']))
            for row in rows if row['related']
        }
        print(f'Related pairs among the top {args.topk}: {len(found)} of '
              f'{len(expected)}')
    if args.out:
        with atomic_open(args.out, 'w', newline='', encoding='utf-8') as f:
            writer = csv.DictWriter(
                f, fieldnames=fields, extrasaction='ignore')
            writer.writeheader()
            for row in rows:
                writer.writerow(dict(row, weight=f"{row['weight']:.6g}"))
        print(f'Saved {len(rows)} rows to {args.out}')


if __name__ == '__main__':
    main()
