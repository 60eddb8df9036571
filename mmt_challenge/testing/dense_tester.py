"""The dense test loop: every view of every video through a recognizer.

:class:`DenseTester` shards the videos across ranks (``mmengine.dist``),
decodes each video once (:class:`~.video_views.DenseTestVideos`, optionally in
loader workers), cuts the views of every scale from the decoded frames,
batches views of one scale (from one video or several) through the model's
``data_preprocessor``, ``extract_feat`` and ``cls_head`` (what
``BaseRecognizer.predict`` runs, each view a sample), applies a sigmoid
to each view's logits and averages the probabilities over the clips and crops
of each video and scale.

The forward passes run in ``torch.inference_mode`` on a test-time copy of the
model (:func:`~.inference_model.prepare_inference_model`: BatchNorms folded
into the convolutions; for crops of 112 px and more, channels_last and a
temporal shift that keeps that layout), in batches of one video's views at a
scale, except on a CPU with crops of 112 px and more: as many views as hold
about one 8 x 256 x 256 clip of pixels (the activations then stay in cache;
MMAction2 runs a whole video's views at once); optionally under autocast
(``amp``). Loader workers decode the next videos
during the forward passes; on CUDA their frames are pinned and copied
without blocking. The ranks' results are gathered and put back in the
order of the list; every video comes back exactly once, with scores or as
unreadable.
"""
import logging
from collections import deque
from dataclasses import dataclass, field, replace
from typing import (Deque, Dict, Iterator, List, Optional, Sequence,
                    Tuple)

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_dist_info
from mmengine.logging import print_log
from torch.utils.data import DataLoader

from mmt_challenge.utils.checks import check_int
from mmt_challenge.utils.progress import ProgressReport
from ..engine.amp import amp_dtype, autocast
from .inference_model import prepare_inference_model
from .protocol import DenseTestProtocol
from .video_views import DecodedVideo, DenseTestVideos
from .view_sampling import crop_offsets

__all__ = ['DenseTester', 'DenseTestResult']


@dataclass
class DenseTestResult:
    """What a dense test returns, in the order of the list tested.

    Args:
        video_ids (list[str]): ``[N]`` the videos that were scored.
        scores (np.ndarray): ``[N, S, C]`` float32, per-scale sigmoid
            probabilities averaged over clips and crops.
        view_scores (np.ndarray, optional): ``[N, S, V, C]`` float32, every
            view's probabilities, view ``v = clip * num_crops + crop``; None
            unless kept.
        unreadable (dict[str, str]): Video id -> error, for the videos that
            could not be decoded (they have no score row).
    """
    video_ids: List[str]
    scores: np.ndarray
    view_scores: Optional[np.ndarray] = None
    unreadable: Dict[str, str] = field(default_factory=dict)


class _Pinnable:
    """A decoded video the DataLoader's pin-memory thread can pin (it calls
    ``pin_memory()`` on what the workers return)."""

    def __init__(self, decoded: DecodedVideo) -> None:
        self.decoded = decoded

    def pin_memory(self) -> '_Pinnable':
        frames = [f.pin_memory() for f in self.decoded.frames]
        self.decoded = replace(self.decoded, frames=frames)
        return self


