"""Tiny videos, a tiny member and helpers for the dense-test tests."""
import os
import os.path as osp
import socket
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MINI_TSM = osp.join(ROOT,
                    'configs/mini/tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py')
NUM_CLASSES = 14

# (relative path, frames, width, height): square and landscape videos, one
# with fewer frames than the member has segments.
VIDEOS = [('val/a.mp4', 16, 32, 32), ('val/b.mp4', 16, 32, 32),
          ('val/c.mp4', 12, 40, 32), ('val/d.mp4', 5, 32, 32),
          ('val/e.mp4', 16, 32, 32)]


def write_video(path, num_frames, width, height, seed):
    """Smooth random-colour frames (so that resizing matters) as mp4v."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    rng = np.random.default_rng(seed)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (width, height))
    for _ in range(num_frames):
        small = rng.integers(0, 256, (height // 4, width // 4, 3), np.uint8)
        writer.write(cv2.resize(small, (width, height)))
    writer.release()


@pytest.fixture(scope='session')
def tiny_videos(tmp_path_factory):
    """Five videos and a labelled list file of them."""
    root = tmp_path_factory.mktemp('dense_videos')
    rng = np.random.default_rng(0)
    lines = []
    for seed, (relpath, frames, width, height) in enumerate(VIDEOS):
        write_video(str(root / relpath), frames, width, height, seed)
        labels = rng.choice(NUM_CLASSES, rng.integers(1, 4), replace=False)
        lines.append(' '.join([relpath, *map(str, sorted(labels))]))
    ann = root / 'list.txt'
    ann.write_text('\n'.join(lines) + '\n')
    return dict(root=str(root), ann=str(ann), ids=[v[0] for v in VIDEOS])


@pytest.fixture(scope='session')
def tsm_config_path():
    return MINI_TSM


@pytest.fixture(scope='session')
def tsm_cfg():
    from mmengine.config import Config
    return Config.fromfile(MINI_TSM)


def _randomize(model, seed=0):
    """Spread the head's logits so that probabilities differ between views,
    and give every BatchNorm random statistics and affine terms (so that
    folding them into the convolutions changes the weights)."""
    generator = torch.Generator().manual_seed(seed)

    def uniform(shape, low, high):
        return low + (high - low) * torch.rand(shape, generator=generator)

    fc = model.cls_head.fc_cls
    with torch.no_grad():
        fc.weight.copy_(
            torch.randn(fc.weight.shape, generator=generator) * 0.5)
        fc.bias.copy_(torch.randn(fc.bias.shape, generator=generator))
        for bn in model.modules():
            if isinstance(bn, torch.nn.modules.batchnorm._BatchNorm):
                shape = bn.running_mean.shape
                bn.weight.copy_(uniform(shape, 0.5, 1.5))
                bn.bias.copy_(0.1 * torch.randn(shape, generator=generator))
                bn.running_mean.copy_(
                    0.1 * torch.randn(shape, generator=generator))
                bn.running_var.copy_(uniform(shape, 0.5, 1.5))
    return model


@pytest.fixture(scope='session')
def tsm_model(tsm_cfg):
    from mmt_challenge.testing import build_recognizer
    torch.manual_seed(0)
    return _randomize(build_recognizer(tsm_cfg, device='cpu'))


@pytest.fixture(scope='session')
def tsm_checkpoint(tsm_model, tmp_path_factory):
    from mmengine.runner import save_checkpoint
    path = str(tmp_path_factory.mktemp('ckpt') / 'tsm.pth')
    save_checkpoint({'state_dict': tsm_model.state_dict(), 'meta': {}}, path)
    return path


@pytest.fixture(scope='session')
def i3d_cfg():
    """A tiny 3D member: ResNet3d-18 on 4-frame clips, NCTHW."""
    from mmengine.config import Config
    return Config(
        dict(
            model=dict(
                type='Recognizer3D',
                backbone=dict(
                    type='ResNet3d',
                    depth=18,
                    pretrained=None,
                    pretrained2d=False,
                    conv1_kernel=(1, 7, 7),
                    inflate=(0, 0, 1, 1),
                    norm_eval=False),
                cls_head=dict(
                    type='MultiLabelI3DHead',
                    num_classes=NUM_CLASSES,
                    in_channels=512,
                    multi_class=True,
                    average_clips='sigmoid',
                    loss_cls=dict(type='ScaledBCELoss')),
                data_preprocessor=dict(
                    type='ActionDataPreprocessor',
                    mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375],
                    format_shape='NCTHW')),
            test_dataloader=dict(
                num_workers=0,
                dataset=dict(pipeline=[
                    dict(type='DecordInit'),
                    dict(
                        type='SampleFrames',
                        clip_len=4,
                        frame_interval=2,
                        num_clips=3,
                        test_mode=True),
                    dict(type='DecordDecode'),
                    dict(type='Resize', scale=(-1, 32)),
                    dict(type='CenterCrop', crop_size=28),
                    dict(type='FormatShape', input_format='NCTHW'),
                    dict(type='PackActionInputs')
                ]))))


@pytest.fixture(scope='session')
def i3d_model(i3d_cfg):
    from mmt_challenge.testing import build_recognizer
    torch.manual_seed(0)
    return _randomize(build_recognizer(i3d_cfg, device='cpu'))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='session')
def run_python():
    """Run ``python ARGS`` from the repository root; returns the result."""

    def run(*args, timeout=300, check=True):
        env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
        result = subprocess.run([sys.executable, *args],
                                cwd=ROOT,
                                env=env,
                                capture_output=True,
                                text=True,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f'{args} failed:\n{result.stdout[-3000:]}\n'
                                 f'{result.stderr[-5000:]}')
        return result

    run.free_port = free_port
    return run
