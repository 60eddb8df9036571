import numpy as np
import pandas as pd
import pytest

from mmt_challenge.structures import ScoreFile, save_score_file
from mmt_challenge.submission import (make_submission, top_k_classes,
                                      write_score_csv, write_top5)


def test_top_k_by_falling_score_ties_to_lower_index():
    scores = np.array([[0.1, 0.9, 0.5, 0.5, 0.3, 0.7],
                       [0.2, 0.2, 0.2, 0.2, 0.2, 0.2]])
    np.testing.assert_array_equal(
        top_k_classes(scores), [[1, 5, 2, 3, 4], [0, 1, 2, 3, 4]])


def test_top_k_needs_enough_classes():
    with pytest.raises(ValueError, match=r'C >= 5, got shape \(2, 4\)'):
        top_k_classes(np.zeros((2, 4)))


def test_write_top5(tmp_path):
    path = tmp_path / 'sub.txt'
    write_top5(str(path), ['a/x.mp4', 'b.mp4'],
               np.array([[0.1, 0.9, 0.5, 0.4, 0.3, 0.7],
                         [0.6, 0.5, 0.4, 0.3, 0.2, 0.1]]))
    assert path.read_bytes() == b'a/x.mp4 1 5 2 3 4\nb.mp4 0 1 2 3 4\n'


def test_write_score_csv_round_trips(tmp_path):
    path = str(tmp_path / 'sub.csv')
    scores = np.random.default_rng(0).random((3, 4)).astype(np.float32)
    names = ['run', 'jump, high', 'swim "fast"', 'fly']
    write_score_csv(path, ['a.mp4', 'b.mp4', 'c.mp4'], names, scores)
    table = pd.read_csv(path, dtype={'filename': str})
    assert table.columns.tolist() == ['filename', *names]
    assert table['filename'].tolist() == ['a.mp4', 'b.mp4', 'c.mp4']
    np.testing.assert_array_equal(
        table[names].to_numpy().astype(np.float32), scores)


@pytest.mark.parametrize('writer, args, match', [
    (write_top5, (['a b.mp4'], np.zeros((1, 5))), 'contains whitespace'),
    (write_top5, (['a.mp4', 'b.mp4'], np.zeros((1, 5))),
     '2 video ids for 1 rows'),
    (write_score_csv, (['a.mp4'], ['c'], np.array([[np.nan]])),
     'scores must be finite'),
    (write_score_csv, (['a.mp4'], ['c', 'd'], np.zeros((1, 3))),
     r'shape \[N, C\] = \[1, 2\]'),
])
def test_writer_errors(tmp_path, writer, args, match):
    with pytest.raises(ValueError, match=match):
        writer(str(tmp_path / 'out'), *args)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize('format', ['top5', 'scores'])
def test_make_submission_follows_the_test_list(fused, tmp_path, format):
    path, test_list, video_ids, scores = fused
    out = str(tmp_path / 'submissions' / f'sub.{format}')
    assert make_submission(path, out, format=format,
                           test_list=test_list) == 12
    if format == 'top5':
        lines = open(out).read().splitlines()
        assert [line.split()[0] for line in lines] == video_ids
        top = np.argsort(-scores, axis=1, kind='stable')[:, :5]
        assert [list(map(int, line.split()[1:])) for line in lines] == \
            top.tolist()
    else:
        table = pd.read_csv(out)
        assert table['filename'].tolist() == video_ids
        np.testing.assert_array_equal(
            table.iloc[:, 1:].to_numpy().astype(np.float32), scores)


def test_make_submission_without_test_list_keeps_file_order(fused, tmp_path):
    path, _, _, _ = fused
    out = str(tmp_path / 'sub.txt')
    make_submission(path, out)
    with np.load(path) as f:
        ids = f['video_ids'].tolist()
    assert [line.split()[0] for line in open(out)] == ids


def test_make_submission_missing_test_video(fused, tmp_path):
    path, test_list, _, _ = fused
    with open(test_list, 'a') as f:
        f.write('test/99.mp4\n')
    with pytest.raises(ValueError, match=r"no scores for 1 video\(s\) of "
                       r".*test_list.txt: 'test/99.mp4'"):
        make_submission(path, str(tmp_path / 'sub.txt'),
                        test_list=test_list)
    assert not (tmp_path / 'sub.txt').exists()


def test_make_submission_extra_video(fused, tmp_path):
    path, test_list, video_ids, _ = fused
    with open(test_list, 'w') as f:
        f.write(''.join(f'{v}\n' for v in video_ids[1:]))
    with pytest.raises(ValueError, match=r"1 video\(s\) that are not in .*"
                       r"'test/00.mp4'"):
        make_submission(path, str(tmp_path / 'sub.txt'),
                        test_list=test_list)


def test_make_submission_needs_one_scale(tmp_path):
    path = str(tmp_path / 'member.npz')
    save_score_file(path, ScoreFile(
        video_ids=['a.mp4'], class_names=list('abcdef'),
        scores=np.full((1, 2, 6), 0.5), scales=[128, 160]))
    with pytest.raises(ValueError, match=r'2 scales \[128, 160\]; fuse'):
        make_submission(path, str(tmp_path / 'sub.txt'))


def test_make_submission_unknown_format(fused, tmp_path):
    with pytest.raises(ValueError, match="unknown format 'csv'"):
        make_submission(fused[0], str(tmp_path / 'x'), format='csv')
