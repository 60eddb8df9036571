"""Dense-test a member end to end: config + checkpoint -> score file + mAP.

:func:`run_dense_test` is what ``tools/dense_test.py`` calls: it builds the
member from its config, loads the checkpoint, reads the test list, runs
:class:`~.dense_tester.DenseTester` (on every rank of a distributed run),
writes the score file (:mod:`mmt_challenge.ensemble.score_file`) on rank 0
and, when the list has labels, computes sample / macro / micro mAP per scale
and for all scales fused (the mean of the scales' probabilities).
"""
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dist import get_world_size, is_main_process
from mmengine.logging import print_log
from mmengine.registry import init_default_scope

from ..datasets import labels_to_multi_hot, read_label_map, read_list_file
from ..engine.checkpoint import load_fitting_checkpoint
from ..evaluation import map_metrics
from ..structures import ScoreFile, make_meta, save_score_file
from .dense_tester import DenseTester
from .protocol import DenseTestProtocol

__all__ = [
    'DenseTestOutput', 'build_recognizer', 'checkpoint_sha256',
    'score_metrics', 'format_metrics', 'run_dense_test'
]


@dataclass
class DenseTestOutput:
    """The result of :func:`run_dense_test`.

    Args:
        score_file (ScoreFile): The scores, as written.
        metrics (dict[str, dict[str, float]]): ``{scale or 'fused':
            {'sample_mAP', 'macro_mAP', 'micro_mAP'}}``; empty when the list
            has no labels.
        unreadable (dict[str, str]): Video id -> error of the videos that
            could not be decoded.
    """
    score_file: ScoreFile
    metrics: Dict[str, Dict[str, float]] = field(default_factory=dict)
    unreadable: Dict[str, str] = field(default_factory=dict)


