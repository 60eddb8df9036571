"""Videos per second of the dense multi-scale test against MMAction2's loop.

Runs, in one process, on ``--num-videos`` videos (of a list, or generated
like M-MiT's with ``--generate``: 3 s at 30 fps, 340 x 256 pixels, so that
every one of the 10 clips is distinct):

- **mmaction**: MMAction2's own test loop (``Runner.from_cfg(cfg).test()``)
  once per scale, each with a test pipeline giving the same views
  (``DenseSegmentSampleFrames`` or ``SampleFrames`` for the clips,
  ``Resize``, ``ThreeCrop`` / ``CenterCrop``), the config's test batch size
  and loader workers;
- **plain**: :func:`mmt_challenge.testing.run_dense_test` with MMAction2's
  forward (the model as built, one video's views per batch): what decoding
  once and building one model give;
- **optimized_video_batches**: the test-time model copy (BatchNorms folded,
  channels_last, inference_mode), still one video's views per batch;
- **dense_nodedup**: the default (cache-sized batches on a CPU), scoring
  every view;
- **dense**: the default, scoring identical clips of a video once (the same
  as ``dense_nodedup`` when every clip is distinct).

Each timing covers everything a user waits for: building the model, loading
the checkpoint, decoding, the forward passes and the metrics (three Runners
for MMAction2). ``--repeats`` runs the methods in turn that many times and
keeps the median, so that load on the machine hits all of them alike. The
crops span the short side at every scale (as the 2019 report's image-based
members, 256-pixel crops at scale 256), which MMAction2's ``ThreeCrop``
requires. Without ``--checkpoint`` the weights are the initial ones with
random BatchNorm statistics and affine parameters (so that folding them
changes the weights). The table gives the largest difference between
MMAction2's and each method's per-scale probabilities, and the run fails
(exit status 1) when one exceeds ``--tolerance`` (1e-5) (members whose head
scores each view, TSM / TIN; TSN's head averages features over the views
before its classifier).

``--forward`` adds a table of the forward passes of ``--forward-views``
random views at the middle scale: MMAction2's model under ``no_grad``, all
views in one batch, then each test-time change added in turn (the last one
splits the views into the default CPU batches), with the largest
probability difference.

Examples (the second is the full-size member of the issue; heavy)::

    python benchmarks/bench_dense_test.py \\
        configs/mini/tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py --generate \\
        --num-videos 8 --scales 48 56 64 --num-clips 10 --num-crops 3 \\
        --methods mmaction plain dense --forward --forward-views 30

    nice -n 5 python benchmarks/bench_dense_test.py \\
        configs/tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py \\
        --generate --num-videos 1 --scales 224 256 288 --num-clips 10 \\
        --num-crops 3 --methods mmaction dense --forward --forward-views 1 \\
        --cfg-options model.backbone.pretrained=None \\
        model.backbone.pretrained2d=False
"""
import argparse
import copy
import logging
import os
import os.path as osp
import statistics
import sys
import tempfile
import time

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.logging import MMLogger
from mmengine.runner import Runner, save_checkpoint

import mmt_challenge  # noqa: F401  registers our modules, fixes mmaction
from mmt_challenge.datasets import (VideoAnnotation, read_list_file,
                                    write_list_file)
from mmt_challenge.datasets.generation import write_mp4v
from mmt_challenge.structures import import_mmaction_dump
from mmt_challenge.testing import (DenseTester, DenseTestProtocol,
                                   build_recognizer, run_dense_test)
from mmt_challenge.testing.inference_model import prepare_inference_model

METHODS = {
    'mmaction': 'MMAction2 Runner.test x scales',
    'plain': 'dense_test, MMAction2\'s forward',
    'optimized_video_batches': 'dense_test, optimized, video batches',
    'dense_nodedup': 'dense_test, every view',
    'dense': 'dense_test',
}


