"""Check a submission file before uploading it.

::

    python tools/validate_submission.py submissions/mmit2019_top5.txt \\
        --test-list data/mmit/test_list.txt --num-classes 313

The class count comes from ``--num-classes``, ``--label-map`` or
``--challenge``; without one the file is not called valid (its class indices
could not be checked). Prints every problem with its line number and exits
with status 1, or prints OK and exits with 0.
"""
import argparse
import sys

from mmt_challenge.datasets import read_label_map
from mmt_challenge.engine.cli import exit_on_input_error
from mmt_challenge.submission import SUBMISSION_FORMATS, validate_submission


def parse_args():
    parser = argparse.ArgumentParser(description='Validate a submission file')
    parser.add_argument('file', help='the submission file')
    parser.add_argument(
        '--test-list', required=True, help='list file of the test videos')
    classes = parser.add_mutually_exclusive_group()
    classes.add_argument(
        '--num-classes',
        type=int,
        help='number of classes (313 for M-MiT v1); checks index ranges and '
        'the CSV header')
    classes.add_argument(
        '--label-map', help='class names, one per line: their count is the '
        'number of classes')
    classes.add_argument(
        '--challenge', help='challenge config (challenges/*.py): its label '
        'map gives the number of classes')
    parser.add_argument(
        '--format',
        choices=SUBMISSION_FORMATS,
        help='default: a "filename," header means scores, else top5')
    return parser.parse_args()


def class_count(args):
    """From --num-classes, --label-map or --challenge; None if none given
    (the validator then refuses to say OK)."""
    if args.label_map is not None:
        return len(read_label_map(args.label_map))
    if args.challenge is not None:
        from mmt_challenge.apis.challenge_config import load_challenge
        return load_challenge(args.challenge).num_classes()
    return args.num_classes


@exit_on_input_error
def main():
    args = parse_args()
    problems = validate_submission(
        args.file,
        args.test_list,
        num_classes=class_count(args),
        format=args.format)
    if problems:
        for problem in problems:
            print(f'{args.file}: {problem}')
        print(f'{args.file}: {len(problems)} problem(s)', file=sys.stderr)
        sys.exit(1)
    print(f'{args.file}: OK')


if __name__ == '__main__':
    main()
