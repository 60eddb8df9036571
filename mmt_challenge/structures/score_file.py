"""Score files: one member's dense multi-scale test predictions on one split.

A score file is a NumPy ``.npz`` archive written with :func:`numpy.savez`
(no pickled objects; it loads with ``allow_pickle=False``):

============== ========================= =====================================
key            dtype, shape              meaning
============== ========================= =====================================
video_ids      unicode ``[N]``           the annotation's relative paths,
                                         unique
class_names    unicode ``[C]``           class names in class-index order
scores         float32 ``[N, S, C]``     per-scale sigmoid probabilities,
                                         averaged over clips and crops
scales         int64 ``[S]``             test short-side scales in pixels,
                                         unique; 0 means "not one scale"
                                         (a fused file, or unknown)
num_clips      int64, 0-d                clips sampled per video
num_crops      int64, 0-d                crops per clip
meta           unicode, 0-d              a JSON object: ``config``,
                                         ``checkpoint``, ``created`` (ISO 8601
                                         UTC), ``tool``, ``mmt_challenge``
                                         (version), ``score_file_version``
view_scores    float32 ``[N, S, V, C]``  optional: every view's probabilities,
                                         ``V = num_clips * num_crops``, view
                                         ``v = clip * num_crops + crop``
============== ========================= =====================================

Rows are keyed by ``video_ids``: every consumer joins on video id, never on
row position.
"""
import datetime
import json
import os.path as osp
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ..version import __version__
from ..utils import atomic_open

__all__ = ['ScoreFile', 'save_score_file', 'load_score_file', 'make_meta',
           'SCORE_FILE_VERSION', 'check_names', 'check_scores',
           'check_scales', 'check_view_counts', 'check_meta',
           'check_view_scores']

SCORE_FILE_VERSION = 1
_REQUIRED_KEYS = ('video_ids', 'class_names', 'scores', 'scales', 'num_clips',
                  'num_crops', 'meta')
_OPTIONAL_KEYS = ('view_scores', )


def _as_str_array(value: Any, name: str) -> np.ndarray:
    array = np.asarray(value)
    if array.ndim != 1:
        raise ValueError(f'{name} must be 1-D, got shape {array.shape}')
    if array.dtype.kind == 'O':
        for i, item in enumerate(array):
            if not isinstance(item, str):
                raise TypeError(f'{name}[{i}] is {type(item).__name__} '
                                f'{item!r}, expected str')
        array = array.astype(str) if len(array) else array.astype('U1')
    elif array.dtype.kind != 'U':
        if len(array) == 0:
            return array.astype('U1')
        raise TypeError(f'{name} must hold strings, got dtype {array.dtype}')
    return array


def _first_bad_rows(bad: np.ndarray, video_ids: np.ndarray) -> str:
    rows = np.flatnonzero(bad.reshape(len(bad), -1).any(axis=1))
    shown = ', '.join(repr(str(video_ids[r])) for r in rows[:3])
    more = f' and {len(rows) - 3} more' if len(rows) > 3 else ''
    return f'{len(rows)} video(s): {shown}{more}'


def _check_probabilities(array: np.ndarray, name: str,
                         video_ids: np.ndarray) -> None:
    """Finite and in [0, 1]; min/max first so a valid array costs two
    reductions."""
    if array.size == 0:
        return
    low, high = array.min(), array.max()
    if not (np.isfinite(low) and np.isfinite(high)):
        bad = ~np.isfinite(array)
        raise ValueError(f'{name} has non-finite values (NaN or inf) for '
                         f'{_first_bad_rows(bad, video_ids)}')
    if low < 0 or high > 1:
        bad = (array < 0) | (array > 1)
        raise ValueError(
            f'{name} must be probabilities in [0, 1], found values in '
            f'[{low:g}, {high:g}] for {_first_bad_rows(bad, video_ids)} '
            '(logits or softmax scores? score files hold sigmoid '
            'probabilities)')


def check_names(values: Any, name: str) -> np.ndarray:
    """``video_ids`` / ``class_names``: 1-D strings, non-empty, unique.

    Returns:
        np.ndarray: The values as a unicode array.
    """
    values = _as_str_array(values, name)
    if len(values) == 0:
        raise ValueError(f'{name} is empty')
    empty = np.flatnonzero(np.char.str_len(values) == 0)
    if len(empty):
        raise ValueError(f'{name}[{empty[0]}] is an empty string')
    uniques, counts = np.unique(values, return_counts=True)
    if (counts > 1).any():
        dup = np.flatnonzero(counts > 1)
        rows = np.flatnonzero(values == uniques[dup[0]])
        raise ValueError(
            f'duplicate {name[:-1].replace("_", " ")} '
            f'{str(uniques[dup[0]])!r} at rows {rows.tolist()} '
            f'({len(dup)} duplicated in all)')
    return values


