"""Pipeline edits for config files.

A variant that samples differently from its base (16 segments instead of 8,
a 44-frame clip instead of 32) changes one transform, ``SampleFrames``, in
each of its base's three pipelines. mmengine merges a child's dicts into its
base's but replaces lists whole, so without a helper each such config would
copy the pipelines or a private function that edits them. A config imports
this one after its ``_base_`` line (mmengine 0.10.7 then still parses it as
a plain-text config, not a lazy-import one)::

    _base_ = ['../_base_/models/tsm_r50.py', ...]
    from mmt_challenge.utils.config_pipelines import with_sample_frames

    num_segments = 16
    train_pipeline = with_sample_frames(
        _base_.train_pipeline, num_clips=num_segments)

Imported functions are not config values: mmengine drops them from the
parsed config.
"""
from typing import Any, List, Sequence

__all__ = ['with_sample_frames']

_SAMPLE_FRAMES_OPTIONS = frozenset({
    'clip_len', 'frame_interval', 'num_clips', 'temporal_jitter',
    'twice_sample', 'out_of_bound_opt', 'test_mode', 'keep_tail_frames',
    'target_fps'
})


def with_sample_frames(pipeline: Sequence[dict], **options: Any) -> List[dict]:
    """A copy of ``pipeline`` whose ``SampleFrames`` steps take ``options``.

    Args:
        pipeline (Sequence[dict]): Transform configs, as in a config's
            ``train_pipeline``.
        **options: ``SampleFrames`` arguments to set, e.g. ``num_clips=16``
            or ``clip_len=8, frame_interval=4``.

    Returns:
        list[dict]: The pipeline with every ``SampleFrames`` step updated;
        the other steps are the same objects.

    Raises:
        ValueError: No options, an option ``SampleFrames`` does not take, or
            a pipeline without a ``SampleFrames`` step.
    """
    if not options:
        raise ValueError('with_sample_frames needs at least one option, '
                         'e.g. num_clips=16')
    unknown = sorted(set(options) - _SAMPLE_FRAMES_OPTIONS)
    if unknown:
        raise ValueError(f'SampleFrames takes no option(s) {unknown}; known: '
                         f'{sorted(_SAMPLE_FRAMES_OPTIONS)}')
    kinds = [step.get('type') for step in pipeline]
    if 'SampleFrames' not in kinds:
        raise ValueError(f'the pipeline has no SampleFrames step: {kinds}')
    return [
        dict(step, **options) if step.get('type') == 'SampleFrames' else step
        for step in pipeline
    ]
