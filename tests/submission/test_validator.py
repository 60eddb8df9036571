"""The validator against a corpus of broken submission files."""
import importlib.util
import os.path as osp
import sys

import pytest

from mmt_challenge.submission import (Problem, make_submission,
                                      validate_submission)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture
def written(fused, tmp_path):
    """The writer's own output in both formats, as lists of lines."""
    path, test_list, _, _ = fused
    lines = {}
    for format in ('top5', 'scores'):
        out = str(tmp_path / f'good.{format}')
        make_submission(path, out, format=format, test_list=test_list)
        lines[format] = open(out, encoding='utf-8').read().splitlines()
    return lines, test_list


def _check(tmp_path, test_list, data, **kwargs):
    path = tmp_path / 'candidate'
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return [str(p) for p in validate_submission(str(path), test_list,
                                                num_classes=10, **kwargs)]


def _text(lines):
    return ''.join(f'{line}\n' for line in lines)


@pytest.mark.parametrize('format', ['top5', 'scores'])
def test_accepts_the_writers_output(written, tmp_path, format):
    lines, test_list = written
    assert _check(tmp_path, test_list, _text(lines[format])) == []
    # Windows line endings and a missing final newline are fine too.
    crlf = '\r\n'.join(lines[format])
    assert _check(tmp_path, test_list, crlf) == []


def _top5(lines):
    return list(lines['top5'])


def _scores(lines):
    return list(lines['scores'])


def _replace(lines, number, old, new):
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    return lines


def _set_field(lines, number, column, value, sep=' '):
    fields = lines[number - 1].split(sep)
    fields[column] = value
    lines[number - 1] = sep.join(fields)
    return lines


def _drop_last_field(lines, number, sep=' '):
    lines[number - 1] = lines[number - 1].rsplit(sep, 1)[0]
    return lines


CORPUS = {
    # name: (make the broken text from the good lines, expected problems)
    'duplicate video': (
        lambda l: _top5(l) + [_top5(l)[2]],
        ["line 13: video 'test/02.mp4' repeats line 3"]),
    'missing video': (
        lambda l: _top5(l)[:4] + _top5(l)[5:],
        ["video 'test/04.mp4' (test list line 5) is missing"]),
    'extra video': (
        lambda l: _top5(l) + ['test/99.mp4 0 1 2 3 4'],
        ["line 13: unknown video 'test/99.mp4' (not in the test list)"]),
    'index out of range': (
        lambda l: _set_field(_top5(l), 2, 3, '10'),
        ['line 2: class index 10 is out of range [0, 10)']),
    'negative index': (
        lambda l: _set_field(_top5(l), 2, 1, '-1'),
        ["line 2: class index '-1' is not a non-negative integer"]),
    'non-integer index': (
        lambda l: _set_field(_top5(l), 7, 5, '2.0'),
        ["line 7: class index '2.0' is not a non-negative integer"]),
    'repeated class': (
        lambda l: _set_field(_top5(l), 4, 2, _top5(l)[3].split()[1]),
        ['line 4: repeats class index(es) [{}]; the 5 classes must be '
         'distinct']),
    'too few columns': (
        lambda l: _drop_last_field(_top5(l), 6),
        ['line 6: expected 6 columns (filename and 5 class indices), got 5']),
    'too many columns': (
        lambda l: _replace(_top5(l), 6, '.mp4', '.mp4 9'),
        ['line 6: expected 6 columns (filename and 5 class indices), got 7']),
    'empty line': (
        lambda l: _top5(l)[:3] + [''] + _top5(l)[3:],
        ['line 4: empty line']),
    'NaN score': (
        lambda l: _set_field(_scores(l), 4, 4, 'nan', ','),
        ["line 4: 1 value(s) are not finite: 'class 3'=nan"]),
    'infinite score': (
        lambda l: _set_field(_scores(l), 13, 10, '-inf', ','),
        ["line 13: 1 value(s) are not finite: 'class 9'=-inf"]),
    'non-numeric score': (
        lambda l: _set_field(_scores(l), 2, 1, 'high', ','),
        ["line 2: 1 value(s) are not numbers: 'class 0'='high'"]),
    'score row too short': (
        lambda l: _drop_last_field(_scores(l), 9, ','),
        ['line 9: expected 11 columns (filename and 10 classes), got 10']),
    'header with too few classes': (
        lambda l: _drop_last_field(_scores(l), 1, ','),
        ['line 1: the header names 9 classes, expected 10'] + [
            f'line {n}: expected 10 columns (filename and 9 classes), got 11'
            for n in range(2, 14)]),
    'duplicate video in scores': (
        lambda l: _scores(l) + [_scores(l)[1]],
        ["line 14: video 'test/00.mp4' repeats line 2"]),
    'missing video in scores': (
        lambda l: _scores(l)[:-1],
        ["video 'test/11.mp4' (test list line 12) is missing"]),
}


