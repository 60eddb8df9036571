"""Multi-scale dense testing: view sampling, the test loop, score files."""
from .dense_segment_sample_frames import DenseSegmentSampleFrames
from .dense_tester import DenseTester, DenseTestResult
from .inference_model import (MemoryFormatTemporalShift, fold_conv_bn,
                              prepare_inference_model)
from .protocol import DenseTestProtocol
from .runner import (DenseTestOutput, build_recognizer, checkpoint_sha256,
                     format_metrics, run_dense_test, score_metrics)
from .video_views import DecodedVideo, DenseTestVideos, decode_frames
from .view_sampling import (clip_frame_indices, crop_offsets, resize_frames,
                            resized_shape, segment_frame_indices, unique_clips)

__all__ = [
    'DenseSegmentSampleFrames', 'DenseTester', 'DenseTestResult',
    'MemoryFormatTemporalShift', 'fold_conv_bn', 'prepare_inference_model',
    'DenseTestProtocol', 'DenseTestOutput', 'build_recognizer',
    'checkpoint_sha256', 'format_metrics', 'run_dense_test', 'score_metrics',
    'DecodedVideo', 'DenseTestVideos', 'decode_frames', 'clip_frame_indices',
    'crop_offsets', 'resize_frames', 'resized_shape', 'segment_frame_indices',
    'unique_clips'
]
