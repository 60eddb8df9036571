"""Sampling the scenes of the mini M-MiT dataset, and playing them backwards.

A scene is what one video shows: one to three objects on a dark, lightly
noisy background, carrying one to three labels (see :mod:`.mini_classes`).
The two classes of a motion pair are each other's time reversal, and the
sampler is exactly symmetric under time reversal: a trajectory is sampled in
a canonical direction and then played forwards or backwards, so the *set* of
frames of a 'moving left' clip has the same distribution as that of a
'moving right' clip. A model that averages per-frame features in an
order-less way (TSN) is therefore at chance within each motion pair, and
only temporal modelling (TRN, TSM, TIN, SlowFast) can tell the two
directions apart.
"""
import math
from typing import Optional

import numpy as np

from ..utils.checks import check_int
from .generation import MIN_SIZE
from .mini_classes import APPEARANCE_LOOKS, MINI_CLASSES, MOTION_FAMILIES
from .mini_render import SHAPE_EXTENT, lollipop_dot, object_extent

__all__ = ['sample_scene', 'reverse_scene']

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
_NEUTRAL_SHAPES = ('disc', 'box')
_MAX_TRIES = 100


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
    appearance = [c for c in labels if c in APPEARANCE_LOOKS]
    motion = [c for c in labels if c in MOTION_FAMILIES]
    groups = []
    for a in appearance:
        pairable = [m for m in motion if MOTION_FAMILIES[m][0] != 'rotate']
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
            shape, color = APPEARANCE_LOOKS[a]
            jitter = rng.integers(-15, 16, size=3)
            color = tuple(
                int(v) for v in np.clip(np.add(color, jitter), 0, 255))
        else:
            if MOTION_FAMILIES[m][0] == 'rotate':
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
    family, backwards = MOTION_FAMILIES.get(motion, (None, False))
    angle0 = rng.uniform(0, 2 * math.pi)
    angle = np.full(num_frames, angle0)
    if family == 'scale':
        small = rng.uniform(*_SCALE_SMALL) * size
        big = rng.uniform(*_SCALE_BIG) * size
        # Geometric growth: the look of an object approaching at a constant
        # speed.
        radius = small * (big / small)**t
        reach = big * SHAPE_EXTENT[shape] + margin
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
        reach = r * SHAPE_EXTENT[shape] + margin
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
    return half + lollipop_dot(size)


def _apart(a: dict, b: dict, gap: float, size: int) -> bool:
    """Whether two objects keep ``gap`` between them in every frame, played
    in the same or in opposite directions."""
    ext_a, ext_b = object_extent(a, size), object_extent(b, size)
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