def check_scores(scores: Any, video_ids: np.ndarray,
                 class_names: np.ndarray) -> np.ndarray:
    """``scores``: float ``[N, S, C]`` probabilities.

    Returns:
        np.ndarray: The scores as float32.
    """
    scores = np.asarray(scores)
    if scores.dtype.kind != 'f':
        raise TypeError(f'scores must be floating point, got dtype '
                        f'{scores.dtype}')
    scores = scores.astype(np.float32, copy=False)
    num_videos, num_classes = len(video_ids), len(class_names)
    if scores.ndim != 3 or scores.shape[0] != num_videos or \
            scores.shape[2] != num_classes:
        raise ValueError(
            f'scores must have shape [N, S, C] = [{num_videos}, S, '
            f'{num_classes}] (from video_ids and class_names), got '
            f'{scores.shape}')
    _check_probabilities(scores, 'scores', video_ids)
    return scores


def check_scales(scales: Any, num_scales: int) -> np.ndarray:
    """``scales``: ``[S]`` unique integers >= 0, one per scale of scores.

    Returns:
        np.ndarray: The scales as int64.
    """
    scales = np.asarray(scales)
    integral = scales.dtype.kind in 'iu' or (
        scales.dtype.kind == 'f' and np.all(scales == np.round(scales)))
    if scales.ndim != 1 or not integral:
        raise ValueError(f'scales must be a 1-D list of integers, got '
                         f'{scales.tolist()}')
    scales = scales.astype(np.int64)
    if len(scales) != num_scales:
        raise ValueError(
            f'scores has {num_scales} scale(s) but scales lists '
            f'{len(scales)}: {scales.tolist()}')
    if len(scales) == 0:
        raise ValueError('a score file needs at least one scale')
    if len(set(scales.tolist())) != len(scales) or (scales < 0).any():
        raise ValueError(f'scales must be unique and >= 0, got '
                         f'{scales.tolist()}')
    return scales


def check_view_counts(value: Any, name: str) -> int:
    """``num_clips`` / ``num_crops``: a positive integer."""
    if isinstance(value, np.ndarray):
        value = value.item()
    if isinstance(value, bool) or not isinstance(
            value, (int, np.integer)) or value < 1:
        raise ValueError(f'{name} must be a positive integer, got '
                         f'{value!r}')
    return int(value)


def check_meta(meta: Any) -> None:
    """``meta``: a JSON-serialisable dict."""
    if not isinstance(meta, dict):
        raise TypeError(f'meta must be a dict, got {type(meta).__name__}')
    try:
        json.dumps(meta)
    except (TypeError, ValueError) as e:
        raise TypeError(f'meta must be JSON-serialisable: {e}') from None


def check_view_scores(view_scores: Any, score_file: 'ScoreFile') -> np.ndarray:
    """``view_scores``: float ``[N, S, V, C]`` probabilities whose mean over
    views is ``scores``.

    Returns:
        np.ndarray: The view scores as float32.
    """
    views = np.asarray(view_scores)
    if views.dtype.kind != 'f':
        raise TypeError(f'view_scores must be floating point, got '
                        f'dtype {views.dtype}')
    views = views.astype(np.float32, copy=False)
    num_videos, num_scales, num_classes = score_file.scores.shape
    num_views = score_file.num_clips * score_file.num_crops
    expected = (num_videos, num_scales, num_views, num_classes)
    if views.shape != expected:
        raise ValueError(
            f'view_scores must have shape [N, S, V, C] = '
            f'{list(expected)} (V = num_clips * num_crops = '
            f'{score_file.num_clips} * {score_file.num_crops}), got '
            f'{list(views.shape)}')
    _check_probabilities(views, 'view_scores', score_file.video_ids)
    mean = views.mean(axis=2, dtype=np.float64)
    off = np.abs(mean - score_file.scores) > 1e-4
    if off.any():
        raise ValueError(
            'scores must be the mean of view_scores over views; they '
            f'differ for {_first_bad_rows(off, score_file.video_ids)}')
    return views


def make_meta(*,
              config: Optional[str] = None,
              checkpoint: Optional[str] = None,
              tool: Optional[str] = None,
              **extra) -> Dict[str, Any]:
    """Build the ``meta`` record of a score file.

    Args:
        config (str, optional): The config file that built the model.
            Defaults to None.
        checkpoint (str, optional): The checkpoint tested. Defaults to None.
        tool (str, optional): The program that wrote the file. Defaults to
            None.
        **extra: Further JSON-serialisable entries.

    Returns:
        dict: With ``created`` (now, ISO 8601 UTC), ``mmt_challenge`` (the
        package version) and ``score_file_version`` filled in.
    """
    return dict(
        config=config,
        checkpoint=checkpoint,
        tool=tool,
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec='seconds'),
        mmt_challenge=__version__,
        score_file_version=SCORE_FILE_VERSION,
        **extra)


