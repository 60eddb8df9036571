"""How a challenge starts the processes of its trainings and dense tests:
the launchers users already have, torchrun and Slurm's srun."""
from dataclasses import dataclass
from typing import List, Optional, Sequence

__all__ = ['Launch']


@dataclass(frozen=True)
class Launch:
    """How the train and test stages start their processes.

    Args:
        launcher (str): ``'none'``, ``'pytorch'`` (torchrun) or ``'slurm'``
            (srun). Defaults to ``'none'``.
        nproc_per_node (int): torchrun's processes per node. Defaults to 1.
        nnodes (int): torchrun's nodes. Defaults to 1.
        node_rank (int): torchrun's rank of this node. Defaults to 0.
        master_addr (str): Defaults to ``'127.0.0.1'``.
        master_port (int): Defaults to 29500.
        partition (str, optional): Slurm partition (``srun -p``).
        gpus (int): Slurm tasks in all (one per GPU). Defaults to 8.
        gpus_per_node (int): Defaults to 8.
        cpus_per_task (int): Defaults to 5.
        srun_args (tuple[str]): Further ``srun`` arguments. Defaults to ().
    """
    launcher: str = 'none'
    nproc_per_node: int = 1
    nnodes: int = 1
    node_rank: int = 0
    master_addr: str = '127.0.0.1'
    master_port: int = 29500
    partition: Optional[str] = None
    gpus: int = 8
    gpus_per_node: int = 8
    cpus_per_task: int = 5
    srun_args: Sequence[str] = ()

    def __post_init__(self):
        if self.launcher not in ('none', 'pytorch', 'slurm'):
            raise ValueError(f"launcher must be 'none', 'pytorch' or "
                             f"'slurm', got {self.launcher!r}")
        if self.launcher == 'slurm' and not self.partition:
            raise ValueError('--launcher slurm needs --partition')

    @property
    def main_node(self) -> bool:
        """Whether this runner does the light steps: every torchrun node
        runs the trainings and tests, node 0 alone the rest."""
        return self.launcher != 'pytorch' or self.node_rank == 0

    def prefix(self, job_name: str) -> List[str]:
        """What comes before ``tools/<tool>.py`` in a distributed step."""
        if self.launcher == 'pytorch':
            return [
                'python', '-m', 'torch.distributed.run',
                f'--nnodes={self.nnodes}', f'--node-rank={self.node_rank}',
                f'--nproc-per-node={self.nproc_per_node}',
                f'--master-addr={self.master_addr}',
                f'--master-port={self.master_port}'
            ]
        if self.launcher == 'slurm':
            return [
                'srun', '-p', self.partition, f'--job-name={job_name}',
                f'--gres=gpu:{self.gpus_per_node}', f'--ntasks={self.gpus}',
                f'--ntasks-per-node={self.gpus_per_node}',
                f'--cpus-per-task={self.cpus_per_task}',
                '--kill-on-bad-exit=1', *self.srun_args, 'python', '-u'
            ]
        return ['python']
