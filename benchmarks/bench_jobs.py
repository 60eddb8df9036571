"""Trainings one after the other against several at once (``--jobs``).

Runs ``--copies`` identical short trainings of a mini member (seed 0, the
same data) as ``tools/run_challenge.py`` runs them without a launcher: in
children of its fork server, each with this process's thread count. First
one after the other, then all at once (waiting OpenMP threads sleeping, as
the runner sets them), then, for comparison, all at once with spinning
threads (``--spin``). Prints the wall time of each mode, its ratio to one
after the other, and whether every copy's weights equal the first lone
run's bit for bit.

Example (the mini challenge's 2D member, one epoch, two copies)::

    python benchmarks/bench_jobs.py \\
        configs/mini/tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py --copies 2
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args():
    parser = argparse.ArgumentParser(
        description='Trainings one after the other against at once')
    parser.add_argument('config', help='a mini member config')
    parser.add_argument('--copies', type=int, default=2)
    parser.add_argument('--epochs', type=int, default=1)
    parser.add_argument('--data', default='data/mini_mmit',
                        help='the mini M-MiT (generated when missing)')
    parser.add_argument('--spin', action='store_true',
                        help='also time the copies at once with spinning '
                        'OpenMP threads (OMP_WAIT_POLICY=ACTIVE)')
    parser.add_argument('--run-commands', help=argparse.SUPPRESS)
    parser.add_argument('--jobs', type=int, default=1, help=argparse.SUPPRESS)
    return parser.parse_args()


def _training(args, work_dir):
    data = args.data
    return [
        sys.executable, osp.join(REPO_ROOT, 'tools', 'train.py'), args.config,
        '--work-dir', work_dir, '--seed', '0', '--cfg-options',
        f'train_cfg.max_epochs={args.epochs}',
        f'train_cfg.val_interval={args.epochs}',
        *[f'{loader}_dataloader.dataset.{key}={value}'
          for loader, split in (('train', 'train'), ('val', 'val'),
                                ('test', 'val'))
          for key, value in (
              ('ann_file', f'{data}/mini_mmit_{split}_list_videos.txt'),
              ('data_prefix.video', f'{data}/videos'))]
    ]


def _weights(work_dir, epochs):
    return torch.load(osp.join(work_dir, f'epoch_{epochs}.pth'),
                      map_location='cpu', weights_only=False)['state_dict']


def _run_commands(path, jobs):
    """Inside the timed process: the commands of the JSON file ``path``,
    ``jobs`` at once, as the challenge runner runs them."""
    from mmt_challenge.apis.challenge_runner import run_command
    with open(path) as f:
        commands = json.load(f)
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(
            lambda argv: run_command(argv, log_file=argv[argv.index(
                '--work-dir') + 1] + '.log'), commands))


def _time_mode(args, root, name, at_once, wait_policy):
    """Wall seconds of the copies in this mode (in a process of its own,
    whose fork server starts with ``wait_policy``), and their work dirs."""
    work_dirs = [osp.join(root, f'{name}_{i}') for i in range(args.copies)]
    path = osp.join(root, f'{name}.json')
    with open(path, 'w') as f:
        json.dump([_training(args, w) for w in work_dirs], f)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, args.config, '--run-commands', path,
         '--jobs', str(args.copies if at_once else 1)],
        env={**os.environ, 'OMP_WAIT_POLICY': wait_policy}, check=True)
    return time.perf_counter() - start, work_dirs


def main():
    args = parse_args()
    if args.run_commands:
        _run_commands(args.run_commands, args.jobs)
        return
    if not osp.isfile(osp.join(args.data, 'classes.json')):
        subprocess.run([sys.executable, osp.join(REPO_ROOT, 'tools',
                                                 'make_mini_dataset.py'),
                        '--out', args.data], check=True)
    modes = [('one after the other', False, 'PASSIVE'),
             ('at once', True, 'PASSIVE')]
    if args.spin:
        modes.append(('at once, spinning threads', True, 'ACTIVE'))
    with tempfile.TemporaryDirectory() as root:
        rows = []
        for index, (name, at_once, policy) in enumerate(modes):
            seconds, work_dirs = _time_mode(args, root, f'mode{index}',
                                            at_once, policy)
            rows.append((name, seconds, work_dirs))
        reference = _weights(rows[0][2][0], args.epochs)
        print(f'{args.copies} x {osp.basename(args.config)}, '
              f'{args.epochs} epoch(s), {torch.get_num_threads()} threads '
              f'each, {os.cpu_count()} CPUs')
        print('| mode | wall s | ratio | weights as the first lone run |')
        print('|---|---|---|---|')
        for name, seconds, work_dirs in rows:
            same = all(
                all(torch.equal(reference[k], v)
                    for k, v in _weights(w, args.epochs).items())
                for w in work_dirs)
            print(f'| {name} | {seconds:.1f} | {seconds / rows[0][1]:.2f} | '
                  f'{"identical" if same else "DIFFERENT"} |')


if __name__ == '__main__':
    main()
