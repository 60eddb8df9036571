"""Multi-label video dataset that survives undecodable videos."""
import logging
import os.path as osp
from typing import Any, Callable, List, Optional, Union

from mmaction.datasets import VideoDataset
from mmaction.datasets.transforms import (DecordDecode, DecordInit,
                                          OpenCVDecode, OpenCVInit,
                                          PyAVDecode, PyAVInit)
from mmaction.registry import DATASETS
from mmengine.logging import print_log

from ..utils.checks import check_positive_int
from .annotations import read_list_file, read_mmit_csv
from .sample_seeding import SampleKey, seeded_randomness

# A failure inside these transforms means the video file is bad; a failure
# anywhere else is a bug in the pipeline and must surface.
DECODING_TRANSFORMS = (DecordInit, DecordDecode, OpenCVInit, OpenCVDecode,
                       PyAVInit, PyAVDecode)


@DATASETS.register_module()
class MultiLabelVideoDataset(VideoDataset):
    """M-MiT style multi-label video dataset with multi-hot targets.

    Reads an MMAction2 list file (``path l1 l2 ...``) or an M-MiT CSV
    (``path,l1,l2``, chosen by the ``.csv`` extension), with every line checked
    (see :mod:`mmt_challenge.datasets.annotations`). Each sample's ``label`` is
    a multi-hot float tensor ``[num_classes]`` and its ``video_id`` is the
    annotation's relative path, the key score files join on.

    A video that fails to decode does not stop the epoch: the dataset logs its
    path once, counts it in :attr:`bad_videos` (per process: each dataloader
    worker keeps its own count) and returns another, randomly drawn sample
    instead, up to ``max_refetch`` times. Errors outside the decoding
    transforms are pipeline bugs and are raised.

    Indexed with a :class:`~mmt_challenge.datasets.sample_seeding.SampleKey`
    (what :class:`~mmt_challenge.engine.RNGStateHook` makes the training
    sampler yield), a sample's random augmentation is drawn from generators
    seeded by that key, so it is the same whichever dataloader worker
    draws it: resuming is then exact with workers.

    Args:
        ann_file (str): List file or M-MiT CSV.
        pipeline (list[dict | callable]): Data transforms.
        num_classes (int): Number of classes (313 for M-MiT v1).
        data_prefix (dict): ``dict(video=<video root>)``. Defaults to
            ``dict(video='')``.
        allow_unlabelled (bool): Accept rows without labels (test splits;
            they get an all-zero target). Defaults to False.
        **kwargs: Passed to :class:`mmaction.datasets.VideoDataset`.
    """

    accepts_sample_keys = True

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[dict, Callable]],
                 num_classes: int,
                 data_prefix: dict = dict(video=''),
                 allow_unlabelled: bool = False,
                 **kwargs) -> None:
        check_positive_int(num_classes, 'num_classes')
        if kwargs.pop('multi_class', True) is not True:
            raise ValueError('MultiLabelVideoDataset is always multi_class')
        self.allow_unlabelled = allow_unlabelled
        self.bad_videos: set = set()
        super().__init__(
            ann_file,
            pipeline=pipeline,
            data_prefix=data_prefix,
            multi_class=True,
            num_classes=num_classes,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the annotation file into ``dict(filename, label, video_id)``."""
        reader = (read_mmit_csv if self.ann_file.endswith('.csv') else
                  read_list_file)
        records = reader(
            self.ann_file,
            num_classes=self.num_classes,
            allow_unlabelled=self.allow_unlabelled)
        root = self.data_prefix.get('video') or ''
        return [
            dict(
                filename=osp.join(root, r.video_id),
                label=list(r.labels),
                video_id=r.video_id) for r in records
        ]

    def _run_pipeline(self, idx: int) -> Optional[Any]:
        """Run the pipeline; None if the video could not be decoded."""
        results = self.get_data_info(idx)
        for transform in self.pipeline.transforms:
            try:
                results = transform(results)
            except Exception as error:
                if not isinstance(transform, DECODING_TRANSFORMS):
                    raise
                self._record_bad_video(idx, error)
                return None
            if results is None:
                return None
        return results

    def _record_bad_video(self, idx: int, error: Exception) -> None:
        video_id = self.get_data_info(idx)['video_id']
        if video_id in self.bad_videos:
            return
        self.bad_videos.add(video_id)
        message = ' '.join(str(error).split())
        print_log(
            f'Skipping undecodable video {video_id} '
            f'({type(error).__name__}: {message}); '
            f'{len(self.bad_videos)} bad video(s) so far in this process',
            logger='current',
            level=logging.WARNING)

    def __getitem__(self, idx: Union[int, SampleKey]) -> Any:
        """The sample ``idx``; with a ``SampleKey``, its random draws come
        from generators seeded by the key."""
        if isinstance(idx, SampleKey):
            with seeded_randomness(idx):
                return super().__getitem__(idx.index)
        return super().__getitem__(idx)

    def prepare_data(self, idx: int) -> Any:
        """Pipeline output for ``idx``, or for a substitute if it is bad."""
        for _ in range(self.max_refetch + 1):
            data = self._run_pipeline(idx)
            if data is not None:
                return data
            idx = self._rand_another()
        raise RuntimeError(
            f'Could not decode a video after {self.max_refetch + 1} attempts '
            f'in {self.ann_file}; {len(self.bad_videos)} bad videos seen, '
            f'e.g. {sorted(self.bad_videos)[:5]}')
