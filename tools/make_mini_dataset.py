"""Generate the built-in mini M-MiT dataset (synthetic multi-label videos).

Example::

    python tools/make_mini_dataset.py --out data/mini_mmit
"""
import argparse
import json

from mmt_challenge.datasets.mini_dataset import generate_mini_dataset


def parse_args():
    parser = argparse.ArgumentParser(
        description='Generate the mini M-MiT dataset: mp4 videos, '
        'M-MiT-style annotation CSVs, a label map and classes.json')
    parser.add_argument(
        '--out', default='data/mini_mmit', help='output directory')
    parser.add_argument(
        '--num-train', type=int, default=400, help='training videos')
    parser.add_argument(
        '--num-val', type=int, default=100, help='validation videos')
    parser.add_argument(
        '--num-test', type=int, default=100, help='test videos')
    parser.add_argument(
        '--size', type=int, default=64, help='frame side in pixels')
    parser.add_argument(
        '--num-frames', type=int, default=32, help='frames per video')
    parser.add_argument(
        '--fps', type=float, default=10, help='frame rate of the videos')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace an existing non-empty output directory')
    return parser.parse_args()


def main():
    args = parse_args()
    summary = generate_mini_dataset(
        args.out,
        num_train=args.num_train,
        num_val=args.num_val,
        num_test=args.num_test,
        size=args.size,
        num_frames=args.num_frames,
        fps=args.fps,
        seed=args.seed,
        overwrite=args.overwrite,
        show_progress=True)
    print(f'Mini M-MiT dataset written to {summary["out_dir"]}')
    print(json.dumps(summary, indent=2))


if __name__ == '__main__':
    main()
