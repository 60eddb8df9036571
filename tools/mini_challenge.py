"""The mini challenge end to end: ``python tools/mini_challenge.py``.

Generates the mini M-MiT, trains TSN, TSM, TIN and SlowFast members through
``tools/train.py``, dense-tests each at several scales, fuses them with
weights searched on validation, prints the leaderboard table, writes a
validated submission for the test split into ``submissions/`` and a Markdown
report into the work dir. A second run reuses finished stages; ``--fresh``
starts over.
"""
import argparse

import mmt_challenge  # noqa: F401
from mmt_challenge.apis import MiniChallenge


def parse_args():
    parser = argparse.ArgumentParser(description='Run the mini challenge')
    parser.add_argument(
        '--work-dir', default='work_dirs/mini_challenge',
        help='where checkpoints, score files and the report go')
    parser.add_argument(
        '--data-dir', default='data/mini_mmit', help='the mini dataset')
    parser.add_argument(
        '--fresh', action='store_true',
        help='delete the work dir and the dataset and start over')
    parser.add_argument(
        '--submission', default=None,
        help='submission file (default: submissions/mini_challenge_top5.txt)')
    return parser.parse_args()


def main():
    args = parse_args()
    challenge = MiniChallenge(
        work_dir=args.work_dir,
        data_dir=args.data_dir,
        submission=args.submission)
    challenge.run(fresh=args.fresh)


if __name__ == '__main__':
    main()