class _Video:
    """A decoded video whose views are being scored."""

    def __init__(self, decoded: DecodedVideo, protocol: DenseTestProtocol,
                 device: torch.device) -> None:
        self.index = decoded.index
        self.video_id = decoded.video_id
        self.clips = decoded.clips
        self.clip_of = decoded.clip_of
        self.frames = [f.to(device, non_blocking=True) for f in decoded.frames]
        self.crops = []
        for scale, frames in zip(protocol.scales, decoded.frames):
            self.crops.append(
                crop_offsets(frames.shape[1], frames.shape[2],
                             protocol.crop_size(scale), protocol.num_crops))
        self.shape = (len(protocol.scales), len(self.clips),
                      protocol.num_crops)
        self.probs: Optional[np.ndarray] = None  # [S, U, K, C] when scored
        self.pending = int(np.prod(self.shape))

    def store(self, scale: int, clip: int, crop: int,
              prob: np.ndarray) -> bool:
        """Record one view's ``[C]`` probabilities; True when all are in."""
        if self.probs is None:
            self.probs = np.zeros(self.shape + prob.shape, dtype=np.float32)
        self.probs[scale, clip, crop] = prob
        self.pending -= 1
        return self.pending == 0

    def view(self, scale: int, clip: int, crop: int,
             crop_wh: Tuple[int, int]) -> torch.Tensor:
        """``[T, h, w, 3]`` uint8: a distinct clip at one crop and scale."""
        top, left = self.crops[scale][crop]
        rows = torch.from_numpy(self.clips[clip]).to(self.frames[scale].device)
        frames = self.frames[scale].index_select(0, rows)
        return frames[:, top:top + crop_wh[1], left:left + crop_wh[0]]


