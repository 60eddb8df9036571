"""Test a member: ``python tools/test.py CONFIG CHECKPOINT [--dump F.pkl]``.

Prints the config's test metrics (sample / macro / micro mAP for the M-MiT
configs). The mmengine / MMAction2 ``tools/test.py`` interface.
"""
import argparse

from mmengine.config import Config
from mmengine.runner import Runner

import mmt_challenge  # noqa: F401  applies the stack workarounds
from mmt_challenge.engine import finish_distributed, init_distributed
from mmt_challenge.engine.cli import (add_launch_args, parse_launch_args,
                                      set_work_dir)


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
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump must be a .pkl file, got {args.dump}')
        dump_metric = dict(type='DumpResults', out_file_path=args.dump)
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg.test_evaluator = [*evaluators, dump_metric]
    cfg.launcher = args.launcher
    set_work_dir(cfg, args.config, args.work_dir)
    cfg.load_from = args.checkpoint
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main():
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    init_distributed(cfg.launcher)
    runner = Runner.from_cfg(cfg)
    runner.test()
    finish_distributed()


if __name__ == '__main__':
    main()