@dataclass(eq=False)
class ScoreFile:
    """One member's test predictions, keyed by video id.

    Construction converts the arrays to their storage dtypes and validates
    everything (see :meth:`validate`), so a ``ScoreFile`` in hand is valid.

    Args:
        video_ids (np.ndarray): ``[N]`` str, unique, the annotation's relative
            paths.
        class_names (np.ndarray): ``[C]`` str, unique.
        scores (np.ndarray): ``[N, S, C]`` float, sigmoid probabilities per
            scale, averaged over clips and crops. Stored as float32.
        scales (np.ndarray): ``[S]`` int, unique, short-side scales in pixels;
            0 stands for "not one scale" (fused or unknown).
        num_clips (int): Clips per video. Defaults to 1.
        num_crops (int): Crops per clip. Defaults to 1.
        meta (dict): JSON-serialisable provenance, see :func:`make_meta`.
            Defaults to an empty dict.
        view_scores (np.ndarray, optional): ``[N, S, V, C]`` float, every
            view's probabilities, ``V = num_clips * num_crops``; their mean
            over views must equal ``scores``. Defaults to None.
    """
    video_ids: np.ndarray
    class_names: np.ndarray
    scores: np.ndarray
    scales: np.ndarray
    num_clips: int = 1
    num_crops: int = 1
    meta: Dict[str, Any] = field(default_factory=dict)
    view_scores: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        self.validate()

    @property
    def num_videos(self) -> int:
        return self.scores.shape[0]

    @property
    def num_scales(self) -> int:
        return self.scores.shape[1]

    @property
    def num_classes(self) -> int:
        return self.scores.shape[2]

    def validate(self) -> None:
        """Convert fields to their storage dtypes and check them.

        Runs the named checks in order: :func:`check_names`,
        :func:`check_scores`, :func:`check_scales`, :func:`check_view_counts`,
        :func:`check_meta`, :func:`check_view_scores`.

        Raises:
            TypeError: A field of the wrong kind (e.g. integer scores).
            ValueError: Inconsistent shapes, duplicate or empty ids or class
                names, non-finite or out-of-range probabilities (naming the
                videos), bad scales or view counts.
        """
        self.video_ids = check_names(self.video_ids, 'video_ids')
        self.class_names = check_names(self.class_names, 'class_names')
        self.scores = check_scores(self.scores, self.video_ids,
                                   self.class_names)
        self.scales = check_scales(self.scales, self.scores.shape[1])
        self.num_clips = check_view_counts(self.num_clips, 'num_clips')
        self.num_crops = check_view_counts(self.num_crops, 'num_crops')
        check_meta(self.meta)
        if self.view_scores is not None:
            self.view_scores = check_view_scores(self.view_scores, self)

    def scale_indices(self, scales: Optional[Sequence[int]]) -> List[int]:
        """Positions of ``scales`` along the S axis (all if None)."""
        if scales is None:
            return list(range(self.num_scales))
        position = {s: i for i, s in enumerate(self.scales.tolist())}
        indices = []
        for scale in scales:
            if scale not in position:
                raise ValueError(
                    f'scale {scale!r} is not in this score file; it has '
                    f'scales {self.scales.tolist()}')
            indices.append(position[scale])
        if len(set(indices)) != len(indices):
            raise ValueError(f'scales repeats a scale: {list(scales)}')
        return indices

    def select(self,
               *,
               scales: Optional[Sequence[int]] = None,
               views: Optional[Sequence[int]] = None) -> np.ndarray:
        """Probabilities of some scales, averaged over some views.

        Args:
            scales (Sequence[int], optional): Scale values (pixels), as in
                ``self.scales``. Defaults to None (all scales).
            views (Sequence[int], optional): View indices in
                ``[0, num_clips * num_crops)``; needs ``view_scores``.
                Defaults to None (the stored average over all views).

        Returns:
            np.ndarray: ``[N, len(scales), C]`` float32.
        """
        indices = self.scale_indices(scales)
        if views is None:
            return self.scores[:, indices]
        if self.view_scores is None:
            raise ValueError('views were requested but this score file has no '
                             'view_scores')
        num_views = self.view_scores.shape[2]
        views = list(views)
        bad = [v for v in views if not 0 <= int(v) < num_views]
        if bad or not views or len(set(views)) != len(views):
            raise ValueError(f'views must be distinct indices in [0, '
                             f'{num_views}), got {views}')
        return self.view_scores[:, indices][:, :, views].mean(
            axis=2, dtype=np.float32)


