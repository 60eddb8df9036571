"""What the synthetic dataset generators share: argument checks, balanced
classes, mp4 writing and writing a whole dataset directory in one piece.

A generator (:mod:`.mini_dataset`, :mod:`.mini_pair`) describes its dataset
with a :class:`DatasetSpec` -- classes, label map, how to draw one clip --
and :func:`generate_dataset` writes it in the layout of Multi-Moments in
Time (M-MiT)::

    videos/training/000000.mp4 ...
    videos/validation/000000.mp4 ...
    videos/testing/000000.mp4 ...
    trainingSet.csv        training/000000.mp4,3,7   (no header, 0-based)
    validationSet.csv
    testingSet.csv
    <label map>            one class name per line, in index order
    classes.json           the classes, extra entries and the generation
                           parameters
"""
from __future__ import annotations

import contextlib
import json
import os
import os.path as osp
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Union

import numpy as np

from ..utils.checks import check_int, check_positive
from ..utils.progress import ProgressReport

__all__ = [
    'DatasetSpec', 'generate_dataset', 'check_generation_args',
    'check_out_dir', 'staged_dir', 'balanced_rounds', 'write_mp4v',
    'CLASSES_JSON_NAME', 'MIN_SIZE', 'SPLITS'
]

PathLike = Union[str, os.PathLike]

#: The splits, in the order their random streams are numbered.
SPLITS = ('training', 'validation', 'testing')
_CSV_NAMES = dict(
    training='trainingSet.csv',
    validation='validationSet.csv',
    testing='testingSet.csv')
#: The class table every generated dataset carries.
CLASSES_JSON_NAME = 'classes.json'
_VIDEO_DIR_NAME = 'videos'

#: Smallest frame side: the scenes' geometry needs at least this many pixels.
MIN_SIZE = 32
# Frame sides whose mp4v videos decord 0.6.0 decodes into frames of the
# wrong shape (found by trying every even side from 16 to 256).
_DECORD_BAD_SIZES = frozenset({16, 24, 48, 72})


@dataclass(frozen=True)
class DatasetSpec:
    """What sets one generated dataset apart from another.

    Args:
        generator (str): Id written to ``classes.json``; an existing
            directory whose ``classes.json`` names it may be overwritten.
        format_version (int): Version of the dataset's format.
        kind (str): The dataset's name in messages, e.g. ``'mini M-MiT'``.
        classes (tuple[NamedTuple, ...]): ``[C]`` classes in index order,
            each with a ``name``; written to the label map (names) and to
            ``classes.json`` (``_asdict()``).
        label_map_name (str): File name of the label map.
        sample (Callable): ``sample(rng, label, size=, num_frames=)``
            returns the scene of a clip of class ``label``, a dict whose
            ``labels`` are the clip's sorted class indices, drawing only
            from ``rng``.
        render (Callable): ``render(scene)`` returns its ``[T, H, W, 3]``
            uint8 RGB frames.
        extra_json (dict): Further entries of ``classes.json``, written
            between ``classes`` and ``generation``. Defaults to {}.
        stream (tuple[int, ...]): Prefix of the spawn keys of the random
            streams, which keeps datasets drawn with the same seed apart.
            Defaults to ().
    """
    generator: str
    format_version: int
    kind: str
    classes: tuple
    label_map_name: str
    sample: Callable[..., dict]
    render: Callable[[dict], np.ndarray]
    extra_json: dict = field(default_factory=dict)
    stream: tuple = ()


def check_generation_args(*, num_train, num_val, num_test, size, num_frames,
                          fps, seed) -> None:
    """Check the arguments shared by the dataset generators (see
    :func:`generate_dataset`)."""
    for name, value, low in (('num_train', num_train, 0),
                             ('num_val', num_val, 0),
                             ('num_test', num_test, 0),
                             ('size', size, MIN_SIZE),
                             ('num_frames', num_frames, 2), ('seed', seed, 0)):
        check_int(value, name, min_val=low)
    if size % 2 or size in _DECORD_BAD_SIZES:
        raise ValueError(
            f'size must be even (mp4v stores 4:2:0 chroma) and not one of '
            f'{sorted(_DECORD_BAD_SIZES)} (decord 0.6.0 misreads those), '
            f'got {size!r}')
    check_positive(fps, 'fps')


