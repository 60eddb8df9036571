"""One row per member: family, backbone, frames, input size, test views,
schedule, GFLOPs and parameters, read off its config.

FLOPs and parameters come from ``mmengine.analysis.get_model_complexity_info``
(one multiply-add counts as one FLOP, as in MMAction2's model zoo) for one
test view of one video: the backbone and the head on the frames of one clip
(image-based members: all segments) at the test crop size. A video's cost is
that times the views in the ``test views`` column. Models are built without
their pretrained weights; nothing is downloaded.
"""
import os.path as osp
import re
from typing import List, Tuple

import torch
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config

__all__ = [
    'describe_test_view', 'model_complexity', 'member_row',
    'format_member_table'
]

_ALGORITHMS = dict(
    tsn='TSN', trn='TRN', tsm='TSM', tin='TIN', slowfast='SlowFast',
    slowonly='Slow-only', fastonly='Fast-only')
# {gpus}xb{batch}-{sampling}-{schedule}
_TRAINING = re.compile(r'_(\d+)xb(\d+)-[\dx]+-(\d+)([ek])_')
_CROPS = dict(CenterCrop=1, ThreeCrop=3, TenCrop=10)


def _step(pipeline: list, *types: str) -> dict:
    steps = [t for t in pipeline if t['type'] in types]
    if len(steps) != 1:
        raise ValueError(f'expected one of {types} in the test pipeline, '
                         f'found {len(steps)}')
    return steps[0]


def describe_test_view(cfg: Config) -> dict:
    """The input of one test view and the number of views per video.

    Args:
        cfg (Config): A member's config; its test pipeline has one
            ``SampleFrames`` and one ``CenterCrop`` / ``ThreeCrop`` /
            ``TenCrop``.

    Returns:
        dict: ``shape`` (the tensor the recognizer takes for one view of one
        video: ``[1, T, 3, H, W]`` for NCHW members, ``[1, 1, 3, T, H, W]``
        for NCTHW ones), ``frames`` (int), ``crop`` (int) and ``views``
        (str, e.g. ``'1 clip x 3 crops'``).
    """
    pipeline = cfg.test_dataloader.dataset.pipeline
    sample = _step(pipeline, 'SampleFrames')
    crop_step = _step(pipeline, *_CROPS)
    crop = crop_step['crop_size']
    crops = _CROPS[crop_step['type']]
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
    match = _TRAINING.search(osp.basename(config))
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


def model_complexity(cfg: Config, shape: Tuple[int, ...]) -> Tuple[int, int]:
    """FLOPs and parameters of ``cfg.model`` on one input of ``shape``.

    Args:
        cfg (Config): A member's config (built in MMAction2's registry).
        shape (tuple[int, ...]): The input, as
            :func:`describe_test_view` gives it.

    Returns:
        tuple[int, int]: FLOPs (multiply-adds) of backbone, neck and head,
        and the number of parameters.
    """
    from mmaction.registry import MODELS
    if str(cfg.model.backbone.type).startswith('timm.'):
        # the counts need no weights; timm would download them
        cfg.model.backbone.pretrained = False
    model = _HeadOutput(MODELS.build(cfg.model)).eval()
    with torch.no_grad():
        result = get_model_complexity_info(
            model, inputs=(torch.zeros(shape), ), show_table=False,
            show_arch=False)
    return result['flops'], result['params']


def member_row(config: str) -> dict:
    """One row of the member table.

    Args:
        config (str): The member's config file, named
            ``{algorithm}_..._{gpus}xb{batch}-{sampling}-{schedule}_...``.

    Returns:
        dict: ``member``, ``family``, ``backbone``, ``frames``, ``input``,
        ``views`` and ``schedule`` (str), ``gflops`` (per test view) and
        ``params`` (millions).
    """
    cfg = Config.fromfile(config)
    view = describe_test_view(cfg)
    flops, params = model_complexity(cfg, view['shape'])
    algorithm = osp.basename(config).split('_')[0]
    return dict(
        member=osp.splitext(osp.basename(config))[0],
        family=_ALGORITHMS.get(algorithm, algorithm),
        backbone=_backbone(cfg),
        frames=_frames(cfg, view),
        input=f'{view["crop"]}x{view["crop"]}',
        views=view['views'],
        schedule=_schedule(config, cfg),
        gflops=flops / 1e9,
        params=params / 1e6)


def format_member_table(rows: List[dict]) -> str:
    """Rows of :func:`member_row` as a Markdown table."""
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
