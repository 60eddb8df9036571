"""Checkpoints must fit: loading refuses a state dict that does not fit.

mmengine loads ``load_from`` and test checkpoints with ``strict=False`` and
only logs a warning when keys are missing or unexpected, and torch skips a
tensor whose shape differs: a checkpoint of another architecture then tests
(or fine-tunes) a randomly initialised model. Here every missing key,
unexpected key and shape mismatch is an error naming the config, the
checkpoint and the first keys that differ; only the documented exceptions
pass, each asked for explicitly with ``load_from_options`` in the config of a
fine-tuning run (see :class:`LoadFromOptions`):

* ``drop_prefixes``: checkpoint keys left out before loading, e.g. the
  classifier when fine-tuning to a new label space (``['cls_head.']``);
* ``allow_missing``: model keys (``fnmatch`` patterns) the checkpoint may
  lack, e.g. TIN's interlace modules when a TSM checkpoint initialises a TIN
  backbone (``['backbone.*.net1.*']``; the convolutions themselves map from
  TSM's names, see :class:`~mmt_challenge.models.backbones.InterlacedConv`).

Testing and resuming are always exact. The single-dataset checkpoint that
``tools/export_single_dataset.py`` writes fits its single-dataset config
exactly, so it needs no exception.

Checkpoints are read by mmengine's loader, weights-only
(:mod:`mmt_challenge.compat`); a file that is not a checkpoint gets an error
that says so.
"""
import fnmatch
import os.path as osp
import re
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence, Tuple

import torch
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint
from torch import nn

from ..utils.checks import check_keys

__all__ = [
    'LoadFromOptions', 'CheckpointMismatchError', 'read_checkpoint',
    'load_fitting_state_dict', 'load_fitting_checkpoint', 'FitCheckingRunner',
    'build_runner'
]

# How many differing keys a message shows.
SHOWN_KEYS = 5


class CheckpointMismatchError(ValueError):
    """A checkpoint's state dict does not fit the model."""


@dataclass(frozen=True)
class LoadFromOptions:
    """The documented ways a fine-tuning checkpoint may differ from the model.

    Set in a config as ``load_from_options = dict(...)``; used for
    ``load_from`` when training, never when testing or resuming.

    Args:
        drop_prefixes (Sequence[str]): Checkpoint keys starting with one of
            these are left out; the model keeps its initialisation under
            them. E.g. ``['cls_head.']`` to fine-tune on a new label space.
            Defaults to ().
        allow_missing (Sequence[str]): ``fnmatch`` patterns of model keys
            the checkpoint may lack (kept at their initialisation), e.g.
            ``['backbone.*.net1.*']`` for TIN initialised from TSM. Defaults
            to ().
    """
    drop_prefixes: Tuple[str, ...] = field(default_factory=tuple)
    allow_missing: Tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_config(cls, options: Optional[dict]) -> 'LoadFromOptions':
        """From a config's ``load_from_options`` (a dict or None)."""
        if options is None:
            return cls()
        check_keys(options, 'load_from_options',
                   ('drop_prefixes', 'allow_missing'))
        values = {}
        for name, value in options.items():
            if isinstance(value, str):
                value = [value]
            if (not isinstance(value, (list, tuple))
                    or not all(isinstance(v, str) and v for v in value)):
                raise TypeError(f'load_from_options.{name} must be a list of '
                                f'non-empty strings, got {value!r}')
            values[name] = tuple(value)
        return cls(**values)


