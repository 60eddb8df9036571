"""The dense test protocol of a member: its clips, crops and scales.

:class:`DenseTestProtocol` says which views a dense test scores, and
:meth:`DenseTestProtocol.from_config` reads the member's defaults from its
test pipeline, so that every view is what the member saw in validation, only
at more positions and scales:

=============================== ===========================================
test pipeline                   protocol
=============================== ===========================================
``SampleFrames`` + ``NCHW``     ``sampling='segments'``, ``clip_len`` =
                                its ``num_clips`` (segments); 1 clip, 2 with
                                ``twice_sample``
``SampleFrames`` + ``NCTHW``    ``sampling='clips'``, its ``clip_len`` and
                                ``frame_interval``; its ``num_clips`` clips
``Resize(scale=(-1, S))``       scales ``(S, )``
``CenterCrop`` / ``ThreeCrop``  1 / 3 crops of the pipeline's crop size at
                                scale ``S``
=============================== ===========================================

A config may name its dense protocol in a top-level ``dense_test_cfg =
dict(scales=[128, 144, 160], num_clips=10, num_crops=3)``, which overrides the
pipeline's defaults; arguments override both. ``dense_test_cfg`` may also
start from a named protocol of :data:`NAMED_PROTOCOLS`
(``dense_test_cfg = dict(protocol='mmit2019-2d')``; its other keys override
the named values):

* ``'fixed-10x3'``: 10 clips at fixed, evenly spread offsets x 3 crops (the
  image-based members' default here; ``clip_sampling='fixed'``);
* ``'mmit2019-2d'``: the 2019 report's test of its image-based members, 5
  random clips x 3 crops of 256 pixels at scale 256. Random clips are drawn
  as training draws them (one frame at a random position in every segment;
  a random start for clips of consecutive frames), from a generator seeded
  by ``seed`` and the video id, so that a video gets the same clips in every
  run, process and order (``clip_sampling='random'``).

Crop size at other scales: the pipeline's crop scaled with the scale,
``round(crop * scale / S)``, so that a crop covers the same part of the frame
at every scale (the 2019 report's image-based members test 256-pixel crops at
scale 256: the whole short side, which stays so at every scale).
"""
import zlib
from dataclasses import asdict, dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from mmt_challenge.utils.checks import (check_int, check_keys,
                                        check_positive_int)
from .view_sampling import clip_frame_indices, segment_frame_indices

__all__ = ['DenseTestProtocol', 'NAMED_PROTOCOLS']

#: Named dense protocols a config selects with ``dense_test_cfg =
#: dict(protocol=NAME)``.
NAMED_PROTOCOLS: Dict[str, Dict[str, Any]] = {
    'fixed-10x3': dict(clip_sampling='fixed', num_clips=10, num_crops=3),
    'mmit2019-2d': dict(
        clip_sampling='random', num_clips=5, num_crops=3, scales=(256, )),
}
_CLIP_SAMPLINGS = ('fixed', 'random')

_CROPS = {'CenterCrop': 1, 'ThreeCrop': 3}
_UNSUPPORTED = ('RawFrameDecode', 'TenCrop', 'MultiScaleCrop', 'RandomCrop',
                'RandomResizedCrop', 'UniformSample', 'DenseSampleFrames',
                'UntrimmedSampleFrames', 'SampleAVAFrames')


def _pair(crop_size: Any) -> Tuple[int, int]:
    if isinstance(crop_size, (int, np.integer)):
        return int(crop_size), int(crop_size)
    if isinstance(crop_size, (tuple, list)) and len(crop_size) == 2:
        return (check_positive_int(crop_size[0], 'crop width'),
                check_positive_int(crop_size[1], 'crop height'))
    raise ValueError(f'crop_size must be an int or (width, height), got '
                     f'{crop_size!r}')


