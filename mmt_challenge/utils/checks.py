"""Argument checks for scalar options: one type rule, one message format.

Every component checks its numeric options at the boundary with these
helpers, so that ``True`` is never taken for ``1``, ``nan`` never slips past a
range test, and every message names the option and the bad value.

They follow scikit-learn's :func:`sklearn.utils.check_scalar` (same
``min_val`` / ``max_val`` / ``include_boundaries`` arguments) but are our own
because ``check_scalar`` accepts ``bool`` as an integer, lets ``nan`` through
its range test and names the bad type rather than the bad value.
"""
import math
import numbers
from typing import Any, Iterable, Optional

__all__ = [
    'check_scalar', 'check_int', 'check_positive_int', 'check_number',
    'check_non_negative', 'check_positive', 'check_probability', 'check_keys'
]

_BOUNDARIES = ('both', 'left', 'right', 'neither')


def _range_phrase(min_val, max_val, include_boundaries: str,
                  integral: bool) -> str:
    """Describe the allowed range in words: ``'positive'``, ``'>= 2'``,
    ``'in [0, 1)'``..."""
    left = include_boundaries in ('both', 'left')
    right = include_boundaries in ('both', 'right')
    if min_val is not None and max_val is not None:
        return (f'in {"[" if left else "("}{min_val}, '
                f'{max_val}{"]" if right else ")"}')
    finite = '' if integral else ' and finite'
    if min_val is None and max_val is None:
        return 'finite'
    if min_val is None:
        return f'{"<=" if right else "<"} {max_val}{finite}'
    if min_val == 0:
        return ('non-negative' if left else 'positive') + finite
    if integral and min_val == 1 and left:
        return 'positive'
    return f'{">=" if left else ">"} {min_val}{finite}'


def check_scalar(value: Any,
                 name: str,
                 target_type: type,
                 *,
                 min_val: Optional[float] = None,
                 max_val: Optional[float] = None,
                 include_boundaries: str = 'both',
                 allow_none: bool = False) -> Any:
    """Check the type and range of a scalar option.

    Args:
        value (Any): The value to check.
        name (str): The option's name, used in the messages.
        target_type (type): ``numbers.Integral`` (Python and NumPy integers)
            or ``numbers.Real`` (any finite real number, integers included).
            ``bool`` is rejected for both.
        min_val (float, optional): Lower bound; none if None.
            Defaults to None.
        max_val (float, optional): Upper bound; none if None.
            Defaults to None.
        include_boundaries (str): Which bounds are allowed values:
            ``'both'``, ``'left'``, ``'right'`` or ``'neither'``.
            Defaults to ``'both'``.
        allow_none (bool): Whether None is accepted (and returned).
            Defaults to False.

    Returns:
        int | float | None: ``value`` as a Python ``int`` (integral target) or
        ``float`` (real target), or None.

    Raises:
        TypeError: ``value`` is not of ``target_type`` (or is a ``bool``).
        ValueError: ``value`` is out of range, or a real that is not finite.

    Example:
        >>> check_scalar(3, 'num_clips', numbers.Integral, min_val=1)
        3
        >>> check_scalar(0, 'num_clips', numbers.Integral, min_val=1)
        Traceback (most recent call last):
        ...
        ValueError: num_clips must be positive, got 0
    """
    if target_type not in (numbers.Integral, numbers.Real):
        raise ValueError('target_type must be numbers.Integral or '
                         f'numbers.Real, got {target_type!r}')
    if include_boundaries not in _BOUNDARIES:
        raise ValueError(f'include_boundaries must be one of {_BOUNDARIES}, '
                         f'got {include_boundaries!r}')
    if value is None and allow_none:
        return None
    integral = target_type is numbers.Integral
    if isinstance(value, bool) or not isinstance(value, target_type):
        kind = 'an int' if integral else 'a number'
        raise TypeError(f'{name} must be {kind}{" or None" * allow_none}, '
                        f'got {value!r}')
    number = int(value) if integral else float(value)
    left = include_boundaries in ('both', 'left')
    right = include_boundaries in ('both', 'right')
    below = min_val is not None and (number < min_val or
                                     (number == min_val and not left))
    above = max_val is not None and (number > max_val or
                                     (number == max_val and not right))
    if below or above or not math.isfinite(number):
        phrase = _range_phrase(min_val, max_val, include_boundaries, integral)
        raise ValueError(f'{name} must be {phrase}, got {value!r}')
    return number


def check_int(value: Any,
              name: str,
              *,
              min_val: Optional[int] = None,
              max_val: Optional[int] = None,
              include_boundaries: str = 'both',
              allow_none: bool = False) -> Optional[int]:
    """:func:`check_scalar` for an integer (not a ``bool``); returns an
    ``int``."""
    return check_scalar(
        value,
        name,
        numbers.Integral,
        min_val=min_val,
        max_val=max_val,
        include_boundaries=include_boundaries,
        allow_none=allow_none)


def check_positive_int(value: Any,
                       name: str,
                       *,
                       allow_none: bool = False) -> Optional[int]:
    """Check that ``value`` is an integer >= 1; returns an ``int``."""
    return check_int(value, name, min_val=1, allow_none=allow_none)


def check_number(value: Any,
                 name: str,
                 *,
                 min_val: Optional[float] = None,
                 max_val: Optional[float] = None,
                 include_boundaries: str = 'both',
                 allow_none: bool = False) -> Optional[float]:
    """:func:`check_scalar` for a finite real number; returns a ``float``."""
    return check_scalar(
        value,
        name,
        numbers.Real,
        min_val=min_val,
        max_val=max_val,
        include_boundaries=include_boundaries,
        allow_none=allow_none)


def check_non_negative(value: Any, name: str) -> float:
    """Check that ``value`` is a finite number >= 0; returns a ``float``."""
    return check_number(value, name, min_val=0)


def check_positive(value: Any, name: str) -> float:
    """Check that ``value`` is a finite number > 0; returns a ``float``."""
    return check_number(value, name, min_val=0, include_boundaries='right')


def check_probability(value: Any,
                      name: str,
                      *,
                      include_boundaries: str = 'both',
                      allow_none: bool = False) -> Optional[float]:
    """Check that ``value`` is a number in ``[0, 1]`` (bounds as
    ``include_boundaries`` says); returns a ``float``."""
    return check_number(
        value,
        name,
        min_val=0,
        max_val=1,
        include_boundaries=include_boundaries,
        allow_none=allow_none)


def check_keys(value: Any,
               name: str,
               allowed: Iterable[str],
               *,
               required: Iterable[str] = ()) -> dict:
    """Check that an options dict has only ``allowed`` keys and every
    ``required`` one.

    Args:
        value (Any): The options; a ``dict`` (an mmengine ``ConfigDict`` is
            one).
        name (str): Its name, used in the messages.
        allowed (Iterable[str]): The keys it may have.
        required (Iterable[str]): The keys it must have. Defaults to ``()``.

    Returns:
        dict: A shallow copy of ``value``.

    Raises:
        TypeError: ``value`` is not a dict.
        ValueError: A key is unknown or missing.
    """
    if not isinstance(value, dict):
        raise TypeError(f'{name} must be a dict, got {value!r}')
    allowed = set(allowed)
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ValueError(f'{name}: unknown key(s) {unknown}; allowed: '
                         f'{sorted(allowed)}')
    missing = sorted(set(required) - set(value))
    if missing:
        raise ValueError(f'{name}: missing key(s) {missing}')
    return dict(value)
