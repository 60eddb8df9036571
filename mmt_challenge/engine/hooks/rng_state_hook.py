"""Random states in checkpoints, so that a resumed run continues exactly."""
import logging
import random
from typing import Optional

import numpy as np
import torch
from mmaction.registry import HOOKS
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log

from ...datasets.sample_seeding import KeyedSampler

__all__ = ['RNGStateHook', 'get_rng_state', 'set_rng_state']

CHECKPOINT_KEY = 'rng_state'


def get_rng_state() -> dict:
    """The states of this process's random number generators.

    Returns:
        dict: ``python`` (list), ``numpy`` (the legacy global generator's
        state, its key as an int64 Tensor [624]), ``torch`` (ByteTensor) and,
        with CUDA initialised, ``cuda`` (list of ByteTensor, one per device).
        Only tensors and Python scalars, so that ``torch.load`` with
        ``weights_only=True`` reads it back.
    """
    version, internal, gauss_next = random.getstate()
    name, key, pos, has_gauss, cached = np.random.get_state()
    state = dict(
        python=[version, list(internal), gauss_next],
        numpy=[
            name,
            torch.from_numpy(key.astype(np.int64)),
            int(pos),
            int(has_gauss),
            float(cached)
        ],
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore states returned by :func:`get_rng_state`.

    Args:
        state (dict): ``python``, ``numpy``, ``torch`` and optionally
            ``cuda`` states, as :func:`get_rng_state` returns them.
    """
    missing = {'python', 'numpy', 'torch'} - set(state)
    if missing:
        raise KeyError(f'random state without {sorted(missing)}')
    version, internal, gauss_next = state['python']
    random.setstate((version, tuple(internal), gauss_next))
    name, key, pos, has_gauss, cached = state['numpy']
    np.random.set_state(
        (name, key.cpu().numpy().astype(np.uint32), pos, has_gauss, cached))
    # mmengine loads a resumed checkpoint onto the training device; the
    # generators take their states on the CPU.
    torch.set_rng_state(state['torch'].cpu())
    if 'cuda' in state and torch.cuda.is_available():
        for device, cuda_state in enumerate(
                state['cuda'][:torch.cuda.device_count()]):
            torch.cuda.set_rng_state(cuda_state.cpu(), device)


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save the random states in checkpoints and restore them on resume.

    mmengine's resume restores weights, optimizer, schedulers and the
    sampler's order, but seeds the random number generators afresh, so the
    data pipeline (numpy, ``random``) and the model's own randomness (torch:
    dropout) of a resumed run drift away from those of an uninterrupted run
    with the same seed. This hook stores every rank's python, numpy, torch
    (and CUDA) states in each checkpoint under ``'rng_state'`` and, when a
    training resumes from such a checkpoint, gives each rank its states back
    just before the training loop starts. A checkpoint loaded only for its
    weights (``load_from``, testing) leaves the states alone.

    Validation leaves the random states as it found them, and a checkpoint
    written during validation (the best one) stores the states from before
    it, so an uninterrupted run and a run resumed from any of its
    checkpoints draw the same random numbers.

    mmengine writes checkpoints on rank 0 only, so in distributed runs the
    ranks share their states after every training iteration and before
    validation (an ``all_gather_object`` of about 10 kB).

    With workers, the dataloader processes' own random states are in no
    checkpoint, so before training the hook keys the training sampler
    (:class:`~mmt_challenge.datasets.sample_seeding.KeyedSampler`): each
    sample's augmentation is drawn from generators seeded by the run's
    seed, the rank, the epoch and the sample's position in the epoch's
    order, whichever worker draws it. The dataloader also gets its own
    generator for its workers' base seeds, so that starting persistent
    workers at another epoch (as a resumed run does) leaves the main
    process's torch stream alone. This needs a dataset that accepts the
    keys (``accepts_sample_keys``, e.g. ``MultiLabelVideoDataset``);
    with another dataset and workers, a warning says that the augmentation
    will not resume exactly.

    Resumption is then exact (deterministic mode, same number of ranks)
    for epoch-based loops with any number of dataloader workers,
    persistent or not. Not covered: a different number of processes after
    the resume (the random states are per rank; the run is seeded afresh
    with a warning), and iteration-based loops are not tested.

    .. code-block:: python

        custom_hooks = [dict(type='RNGStateHook')]
    """

    # Before CheckpointHook ('VERY_LOW'), so that the states are shared
    # before it saves; no other default hook draws random numbers later in
    # `before_train`.
    priority = 'LOW'

    def __init__(self) -> None:
        self._loaded: Optional[list] = None
        self._train_states: Optional[list] = None
        self._before_val: Optional[dict] = None
        self._val_states: Optional[list] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store every rank's random states in ``checkpoint['rng_state']``.

        Args:
            runner (Runner): The runner.
            checkpoint (dict): The checkpoint being saved.
        """
        if self._before_val is not None:
            own, states = self._before_val, self._val_states
        else:
            own, states = get_rng_state(), self._train_states
        states = list(states or [own])
        states[get_rank() if len(states) > 1 else 0] = own
        checkpoint[CHECKPOINT_KEY] = states

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the loaded states until the training (if any) starts.

        Args:
            runner (Runner): The runner.
            checkpoint (dict): The loaded checkpoint.
        """
        self._loaded = checkpoint.get(CHECKPOINT_KEY)

    def before_train(self, runner) -> None:
        """Key the training samples; restore this rank's states when the
        training resumes mid-way."""
        _key_training_samples(runner)
        states, self._loaded = self._loaded, None
        if runner.iter == 0:
            return  # a fresh run, or weights loaded with `load_from`
        if states is None:
            print_log(
                'The checkpoint holds no random states (not written with '
                'RNGStateHook); the resumed run is seeded afresh.',
                logger='current',
                level=logging.WARNING)
            return
        if len(states) != get_world_size():
            print_log(
                f'The checkpoint holds the random states of {len(states)} '
                f'ranks, this run has {get_world_size()}; the resumed run is '
                'seeded afresh.',
                logger='current',
                level=logging.WARNING)
            return
        set_rng_state(states[get_rank()])
        print_log(
            f'Restored the random states of iteration {runner.iter}.',
            logger='current')

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        """Share the ranks' states (distributed runs only)."""
        self._train_states = _share(get_rng_state())

    def before_val(self, runner) -> None:
        """Remember (and share) the random states before a validation."""
        self._before_val = get_rng_state()
        self._val_states = _share(self._before_val)

    def after_val(self, runner) -> None:
        """Put the states back as they were before the validation."""
        if self._before_val is not None:
            state, self._before_val = self._before_val, None
            set_rng_state(state)


def _key_training_samples(runner) -> None:
    """Make the training dataloader yield :class:`SampleKey` s (see
    :class:`RNGStateHook`)."""
    loop = getattr(runner, 'train_loop', None)
    dataloader = getattr(loop, 'dataloader', None)
    dataset = getattr(dataloader, 'dataset', None)
    batch_sampler = getattr(dataloader, 'batch_sampler', None)
    if (not getattr(dataset, 'accepts_sample_keys', False)
            or not hasattr(batch_sampler, 'sampler')):
        if getattr(dataloader, 'num_workers', 0) > 0:
            print_log(
                f'{type(dataset).__name__} does not take per-sample seeds '
                '(accepts_sample_keys): with dataloader workers, a resumed '
                'run will not augment as an uninterrupted one',
                logger='current',
                level=logging.WARNING)
        return
    if isinstance(batch_sampler.sampler, KeyedSampler):
        return
    batch_sampler.sampler = KeyedSampler(
        batch_sampler.sampler, runner.seed, get_rank(),
        epoch=lambda: runner.epoch)
    # Worker base seeds from their own generator, not from the main
    # process's torch stream (which dropout continues after a resume).
    dataloader.generator = torch.Generator().manual_seed(runner.seed)


def _share(state: dict) -> Optional[list]:
    """Every rank's ``state`` in a distributed run, else None."""
    return all_gather_object(state) if get_world_size() > 1 else None
