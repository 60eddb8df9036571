"""A Markdown table of the ensemble members: family, backbone, frames, input
size, schedule, GFLOPs and parameters.

    python tools/analysis/member_table.py                  # every full member
    python tools/analysis/member_table.py configs/mini/*.py --out mini.md

FLOPs and parameters are for one test view of one video (see
:mod:`mmt_challenge.analysis.member_table`); models are built without their
pretrained weights, nothing is downloaded.
"""
import argparse
import glob
import logging
import os.path as osp
import sys

from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

import mmt_challenge  # noqa: F401  registers the members' components
from mmt_challenge.analysis import format_member_table, member_row
from mmt_challenge.utils import atomic_write_text

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FAMILY_ORDER = ('tsn', 'trn', 'tsm', 'tin', 'slowfast')


def parse_args():
    parser = argparse.ArgumentParser(
        description='Markdown table of members: family, backbone, frames, '
        'input size, schedule, GFLOPs and parameters')
    parser.add_argument(
        'configs',
        nargs='*',
        help='member configs (default: every config under configs/<family>/ '
        'for the families TSN, TRN, TSM, TIN and SlowFast)')
    parser.add_argument('--out', help='also write the table to this file')
    return parser.parse_args()


def default_configs() -> list:
    """The full members, family by family."""
    configs = []
    for family in FAMILY_ORDER:
        configs += sorted(
            glob.glob(osp.join(ROOT, 'configs', family, '*.py')))
    return configs


def main():
    args = parse_args()
    init_default_scope('mmaction')
    # Operators without a FLOP formula (BN, pooling, additions) are left out
    # as in MMAction2's tables; no warning for each of them.
    MMLogger.get_current_instance().setLevel(logging.ERROR)
    rows = []
    for config in args.configs or default_configs():
        try:
            rows.append(member_row(config))
        except ImportError as error:  # MMAction2: 'Please install timm'
            if args.configs or 'timm' not in str(error):
                raise
            print(f'left out {osp.relpath(config, ROOT)}: its timm backbone '
                  f"needs timm (pip install -e '.[timm]'): {error}",
                  file=sys.stderr)
    table = format_member_table(rows)
    print(table, end='')
    if args.out:
        atomic_write_text(args.out, table)


if __name__ == '__main__':
    main()
