"""Command-line pieces shared by the tools, in MMAction2's conventions."""
import argparse
import functools
import os
import os.path as osp
import re
import sys
from typing import Callable, Optional

from mmengine.config import Config, DictAction

from ..utils.config_options import RUNNER_OPTIONAL_KEYS, merge_cfg_options

__all__ = [
    'add_launch_args', 'parse_launch_args', 'set_work_dir',
    'merge_runner_cfg_options', 'exit_on_input_error',
    'check_load_from_not_overwritten'
]


def add_launch_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--cfg-options``, ``--launcher`` and ``--local-rank``."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, xxx=yyy format (list items by '
        'index: key.0.sub=value); a key the config lacks is an error unless '
        'marked new: +xxx=yyy')
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


def merge_runner_cfg_options(cfg: Config, options: Optional[dict]) -> Config:
    """Merge ``--cfg-options`` into a member config: every key must exist,
    be one the Runner reads with a default, or be marked new with ``+``
    (:func:`~mmt_challenge.utils.config_options.merge_cfg_options`)."""
    return merge_cfg_options(
        cfg, options, optional_keys=RUNNER_OPTIONAL_KEYS)


def exit_on_input_error(main: Callable[[], None]) -> Callable[[], None]:
    """Wrap a tool's ``main``: a ``ValueError`` or ``OSError`` (bad input,
    missing file) is printed as one line ``<tool>: error: <message>`` and
    exits with status 1, as argparse reports bad arguments; anything else
    keeps its traceback."""

    @functools.wraps(main)
    def wrapped() -> None:
        try:
            main()
        except (ValueError, OSError) as error:
            message = ' '.join(str(error).split())
            tool = osp.basename(sys.argv[0])
            print(f'{tool}: error: {message}', file=sys.stderr)
            sys.exit(1)

    return wrapped


# Checkpoint names mmengine's CheckpointHook writes into the work dir.
_RUN_CHECKPOINT = re.compile(r'(epoch|iter)_\d+\.pth|best_.*\.pth|'
                             r'last_checkpoint')


def check_load_from_not_overwritten(cfg: Config) -> None:
    """Fail fast when a fine-tuning run would overwrite its ``load_from``.

    A run that is not resuming writes ``epoch_<n>.pth`` (``iter_<n>.pth``,
    ``best_*.pth``, ``last_checkpoint``) into its work dir; ``load_from``
    must not be one of them.

    Raises:
        ValueError: Naming ``load_from`` and the work dir.
    """
    load_from = cfg.get('load_from')
    if not load_from or cfg.get('resume') or '://' in load_from:
        return
    work_dir = osp.realpath(cfg.work_dir)
    source = osp.realpath(load_from)
    if (osp.dirname(source) == work_dir
            and _RUN_CHECKPOINT.fullmatch(osp.basename(source))):
        raise ValueError(
            f'load_from {load_from} lies in the work dir {cfg.work_dir} under '
            'a name this run writes its own checkpoints to, so it would be '
            'overwritten: copy it elsewhere, use another --work-dir, or '
            '--resume to continue that run')
