"""Score of the class-prior baseline: every video gets the training class
frequencies as its scores. A member that learned anything beats it.

    python tools/analysis/prior_baseline.py TRAIN_LIST VAL_LIST --num-classes C
"""
import argparse

import mmt_challenge  # noqa: F401
from mmt_challenge.datasets import labels_to_multi_hot, read_list_file
from mmt_challenge.evaluation import map_metrics


def parse_args():
    parser = argparse.ArgumentParser(description='class-prior baseline mAP')
    parser.add_argument('train_list', help='list file the priors come from')
    parser.add_argument('val_list', help='list file to score')
    parser.add_argument('--num-classes', type=int, required=True)
    return parser.parse_args()


def main():
    args = parse_args()
    train = labels_to_multi_hot(
        read_list_file(args.train_list, num_classes=args.num_classes),
        args.num_classes)
    val = labels_to_multi_hot(
        read_list_file(args.val_list, num_classes=args.num_classes),
        args.num_classes)
    prior = train.mean(axis=0)
    scores = prior[None, :].repeat(len(val), axis=0)
    metrics = map_metrics(scores, val)
    print(f'class-prior baseline on {args.val_list}: ' + '  '.join(
        f'{name} {value:.4f}' for name, value in metrics.items()))


if __name__ == '__main__':
    main()
