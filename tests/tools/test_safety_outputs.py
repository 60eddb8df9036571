"""Nothing lost, nothing silently wrong, through the light tools: an output
never overwrites an input (same path or a link), bad inputs get one-line
errors naming the file, line or member, every check runs before the work,
and every input is byte-identical afterwards."""
import os
import os.path as osp
import pickle

import pytest

from .conftest import ROOT, run_in_process, snapshot

def _ensemble(monkeypatch, capsys, setup, *args):
    return run_in_process(monkeypatch, capsys, 'ensemble.py',
                          setup['recipe'], '--ann', setup['ann'], *args)


def _inputs(setup):
    return snapshot(setup['recipe'], setup['ann'], *setup['members'].values())


@pytest.mark.parametrize('link', [False, True])
def test_ensemble_out_on_a_member_score_file(ensemble, tmp_path, monkeypatch,
                                             capsys, link):
    inputs = _inputs(ensemble)
    out = ensemble['members']['b']
    if link:
        out = str(tmp_path / 'link.npz')
        os.symlink(ensemble['members']['b'], out)
    code, _, err = _ensemble(monkeypatch, capsys, ensemble, '--out', out,
                             '--report', tmp_path / 'report')
    assert code == 1
    assert f"--out {out} is the member 'b' score file" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / 'report').exists()
    assert _inputs(ensemble) == inputs


def test_ensemble_checks_come_before_reading_members(ensemble, tmp_path,
                                                     monkeypatch, capsys):
    os.remove(ensemble['members']['a'])  # reading it would fail
    code, _, err = _ensemble(monkeypatch, capsys, ensemble, '--out',
                             tmp_path / 'fused.txt')
    assert code == 1
    assert "--out must end with .npz, got '" in err


def test_ensemble_weights_file_without_weights(ensemble, tmp_path,
                                               monkeypatch, capsys):
    weights = tmp_path / 'weights.json'
    weights.write_text('{"fusion": {"type": "weighted_mean"}}\n')
    inputs = {**_inputs(ensemble), **snapshot(weights)}
    code, _, err = _ensemble(monkeypatch, capsys, ensemble, '--weights',
                             weights, '--out', tmp_path / 'fused.npz')
    assert code == 1
    assert f'{weights}: no "weights" key (found [\'fusion\'])' in err
    assert not (tmp_path / 'fused.npz').exists()
    assert {**_inputs(ensemble), **snapshot(weights)} == inputs


def test_ensemble_report_directory_that_holds_inputs_or_other_files(
        ensemble, tmp_path, monkeypatch, capsys):
    inputs = _inputs(ensemble)
    code, _, err = _ensemble(monkeypatch, capsys, ensemble, '--report',
                             tmp_path / 'members')
    assert code == 1
    assert "holds the member 'a' score file" in err
    report = tmp_path / 'report'
    report.mkdir()
    (report / 'notes.txt').write_text('mine')
    code, _, err = _ensemble(monkeypatch, capsys, ensemble, '--report',
                             report)
    assert code == 1
    assert 'holds files a report does not write (notes.txt)' in err
    assert (report / 'notes.txt').read_text() == 'mine'
    assert _inputs(ensemble) == inputs


def test_ensemble_cfg_options_typo(ensemble, monkeypatch, capsys):
    code, _, err = _ensemble(monkeypatch, capsys, ensemble, '--cfg-options',
                             'bootstrap.num_sample=5')
    assert code == 1
    assert "the config has no 'bootstrap.num_sample'" in err


def test_fused_file_inside_the_report_belongs_to_it(ensemble, tmp_path,
                                                    monkeypatch, capsys):
    report = tmp_path / 'report'
    code, _, err = _ensemble(monkeypatch, capsys, ensemble, '--report',
                             report, '--out', report / 'val_fused.npz')
    assert code == 0, err
    assert {'val_fused.npz', 'summary.csv', 'weights.json'} <= set(
        os.listdir(report))
    code, _, err = _ensemble(monkeypatch, capsys, ensemble, '--report',
                             report, '--out', report / 'val_fused.npz')
    assert code == 0, err  # a rerun replaces its own report


def test_submission_out_on_its_input(fused, monkeypatch, capsys):
    path, test_list = fused
    inputs = snapshot(path, test_list)
    code, out, err = run_in_process(monkeypatch, capsys, 'make_submission.py',
                                    path, '--out', path, '--test-list',
                                    test_list)
    assert code == 1
    assert f'--out {path} is the score file' in err
    assert 'validated' not in out
    assert snapshot(path, test_list) == inputs