def checkpoint_sha256(path: str, length: int = 8) -> str:
    """The first ``length`` hex digits of a file's SHA-256 (as the suffix of
    OpenMMLab's published checkpoints)."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()[:length]


def build_recognizer(cfg: Config,
                     checkpoint: Optional[str] = None,
                     device: Optional[str] = None) -> torch.nn.Module:
    """Build ``cfg.model`` in eval mode and load a checkpoint into it.

    Args:
        cfg (Config): The member's config.
        checkpoint (str, optional): mmengine checkpoint (weights-only loading
            works with mmengine's own checkpoints after ``import
            mmt_challenge``). Defaults to None (initial weights).
        device (str, optional): Defaults to None (CUDA if available, on the
            current device, else CPU).

    Returns:
        torch.nn.Module: The recognizer, with its ``data_preprocessor``.
    """
    import mmt_challenge  # noqa: F401  registers members, fixes the stack
    from mmaction.registry import MODELS
    from mmengine.model import revert_sync_batchnorm

    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        load_fitting_checkpoint(
            model, checkpoint, config_name=getattr(cfg, 'filename', None))
    model = revert_sync_batchnorm(model)  # SyncBN needs a process group
    if device is None:
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
    return model.to(device).eval()


def score_metrics(scores: np.ndarray, labels: np.ndarray,
                  scales: Sequence[int]) -> Dict[str, Dict[str, float]]:
    """Sample / macro / micro mAP per scale and for all scales fused.

    Args:
        scores (np.ndarray): ``[N, S, C]`` probabilities.
        labels (np.ndarray): ``[N, C]`` multi-hot.
        scales (Sequence[int]): ``[S]`` the scales, for the keys.

    Returns:
        dict[str, dict[str, float]]: Keys ``str(scale)`` for each scale, then
        ``'fused'`` (the mean over scales).
    """
    scores = np.asarray(scores)
    if scores.ndim != 3 or scores.shape[1] != len(scales):
        raise ValueError(f'scores must be [N, S={len(scales)}, C], got '
                         f'{scores.shape}')
    columns = {str(s): scores[:, i] for i, s in enumerate(scales)}
    columns['fused'] = scores.mean(axis=1, dtype=np.float64)
    return {name: map_metrics(values, labels)
            for name, values in columns.items()}


def format_metrics(metrics: Dict[str, Dict[str, float]]) -> str:
    """The metrics as a fixed-width table, one row per scale and fused."""
    names = ('sample_mAP', 'macro_mAP', 'micro_mAP')
    lines = [f'{"scale":>7}' + ''.join(f'{n:>12}' for n in names)]
    for scale, values in metrics.items():
        lines.append(f'{scale:>7}' + ''.join(f'{values[n]:>12.4f}'
                                             for n in names))
    return '\n'.join(lines)


def _default(value: Any, fallback: Any) -> Any:
    return fallback if value is None else value


def run_dense_test(cfg: Config,
                   checkpoint: str,
                   *,
                   out: Optional[str] = None,
                   config_path: Optional[str] = None,
                   ann_file: Optional[str] = None,
                   video_root: Optional[str] = None,
                   scales: Optional[Sequence[int]] = None,
                   num_clips: Optional[int] = None,
                   num_crops: Optional[int] = None,
                   batch_views: Optional[int] = None,
                   keep_views: bool = False,
                   num_workers: Optional[int] = None,
                   label_map: Optional[str] = None,
                   deduplicate: bool = True,
                   optimize: bool = True,
                   amp: Optional[str] = None,
                   show_progress: bool = True) -> DenseTestOutput:
    """Dense multi-scale test of one member.

    Run it on every rank of a distributed job (the process group already
    initialised): the videos are sharded and gathered, rank 0 writes ``out``.

    Args:
        cfg (Config): The member's config.
        checkpoint (str): Its checkpoint.
        out (str, optional): The ``.npz`` score file to write. Defaults to
            None (nothing written).
        config_path (str, optional): The config file, for the provenance.
            Defaults to None (``cfg.filename``).
        ann_file (str, optional): The list file to test. Defaults to None
            (the config's ``test_dataloader.dataset.ann_file``).
        video_root (str, optional): Defaults to None (the config's
            ``test_dataloader.dataset.data_prefix.video``).
        scales (Sequence[int], optional): Short-side scales. Defaults to None
            (the config's, see :class:`DenseTestProtocol`).
        num_clips (int, optional): Defaults to None (the config's).
        num_crops (int, optional): 1 or 3. Defaults to None (the config's).
        batch_views (int, optional): Views per forward pass. Defaults to None
            (one video's views at one scale).
        keep_views (bool): Store every view's probabilities in the score
            file. Defaults to False.
        num_workers (int, optional): Decoding processes. Defaults to None
            (the config's ``test_dataloader.num_workers``).
        label_map (str, optional): Class names, one per line. Defaults to
            None (``'0'``, ``'1'``, ... as for MMAction2 dumps).
        deduplicate (bool): Score identical clips once. Defaults to True.
        optimize (bool): Test a copy with BatchNorms folded, channels_last
            (same scores up to float rounding; see :class:`DenseTester`).
            Defaults to True.
        amp (str, optional): ``'fp16'`` / ``'bf16'`` autocast (CUDA; only
            bf16 on a CPU). Defaults to None (float32).
        show_progress (bool): Progress bar. Defaults to True.

    Returns:
        DenseTestOutput: On every rank.
    """
    if out is not None and not out.endswith('.npz'):
        raise ValueError(f'score files are .npz archives, got --out {out!r}')
    dataset_cfg = cfg.test_dataloader.dataset
    ann_file = _default(ann_file, dataset_cfg.get('ann_file'))
    data_prefix = dataset_cfg.get('data_prefix') or {}
    video_root = _default(video_root, data_prefix.get('video'))
    if not ann_file:
        raise ValueError('no test list: pass ann_file or set '
                         'test_dataloader.dataset.ann_file')
    protocol = DenseTestProtocol.from_config(
        cfg, scales=scales, num_clips=num_clips, num_crops=num_crops)
    num_classes = cfg.model.get('cls_head', {}).get('num_classes')
    records = read_list_file(
        ann_file, num_classes=num_classes, allow_unlabelled=True)
    if not records:
        raise ValueError(f'{ann_file} lists no videos')

    model = build_recognizer(cfg, checkpoint)
    tester = DenseTester(
        model,
        protocol,
        batch_views=batch_views,
        keep_views=keep_views,
        num_workers=_default(num_workers,
                             cfg.test_dataloader.get('num_workers', 0)),
        deduplicate=deduplicate,
        optimize=optimize,
        amp=amp,
        show_progress=show_progress)
    crops = [protocol.crop_size(s) for s in protocol.scales]
    print_log(
        f'Dense test of {len(records)} videos of {ann_file} on '
        f'{get_world_size()} process(es): {protocol.num_clips} clips x '
        f'{protocol.num_crops} crops at scales {list(protocol.scales)} '
        f'(crops w x h {crops})',
        logger='current')
    result = tester.test([r.video_id for r in records], video_root or '')
    if result.unreadable:
        print_log(
            f'{len(result.unreadable)} of {len(records)} videos could not be '
            f'decoded and have no score row: '
            f'{sorted(result.unreadable)[:10]}',
            logger='current',
            level=logging.WARNING)
    if not result.video_ids:
        raise RuntimeError(f'none of the {len(records)} videos of {ann_file} '
                           'could be decoded')

    num_classes = result.scores.shape[-1]
    class_names = (
        read_label_map(label_map)
        if label_map is not None else [str(c) for c in range(num_classes)])
    if len(class_names) != num_classes:
        raise ValueError(f'{label_map} names {len(class_names)} classes but '
                         f'the model scores {num_classes}')
    config_path = _default(config_path, getattr(cfg, 'filename', None))
    score_file = ScoreFile(
        video_ids=np.asarray(result.video_ids, dtype=str),
        class_names=np.asarray(class_names, dtype=str),
        scores=result.scores,
        scales=np.asarray(protocol.scales),
        num_clips=protocol.num_clips,
        num_crops=protocol.num_crops,
        view_scores=result.view_scores,
        meta=make_meta(
            config=config_path,
            checkpoint=checkpoint,
            checkpoint_sha256=checkpoint_sha256(checkpoint),
            tool='tools/dense_test.py',
            ann_file=ann_file,
            protocol=protocol.to_dict(),
            amp=amp,
            unreadable_videos=sorted(result.unreadable)))
    if out is not None and is_main_process():
        save_score_file(out, score_file)
        print_log(f'Wrote {out}', logger='current')

    metrics = {}
    by_id = {r.video_id: r for r in records}
    scored = [by_id[v] for v in result.video_ids]
    if all(r.labels for r in records):
        labels = labels_to_multi_hot(scored, num_classes)
        metrics = score_metrics(result.scores, labels, protocol.scales)
        print_log(
            'Dense test mAP on the scored videos:\n' + format_metrics(metrics),
            logger='current')
    elif any(r.labels for r in records):
        print_log(
            f'{ann_file} labels only some videos: no mAP computed',
            logger='current',
            level=logging.WARNING)
    return DenseTestOutput(score_file, metrics, dict(result.unreadable))
