"""A mini training killed after its first checkpoint and resumed ends with the
weights of an uninterrupted run (same seed, deterministic mode)."""
import os.path as osp
import signal
import subprocess
import sys
import time

import torch

from .conftest import ROOT, run_tool, write_tiny_config

MINI_SLOWFAST = osp.join(
    ROOT, 'configs/mini/slowfast_r18_1xb8-4x8x1-8e_mini-mmit-rgb.py')
# Random crops and rescaling (numpy) and dropout (torch) draw every step.
SEEDED = ('--seed', '0', '--deterministic')


def _weights(path) -> dict:
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    return checkpoint['state_dict']


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _train(config, work_dir, *args):
    return run_tool('tools/train.py', config, '--work-dir', str(work_dir),
                    *SEEDED, *args)


def test_resumed_run_reaches_the_weights_of_an_uninterrupted_run(
        tiny_mini_mmit, tmp_path):
    config = write_tiny_config(
        tmp_path / 'tiny_slowfast.py', tiny_mini_mmit, base=MINI_SLOWFAST,
        max_epochs=2)
    _train(config, tmp_path / 'whole')

    killed = tmp_path / 'killed'
    process = subprocess.Popen(
        [sys.executable, 'tools/train.py', config, '--work-dir',
         str(killed), *SEEDED],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while not osp.exists(killed / 'last_checkpoint'):
        assert process.poll() is None, 'training ended before a checkpoint'
        assert time.time() < deadline, 'no checkpoint within the time limit'
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    first = str(killed / 'epoch_1.pth')

    resumed = _train(config, killed, '--resume', first)
    log = resumed.stdout + resumed.stderr
    assert f'Load checkpoint from {first}' in log
    assert 'Restored the random states of iteration' in log
    assert _same(
        _weights(killed / 'epoch_2.pth'),
        _weights(tmp_path / 'whole' / 'epoch_2.pth'))

    # Without the hook, mmengine seeds the resumed run afresh and it drifts.
    _train(config, tmp_path / 'reseeded', '--resume', first, '--cfg-options',
           'custom_hooks=[]')
    assert not _same(
        _weights(tmp_path / 'reseeded' / 'epoch_2.pth'),
        _weights(tmp_path / 'whole' / 'epoch_2.pth'))
