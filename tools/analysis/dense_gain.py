"""Single clip vs dense vs multi-scale dense, per member (the 2019 report's
Table 2), with the paired bootstrap interval of the gain.

    python tools/analysis/dense_gain.py \
        --ann data/mini_mmit/mini_mmit_val_list_videos.txt \
        --video-root data/mini_mmit/videos --out-dir work_dirs/dense_gain \
        --member TSN configs/mini/tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py \
            work_dirs/mini_challenge/tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb/epoch_8.pth \
        --member TSM ... [--out table.md]

Each member is dense-tested twice on the list (as ``tools/dense_test.py``
does): with its validation view (1 clip, centre crop, the pipeline's scale)
and with its config's dense protocol (``dense_test_cfg``: clips, crops and
scales). The score files go to ``--out-dir`` as ``NAME_clip.npz`` and
``NAME_dense.npz`` and are reused when there.
"""
import argparse
import os.path as osp

from mmengine.config import Config

import mmt_challenge  # noqa: F401
from mmt_challenge.analysis import dense_gain, format_dense_gain_table
from mmt_challenge.datasets import labels_to_multi_hot, read_list_file
from mmt_challenge.structures import load_score_file
from mmt_challenge.testing import DenseTestProtocol, run_dense_test
from mmt_challenge.utils import atomic_write_text


def parse_args():
    parser = argparse.ArgumentParser(
        description='single clip vs dense vs multi-scale dense sample mAP')
    parser.add_argument(
        '--member',
        nargs=3,
        action='append',
        required=True,
        metavar=('NAME', 'CONFIG', 'CHECKPOINT'),
        help='a member to test (repeat for several)')
    parser.add_argument('--ann', required=True, help='labelled list file')
    parser.add_argument('--video-root', required=True)
    parser.add_argument(
        '--out-dir', required=True, help='where the score files go')
    parser.add_argument('--out', help='also write the table to this file')
    return parser.parse_args()


def score_file(cfg, name, checkpoint, args, kind, **protocol):
    path = osp.join(args.out_dir, f'{name}_{kind}.npz')
    if osp.isfile(path):
        print(f'{name}: reusing {path}')
        return load_score_file(path)
    return run_dense_test(
        cfg,
        checkpoint,
        out=path,
        ann_file=args.ann,
        video_root=args.video_root,
        **protocol).score_file


def main():
    args = parse_args()
    records = read_list_file(args.ann)
    video_ids = [r.video_id for r in records]
    rows = {}
    for name, config, checkpoint in args.member:
        cfg = Config.fromfile(config)
        base = DenseTestProtocol.from_config(cfg).base_scale
        clip = score_file(cfg, name, checkpoint, args, 'clip',
                          scales=[base], num_clips=1, num_crops=1)
        dense = score_file(cfg, name, checkpoint, args, 'dense')
        labels = labels_to_multi_hot(records, clip.num_classes)
        rows[name] = dense_gain(clip, dense, labels, video_ids)
    table = format_dense_gain_table(rows)
    print(table)
    if args.out:
        atomic_write_text(args.out, table + '\n')


if __name__ == '__main__':
    main()
