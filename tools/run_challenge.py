"""Any challenge in one command: ``python tools/run_challenge.py CHALLENGE``.

Runs the stages of a challenge config (``challenges/*.py``): data (list
files, class counts, optional re-encoding) -> train -> test (dense test of
val and test, class prior for undecodable test videos) -> ensemble (fit on
val with the honest k-fold estimate, apply to test) -> submit (write and
validate) -> report. A second run reuses what is finished; ``--stages``
runs some stages, ``--fresh`` starts over, ``--dry-run`` prints every
command in order, ``--jobs N`` runs N trainings (then dense tests) at once
on this machine. Distributed training and testing::

    python tools/run_challenge.py challenges/mmit2019.py \\
        --launcher pytorch --nproc-per-node 8 --nnodes 4 --node-rank 0 \\
        --master-addr node0
    python tools/run_challenge.py challenges/mmit2019.py \\
        --launcher slurm --partition gpu --gpus 32 --gpus-per-node 8
"""
import argparse

from mmengine.config import DictAction

import mmt_challenge  # noqa: F401  applies the stack workarounds
from mmt_challenge.apis import (STAGES, ChallengeRunner, Launch,
                                load_challenge)


def add_run_args(parser: argparse.ArgumentParser) -> None:
    """The options of a challenge run (shared with tools/mini_challenge.py)."""
    parser.add_argument(
        '--stages', nargs='+', choices=STAGES,
        help='run only these stages (default: all, in order)')
    parser.add_argument(
        '--fresh', action='store_true',
        help='delete the work dir (and a generated dataset) first')
    parser.add_argument(
        '--dry-run', action='store_true',
        help='print every command of every stage, in order, and exit')
    parser.add_argument(
        '--jobs', type=int,
        help='trainings (then dense tests) at once without a launcher, each '
        'with the threads of a lone run, its output in <work_dir>/logs '
        '(default: the challenge\'s jobs; 1 with a launcher)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override challenge settings, e.g. work_dir=work_dirs/x')
    launch = parser.add_argument_group('launcher of the train and test '
                                       'stages')
    launch.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm'], default='none',
        help='pytorch: torchrun; slurm: srun')
    launch.add_argument('--nproc-per-node', type=int, default=1,
                        help='torchrun: processes (GPUs) per node')
    launch.add_argument('--nnodes', type=int, default=1,
                        help='torchrun: number of nodes')
    launch.add_argument('--node-rank', type=int, default=0,
                        help='torchrun: rank of this node')
    launch.add_argument('--master-addr', default='127.0.0.1',
                        help='torchrun: address of node 0')
    launch.add_argument('--master-port', type=int, default=29500,
                        help='torchrun: port on node 0')
    launch.add_argument('--partition', help='slurm: partition (srun -p)')
    launch.add_argument('--gpus', type=int, default=8,
                        help='slurm: tasks (GPUs) in all')
    launch.add_argument('--gpus-per-node', type=int, default=8,
                        help='slurm: GPUs per node')
    launch.add_argument('--cpus-per-task', type=int, default=5,
                        help='slurm: CPUs per task')
    launch.add_argument('--srun-args', nargs='*', default=[],
                        help='slurm: further srun arguments; one starting '
                        'with "--" is attached with "=", e.g. '
                        '--srun-args=--time=48:00:00')


def launch_from_args(args: argparse.Namespace) -> Launch:
    return Launch(
        launcher=args.launcher,
        nproc_per_node=args.nproc_per_node,
        nnodes=args.nnodes,
        node_rank=args.node_rank,
        master_addr=args.master_addr,
        master_port=args.master_port,
        partition=args.partition,
        gpus=args.gpus,
        gpus_per_node=args.gpus_per_node,
        cpus_per_task=args.cpus_per_task,
        srun_args=tuple(args.srun_args))


def run(challenge_path: str, args: argparse.Namespace):
    """Load the challenge and run or print it as ``args`` say."""
    challenge = load_challenge(challenge_path, cfg_options=args.cfg_options)
    runner = ChallengeRunner(
        challenge, launch=launch_from_args(args), stages=args.stages,
        jobs=args.jobs)
    if args.dry_run:
        print('\n'.join(runner.dry_run()))
        return None
    return runner.run(fresh=args.fresh)


def parse_args():
    parser = argparse.ArgumentParser(description='Run a challenge end to end')
    parser.add_argument('challenge', help='challenge config (challenges/*.py)')
    add_run_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    run(args.challenge, args)


if __name__ == '__main__':
    main()
