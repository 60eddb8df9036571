"""Audit of every config under configs/.

Each config (bases included) loads and inherits at most three levels deep;
each member follows the naming convention, states a batch that
``--auto-scale-lr`` can rescale from, and builds its model. Mini members run
one training step on a tiny generated batch; full members run one forward
pass with their real clip length on small frames (their real crops would
cost minutes of CPU).
"""
import ast
import glob
import os.path as osp
import re
from typing import List

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(path, ROOT)
    for path in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                          recursive=True)
    if '_base_' not in osp.relpath(path, ROOT).split(osp.sep))
BASES = sorted(
    osp.relpath(path, ROOT)
    for path in glob.glob(osp.join(ROOT, 'configs', '_base_', '**', '*.py'),
                          recursive=True))
MINI = [c for c in CONFIGS if c.split(osp.sep)[1] == 'mini']
FULL = [c for c in CONFIGS if c not in MINI]

# MMAction2's {algorithm}_{module}_{training}_{data}.py: module
# {pretraining}-{backbone}[-{variant}], training
# {gpus}xb{batch}-{frames}x{interval}x{clips}-{schedule}.
NAME = re.compile(r'^(?P<algorithm>[a-z0-9]+(?:_[a-z0-9]+)*)_'
                  r'(?P<module>[a-z0-9-]+)_'
                  r'(?P<gpus>\d+)xb(?P<batch>\d+)-'
                  r'(?P<sampling>\d+x\d+x\d+)-(?P<schedule>\d+[ek])_'
                  r'(?P<data>[a-z0-9-]+)\.py$')
MAX_INHERITANCE_DEPTH = 3  # a config, its bases, their bases
# The configs of M-MiT members (not of other datasets or dataset mixes).
MMIT = [
    c for c in CONFIGS
    if re.search(r'_(mini-)?mmit-rgb\.py$', osp.basename(c))
]
NUM_CLASSES = dict(mini=14, full=313)
SMALL_FRAME = 32  # side of the frames of the full members' forward pass
# Backbones whose unpadded stems need larger frames.
LARGER_FRAME = {'timm.inception_resnet_v2': 96}


def _load(config: str) -> Config:
    return Config.fromfile(osp.join(ROOT, config))


def _bases(path: str) -> List[str]:
    """The files a config's ``_base_`` names, read without executing it."""
    tree = ast.parse(open(path).read(), filename=path)
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], 'id', None) == '_base_'):
            value = ast.literal_eval(node.value)
            names = [value] if isinstance(value, str) else list(value)
            return [
                osp.normpath(osp.join(osp.dirname(path), n)) for n in names
            ]
    return []


def _inheritance_depth(path: str) -> int:
    """Files in the longest chain from ``path`` through ``_base_`` lists:
    1 for a config without bases."""
    return 1 + max((_inheritance_depth(b) for b in _bases(path)), default=0)


def test_inheritance_depth_counts_the_longest_chain(tmp_path):
    (tmp_path / 'root.py').write_text('a = 1\n')
    (tmp_path / 'mid.py').write_text("_base_ = './root.py'\n")
    (tmp_path / 'leaf.py').write_text(
        "_base_ = ['./root.py', './mid.py']\n")
    assert _inheritance_depth(str(tmp_path / 'root.py')) == 1
    assert _inheritance_depth(str(tmp_path / 'leaf.py')) == 3


@pytest.mark.parametrize('config', BASES + CONFIGS)
def test_config_loads_and_inherits_at_most_three_levels(config):
    path = osp.join(ROOT, config)
    assert _inheritance_depth(path) <= MAX_INHERITANCE_DEPTH, (
        f'{config} inherits {_inheritance_depth(path)} levels deep')
    assert len(_load(config).keys()) > 0


@pytest.mark.parametrize('config', BASES)
def test_bases_stay_within_their_family(config):
    """A model base stands alone (no family inherits another's model)."""
    if config.split(osp.sep)[2] == 'models':
        assert _bases(osp.join(ROOT, config)) == []


def _sample_frames(pipeline: list) -> dict:
    (step, ) = [t for t in pipeline if t['type'] == 'SampleFrames']
    return step


def _crop_size(pipeline: list) -> int:
    (step, ) = [t for t in pipeline if t['type'] == 'CenterCrop']
    return step['crop_size']


def _view_shape(cfg: Config, side: int) -> tuple:
    """One validation view of one video, as the data preprocessor takes it."""
    sample = _sample_frames(cfg.val_pipeline)
    if cfg.model.data_preprocessor.format_shape == 'NCHW':
        return (sample['clip_len'] * sample['num_clips'], 3, side, side)
    return (1, 3, sample['clip_len'], side, side)


def _batch(cfg: Config, side: int, num_videos: int):
    """Random frames and labels in the format of the config's dataset."""
    generator = torch.Generator().manual_seed(0)
    shape = _view_shape(cfg, side)
    inputs, data_samples = [], []
    for i in range(num_videos):
        inputs.append(
            torch.randint(0, 256, shape, generator=generator,
                          dtype=torch.uint8))
        data_samples.append(_labelled_sample(cfg.model.cls_head, i))
    return dict(inputs=inputs, data_samples=data_samples)


