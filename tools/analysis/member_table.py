"""A Markdown table of the ensemble members: family, backbone, frames, input
size, schedule, GFLOPs and parameters.

    python tools/analysis/member_table.py                  # every full member
    python tools/analysis/member_table.py configs/mini/*.py --out mini.md

FLOPs and parameters come from ``mmengine.analysis.get_model_complexity_info``
(one multiply-add counts as one FLOP, as in MMAction2's model zoo) for one
test view of one video: the backbone and the head on the frames of one clip
(image-based members: all segments) at the test crop size. A video's cost is
that times the views in the ``test views`` column. Models are built without
their pretrained weights; nothing is downloaded.
"""
import argparse
import glob
import logging
import os.path as osp
import re

import torch
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

import mmt_challenge  # noqa: F401  registers the members' components

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FAMILY_ORDER = ('tsn', 'trn', 'tsm', 'tin', 'slowfast')
ALGORITHMS = dict(
    tsn='TSN', trn='TRN', tsm='TSM', tin='TIN', slowfast='SlowFast',
    slowonly='Slow-only', fastonly='Fast-only')
# {gpus}xb{batch}-{sampling}-{schedule}
TRAINING = re.compile(r'_(\d+)xb(\d+)-[\dx]+-(\d+)([ek])_')
CROPS = dict(CenterCrop=1, ThreeCrop=3, TenCrop=10)


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


def _step(pipeline: list, *types: str) -> dict:
    steps = [t for t in pipeline if t['type'] in types]
    if len(steps) != 1:
        raise ValueError(f'expected one of {types} in the test pipeline, '
                         f'found {len(steps)}')
    return steps[0]


def test_view(cfg: Config) -> dict:
    """The input of one test view and the number of views per video.

    Returns:
        dict: ``shape`` (the tensor the recognizer takes for one view of one
        video), ``frames`` (int), ``crop`` (int) and ``views`` (str).
    """
    pipeline = cfg.test_dataloader.dataset.pipeline
    sample = _step(pipeline, 'SampleFrames')
    crop_step = _step(pipeline, *CROPS)
    crop = crop_step['crop_size']
    crops = CROPS[crop_step['type']]
    if cfg.model.data_preprocessor.format_shape == 'NCHW':
        frames = sample['clip_len'] * sample['num_clips']
        clips = 2 if sample.get('twice_sample', False) else 1
        shape = (1, frames, 3, crop, crop)
    else:
        frames = sample['clip_len']
        clips = sample['num_clips']
        shape = (1, 1, 3, frames, crop, crop)
    return dict(
        shape=shape,
        frames=frames,
        crop=crop,
        views=f'{clips} clip{"s" * (clips > 1)} x {crops} '
        f'crop{"s" * (crops > 1)}')


def _frames(cfg: Config, view: dict) -> str:
    backbone = cfg.model.backbone
    sample = _step(cfg.test_dataloader.dataset.pipeline, 'SampleFrames')
    if backbone.type == 'ResNet3dSlowFast':
        slow_rate = backbone.resample_rate
        fast_rate = backbone.resample_rate // backbone.speed_ratio
        interval = sample['frame_interval']
        return (f'{view["frames"] // slow_rate}x{interval * slow_rate} + '
                f'{view["frames"] // fast_rate}x{interval * fast_rate}')
    if cfg.model.data_preprocessor.format_shape == 'NCTHW':
        return f'{view["frames"]}x{sample["frame_interval"]}'
    return f'{view["frames"]} segments'


def _backbone(cfg: Config) -> str:
    backbone = cfg.model.backbone
    depth = backbone.get('depth')
    if backbone.type == 'ResNet3dSlowFast':
        depth = backbone.slow_pathway.depth
    pretrained = backbone.get('pretrained')
    source = ', ImageNet' if pretrained else ''
    return f'{backbone.type} R{depth}{source}'


def _schedule(config: str, cfg: Config) -> str:
    match = TRAINING.search(osp.basename(config))
    gpus, batch = (int(match[1]), int(match[2])) if match else (None, None)
    loop = cfg.train_cfg
    length = (f'{loop.max_epochs} epochs'
              if loop.type == 'EpochBasedTrainLoop' else
              f'{loop.max_iters // 1000}k iterations')
    names = '+'.join(
        s['type'].replace('LR', '').replace('Annealing', '')
        for s in cfg.param_scheduler)
    optimizer = cfg.optim_wrapper.optimizer
    batch_text = f', {gpus}x{batch}' if match else ''
    return (f'{optimizer.type} lr {optimizer.lr:g} {names}, '
            f'{length}{batch_text}')


class _HeadOutput(torch.nn.Module):
    """A recognizer whose forward runs backbone, neck and head on inputs."""

    def __init__(self, recognizer):
        super().__init__()
        self.recognizer = recognizer

    def forward(self, inputs):
        scores, _ = self.recognizer.extract_feat(inputs, stage='head')
        return scores


def complexity(cfg: Config, shape: tuple) -> tuple:
    """FLOPs and parameters of ``cfg.model`` on one input of ``shape``."""
    from mmaction.registry import MODELS
    model = _HeadOutput(MODELS.build(cfg.model)).eval()
    with torch.no_grad():
        result = get_model_complexity_info(
            model, inputs=(torch.zeros(shape), ), show_table=False,
            show_arch=False)
    return result['flops'], result['params']


def member_row(config: str) -> dict:
    """One row of the table."""
    cfg = Config.fromfile(config)
    view = test_view(cfg)
    flops, params = complexity(cfg, view['shape'])
    algorithm = osp.basename(config).split('_')[0]
    return dict(
        member=osp.splitext(osp.basename(config))[0],
        family=ALGORITHMS.get(algorithm, algorithm),
        backbone=_backbone(cfg),
        frames=_frames(cfg, view),
        input=f'{view["crop"]}x{view["crop"]}',
        views=view['views'],
        schedule=_schedule(config, cfg),
        gflops=flops / 1e9,
        params=params / 1e6)


def markdown(rows: list) -> str:
    """The rows as a Markdown table."""
    lines = [
        '| member | family | backbone | frames | input | test views | '
        'schedule | GFLOPs / view | params (M) |',
        '|---|---|---|---|---|---|---|---:|---:|',
    ]
    for r in rows:
        lines.append(
            f'| `{r["member"]}` | {r["family"]} | {r["backbone"]} | '
            f'{r["frames"]} | {r["input"]} | {r["views"]} | '
            f'{r["schedule"]} | {r["gflops"]:.1f} | {r["params"]:.1f} |')
    return '\n'.join(lines) + '\n'


def main():
    args = parse_args()
    init_default_scope('mmaction')
    # Operators without a FLOP formula (BN, pooling, additions) are left out
    # as in MMAction2's tables; no warning for each of them.
    MMLogger.get_current_instance().setLevel(logging.ERROR)
    configs = args.configs or default_configs()
    table = markdown([member_row(config) for config in configs])
    print(table, end='')
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table)


if __name__ == '__main__':
    main()
