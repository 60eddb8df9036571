"""Test a member: ``python tools/test.py CONFIG CHECKPOINT [--dump F.pkl]``.

Prints the config's test metrics (sample / macro / micro mAP for the M-MiT
configs). The mmengine / MMAction2 ``tools/test.py`` interface.
"""
import argparse
import os

from mmengine.config import Config

import mmt_challenge  # noqa: F401  applies the stack workarounds
from mmt_challenge.engine import (build_runner, finish_distributed,
                                  init_distributed)
from mmt_challenge.engine.cli import (add_launch_args,
                                      merge_runner_cfg_options,
                                      parse_launch_args, set_work_dir)
from mmt_challenge.utils import check_outputs_not_inputs, check_suffix


def parse_args():
    parser = argparse.ArgumentParser(description='Test a video recognizer')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and metrics')
    parser.add_argument(
        '--dump', help='dump the predictions to this pickle file')
    add_launch_args(parser)
    return parse_launch_args(parser)


def merge_args(cfg, args):
    """Merge the command line into the config."""
    if args.dump is not None:
        dump_metric = dict(type='DumpResults', out_file_path=args.dump)
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg.test_evaluator = [*evaluators, dump_metric]
    cfg.launcher = args.launcher
    set_work_dir(cfg, args.config, args.work_dir)
    cfg.load_from = args.checkpoint
    merge_runner_cfg_options(cfg, args.cfg_options)
    return cfg


def check_paths(cfg, args):
    """Fail fast: the dump is a pickle and overwrites no input."""
    check_suffix(args.dump, ('.pkl', '.pickle'), '--dump')
    if not os.path.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    check_outputs_not_inputs(
        {'--dump': args.dump},
        {'config': args.config, 'checkpoint': args.checkpoint,
         'test list': (cfg.get('test_dataloader') or {}).get(
             'dataset', {}).get('ann_file')})


def main():
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    check_paths(cfg, args)
    init_distributed(cfg.launcher)
    runner = build_runner(cfg)
    runner.test()
    finish_distributed()


if __name__ == '__main__':
    main()
