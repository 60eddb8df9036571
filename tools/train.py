"""Train a member: ``python tools/train.py CONFIG [--work-dir W] [--resume]``.

The mmengine / MMAction2 ``tools/train.py`` interface; distributed with
``tools/dist_train.sh CONFIG GPUS`` (torchrun) on GPUs or CPUs.
"""
import argparse

from mmengine.config import Config

import mmt_challenge  # noqa: F401  applies the stack workarounds
from mmt_challenge.engine import (add_amp_argument, amp_optim_wrapper,
                                  build_runner, finish_distributed,
                                  init_distributed)
from mmt_challenge.engine.cli import (add_launch_args,
                                      check_load_from_not_overwritten,
                                      merge_runner_cfg_options,
                                      parse_launch_args, set_work_dir)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a video recognizer')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or, without a path, from the '
        'latest checkpoint in the work directory')
    add_amp_argument(
        parser, 'mixed precision (mmengine AmpOptimWrapper, CUDA only): fp16 '
        '(the default without a value) or bf16')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by the actual over the configured total batch size')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed',
        action='store_true',
        help='set different seeds for different ranks')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='deterministic algorithms (reproducible, slower)')
    add_launch_args(parser)
    return parse_launch_args(parser)


def merge_args(cfg, args):
    """Merge the command line into the config."""
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    cfg.launcher = args.launcher
    set_work_dir(cfg, args.config, args.work_dir)
    if args.amp:
        cfg.optim_wrapper = amp_optim_wrapper(cfg.optim_wrapper, args.amp)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    # Unlike MMAction2's tool, the command line wins over a config's
    # `randomness` block instead of being ignored.
    randomness = dict(cfg.get('randomness', None) or dict(seed=None))
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.diff_rank_seed:
        randomness['diff_rank_seed'] = True
    if args.deterministic:
        randomness['deterministic'] = True
    cfg.randomness = randomness
    merge_runner_cfg_options(cfg, args.cfg_options)
    return cfg


def main():
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    check_load_from_not_overwritten(cfg)
    init_distributed(cfg.launcher)
    runner = build_runner(cfg)
    runner.train()
    finish_distributed()


if __name__ == '__main__':
    main()
