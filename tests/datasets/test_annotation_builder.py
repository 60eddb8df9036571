import pytest

from mmt_challenge.datasets import build_list_file, check_video


def test_build_list_file_drops_missing_and_broken(tmp_path, video_factory):
    video_factory('training/good1.mp4')
    video_factory('training/broken.mp4', broken=True)
    video_factory('training/good2.mp4')
    csv = tmp_path / 'trainingSet.csv'
    csv.write_text('training/good1.mp4,0,2\n'
                   'training/missing.mp4,1, 3\n'
                   'training/broken.mp4,1\n'
                   'training/good2.mp4,3\n')
    out = tmp_path / 'lists' / 'train.txt'
    summary = build_list_file(
        str(csv), video_factory.root, str(out), num_classes=4)

    assert out.read_text() == 'training/good1.mp4 0 2\ntraining/good2.mp4 3\n'
    assert summary.kept == 2
    assert summary.missing == ['training/missing.mp4']
    assert [vid for vid, _ in summary.undecodable] == ['training/broken.mp4']
    assert summary.dropped == 2
    report = (tmp_path / 'lists' / 'train.txt.dropped.txt').read_text()
    lines = report.splitlines()
    # Each left-out row whole, as in the CSV (labels included), then why.
    assert lines[0] == 'training/missing.mp4,1, 3\tmissing'
    assert lines[1].startswith('training/broken.mp4,1\tundecodable: ')
    assert len(lines) == 2


def test_existence_only_check_keeps_broken_files(tmp_path, video_factory):
    video_factory('a.mp4', broken=True)
    csv = tmp_path / 'set.csv'
    csv.write_text('a.mp4,0\n')
    summary = build_list_file(
        str(csv), video_factory.root, str(tmp_path / 'l.txt'),
        decode_check=False, report_path=str(tmp_path / 'report.txt'))
    assert summary.kept == 1 and summary.dropped == 0
    assert (tmp_path / 'report.txt').read_text() == ''


def test_parallel_checks_match_serial(tmp_path, video_factory):
    for i in range(4):
        video_factory(f'v{i}.mp4', broken=(i % 2 == 1))
    csv = tmp_path / 'set.csv'
    csv.write_text(''.join(f'v{i}.mp4,{i}\n' for i in range(5)))
    serial = build_list_file(str(csv), video_factory.root,
                             str(tmp_path / 's.txt'))
    parallel = build_list_file(str(csv), video_factory.root,
                               str(tmp_path / 'p.txt'), workers=2)
    assert (tmp_path / 's.txt').read_text() == (tmp_path / 'p.txt').read_text()
    assert serial.missing == parallel.missing == ['v4.mp4']
    assert [v for v, _ in parallel.undecodable] == ['v1.mp4', 'v3.mp4']


def test_bad_row_fails_before_any_output(tmp_path, video_factory):
    csv = tmp_path / 'set.csv'
    csv.write_text('a.mp4,0\nb.mp4,9\n')
    out = tmp_path / 'l.txt'
    with pytest.raises(ValueError, match=r'set.csv, line 2: label 9'):
        build_list_file(str(csv), video_factory.root, str(out), num_classes=4)
    assert not out.exists()


def test_check_video(video_factory):
    good = video_factory('ok.mp4')
    broken = video_factory('bad.mp4', broken=True)
    assert check_video(good) is None
    assert check_video(good + '.nope') == 'missing'
    assert check_video(broken).startswith('undecodable: ')
