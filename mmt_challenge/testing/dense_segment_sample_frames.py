"""The dense test's clips of uniformly sampled members, as an MMAction2
transform, so that plain MMAction2 test pipelines can sample them too."""
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from mmt_challenge.utils.checks import check_positive_int
from .view_sampling import segment_frame_indices

__all__ = ['DenseSegmentSampleFrames']


@TRANSFORMS.register_module()
class DenseSegmentSampleFrames(BaseTransform):
    """Sample ``num_clips`` clips of ``num_segments`` frames for a 2D member.

    Clip ``j`` takes, in every segment, the frame at the segment's middle
    shifted by ``(j - num_clips // 2) / num_clips`` of a segment (see
    :func:`~.view_sampling.segment_frame_indices`). ``num_clips=1`` samples
    what ``SampleFrames(clip_len=1, num_clips=num_segments,
    test_mode=True)`` samples, ``num_clips=2`` what it samples with
    ``twice_sample=True`` (in another clip order). Use it in place of
    ``SampleFrames`` in a test pipeline, with ``FormatShape('NCHW')``; the
    frames are clip after clip, ``num_segments`` each, as TSM-like backbones
    expect.

    Required keys: ``total_frames``, ``start_index``. Added keys:
    ``frame_inds``, ``clip_len`` (1), ``frame_interval`` (1), ``num_clips``
    (``num_clips * num_segments``).

    Args:
        num_segments (int): Frames per clip, one per segment (the member's
            ``num_segments``).
        num_clips (int): Clips. Defaults to 1.
    """

    def __init__(self, num_segments: int, num_clips: int = 1) -> None:
        self.num_segments = check_positive_int(num_segments, 'num_segments')
        self.num_clips = check_positive_int(num_clips, 'num_clips')

    def transform(self, results: dict) -> dict:
        indices = segment_frame_indices(results['total_frames'],
                                        self.num_segments, self.num_clips)
        results['frame_inds'] = (indices.reshape(-1) +
                                 results.get('start_index', 0)).astype('int32')
        results['clip_len'] = 1
        results['frame_interval'] = 1
        results['num_clips'] = self.num_clips * self.num_segments
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_segments={self.num_segments}, '
                f'num_clips={self.num_clips})')
