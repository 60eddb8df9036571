import math
import numbers

import numpy as np
import pytest
from sklearn.utils import check_scalar as sklearn_check_scalar

from mmt_challenge.utils.checks import (check_int, check_keys,
                                        check_non_negative, check_number,
                                        check_positive, check_positive_int,
                                        check_probability, check_scalar)


@pytest.mark.parametrize('value, kwargs', [
    (1, dict(min_val=1)),
    (5, dict(min_val=1, max_val=5)),
    (1, dict(min_val=0, max_val=2, include_boundaries='neither')),
    (0, dict(min_val=0, max_val=2, include_boundaries='neither')),
    (0, dict(min_val=0, max_val=1, include_boundaries='left')),
    (1, dict(min_val=0, max_val=1, include_boundaries='left')),
    (0, dict(min_val=0, include_boundaries='right')),
    (-3, dict(max_val=-3)),
    (-3, dict(max_val=-3, include_boundaries='left')),
    (7, dict(min_val=2, max_val=6)),
])
@pytest.mark.parametrize('target_type', [numbers.Integral, numbers.Real])
def test_range_decisions_match_scikit_learn(value, kwargs, target_type):
    """Same accepted / rejected values as sklearn's ``check_scalar`` for
    ordinary (non-bool, finite) values."""
    try:
        sklearn_check_scalar(value, 'x', target_type, **kwargs)
        sklearn_accepts = True
    except ValueError:
        sklearn_accepts = False
    try:
        check_scalar(value, 'x', target_type, **kwargs)
        accepts = True
    except ValueError:
        accepts = False
    assert accepts == sklearn_accepts


@pytest.mark.parametrize('value, expected', [(3, 3), (np.int64(3), 3),
                                             (np.uint8(200), 200)])
def test_check_int_returns_python_ints(value, expected):
    out = check_int(value, 'n', min_val=0)
    assert out == expected and type(out) is int


@pytest.mark.parametrize('value', [0.5, np.float32(0.5), 1, np.int32(1)])
def test_check_number_returns_python_floats(value):
    out = check_number(value, 'p')
    assert out == float(value) and type(out) is float


@pytest.mark.parametrize('call, error, match', [
    (lambda: check_int(True, 'size'), TypeError, 'size must be an int, '
     'got True'),
    (lambda: check_int(2.0, 'size'), TypeError, 'size must be an int, '
     'got 2.0'),
    (lambda: check_int('2', 'size'), TypeError, "got '2'"),
    (lambda: check_positive_int(0, 'num_clips'), ValueError,
     'num_clips must be positive, got 0'),
    (lambda: check_int(-1, 'num_workers', min_val=0), ValueError,
     'num_workers must be non-negative, got -1'),
    (lambda: check_int(1, 'folds', min_val=2), ValueError,
     'folds must be >= 2, got 1'),
    (lambda: check_int(4, 'k', min_val=1, max_val=3), ValueError,
     r'k must be in \[1, 3\], got 4'),
    (lambda: check_int(None, 'seed'), TypeError, 'seed must be an int, '
     'got None'),
    (lambda: check_int(1.5, 'seed', allow_none=True), TypeError,
     'seed must be an int or None, got 1.5'),
    (lambda: check_number(False, 'scale'), TypeError,
     'scale must be a number, got False'),
    (lambda: check_number(math.inf, 'scale'), ValueError,
     'scale must be finite, got inf'),
    (lambda: check_non_negative(-0.5, 'margin'), ValueError,
     'margin must be non-negative and finite, got -0.5'),
    (lambda: check_non_negative(math.inf, 'margin'), ValueError,
     'margin must be non-negative and finite, got inf'),
    (lambda: check_positive(0.0, 'fps'), ValueError,
     'fps must be positive and finite, got 0.0'),
    (lambda: check_probability(math.nan, 't'), ValueError,
     r't must be in \[0, 1\], got nan'),
    (lambda: check_probability(1, 't', include_boundaries='left'),
     ValueError, r't must be in \[0, 1\), got 1$'),
    (lambda: check_scalar(1, 'x', int), ValueError, 'target_type'),
    (lambda: check_scalar(1, 'x', numbers.Integral, include_boundaries='no'),
     ValueError, 'include_boundaries'),
])
def test_errors_name_the_option_and_the_value(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_none_passes_only_when_allowed():
    assert check_int(None, 'seed', allow_none=True) is None
    assert check_probability(None, 't', allow_none=True) is None
    with pytest.raises(TypeError, match='must be a number, got None'):
        check_probability(None, 't')


def test_check_keys():
    options = dict(a=1, b=2)
    copy = check_keys(options, 'opts', {'a', 'b', 'c'}, required={'a'})
    assert copy == options and copy is not options
    with pytest.raises(TypeError, match=r"opts must be a dict, got \['a'\]"):
        check_keys(['a'], 'opts', {'a'})
    with pytest.raises(ValueError,
                       match=r"opts: unknown key\(s\) \['b'\]; allowed: "
                       r"\['a', 'c'\]"):
        check_keys(options, 'opts', ['a', 'c'])
    with pytest.raises(ValueError, match=r"opts: missing key\(s\) \['c'\]"):
        check_keys(options, 'opts', 'abc', required='ac')
