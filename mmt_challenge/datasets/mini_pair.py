"""The mini pair dataset: a single-label partner of the mini M-MiT.

Multi-dataset training needs a second dataset whose label space differs from
the first one's but overlaps in meaning, as Kinetics or Moments in Time do
with M-MiT. This generator draws it with the mini M-MiT's own scene sampler
and renderer (:func:`~mmt_challenge.datasets.mini_scenes.sample_scene`,
:func:`~mmt_challenge.datasets.mini_render.render_scene`), so both datasets
show the same visual world, but labels it coarsely and with one label per
video, as the single-label datasets are:

=====================  ===================================================
mini pair class        related mini M-MiT classes (the planted pairs)
=====================  ===================================================
``round_shape``        ``red_circle``, ``cyan_ring``
``cornered_shape``     ``green_square``, ``blue_triangle``
``spiky_shape``        ``yellow_cross``, ``magenta_star``
``horizontal_motion``  ``moving_left``, ``moving_right``
``vertical_motion``    ``moving_up``, ``moving_down``
``depth_motion``       ``approaching``, ``receding``
``spinning``           ``rotating_clockwise``, ``rotating_counterclockwise``
``grey_still_shape``   none (a control)
=====================  ===================================================

A video of a class with related classes shows exactly what a one-label mini
M-MiT video of one of them (drawn uniformly) shows: a still coloured shape
for the shape classes, a moving light-grey object for the motion classes.
``grey_still_shape`` shows a still shape of the mini M-MiT's shapes in light
grey, which no mini M-MiT class describes. The motion classes ignore the
direction the mini M-MiT tells apart, so direction is knowledge only the
mini M-MiT can teach, and colour-free shape groups are knowledge only the
mini pair names.

A cross-dataset projection trained on the two (MultiTrain) should learn
these 14 planted pairs; ``classes.json`` lists them (``related``) for
``tools/analysis/projection_weights.py --related``.

Layout written under ``out_dir`` (as the mini M-MiT's)::

    videos/training/000000.mp4 ...
    videos/validation/000000.mp4 ...
    videos/testing/000000.mp4 ...
    trainingSet.csv        training/000000.mp4,3   (no header, 0-based)
    validationSet.csv
    testingSet.csv
    categories.txt         one class name per line, in index order
    classes.json           classes (index, name, related) + parameters
"""
from __future__ import annotations

import os
from typing import NamedTuple, Union

import numpy as np

from ..utils.checks import check_int
from .generation import DatasetSpec, generate_dataset
from .mini_classes import MINI_CLASSES
from .mini_render import render_scene
from .mini_scenes import sample_scene

__all__ = [
    'PAIR_CLASSES', 'PairClass', 'PLANTED_PAIRS', 'generate_mini_pair_dataset',
    'sample_pair_scene'
]

PathLike = Union[str, os.PathLike]


class PairClass(NamedTuple):
    """One class of the mini pair dataset.

    Attributes:
        index (int): 0-based class index, as in the annotation CSVs.
        name (str): Class name, as in ``categories.txt``.
        related (tuple[str, ...]): The mini M-MiT classes whose one-label
            videos this class's videos are (empty for the control class).
    """
    index: int
    name: str
    related: tuple


_PAIR = (
    ('round_shape', ('red_circle', 'cyan_ring')),
    ('cornered_shape', ('green_square', 'blue_triangle')),
    ('spiky_shape', ('yellow_cross', 'magenta_star')),
    ('horizontal_motion', ('moving_left', 'moving_right')),
    ('vertical_motion', ('moving_up', 'moving_down')),
    ('depth_motion', ('approaching', 'receding')),
    ('spinning', ('rotating_clockwise', 'rotating_counterclockwise')),
    ('grey_still_shape', ()),
)

#: The classes of the mini pair dataset, in index order.
PAIR_CLASSES: tuple[PairClass, ...] = tuple(
    PairClass(i, name, related) for i, (name, related) in enumerate(_PAIR))

#: The planted related pairs: (mini pair class, mini M-MiT class).
PLANTED_PAIRS: tuple[tuple[str, str], ...] = tuple(
    (c.name, related) for c in PAIR_CLASSES for related in c.related)

