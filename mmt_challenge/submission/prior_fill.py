"""Give every test video a score row: the training class prior for the
videos a member could not score.

A leaderboard rejects a submission that misses a video, and some test videos
cannot be decoded (the 2019 winners lost 6). Their best guess without
looking is the training class prior: for each class, the fraction of the
training videos labelled with it, which is also the constant that maximises
the expected sample-level AP of a video we know nothing about.
"""
import logging
from typing import Dict, List, Tuple

import numpy as np
from mmengine.logging import print_log

from ..datasets import count_classes, read_list_file
from ..structures import (DUMP_SUFFIXES, ScoreFile, load_member_scores,
                          save_score_file)

__all__ = [
    'FILLED_KEY', 'class_prior', 'fill_missing_with_prior',
    'prior_filled_videos', 'fill_score_file'
]

#: The key of a filled score file's meta that lists the filled videos.
FILLED_KEY = 'prior_filled_videos'


def class_prior(train_list: str, num_classes: int) -> np.ndarray:
    """The fraction of training videos labelled with each class.

    Args:
        train_list (str): The training split's MMAction2 list file.
        num_classes (int): Number of classes.

    Returns:
        np.ndarray: ``[num_classes]`` float32 in ``[0, 1]``.
    """
    records = read_list_file(train_list, num_classes=num_classes)
    if not records:
        raise ValueError(f'{train_list} lists no training videos')
    counts = count_classes(records, num_classes)
    return (counts / len(records)).astype(np.float32)


def fill_missing_with_prior(score_file: ScoreFile, test_list: str,
                            train_list: str) -> Tuple[ScoreFile, Dict[str,
                                                                      str]]:
    """Add a prior row, at every scale, for each test video without scores.

    Args:
        score_file (ScoreFile): A member's test scores.
        test_list (str): The list file of every test video.
        train_list (str): The training list file, for the class prior.

    Returns:
        tuple[ScoreFile, dict[str, str]]: The scores of every test video in
        the test list's order (view scores dropped, since a prior has no
        views), and video id -> why it was filled (``'could not be decoded'``
        when the dense test recorded it as unreadable).
    """
    test_ids = [r.video_id
                for r in read_list_file(test_list, allow_unlabelled=True)]
    known = {str(v): i for i, v in enumerate(score_file.video_ids)}
    extra = sorted(set(known) - set(test_ids))
    if extra:
        raise ValueError(f'the score file has {len(extra)} video(s) that '
                         f'{test_list} does not list, e.g. {extra[:3]}')
    unreadable = set(score_file.meta.get('unreadable_videos') or [])
    missing = {
        v: 'could not be decoded' if v in unreadable else
        'not in the score file'
        for v in test_ids if v not in known
    }
    prior = class_prior(train_list, score_file.num_classes)
    scores = np.empty((len(test_ids), score_file.num_scales,
                       score_file.num_classes), dtype=np.float32)
    for row, video_id in enumerate(test_ids):
        scores[row] = (score_file.scores[known[video_id]]
                       if video_id in known else prior)
    meta = dict(score_file.meta)
    meta[FILLED_KEY] = missing
    meta['prior_from'] = train_list
    filled = ScoreFile(
        video_ids=np.asarray(test_ids, dtype=str),
        class_names=score_file.class_names,
        scores=scores,
        scales=score_file.scales,
        num_clips=score_file.num_clips,
        num_crops=score_file.num_crops,
        meta=meta)
    return filled, missing


def prior_filled_videos(score_file: ScoreFile) -> Dict[str, str]:
    """Video id -> reason, of the rows :func:`fill_missing_with_prior`
    filled in ``score_file`` (empty for any other file)."""
    return dict(score_file.meta.get(FILLED_KEY) or {})


def fill_score_file(path: str, test_list: str, train_list: str,
                    out: str) -> List[str]:
    """:func:`fill_missing_with_prior` from file to file (``out`` written
    atomically); logs every filled video. Returns the filled video ids."""
    dump_options = dict(ann_file=test_list) if path.endswith(
        DUMP_SUFFIXES) else {}
    filled, missing = fill_missing_with_prior(
        load_member_scores(path, **dump_options), test_list, train_list)
    save_score_file(out, filled)
    for video_id, reason in sorted(missing.items()):
        print_log(f'{path}: test video {video_id} {reason}: it gets the '
                  'training class prior', logger='current',
                  level=logging.WARNING)
    print_log(f'{out}: {len(filled.video_ids)} test videos, '
              f'{len(missing)} filled with the training class prior',
              logger='current')
    return sorted(missing)
