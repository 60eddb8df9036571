"""What dense and multi-scale testing gain over one clip (the 2019 report's
Table 2): a member's sample mAP with its validation view (one clip, centre
crop, the pipeline's scale), with its dense views at that scale, and with the
dense views of every scale fused, plus the paired bootstrap interval of the
gain of the fused test over the single clip.

The gain is paired: each video's average precision under both tests, the
interval that of the mean of their differences, so that the videos both
tests find hard do not widen it.
"""
from dataclasses import dataclass
from typing import List, Sequence

import numpy as np

from ..ensemble import bootstrap_mean_ci, rows_in_order
from ..structures import ScoreFile
from ..evaluation import sample_ap

__all__ = ['DenseGain', 'dense_gain', 'format_dense_gain_table']


@dataclass
class DenseGain:
    """One member's row of the table.

    Args:
        clip (float): Sample mAP of the single-clip test.
        dense (float): Sample mAP of the dense views at the clip's scale.
        fused (float): Sample mAP of the dense views, all scales fused (the
            mean of their probabilities).
        gain_low (float): Lower end of the 95% interval of
            ``fused - clip``.
        gain_high (float): Its upper end.
        scale (int): The clip's scale.
        scales (list[int]): The fused scales.
        views (str): The dense views, e.g. ``'4 clips x 1 crop'``.
    """
    clip: float
    dense: float
    fused: float
    gain_low: float
    gain_high: float
    scale: int
    scales: List[int]
    views: str


def dense_gain(clip: ScoreFile,
               dense: ScoreFile,
               labels: np.ndarray,
               video_ids: Sequence[str],
               *,
               num_samples: int = 1000,
               seed: int = 0) -> DenseGain:
    """Compare a member's single-clip and dense multi-scale score files.

    Args:
        clip (ScoreFile): The single-clip test, one scale.
        dense (ScoreFile): The dense test; its scales include the clip's.
        labels (np.ndarray): ``[N, C]`` multi-hot labels of ``video_ids``.
        video_ids (Sequence[str]): ``[N]`` the videos both files score.
        num_samples (int): Bootstrap replicates. Defaults to 1000.
        seed (int): Bootstrap seed. Defaults to 0.

    Returns:
        DenseGain: The three sample mAPs and the interval of the gain.
    """
    if len(clip.scales) != 1:
        raise ValueError(f'the single-clip score file must have one scale, '
                         f'got {clip.scales.tolist()}')
    scale = int(clip.scales[0])
    scales = dense.scales.tolist()
    if scale not in scales:
        raise ValueError(f'the dense score file has scales {scales}, not '
                         f'the clip\'s scale {scale}')
    clip_scores = clip.scores[rows_in_order('clip', clip, video_ids,
                                            'the labels')][:, 0]
    dense_scores = dense.scores[rows_in_order('dense', dense, video_ids,
                                              'the labels')]
    per_video = {
        'clip': sample_ap(clip_scores, labels),
        'dense': sample_ap(dense_scores[:, scales.index(scale)], labels),
        'fused': sample_ap(dense_scores.mean(axis=1), labels),
    }
    scored = ~np.isnan(per_video['clip'])  # videos with a positive label
    maps = {k: float(v[scored].mean()) for k, v in per_video.items()}
    gain = bootstrap_mean_ci(
        per_video['fused'][scored] - per_video['clip'][scored],
        num_samples=num_samples,
        seed=seed)
    return DenseGain(
        clip=maps['clip'],
        dense=maps['dense'],
        fused=maps['fused'],
        gain_low=gain.low,
        gain_high=gain.high,
        scale=scale,
        scales=scales,
        views=f'{_count(dense.num_clips, "clip")} x '
        f'{_count(dense.num_crops, "crop")}')


def _count(number: int, noun: str) -> str:
    return f'{number} {noun}' + ('' if number == 1 else 's')


def format_dense_gain_table(rows: dict) -> str:
    """The rows (``{member: DenseGain}``) as a Markdown table, in %."""
    lines = [
        '| member | clip (1 clip, centre crop) | dense | multi-scale dense '
        '(fused) | fused - clip, 95% interval |', '|---|---|---|---|---|'
    ]
    for name, row in rows.items():
        scales = '/'.join(map(str, row.scales))
        lines.append(
            f'| {name} | {100 * row.clip:.2f} (scale {row.scale}) | '
            f'{100 * row.dense:.2f} ({row.views}, {row.scale}) | '
            f'{100 * row.fused:.2f} ({scales}) | '
            f'{100 * (row.fused - row.clip):+.2f} '
            f'({100 * row.gain_low:+.2f} to {100 * row.gain_high:+.2f}) |')
    return '\n'.join(lines)