def parse_args():
    parser = argparse.ArgumentParser(
        description='dense_test.py against MMAction2 Runner.test per scale')
    parser.add_argument('config')
    parser.add_argument(
        '--checkpoint',
        help='weights to test (default: initial weights with random '
        'BatchNorm statistics; timings do not depend on them)')
    parser.add_argument(
        '--ann', help='list file (default: the config\'s test list)')
    parser.add_argument(
        '--generate',
        action='store_true',
        help='test generated M-MiT-like videos (3 s at 30 fps, 340 x 256) '
        'instead of a list')
    parser.add_argument('--num-videos', type=int, default=16)
    parser.add_argument('--scales', type=int, nargs='+', default=[48, 56, 64])
    parser.add_argument('--num-clips', type=int, default=10)
    parser.add_argument('--num-crops', type=int, default=3, choices=[1, 3])
    parser.add_argument(
        '--methods',
        nargs='+',
        choices=list(METHODS),
        default=list(METHODS),
        help='methods to time (mmaction is always run: the reference)')
    parser.add_argument('--repeats', type=int, default=1)
    parser.add_argument(
        '--forward',
        action='store_true',
        help='also time one forward pass per test-time change')
    parser.add_argument('--forward-views', type=int, default=3)
    parser.add_argument('--tolerance', type=float, default=1e-5)
    parser.add_argument(
        '--work-dir', help='scratch directory (default: a temporary one)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, help='config overrides')
    return parser.parse_args()


def generate_videos(root, num_videos, num_classes, seed=0):
    """M-MiT-like videos: 90 frames (3 s at 30 fps) of 340 x 256, a moving
    smooth texture; records with 1-3 random labels."""
    import cv2
    rng = np.random.default_rng(seed)
    records = []
    for i in range(num_videos):
        texture = cv2.resize(
            rng.integers(0, 256, (32, 48, 3), np.uint8), (680, 512))
        frames = np.stack([
            texture[128 + t // 2:384 + t // 2, 2 * t:2 * t + 340]
            for t in range(90)
        ])
        video_id = f'bench_{i:03d}.mp4'
        write_mp4v(osp.join(root, video_id), frames, 30)
        labels = rng.choice(num_classes, rng.integers(1, 4), replace=False)
        records.append(VideoAnnotation(video_id, tuple(sorted(labels))))
    return records


def random_bn_checkpoint(cfg, path, seed=0):
    """Initial weights with random BatchNorm statistics and affine terms."""
    torch.manual_seed(seed)
    model = build_recognizer(cfg, device='cpu')
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0, 0.1)
                module.running_mean.normal_(0, 0.1)
                module.running_var.uniform_(0.5, 1.5)
    save_checkpoint({'state_dict': model.state_dict()}, path)


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


def time_dense(method, cfg, protocol, checkpoint, ann):
    options = dict(
        plain=dict(optimize=False, batch_views=protocol.num_views),
        optimized_video_batches=dict(batch_views=protocol.num_views),
        dense_nodedup=dict(deduplicate=False),
        dense=dict())[method]
    start = time.perf_counter()
    output = run_dense_test(
        cfg,
        checkpoint,
        ann_file=ann,
        scales=protocol.scales,
        num_clips=protocol.num_clips,
        num_crops=protocol.num_crops,
        show_progress=False,
        **options)
    return time.perf_counter() - start, output.score_file.scores


def forward_table(cfg, checkpoint, protocol, num_views, repeats=3):
    """Seconds of one forward pass of ``num_views`` random views at the
    middle scale (best of ``repeats``), for each test-time change added in
    turn."""
    from mmengine.runner.checkpoint import load_checkpoint
    model = build_recognizer(cfg, device='cpu')
    load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
    scale = protocol.scales[len(protocol.scales) // 2]
    width, height = protocol.crop_size(scale)
    frames = protocol.clip_len
    generator = torch.Generator().manual_seed(0)
    views = torch.randint(
        0, 256, (num_views, frames, 3, height, width),
        generator=generator,
        dtype=torch.uint8)
    if protocol.input_format != 'NCHW':
        views = views.permute(0, 2, 1, 3, 4).unsqueeze(1)

    def forward(net, batch=num_views):
        probs = []
        for chunk in views.split(batch):
            data = net.data_preprocessor(
                dict(inputs=list(chunk.unbind(0)), data_samples=None), False)
            feats, kwargs = net.extract_feat(data['inputs'], test_mode=True)
            probs.append(net.cls_head(feats, **kwargs).sigmoid())
        return torch.cat(probs)

    optimized = prepare_inference_model(model)
    batch = DenseTester(
        model, protocol, optimize=False).views_per_batch(scale)
    variants = [
        ('MMAction2\'s model, no_grad', model, torch.no_grad, num_views),
        ('+ inference_mode', model, torch.inference_mode, num_views),
        ('+ BatchNorms folded',
         prepare_inference_model(model, channels_last=False),
         torch.inference_mode, num_views),
        ('+ channels_last, layout-keeping shift', optimized,
         torch.inference_mode, num_views),
        (f'+ batches of {batch} view(s)', optimized, torch.inference_mode,
         batch),
    ]
    rows, reference = [], None
    for name, net, context, size in variants:
        with context():
            forward(net, size)  # warm-up
            seconds = []
            for _ in range(repeats):
                start = time.perf_counter()
                probs = forward(net, size)
                seconds.append(time.perf_counter() - start)
            seconds = min(seconds)
        if reference is None:
            reference = probs
        rows.append((name, seconds, (probs - reference).abs().max().item()))
    print(f'\nForward passes of {num_views} random views ({frames} frames, '
          f'{width} x {height}) at scale {scale}, best of {repeats}:')
    print(f'{"model":<40}{"seconds":>9}{"speed-up":>10}{"max |dp|":>10}')
    for name, seconds, diff in rows:
        print(f'{name:<40}{seconds:>9.3f}{rows[0][1] / seconds:>9.2f}x'
              f'{diff:>10.1e}')


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    # crops spanning the short side, as ThreeCrop needs
    for transform in cfg.test_dataloader.dataset.pipeline:
        if transform['type'] in ('CenterCrop', 'ThreeCrop'):
            resize = [
                t for t in cfg.test_dataloader.dataset.pipeline
                if t['type'] == 'Resize'
            ][0]
            transform['crop_size'] = max(resize['scale'])
    cfg.pop('dense_test_cfg', None)
    protocol = DenseTestProtocol.from_config(
        cfg,
        scales=args.scales,
        num_clips=args.num_clips,
        num_crops=args.num_crops)
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    methods = [m for m in METHODS if m == 'mmaction' or m in args.methods]

    with tempfile.TemporaryDirectory() as tmp:
        work_dir = args.work_dir or tmp
        os.makedirs(work_dir, exist_ok=True)
        ann = osp.join(work_dir, 'bench_list.txt')
        if args.generate:
            video_root = osp.join(work_dir, 'videos')
            os.makedirs(video_root, exist_ok=True)
            records = generate_videos(video_root, args.num_videos,
                                      cfg.model.cls_head.num_classes)
            cfg.test_dataloader.dataset.data_prefix = dict(video=video_root)
        else:
            records = read_list_file(
                args.ann or cfg.test_dataloader.dataset.ann_file,
                allow_unlabelled=True)[:args.num_videos]
        write_list_file(ann, records)
        checkpoint = args.checkpoint
        if checkpoint is None:
            checkpoint = osp.join(work_dir, 'initial_weights.pth')
            random_bn_checkpoint(cfg, checkpoint)

        times = {m: [] for m in methods}
        scores = {}
        for _ in range(args.repeats):
            seconds, scores['mmaction'] = time_mmaction(
                cfg, protocol, checkpoint, ann, work_dir)
            times['mmaction'].append(seconds)
            for method in methods[1:]:
                seconds, scores[method] = time_dense(method, cfg, protocol,
                                                     checkpoint, ann)
                times[method].append(seconds)
        if args.forward:
            forward_table(cfg, checkpoint, protocol, args.forward_views)

    num_videos = len(records)
    views = protocol.num_views * len(protocol.scales)
    print(
        f'\n{args.config}: {num_videos} videos, {protocol.num_clips} clips x '
        f'{protocol.num_crops} crops x scales {list(protocol.scales)} '
        f'(crops {[protocol.crop_size(s)[0] for s in protocol.scales]}) = '
        f'{views} views per video; torch threads {torch.get_num_threads()},'
        f' median of {args.repeats}')
    base = statistics.median(times['mmaction'])
    print(f'{"method":<40}{"seconds":>9}{"videos/s":>10}{"ratio":>8}'
          f'{"max |dp|":>10}')
    failed = []
    for method in methods:
        seconds = statistics.median(times[method])
        diff = float(np.abs(scores[method] - scores['mmaction']).max())
        if diff > args.tolerance:
            failed.append(method)
        print(f'{METHODS[method]:<40}{seconds:>9.2f}'
              f'{num_videos / seconds:>10.3f}{base / seconds:>7.2f}x'
              f'{diff:>10.1e}')
    if failed:
        print(f'FAILED: {failed} differ from MMAction2 by more than '
              f'{args.tolerance:g}')
        sys.exit(1)
    print(f'every method equals MMAction2 to {args.tolerance:g}')


if __name__ == '__main__':
    main()
