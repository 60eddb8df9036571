"""Videos per second of the dense multi-scale test against MMAction2's loop.

Runs, in one process, on the first ``--num-videos`` videos of a list:

- **MMAction2 x scales**: MMAction2's own test loop (``Runner.from_cfg(cfg)
  .test()``) once per scale, each with a test pipeline giving the same views
  (``DenseSegmentSampleFrames`` or ``SampleFrames`` for the clips,
  ``Resize``, ``ThreeCrop`` / ``CenterCrop``), the config's test batch size
  and loader workers;
- **dense_test, no dedup**: :func:`mmt_challenge.testing.run_dense_test`
  (what ``tools/dense_test.py`` runs) scoring every view;
- **dense_test**: the same, scoring identical clips of a video once (the
  default).

Each timing covers everything a user waits for: building the model, loading
the checkpoint, decoding, the forward passes and the metrics (three Runners
for MMAction2). ``--repeats`` runs the three methods in turn that many times
and keeps the median, so that load on the machine hits all of them alike.
The crops span the short side at every scale (as the 2019 report's
image-based members, 256-pixel crops at scale 256), which MMAction2's
``ThreeCrop`` requires. The table also gives the largest difference between
MMAction2's and dense_test's per-scale probabilities (zero up to float
rounding for members whose head scores each view, TSM / TIN; TSN's head
averages features over the views before its classifier).

Example::

    OMP_NUM_THREADS=1 python benchmarks/bench_dense_test.py \\
        configs/mini/tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py \\
        --num-videos 16 --scales 48 56 64 --num-clips 10 --num-crops 3
"""
import argparse
import copy
import logging
import os.path as osp
import statistics
import tempfile
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.runner import Runner, save_checkpoint

import mmt_challenge  # noqa: F401  registers our modules, fixes mmaction
import mmt_challenge.testing  # noqa: F401  registers DenseSegmentSampleFrames
from mmt_challenge.datasets import read_list_file, write_list_file
from mmt_challenge.structures import import_mmaction_dump
from mmt_challenge.testing import (DenseTestProtocol, build_recognizer,
                                   run_dense_test)


def parse_args():
    parser = argparse.ArgumentParser(
        description='dense_test.py against MMAction2 Runner.test per scale')
    parser.add_argument('config')
    parser.add_argument(
        '--checkpoint',
        help='weights to test (default: the initial weights; timings do not '
        'depend on them)')
    parser.add_argument(
        '--ann', help='list file (default: the config\'s test list)')
    parser.add_argument('--num-videos', type=int, default=16)
    parser.add_argument('--scales', type=int, nargs='+', default=[48, 56, 64])
    parser.add_argument('--num-clips', type=int, default=10)
    parser.add_argument('--num-crops', type=int, default=3, choices=[1, 3])
    parser.add_argument('--repeats', type=int, default=1)
    parser.add_argument(
        '--work-dir', help='scratch directory (default: a temporary one)')
    return parser.parse_args()


def mmaction_pipeline(protocol, scale, base_pipeline):
    """The config's test pipeline, with the dense test's clips at ``scale``."""
    if protocol.sampling == 'segments':
        sample = dict(
            type='DenseSegmentSampleFrames',
            num_segments=protocol.clip_len,
            num_clips=protocol.num_clips)
    else:
        sample = dict(
            type='SampleFrames',
            clip_len=protocol.clip_len,
            frame_interval=protocol.frame_interval,
            num_clips=protocol.num_clips,
            test_mode=True)
    crop = dict(
        type='ThreeCrop' if protocol.num_crops == 3 else 'CenterCrop',
        crop_size=protocol.crop_size(scale))
    replace = dict(
        SampleFrames=sample,
        Resize=dict(type='Resize', scale=(-1, scale)),
        CenterCrop=crop,
        ThreeCrop=crop)
    return [replace.get(t['type'], copy.deepcopy(t)) for t in base_pipeline]


