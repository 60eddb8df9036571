"""The mini SlowFast member trained by two CPU processes (torchrun, gloo)."""
import os.path as osp

import torch

from .conftest import MAP_LINE, ROOT, free_port, run_tool, write_tiny_config

MINI_SLOWFAST = osp.join(
    ROOT, 'configs/mini/slowfast_r18_1xb8-4x8x1-8e_mini-mmit-rgb.py')


def test_two_process_cpu_training_of_the_mini_slowfast(
        tiny_mini_mmit, tmp_path):
    config = write_tiny_config(
        tmp_path / 'tiny_slowfast.py', tiny_mini_mmit, base=MINI_SLOWFAST,
        max_epochs=1)
    result = run_tool(
        '-m', 'torch.distributed.run', '--nproc_per_node', '2',
        '--master_port', str(free_port()), 'tools/train.py', config,
        '--work-dir', str(tmp_path), '--launcher', 'pytorch', '--seed', '0',
        '--diff-rank-seed', '--auto-scale-lr')
    log = result.stdout + result.stderr
    assert 'Distributed training: True' in log
    # --auto-scale-lr: 2 ranks x 4 videos against the configured 1 x 8.
    assert ('LR is set based on batch size of 8 and the current batch size '
            'is 8') in log
    assert len(MAP_LINE.findall(log)) == 1
    checkpoint = torch.load(
        tmp_path / 'epoch_1.pth', map_location='cpu', weights_only=True)
    # Each rank's own random states, for an exact resume on two ranks.
    states = checkpoint['rng_state']
    assert len(states) == 2
    assert not torch.equal(states[0]['torch'], states[1]['torch'])
