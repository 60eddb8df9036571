"""The built-in mini M-MiT dataset: small synthetic multi-label videos.

The generator writes real mp4 files (OpenCV, fourcc ``mp4v``, readable by
decord) and annotations in the format of Multi-Moments in Time (M-MiT), so
that the whole pipeline -- training, dense testing, ensembling, scoring and
submission -- runs end to end on one machine in minutes.

Every video shows one to three objects on a dark, lightly noisy background and
carries one to three labels, half of them about appearance and half about
motion only (:mod:`.mini_classes`); scenes are sampled by
:mod:`.mini_scenes`, drawn by :mod:`.mini_render` and written by
:func:`~.generation.generate_dataset`.

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
import os
from typing import Union

import numpy as np

from .generation import DatasetSpec, generate_dataset
from .mini_classes import MINI_CLASSES
from .mini_render import render_scene
from .mini_scenes import sample_scene

__all__ = ['generate_mini_dataset']

PathLike = Union[str, os.PathLike]


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
        show_progress (bool): Report progress (on stdout). Defaults to
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