def test_truncated_score_file(fused, tmp_path, monkeypatch, capsys):
    path, _ = fused
    data = open(path, 'rb').read()
    truncated = tmp_path / 'truncated.npz'
    truncated.write_bytes(data[:len(data) // 2])
    code, _, err = run_in_process(monkeypatch, capsys, 'make_submission.py',
                                  truncated, '--out', tmp_path / 'sub.txt')
    assert code == 1
    assert f'{truncated}: not a readable .npz archive (truncated or ' in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / 'sub.txt').exists()
    assert truncated.read_bytes() == data[:len(data) // 2]


class _Trap:
    """Unpickling this creates a file: proof that a pickle was opened."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


def test_submission_never_opens_a_pickle(tmp_path, monkeypatch, capsys):
    marker = tmp_path / 'unpickled'
    dump = tmp_path / 'scores.pkl'
    dump.write_bytes(pickle.dumps(_Trap(str(marker))))
    code, _, err = run_in_process(monkeypatch, capsys, 'make_submission.py',
                                  dump, '--out', tmp_path / 'sub.txt')
    assert code == 1
    assert f'{dump}: score files are .npz archives' in err
    assert not marker.exists()


def _csv(tmp_path, text, name='set.csv'):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


@pytest.mark.parametrize('link', [False, True])
def test_list_file_on_the_source_csv(tmp_path, monkeypatch, capsys, link):
    csv = _csv(tmp_path, 'a.mp4,1\n')
    out = csv
    if link:
        out = tmp_path / 'hard.csv'
        os.link(csv, out)
    code, _, err = run_in_process(monkeypatch, capsys, 'build_annotations.py',
                                  csv, tmp_path, out, '--no-decode-check')
    assert code == 1
    assert f'the list file {out} is the source CSV ({csv})' in err
    assert csv.read_text() == 'a.mp4,1\n'


@pytest.mark.parametrize('text, message', [
    ('', 'set.csv lists no videos'),
    ('a.mp4,1\n/abs/b.mp4,2\n', "set.csv, line 2: video path '/abs/b.mp4' "
     'is absolute'),
    ('a.mp4,1\n../b.mp4,2\n', 'set.csv, line 2: video path \'../b.mp4\' '
     'contains ".."'),
    ('a.mp4,1\nmy video.mp4,2\n', "set.csv, line 2: video path 'my "
     "video.mp4' contains whitespace"),
    ('a.mp4 1 2\n', 'line 1: video \'a.mp4 1 2\' has no labels (the line is '
     'space-separated'),
])
def test_bad_csv_is_named_before_any_video_is_checked(tmp_path, monkeypatch,
                                                      capsys, text, message):
    csv = _csv(tmp_path, text)
    code, out, err = run_in_process(monkeypatch, capsys,
                                    'build_annotations.py', csv, tmp_path,
                                    tmp_path / 'list.txt')
    assert code == 1
    assert message in err
    assert 'Checking' not in out + err
    assert not (tmp_path / 'list.txt').exists()
    assert csv.read_bytes() == text.encode()


def test_byte_order_mark_csv_builds(tmp_path, monkeypatch, capsys):
    (tmp_path / 'a.mp4').write_bytes(b'x')
    csv = _csv(tmp_path, b'\xef\xbb\xbfa.mp4,1\nmissing.mp4,0,2\n')
    code, _, err = run_in_process(monkeypatch, capsys, 'build_annotations.py',
                                  csv, tmp_path, tmp_path / 'list.txt',
                                  '--no-decode-check')
    assert code == 0, err
    assert (tmp_path / 'list.txt').read_text() == 'a.mp4 1\n'
    # the dropped row is kept whole, labels included
    assert (tmp_path / 'list.txt.dropped.txt').read_text() == (
        'missing.mp4,0,2\tmissing\n')


def test_class_counts_out_on_its_input(tmp_path, monkeypatch, capsys):
    ann = _csv(tmp_path, 'a.mp4 1\n', 'list.txt')
    code, _, err = run_in_process(monkeypatch, capsys, 'class_counts.py', ann,
                                  ann)
    assert code == 1
    assert f'out {ann} is the annotation' in err
    assert ann.read_text() == 'a.mp4 1\n'


def test_dense_test_out_on_its_list_before_building_anything(
        tmp_path, monkeypatch, capsys):
    ann = _csv(tmp_path, 'a.mp4 1\n', 'list.npz')
    config = osp.join(ROOT,
                      'configs/mini/tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py')
    checkpoint = _csv(tmp_path, 'x', 'ckpt.pth')
    code, _, err = run_in_process(monkeypatch, capsys, 'dense_test.py',
                                  config, checkpoint, '--ann', ann, '--out',
                                  ann)
    assert code == 1
    assert f'--out {ann} is the test list' in err
    assert ann.read_text() == 'a.mp4 1\n'


def test_test_dump_on_its_checkpoint(tmp_path, monkeypatch, capsys):
    config = osp.join(ROOT,
                      'configs/mini/tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py')
    checkpoint = _csv(tmp_path, 'x', 'ckpt.pkl')
    code, _, err = run_in_process(monkeypatch, capsys, 'test.py', config,
                                  checkpoint, '--dump', checkpoint,
                                  '--work-dir', tmp_path / 'work')
    assert code == 1
    assert f'--dump {checkpoint} is the checkpoint' in err
    assert checkpoint.read_text() == 'x'


def test_export_out_on_its_checkpoint(tmp_path, monkeypatch, capsys):
    checkpoint = _csv(tmp_path, 'x', 'ckpt.pth')
    code, _, err = run_in_process(monkeypatch, capsys,
                                  'export_single_dataset.py', 'config.py',
                                  checkpoint, '--dataset', 'mmit', '--out',
                                  checkpoint)
    assert code == 1
    assert f'--out {checkpoint} is the checkpoint' in err
    assert checkpoint.read_text() == 'x'


@pytest.fixture
def submission(tmp_path):
    test_list = _csv(tmp_path, 'v1.mp4\nv2.mp4\n', 'test_list.txt')
    return test_list


def _validate(monkeypatch, capsys, path, test_list, *args):
    return run_in_process(monkeypatch, capsys, 'validate_submission.py', path,
                          '--test-list', test_list, *args)


def test_validator_refuses_tabs(tmp_path, submission, monkeypatch, capsys):
    sub = _csv(tmp_path, 'v1.mp4 0 1 2 3 4\nv2.mp4\t0 1 2 3 4\n', 'sub.txt')
    code, out, _ = _validate(monkeypatch, capsys, sub, submission,
                             '--num-classes', '10')
    assert code == 1
    assert f'{sub}: line 2: contains a tab' in out


def test_validator_needs_the_class_count(tmp_path, submission, monkeypatch,
                                         capsys):
    sub = _csv(tmp_path, 'v1.mp4 0 1 2 3 313\nv2.mp4 0 1 2 3 4\n', 'sub.txt')
    code, out, _ = _validate(monkeypatch, capsys, sub, submission)
    assert code == 1
    assert 'the class count is unknown' in out
    assert 'OK' not in out
    label_map = _csv(tmp_path, ''.join(f'class{c}\n' for c in range(313)),
                     'labels.txt')
    code, out, _ = _validate(monkeypatch, capsys, sub, submission,
                             '--label-map', label_map)
    assert code == 1
    assert 'line 1: class index 313 is out of range [0, 313)' in out
    sub.write_text('v1.mp4 0 1 2 3 312\nv2.mp4 0 1 2 3 4\n')
    code, out, _ = _validate(monkeypatch, capsys, sub, submission,
                             '--label-map', label_map)
    assert (code, out.strip()) == (0, f'{sub}: OK')


def test_fill_missing_scores_out_on_its_input(fused, monkeypatch, capsys):
    path, test_list = fused
    inputs = snapshot(path, test_list)
    code, _, err = run_in_process(monkeypatch, capsys,
                                  'fill_missing_scores.py', path,
                                  '--test-list', test_list, '--train-list',
                                  test_list, '--out', path)
    assert code == 1
    assert f'--out {path} is the score file' in err
    assert snapshot(path, test_list) == inputs


def test_prepare_videos_into_its_own_video_directory(tmp_path, monkeypatch,
                                                     capsys):
    csv = _csv(tmp_path, 'a.mp4,1\n')
    (tmp_path / 'a.mp4').write_bytes(b'video')
    code, _, err = run_in_process(monkeypatch, capsys, 'prepare_videos.py',
                                  csv, tmp_path, f'{tmp_path}/.')
    assert code == 1
    assert 'is the video directory (src)' in err
    assert (tmp_path / 'a.mp4').read_bytes() == b'video'


def test_validator_takes_the_class_count_from_a_challenge(
        tmp_path, submission, monkeypatch, capsys):
    sub = _csv(tmp_path, 'v1.mp4 0 1 2 3 313\nv2.mp4 0 1 2 3 4\n', 'sub.txt')
    code, out, _ = _validate(monkeypatch, capsys, sub, submission,
                             '--challenge',
                             osp.join(ROOT, 'challenges/mmit2019.py'))
    assert code == 1
    assert 'line 1: class index 313 is out of range [0, 313)' in out
