"""A mini training resumed from its first checkpoint ends with the weights of
an uninterrupted run (same seed, deterministic mode), with two persistent
dataloader workers: the resumed run starts fresh workers at epoch 2 where the
uninterrupted one keeps those of epoch 1."""
import os.path as osp
import shutil

import torch

from .conftest import ROOT, run_tool, write_tiny_config

MINI_SLOWFAST = osp.join(
    ROOT, 'configs/mini/slowfast_r18_1xb8-4x8x1-8e_mini-mmit-rgb.py')
# Random crops and rescaling (numpy) and dropout (torch) draw every step.
SEEDED = ('--seed', '0', '--deterministic')
WORKERS = ('--cfg-options', 'train_dataloader.num_workers=2',
           'train_dataloader.persistent_workers=True')


def _weights(path) -> dict:
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    return checkpoint['state_dict']


def _train(config, work_dir, *args):
    return run_tool('tools/train.py', config, '--work-dir', str(work_dir),
                    *SEEDED, *args, *WORKERS)


def test_resumed_run_reaches_the_weights_of_an_uninterrupted_run(
        tiny_mini_mmit, tmp_path):
    config = write_tiny_config(
        tmp_path / 'tiny_slowfast.py', tiny_mini_mmit, base=MINI_SLOWFAST,
        max_epochs=2)
    _train(config, tmp_path / 'whole')

    first = tmp_path / 'resumed' / 'epoch_1.pth'
    first.parent.mkdir()
    shutil.copy(tmp_path / 'whole' / 'epoch_1.pth', first)
    resumed = _train(config, first.parent, '--resume', str(first))
    log = resumed.stdout + resumed.stderr
    assert f'Load checkpoint from {first}' in log
    assert 'Restored the random states of iteration' in log
    whole = _weights(tmp_path / 'whole' / 'epoch_2.pth')
    again = _weights(first.parent / 'epoch_2.pth')
    assert whole.keys() == again.keys()
    differing = [k for k in whole if not torch.equal(whole[k], again[k])]
    assert differing == []
