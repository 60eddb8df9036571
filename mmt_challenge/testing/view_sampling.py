"""Where the views of a dense test lie in time and space.

A *view* is one clip at one crop. Clips follow each member's temporal
sampling:

* **Uniformly sampled members** (TSN, TSM, TIN, TRN; ``SampleFrames`` with
  ``clip_len=1``, input format ``NCHW``) see ``num_segments`` frames, one per
  equal segment of the video. MMAction2's test sampling takes each segment's
  middle frame. The ``m`` dense clips shift that sampling point inside every
  segment by the offsets ``i / m`` of a segment length, for the integers
  ``-m/2 <= i < m/2`` around the middle (the video-level protocol of
  `Wang et al., "Temporal Segment Networks"
  <https://arxiv.org/abs/1608.00859>`_ and of the CNN spatio-temporal
  analysis). ``m = 1`` is MMAction2's test sampling and ``m = 2`` its
  ``twice_sample``.
* **Densely sampled members** (I3D, SlowFast; ``clip_len > 1``, format
  ``NCTHW``) see ``clip_len`` frames ``frame_interval`` apart. The ``m``
  clips start at points spread uniformly over the video, exactly as
  MMAction2's ``SampleFrames(test_mode=True, num_clips=m)`` (PySlowFast's
  protocol).

Crops follow MMAction2's ``CenterCrop`` (one crop) and ``ThreeCrop`` (three
crops along the long side), generalised to crops smaller than the short side:
the crops sit at the start, the middle and ``2 * ((L - c) // 2)`` of the long
side ``L``, centred on the short side. With a crop as large as the short side
these are exactly ``ThreeCrop``'s crops.
"""
from typing import List, Sequence, Tuple, Union

import mmcv
import numpy as np

from mmt_challenge.utils.checks import check_positive_int

__all__ = [
    'segment_frame_indices', 'clip_frame_indices', 'unique_clips',
    'resized_shape', 'resize_frames', 'crop_offsets'
]


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        check_positive_int(value, name)


def segment_frame_indices(num_frames: int, num_segments: int,
                          num_clips: int) -> np.ndarray:
    """Frame indices of the ``num_clips`` dense clips of a 2D member.

    Clip ``j`` takes, in segment ``k`` of length ``L / n``, the frame at
    ``(k + 1/2 + i / m) * L / n`` rounded down, with ``i = j - m // 2``. The
    position is computed in exact integer arithmetic.

    Args:
        num_frames (int): Frames in the video, ``L``.
        num_segments (int): Segments per clip, ``n`` (the member's
            ``num_clips`` in ``SampleFrames``, its ``num_segments``).
        num_clips (int): Dense clips, ``m``.

    Returns:
        np.ndarray: ``[m, n]`` int64 frame indices in ``[0, L)``, clips in
        order of their offset (the middle clip, ``i = 0``, is row ``m // 2``).
    """
    _check_positive(
        num_frames=num_frames, num_segments=num_segments, num_clips=num_clips)
    offsets = np.arange(num_clips) - num_clips // 2  # -m/2 <= i < m/2
    segments = np.arange(num_segments)
    # (k + 1/2 + i/m) * L / n  =  L * (2 k m + m + 2 i) / (2 m n)
    numerator = num_frames * (2 * segments[None, :] * num_clips + num_clips +
                              2 * offsets[:, None])
    return numerator // (2 * num_clips * num_segments)