_MINI_INDEX = {c.name: c.index for c in MINI_CLASSES}
_STILL_SHAPES = tuple(c.index for c in MINI_CLASSES if c.kind == 'appearance')
_GREY = (190, 256)  # the mini M-MiT's neutral objects' grey levels


def sample_pair_scene(rng: np.random.Generator,
                      label: int,
                      *,
                      size: int = 64,
                      num_frames: int = 32) -> dict:
    """Sample the content of one mini pair video.

    Args:
        rng (np.random.Generator): Source of randomness; the only one used.
        label (int): Mini pair class index.
        size (int): Frame side in pixels, at least 32. Defaults to 64.
        num_frames (int): Frames per clip, at least 2. Defaults to 32.

    Returns:
        dict: A scene for
        :func:`~mmt_challenge.datasets.mini_render.render_scene`;
        ``labels`` is ``[label]`` (a mini pair index) and ``mini_labels``
        the mini M-MiT labels of the scene it was drawn as (empty for
        ``grey_still_shape``).
    """
    check_int(
        label,
        'label',
        min_val=0,
        max_val=len(PAIR_CLASSES),
        include_boundaries='left')
    related = PAIR_CLASSES[label].related
    if related:
        primary = _MINI_INDEX[related[int(rng.integers(len(related)))]]
    else:
        primary = _STILL_SHAPES[int(rng.integers(len(_STILL_SHAPES)))]
    scene = sample_scene(
        rng, size=size, num_frames=num_frames, primary=primary, num_labels=1)
    mini_labels = scene['labels']
    if not related:
        grey = int(rng.integers(*_GREY))
        scene['objects'] = [
            dict(obj, color=(grey, grey, grey), labels=[])
            for obj in scene['objects']
        ]
        mini_labels = []
    return dict(scene, labels=[int(label)], mini_labels=mini_labels)


_SPEC = DatasetSpec(
    generator='mmt_challenge.datasets.mini_pair',
    format_version=1,
    kind='mini pair',
    classes=PAIR_CLASSES,
    label_map_name='categories.txt',
    sample=sample_pair_scene,
    render=render_scene,
    extra_json=dict(related_dataset='mini_mmit'),
    # Keeps this dataset's random streams apart from the mini M-MiT's,
    # which use the spawn keys (split, 0) and (split, 1, i) of the same seed.
    stream=(2, ))


def generate_mini_pair_dataset(out_dir: PathLike,
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
    """Generate the mini pair dataset.

    Written like the mini M-MiT (see
    :func:`~mmt_challenge.datasets.mini_dataset.generate_mini_dataset`):
    into a temporary directory moved into place when complete, the same
    bytes for the same arguments, classes balanced within each split to one
    video. The random streams differ from the mini M-MiT's, so the two
    datasets share no video even with the same seed.

    Args:
        out_dir (str | PathLike): Output directory; created with its parents.
        num_train (int): Number of training videos. Defaults to 400.
        num_val (int): Number of validation videos. Defaults to 100.
        num_test (int): Number of test videos. Defaults to 100.
        size (int): Frame side in pixels: even, at least 32, and not 48 or
            72 (decord 0.6.0 misreads those). Defaults to 64.
        num_frames (int): Frames per video, at least 2. Defaults to 32.
        fps (float): Frame rate written into the videos. Defaults to 10.
        seed (int): Random seed, non-negative. Defaults to 0.
        overwrite (bool): Replace an existing non-empty ``out_dir`` (only
            one that holds a mini pair dataset, or nothing but its file
            names). Defaults to False.
        show_progress (bool): Report progress (on stdout). Defaults to
            False.

    Returns:
        dict: ``out_dir``, ``video_root``, ``label_map``, ``classes_json``,
        ``ann_files`` and ``num_videos`` (both keyed by split), and
        ``num_classes``.
    """
    return generate_dataset(
        out_dir, _SPEC, num_train=num_train, num_val=num_val,
        num_test=num_test, size=size, num_frames=num_frames, fps=fps,
        seed=seed, overwrite=overwrite, show_progress=show_progress)
