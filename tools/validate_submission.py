"""Check a submission file before uploading it.

::

    python tools/validate_submission.py submissions/mmit2019_top5.txt \\
        --test-list data/mmit/test_list.txt --num-classes 313

Prints every problem with its line number and exits with status 1, or
prints OK and exits with 0.
"""
import argparse
import sys

from mmt_challenge.submission import SUBMISSION_FORMATS, validate_submission


def parse_args():
    parser = argparse.ArgumentParser(description='Validate a submission file')
    parser.add_argument('file', help='the submission file')
    parser.add_argument(
        '--test-list', required=True, help='list file of the test videos')
    parser.add_argument(
        '--num-classes',
        type=int,
        help='number of classes (313 for M-MiT v1); checks index ranges and '
        'the CSV header')
    parser.add_argument(
        '--format',
        choices=SUBMISSION_FORMATS,
        help='default: a "filename," header means scores, else top5')
    return parser.parse_args()


def main():
    args = parse_args()
    problems = validate_submission(
        args.file,
        args.test_list,
        num_classes=args.num_classes,
        format=args.format)
    if problems:
        for problem in problems:
            print(f'{args.file}: {problem}')
        print(f'{args.file}: {len(problems)} problem(s)', file=sys.stderr)
        sys.exit(1)
    note = '' if args.num_classes else ' (class index range not checked: ' \
        'pass --num-classes)'
    print(f'{args.file}: OK{note}')


if __name__ == '__main__':
    main()
