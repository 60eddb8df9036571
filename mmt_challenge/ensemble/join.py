"""Join members on video id, never on row position.

Every member of an ensemble is checked against one reference (the
annotation file, or the first member): the same classes in the same order,
and exactly the same videos. The row order of each member may differ; the
row index arrays returned here put every member in the reference order.
"""
from typing import Sequence

import numpy as np
import pandas as pd

from ..structures import ScoreFile

__all__ = ['check_classes', 'rows_in_order']


def _listing(values: Sequence[str], limit: int = 3) -> str:
    shown = ', '.join(repr(str(v)) for v in values[:limit])
    more = f' and {len(values) - limit} more' if len(values) > limit else ''
    return f'{shown}{more}'


def check_classes(name: str, score_file: ScoreFile,
                  class_names: Sequence[str], reference: str) -> None:
    """Check that a member has the reference's classes, in the same order.

    Args:
        name (str): The member, for messages.
        score_file (ScoreFile): Its scores.
        class_names (Sequence[str]): ``[C]`` the reference class names.
        reference (str): What the reference is, for messages (e.g.
            ``"member 'tsn'"``).

    Raises:
        ValueError: Naming the member, and the first class that differs.
    """
    if score_file.num_classes != len(class_names):
        raise ValueError(
            f'member {name!r} has {score_file.num_classes} classes but '
            f'{reference} has {len(class_names)}')
    differ = np.flatnonzero(score_file.class_names != np.asarray(class_names))
    if len(differ):
        i = differ[0]
        theirs = str(score_file.class_names[i])
        raise ValueError(
            f'member {name!r} names class {i} {theirs!r} but {reference} '
            f'names it {str(class_names[i])!r} '
            f'({len(differ)} class names differ)')


def rows_in_order(name: str, score_file: ScoreFile,
                  video_ids: Sequence[str], reference: str) -> np.ndarray:
    """Row of each reference video in a member's score file.

    Args:
        name (str): The member, for messages.
        score_file (ScoreFile): Its scores (video ids are unique there).
        video_ids (Sequence[str]): ``[N]`` the reference order, unique.
        reference (str): What the reference is, for messages.

    Returns:
        np.ndarray: ``[N]`` int64, ``score_file.scores[rows]`` is in the
        reference order.

    Raises:
        ValueError: A reference video missing from the member, or a member
            video not in the reference, naming the member and the videos.
    """
    rows = pd.Index(score_file.video_ids).get_indexer(np.asarray(video_ids))
    missing = np.flatnonzero(rows < 0)
    if len(missing):
        videos = np.asarray(video_ids)[missing]
        raise ValueError(
            f'member {name!r} has no scores for {len(missing)} video(s) of '
            f'{reference}: {_listing(videos)}')
    if len(rows) != score_file.num_videos:
        extra = np.ones(score_file.num_videos, dtype=bool)
        extra[rows] = False
        videos = score_file.video_ids[extra]
        raise ValueError(
            f'member {name!r} has {len(videos)} video(s) that are not in '
            f'{reference}: {_listing(videos)}')
    return rows.astype(np.int64)
