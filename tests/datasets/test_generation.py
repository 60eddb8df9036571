"""The pieces the dataset generators share (mmt_challenge.datasets.generation)."""
import json
import os

import numpy as np
import pytest

from mmt_challenge.datasets import generation
from mmt_challenge.datasets.generation import (balanced_rounds,
                                               check_out_dir, staged_dir)
from mmt_challenge.datasets.mini_dataset import generate_mini_dataset
from mmt_challenge.datasets.mini_pair import generate_mini_pair_dataset

TINY = dict(num_train=6, num_val=3, num_test=0, size=32, num_frames=4)


@pytest.mark.parametrize('num_classes, num_videos', [(4, 0), (4, 3), (4, 4),
                                                     (4, 10), (14, 30)])
def test_balanced_rounds(num_classes, num_videos):
    labels = balanced_rounds(
        np.random.default_rng(0), num_classes, num_videos)
    assert labels.shape == (num_videos, )
    counts = np.bincount(labels, minlength=num_classes)
    assert counts.max() - counts.min() <= 1
    for start in range(0, num_videos - num_classes + 1, num_classes):
        assert sorted(labels[start:start + num_classes]) == list(
            range(num_classes))


def test_balanced_rounds_shuffles_each_round():
    labels = balanced_rounds(np.random.default_rng(1), 8, 800)
    rounds = {tuple(labels[i:i + 8]) for i in range(0, 800, 8)}
    assert len(rounds) > 50


def test_staged_dir_moves_into_place_and_replaces(tmp_path):
    out = str(tmp_path / 'a' / 'b')
    with staged_dir(out) as tmp:
        assert os.path.dirname(tmp) == str(tmp_path / 'a')
        assert not os.path.exists(out)
        (tmp_path / 'a' / os.path.basename(tmp) / 'x').write_text('1')
    assert os.listdir(out) == ['x']
    with staged_dir(out) as tmp:
        with open(os.path.join(tmp, 'y'), 'w') as f:
            f.write('2')
    assert os.listdir(out) == ['y']
    assert os.listdir(tmp_path / 'a') == ['b']  # nothing left beside it


@pytest.mark.parametrize('error', [RuntimeError, KeyboardInterrupt])
def test_staged_dir_removes_everything_on_failure(tmp_path, error):
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'old').write_text('kept')
    with pytest.raises(error):
        with staged_dir(str(out)) as tmp:
            with open(os.path.join(tmp, 'new'), 'w') as f:
                f.write('half')
            raise error
    assert os.listdir(tmp_path) == ['out']
    assert os.listdir(out) == ['old']


def test_check_out_dir(tmp_path):
    kwargs = dict(generator='gen', own_entries=frozenset(['a.csv']),
                  kind='toy')
    check_out_dir(str(tmp_path / 'missing'), overwrite=False, **kwargs)
    check_out_dir(str(tmp_path), overwrite=False, **kwargs)  # empty
    (tmp_path / 'a.csv').write_text('')
    with pytest.raises(FileExistsError, match='pass overwrite=True'):
        check_out_dir(str(tmp_path), overwrite=False, **kwargs)
    check_out_dir(str(tmp_path), overwrite=True, **kwargs)
    (tmp_path / 'notes.txt').write_text('')
    with pytest.raises(
            ValueError,
            match=r"a toy dataset \(unexpected entries \['notes.txt'\]\)"):
        check_out_dir(str(tmp_path), overwrite=True, **kwargs)
    # a directory that the generator wrote may hold anything
    (tmp_path / 'classes.json').write_text(
        json.dumps(dict(generation=dict(generator='gen'))))
    check_out_dir(str(tmp_path), overwrite=True, **kwargs)
    with pytest.raises(FileExistsError, match='not a directory'):
        check_out_dir(str(tmp_path / 'a.csv'), overwrite=True, **kwargs)


@pytest.mark.parametrize('generate', [
    generate_mini_dataset, generate_mini_pair_dataset])
def test_interrupted_run_leaves_nothing(tmp_path, monkeypatch, generate):
    calls = []

    def failing_write(*args):
        calls.append(1)
        if len(calls) > 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(generation, 'write_mp4v', failing_write)
    with pytest.raises(KeyboardInterrupt):
        generate(tmp_path / 'data', **TINY)
    assert os.listdir(tmp_path) == []


# The random streams are part of the format: the same arguments give the same
# dataset in every version (spawn keys (split, 0) for a split's classes and
# (split, 1, i) for its video i; the mini pair prefixes 2).
@pytest.mark.parametrize('generate, training, validation', [
    (generate_mini_dataset, [[1, 3, 13], [3, 7, 8], [1, 6], [4, 7, 13], [5],
                             [11, 12]], [[5, 6, 11], [0], [1, 12]]),
    (generate_mini_pair_dataset, [[4], [5], [0], [2], [1], [3]], [[3], [6],
                                                                  [1]]),
])
def test_labels_are_stable_across_versions(tmp_path, generate, training,
                                           validation):
    info = generate(tmp_path / 'data', **TINY)
    for split, expected in (('training', training),
                            ('validation', validation)):
        with open(info['ann_files'][split]) as f:
            rows = [line.rstrip('\n').split(',') for line in f]
        assert [r[0] for r in rows] == [
            f'{split}/{i:06d}.mp4' for i in range(len(expected))
        ]
        assert [[int(x) for x in r[1:]] for r in rows] == expected