def time_mmaction(cfg, protocol, checkpoint, ann, work_dir):
    """Seconds for Runner.test once per scale; per-scale scores [N, S, C]."""
    pipeline = cfg.test_dataloader.dataset.pipeline
    scores = []
    start = time.perf_counter()
    for scale in protocol.scales:
        run_cfg = copy.deepcopy(cfg)
        run_cfg.work_dir = osp.join(work_dir, f'mmaction_{scale}')
        run_cfg.load_from = checkpoint
        run_cfg.log_level = 'WARNING'
        run_cfg.test_dataloader.dataset.ann_file = ann
        run_cfg.test_dataloader.dataset.pipeline = mmaction_pipeline(
            protocol, scale, pipeline)
        dump = osp.join(work_dir, f'mmaction_{scale}.pkl')
        evaluators = run_cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        run_cfg.test_evaluator = [
            *evaluators,
            dict(type='DumpResults', out_file_path=dump)
        ]
        Runner.from_cfg(run_cfg).test()
        scores.append(import_mmaction_dump(dump, ann_file=ann).scores[:, 0])
    seconds = time.perf_counter() - start
    return seconds, np.stack(scores, axis=1)


def time_dense(cfg, protocol, checkpoint, ann, deduplicate):
    start = time.perf_counter()
    output = run_dense_test(
        cfg,
        checkpoint,
        ann_file=ann,
        scales=protocol.scales,
        num_clips=protocol.num_clips,
        num_crops=protocol.num_crops,
        deduplicate=deduplicate,
        show_progress=False)
    return time.perf_counter() - start, output.score_file.scores


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    # crops spanning the short side, as ThreeCrop needs
    for transform in cfg.test_dataloader.dataset.pipeline:
        if transform['type'] in ('CenterCrop', 'ThreeCrop'):
            resize = [
                t for t in cfg.test_dataloader.dataset.pipeline
                if t['type'] == 'Resize'
            ][0]
            transform['crop_size'] = max(resize['scale'])
    protocol = DenseTestProtocol.from_config(
        cfg,
        scales=args.scales,
        num_clips=args.num_clips,
        num_crops=args.num_crops)
    MMLogger.get_current_instance().setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory() as tmp:
        work_dir = args.work_dir or tmp
        ann = osp.join(work_dir, 'bench_list.txt')
        records = read_list_file(
            args.ann or cfg.test_dataloader.dataset.ann_file,
            allow_unlabelled=True)[:args.num_videos]
        write_list_file(ann, records)
        checkpoint = args.checkpoint
        if checkpoint is None:
            checkpoint = osp.join(work_dir, 'initial_weights.pth')
            torch.manual_seed(0)
            save_checkpoint(
                {
                    'state_dict': build_recognizer(cfg,
                                                   device='cpu').state_dict()
                }, checkpoint)

        times = {'mmaction': [], 'dense_nodedup': [], 'dense': []}
        for _ in range(args.repeats):
            seconds, mm_scores = time_mmaction(cfg, protocol, checkpoint, ann,
                                               work_dir)
            times['mmaction'].append(seconds)
            seconds, nodedup_scores = time_dense(cfg, protocol, checkpoint,
                                                 ann, False)
            times['dense_nodedup'].append(seconds)
            seconds, dense_scores = time_dense(cfg, protocol, checkpoint, ann,
                                               True)
            times['dense'].append(seconds)

    num_videos = len(records)
    views = protocol.num_views * len(protocol.scales)
    print(
        f'\n{args.config}: {num_videos} videos, {protocol.num_clips} clips x '
        f'{protocol.num_crops} crops x scales {list(protocol.scales)} '
        f'(crops {[protocol.crop_size(s)[0] for s in protocol.scales]}) = '
        f'{views} views per video; torch threads {torch.get_num_threads()},'
        f' median of {args.repeats}')
    names = {
        'mmaction': 'MMAction2 Runner.test x scales',
        'dense_nodedup': 'dense_test, every view',
        'dense': 'dense_test',
    }
    base = statistics.median(times['mmaction'])
    print(f'{"method":<32}{"seconds":>9}{"videos/s":>10}{"ratio":>8}')
    for key, name in names.items():
        seconds = statistics.median(times[key])
        print(f'{name:<32}{seconds:>9.2f}{num_videos / seconds:>10.3f}'
              f'{base / seconds:>7.2f}x')
    for key, scores in (('dense_nodedup', nodedup_scores), ('dense',
                                                            dense_scores)):
        diff = np.abs(scores - mm_scores).max()
        print(f'max |{key} - MMAction2| over scores: {diff:.2e}')


if __name__ == '__main__':
    main()
