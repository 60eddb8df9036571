"""``--cfg-options`` that refuse unknown keys.

mmengine's ``Config.merge_from_dict`` creates whatever key it is given, so a
typo (``optim_wrapper.optimizer.lr_=0.1``) is silently ignored by a run that
never reads it. Here every key must exist in the config unless it is marked
as new with a leading ``+`` (``+model.cls_head.new_option=1``); a key
ending in ``_delete_`` (mmengine's marker to replace a subtree) is accepted
where its parent exists.
"""
from typing import Any, Collection, Optional

__all__ = [
    'NEW_KEY_MARKER', 'RUNNER_OPTIONAL_KEYS', 'merge_cfg_options',
    'check_cfg_option_key'
]

NEW_KEY_MARKER = '+'

# Top-level settings mmengine's ``Runner.from_cfg`` reads with a default
# (and the package's ``load_from_options``): a config may leave them out,
# and ``--cfg-options`` sets them without the marker.
RUNNER_OPTIONAL_KEYS = frozenset({
    'auto_scale_lr', 'custom_hooks', 'data_preprocessor', 'default_hooks',
    'default_scope', 'env_cfg', 'experiment_name', 'launcher', 'load_from',
    'load_from_options', 'log_level', 'log_processor', 'optim_wrapper',
    'param_scheduler', 'randomness', 'resume', 'test_cfg', 'test_dataloader',
    'test_evaluator', 'train_cfg', 'train_dataloader', 'val_cfg',
    'val_dataloader', 'val_evaluator', 'visualizer'
})


def _child(node: Any, part: str) -> Any:
    """The child ``part`` of a dict or list node; KeyError if absent."""
    if isinstance(node, dict):
        if part not in node:
            raise KeyError(part)
        return node[part]
    if isinstance(node, (list, tuple)):
        if not part.isdigit() or int(part) >= len(node):
            raise KeyError(part)
        return node[int(part)]
    raise KeyError(part)


def check_cfg_option_key(cfg: Any, key: str) -> None:
    """Raise ``ValueError`` unless ``key`` (dotted, list items by index)
    names an existing setting of ``cfg``.

    Args:
        cfg (Config | dict): The config.
        key (str): E.g. ``'train_dataloader.batch_size'``.
    """
    node = cfg._cfg_dict if hasattr(cfg, '_cfg_dict') else cfg
    parts = key.split('.')
    for depth, part in enumerate(parts):
        if part == '_delete_' and depth == len(parts) - 1:
            return
        try:
            node = _child(node, part)
        except KeyError:
            where = '.'.join(parts[:depth + 1])
            if isinstance(node, (list, tuple)):
                parent = f'a list of {len(node)} items'
            elif isinstance(node, dict):
                parent = 'a dict'
            else:
                parent = f'a {type(node).__name__} value'
            raise ValueError(
                f'--cfg-options {key}: the config has no {where!r} (its '
                f'parent is {parent}); a typo? To add a new key, write '
                f'{NEW_KEY_MARKER}{key}=...') from None


def merge_cfg_options(cfg: Any,
                      options: Optional[dict],
                      *,
                      optional_keys: Collection[str] = ()) -> Any:
    """Merge ``--cfg-options`` into ``cfg`` after checking every key exists.

    Args:
        cfg (Config): The config, changed in place.
        options (dict, optional): From ``DictAction``; keys starting with
            ``+`` may be new (the ``+`` is removed).
        optional_keys (Collection[str]): Top-level settings that may be
            absent from a config and are set without the marker (the ones
            the reader of the config looks up with a default, e.g.
            :data:`RUNNER_OPTIONAL_KEYS`). Defaults to ().

    Returns:
        Config: ``cfg``.

    Raises:
        ValueError: A key absent from the config without the ``+`` marker.
    """
    if not options:
        return cfg
    merged = {}
    for key, value in options.items():
        if key.startswith(NEW_KEY_MARKER):
            key = key[len(NEW_KEY_MARKER):]
        elif key.split('.')[0] in optional_keys and key.split(
                '.')[0] not in cfg:
            pass
        else:
            check_cfg_option_key(cfg, key)
        merged[key] = value
    cfg.merge_from_dict(merged)
    return cfg