def check_out_dir(out_dir: str, *, overwrite: bool, generator: str,
                  own_entries: frozenset, kind: str) -> None:
    """Check that ``out_dir`` may be (re)placed by a new dataset.

    Args:
        out_dir (str): The output directory.
        overwrite (bool): Whether a non-empty ``out_dir`` may be replaced.
        generator (str): A directory whose ``classes.json`` names this
            generator may be replaced.
        own_entries (frozenset): ... and so may one that holds only these
            names.
        kind (str): The dataset's name, for messages.

    Raises:
        FileExistsError: ``out_dir`` is a file, or is not empty and
            ``overwrite`` is False.
        ValueError: ``out_dir`` holds something else than such a dataset.
    """
    if not osp.lexists(out_dir):
        return
    if not osp.isdir(out_dir):
        raise FileExistsError(f'{out_dir} exists and is not a directory')
    entries = sorted(os.listdir(out_dir))
    if not entries:
        return
    if not overwrite:
        raise FileExistsError(
            f'{out_dir} exists and is not empty; pass overwrite=True to '
            'replace it')
    if _generator_of(out_dir) == generator:
        return
    foreign = [e for e in entries if e not in own_entries]
    if foreign:
        raise ValueError(
            f'refusing to overwrite {out_dir}: it does not look like a '
            f'{kind} dataset (unexpected entries {foreign[:5]})')


def _generator_of(out_dir: str) -> Any:
    try:
        with open(osp.join(out_dir, CLASSES_JSON_NAME)) as f:
            return json.load(f)['generation']['generator']
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextlib.contextmanager
def staged_dir(out_dir: str) -> Iterator[str]:
    """Write a directory in a temporary one beside it, moved into place only
    on success, so an interrupted run never leaves one that looks finished.

    Args:
        out_dir (str): The final directory; its parents are created. What is
            there is replaced when the block completes.

    Yields:
        str: The temporary directory. If the block raises (a
        ``KeyboardInterrupt`` too), it is removed and ``out_dir`` is left
        untouched.
    """
    parent = osp.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    tmp_dir = tempfile.mkdtemp(
        prefix=f'.{osp.basename(out_dir)}.tmp-', dir=parent)
    try:
        yield tmp_dir
        _replace_dir(tmp_dir, out_dir)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise


def _replace_dir(src: str, dst: str) -> None:
    """Move the finished ``src`` to ``dst``, replacing what is there."""
    if not osp.lexists(dst):
        os.rename(src, dst)
        return
    old = tempfile.mkdtemp(
        prefix=f'.{osp.basename(dst)}.old-', dir=osp.dirname(dst))
    os.rename(dst, osp.join(old, 'dataset'))
    os.rename(src, dst)
    shutil.rmtree(old, ignore_errors=True)


def balanced_rounds(rng: np.random.Generator, num_classes: int,
                    num_videos: int) -> np.ndarray:
    """Balanced classes: shuffled rounds over all classes.

    Args:
        rng (np.random.Generator): Source of the shuffles.
        num_classes (int): Number of classes ``C``.
        num_videos (int): Number of videos ``N``.

    Returns:
        np.ndarray: ``[N]`` class indices; every class appears once in each
        full round of ``C``, so counts differ by at most one.
    """
    rounds = -(-num_videos // num_classes)
    order = [rng.permutation(num_classes) for _ in range(rounds)]
    return np.concatenate(order or [np.zeros(0, int)])[:num_videos]


def write_mp4v(path: str, frames: np.ndarray, fps: float) -> None:
    """Write frames to an mp4 file (OpenCV, fourcc ``mp4v``) decord reads.

    Args:
        path (str): The ``.mp4`` file.
        frames (np.ndarray): ``[T, H, W, 3]`` uint8 RGB frames.
        fps (float): Frame rate.
    """
    import cv2
    num_frames, height, width = frames.shape[:3]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height))
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV could not open a mp4v writer for {path}')
    try:
        for frame in frames:
            writer.write(np.ascontiguousarray(frame[..., ::-1]))  # to BGR
    finally:
        writer.release()


def _write_text(path: str, text: str) -> None:
    """Write UTF-8 text with ``\\n`` line ends on every platform."""
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.write(text)