class DenseTester:
    """Dense multi-scale testing of a recognizer.

    Args:
        model (torch.nn.Module): An MMAction2 recognizer
            (``Recognizer2D`` / ``Recognizer3D``) with its
            ``data_preprocessor``, in eval mode on its device.
        protocol (DenseTestProtocol): The views to score.
        batch_views (int, optional): Views per forward pass. Defaults to None
            (on a CPU, when every crop side is at least ``LARGE_CROP``, as
            many views of a scale as hold ``CPU_BATCH_PIXELS`` pixels, at
            least one; otherwise ``protocol.num_views``, one video's views
            at one scale).
        keep_views (bool): Keep every view's probabilities. Defaults to
            False.
        num_workers (int): Loader processes decoding videos. Defaults to 0
            (decode in this process).
        deduplicate (bool): Score identical clips of a video once (exact:
            the model is deterministic in eval mode). Defaults to True.
        optimize (bool): Run a test-time copy of the model with BatchNorms
            folded and, when every crop side is at least ``LARGE_CROP``,
            channels_last memory (same scores up to float rounding).
            Defaults to True.
        amp (str, optional): ``'fp16'`` or ``'bf16'`` autocast (CUDA; bf16
            only on a CPU); scores then differ from float32 ones. Defaults
            to None (float32).
        show_progress (bool): Progress (videos per second) on rank 0.
            Defaults to True.
    """

    #: Pixels (frames x height x width) of one CPU batch: one 8-frame
    #: 256 x 256 clip.
    CPU_BATCH_PIXELS = 8 * 256 * 256
    #: Smallest crop side at which the copy runs channels_last and CPU
    #: batches are cache-sized: both measured faster for 224-288 px crops and
    #: slower for the mini members' 48-64 px.
    LARGE_CROP = 112

    def __init__(self,
                 model: torch.nn.Module,
                 protocol: DenseTestProtocol,
                 *,
                 batch_views: Optional[int] = None,
                 keep_views: bool = False,
                 num_workers: int = 0,
                 deduplicate: bool = True,
                 optimize: bool = True,
                 amp: Optional[str] = None,
                 show_progress: bool = True) -> None:
        if batch_views is not None:
            check_int(batch_views, 'batch_views', min_val=1)
        check_int(num_workers, 'num_workers', min_val=0)
        for name in ('data_preprocessor', 'extract_feat', 'cls_head'):
            if not hasattr(model, name):
                raise TypeError(f'model must be an MMAction2 recognizer with '
                                f'{name}, got {type(model).__name__}')
        if amp is not None:
            param = next(model.parameters(), None)
            amp_dtype(amp, 'cpu' if param is None else param.device.type)
        if optimize:
            model = prepare_inference_model(
                model, channels_last=self._large_crops(protocol))
        self.model = model
        self.amp = amp
        self.protocol = protocol
        self.batch_views = batch_views
        self.keep_views = keep_views
        self.num_workers = num_workers
        self.deduplicate = deduplicate
        self.show_progress = show_progress

    @property
    def device(self) -> torch.device:
        param = next(self.model.parameters(), None)
        return param.device if param is not None else torch.device('cpu')

    def views_per_batch(self, scale: int) -> int:
        """Views per forward pass at ``scale`` (see ``batch_views``)."""
        if self.batch_views is not None:
            return self.batch_views
        if self.device.type != 'cpu' or not self._large_crops(self.protocol):
            return self.protocol.num_views
        width, height = self.protocol.crop_size(scale)
        pixels = self.protocol.clip_len * width * height
        return max(1, min(self.protocol.num_views,
                          self.CPU_BATCH_PIXELS // pixels))

    @classmethod
    def _large_crops(cls, protocol: DenseTestProtocol) -> bool:
        smallest = min(min(protocol.crop_size(s)) for s in protocol.scales)
        return smallest >= cls.LARGE_CROP

    @torch.inference_mode()
    def forward_views(self, views: torch.Tensor) -> np.ndarray:
        """Sigmoid probabilities of a batch of views.

        Args:
            views (Tensor): ``[B, T, h, w, 3]`` uint8 RGB clips (as decoded
                and cropped), on the model's device.

        Returns:
            np.ndarray: ``[B, C]`` float32 probabilities.
        """
        if self.protocol.input_format == 'NCHW':
            inputs = views.permute(0, 1, 4, 2, 3)  # [B, T, 3, h, w]
        else:
            inputs = views.permute(0, 4, 1, 2, 3).unsqueeze(1)  # [B,1,3,T,h,w]
        data = self.model.data_preprocessor(
            dict(inputs=list(inputs.unbind(0)), data_samples=None), False)
        # BaseRecognizer.predict, without averaging the views of a sample
        with autocast(self.amp, views.device):
            feats, head_kwargs = self.model.extract_feat(
                data['inputs'], test_mode=True)
            logits = self.model.cls_head(feats, **head_kwargs)
        if isinstance(logits, (tuple, list)) or logits.ndim != 2 or \
                logits.shape[0] != len(views):
            shape = getattr(logits, 'shape', type(logits).__name__)
            raise ValueError(
                f'the head returned {shape} for {len(views)} views; dense '
                'testing needs one row of class scores per view')
        return logits.float().sigmoid().cpu().numpy()

    def test(self, video_ids: Sequence[str],
             video_root: str) -> DenseTestResult:
        """Score every video of a list, on all ranks together.

        Each rank scores videos ``rank, rank + world_size, ...``; the results
        are gathered so that every rank returns the whole list's.

        Args:
            video_ids (Sequence[str]): The list's relative paths, unique.
            video_root (str): Directory the ids are relative to.

        Returns:
            DenseTestResult: In the list's order, unreadable videos left out
            (and named in ``unreadable``).
        """
        video_ids = list(video_ids)
        if len(set(video_ids)) != len(video_ids):
            raise ValueError('video_ids has duplicates')
        rank, world_size = get_dist_info()
        shard = list(range(rank, len(video_ids), world_size))
        scored, unreadable = self._test_shard([video_ids[i] for i in shard],
                                              video_root)
        # local positions -> positions in the list
        scored = [(shard[i], *rest) for i, *rest in scored]
        unreadable = [(shard[i], error) for i, error in unreadable]
        if world_size > 1:
            parts = all_gather_object((scored, unreadable))
            scored = [row for part, _ in parts for row in part]
            unreadable = [row for _, part in parts for row in part]
        return self._assemble(video_ids, scored, unreadable)

    def _assemble(self, video_ids: List[str], scored: list,
                  unreadable: list) -> DenseTestResult:
        seen = sorted([i for i, *_ in scored] + [i for i, _ in unreadable])
        if seen != list(range(len(video_ids))):
            counts = np.bincount(seen, minlength=len(video_ids))
            lost = [video_ids[i] for i in np.flatnonzero(counts == 0)[:3]]
            twice = [video_ids[i] for i in np.flatnonzero(counts > 1)[:3]]
            raise RuntimeError(f'the ranks lost videos {lost} or scored '
                               f'videos twice {twice}')
        scored.sort(key=lambda row: row[0])
        unreadable.sort()
        num_classes = scored[0][1].shape[-1] if scored else 0
        num_scales = len(self.protocol.scales)
        scores = np.stack([row[1] for row in scored]) if scored else \
            np.zeros((0, num_scales, num_classes), np.float32)
        views = None
        if self.keep_views and scored:
            views = np.stack([row[2] for row in scored])
        return DenseTestResult(
            video_ids=[video_ids[i] for i, *_ in scored],
            scores=scores,
            view_scores=views,
            unreadable={
                video_ids[i]: error
                for i, error in unreadable
            })

    def _loader(self, dataset: DenseTestVideos) -> Iterator[DecodedVideo]:
        if self.num_workers == 0:
            return (dataset[i] for i in range(len(dataset)))
        # workers decode ahead of the forward passes; on CUDA the frames are
        # pinned (in the loader's thread) so that their copies do not block
        loader = DataLoader(
            dataset,
            batch_size=None,
            shuffle=False,
            num_workers=self.num_workers,
            collate_fn=_Pinnable,
            pin_memory=self.device.type == 'cuda')
        return (item.decoded for item in loader)

    def _test_shard(self, video_ids: List[str],
                    video_root: str) -> Tuple[list, list]:
        """Score this rank's videos.

        Returns:
            tuple[list, list]: ``(position, scores [S, C], views [S, V, C] or
            None)`` per scored video and ``(position, error)`` per
            unreadable one, positions into ``video_ids``.
        """
        dataset = DenseTestVideos(
            video_ids, video_root, self.protocol, deduplicate=self.deduplicate)
        rank, _ = get_dist_info()
        report = ProgressReport(
            len(video_ids),
            'Dense test',
            unit='videos',
            disable=not self.show_progress or rank != 0)
        scored, unreadable = [], []
        queues: List[Deque[Tuple[_Video, int, int]]] = [
            deque() for _ in self.protocol.scales
        ]

        def finish(video: _Video) -> None:
            probs = video.probs[:, video.clip_of]  # [S, m, K, C]
            probs = probs.reshape(probs.shape[0], -1, probs.shape[-1])
            scores = probs.mean(axis=1, dtype=np.float64).astype(np.float32)
            scored.append(
                (video.index, scores, probs if self.keep_views else None))
            report.update()

        def run_batches(scale: int, flush: bool) -> None:
            queue = queues[scale]
            crop_wh = self.protocol.crop_size(self.protocol.scales[scale])
            size = self.views_per_batch(self.protocol.scales[scale])
            while len(queue) >= size or (flush and queue):
                batch = [queue.popleft() for _ in range(min(size, len(queue)))]
                views = torch.stack([
                    video.view(scale, clip, crop, crop_wh)
                    for video, clip, crop in batch
                ])
                probs = self.forward_views(views)
                for (video, clip, crop), prob in zip(batch, probs):
                    if video.store(scale, clip, crop, prob):
                        finish(video)

        for decoded in self._loader(dataset):
            if decoded.error is not None:
                unreadable.append((decoded.index, decoded.error))
                print_log(
                    f'Skipping unreadable video {decoded.video_id} '
                    f'({decoded.error}); {len(unreadable)} unreadable so far '
                    'on this rank',
                    logger='current',
                    level=logging.WARNING)
                report.update()
                continue
            video = _Video(decoded, self.protocol, self.device)
            for scale, queue in enumerate(queues):
                for clip in range(len(video.clips)):
                    for crop in range(self.protocol.num_crops):
                        queue.append((video, clip, crop))
                run_batches(scale, flush=False)
        for scale in range(len(queues)):
            run_batches(scale, flush=True)
        report.close()
        return scored, unreadable