def clip_frame_indices(num_frames: int, clip_len: int, frame_interval: int,
                       num_clips: int) -> np.ndarray:
    """Frame indices of ``num_clips`` clips spread uniformly over a video.

    The same indices as MMAction2's ``SampleFrames(clip_len, frame_interval,
    num_clips, test_mode=True)`` with ``out_of_bound_opt='loop'``: clip
    starts ``round(j * max_offset / (m - 1))`` with ``max_offset = max(L -
    (clip_len - 1) * frame_interval - 1, 0)``, one clip at ``max_offset // 2``;
    frames past the end wrap around.

    Args:
        num_frames (int): Frames in the video, ``L``.
        clip_len (int): Frames per clip.
        frame_interval (int): Step between a clip's frames.
        num_clips (int): Clips, ``m``.

    Returns:
        np.ndarray: ``[m, clip_len]`` int64 frame indices in ``[0, L)``.
    """
    _check_positive(
        num_frames=num_frames,
        clip_len=clip_len,
        frame_interval=frame_interval,
        num_clips=num_clips)
    span = (clip_len - 1) * frame_interval + 1
    max_offset = max(num_frames - span, 0)
    if num_clips > 1:
        starts = np.round(
            np.arange(num_clips) * (max_offset / float(num_clips - 1)))
    else:
        starts = np.array([max_offset // 2])
    steps = np.arange(clip_len) * frame_interval
    indices = starts.astype(np.int64)[:, None] + steps[None, :]
    return np.mod(indices, num_frames)


def unique_clips(indices: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Distinct clips of a video, and which distinct clip each clip is.

    Short videos give several dense clips the same frames; a deterministic
    model scores identical clips identically, so each distinct clip needs to
    be scored once.

    Args:
        indices (np.ndarray): ``[m, T]`` frame indices of the clips.

    Returns:
        tuple[np.ndarray, np.ndarray]: The distinct clips ``[U, T]`` (in
        order of first appearance) and ``[m]`` the row of each clip in them.
    """
    _, first, inverse = np.unique(
        indices, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    order = np.argsort(first)  # distinct clips in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return indices[np.sort(first)], rank[inverse]


def resized_shape(height: int, width: int, short_side: int) -> Tuple[int, int]:
    """Frame size after MMAction2's ``Resize(scale=(-1, short_side))``.

    Args:
        height (int): Frame height.
        width (int): Frame width.
        short_side (int): Target length of the shorter side.

    Returns:
        tuple[int, int]: ``(new_height, new_width)``, each side scaled by
        ``short_side / min(height, width)`` and rounded half up, as
        :func:`mmcv.rescale_size`.
    """
    _check_positive(height=height, width=width, short_side=short_side)
    new_w, new_h = mmcv.rescale_size((width, height), (np.inf, short_side))
    return new_h, new_w


def resize_frames(frames: np.ndarray, short_side: int) -> np.ndarray:
    """Resize frames as MMAction2's ``Resize(scale=(-1, short_side))`` does.

    Bilinear :func:`mmcv.imresize` (OpenCV) frame by frame, so the result is
    bit-identical to the test pipeline's.

    Args:
        frames (np.ndarray): ``[F, H, W, 3]`` uint8.
        short_side (int): Target length of the shorter side.

    Returns:
        np.ndarray: ``[F, H', W', 3]`` uint8.
    """
    if frames.ndim != 4:
        raise ValueError(f'frames must be [F, H, W, C], got shape '
                         f'{frames.shape}')
    new_h, new_w = resized_shape(frames.shape[1], frames.shape[2], short_side)
    if (new_h, new_w) == frames.shape[1:3]:
        return frames
    out = np.empty((len(frames), new_h, new_w, frames.shape[3]),
                   dtype=frames.dtype)
    for i, frame in enumerate(frames):
        resized = mmcv.imresize(
            frame, (new_w, new_h), interpolation='bilinear')
        out[i] = resized.reshape(new_h, new_w, -1)
    return out


def crop_offsets(height: int, width: int, crop_size: Union[int, Sequence[int]],
                 num_crops: int) -> List[Tuple[int, int]]:
    """Top-left corners of the crops of a frame.

    Args:
        height (int): Frame height.
        width (int): Frame width.
        crop_size (int | Sequence[int]): Crop side, or ``(width, height)``
            as MMAction2's crop transforms take it.
        num_crops (int): 1 (the centre crop, MMAction2's ``CenterCrop``) or
            3 (start, middle and end of the long side, centred on the short
            side; MMAction2's ``ThreeCrop`` when the crop spans the short
            side).

    Returns:
        list[tuple[int, int]]: ``num_crops`` corners ``(top, left)``, in the
        order start, middle, end for three crops.
    """
    crop_w, crop_h = _crop_wh(crop_size)
    if crop_w > width or crop_h > height:
        raise ValueError(f'crop {crop_w}x{crop_h} (w x h) does not fit in a '
                         f'frame of {width}x{height}')
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    if num_crops == 1:
        return [(top, left)]
    if num_crops != 3:
        raise ValueError(f'num_crops must be 1 or 3, got {num_crops!r}')
    if width >= height:
        return [(top, 0), (top, left), (top, 2 * left)]
    return [(0, left), (top, left), (2 * top, left)]


def _crop_wh(crop_size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    if isinstance(crop_size, (int, np.integer)):
        crop_w = crop_h = int(crop_size)
    else:
        crop_w, crop_h = (int(c) for c in crop_size)
    _check_positive(crop_width=crop_w, crop_height=crop_h)
    return crop_w, crop_h
