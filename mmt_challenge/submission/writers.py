"""Leaderboard submission files, written atomically.

Two formats (docs/design.md, "Formats"):

* ``top5`` (the Moments in Time challenge format): one line per test video,
  ``<filename> <c1> <c2> <c3> <c4> <c5>``, 0-based class indices by falling
  confidence; ties go to the lower class index.
* ``scores``: a CSV with header ``filename,<class 0>,...,<class C-1>`` and one
  row per video holding every class score (``%.9g``, enough to read float32
  back exactly), for sample-mAP scoring.

Rows follow the test list's order when one is given.
"""
import csv
from typing import Optional, Sequence, Union

import numpy as np

from ..datasets import read_list_file
from ..utils import atomic_open
from ..ensemble.join import rows_in_order
from ..structures import ScoreFile, load_score_file

__all__ = ['SUBMISSION_FORMATS', 'top_k_classes', 'write_top5',
           'write_score_csv', 'make_submission']

SUBMISSION_FORMATS = ('top5', 'scores')


def top_k_classes(scores: np.ndarray, k: int = 5) -> np.ndarray:
    """Indices of the ``k`` highest scores of each row.

    Args:
        scores (np.ndarray): ``[N, C]`` scores, ``C >= k``.
        k (int): How many. Defaults to 5.

    Returns:
        np.ndarray: ``[N, k]`` int64, by falling score; equal scores in
        increasing class index.
    """
    scores = np.asarray(scores)
    if scores.ndim != 2 or scores.shape[1] < k:
        raise ValueError(f'scores must be [N, C] with C >= {k}, got shape '
                         f'{scores.shape}')
    return np.argsort(-scores, axis=1, kind='stable')[:, :k]


def _check_ids(video_ids: Sequence[str]) -> None:
    for i, video_id in enumerate(video_ids):
        if not video_id or any(c.isspace() for c in video_id):
            raise ValueError(
                f'video {video_id!r} (row {i}) is empty or contains '
                'whitespace, which the submission formats cannot hold')


def write_top5(path: str, video_ids: Sequence[str],
               scores: np.ndarray) -> None:
    """Write the top-5 format.

    Args:
        path (str): Output file.
        video_ids (Sequence[str]): ``[N]`` in output order.
        scores (np.ndarray): ``[N, C]`` rows aligned with ``video_ids``.
    """
    if len(video_ids) != len(scores):
        raise ValueError(f'{len(video_ids)} video ids for {len(scores)} rows '
                         'of scores')
    _check_ids(video_ids)
    top = top_k_classes(scores, 5)
    with atomic_open(path, 'w', encoding='utf-8', newline='\n') as f:
        for video_id, classes in zip(video_ids, top.tolist()):
            f.write(f'{video_id} {" ".join(map(str, classes))}\n')


def write_score_csv(path: str, video_ids: Sequence[str],
                    class_names: Sequence[str], scores: np.ndarray) -> None:
    """Write the full-score CSV.

    Args:
        path (str): Output file.
        video_ids (Sequence[str]): ``[N]`` in output order.
        class_names (Sequence[str]): ``[C]`` the header's class columns.
        scores (np.ndarray): ``[N, C]`` finite scores.
    """
    scores = np.asarray(scores)
    if scores.shape != (len(video_ids), len(class_names)):
        raise ValueError(f'scores must have shape [N, C] = '
                         f'[{len(video_ids)}, {len(class_names)}], got '
                         f'{scores.shape}')
    if not np.isfinite(scores).all():
        raise ValueError('scores must be finite')
    _check_ids(video_ids)
    with atomic_open(path, 'w', encoding='utf-8', newline='') as f:
        writer = csv.writer(f, lineterminator='\n')
        writer.writerow(['filename', *map(str, class_names)])
        for video_id, row in zip(video_ids, scores.tolist()):
            writer.writerow([video_id, *('%.9g' % v for v in row)])


def make_submission(score_file: Union[str, ScoreFile],
                    out: str,
                    *,
                    format: str = 'top5',
                    test_list: Optional[str] = None) -> int:
    """Write a submission from a fused (one-scale) score file.

    Args:
        score_file (str | ScoreFile): The fused test scores, ``S = 1``.
        out (str): Output file (e.g. ``submissions/NAME.txt``).
        format (str): ``'top5'`` or ``'scores'``. Defaults to ``'top5'``.
        test_list (str, optional): MMAction2 list file of the test videos;
            rows are written in its order, and it must list exactly the
            score file's videos. Defaults to None (the score file's order).

    Returns:
        int: Rows written.
    """
    if format not in SUBMISSION_FORMATS:
        raise ValueError(f'unknown format {format!r}; choose from '
                         f'{list(SUBMISSION_FORMATS)}')
    if isinstance(score_file, str):
        score_file = load_score_file(score_file)
    if score_file.num_scales != 1:
        raise ValueError(
            f'the score file has {score_file.num_scales} scales '
            f'{score_file.scales.tolist()}; fuse them into one first '
            '(tools/ensemble.py with a one-member recipe)')
    scores = score_file.scores[:, 0]
    video_ids = score_file.video_ids
    if test_list is not None:
        video_ids = np.asarray([
            r.video_id for r in read_list_file(test_list,
                                               allow_unlabelled=True)
        ])
        scores = scores[rows_in_order('fused', score_file, video_ids,
                                      test_list)]
    video_ids = [str(v) for v in video_ids]
    if format == 'top5':
        write_top5(out, video_ids, scores)
    else:
        write_score_csv(out, video_ids, score_file.class_names, scores)
    return len(video_ids)
