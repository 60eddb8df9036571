"""Command-line pieces shared by the tools, in MMAction2's conventions."""
import argparse
import os
import os.path as osp
from typing import Optional

from mmengine.config import Config, DictAction

__all__ = ['add_launch_args', 'parse_launch_args', 'set_work_dir']


def add_launch_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--cfg-options``, ``--launcher`` and ``--local-rank``."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, xxx=yyy format (list items by '
        'index: key.0.sub=value)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_launch_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse; export ``LOCAL_RANK`` for launchers that pass ``--local-rank``."""
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def set_work_dir(cfg: Config, config_path: str,
                 work_dir: Optional[str]) -> None:
    """Work dir priority: command line, then config, then
    ``work_dirs/<config name>``."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config_path))[0])
