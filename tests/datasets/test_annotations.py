import numpy as np
import pytest

from mmt_challenge.datasets import (VideoAnnotation, labels_to_multi_hot,
                                    read_label_map, read_list_file,
                                    read_mmit_csv, write_list_file)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding='utf-8')
    return str(path)


def test_read_mmit_csv_and_list_file_agree(tmp_path):
    csv = write(tmp_path, 'train.csv', 'a/x.mp4,3,0\n\nb/y.mp4,2\n')
    lst = write(tmp_path, 'train.txt', 'a/x.mp4 3 0\nb/y.mp4  2\n')
    from_csv = read_mmit_csv(csv, num_classes=4)
    from_list = read_list_file(lst, num_classes=4)
    assert [(r.video_id, r.labels) for r in from_csv] == [('a/x.mp4', (3, 0)),
                                                          ('b/y.mp4', (2, ))]
    assert [(r.video_id, r.labels) for r in from_list] == [
        (r.video_id, r.labels) for r in from_csv
    ]
    assert [r.line for r in from_csv] == [1, 3]


def test_write_list_file_round_trip(tmp_path):
    records = [VideoAnnotation('a.mp4', (1, 5)), VideoAnnotation('b.mp4', (0, ))]
    out = str(tmp_path / 'sub' / 'list.txt')
    assert write_list_file(out, records) == 2
    assert open(out).read() == 'a.mp4 1 5\nb.mp4 0\n'
    assert [(r.video_id, r.labels) for r in read_list_file(out)] == [
        ('a.mp4', (1, 5)), ('b.mp4', (0, ))
    ]


def test_write_list_file_rejects_whitespace_in_path(tmp_path):
    with pytest.raises(ValueError, match='whitespace'):
        write_list_file(str(tmp_path / 'l.txt'),
                        [VideoAnnotation('a b.mp4', (1, ))])


@pytest.mark.parametrize('text, match', [
    ('ok.mp4,1\nbad.mp4\n', r'line 2: video .bad.mp4. has no labels'),
    ('bad.mp4,1,x\n', r'line 1: label .x. of video .bad.mp4. is not an int'),
    ('bad.mp4,1.5\n', r'line 1: label .1.5. .* is not an integer'),
    ('bad.mp4,4\n', r'line 1: label 4 of video .bad.mp4. is out of range'),
    ('bad.mp4,-1\n', r'line 1: label -1 .* out of range'),
    ('a.mp4,1\nb.mp4,2\na.mp4,3\n', r'line 3: duplicate video .a.mp4. '
     r'\(first on line 1\)'),
    ('a.mp4,1,1\n', r'line 1: video .a.mp4. repeats a label'),
])
def test_bad_rows_name_file_and_line(tmp_path, text, match):
    path = write(tmp_path, 'bad.csv', text)
    with pytest.raises(ValueError, match=match) as info:
        read_mmit_csv(path, num_classes=4)
    assert path in str(info.value)


def test_unlabelled_rows_allowed_for_test_split(tmp_path):
    path = write(tmp_path, 'test.csv', 'a.mp4\nb.mp4\n')
    records = read_mmit_csv(path, allow_unlabelled=True)
    assert [r.labels for r in records] == [(), ()]


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.csv'):
        read_mmit_csv(str(tmp_path / 'nope.csv'))


def test_labels_to_multi_hot_matches_loop():
    rng = np.random.default_rng(0)
    records = [
        VideoAnnotation(f'{i}.mp4',
                        tuple(rng.choice(7, rng.integers(0, 4), replace=False)))
        for i in range(50)
    ]
    expected = np.zeros((50, 7), dtype=np.uint8)
    for i, r in enumerate(records):
        for label in r.labels:
            expected[i, label] = 1
    np.testing.assert_array_equal(labels_to_multi_hot(records, 7), expected)


def test_read_label_map(tmp_path):
    path = write(tmp_path, 'labels.txt', 'run\njump\n')
    assert read_label_map(path) == ['run', 'jump']
    with pytest.raises(ValueError, match='repeated class names'):
        read_label_map(write(tmp_path, 'dup.txt', 'run\nrun\n'))
