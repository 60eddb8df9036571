"""Fuse and score an M-MiT-sized ensemble: wall time and peak memory.

Writes ``--members`` random score files of ``--scales`` scales x
``--videos`` videos x ``--classes`` classes (float32, rows shuffled
differently in every file) and a labelled list file to a temporary
directory, then runs :func:`mmt_challenge.ensemble.run_ensemble` on them in a
fresh Python process per repetition, so that each measurement owns its
process:

* ``fuse + score``: read the list file and every score file, join the members
  on video id, fuse all scales of all members (weighted mean), and score the
  fused result (sample, macro and micro mAP) - ``detail=False``;
* ``full report`` (``--full``): the same plus every member scale and member
  scored, the 1000-replicate bootstrap interval and per-class AP, i.e. what
  ``tools/ensemble.py`` prints.

Time is the wall time of the ``run_ensemble`` call (imports excluded), median
and best of ``--repeat`` processes. Memory is the peak resident set size of
the process (``resource.getrusage``; imports of torch / MMAction2 included)
and that peak minus the resident set after the imports (``/proc/self/statm``,
Linux); one more process
measures the peak of Python and NumPy allocations with ``tracemalloc``. The
issue's target for ``fuse + score`` is under 5 s and under 2 GiB.

Example::

    OMP_NUM_THREADS=1 python benchmarks/bench_ensemble.py
    OMP_NUM_THREADS=1 python benchmarks/bench_ensemble.py --full --repeat 1
"""
import argparse
import json
import os
import os.path as osp
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

TARGET_SECONDS = 5.0
TARGET_BYTES = 2 * 1024**3


def parse_args():
    parser = argparse.ArgumentParser(
        description='time and memory of fusing and scoring an ensemble')
    parser.add_argument('--members', type=int, default=5)
    parser.add_argument('--scales', type=int, default=3)
    parser.add_argument('--videos', type=int, default=10000)
    parser.add_argument('--classes', type=int, default=313)
    parser.add_argument('--repeat', type=int, default=3,
                        help='processes per measurement')
    parser.add_argument('--full', action='store_true',
                        help='also time the full report')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--worker', nargs=3, metavar=('MODE', 'DIR', 'WHAT'),
                        help=argparse.SUPPRESS)
    return parser.parse_args()


def make_data(directory: str, args) -> None:
    """Score files ``m{i}.npz`` and ``val_list.txt`` in ``directory``."""
    from mmt_challenge.ensemble import ScoreFile, make_meta, save_score_file

    rng = np.random.default_rng(args.seed)
    video_ids = np.array([f'val/{i:06d}.mp4' for i in range(args.videos)])
    labels = np.zeros((args.videos, args.classes), dtype=bool)
    positives = rng.integers(1, 6, args.videos)  # M-MiT: about 3 a video
    for i, count in enumerate(positives):
        labels[i, rng.choice(args.classes, count, replace=False)] = True
    with open(osp.join(directory, 'val_list.txt'), 'w') as f:
        for video_id, row in zip(video_ids, labels):
            f.write(' '.join([video_id, *map(str, np.flatnonzero(row))]) +
                    '\n')
    scales = [128, 144, 160, 192, 224, 256][:args.scales]
    for m in range(args.members):
        # A member's errors are shared by its scales, plus a little noise of
        # each scale; stronger members get more signal.
        logits = rng.standard_normal(
            (args.videos, 1, args.classes), dtype=np.float32) + 0.3 * \
            rng.standard_normal((args.videos, args.scales, args.classes),
                                dtype=np.float32)
        logits += (0.8 + 0.1 * m) * labels[:, None, :] - 2.0
        probs = 1 / (1 + np.exp(-logits))
        order = rng.permutation(args.videos)
        save_score_file(
            osp.join(directory, f'm{m}.npz'),
            ScoreFile(video_ids=video_ids[order],
                      class_names=[f'class {c}' for c in range(args.classes)],
                      scores=probs[order], scales=scales, num_clips=10,
                      num_crops=3, meta=make_meta(tool='bench_ensemble')))


