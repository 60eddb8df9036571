"""Dense multi-scale test of a member, written to a score file.

``python tools/dense_test.py CONFIG CHECKPOINT --out FILE.npz [--scales 128
144 160] [--num-clips 10] [--num-crops 3] [--batch-views N] [--keep-views]
[--ann LIST] [--label-map FILE] [--amp [fp16|bf16]] [--launcher pytorch]``

Each video is decoded once; every clip, crop and scale is cut from those
frames. Clips, crops and scales default to the config's (its test pipeline,
or a top-level ``dense_test_cfg``). Prints sample / macro / micro mAP per
scale and for the scales fused when the list has labels. Distributed:
``torchrun --nproc_per_node 2 tools/dense_test.py ... --launcher pytorch``
(videos sharded over ranks and gathered; rank 0 writes the file).
"""
import argparse
import os.path as osp

from mmengine.config import Config

import mmt_challenge  # noqa: F401  applies the stack workarounds
from mmt_challenge.engine import (add_amp_argument, finish_distributed,
                                  init_distributed)
from mmt_challenge.engine.cli import (add_launch_args,
                                      merge_runner_cfg_options,
                                      parse_launch_args)
from mmt_challenge.testing import run_dense_test
from mmt_challenge.utils import check_outputs_not_inputs, check_suffix


def parse_args():
    parser = argparse.ArgumentParser(
        description='Dense multi-scale test of a video recognizer')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='score file (.npz)')
    parser.add_argument(
        '--scales',
        type=int,
        nargs='+',
        help='short-side test scales in pixels (default: the config\'s)')
    parser.add_argument(
        '--num-clips', type=int, help='clips per video (default: config)')
    parser.add_argument(
        '--num-crops',
        type=int,
        choices=[1, 3],
        help='crops per clip: 1 centre, 3 along the long side '
        '(default: config)')
    parser.add_argument(
        '--batch-views',
        type=int,
        help='views per forward pass (default: one video\'s views at one '
        'scale)')
    parser.add_argument(
        '--keep-views',
        action='store_true',
        help='store every view\'s probabilities in the score file')
    parser.add_argument(
        '--ann', help='list file to test (default: the config\'s test list)')
    parser.add_argument(
        '--video-root',
        help='video directory (default: the config\'s test data_prefix)')
    parser.add_argument(
        '--label-map', help='class names, one per line, in class order')
    parser.add_argument(
        '--num-workers',
        type=int,
        help='decoding processes (default: test_dataloader.num_workers)')
    parser.add_argument(
        '--no-dedup',
        action='store_true',
        help='score identical clips of a video again (timing comparisons)')
    add_amp_argument(
        parser, 'autocast the forward passes: fp16 (the default without a '
        'value; CUDA only) or bf16 (CUDA or CPU); scores then differ from '
        'float32 ones')
    add_launch_args(parser)
    return parse_launch_args(parser)


def merge_args(cfg, args):
    """Merge the command line into the config."""
    merge_runner_cfg_options(cfg, args.cfg_options)
    cfg.launcher = args.launcher
    return cfg


def check_paths(cfg, args):
    """Fail fast: a .npz score file that overwrites no input."""
    check_suffix(args.out, '.npz', '--out')
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    check_outputs_not_inputs(
        {'--out': args.out},
        {'config': args.config, 'checkpoint': args.checkpoint,
         'test list': args.ann or cfg.test_dataloader.dataset.get('ann_file'),
         'label map': args.label_map})


def main():
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    check_paths(cfg, args)
    if cfg.launcher != 'none':
        from mmengine.dist import init_dist, is_distributed
        init_distributed(cfg.launcher)
        if not is_distributed():
            init_dist(cfg.launcher,
                      **cfg.get('env_cfg', {}).get('dist_cfg', {}))
    run_dense_test(
        cfg,
        args.checkpoint,
        out=args.out,
        config_path=args.config,
        ann_file=args.ann,
        video_root=args.video_root,
        scales=args.scales,
        num_clips=args.num_clips,
        num_crops=args.num_crops,
        batch_views=args.batch_views,
        keep_views=args.keep_views,
        num_workers=args.num_workers,
        label_map=args.label_map,
        deduplicate=not args.no_dedup,
        amp=args.amp)
    finish_distributed()


if __name__ == '__main__':
    main()
