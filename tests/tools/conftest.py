"""A tiny mini-M-MiT and a tiny member config for end-to-end tool tests."""
import os
import os.path as osp
import re
import socket
import subprocess
import sys

import numpy as np
import pytest

from mmt_challenge.datasets import build_list_file, generate_mini_dataset
from mmt_challenge.structures import ScoreFile, save_score_file

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MINI_TSM = osp.join(ROOT, 'configs/mini/tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py')
#: The validation line of a mini M-MiT training log; groups: sample, macro
#: and micro mAP.
MAP_LINE = re.compile(r'mmit/sample_mAP: ([\d.]+)\s+mmit/macro_mAP: ([\d.]+)'
                      r'\s+mmit/micro_mAP: ([\d.]+)')


@pytest.fixture(scope='session')
def tiny_mini_mmit(tmp_path_factory):
    """16 / 8 / 8 videos of 32 px and 8 frames, with list files."""
    out = tmp_path_factory.mktemp('data') / 'mini_mmit'
    info = generate_mini_dataset(
        out, num_train=16, num_val=8, num_test=8, size=32, num_frames=8)
    lists = {}
    for split, csv in info['ann_files'].items():
        lists[split] = str(out / f'{split}_list.txt')
        build_list_file(csv, info['video_root'], lists[split],
                        num_classes=info['num_classes'])
    return dict(root=info['video_root'], lists=lists,
                num_classes=info['num_classes'])


def write_tiny_config(path, data, base=MINI_TSM, max_epochs=2, extra=''):
    """A config inheriting ``base`` that trains briefly on ``data``."""
    text = f"""
_base_ = [{base!r}]
_data = dict(data_prefix=dict(video={data['root']!r}))
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(ann_file={data['lists']['training']!r}, **_data))
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(ann_file={data['lists']['validation']!r}, **_data))
test_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(ann_file={data['lists']['testing']!r}, **_data))
train_cfg = dict(max_epochs={max_epochs}, val_interval=1)
default_hooks = dict(logger=dict(interval=1))
{extra}
"""
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_tool(*args, timeout=300, check=True):
    """Run ``python tools/<args>`` from the repository root."""
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f'{args} failed:\n{result.stdout[-3000:]}\n'
                             f'{result.stderr[-5000:]}')
    return result


def run_in_process(monkeypatch, capsys, script, *args):
    """Run ``tools/<script>`` in this process (no interpreter start-up).

    Returns ``(exit code, stdout, stderr)``; an exception escaping the tool
    counts as exit code 1 with its message appended to stderr, as the
    interpreter would report it.
    """
    import runpy
    capsys.readouterr()
    monkeypatch.setattr(sys, 'argv', [script, *map(str, args)])
    try:
        runpy.run_path(osp.join(ROOT, 'tools', script), run_name='__main__')
        code, message = 0, ''
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (
            0 if exit_.code is None else 1)
        message = '' if isinstance(exit_.code, int) or exit_.code is None \
            else str(exit_.code)
    except Exception as error:  # noqa: B902  what a traceback would show
        code, message = 1, f'{type(error).__name__}: {error}'
    out, err = capsys.readouterr()
    return code, out, err + message


def snapshot(*paths) -> dict:
    """The bytes of every file under ``paths``, to check inputs afterwards."""
    files = {}
    for path in paths:
        path = str(path)
        if osp.isdir(path):
            for root, _, names in os.walk(path):
                for name in names:
                    full = osp.join(root, name)
                    with open(full, 'rb') as f:
                        files[full] = f.read()
        else:
            with open(path, 'rb') as f:
                files[path] = f.read()
    return files


SCORE_CLASSES = 8


def _score_file(rng, video_ids, scales=(0, )):
    """Random probabilities for ``video_ids``, ``SCORE_CLASSES`` classes."""
    scores = rng.random((len(video_ids), len(scales), SCORE_CLASSES))
    return ScoreFile(
        video_ids=np.asarray(video_ids),
        class_names=[f'c{c}' for c in range(SCORE_CLASSES)],
        scores=scores.astype(np.float32),
        scales=list(scales))


@pytest.fixture
def ensemble(tmp_path):
    """Two members' val score files, a labelled list and a recipe
    (no search, a short bootstrap)."""
    rng = np.random.default_rng(0)
    video_ids = [f'val/{i:02d}.mp4' for i in range(30)]
    members = {}
    for name in ('a', 'b'):
        members[name] = str(tmp_path / 'members' / f'{name}_val.npz')
        save_score_file(members[name], _score_file(rng, video_ids))
    ann = tmp_path / 'val_list.txt'
    ann.write_text(''.join(
        f'{v} {i % SCORE_CLASSES} {(i + 3) % SCORE_CLASSES}\n'
        for i, v in enumerate(video_ids)))
    recipe = tmp_path / 'recipe.py'
    pattern = str(tmp_path / 'members' / '{name}_{{split}}.npz')
    recipe.write_text(
        'members = [\n' + ''.join(
            f"    dict(name={n!r}, score_file={pattern.format(name=n)!r}),\n"
            for n in members) + ']\nsearch = None\n'
        'bootstrap = dict(num_samples=20)\n')
    return dict(members=members, ann=str(ann), recipe=str(recipe))


@pytest.fixture
def fused(tmp_path):
    """A fused test score file of 6 videos and its test list."""
    rng = np.random.default_rng(1)
    video_ids = [f'test/{i:02d}.mp4' for i in range(6)]
    path = str(tmp_path / 'test_fused.npz')
    save_score_file(path, _score_file(rng, video_ids))
    test_list = tmp_path / 'test_list.txt'
    test_list.write_text(''.join(f'{v}\n' for v in video_ids))
    return path, str(test_list)
