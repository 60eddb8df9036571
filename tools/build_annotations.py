"""Write MMAction2 list files from M-MiT CSVs, leaving out unusable videos.

    python tools/build_annotations.py data/mmit/trainingSet.csv \
        data/mmit/videos data/mmit/mmit_train_list_videos.txt --num-classes 313

Missing videos and videos decord cannot open are listed in
``<out>.dropped.txt`` (or ``--report``), each with its whole CSV row, and
counted; bad CSV rows (absolute or ``..`` paths, whitespace, bad labels,
another encoding than UTF-8) are errors naming the file and line, found before
any video is checked. Neither output may be the source CSV.
"""
import argparse

import mmt_challenge  # noqa: F401
from mmt_challenge.datasets import build_list_file
from mmt_challenge.engine.cli import exit_on_input_error


def parse_args():
    parser = argparse.ArgumentParser(
        description='M-MiT CSV -> MMAction2 multi-label list file')
    parser.add_argument('csv', help='M-MiT annotation CSV (relpath,idx,...)')
    parser.add_argument('video_root', help='directory of the relative paths')
    parser.add_argument('out', help='list file to write')
    parser.add_argument(
        '--num-classes', type=int, default=None,
        help='check that labels lie in [0, num_classes)')
    parser.add_argument(
        '--report', default=None,
        help='file listing the videos left out (default: <out>.dropped.txt)')
    parser.add_argument(
        '--no-decode-check', action='store_true',
        help='only check that videos exist, do not open them with decord')
    parser.add_argument(
        '--allow-unlabelled', action='store_true',
        help='accept rows without labels (test splits)')
    parser.add_argument(
        '--keep-unusable', action='store_true',
        help='keep missing and undecodable videos in the list, still '
        'reported (test splits: every video needs a prediction)')
    parser.add_argument(
        '--workers', type=int, default=1, help='processes for video checks')
    return parser.parse_args()


@exit_on_input_error
def main():
    args = parse_args()
    build_list_file(
        args.csv,
        args.video_root,
        args.out,
        num_classes=args.num_classes,
        report_path=args.report,
        decode_check=not args.no_decode_check,
        allow_unlabelled=args.allow_unlabelled,
        keep_unusable=args.keep_unusable,
        workers=args.workers)


if __name__ == '__main__':
    main()
