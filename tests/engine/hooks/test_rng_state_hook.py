"""RNGStateHook: random states saved in checkpoints, restored on resume."""
import random
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.registry import HOOKS

from mmt_challenge.engine import RNGStateHook
from mmt_challenge.engine.hooks import get_rng_state, set_rng_state


def _draws() -> tuple:
    return (random.random(), float(np.random.rand()), np.random.randn(),
            float(torch.rand(1)))


def _runner(iteration: int = 0) -> SimpleNamespace:
    return SimpleNamespace(iter=iteration)


def test_state_round_trip_repeats_the_draws():
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)
    np.random.randn()  # leaves a cached Gaussian in numpy's state
    state = get_rng_state()
    first = _draws()
    _draws()
    set_rng_state(state)
    assert _draws() == first


def test_state_survives_weights_only_loading(tmp_path):
    state = get_rng_state()
    torch.save(dict(rng_state=[state]), tmp_path / 'ckpt.pth')
    loaded = torch.load(tmp_path / 'ckpt.pth', weights_only=True)
    first = _draws()
    set_rng_state(loaded['rng_state'][0])
    assert _draws() == first


def test_set_rng_state_names_what_is_missing():
    with pytest.raises(KeyError, match=r"\['numpy'\]"):
        set_rng_state(dict(python=None, torch=None))


# The Runner builds custom hooks from mmengine's root registry, under the
# configs' default scope 'mmaction'.
@pytest.mark.parametrize(
    'make_hook', [RNGStateHook, lambda: HOOKS.build(dict(type='RNGStateHook'))],
    ids=['class', 'registry'])
def test_resumed_training_continues_the_saved_states(make_hook):
    hook, checkpoint = make_hook(), {}
    hook.before_save_checkpoint(_runner(), checkpoint)
    expected = _draws()
    hook.after_load_checkpoint(_runner(), checkpoint)
    hook.before_train(_runner(iteration=8))
    assert _draws() == expected


@pytest.mark.parametrize('checkpoint', [{}, None])
def test_fresh_run_and_foreign_checkpoint_leave_states_alone(checkpoint):
    hook, saved = RNGStateHook(), {}
    hook.before_save_checkpoint(_runner(), saved)
    _draws()
    if checkpoint is None:  # `load_from`: training starts at iteration 0
        hook.after_load_checkpoint(_runner(), saved)
        hook.before_train(_runner(iteration=0))
    else:  # a checkpoint written without the hook
        hook.after_load_checkpoint(_runner(), checkpoint)
        hook.before_train(_runner(iteration=8))
    state = get_rng_state()
    expected = _draws()
    set_rng_state(state)
    assert _draws() == expected  # not rewound to `saved`
    assert hook._loaded is None


def test_checkpoint_from_another_world_size_is_not_restored():
    hook = RNGStateHook()
    hook.after_load_checkpoint(
        _runner(), dict(rng_state=[get_rng_state(),
                                   get_rng_state()]))
    state = get_rng_state()
    expected = _draws()
    set_rng_state(state)
    hook.before_train(_runner(iteration=8))
    assert _draws() == expected


def test_validation_leaves_the_training_states_as_it_found_them():
    hook = RNGStateHook()
    state = get_rng_state()
    expected = _draws()
    set_rng_state(state)
    hook.before_val(_runner())
    _draws()  # the validation draws
    checkpoint = {}  # e.g. the best checkpoint, written during validation
    hook.before_save_checkpoint(_runner(), checkpoint)
    hook.after_val(_runner())
    assert _draws() == expected
    set_rng_state(checkpoint['rng_state'][0])
    assert _draws() == expected