def _labelled_sample(head: dict, i: int) -> ActionDataSample:
    sample = ActionDataSample()
    if 'datasets' in head:  # MultiDatasetHead: MultiSourceDataset's format
        sizes = [d['num_classes'] for d in head.datasets]
        source = i % len(sizes)
        targets = torch.zeros(sum(sizes))
        targets[sum(sizes[:source]) + i % sizes[source]] = 1.0
        sample.dataset_targets = targets
        sample.loss_mask = torch.eye(len(sizes))[source]
    elif head.get('multi_class', False):
        label = torch.zeros(head.num_classes)
        label[[i % head.num_classes, (3 * i + 1) % head.num_classes]] = 1.0
        sample.set_gt_label(label)
    else:
        sample.set_gt_label(i % head.num_classes)
    return sample


def _scored_classes(head: dict) -> int:
    if 'datasets' in head:
        (scored, ) = [
            d for d in head.datasets if d['name'] == head.test_dataset
        ]
        return scored['num_classes']
    return head.num_classes


def _named_sampling(cfg: Config) -> str:
    """The sampling a config's name states: the Slow pathway's for SlowFast,
    else ``{clip_len}x{frame_interval}x{num_clips}`` of training."""
    sample = _sample_frames(cfg.train_pipeline)
    clip_len, interval = sample['clip_len'], sample['frame_interval']
    backbone = cfg.model.backbone
    if backbone.type == 'ResNet3dSlowFast':
        clip_len //= backbone.resample_rate
        interval *= backbone.resample_rate
    return f'{clip_len}x{interval}x{sample["num_clips"]}'


@pytest.mark.parametrize('config', CONFIGS)
def test_config_name_states_its_batch_sampling_and_schedule(config):
    cfg = _load(config)
    match = NAME.match(osp.basename(config))
    assert match, f'{config} does not follow the naming convention'
    gpus, batch = int(match['gpus']), int(match['batch'])
    assert cfg.train_dataloader.batch_size == batch
    # `--auto-scale-lr` rescales lr by (actual total batch) / base batch.
    assert cfg.auto_scale_lr.base_batch_size == gpus * batch
    assert match['sampling'] == _named_sampling(cfg)
    schedule = match['schedule']
    if schedule.endswith('e'):
        assert cfg.train_cfg.type == 'EpochBasedTrainLoop'
        assert cfg.train_cfg.max_epochs == int(schedule[:-1])
    else:
        assert cfg.train_cfg.type == 'IterBasedTrainLoop'
        assert cfg.train_cfg.max_iters == int(schedule[:-1]) * 1000
        assert cfg.default_hooks.checkpoint.by_epoch is False
        assert cfg.log_processor.by_epoch is False
    assert 'RNGStateHook' in [h['type'] for h in cfg.custom_hooks]


@pytest.mark.parametrize('config', MMIT)
def test_mmit_member_is_multi_label(config):
    cfg = _load(config)
    kind = 'mini' if config in MINI else 'full'
    head = cfg.model.cls_head
    assert head.type.startswith('MultiLabel')
    assert head.num_classes == NUM_CLASSES[kind]
    assert head.multi_class and head.average_clips == 'sigmoid'
    assert cfg.train_dataloader.dataset.num_classes == NUM_CLASSES[kind]
    assert cfg.val_evaluator.type == 'MultiLabelMAP'


@pytest.mark.parametrize('config', [
    c for c in FULL if c.split(osp.sep)[1] == 'slowfast'
])
def test_slowfast_family_uses_the_reports_recipe(config):
    cfg = _load(config)
    assert cfg.sync_bn == 'torch'
    assert cfg.optim_wrapper.optimizer.lr == 0.2
    assert cfg.optim_wrapper.optimizer.weight_decay == 1e-4
    assert cfg.model.cls_head.dropout_ratio == 0.5
    crop = [t for t in cfg.train_pipeline if t['type'] == 'RandomCrop']
    assert crop[0]['size'] == 112


@pytest.mark.parametrize('config', FULL)
def test_full_member_builds_and_predicts(config, timm_backbones):
    cfg = _load(config)
    timm_backbones(cfg)
    side = LARGER_FRAME.get(cfg.model.backbone.type, SMALL_FRAME)
    if str(cfg.model.backbone.type).startswith('timm.'):
        cfg.model.backbone.pretrained = False  # no downloads
    model = MODELS.build(cfg.model).eval()  # no init: no downloads
    data = _batch(cfg, side, num_videos=1)
    with torch.no_grad():
        (result, ) = model.test_step(data)
    score = result.pred_score
    assert score.shape == (_scored_classes(cfg.model.cls_head), )
    assert 0 <= score.min() <= score.max() <= 1


@pytest.mark.parametrize('config', MINI)
def test_mini_member_trains_one_step(config, timm_backbones):
    torch.manual_seed(0)
    cfg = _load(config)
    timm_backbones(cfg)
    model = MODELS.build(cfg.model)
    model.init_weights()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    data = _batch(cfg, _crop_size(cfg.val_pipeline), num_videos=2)
    before = [p.detach().clone() for p in model.parameters()]
    log_vars = model.train_step(data, optim_wrapper)
    assert torch.isfinite(log_vars['loss'])
    changed = [
        not torch.equal(b, p) for b, p in zip(before, model.parameters())
    ]
    assert sum(changed) > len(changed) // 2
