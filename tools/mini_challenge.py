"""The mini challenge end to end: ``python tools/mini_challenge.py``.

The same as ``python tools/run_challenge.py challenges/mini_mmit.py``:
generates the mini M-MiT, trains TSN, TSM, TIN and SlowFast members through
``tools/train.py``, dense-tests each at several scales, fuses them with
weights searched on validation, prints the leaderboard table, writes a
validated submission for the test split into ``submissions/`` and a Markdown
report into the work dir. A second run reuses finished stages; ``--fresh``
starts over; the options of ``tools/run_challenge.py`` apply.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from run_challenge import add_run_args, run  # noqa: E402

CHALLENGE = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'challenges',
    'mini_mmit.py')


def parse_args():
    parser = argparse.ArgumentParser(description='Run the mini challenge')
    add_run_args(parser)
    return parser.parse_args()


def main():
    run(CHALLENGE, parse_args())


if __name__ == '__main__':
    main()
