"""Annotation files read as the user meant or refused with the line named:
byte order marks and encodings, empty files, paths leaving the video root,
a file in the other format."""
import pytest

from mmt_challenge.datasets import read_list_file, read_mmit_csv


def _write(tmp_path, name, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_utf8_byte_order_mark_is_read_through(tmp_path):
    path = _write(tmp_path, 'set.csv',
                  b'\xef\xbb\xbftraining/a.mp4,1\ntraining/b.mp4,2\n')
    records = read_mmit_csv(path)
    assert [r.video_id for r in records] == ['training/a.mp4',
                                             'training/b.mp4']


@pytest.mark.parametrize('encoding, name', [('utf-16', 'UTF-16'),
                                            ('utf-32', 'UTF-32')])
def test_other_encodings_are_named(tmp_path, encoding, name):
    path = _write(tmp_path, 'set.csv', 'a.mp4,1\n'.encode(encoding))
    with pytest.raises(ValueError, match=f'set.csv is encoded as {name}'):
        read_mmit_csv(path)


def test_undecodable_line_is_named(tmp_path):
    path = _write(tmp_path, 'list.txt', b'a.mp4 1\nb\xe9.mp4 2\n')
    with pytest.raises(ValueError, match=r'list.txt, line 2: not UTF-8 '
                       r'\(byte 0xe9 at column 2\)'):
        read_list_file(path)


@pytest.mark.parametrize('data', [b'', b'\n\n', b'\xef\xbb\xbf'])
def test_a_file_without_videos_is_an_error(tmp_path, data):
    path = _write(tmp_path, 'set.csv', data)
    with pytest.raises(ValueError, match='set.csv lists no videos'):
        read_mmit_csv(path)


@pytest.mark.parametrize('video, message', [
    ('/data/videos/a.mp4', 'is absolute'),
    ('../other/a.mp4', r'contains "\.\."'),
    ('training/../../a.mp4', r'contains "\.\."'),
])
def test_paths_leaving_the_video_root_name_the_line(tmp_path, video,
                                                    message):
    path = _write(tmp_path, 'set.csv',
                  f'training/ok.mp4,1\n{video},2\n'.encode())
    with pytest.raises(ValueError, match=rf'set.csv, line 2: video path '
                       rf'.* {message}'):
        read_mmit_csv(path)


def test_a_dot_dot_inside_a_name_is_fine(tmp_path):
    path = _write(tmp_path, 'set.csv', b'training/a..b.mp4,1\n')
    assert read_mmit_csv(path)[0].video_id == 'training/a..b.mp4'


def test_a_list_file_read_as_csv_and_back(tmp_path):
    listed = _write(tmp_path, 'list.csv', b'a.mp4 1 2\n')
    with pytest.raises(ValueError, match=r'line 1: .*space-separated: an '
                       'MMAction2 list file'):
        read_mmit_csv(listed)
    csv = _write(tmp_path, 'set.txt', b'a.mp4,1,2\n')
    with pytest.raises(ValueError, match=r'line 1: .*comma-separated: an '
                       'M-MiT CSV'):
        read_list_file(csv)


def test_records_keep_their_source_line(tmp_path):
    path = _write(tmp_path, 'set.csv', b'a.mp4, 1,2 \r\nb.mp4,3\n')
    records = read_mmit_csv(path)
    assert [r.text for r in records] == ['a.mp4, 1,2 ', 'b.mp4,3']