@pytest.mark.parametrize('name', list(CORPUS))
def test_rejects_each_broken_file(written, tmp_path, name):
    lines, test_list = written
    make, expected = CORPUS[name]
    broken = make(lines)
    if name == 'repeated class':
        expected = [expected[0].format(lines['top5'][3].split()[1])]
    assert _check(tmp_path, test_list, _text(broken)) == expected


@pytest.mark.parametrize('data', [b'', b'\n\n  \n'])
def test_rejects_an_empty_file(written, tmp_path, data):
    _, test_list = written
    assert _check(tmp_path, test_list, data) == [
        'the file is empty; expected 12 videos'
    ]


def test_rejects_utf16(written, tmp_path):
    lines, test_list = written
    data = _text(lines['top5']).encode('utf-16')
    assert _check(tmp_path, test_list, data) == [
        'line 1: the file is UTF-16 (byte order mark ff fe); save it as '
        'UTF-8'
    ]


def test_rejects_latin1(written, tmp_path):
    lines, test_list = written
    data = _text(lines['top5']).encode('utf-8').replace(
        b'test/05.mp4', b'test/\xe905.mp4')
    assert _check(tmp_path, test_list, data) == [
        'line 6: not valid UTF-8: byte 0xe9 at column 6',
        "video 'test/05.mp4' (test list line 6) is missing",
    ]


def test_rejects_a_byte_order_mark(written, tmp_path):
    lines, test_list = written
    data = b'\xef\xbb\xbf' + _text(lines['top5']).encode()
    assert _check(tmp_path, test_list, data) == [
        'line 1: the file starts with a UTF-8 byte order mark; remove it'
    ]


def test_lists_every_problem_sorted_by_line(written, tmp_path):
    lines, test_list = written
    broken = _top5(lines)
    broken[1] = 'test/01.mp4 1 1 2 3 99'
    broken[5] = 'unknown.mp4 1 2 3 4 5'
    broken.append(broken[0])
    problems = _check(tmp_path, test_list, _text(broken))
    assert problems == [
        'line 2: class index 99 is out of range [0, 10)',
        'line 2: repeats class index(es) [1]; the 5 classes must be '
        'distinct',
        "line 6: unknown video 'unknown.mp4' (not in the test list)",
        "line 13: video 'test/00.mp4' repeats line 1",
        "video 'test/05.mp4' (test list line 6) is missing",
    ]


def test_format_detection_and_override(written, tmp_path):
    lines, test_list = written
    problems = _check(tmp_path, test_list, _text(lines['scores']),
                      format='top5')
    assert problems[0].startswith('line 1: expected 6 columns')


def test_ids_instead_of_a_list_file(written, tmp_path):
    lines, _ = written
    ids = [line.split()[0] for line in lines['top5']]
    path = tmp_path / 'good.txt'
    path.write_text(_text(lines['top5']))
    assert validate_submission(str(path), ids, num_classes=10) == []
    assert validate_submission(
        str(path), ids[:-1], num_classes=10)[0] == Problem(
        12, "unknown video 'test/11.mp4' (not in the test list)")


def _tool(name):
    spec = importlib.util.spec_from_file_location(
        f'tools_{name}', osp.join(ROOT, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_validate_tool_exit_status(written, tmp_path, monkeypatch, capsys):
    lines, test_list = written
    good = tmp_path / 'good.txt'
    good.write_text(_text(lines['top5']))
    monkeypatch.setattr(sys, 'argv', [
        'validate_submission.py', str(good), '--test-list', test_list,
        '--num-classes', '10'
    ])
    _tool('validate_submission').main()
    assert capsys.readouterr().out.strip() == f'{good}: OK'

    bad = tmp_path / 'bad.txt'
    bad.write_text(_text(lines['top5'][:-1] + [lines['top5'][0]]))
    monkeypatch.setattr(sys, 'argv', [
        'validate_submission.py', str(bad), '--test-list', test_list,
        '--num-classes', '10'
    ])
    with pytest.raises(SystemExit) as exit_info:
        _tool('validate_submission').main()
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"{bad}: line 12: video 'test/00.mp4' repeats line 1",
        f"{bad}: video 'test/11.mp4' (test list line 12) is missing",
    ]
    assert '2 problem(s)' in captured.err


def test_make_submission_tool(fused, tmp_path, monkeypatch, capsys):
    path, test_list, video_ids, _ = fused
    out = str(tmp_path / 'submissions' / 'toy.csv')
    monkeypatch.setattr(sys, 'argv', [
        'make_submission.py', path, '--out', out, '--format', 'scores',
        '--test-list', test_list
    ])
    _tool('make_submission').main()
    assert 'validated' in capsys.readouterr().out
    assert validate_submission(out, test_list, num_classes=10) == []
