"""The classes of the mini M-MiT dataset: the table in code and as read back
from a generated dataset's ``classes.json``.

Half of the label space is about *appearance* (a coloured shape, visible in
any single frame) and half of it is about *motion* only: left/right,
up/down, approaching/receding and clockwise/counter-clockwise rotation. The
two classes of a motion pair are each other's time reversal.
"""
from __future__ import annotations

import json
import os
import os.path as osp
from typing import NamedTuple, Union

from .generation import CLASSES_JSON_NAME

__all__ = [
    'MINI_CLASSES', 'MiniClass', 'APPEARANCE_LOOKS', 'MOTION_FAMILIES',
    'load_mini_classes', 'class_indices_by_kind', 'motion_class_indices'
]

PathLike = Union[str, os.PathLike]


class MiniClass(NamedTuple):
    """One class of the mini M-MiT dataset.

    Attributes:
        index (int): 0-based class index, as in the annotation CSVs.
        name (str): Class name, as in ``moments_categories.txt``.
        kind (str): ``'appearance'`` (decidable from any single frame) or
            ``'motion'`` (decidable only from the order of the frames).
        reverse (int): Index of the class that the time-reversed clip shows:
            the paired direction for a motion class, the class itself for an
            appearance class.
    """
    index: int
    name: str
    kind: str
    reverse: int


# Appearance classes: (name, shape, RGB colour). Colours are saturated so that
# they stay apart from each other and from the light-grey neutral objects that
# carry motion-only labels.
_APPEARANCE = (
    ('red_circle', 'circle', (230, 40, 40)),
    ('green_square', 'square', (40, 200, 60)),
    ('blue_triangle', 'triangle', (60, 90, 255)),
    ('yellow_cross', 'cross', (240, 220, 30)),
    ('cyan_ring', 'ring', (30, 215, 230)),
    ('magenta_star', 'star', (225, 45, 215)),
)
# Motion pairs: (family, the direction the sampler draws, the direction it
# gets by playing that backwards). Image coordinates: x to the right, y down;
# angles turn from +x towards +y, which is clockwise on screen.
_MOTION_PAIRS = (
    ('translate_x', 'moving_right', 'moving_left'),
    ('translate_y', 'moving_down', 'moving_up'),
    ('scale', 'approaching', 'receding'),
    ('rotate', 'rotating_clockwise', 'rotating_counterclockwise'),
)
# Motion classes in index order, the two of a pair side by side.
_MOTION_ORDER = ('moving_left', 'moving_right', 'moving_up', 'moving_down',
                 'approaching', 'receding', 'rotating_clockwise',
                 'rotating_counterclockwise')


def _build_classes() -> tuple[MiniClass, ...]:
    names = [name for name, _, _ in _APPEARANCE] + list(_MOTION_ORDER)
    index = {name: i for i, name in enumerate(names)}
    partner = {}
    for _, forward, backward in _MOTION_PAIRS:
        partner[forward], partner[backward] = backward, forward
    return tuple(
        MiniClass(i, name, 'motion' if name in partner else 'appearance',
                  index[partner.get(name, name)])
        for i, name in enumerate(names))


#: The classes of the mini M-MiT dataset, in index order.
MINI_CLASSES: tuple[MiniClass, ...] = _build_classes()

_INDEX = {c.name: c.index for c in MINI_CLASSES}
#: appearance class index -> (shape, RGB colour)
APPEARANCE_LOOKS = {
    _INDEX[name]: (shape, color)
    for name, shape, color in _APPEARANCE
}
#: motion class index -> (family, whether it is the time-reversed direction)
MOTION_FAMILIES = {
    _INDEX[name]: (family, bool(backwards))
    for family, *names in _MOTION_PAIRS
    for backwards, name in enumerate(names)
}


# --------------------------------------------------------------------------
# Reading the class table back
# --------------------------------------------------------------------------
def load_mini_classes(classes_json: PathLike) -> list[dict]:
    """Read the class table of a generated mini dataset.

    Args:
        classes_json (str | PathLike): ``classes.json``, or the dataset
            directory that holds it.

    Returns:
        list[dict]: One dict per class, in index order, with ``index``,
        ``name``, ``kind`` and ``reverse``.
    """
    path = os.fspath(classes_json)
    if osp.isdir(path):
        path = osp.join(path, CLASSES_JSON_NAME)
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    classes = data.get('classes') if isinstance(data, dict) else None
    if not isinstance(classes, list):
        raise ValueError(f'{path} has no "classes" list')
    for i, c in enumerate(classes):
        if not isinstance(c, dict) or c.get('index') != i:
            raise ValueError(
                f'{path}: class entry {i} is {c!r}, expected index {i}')
        if c.get('kind') not in ('appearance', 'motion'):
            raise ValueError(f'{path}: class {i} has kind {c.get("kind")!r}, '
                             "expected 'appearance' or 'motion'")
    return classes


def class_indices_by_kind(classes_json: PathLike) -> dict[str, list[int]]:
    """Class indices of a mini dataset grouped by kind.

    Args:
        classes_json (str | PathLike): ``classes.json``, or the dataset
            directory that holds it.

    Returns:
        dict[str, list[int]]: ``{'appearance': [...], 'motion': [...]}``.
    """
    groups = dict(appearance=[], motion=[])
    for c in load_mini_classes(classes_json):
        groups[c['kind']].append(c['index'])
    return groups


def motion_class_indices(classes_json: PathLike) -> list[int]:
    """Indices of the motion-only classes of a mini dataset.

    Args:
        classes_json (str | PathLike): ``classes.json``, or the dataset
            directory that holds it.

    Returns:
        list[int]: Sorted indices of the classes whose kind is ``'motion'``.
    """
    return class_indices_by_kind(classes_json)['motion']
