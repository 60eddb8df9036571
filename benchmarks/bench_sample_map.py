"""Time mmt_challenge's mAP functions against MMAction2 and scikit-learn.

On M-MiT validation-sized data (10,000 videos x 313 classes, about three
positive classes per video, float32 scores rounded to 3 decimals so that ties
occur), measured in one run: ours and the reference are called in turn,
``--repeat`` times each, and the table gives the best and the median time of
each and their ratios:

* ``sample_map`` vs MMAction2's ``mmit_mean_average_precision`` (a Python
  loop over samples), scikit-learn's ``average_precision_score(...,
  average='samples')`` and the same function sorting every row (its
  strategy for rows with many positives, and how sample mAP was computed
  before it counted, per positive, the scores of its row at least as high);
* ``macro_map`` vs MMAction2's ``mean_average_precision`` and scikit-learn's
  ``average='macro'``;
* ``micro_map`` vs scikit-learn's ``average='micro'``.

Every reference must give the same value (to 1e-9) or the script fails.

Example:
    OMP_NUM_THREADS=1 python benchmarks/bench_sample_map.py
"""
import argparse
import platform
import time
import warnings
from statistics import median

import numpy as np
from mmaction.evaluation.functional import (mean_average_precision,
                                            mmit_mean_average_precision)
from sklearn.metrics import average_precision_score

import mmt_challenge  # noqa: F401  the pinned stack's import workarounds
from mmt_challenge.evaluation import macro_map, micro_map, sample_map
from mmt_challenge.evaluation import functional


def sample_map_by_sorting(scores, labels):
    """``sample_map`` made to sort every row (one argsort per row)."""
    cost = functional._SORT_COST_PER_LOG2
    functional._SORT_COST_PER_LOG2 = 0
    try:
        return sample_map(scores, labels)
    finally:
        functional._SORT_COST_PER_LOG2 = cost


def parse_args():
    parser = argparse.ArgumentParser(
        description='Benchmark sample / macro / micro mAP')
    parser.add_argument('--num-samples', type=int, default=10000)
    parser.add_argument('--num-classes', type=int, default=313)
    parser.add_argument(
        '--positives',
        type=float,
        default=3.0,
        help='mean number of positive classes per sample')
    parser.add_argument(
        '--repeat', type=int, default=5, help='calls of each function')
    parser.add_argument(
        '--decimals',
        type=int,
        default=3,
        help='round scores to this many decimals (ties); -1: no rounding')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def make_data(num_samples, num_classes, positives, decimals, seed):
    """Float32 scores [N, C] and int64 multi-hot labels [N, C].

    Every sample gets at least one positive, so that all references are
    defined (MMAction2's sample-level mAP is NaN otherwise).
    """
    rng = np.random.default_rng(seed)
    scores = rng.random((num_samples, num_classes), dtype=np.float32)
    if decimals >= 0:
        scores = scores.round(decimals)
    labels = rng.random(
        (num_samples, num_classes)) < ((positives - 1) / num_classes)
    labels[np.arange(num_samples),
           rng.integers(0, num_classes, num_samples)] = True
    return scores, labels.astype(np.int64)


def timed(function):
    """Value and seconds of one call of ``function``."""
    start = time.perf_counter()
    value = function()
    return float(value), time.perf_counter() - start


def time_pair(ours, reference, repeat):
    """Call ``ours`` once untimed, then ``ours`` and ``reference`` in turn,
    ``repeat`` times each.

    Returns:
        tuple: both values and both lists of seconds.
    """
    ours()  # warm-up: the first call loads the compiled kernels
    ours_seconds, ref_seconds = [], []
    for _ in range(repeat):
        value, seconds = timed(ours)
        ours_seconds.append(seconds)
        ref_value, seconds = timed(reference)
        ref_seconds.append(seconds)
    return value, ref_value, ours_seconds, ref_seconds


def ms(seconds):
    return f'{min(seconds) * 1e3:.1f} ({median(seconds) * 1e3:.1f})'


def main():
    args = parse_args()
    scores, labels = make_data(args.num_samples, args.num_classes,
                               args.positives, args.decimals, args.seed)
    score_rows, label_rows = list(scores), list(labels)
    # scikit-learn's macro average counts a class without positives as 0,
    # ours and MMAction2's leave it out (none at the default size).
    has_pos = labels.any(axis=0)
    scores_with_pos, labels_with_pos = scores[:, has_pos], labels[:, has_pos]
    ours_vs_refs = [
        ('sample_map', lambda: sample_map(scores, labels), [
            ('MMAction2 mmit_mean_average_precision',
             lambda: mmit_mean_average_precision(score_rows, label_rows)),
            ('sklearn average_precision_score samples', lambda:
             average_precision_score(labels, scores, average='samples')),
            ('sample_map sorting every row',
             lambda: sample_map_by_sorting(scores, labels)),
        ]),
        ('macro_map', lambda: macro_map(scores, labels), [
            ('MMAction2 mean_average_precision',
             lambda: mean_average_precision(score_rows, label_rows)),
            ('sklearn average_precision_score macro',
             lambda: average_precision_score(
                 labels_with_pos, scores_with_pos, average='macro')),
        ]),
        ('micro_map', lambda: micro_map(scores, labels), [
            ('sklearn average_precision_score micro',
             lambda: average_precision_score(labels, scores, average='micro')),
        ]),
    ]

    print(f'scores {scores.shape[0]} x {scores.shape[1]} float32 '
          f'(rounded to {args.decimals} decimals), '
          f'{labels.sum() / len(labels):.2f} positives per sample, '
          f'{len(np.unique(scores))} distinct scores; '
          f'numpy {np.__version__}, {platform.processor() or "cpu"}')
    print(f'{args.repeat} calls each, ours and the reference in turn; '
          'times in ms, best (median); speed-up = reference / ours, '
          'best (median)\n')
    columns = [('function', 10), ('ours ms', 13), ('reference', 40),
               ('reference ms', 15), ('speed-up', 15), ('value', 8)]
    print('| ' + ' | '.join(f'{name:<{width}}'
                            for name, width in columns) + ' |')
    print('|' + '|'.join('-' * (width + 2) for _, width in columns) + '|')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for name, ours, references in ours_vs_refs:
            for ref_name, reference in references:
                value, ref_value, ours_s, ref_s = time_pair(
                    ours, reference, args.repeat)
                if not np.isclose(value, ref_value, rtol=1e-9, atol=0):
                    raise RuntimeError(f'{name} = {value!r} but {ref_name} = '
                                       f'{ref_value!r}')
                speed_up = (f'{min(ref_s) / min(ours_s):.1f}x '
                            f'({median(ref_s) / median(ours_s):.1f}x)')
                cells = [
                    name,
                    ms(ours_s), ref_name,
                    ms(ref_s), speed_up, f'{value:.5f}'
                ]
                print('| ' +
                      ' | '.join(f'{cell:<{width}}'
                                 for cell, (_, width) in zip(cells, columns)) +
                      ' |')


if __name__ == '__main__':
    main()
