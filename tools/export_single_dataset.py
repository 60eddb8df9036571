"""Export one dataset's model from a multi-dataset checkpoint.

``python tools/export_single_dataset.py CONFIG CHECKPOINT --dataset NAME
--out FILE.pth``

Keeps the backbone (and neck) and the named dataset's classifier; drops the
other classifiers, the cross-dataset projections and the informative loss's
expander. The result loads into the plain single-dataset config of that
dataset (``Recognizer2D`` / ``Recognizer3D`` with an MMAction2 head, or a
one-dataset ``MultiDatasetHead`` for MLP classifiers), e.g. with
``tools/test.py SINGLE_CONFIG FILE.pth``.
"""
import argparse
import os.path as osp

import torch
from mmaction.registry import MODELS
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

import mmt_challenge  # noqa: F401  applies the stack workarounds
from mmt_challenge.engine import load_fitting_checkpoint
from mmt_challenge.engine.cli import (exit_on_input_error,
                                      merge_runner_cfg_options)
from mmt_challenge.utils import (atomic_open, check_outputs_not_inputs,
                                 check_suffix)
from mmt_challenge.models.heads.multi_dataset_head import HEAD_FORMATS
from mmt_challenge.models.recognizers import MultiDatasetRecognizerMixin


def parse_args():
    parser = argparse.ArgumentParser(
        description='Export the single-dataset inference checkpoint of one '
        'dataset of a multi-dataset model')
    parser.add_argument('config', help='config of the multi-dataset model')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument(
        '--dataset', required=True, help='the dataset (head) to keep')
    parser.add_argument('--out', required=True, help='output .pth file')
    parser.add_argument(
        '--head-format',
        choices=HEAD_FORMATS,
        default='auto',
        help="'fc_cls': MMAction2 heads (linear classifiers); "
        "'multi_dataset': a one-dataset MultiDatasetHead; 'auto': fc_cls "
        'for linear classifiers, multi_dataset for MLPs')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, xxx=yyy format')
    return parser.parse_args()


@exit_on_input_error
def main():
    args = parse_args()
    check_suffix(args.out, '.pth', '--out')
    check_outputs_not_inputs({'--out': args.out}, {
        'config': args.config,
        'checkpoint': args.checkpoint
    })
    cfg = Config.fromfile(args.config)
    merge_runner_cfg_options(cfg, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model = MODELS.build(cfg.model)
    if not isinstance(model, MultiDatasetRecognizerMixin):
        raise SystemExit(f'{args.config} is not a multi-dataset model '
                         f'({type(model).__name__})')
    if args.dataset not in model.cls_head.names:
        raise SystemExit(f'--dataset {args.dataset!r} is not one of '
                         f'{list(model.cls_head.names)}')
    load_fitting_checkpoint(model, args.checkpoint, config_name=args.config)
    state_dict = model.single_dataset_state_dict(args.dataset,
                                                 args.head_format)
    spec = model.cls_head.specs[model.cls_head.index[args.dataset]]
    meta = dict(
        dataset=args.dataset,
        num_classes=spec.num_classes,
        multi_label=spec.multi_label,
        head_format=args.head_format,
        source_config=osp.abspath(args.config),
        source_checkpoint=osp.abspath(args.checkpoint))
    with atomic_open(args.out, 'wb') as f:
        torch.save(dict(meta=meta, state_dict=state_dict), f)
    print(f'Saved {args.dataset!r} ({spec.num_classes} classes, '
          f'{len(state_dict)} tensors) to {args.out}')


if __name__ == '__main__':
    main()
