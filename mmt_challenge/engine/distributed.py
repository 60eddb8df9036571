"""Distributed runs on any device with mmengine 0.10.7.

mmengine's ``--launcher pytorch`` path calls ``torch.cuda.set_device`` and
wraps the model in DDP with ``device_ids=[LOCAL_RANK]`` unconditionally, so a
distributed run with a CPU-only torch fails twice. :func:`init_distributed`
initialises the process group (gloo without CUDA) before the Runner is built,
which makes the Runner skip its own CUDA-only initialisation, and
:class:`DeviceAgnosticDDP` drops ``device_ids`` for a module on the CPU.
:func:`finish_distributed` ends a run that finished: mmengine never destroys
the process group it uses.
"""
import os
from typing import Optional

import torch
import torch.distributed as dist
from mmengine.model import MMDistributedDataParallel
# The Runner looks wrappers up in mmengine's root registry, which does not
# search MMAction2's child registry, so the wrapper is registered at the root.
from mmengine.registry import MODEL_WRAPPERS

__all__ = ['DeviceAgnosticDDP', 'init_distributed', 'finish_distributed']


@MODEL_WRAPPERS.register_module()
class DeviceAgnosticDDP(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that also wraps CPU modules.

    Args:
        module (nn.Module): The model, already on its device.
        device_ids (list[int], optional): Devices for a CUDA module; ignored
            (set to None, as DDP requires) when the module is on the CPU.
            Defaults to None.
        **kwargs: Passed to ``MMDistributedDataParallel``.
    """

    def __init__(self, module, device_ids: Optional[list] = None, **kwargs):
        first_param = next(module.parameters(), None)
        if first_param is not None and first_param.device.type == 'cpu':
            device_ids = None
        super().__init__(module=module, device_ids=device_ids, **kwargs)


def init_distributed(launcher: str, backend: Optional[str] = None) -> None:
    """Initialise torch.distributed for ``launcher`` when CUDA is missing.

    With CUDA available nothing is done and mmengine initialises the process
    group itself (NCCL) as usual; without it, a ``pytorch`` (torchrun) launch
    gets a gloo process group from the ``env://`` variables torchrun sets.

    Args:
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
        backend (str, optional): Overrides the backend. Defaults to None
            (gloo without CUDA).
    """
    if launcher == 'none' or dist.is_initialized():
        return
    if torch.cuda.is_available() and backend is None:
        return
    if launcher != 'pytorch':
        raise ValueError(f'launcher {launcher!r} without CUDA is not '
                         "supported; use 'pytorch' (torchrun)")
    if 'RANK' not in os.environ:
        raise RuntimeError("--launcher pytorch needs torchrun's environment "
                           '(RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)')
    dist.init_process_group(backend=backend or 'gloo')


def finish_distributed() -> None:
    """Wait for every rank, then destroy the process group, if there is one.

    Call it when a distributed run has finished its work. Left to
    interpreter teardown, a gloo group aborted a rank that had finished
    ("terminate called without an active exception", about one two-process
    CPU training in three), which fails the whole torchrun job. Not
    registered with ``atexit``: after an exception on one rank, a barrier
    would wait for the others, which wait in their collectives for it.
    """
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
