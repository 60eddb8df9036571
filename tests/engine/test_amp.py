"""--amp: the optimizer wrapper config for training, the autocast dtype for
testing, and what each does without CUDA."""
import os.path as osp
import runpy
import sys

import pytest
import torch
from mmengine.config import Config

from mmt_challenge.engine import amp_dtype, amp_optim_wrapper, autocast

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MINI_TSM = osp.join(ROOT, 'configs/mini/tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py')


@pytest.mark.parametrize('amp, dtype', [('fp16', 'float16'),
                                        ('bf16', 'bfloat16')])
def test_amp_optim_wrapper_keeps_the_optimizer(amp, dtype):
    wrapper = dict(
        optimizer=dict(type='SGD', lr=0.1), clip_grad=dict(max_norm=40))
    cfg = amp_optim_wrapper(wrapper, amp, cuda_available=True)
    assert cfg.type == 'AmpOptimWrapper'
    assert cfg.dtype == dtype
    assert cfg.loss_scale == 'dynamic'
    assert cfg.optimizer == dict(type='SGD', lr=0.1)
    assert cfg.clip_grad == dict(max_norm=40)
    assert 'type' not in wrapper  # the input is not modified
    static = amp_optim_wrapper(
        dict(wrapper, loss_scale=512.), amp, cuda_available=True)
    assert static.loss_scale == 512.


@pytest.mark.parametrize('wrapper, amp, cuda, match', [
    (dict(), 'fp16', False, 'needs a CUDA device'),
    (dict(type='MyWrapper'), 'fp16', True, "wrapper 'MyWrapper'"),
    (dict(), 'fp8', True, 'amp must be one of'),
])
def test_amp_optim_wrapper_refuses(wrapper, amp, cuda, match):
    with pytest.raises(ValueError, match=match):
        amp_optim_wrapper(wrapper, amp, cuda_available=cuda)


def test_cpu_autocast_is_bf16_only():
    assert amp_dtype('bf16', 'cpu') is torch.bfloat16
    assert amp_dtype('fp16', 'cuda') is torch.float16
    with pytest.raises(ValueError, match='fp16 needs a CUDA device'):
        amp_dtype('fp16', 'cpu')
    layer = torch.nn.Linear(4, 4)
    with autocast('bf16', torch.device('cpu')):
        assert layer(torch.ones(2, 4)).dtype is torch.bfloat16
    with autocast(None, torch.device('cpu')):
        assert layer(torch.ones(2, 4)).dtype is torch.float32


def train_tool():
    return runpy.run_path(osp.join(ROOT, 'tools', 'train.py'))


@pytest.mark.parametrize('flag, dtype', [(['--amp'], 'float16'),
                                         (['--amp', 'bf16'], 'bfloat16')])
def test_train_tool_amp_flag_makes_the_amp_wrapper(monkeypatch, tmp_path,
                                                   flag, dtype):
    tool = train_tool()
    monkeypatch.setattr(
        sys, 'argv',
        ['train.py', MINI_TSM, '--work-dir',
         str(tmp_path), *flag])
    args = tool['parse_args']()
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = tool['merge_args'](Config.fromfile(MINI_TSM), args)
    assert (cfg.optim_wrapper.type, cfg.optim_wrapper.dtype) == \
        ('AmpOptimWrapper', dtype)


def test_train_tool_amp_without_cuda_is_refused(monkeypatch, tmp_path):
    tool = train_tool()
    monkeypatch.setattr(
        sys, 'argv',
        ['train.py', MINI_TSM, '--work-dir',
         str(tmp_path), '--amp'])
    args = tool['parse_args']()
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(ValueError, match='train without --amp on a CPU'):
        tool['merge_args'](Config.fromfile(MINI_TSM), args)
