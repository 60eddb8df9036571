import os

import pytest

from mmt_challenge.utils import (check_no_whitespace, check_outputs_not_inputs,
                                 check_suffix, same_file)


def test_same_file_through_symbolic_and_hard_links(tmp_path):
    source = tmp_path / 'scores.npz'
    source.write_bytes(b'x')
    os.symlink(source, tmp_path / 'link.npz')
    os.link(source, tmp_path / 'hard.npz')
    assert same_file(str(source), str(tmp_path / 'link.npz'))
    assert same_file(str(source), str(tmp_path / 'hard.npz'))
    assert same_file(str(source), str(tmp_path / '.' / 'scores.npz'))
    assert not same_file(str(source), str(tmp_path / 'other.npz'))


def test_an_output_over_an_input_names_both(tmp_path):
    source = tmp_path / 'member.npz'
    source.write_bytes(b'x')
    os.symlink(source, tmp_path / 'link.npz')
    with pytest.raises(ValueError, match=r"--out .*link.npz is the member "
                       r"'a' score file \(.*member.npz\)"):
        check_outputs_not_inputs({'--out': str(tmp_path / 'link.npz')},
                                 {"member 'a' score file": [str(source)]})
    check_outputs_not_inputs({'--out': str(tmp_path / 'new.npz')},
                             {'input': str(source), 'unused': None})


def test_two_outputs_on_one_file(tmp_path):
    with pytest.raises(ValueError, match='are the same file'):
        check_outputs_not_inputs({'a': str(tmp_path / 'x'),
                                  'b': str(tmp_path / 'x')}, {})


def test_an_input_inside_a_replaced_directory(tmp_path):
    report = tmp_path / 'report'
    with pytest.raises(ValueError, match='holds the weights file'):
        check_outputs_not_inputs(
            {}, {'weights file': str(report / 'weights.json')},
            output_dirs={'the report directory': str(report)})
    check_outputs_not_inputs(
        {}, {'weights file': str(tmp_path / 'reports' / 'w.json')},
        output_dirs={'the report directory': str(report)})


def test_suffix_and_whitespace():
    check_suffix(None, '.npz', '--out')
    check_suffix('a.pkl', ('.pkl', '.pickle'), '--dump')
    with pytest.raises(ValueError, match=r"--out must end with \.npz, got "
                       r"'a\.pkl'"):
        check_suffix('a.pkl', '.npz', '--out')
    with pytest.raises(ValueError, match=r"x.csv, line 3: video path 'a b"):
        check_no_whitespace('a b.mp4', 'x.csv, line 3')