@dataclass(frozen=True)
class DenseTestProtocol:
    """Which views of a video a dense test scores.

    Args:
        sampling (str): ``'segments'`` (uniformly sampled 2D members, one
            frame per segment, input format ``NCHW``) or ``'clips'`` (clips
            of consecutive frames, format ``NCTHW``).
        clip_len (int): Frames per clip: the number of segments for
            ``'segments'``.
        frame_interval (int): Step between a clip's frames (``'clips'``
            only). Defaults to 1.
        num_clips (int): Dense clips per video. Defaults to 1.
        num_crops (int): Crops per clip, 1 or 3. Defaults to 1.
        scales (Sequence[int]): Short-side sizes in pixels, unique. Defaults
            to ``(256, )``.
        base_scale (int): The scale at which the crop is ``base_crop``.
            Defaults to 256.
        base_crop (tuple[int, int]): ``(width, height)`` of the crop at
            ``base_scale``. Defaults to ``(224, 224)``.
        clip_sampling (str): ``'fixed'`` (clips at fixed offsets, see
            :mod:`.view_sampling`) or ``'random'`` (random clips, seeded by
            ``seed`` and the video id). Defaults to ``'fixed'``.
        seed (int): Seed of the random clips. Defaults to 0.
    """
    sampling: str
    clip_len: int
    frame_interval: int = 1
    num_clips: int = 1
    num_crops: int = 1
    scales: Tuple[int, ...] = (256, )
    base_scale: int = 256
    base_crop: Tuple[int, int] = (224, 224)
    clip_sampling: str = 'fixed'
    seed: int = 0

    def __post_init__(self) -> None:
        if self.sampling not in ('segments', 'clips'):
            raise ValueError(f"sampling must be 'segments' or 'clips', got "
                             f'{self.sampling!r}')
        for name in ('clip_len', 'frame_interval', 'num_clips', 'base_scale'):
            check_positive_int(getattr(self, name), name)
        if self.sampling == 'segments' and self.frame_interval != 1:
            raise ValueError('frame_interval must be 1 for segment sampling, '
                             f'got {self.frame_interval}')
        if self.clip_sampling not in _CLIP_SAMPLINGS:
            raise ValueError(f'clip_sampling must be one of {_CLIP_SAMPLINGS}'
                             f', got {self.clip_sampling!r}')
        check_int(self.seed, 'seed', min_val=0)
        if self.num_crops not in (1, 3):
            raise ValueError(f'num_crops must be 1 or 3, got '
                             f'{self.num_crops!r}')
        scales = tuple(
            check_positive_int(s, 'scale') for s in np.atleast_1d(self.scales))
        if not scales or len(set(scales)) != len(scales):
            raise ValueError(f'scales must be a non-empty list of distinct '
                             f'sizes, got {list(scales)}')
        object.__setattr__(self, 'scales', scales)
        base_crop = _pair(self.base_crop)
        object.__setattr__(self, 'base_crop', base_crop)
        if min(base_crop) > self.base_scale:
            raise ValueError(
                f'the crop {base_crop[0]}x{base_crop[1]} is larger than its '
                f'scale {self.base_scale}: it does not fit in the frame')

    @property
    def input_format(self) -> str:
        """The model's input format: ``'NCHW'`` or ``'NCTHW'``."""
        return 'NCHW' if self.sampling == 'segments' else 'NCTHW'

    @property
    def num_views(self) -> int:
        """Views per video and scale, ``num_clips * num_crops``."""
        return self.num_clips * self.num_crops

    def frame_indices(self,
                      num_frames: int,
                      *,
                      video_id: Optional[str] = None) -> np.ndarray:
        """Frames of every clip of a video of ``num_frames`` frames.

        Args:
            num_frames (int): Frames in the video.
            video_id (str, optional): The video's id; seeds the random clips
                (needed with ``clip_sampling='random'``). Defaults to None.

        Returns:
            np.ndarray: ``[num_clips, clip_len]`` int64 indices.
        """
        if self.clip_sampling == 'random':
            return self._random_frame_indices(num_frames, video_id)
        if self.sampling == 'segments':
            return segment_frame_indices(num_frames, self.clip_len,
                                         self.num_clips)
        return clip_frame_indices(num_frames, self.clip_len,
                                  self.frame_interval, self.num_clips)

    def _random_frame_indices(self, num_frames: int,
                              video_id: Optional[str]) -> np.ndarray:
        check_positive_int(num_frames, 'num_frames')
        if not isinstance(video_id, str):
            raise ValueError('random clips are seeded by the video id: pass '
                             f'video_id (a str), got {video_id!r}')
        rng = np.random.default_rng(
            [self.seed, zlib.crc32(video_id.encode('utf-8'))])
        if self.sampling == 'segments':
            # One frame at a random position in each of clip_len equal
            # segments (TSN's training sampling); an empty segment (a video
            # shorter than its segments) takes its start.
            bounds = np.arange(self.clip_len + 1) * num_frames // self.clip_len
            starts, lengths = bounds[:-1], np.maximum(np.diff(bounds), 1)
            draws = rng.integers(
                0, lengths, size=(self.num_clips, self.clip_len))
            return np.minimum(starts + draws, num_frames - 1).astype(np.int64)
        # A random start, then clip_len frames frame_interval apart, looping
        # past the end as MMAction2's SampleFrames does.
        span = self.clip_len * self.frame_interval
        starts = rng.integers(
            0, max(num_frames - span, 0) + 1, size=(self.num_clips, 1))
        steps = np.arange(self.clip_len) * self.frame_interval
        return ((starts + steps) % num_frames).astype(np.int64)

    def crop_size(self, scale: int) -> Tuple[int, int]:
        """``(width, height)`` of the crops at ``scale``:
        ``base_crop * scale / base_scale``, rounded half up."""
        return tuple(
            max(1, int(c * scale / self.base_scale + 0.5))
            for c in self.base_crop)

    def to_dict(self) -> Dict[str, Any]:
        """JSON-serialisable record (with the crop size at every scale)."""
        record = asdict(self)
        record['scales'] = list(self.scales)
        record['base_crop'] = list(self.base_crop)
        record['crop_sizes'] = [list(self.crop_size(s)) for s in self.scales]
        return record

    @classmethod
    def from_config(cls,
                    cfg: Any,
                    *,
                    scales: Optional[Sequence[int]] = None,
                    num_clips: Optional[int] = None,
                    num_crops: Optional[int] = None) -> 'DenseTestProtocol':
        """Read a member's protocol from its config.

        Args:
            cfg (mmengine.Config | dict): The member's config; its
                ``test_dataloader.dataset.pipeline`` (or ``test_pipeline``)
                and optional ``dense_test_cfg``.
            scales (Sequence[int], optional): Overrides. Defaults to None.
            num_clips (int, optional): Overrides. Defaults to None.
            num_crops (int, optional): Overrides. Defaults to None.

        Returns:
            DenseTestProtocol: The protocol.

        Raises:
            ValueError: A test pipeline this protocol cannot reproduce,
                naming the transform.
        """
        pipeline = _test_pipeline(cfg)
        by_type = {}
        for transform in pipeline:
            kind = transform.get('type') if isinstance(transform,
                                                       dict) else None
            if not isinstance(kind, str):
                raise ValueError(f'test pipeline entry {transform!r} has no '
                                 'type name')
            if kind in _UNSUPPORTED:
                raise ValueError(
                    f'the test pipeline uses {kind}, which dense testing '
                    'does not reproduce (it reads videos with decord and '
                    'supports SampleFrames, Resize(scale=(-1, S)), CenterCrop '
                    'and ThreeCrop)')
            by_type.setdefault(kind, transform)
        for needed in ('SampleFrames', 'Resize', 'FormatShape'):
            if needed not in by_type:
                raise ValueError(f'the test pipeline has no {needed}; found '
                                 f'{[t["type"] for t in pipeline]}')
        crops = [k for k in _CROPS if k in by_type]
        if len(crops) != 1:
            raise ValueError('the test pipeline needs exactly one of '
                             f'CenterCrop and ThreeCrop, found {crops}')

        sample = by_type['SampleFrames']
        clip_len = sample.get('clip_len')
        input_format = by_type['FormatShape'].get('input_format')
        if input_format == 'NCHW':
            if clip_len != 1:
                raise ValueError(f'NCHW members sample one frame per segment; '
                                 f'SampleFrames has clip_len={clip_len}')
            sampling, frames = 'segments', sample.get('num_clips', 1)
            default_clips = 2 if sample.get('twice_sample', False) else 1
        elif input_format == 'NCTHW':
            sampling, frames = 'clips', clip_len
            default_clips = sample.get('num_clips', 1)
        else:
            raise ValueError(f'FormatShape input_format must be NCHW or '
                             f'NCTHW, got {input_format!r}')

        resize = by_type['Resize'].get('scale')
        if not (isinstance(resize, (tuple, list)) and len(resize) == 2
                and min(resize) == -1 and max(resize) > 0):
            raise ValueError(f'Resize must resize the short side, '
                             f'scale=(-1, S); got scale={resize!r}')
        base_scale = max(resize)
        base_crop = _pair(by_type[crops[0]].get('crop_size'))

        dense_cfg = check_keys(
            cfg.get('dense_test_cfg', None) or {}, 'dense_test_cfg',
            ('protocol', 'scales', 'num_clips', 'num_crops', 'clip_sampling',
             'seed'))
        name = dense_cfg.pop('protocol', None)
        if name is not None:
            if name not in NAMED_PROTOCOLS:
                raise ValueError(f'dense_test_cfg.protocol {name!r} is not a '
                                 f'named protocol: {sorted(NAMED_PROTOCOLS)}')
            dense_cfg = {**NAMED_PROTOCOLS[name], **dense_cfg}

        def pick(value, key, default):
            return value if value is not None else dense_cfg.get(key, default)

        return cls(
            sampling=sampling,
            clip_len=frames,
            frame_interval=sample.get('frame_interval', 1)
            if sampling == 'clips' else 1,
            num_clips=pick(num_clips, 'num_clips', default_clips),
            num_crops=pick(num_crops, 'num_crops', _CROPS[crops[0]]),
            scales=tuple(pick(scales, 'scales', (base_scale, ))),
            base_scale=base_scale,
            base_crop=base_crop,
            clip_sampling=dense_cfg.get('clip_sampling', 'fixed'),
            seed=dense_cfg.get('seed', 0))


def _test_pipeline(cfg: Any) -> list:
    loader = cfg.get('test_dataloader', None) or {}
    dataset = loader.get('dataset', None) or {}
    while 'pipeline' not in dataset and 'dataset' in dataset:
        dataset = dataset['dataset']  # dataset wrappers
    pipeline = dataset.get('pipeline', None) or cfg.get('test_pipeline', None)
    if not pipeline:
        raise ValueError('the config has no test pipeline '
                         '(test_dataloader.dataset.pipeline or test_pipeline)')
    return list(pipeline)
