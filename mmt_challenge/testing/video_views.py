"""Decode a video once and derive the frames of every scale of a dense test.

:class:`DenseTestVideos` is a map-style dataset: item ``i`` decodes video
``i`` once with decord (only the frames some clip needs), resizes those
frames to every scale and returns them with each clip's rows into them. The
crops are cut later, in the model's batches, so that each frame is decoded
once and resized once per scale however many views use it. A video that
cannot be decoded gives an item with its error instead of frames.
"""
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from .protocol import DenseTestProtocol
from .view_sampling import resize_frames, unique_clips

__all__ = ['DecodedVideo', 'DenseTestVideos', 'decode_frames']


@dataclass
class DecodedVideo:
    """One video, ready to be cut into views.

    Args:
        index (int): Position in the dataset.
        video_id (str): The annotation's relative path.
        frames (list[Tensor]): Per scale, ``[F, H_s, W_s, 3]`` uint8 RGB:
            the video's distinct sampled frames, resized. Empty if the video
            could not be decoded.
        clips (np.ndarray): ``[U, T]`` int64, the distinct clips, as rows
            of ``frames``.
        clip_of (np.ndarray): ``[num_clips]`` int64, the distinct clip of
            each clip (``clips[clip_of[j]]`` are clip ``j``'s frames).
        num_frames (int): Frames in the video (0 if unreadable).
        error (str, optional): Why the video could not be decoded; None if
            it was.
    """
    index: int
    video_id: str
    frames: List[torch.Tensor]
    clips: np.ndarray
    clip_of: np.ndarray
    num_frames: int = 0
    error: Optional[str] = None


def decode_frames(path: str,
                  protocol: DenseTestProtocol,
                  video_id: Optional[str] = None) -> tuple:
    """Read the frames a protocol needs from a video, once.

    Args:
        path (str): The video file.
        protocol (DenseTestProtocol): Which clips to take.
        video_id (str, optional): The video's id, which seeds random clips.
            Defaults to None.

    Returns:
        tuple: ``frames`` ``[F, H, W, 3]`` uint8 (the distinct frames of all
        clips, in increasing frame order), ``indices`` ``[num_clips, T]``
        rows of ``frames`` for each clip, and the video's frame count.

    Raises:
        Exception: Whatever decord raises for a missing or broken file;
            ``ValueError`` for a video without frames.
    """
    import decord  # imported here: only the decoding workers need it
    if not osp.isfile(path):
        raise FileNotFoundError(f'No such file: {path}')
    reader = decord.VideoReader(path, num_threads=1)
    num_frames = len(reader)
    if num_frames < 1:
        raise ValueError('the video has no frames')
    indices = protocol.frame_indices(num_frames, video_id=video_id)
    wanted, rows = np.unique(indices, return_inverse=True)
    frames = reader.get_batch(wanted.tolist()).asnumpy()
    if frames.ndim != 4 or len(frames) != len(wanted):
        raise ValueError(f'decord returned frames of shape {frames.shape} '
                         f'for {len(wanted)} frame indices')
    return frames, rows.reshape(indices.shape), num_frames


class DenseTestVideos(Dataset):
    """Videos of a list file, decoded once and resized to every scale.

    Args:
        video_ids (Sequence[str]): The annotation's relative paths.
        video_root (str): Directory the ids are relative to.
        protocol (DenseTestProtocol): Clips and scales.
        deduplicate (bool): Score identical clips once (short videos give
            several dense clips the same frames). Defaults to True.
    """

    def __init__(self,
                 video_ids: Sequence[str],
                 video_root: str,
                 protocol: DenseTestProtocol,
                 *,
                 deduplicate: bool = True) -> None:
        self.video_ids = list(video_ids)
        self.video_root = video_root
        self.protocol = protocol
        self.deduplicate = deduplicate

    def __len__(self) -> int:
        return len(self.video_ids)

    def __getitem__(self, index: int) -> DecodedVideo:
        video_id = self.video_ids[index]
        try:
            frames, rows, num_frames = decode_frames(
                osp.join(self.video_root, video_id), self.protocol, video_id)
        except Exception as error:  # a bad file must not stop the test
            message = ' '.join(str(error).split())[:500]
            return DecodedVideo(
                index=index,
                video_id=video_id,
                frames=[],
                clips=np.zeros((0, 0), dtype=np.int64),
                clip_of=np.zeros(0, dtype=np.int64),
                error=f'{type(error).__name__}: {message}')
        if self.deduplicate:
            clips, clip_of = unique_clips(rows)
        else:
            clips, clip_of = rows, np.arange(len(rows))
        resized = [
            torch.from_numpy(
                np.ascontiguousarray(resize_frames(frames, scale)))
            for scale in self.protocol.scales
        ]
        return DecodedVideo(
            index=index,
            video_id=video_id,
            frames=resized,
            clips=clips.astype(np.int64),
            clip_of=clip_of.astype(np.int64),
            num_frames=num_frames)