def worker(mode: str, directory: str, what: str) -> None:
    """Run one measurement and print it as JSON on the last line."""
    import resource
    import tracemalloc

    import mmt_challenge  # noqa: F401
    from mmt_challenge.ensemble import load_recipe, run_ensemble

    def maxrss() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def current_rss() -> int:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')

    members = sorted(f for f in os.listdir(directory) if f.endswith('.npz'))
    recipe = load_recipe(
        dict(
            members=[
                dict(name=osp.splitext(f)[0], score_file=osp.join(
                    directory, f)) for f in members
            ],
            fusion=dict(type='weighted_mean'),
            bootstrap=dict(num_samples=1000)))
    baseline = current_rss()
    if mode == 'trace':
        tracemalloc.start()
    start = time.perf_counter()
    result = run_ensemble(
        recipe,
        ann_file=osp.join(directory, 'val_list.txt'),
        detail=what == 'full',
        progress=False)
    seconds = time.perf_counter() - start
    record = dict(
        seconds=seconds,
        load=result.timings['load and join'],
        fuse=result.timings['fuse'],
        score=result.timings['score'],
        maxrss=maxrss(),
        baseline=baseline,
        sample_map=float(result.table.set_index('kind').loc['ensemble',
                                                            'sample_mAP']))
    if mode == 'trace':
        record['traced_peak'] = tracemalloc.get_traced_memory()[1]
    print(json.dumps(record))


def measure(mode: str, directory: str, what: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, '--worker', mode, directory, what],
        check=True, capture_output=True, text=True,
        env={**os.environ, 'OMP_NUM_THREADS': os.environ.get(
            'OMP_NUM_THREADS', '1')})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    args = parse_args()
    if args.worker:
        worker(*args.worker)
        return
    import mmt_challenge  # noqa: F401

    stages = ['fuse + score'] + (['full report'] if args.full else [])
    with tempfile.TemporaryDirectory(prefix='bench_ensemble_') as directory:
        start = time.perf_counter()
        make_data(directory, args)
        size = sum(
            osp.getsize(osp.join(directory, f)) for f in os.listdir(directory))
        print(f'{args.members} members x {args.scales} scales x '
              f'{args.videos} videos x {args.classes} classes: '
              f'{size / 2**20:.0f} MiB of score files written in '
              f'{time.perf_counter() - start:.1f} s')
        print(f'python {platform.python_version()}, numpy {np.__version__}, '
              f'{os.cpu_count()} CPUs, OMP_NUM_THREADS='
              f'{os.environ.get("OMP_NUM_THREADS", "unset")}, '
              f'repeat {args.repeat}\n')
        rows = []
        for stage in stages:
            what = 'full' if stage == 'full report' else 'core'
            runs = [measure('time', directory, what)
                    for _ in range(args.repeat)]
            traced = measure('trace', directory, what)
            seconds = [r['seconds'] for r in runs]
            peak = max(r['maxrss'] for r in runs)
            above = max(r['maxrss'] - r['baseline'] for r in runs)
            ok = ''
            if stage == 'fuse + score':
                ok = 'yes' if (statistics.median(seconds) < TARGET_SECONDS
                               and peak < TARGET_BYTES) else 'NO'
            rows.append([
                stage,
                f'{statistics.median([r["load"] for r in runs]):.2f}',
                f'{statistics.median([r["fuse"] for r in runs]):.2f}',
                f'{statistics.median([r["score"] for r in runs]):.2f}',
                f'{statistics.median(seconds):.2f}', f'{min(seconds):.2f}',
                f'{peak / 2**20:.0f}', f'{above / 2**20:.0f}',
                f'{traced["traced_peak"] / 2**20:.0f}',
                f'{runs[0]["sample_map"]:.4f}', ok
            ])
    header = [
        'stage', 'load+join s', 'fuse s', 'score s', 'total s (median)',
        'total s (best)', 'peak RSS MiB', 'RSS above imports MiB',
        'tracemalloc peak MiB', 'sample mAP', '< 5 s and < 2 GiB'
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows))
              for i, h in enumerate(header)]
    print(' | '.join(h.ljust(w) for h, w in zip(header, widths)))
    print('-|-'.join('-' * w for w in widths))
    for row in rows:
        print(' | '.join(c.ljust(w) for c, w in zip(row, widths)))


if __name__ == '__main__':
    main()
