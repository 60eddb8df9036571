"""The built-in mini M-MiT dataset: small synthetic multi-label videos.

The generator writes real mp4 files (OpenCV, fourcc ``mp4v``, readable by
decord) and annotations in the format of Multi-Moments in Time (M-MiT), so
that the whole pipeline -- training, dense testing, ensembling, scoring and
submission -- runs end to end on one machine in minutes.

Every video shows one to three objects on a dark, lightly noisy background and
carries one to three labels. Half of the label space is about *appearance*
(a coloured shape, visible in any single frame) and half of it is about
*motion* only: left/right, up/down, approaching/receding (the object grows or
shrinks) and clockwise/counter-clockwise rotation. The two classes of a motion
pair are each other's time reversal, and the generator is exactly symmetric
under time reversal: a trajectory is sampled in a canonical direction and then
played forwards or backwards, so the *set* of frames of a 'moving left' clip
has the same distribution as that of a 'moving right' clip. A model that
averages per-frame features in an order-less way (TSN) is therefore at chance
within each motion pair, and only temporal modelling (TRN, TSM, TIN, SlowFast)
can tell the two directions apart.

Layout written under ``out_dir``::

    videos/training/000000.mp4 ...
    videos/validation/000000.mp4 ...
    videos/testing/000000.mp4 ...
    trainingSet.csv        training/000000.mp4,3,7   (no header, 0-based)
    validationSet.csv
    testingSet.csv         labelled, unlike the real M-MiT test CSV
    moments_categories.txt one class name per line, in index order
    classes.json           classes (index, name, kind, reverse) + parameters
"""
from __future__ import annotations

import json
import math
import os
import os.path as osp
from typing import NamedTuple, Optional, Sequence, Union

import numpy as np

from ..utils.checks import check_int
from .generation import (CLASSES_JSON_NAME, MIN_SIZE, DatasetSpec,
                         generate_dataset)

