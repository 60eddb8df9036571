"""Re-encode a split's videos at a fixed frame rate and short side (PyAV).

::

    python tools/prepare_videos.py data/mmit/trainingSet.csv data/mmit/videos \\
        data/mmit/videos_30fps_320 --fps 30 --short-side 320 --workers 16

Resumable: videos already written are skipped, each is written atomically.
Videos that cannot be decoded are listed in ``<dst>/<csv name>.failed.txt``.
"""
import argparse

from mmt_challenge.datasets.video_preparation import prepare_videos
from mmt_challenge.engine.cli import exit_on_input_error
from mmt_challenge.utils import check_outputs_not_inputs


def parse_args():
    parser = argparse.ArgumentParser(
        description='Re-encode videos at a fixed fps and short side')
    parser.add_argument('csv', help='M-MiT CSV of the split')
    parser.add_argument('src', help='directory of the relative paths')
    parser.add_argument('dst', help='directory to write the videos into')
    parser.add_argument('--fps', type=int, default=30, help='frame rate')
    parser.add_argument(
        '--short-side', type=int, default=320, help='short side in pixels')
    parser.add_argument('--workers', type=int, default=1, help='processes')
    parser.add_argument(
        '--report', help='list of the videos not written (default: '
        '<dst>/<csv name>.failed.txt)')
    return parser.parse_args()


@exit_on_input_error
def main():
    args = parse_args()
    # Same relative paths: a dst that is src would overwrite every video.
    check_outputs_not_inputs({'dst': args.dst, '--report': args.report},
                             {'video directory (src)': args.src,
                              'CSV': args.csv})
    prepare_videos(
        args.csv,
        args.src,
        args.dst,
        fps=args.fps,
        short_side=args.short_side,
        workers=args.workers,
        report_path=args.report)


if __name__ == '__main__':
    main()