def save_score_file(path: str, score_file: ScoreFile) -> None:
    """Validate ``score_file`` and write it to ``path`` atomically.

    ``meta`` gains ``created``, ``mmt_challenge`` and ``score_file_version``
    where it lacks them (the object passed in is not modified).

    Args:
        path (str): Output file; must end with ``.npz``.
        score_file (ScoreFile): What to write.
    """
    if not path.endswith('.npz'):
        raise ValueError(f'score files are .npz archives, got path {path!r}')
    if not isinstance(score_file, ScoreFile):
        raise TypeError(f'expected a ScoreFile, got '
                        f'{type(score_file).__name__}')
    score_file.validate()
    meta = {**make_meta(), **score_file.meta}
    arrays = dict(
        video_ids=score_file.video_ids,
        class_names=score_file.class_names,
        scores=score_file.scores,
        scales=score_file.scales,
        num_clips=np.array(score_file.num_clips, dtype=np.int64),
        num_crops=np.array(score_file.num_crops, dtype=np.int64),
        meta=np.array(json.dumps(meta)))
    if score_file.view_scores is not None:
        arrays['view_scores'] = score_file.view_scores
    with atomic_open(path, 'wb') as f:
        np.savez(f, **arrays)


# What reading a truncated or corrupt archive raises (zipfile, zlib, numpy).
_ARCHIVE_ERRORS = (zipfile.BadZipFile, EOFError, OSError, zlib.error)


def _load_npz(path: str) -> ScoreFile:
    try:
        archive = np.load(path, allow_pickle=False)
    except _ARCHIVE_ERRORS as e:
        raise ValueError(f'not a readable .npz archive (truncated or '
                         f'corrupt?): {type(e).__name__}: {e}') from None
    except ValueError as e:  # not a zip: numpy tried it as a pickle
        raise ValueError(f'not an .npz archive ({e})') from None
    if not hasattr(archive, 'files'):  # a bare .npy array
        raise ValueError('not an .npz archive (a single .npy array)')
    with archive:
        keys = set(archive.files)
        missing = [k for k in _REQUIRED_KEYS if k not in keys]
        if missing:
            raise ValueError(f'missing key(s) {missing}; found {sorted(keys)}')
        unknown = sorted(keys - set(_REQUIRED_KEYS) - set(_OPTIONAL_KEYS))
        if unknown:
            warnings.warn(f'{path}: ignoring unknown key(s) {unknown}')
        fields = {}
        for k in _REQUIRED_KEYS + _OPTIONAL_KEYS:
            if k not in keys:
                continue
            try:
                fields[k] = archive[k]
            except (*_ARCHIVE_ERRORS, ValueError) as e:
                raise ValueError(
                    f'member {k!r} cannot be read (truncated or corrupt '
                    f'archive?): {type(e).__name__}: {e}') from None
    meta = fields['meta']
    if meta.shape != () or meta.dtype.kind != 'U':
        raise ValueError(f'meta must be a 0-d string array holding JSON, got '
                         f'dtype {meta.dtype} shape {meta.shape}')
    try:
        fields['meta'] = json.loads(str(meta[()]))
    except json.JSONDecodeError as e:
        raise ValueError(f'meta is not valid JSON: {e}') from None
    for name in ('num_clips', 'num_crops'):
        if fields[name].shape != ():
            raise ValueError(f'{name} must be a 0-d integer, got shape '
                             f'{fields[name].shape}')
    return ScoreFile(**fields)


def load_score_file(path: str) -> ScoreFile:
    """Read and validate a ``.npz`` score file.

    The archive is read with ``allow_pickle=False``, so a crafted file cannot
    run code. MMAction2 ``tools/test.py --dump`` pickles are read only by the
    explicitly named importer,
    :func:`~mmt_challenge.structures.import_mmaction_dump`.

    Args:
        path (str): The ``.npz`` score file.

    Returns:
        ScoreFile: The validated contents.

    Raises:
        FileNotFoundError: No such file.
        ValueError: Not an ``.npz`` path, or a malformed file; the message
            starts with ``path``.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'score file not found: {path}')
    if not path.endswith('.npz'):
        raise ValueError(
            f'{path}: score files are .npz archives; an MMAction2 dump '
            '(.pkl) is read with import_mmaction_dump (in a recipe: a member '
            'whose score_file ends with .pkl)')
    try:
        return _load_npz(path)
    except (ValueError, TypeError) as e:
        raise type(e)(f'{path}: {e}') from None
