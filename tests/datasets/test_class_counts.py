import os.path as osp
import runpy
import sys

import numpy as np
import pytest

from mmt_challenge.datasets.annotations import VideoAnnotation
from mmt_challenge.datasets.class_counts import (count_classes,
                                                 load_class_counts,
                                                 read_class_counts,
                                                 write_class_counts)

TOOL = osp.join(osp.dirname(__file__), '..', '..', 'tools', 'class_counts.py')

ROWS = [('a/x.mp4', [0, 3]), ('a/y.mp4', [3]), ('b/z.mp4', [1, 3, 0])]
EXPECTED = [2, 1, 0, 3]  # class 2 never occurs


def count_by_loop(rows, num_classes):
    counts = [0] * num_classes
    for _, labels in rows:
        for label in labels:
            counts[label] += 1
    return counts


@pytest.fixture
def ann_files(tmp_path):
    list_file = tmp_path / 'train_list_videos.txt'
    list_file.write_text(''.join(' '.join([path, *map(str, labels)]) + '\n'
                                 for path, labels in ROWS))
    csv_file = tmp_path / 'trainingSet.csv'
    csv_file.write_text(''.join(','.join([path, *map(str, labels)]) + '\n'
                                for path, labels in ROWS))
    return list_file, csv_file


def test_count_classes_matches_loop():
    rng = np.random.default_rng(0)
    rows = [
        (f'{i}.mp4',
         sorted(rng.choice(20, rng.integers(1, 4), replace=False).tolist()))
        for i in range(200)
    ]
    records = [
        VideoAnnotation(p, tuple(l), i + 1) for i, (p, l) in enumerate(rows)
    ]
    counts = count_classes(records, 20)
    assert counts.dtype == np.int64
    assert counts.tolist() == count_by_loop(rows, 20)


@pytest.mark.parametrize('fmt', ['auto', 'explicit'])
@pytest.mark.parametrize('which', ['list', 'csv'])
def test_load_class_counts_from_annotations(ann_files, fmt, which):
    path = ann_files[0] if which == 'list' else ann_files[1]
    counts = load_class_counts(
        str(path), fmt=which if fmt == 'explicit' else 'auto')
    assert counts.tolist() == EXPECTED
    padded = load_class_counts(str(path), 6)
    assert padded.tolist() == EXPECTED + [0, 0]


def test_counts_file_round_trip(tmp_path):
    path = str(tmp_path / 'counts.txt')
    write_class_counts(path, np.array([5, 0, 7]))
    assert open(path).read() == '5\n0\n7\n'
    assert read_class_counts(path).tolist() == [5, 0, 7]
    assert load_class_counts(path).tolist() == [5, 0, 7]  # auto: counts
    assert load_class_counts(path, 3, fmt='counts').tolist() == [5, 0, 7]


@pytest.mark.parametrize('text, match', [
    ('3\nx\n', r'line 2: class count .x. is not an integer'),
    ('3\n-2\n', 'line 2: class count -2 is negative'),
    ('\n\n', 'holds no class counts'),
])
def test_bad_counts_file(tmp_path, text, match):
    path = tmp_path / 'counts.txt'
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        read_class_counts(str(path))


def test_counts_file_wrong_length(tmp_path):
    path = tmp_path / 'counts.txt'
    path.write_text('1\n2\n')
    with pytest.raises(
            ValueError, match='2 class counts, expected '
            'num_classes=3'):
        load_class_counts(str(path), 3)


def test_annotation_label_out_of_range(ann_files):
    with pytest.raises(ValueError, match='label 3 .* out of range'):
        load_class_counts(str(ann_files[0]), 3)


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(fmt='json'), ValueError, "fmt must be one of .*, got 'json'"),
    (dict(num_classes=0), ValueError, 'num_classes must be positive, got 0'),
    (dict(num_classes=2.0), TypeError, 'num_classes must be an int, got 2.0'),
])
def test_load_class_counts_bad_arguments(ann_files, kwargs, error, match):
    with pytest.raises(error, match=match):
        load_class_counts(str(ann_files[0]), **kwargs)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.txt'):
        load_class_counts(str(tmp_path / 'nothing.txt'))


def test_count_classes_without_labels():
    with pytest.raises(ValueError, match='pass num_classes'):
        count_classes([])
    assert count_classes([], 3).tolist() == [0, 0, 0]


@pytest.mark.parametrize('counts, error, match', [
    (np.array([1.5, 2.0]), TypeError, 'counts must be integers'),
    (np.array([1, -1]), ValueError, 'counts must be non-negative, got -1'),
    (np.zeros((2, 2), dtype=int), ValueError, 'non-empty 1-D'),
])
def test_write_class_counts_errors(tmp_path, counts, error, match):
    with pytest.raises(error, match=match):
        write_class_counts(str(tmp_path / 'c.txt'), counts)


@pytest.mark.parametrize('which', ['list', 'csv'])
def test_tool(ann_files, tmp_path, monkeypatch, capsys, which):
    path = ann_files[0] if which == 'list' else ann_files[1]
    out = tmp_path / 'counts.txt'
    monkeypatch.setattr(
        sys, 'argv',
        ['class_counts.py',
         str(path),
         str(out), '--num-classes', '5'])
    runpy.run_path(TOOL, run_name='__main__')
    assert read_class_counts(str(out), 5).tolist() == EXPECTED + [0]
    printed = capsys.readouterr().out
    assert '5 classes, 6 labels' in printed
    assert 'warning: 2 classes have no video: [2, 4]' in printed