__all__ = [
    'MINI_CLASSES', 'MiniClass', 'generate_mini_dataset', 'sample_scene',
    'render_scene', 'reverse_scene', 'load_mini_classes',
    'class_indices_by_kind', 'motion_class_indices'
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
_APPEARANCE_SPEC = {
    _INDEX[name]: (shape, color)
    for name, shape, color in _APPEARANCE
}
# motion class index -> (family, whether it is the time-reversed direction)
_MOTION_SPEC = {
    _INDEX[name]: (family, bool(backwards))
    for family, *names in _MOTION_PAIRS
    for backwards, name in enumerate(names)
}

# Probabilities of 1, 2 and 3 labels per video.
_NUM_LABELS_P = (0.3, 0.4, 0.3)
# Geometry, in units of the frame side.
_RADIUS = (0.09, 0.12)  # objects that do not change size
_SCALE_SMALL = (0.045, 0.06)  # approaching / receding: smallest radius
_SCALE_BIG = (0.15, 0.18)  # ... and largest radius
_TRAVEL = (0.35, 0.55)  # translation distance over the clip
_LOLLIPOP_HALF = (0.12, 0.15)  # half length of the rotating bar
_SWEEP = (0.75 * math.pi, 1.25 * math.pi)  # rotation over the clip
# Least distance between two objects' extents in every frame, in units of
# the frame side and in pixels (anti-aliased edges spread about a pixel, and
# must not touch, or the drawing order would show).
_GAP = (0.03, 3.0)
# Extent of a shape (radius of its bounding circle) per unit radius.
_EXTENT = dict(
    circle=1.0,
    disc=1.0,
    ring=1.0,
    square=1.0,
    box=1.0,
    triangle=1.15,
    cross=1.05,
    star=1.15,
    lollipop=1.0)
_NEUTRAL_SHAPES = ('disc', 'box')
_MAX_TRIES = 100
_SHIFT = 4  # OpenCV's fractional bits for sub-pixel drawing


# --------------------------------------------------------------------------
# Scenes: sampling, reversal, rendering
# --------------------------------------------------------------------------
def sample_scene(rng: np.random.Generator,
                 *,
                 size: int = 64,
                 num_frames: int = 32,
                 primary: Optional[int] = None,
                 num_labels: Optional[int] = None) -> dict:
    """Sample the content of one video.

    Labels first: the ``primary`` class, then further classes drawn
    uniformly among those that are neither already chosen nor the reverse
    of a chosen motion class (a clip never shows both directions of a pair).
    Then objects: an appearance label becomes a coloured shape, which either
    stands still or (with probability 0.5) also carries one translation or
    scale label; every other motion label becomes a light-grey object (a
    disc or a box for translation and scale, a bar with a dot at one end for
    rotation, so that the direction of rotation is visible). A motion
    trajectory is sampled in its canonical direction and played backwards
    for the reversed class, which makes the sampler time-reversal symmetric.
    Objects never come closer than a small gap to one another in any frame.

    Args:
        rng (np.random.Generator): Source of randomness; the only one used.
        size (int): Frame side in pixels, at least 32. Defaults to 64.
        num_frames (int): Frames per clip, at least 2. Defaults to 32.
        primary (int, optional): A class the clip must carry. Defaults to
            None, a class drawn uniformly.
        num_labels (int, optional): Number of labels, 1 to 3. Defaults to
            None, drawn with probabilities 0.3, 0.4, 0.3.

    Returns:
        dict: ``labels`` (sorted list of class indices), ``size``,
        ``num_frames``, ``background`` (``[size, size, 3]`` uint8 RGB) and
        ``objects``, a list of dicts with ``shape``, ``color`` (RGB),
        ``labels`` and the per-frame float arrays ``center`` ``[T, 2]``
        (x, y in pixels), ``radius`` ``[T]`` and ``angle`` ``[T]`` (radians).
    """
    check_int(size, 'size', min_val=MIN_SIZE)
    check_int(num_frames, 'num_frames', min_val=2)
    num_classes = len(MINI_CLASSES)
    if primary is None:
        primary = int(rng.integers(num_classes))
    else:
        check_int(
            primary,
            'primary',
            min_val=0,
            max_val=num_classes,
            include_boundaries='left')
    if num_labels is None:
        num_labels = int(rng.choice(3, p=_NUM_LABELS_P)) + 1
    elif num_labels not in (1, 2, 3):
        raise ValueError(f'num_labels must be 1, 2 or 3, got {num_labels!r}')

    labels = [int(primary)]
    while len(labels) < num_labels:
        taken = set(labels) | {MINI_CLASSES[i].reverse for i in labels}
        candidates = [c for c in range(num_classes) if c not in taken]
        labels.append(int(rng.choice(candidates)))

    # Group labels into objects.
    appearance = [c for c in labels if c in _APPEARANCE_SPEC]
    motion = [c for c in labels if c in _MOTION_SPEC]
    groups = []
    for a in appearance:
        pairable = [m for m in motion if _MOTION_SPEC[m][0] != 'rotate']
        if pairable and rng.random() < 0.5:
            m = pairable[int(rng.integers(len(pairable)))]
            motion.remove(m)
            groups.append((a, m))
        else:
            groups.append((a, None))
    groups.extend((None, m) for m in motion)

    # Looks of each object; drawn once, kept over the placement retries.
    looks = []
    for a, m in groups:
        if a is not None:
            shape, color = _APPEARANCE_SPEC[a]
            jitter = rng.integers(-15, 16, size=3)
            color = tuple(
                int(v) for v in np.clip(np.add(color, jitter), 0, 255))
        else:
            if _MOTION_SPEC[m][0] == 'rotate':
                shape = 'lollipop'
            else:
                shape = _NEUTRAL_SHAPES[int(rng.integers(2))]
            grey = int(rng.integers(190, 256))
            color = (grey, grey, grey)
        looks.append((shape, color))

    # Place the objects one by one, each away from those already placed,
    # whichever way either of them is played; start over if one finds no
    # room. The test does not depend on the directions, so the random draws
    # are the same for every choice of directions: reversing an object's
    # motion class changes that object's frame order and nothing else.
    gap = max(_GAP[0] * size, _GAP[1])
    for _ in range(_MAX_TRIES):
        objects = []
        for (a, m), (shape, color) in zip(groups, looks):
            for _ in range(_MAX_TRIES):
                obj = _sample_object(rng, a, m, shape, color, size, num_frames)
                if all(_apart(obj, o, gap, size) for o in objects):
                    objects.append(obj)
                    break
            else:
                break
        if len(objects) == len(groups):
            break
    else:  # pragma: no cover - the geometry leaves enough room
        raise RuntimeError(
            f'could not place {len(groups)} objects without overlap in a '
            f'{size}x{size} frame after {_MAX_TRIES} tries')

    base = rng.uniform(10, 50)
    noise = rng.normal(0, 4, size=(size, size, 1))
    background = np.clip(np.rint(base + noise), 0, 255).astype(np.uint8)
    background = np.repeat(background, 3, axis=2)
    return dict(
        labels=sorted(labels),
        size=size,
        num_frames=num_frames,
        background=background,
        objects=objects)


def _sample_object(rng: np.random.Generator, appearance: Optional[int],
                   motion: Optional[int], shape: str, color: tuple, size: int,
                   num_frames: int) -> dict:
    """Sample the trajectory of one object (see :func:`sample_scene`)."""
    margin = 1.0
    t = np.linspace(0.0, 1.0, num_frames)
    family, backwards = _MOTION_SPEC.get(motion, (None, False))
    angle0 = rng.uniform(0, 2 * math.pi)
    angle = np.full(num_frames, angle0)
    if family == 'scale':
        small = rng.uniform(*_SCALE_SMALL) * size
        big = rng.uniform(*_SCALE_BIG) * size
        # Geometric growth: the look of an object approaching at a constant
        # speed.
        radius = small * (big / small)**t
        reach = big * _EXTENT[shape] + margin
        center = np.tile(
            rng.uniform(reach, size - reach, size=2), (num_frames, 1))
    elif family == 'rotate':
        half = rng.uniform(*_LOLLIPOP_HALF) * size
        radius = np.full(num_frames, half)
        reach = _lollipop_reach(half, size) + margin
        center = np.tile(
            rng.uniform(reach, size - reach, size=2), (num_frames, 1))
        angle = angle0 + rng.uniform(*_SWEEP) * t
    else:
        r = rng.uniform(*_RADIUS) * size
        radius = np.full(num_frames, r)
        reach = r * _EXTENT[shape] + margin
        center = np.tile(
            rng.uniform(reach, size - reach, size=2), (num_frames, 1))
        if family is not None:
            axis = 0 if family == 'translate_x' else 1
            travel = rng.uniform(*_TRAVEL) * size
            start = rng.uniform(reach, size - reach - travel)
            center[:, axis] = start + travel * t
    if backwards:  # sample the canonical direction, then play it back
        motion = MINI_CLASSES[motion].reverse
    obj = dict(
        shape=shape,
        color=color,
        labels=sorted(c for c in (appearance, motion) if c is not None),
        center=center,
        radius=radius,
        angle=angle)
    if backwards:
        obj = _reverse_object(obj)
    return obj


def _lollipop_reach(half: float, size: int) -> float:
    return half + _lollipop_dot(size)


def _lollipop_dot(size: int) -> float:
    return max(1.5, 0.06 * size)


def _extent(obj: dict, size: int) -> np.ndarray:
    if obj['shape'] == 'lollipop':
        return obj['radius'] + _lollipop_dot(size)
    return obj['radius'] * _EXTENT[obj['shape']]


def _apart(a: dict, b: dict, gap: float, size: int) -> bool:
    """Whether two objects keep ``gap`` between them in every frame, played
    in the same or in opposite directions."""
    ext_a, ext_b = _extent(a, size), _extent(b, size)
    for step in (1, -1):
        dist = np.linalg.norm(a['center'] - b['center'][::step], axis=1)
        if np.any(dist < ext_a + ext_b[::step] + gap):
            return False
    return True


def _reverse_object(obj: dict) -> dict:
    labels = sorted(MINI_CLASSES[c].reverse for c in obj['labels'])
    return dict(
        obj,
        labels=labels,
        center=obj['center'][::-1].copy(),
        radius=obj['radius'][::-1].copy(),
        angle=obj['angle'][::-1].copy())


def reverse_scene(scene: dict) -> dict:
    """The scene played backwards, with each label mapped to its reverse.

    Rendering the result gives exactly the frames of the original scene in
    reverse order: ``render_scene(reverse_scene(s)) ==
    render_scene(s)[::-1]``.

    Args:
        scene (dict): A scene from :func:`sample_scene`.

    Returns:
        dict: A new scene; ``scene`` is left unchanged.
    """
    return dict(
        scene,
        labels=sorted(MINI_CLASSES[c].reverse for c in scene['labels']),
        objects=[_reverse_object(obj) for obj in scene['objects']])


def render_scene(scene: dict) -> np.ndarray:
    """Draw the frames of a scene.

    Args:
        scene (dict): A scene from :func:`sample_scene`.

    Returns:
        np.ndarray: ``[T, H, W, 3]`` uint8 RGB frames.
    """
    import cv2
    frames = np.repeat(scene['background'][None], scene['num_frames'], axis=0)
    size = scene['size']
    for obj in scene['objects']:
        for t in range(scene['num_frames']):
            _draw(cv2, frames[t], obj['shape'], obj['color'], obj['center'][t],
                  float(obj['radius'][t]), float(obj['angle'][t]), size)
    return frames


def _fixed(points: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(points) * (1 << _SHIFT)).astype(np.int32)


def _polygon(center: np.ndarray, radii: Sequence[float],
             angles: np.ndarray) -> np.ndarray:
    radii = np.asarray(radii, dtype=float)
    return center + np.stack([radii * np.cos(angles), radii * np.sin(angles)],
                             axis=1)


def _draw(cv2, img: np.ndarray, shape: str, color: tuple, center: np.ndarray,
          radius: float, angle: float, size: int) -> None:
    aa = cv2.LINE_AA
    if shape in ('circle', 'disc'):
        cv2.circle(img, tuple(_fixed(center)), int(_fixed(radius)), color, -1,
                   aa, _SHIFT)
    elif shape == 'ring':
        thickness = max(2, int(round(0.4 * radius)))
        cv2.circle(img, tuple(_fixed(center)),
                   int(_fixed(radius - thickness / 2)), color, thickness, aa,
                   _SHIFT)
    elif shape in ('square', 'box'):
        pts = _polygon(center, [radius] * 4,
                       angle + math.pi / 4 + np.arange(4) * math.pi / 2)
        cv2.fillPoly(img, [_fixed(pts)], color, aa, _SHIFT)
    elif shape == 'triangle':
        pts = _polygon(center, [radius * _EXTENT['triangle']] * 3,
                       angle + np.arange(3) * 2 * math.pi / 3)
        cv2.fillPoly(img, [_fixed(pts)], color, aa, _SHIFT)
    elif shape == 'star':
        outer, inner = radius * _EXTENT['star'], radius * 0.5
        pts = _polygon(center, [outer, inner] * 5,
                       angle + np.arange(10) * math.pi / 5)
        cv2.fillPoly(img, [_fixed(pts)], color, aa, _SHIFT)
    elif shape == 'cross':
        # Two bars of half length radius and half width 0.3 * radius.
        for a in (angle, angle + math.pi / 2):
            _fill_bar(cv2, img, center, a, -radius, radius, 0.3 * radius,
                      color)
    elif shape == 'lollipop':
        half_width = max(0.75, 0.025 * size)
        _fill_bar(cv2, img, center, angle, -radius, radius, half_width, color)
        tip = center + radius * np.array([math.cos(angle), math.sin(angle)])
        cv2.circle(img, tuple(_fixed(tip)), int(_fixed(_lollipop_dot(size))),
                   color, -1, aa, _SHIFT)
    else:  # pragma: no cover - shapes come from the tables above
        raise ValueError(f'unknown shape {shape!r}')


def _fill_bar(cv2, img: np.ndarray, center: np.ndarray, angle: float,
              start: float, end: float, half_width: float,
              color: tuple) -> None:
    along = np.array([math.cos(angle), math.sin(angle)])
    across = np.array([-along[1], along[0]])
    pts = np.stack([
        center + start * along - half_width * across,
        center + end * along - half_width * across,
        center + end * along + half_width * across,
        center + start * along + half_width * across,
    ])
    cv2.fillPoly(img, [_fixed(pts)], color, cv2.LINE_AA, _SHIFT)


# --------------------------------------------------------------------------
# Writing the dataset
# --------------------------------------------------------------------------
def _sample_primary(rng: np.random.Generator, primary: int, *, size: int,
                    num_frames: int) -> dict:
    """:func:`sample_scene` with the primary class given by position."""
    return sample_scene(
        rng, size=size, num_frames=num_frames, primary=primary)


_SPEC = DatasetSpec(
    generator='mmt_challenge.datasets.mini_dataset',
    format_version=2,
    kind='mini M-MiT',
    classes=MINI_CLASSES,
    label_map_name='moments_categories.txt',
    sample=_sample_primary,
    render=render_scene)


def generate_mini_dataset(out_dir: PathLike,
                          *,
                          num_train: int = 400,
                          num_val: int = 100,
                          num_test: int = 100,
                          size: int = 64,
                          num_frames: int = 32,
                          fps: float = 10,
                          seed: int = 0,
                          overwrite: bool = False,
                          show_progress: bool = False) -> dict:
    """Generate the mini M-MiT dataset.

    The dataset is written into a temporary directory beside ``out_dir`` and
    moved into place only when complete, so an interrupted run never leaves
    a dataset that looks finished. The output depends only on the
    arguments (video ``i`` of a split is drawn from its own seed sequence):
    the same arguments give the same bytes.

    Each split's primary classes go round all classes in shuffled order, so
    every class appears in a split of at least as many videos as classes,
    and classes are balanced to within one primary occurrence per split.

    Args:
        out_dir (str | PathLike): Output directory; created with its parents.
        num_train (int): Number of training videos. Defaults to 400.
        num_val (int): Number of validation videos. Defaults to 100.
        num_test (int): Number of test videos. Defaults to 100.
        size (int): Frame side in pixels (square frames): even, at least
            32, and not 48 or 72, sides whose mp4v videos decord 0.6.0
            decodes into frames of the wrong shape. Defaults to 64.
        num_frames (int): Frames per video, at least 2. Defaults to 32.
        fps (float): Frame rate written into the videos. Defaults to 10.
        seed (int): Random seed, non-negative. Defaults to 0.
        overwrite (bool): Replace an existing non-empty ``out_dir`` (only
            one that holds a mini dataset, or nothing but its file names).
            Defaults to False.
        show_progress (bool): Show an mmengine progress bar. Defaults to
            False.

    Returns:
        dict: ``out_dir``, ``video_root`` (the ``videos`` directory that
        the CSV paths are relative to), ``label_map``, ``classes_json``,
        ``ann_files`` and ``num_videos`` (both keyed by split), and
        ``num_classes``.
    """
    return generate_dataset(
        out_dir, _SPEC, num_train=num_train, num_val=num_val,
        num_test=num_test, size=size, num_frames=num_frames, fps=fps,
        seed=seed, overwrite=overwrite, show_progress=show_progress)


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
