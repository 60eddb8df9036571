"""Give every test video a score row: the training class prior for the
videos a member's dense test could not decode.

::

    python tools/fill_missing_scores.py work_dirs/<member>/scores_test.npz \\
        --test-list data/mmit/test_list.txt \\
        --train-list data/mmit/mmit_train_list_videos.txt \\
        --out work_dirs/<member>/scores_test_filled.npz

The output lists the test videos in the test list's order; its meta names
each filled video and why (``prior_filled_videos``), and the tool logs them.
"""
import argparse

import mmt_challenge  # noqa: F401  applies the stack workarounds
from mmt_challenge.engine.cli import exit_on_input_error
from mmt_challenge.submission.prior_fill import fill_score_file
from mmt_challenge.utils import check_outputs_not_inputs, check_suffix


def parse_args():
    parser = argparse.ArgumentParser(
        description='Fill the test videos a member could not score with the '
        'training class prior')
    parser.add_argument('scores', help='member test score file (.npz, .pkl)')
    parser.add_argument(
        '--test-list', required=True, help='list file of every test video')
    parser.add_argument(
        '--train-list', required=True,
        help='training list file: the class prior is its label frequencies')
    parser.add_argument('--out', required=True, help='score file to write')
    return parser.parse_args()


@exit_on_input_error
def main():
    args = parse_args()
    check_suffix(args.out, '.npz', '--out')
    check_outputs_not_inputs({'--out': args.out}, {
        'score file': args.scores,
        'test list': args.test_list,
        'training list': args.train_list
    })
    fill_score_file(args.scores, args.test_list, args.train_list, args.out)


if __name__ == '__main__':
    main()