def read_checkpoint(path: str, map_location: Any = 'cpu') -> dict:
    """Read a checkpoint with mmengine's loader, with errors that say what
    is wrong.

    Args:
        path (str): Local path or any URL mmengine's ``CheckpointLoader``
            reads.
        map_location (str | callable): As :func:`torch.load`. Defaults to
            ``'cpu'``.

    Returns:
        dict: The checkpoint (a dict with ``state_dict``, or a bare state
        dict).

    Raises:
        FileNotFoundError: No such file.
        ValueError: Not a PyTorch checkpoint, or one without tensors.
    """
    try:
        checkpoint = _load_checkpoint(path, map_location=map_location)
    except FileNotFoundError:
        raise FileNotFoundError(f'checkpoint not found: {path}') from None
    except Exception as error:  # torch raises many kinds on non-checkpoints
        first_line = (str(error).strip().splitlines() or [''])[0]
        if 'Weights only load failed' in str(error) and _looks_like_torch(
                path):
            raise ValueError(
                f'{path}: refused to load it weights-only (it holds objects '
                'other than tensors and plain data, whose unpickling could '
                f'run code): {first_line}') from None
        raise ValueError(
            f'{path} is not a PyTorch checkpoint (torch.load failed: '
            f'{type(error).__name__}: {first_line})') from None
    state_dict = _state_dict_of(checkpoint)
    if not state_dict or not any(
            isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise ValueError(f'{path} is not a model checkpoint: it holds no '
                         'tensors (a state_dict mapping names to tensors)')
    return checkpoint


def _looks_like_torch(path: str) -> bool:
    """A zip archive (``torch.save``) or a pickle (older torch), as far as
    the first bytes tell."""
    if not osp.isfile(path):
        return True  # a URL: let torch's message stand
    if zipfile.is_zipfile(path):
        return True
    with open(path, 'rb') as f:
        return f.read(1) == b'\x80'  # pickle protocol >= 2


def _state_dict_of(checkpoint: Any) -> Optional[dict]:
    if not isinstance(checkpoint, dict):
        return None
    state_dict = checkpoint.get('state_dict', checkpoint)
    return state_dict if isinstance(state_dict, dict) else None


def _show(keys: Sequence[str]) -> str:
    shown = ', '.join(repr(k) for k in keys[:SHOWN_KEYS])
    more = f' and {len(keys) - SHOWN_KEYS} more' if len(
        keys) > SHOWN_KEYS else ''
    return f'{shown}{more}'


def load_fitting_state_dict(model: nn.Module,
                            checkpoint: dict,
                            *,
                            checkpoint_name: str,
                            config_name: Optional[str] = None,
                            options: Optional[LoadFromOptions] = None,
                            hint: str = '') -> None:
    """Load a checkpoint's state dict into ``model``, refusing any misfit.

    Args:
        model (nn.Module): The model (a wrapper is unwrapped).
        checkpoint (dict): As :func:`read_checkpoint` returns it.
        checkpoint_name (str): The checkpoint's path, for messages.
        config_name (str, optional): The config's path, for messages.
            Defaults to None.
        options (LoadFromOptions, optional): The allowed differences.
            Defaults to None (none: the checkpoint must fit exactly).
        hint (str): Appended to the error message. Defaults to ''.

    Raises:
        CheckpointMismatchError: Missing or unexpected keys or shape
            mismatches beyond ``options``, naming the first of each.
    """
    options = options or LoadFromOptions()
    if is_model_wrapper(model):
        model = model.module
    source = _state_dict_of(checkpoint)
    if source is None:
        raise ValueError(f'{checkpoint_name} holds no state_dict')
    metadata = getattr(source, '_metadata', None)
    state_dict = OrderedDict((re.sub(r'^module\.', '', k), v)
                             for k, v in source.items())
    for prefix in options.drop_prefixes:
        dropped = [k for k in state_dict if k.startswith(prefix)]
        if not dropped:
            print_log(
                f'load_from_options.drop_prefixes: no key of '
                f'{checkpoint_name} starts with {prefix!r}',
                logger='current')
        for key in dropped:
            del state_dict[key]
    if metadata is not None:
        state_dict._metadata = metadata

    model_state = model.state_dict()
    mismatched = [
        f'{k!r}: checkpoint {tuple(v.shape)}, model '
        f'{tuple(model_state[k].shape)}' for k, v in state_dict.items()
        if k in model_state and isinstance(v, torch.Tensor)
        and v.shape != model_state[k].shape
    ]
    if mismatched:  # torch would skip these; report before touching anything
        missing = [k for k in model_state if k not in state_dict]
        unexpected = [k for k in state_dict if k not in model_state]
    else:
        try:
            result = model.load_state_dict(state_dict, strict=False)
        except RuntimeError as error:  # a shape mismatch after a key mapping
            mismatched = [
                line.strip() for line in str(error).splitlines()
                if 'size mismatch' in line
            ] or [str(error)]
            missing, unexpected = [], []
        else:
            missing, unexpected = result.missing_keys, result.unexpected_keys

    def allowed(key: str) -> bool:
        return (key.endswith('num_batches_tracked')  # as mmengine ignores
                or key.startswith(options.drop_prefixes)
                or any(fnmatch.fnmatchcase(key, p)
                       for p in options.allow_missing))

    missing = [k for k in missing if not allowed(k)]
    if not (missing or unexpected or mismatched):
        return
    problems = []
    if missing:
        problems.append(f'{len(missing)} model key(s) missing from the '
                        f'checkpoint ({_show(missing)})')
    if unexpected:
        problems.append(f'{len(unexpected)} unexpected checkpoint key(s) '
                        f'({_show(unexpected)})')
    if mismatched:
        problems.append(f'{len(mismatched)} shape mismatch(es) '
                        f'({"; ".join(mismatched[:SHOWN_KEYS])}'
                        f'{" ..." if len(mismatched) > SHOWN_KEYS else ""})')
    config = f' of {config_name}' if config_name else ''
    raise CheckpointMismatchError(
        f'checkpoint {checkpoint_name} does not fit the model{config}: '
        f'{"; ".join(problems)}.{" " + hint if hint else ""}')


TEST_HINT = ('A test loads exactly the weights its config was trained '
             'into: is it the right checkpoint for this config?')
FINE_TUNE_HINT = (
    'If the difference is intended, say so in the config, e.g. '
    "load_from_options = dict(drop_prefixes=['cls_head.']) to fine-tune on a "
    'new label space (docs/training.md, "Checkpoints must fit").')


def load_fitting_checkpoint(model: nn.Module,
                            path: str,
                            *,
                            config_name: Optional[str] = None,
                            options: Optional[LoadFromOptions] = None,
                            map_location: Any = 'cpu',
                            hint: str = TEST_HINT) -> dict:
    """:func:`read_checkpoint`, then :func:`load_fitting_state_dict`.

    Returns:
        dict: The checkpoint.
    """
    checkpoint = read_checkpoint(path, map_location)
    load_fitting_state_dict(
        model,
        checkpoint,
        checkpoint_name=path,
        config_name=config_name,
        options=options,
        hint=hint)
    return checkpoint


class FitCheckingRunner(Runner):
    """mmengine's ``Runner`` whose checkpoint loading refuses misfits.

    Testing (``load_from`` with ``test()`` / ``val()``) and resuming need
    the checkpoint to fit exactly; fine-tuning (``load_from`` with
    ``train()``) allows what the config's ``load_from_options`` says
    (:class:`LoadFromOptions`). The ``after_load_checkpoint`` hooks run as in
    mmengine, before the weights are loaded.
    """

    _fine_tuning = False
    _resuming = False

    def train(self) -> nn.Module:
        self._fine_tuning = True
        try:
            return super().train()
        finally:
            self._fine_tuning = False

    def resume(self, filename: str, *args, **kwargs) -> None:
        self._resuming = True
        try:
            super().resume(filename, *args, **kwargs)
        finally:
            self._resuming = False

    def load_checkpoint(self,
                        filename: str,
                        map_location: Any = 'cpu',
                        strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]) -> dict:
        """Load ``filename`` into the model; see the class docstring.

        ``strict`` and ``revise_keys`` are accepted for mmengine's callers;
        fitting is always checked and only ``module.`` prefixes are removed.
        """
        checkpoint = read_checkpoint(filename, map_location)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        fine_tuning = self._fine_tuning and not self._resuming
        options = (LoadFromOptions.from_config(
            self.cfg.get('load_from_options')) if fine_tuning else None)
        load_fitting_state_dict(
            self.model,
            checkpoint,
            checkpoint_name=filename,
            config_name=getattr(self.cfg, 'filename', None),
            options=options,
            hint=FINE_TUNE_HINT if fine_tuning else
            ('' if self._resuming else TEST_HINT))
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint


def build_runner(cfg) -> Runner:
    """The tools' runner: ``cfg.runner_type`` if the config names one (built
    from ``RUNNERS`` as in MMAction2's tools), else
    :class:`FitCheckingRunner`."""
    if 'runner_type' in cfg:
        from mmengine.registry import RUNNERS
        return RUNNERS.build(cfg)
    return FitCheckingRunner.from_cfg(cfg)

