"""Write a leaderboard submission from fused test scores.

::

    python tools/make_submission.py work_dirs/ens/test_fused.npz \\
        --out submissions/mmit2019_top5.txt --format top5 \\
        --test-list data/mmit/test_list.txt

The file is checked with the validator after writing.
"""
import argparse
import sys

import mmt_challenge  # noqa: F401  applies the stack workarounds
from mmt_challenge.engine.cli import exit_on_input_error
from mmt_challenge.structures import load_score_file
from mmt_challenge.submission import (SUBMISSION_FORMATS, make_submission,
                                      validate_submission)
from mmt_challenge.utils import check_outputs_not_inputs


def parse_args():
    parser = argparse.ArgumentParser(
        description='Write a submission file from a fused score file')
    parser.add_argument(
        'fused',
        help='fused score file (.npz, one scale); MMAction2 dumps (.pkl) go '
        'through an ensemble recipe (import_mmaction_dump), never here')
    parser.add_argument(
        '--out', required=True, help='submission file, e.g. '
        'submissions/NAME.txt')
    parser.add_argument(
        '--format',
        choices=SUBMISSION_FORMATS,
        default='top5',
        help='top5: "<filename> c1 .. c5"; scores: the full score CSV')
    parser.add_argument(
        '--test-list',
        help='list file of the test videos: the output follows its order '
        'and must cover exactly its videos')
    return parser.parse_args()


@exit_on_input_error
def main():
    args = parse_args()
    check_outputs_not_inputs({'--out': args.out}, {
        'score file': args.fused,
        'test list': args.test_list
    })
    score_file = load_score_file(args.fused)  # .npz only: never a pickle
    rows = make_submission(
        score_file, args.out, format=args.format, test_list=args.test_list)
    test_ids = args.test_list or [str(v) for v in score_file.video_ids]
    problems = validate_submission(
        args.out, test_ids, num_classes=score_file.num_classes,
        format=args.format)
    if problems:  # a bug in the writer: say so loudly
        for problem in problems:
            print(f'{args.out}: {problem}', file=sys.stderr)
        sys.exit(1)
    print(f'{args.out}: {rows} videos, format {args.format}, validated')


if __name__ == '__main__':
    main()
