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

``--search`` times the weight search instead, at the winners' scale: 13
members x 3 scales = 39 sources of synthetic scores (the generator above, kept
in memory), greedy selection + coordinate ascent fitted on all videos and
again in each of ``--folds`` folds (:func:`kfold_fit`). The plain search it
replaced (every evaluation fuses all 39 sources and scores the whole matrix)
takes the same path - the same number of evaluations - so its time is its
measured time per evaluation (median of ``--old-evals`` calls, at the fit's
and at a fold's size) times those counts; the plain search is also run in
full on a ``--check-videos`` problem to show that both return the same
weights. Target: fit + 5-fold under 30 s.

Example::

    OMP_NUM_THREADS=1 python benchmarks/bench_ensemble.py
    OMP_NUM_THREADS=1 python benchmarks/bench_ensemble.py --full --repeat 1
    OMP_NUM_THREADS=1 python benchmarks/bench_ensemble.py --search --members 13
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
    parser.add_argument('--search', action='store_true',
                        help='time the weight search (fit + k-fold) instead')
    parser.add_argument('--folds', type=int, default=5)
    parser.add_argument('--old-evals', type=int, default=10,
                        help='plain evaluations timed per size')
    parser.add_argument('--check-videos', type=int, default=1000,
                        help='videos of the problem on which both searches '
                             'run in full; 0 skips it')
    parser.add_argument('--worker', nargs=3, metavar=('MODE', 'DIR', 'WHAT'),
                        help=argparse.SUPPRESS)
    return parser.parse_args()


def synthetic_scores(num_members: int, num_scales: int, num_videos: int,
                     num_classes: int, seed: int):
    """Labels ``[N, C]`` bool and, per member, probabilities ``[N, S, C]``
    float32, made one member at a time."""
    rng = np.random.default_rng(seed)
    labels = np.zeros((num_videos, num_classes), dtype=bool)
    positives = rng.integers(1, 6, num_videos)  # M-MiT: about 3 a video
    for i, count in enumerate(positives):
        labels[i, rng.choice(num_classes, count, replace=False)] = True
    yield labels
    for m in range(num_members):
        # A member's errors are shared by its scales, plus a little noise of
        # each scale; stronger members get more signal.
        logits = rng.standard_normal(
            (num_videos, 1, num_classes), dtype=np.float32) + 0.3 * \
            rng.standard_normal((num_videos, num_scales, num_classes),
                                dtype=np.float32)
        logits += (0.8 + 0.1 * m) * labels[:, None, :] - 2.0
        yield rng, 1 / (1 + np.exp(-logits))


def make_data(directory: str, args) -> None:
    """Score files ``m{i}.npz`` and ``val_list.txt`` in ``directory``."""
    from mmt_challenge.structures import ScoreFile, make_meta, save_score_file

    video_ids = np.array([f'val/{i:06d}.mp4' for i in range(args.videos)])
    data = synthetic_scores(args.members, args.scales, args.videos,
                            args.classes, args.seed)
    labels = next(data)
    with open(osp.join(directory, 'val_list.txt'), 'w') as f:
        for video_id, row in zip(video_ids, labels):
            f.write(' '.join([video_id, *map(str, np.flatnonzero(row))]) +
                    '\n')
    scales = [128, 144, 160, 192, 224, 256][:args.scales]
    for m, (rng, probs) in enumerate(data):
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


def search_sources(args, num_videos: int) -> tuple:
    """``[M * S, N, C]`` float32 sources (every member scale) and labels."""
    data = synthetic_scores(args.members, args.scales, num_videos,
                            args.classes, args.seed)
    labels = next(data)
    values = np.concatenate(
        [probs.transpose(1, 0, 2) for _, probs in data]).astype(np.float32)
    return values, labels


def plain_search(values, labels, fusion):
    """The search as it was: greedy selection then coordinate ascent, every
    evaluation fusing all sources and scoring the whole matrix."""
    from mmt_challenge.ensemble import coordinate_ascent, greedy_selection
    from mmt_challenge.evaluation import sample_map

    def objective(weights):
        return sample_map(fusion.combine(values, weights), labels)

    weights = greedy_selection(objective, len(values))
    return coordinate_ascent(objective, weights, frozen=weights == 0)


def seconds_per_plain_evaluation(values, labels, fusion, count, seed):
    """Median time of ``count`` plain evaluations at random sparse weights."""
    from mmt_challenge.evaluation import sample_map

    rng = np.random.default_rng(seed)
    times = []
    for _ in range(count):
        weights = rng.random(len(values)) * (rng.random(len(values)) < 0.4)
        weights[rng.integers(len(values))] = 1
        start = time.perf_counter()
        sample_map(fusion.combine(values, weights), labels)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_search(args) -> None:
    import mmt_challenge  # noqa: F401
    from mmt_challenge.ensemble import build_fusion, fit_weights, kfold_fit
    from mmt_challenge.ensemble import weight_search

    fusion = build_fusion('weighted_mean')
    values, labels = search_sources(args, args.videos)
    print(f'{args.members} members x {args.scales} scales = {len(values)} '
          f'sources x {args.videos} videos x {args.classes} classes '
          f'(synthetic); greedy selection + coordinate ascent, '
          f'{args.folds}-fold; python {platform.python_version()}, numpy '
          f'{np.__version__}, {os.cpu_count()} CPUs\n')
    start = time.perf_counter()
    fit = fit_weights(values, labels, fusion=fusion, greedy=True)
    fit_seconds = time.perf_counter() - start
    fold_evals = []

    def counted_fit(*fit_args, **kwargs):
        result = fit_weights(*fit_args, **kwargs)
        fold_evals.append(result.num_evals)
        return result

    weight_search.fit_weights = counted_fit
    try:
        start = time.perf_counter()
        kfold_fit(values, labels, fusion=fusion, folds=args.folds,
                  greedy=True, progress=False)
        kfold_seconds = time.perf_counter() - start
    finally:
        weight_search.fit_weights = fit_weights
    per_eval = seconds_per_plain_evaluation(values, labels, fusion,
                                            args.old_evals, args.seed)
    train = np.arange(args.videos) % args.folds != 0
    per_fold_eval = seconds_per_plain_evaluation(
        values[:, train], labels[train], fusion, args.old_evals, args.seed)
    rows = [
        ('fit', fit.num_evals, fit_seconds, per_eval,
         fit.num_evals * per_eval),
        (f'{args.folds}-fold', sum(fold_evals), kfold_seconds, per_fold_eval,
         sum(fold_evals) * per_fold_eval),
    ]
    rows.append(('fit + k-fold', rows[0][1] + rows[1][1],
                 rows[0][2] + rows[1][2], float('nan'),
                 rows[0][4] + rows[1][4]))
    header = ['stage', 'evaluations', 'new s', 'plain ms / eval',
              'plain s (evals x ms)', 'speed-up']
    table = [[name, str(evals), f'{new:.1f}',
              '' if np.isnan(each) else f'{each * 1e3:.1f}', f'{old:.1f}',
              f'{old / new:.1f}x'] for name, evals, new, each, old in rows]
    widths = [max(len(h), *(len(r[i]) for r in table))
              for i, h in enumerate(header)]
    print('| ' + ' | '.join(h.ljust(w) for h, w in zip(header, widths)) +
          ' |')
    print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    for row in table:
        print('| ' + ' | '.join(c.ljust(w) for c, w in zip(row, widths)) +
              ' |')
    total = rows[2][2]
    print(f'\nfit + {args.folds}-fold: {total:.1f} s (target < 30 s: '
          f'{"yes" if total < 30 else "NO"})')
    if args.check_videos:
        values, labels = search_sources(args, args.check_videos)
        start = time.perf_counter()
        new = fit_weights(values, labels, fusion=fusion, greedy=True).weights
        new_seconds = time.perf_counter() - start
        start = time.perf_counter()
        old = plain_search(values, labels, fusion)
        old_seconds = time.perf_counter() - start
        print(f'{args.check_videos} videos, both searches in full: new '
              f'{new_seconds:.1f} s, plain {old_seconds:.1f} s '
              f'({old_seconds / new_seconds:.1f}x); same weights: '
              f'{"yes" if np.array_equal(new, old) else "NO"} '
              f'({np.count_nonzero(new)} non-zero)')


def main():
    args = parse_args()
    if args.worker:
        worker(*args.worker)
        return
    if args.search:
        bench_search(args)
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