def generate_dataset(out_dir: PathLike, spec: DatasetSpec, *, num_train: int,
                     num_val: int, num_test: int, size: int, num_frames: int,
                     fps: float, seed: int, overwrite: bool,
                     show_progress: bool) -> dict:
    """Generate the dataset ``spec`` describes.

    The dataset is written into a temporary directory beside ``out_dir`` and
    moved into place only when complete (:func:`staged_dir`). The output
    depends only on the arguments: the classes of a split come from the
    random stream with spawn key ``(*spec.stream, split, 0)`` and video
    ``i`` of the split from ``(*spec.stream, split, 1, i)`` of ``seed``, so
    the same arguments give the same bytes. The classes of a split go round
    all classes in shuffled order (:func:`balanced_rounds`).

    Args:
        out_dir (str | PathLike): Output directory; created with its parents.
        spec (DatasetSpec): The dataset.
        num_train (int): Number of training videos.
        num_val (int): Number of validation videos.
        num_test (int): Number of test videos.
        size (int): Frame side in pixels: even, at least 32, and not 48 or
            72 (decord 0.6.0 misreads those).
        num_frames (int): Frames per video, at least 2.
        fps (float): Frame rate written into the videos.
        seed (int): Random seed, non-negative.
        overwrite (bool): Replace an existing non-empty ``out_dir`` (only
            one that holds a dataset of ``spec.generator``, or nothing but
            its file names).
        show_progress (bool): Report progress
            (:mod:`mmt_challenge.utils.progress`).

    Returns:
        dict: ``out_dir``, ``video_root`` (the ``videos`` directory that
        the CSV paths are relative to), ``label_map``, ``classes_json``,
        ``ann_files`` and ``num_videos`` (both keyed by split), and
        ``num_classes``.
    """
    check_generation_args(num_train=num_train, num_val=num_val,
                          num_test=num_test, size=size,
                          num_frames=num_frames, fps=fps, seed=seed)
    out_dir = osp.abspath(os.fspath(out_dir))
    own_entries = frozenset([
        _VIDEO_DIR_NAME, spec.label_map_name, CLASSES_JSON_NAME,
        *_CSV_NAMES.values()
    ])
    check_out_dir(out_dir, overwrite=overwrite, generator=spec.generator,
                  own_entries=own_entries, kind=spec.kind)

    counts = dict(training=num_train, validation=num_val, testing=num_test)
    generation = dict(
        generator=spec.generator,
        format_version=spec.format_version,
        seed=seed,
        num_train=num_train,
        num_val=num_val,
        num_test=num_test,
        size=size,
        num_frames=num_frames,
        fps=fps)
    with staged_dir(out_dir) as tmp_dir:
        rows = _write_videos(
            osp.join(tmp_dir, _VIDEO_DIR_NAME), spec, counts, size=size,
            num_frames=num_frames, fps=fps, seed=seed,
            show_progress=show_progress)
        # Annotations last: a directory without them is not a dataset.
        for split in SPLITS:
            _write_text(
                osp.join(tmp_dir, _CSV_NAMES[split]),
                ''.join(row + '\n' for row in rows[split]))
        _write_text(
            osp.join(tmp_dir, spec.label_map_name),
            ''.join(c.name + '\n' for c in spec.classes))
        classes = dict(
            classes=[c._asdict() for c in spec.classes],
            **spec.extra_json,
            generation=generation)
        _write_text(
            osp.join(tmp_dir, CLASSES_JSON_NAME),
            json.dumps(classes, indent=2) + '\n')

    return dict(
        out_dir=out_dir,
        video_root=osp.join(out_dir, _VIDEO_DIR_NAME),
        label_map=osp.join(out_dir, spec.label_map_name),
        classes_json=osp.join(out_dir, CLASSES_JSON_NAME),
        ann_files={s: osp.join(out_dir, _CSV_NAMES[s])
                   for s in SPLITS},
        num_videos=counts,
        num_classes=len(spec.classes))


def _write_videos(video_root: str, spec: DatasetSpec, counts: dict, *,
                  size: int, num_frames: int, fps: float, seed: int,
                  show_progress: bool) -> dict:
    """Write every split's videos; returns each split's CSV rows."""
    num_classes = len(spec.classes)
    rows = {}
    with ProgressReport(
            sum(counts.values()),
            f'Writing the {spec.kind} videos',
            unit='videos',
            disable=not show_progress) as report:
        for split_id, split in enumerate(SPLITS):
            os.makedirs(osp.join(video_root, split))
            labels = balanced_rounds(
                _stream(seed, *spec.stream, split_id, 0), num_classes,
                counts[split])
            rows[split] = []
            for i, label in enumerate(labels):
                scene = spec.sample(
                    _stream(seed, *spec.stream, split_id, 1, i),
                    int(label),
                    size=size,
                    num_frames=num_frames)
                rel = f'{split}/{i:06d}.mp4'
                write_mp4v(osp.join(video_root, rel), spec.render(scene), fps)
                rows[split].append(','.join([rel, *map(str, scene['labels'])]))
                report.update()
    return rows


def _stream(seed: int, *spawn_key: int) -> np.random.Generator:
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=spawn_key))
