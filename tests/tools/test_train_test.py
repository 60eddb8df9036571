"""tools/train.py and tools/test.py end to end on a tiny mini M-MiT."""
import glob
import os.path as osp
import pickle
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from mmt_challenge.apis.tool_processes import ToolProcesses

from .conftest import (MAP_LINE, ROOT, free_port, run_tool,
                       write_tiny_config)


@pytest.fixture(scope='module')
def trained(tiny_mini_mmit, tmp_path_factory):
    work = tmp_path_factory.mktemp('train')
    config = write_tiny_config(work / 'tiny_tsm.py', tiny_mini_mmit)
    result = run_tool('tools/train.py', config, '--work-dir', str(work),
                      '--seed', '0')
    return dict(config=config, work=work, log=result.stdout + result.stderr)


def test_train_validates_with_sample_map_and_saves_checkpoints(trained):
    assert len(MAP_LINE.findall(trained['log'])) == 2  # one per epoch
    work = trained['work']
    assert osp.isfile(work / 'epoch_1.pth') and osp.isfile(work / 'epoch_2.pth')
    assert glob.glob(str(work / 'best_mmit_sample_mAP_epoch_*.pth'))


def test_test_prints_the_three_maps_and_dumps(trained, tmp_path):
    dump = tmp_path / 'preds.pkl'
    result = run_tool('tools/test.py', trained['config'],
                      str(trained['work'] / 'epoch_2.pth'), '--work-dir',
                      str(tmp_path), '--dump', str(dump))
    values = MAP_LINE.findall(result.stdout + result.stderr)
    assert len(values) == 1
    assert all(0.0 < float(v) <= 1.0 for v in values[0])
    with open(dump, 'rb') as f:
        predictions = pickle.load(f)
    assert len(predictions) == 8
    scores = predictions[0]['pred_score']
    assert scores.shape == (14, ) and 0 <= scores.min() <= scores.max() <= 1


def test_killed_run_resumes_from_last_checkpoint(tiny_mini_mmit, tmp_path):
    config = write_tiny_config(tmp_path / 'tiny_tsm.py', tiny_mini_mmit,
                               max_epochs=3)
    cmd = [sys.executable, 'tools/train.py', config, '--work-dir',
           str(tmp_path), '--seed', '0']
    process = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while not osp.exists(tmp_path / 'last_checkpoint'):
        assert process.poll() is None, 'training ended before a checkpoint'
        assert time.time() < deadline, 'no checkpoint within the time limit'
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    resumed_from = open(tmp_path / 'last_checkpoint').read().strip()
    assert not resumed_from.endswith('epoch_3.pth')

    result = run_tool('tools/train.py', config, '--work-dir', str(tmp_path),
                      '--seed', '0', '--resume')
    log = result.stdout + result.stderr
    assert f'Load checkpoint from {resumed_from}' in log
    assert 'resumed epoch' in log
    assert 'Epoch(train)   [1]' not in log and 'Epoch(train) [1]' not in log
    assert osp.isfile(tmp_path / 'epoch_3.pth')


def test_two_process_cpu_training(tiny_mini_mmit, tmp_path):
    config = write_tiny_config(tmp_path / 'tiny_tsm.py', tiny_mini_mmit,
                               max_epochs=1)
    result = run_tool(
        '-m', 'torch.distributed.run', '--nproc_per_node', '2',
        '--master_port', str(free_port()), 'tools/train.py', config,
        '--work-dir', str(tmp_path), '--launcher', 'pytorch', '--seed', '0')
    log = result.stdout + result.stderr
    assert 'world_size: 2' in log or 'Distributed training: True' in log
    assert len(MAP_LINE.findall(log)) >= 1
    assert osp.isfile(tmp_path / 'epoch_1.pth')


def test_training_in_a_fork_server_child_equals_a_new_process(
        trained, tmp_path, monkeypatch):
    """The challenge runner's heavy steps (mmt_challenge.apis.tool_processes)
    train the same weights as ``python tools/train.py``, also two at once
    (``--jobs 2``)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv('OMP_NUM_THREADS', '1')  # as run_tool's process
    processes = ToolProcesses()
    works = [tmp_path / 'a', tmp_path / 'b']
    with ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(lambda work: processes.run([
            'tools/train.py', trained['config'], '--work-dir', str(work),
            '--seed', '0'
        ]), works))
    assert codes == [0, 0]
    fresh = torch.load(
        osp.join(trained['work'], 'epoch_2.pth'), map_location='cpu',
        weights_only=False)['state_dict']
    for work in works:
        forked = torch.load(osp.join(work, 'epoch_2.pth'), map_location='cpu',
                            weights_only=False)['state_dict']
        assert forked.keys() == fresh.keys()
        for key in fresh:
            assert torch.equal(forked[key], fresh[key]), (work, key)
