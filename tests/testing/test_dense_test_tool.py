"""tools/dense_test.py end to end, in one process and in two (torchrun)."""
import re
import shutil

import numpy as np
import pytest

from mmt_challenge.structures import load_score_file

ROW = re.compile(r'^\s*(\d+|fused)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$',
                 re.MULTILINE)


@pytest.fixture(scope='module')
def setup(tiny_videos, tsm_config_path, tmp_path_factory):
    """A config testing the tiny list, with one broken video in it."""
    work = tmp_path_factory.mktemp('dense_tool')
    root = work / 'videos'
    shutil.copytree(tiny_videos['root'], root)
    (root / 'val' / 'broken.mp4').write_bytes(b'\x00not a video\x00' * 64)
    lines = open(tiny_videos['ann']).read().splitlines()
    ann = work / 'list.txt'
    ann.write_text('\n'.join([*lines[:2], 'val/broken.mp4 3', *lines[2:]]) +
                   '\n')
    config = work / 'tiny_tsm.py'
    config.write_text(f"""
_base_ = [{tsm_config_path!r}]
test_dataloader = dict(num_workers=0, persistent_workers=False,
    dataset=dict(ann_file={str(ann)!r}, data_prefix=dict(video={str(root)!r})))
""")
    return dict(config=str(config), work=work)


def dense_test(run_python, setup, tsm_checkpoint, out, *extra, nproc=1):
    args = [
        'tools/dense_test.py', setup['config'], tsm_checkpoint, '--out',
        str(out), '--scales', '28', '32', '--num-clips', '3', '--num-crops',
        '3', '--keep-views', *extra
    ]
    if nproc > 1:
        args = [
            '-m', 'torch.distributed.run', '--nproc_per_node',
            str(nproc), '--master_port',
            str(run_python.free_port()), *args, '--launcher', 'pytorch'
        ]
    result = run_python(*args)
    return result.stdout + result.stderr


@pytest.fixture(scope='module')
def one_process(run_python, setup, tsm_checkpoint):
    out = setup['work'] / 'one.npz'
    log = dense_test(run_python, setup, tsm_checkpoint, out)
    return load_score_file(str(out)), log


def test_prints_map_per_scale_and_fused(one_process):
    score_file, log = one_process
    rows = ROW.findall(log)
    assert [r[0] for r in rows] == ['28', '32', 'fused']
    assert all(0 < float(v) <= 1 for row in rows for v in row[1:])
    assert 'videos/s' in log  # the progress report
    assert 'Skipping unreadable video val/broken.mp4' in log
    assert '1 of 6 videos could not be decoded' in log
    assert 'on 1 process(es)' in log


def test_writes_the_score_file(one_process, tiny_videos, setup):
    score_file, _ = one_process
    assert score_file.video_ids.tolist() == tiny_videos['ids']
    assert score_file.scales.tolist() == [28, 32]
    assert (score_file.num_clips, score_file.num_crops) == (3, 3)
    assert score_file.view_scores.shape == (5, 2, 9, 14)
    assert score_file.meta['config'] == setup['config']
    assert score_file.meta['unreadable_videos'] == ['val/broken.mp4']


def test_two_processes_give_the_same_score_file(one_process, run_python, setup,
                                                tsm_checkpoint):
    out = setup['work'] / 'two.npz'
    log = dense_test(run_python, setup, tsm_checkpoint, out, nproc=2)
    two = load_score_file(str(out))
    one, _ = one_process
    assert two.video_ids.tolist() == one.video_ids.tolist()
    np.testing.assert_allclose(two.scores, one.scores, atol=1e-6, rtol=0)
    np.testing.assert_allclose(
        two.view_scores, one.view_scores, atol=1e-6, rtol=0)
    assert two.meta['unreadable_videos'] == ['val/broken.mp4']
    assert 'on 2 process(es)' in log
    assert [r[0] for r in ROW.findall(log)][:3] == ['28', '32', 'fused']


def test_defaults_come_from_the_config(run_python, setup, tsm_checkpoint,
                                       tmp_path):
    out = tmp_path / 'default.npz'
    run_python('tools/dense_test.py', setup['config'], tsm_checkpoint, '--out',
               str(out), '--ann', str(setup['work'] / 'list.txt'),
               '--cfg-options', 'dense_test_cfg.num_clips=2',
               'dense_test_cfg.scales=[40,56]')
    score_file = load_score_file(str(out))
    assert score_file.scales.tolist() == [40, 56]
    # num_crops from the mini config's dense_test_cfg
    assert (score_file.num_clips, score_file.num_crops) == (2, 1)
    assert score_file.view_scores is None


def test_bad_out_is_refused(run_python, setup, tsm_checkpoint, tmp_path):
    result = run_python(
        'tools/dense_test.py',
        setup['config'],
        tsm_checkpoint,
        '--out',
        str(tmp_path / 'x.pkl'),
        check=False)
    assert result.returncode != 0
    assert '.npz' in result.stderr
