"""The files a challenge generates in its work dir: each member's config (its
member config with the challenge's data injected) and, when the challenge
names no recipe, its ensemble recipe.

Member configs stay dataset-agnostic. A generated config is a child config
(``_base_`` is the member config) that sets the challenge's number of
classes, list files, video folders, loss scale and class counts; it is
rewritten on every run and never edited by hand.
"""
import copy
import functools
import math
import os.path as osp
import pprint
from typing import Any, Dict, Sequence

from mmengine.config import Config

from ..utils import atomic_write_text
from .challenge_config import Challenge, ChallengeMember

__all__ = [
    'REPO_ROOT', 'scaled_bce_scale', 'member_overrides', 'format_overrides',
    'load_config', 'write_member_configs', 'recipe_path', 'write_recipe'
]

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# The datasets whose ann_file / data_prefix / num_classes the challenge sets.
_VIDEO_DATASETS = ('MultiLabelVideoDataset', 'VideoDataset')
_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def scaled_bce_scale(scale: float, config_classes: int,
                     num_classes: int) -> float:
    """The rule that carries a scaled BCE's ``scale`` to another label space.

    ``ScaledBCELoss`` takes the mean over ``B x C`` and multiplies by
    ``scale``, so each sample's summed BCE weighs ``scale / C``. Keeping
    that weight when ``C`` changes gives ``scale * num_classes /
    config_classes`` (the winners' 160 for 313 classes is about C / 2; the
    mini members' 7 for 14 classes is exactly C / 2).
    """
    return scale * num_classes / config_classes


def _loss_overrides(where: str, loss: dict, config_classes: int,
                    num_classes: int, counts_file: str) -> dict:
    overrides: Dict[str, Any] = {}
    if loss.get('type') == 'ScaledBCELoss' and config_classes != num_classes:
        overrides['scale'] = scaled_bce_scale(
            float(loss.get('scale', 1.0)), config_classes, num_classes)
        if not math.isfinite(overrides['scale']):
            raise ValueError(f'{where}: bad loss scale {loss.get("scale")!r}')
    if loss.get('class_weight_mode') not in (None, 'none'):
        overrides.update(class_counts=None, class_counts_file=counts_file)
    return overrides


def member_overrides(challenge: Challenge, member: ChallengeMember,
                     member_cfg: Config, num_classes: int) -> Dict[str, Any]:
    """What the challenge sets in a member's config.

    The head's ``num_classes``; each dataloader's ``ann_file``,
    ``data_prefix.video`` and ``num_classes`` (train, val, and test on the
    val list, since the test split has no labels); the scaled BCE's
    ``scale`` by :func:`scaled_bce_scale`; the training class counts for a
    loss that asks for class-balance weights (``class_weight_mode``);
    ``load_from`` and the member's dense-test protocol.

    Args:
        challenge (Challenge): The challenge.
        member (ChallengeMember): A member with a config.
        member_cfg (Config): Its config as loaded.
        num_classes (int): The challenge's number of classes.

    Returns:
        dict: Nested overrides, merged into the config as a child config.
    """
    where = f'{challenge.path}: member {member.name!r} ({member.config})'
    head = member_cfg.get('model', {}).get('cls_head')
    if not head or 'num_classes' not in head:
        raise ValueError(f'{where}: its model has no cls_head.num_classes '
                         'for the challenge to set')
    config_classes = int(head['num_classes'])
    head_overrides: Dict[str, Any] = dict(num_classes=num_classes)
    loss = head.get('loss_cls') or {}
    loss_overrides = _loss_overrides(where, loss, config_classes, num_classes,
                                     challenge.class_counts_file)
    if loss_overrides:
        head_overrides['loss_cls'] = loss_overrides
    overrides: Dict[str, Any] = dict(model=dict(cls_head=head_overrides))
    lists = dict(train_dataloader='train', val_dataloader='val',
                 test_dataloader='val')
    for loader in _LOADERS:
        dataset = member_cfg.get(loader, {}).get('dataset', {})
        if dataset.get('type') not in _VIDEO_DATASETS:
            raise ValueError(
                f'{where}: {loader}.dataset is a {dataset.get("type")!r}; '
                f'the challenge injects its data into {_VIDEO_DATASETS} only')
        split = challenge.splits[lists[loader]]
        injected = dict(
            ann_file=split.list_file, data_prefix=dict(video=split.video_root))
        if 'num_classes' in dataset or dataset['type'] != 'VideoDataset':
            injected['num_classes'] = num_classes
        overrides[loader] = dict(dataset=injected)
    if member.load_from:
        overrides['load_from'] = member.load_from
    dense = {k: v for k, v in member.dense_test.items() if k != 'batch_views'}
    if dense:
        overrides['dense_test_cfg'] = dense
    return overrides


def format_overrides(base: str, overrides: Dict[str, Any],
                     header: Sequence[str]) -> str:
    """A child config of ``base`` holding ``overrides``, as Python text."""
    lines = [f'# {line}' for line in header]
    lines.append(f'_base_ = [{osp.abspath(base)!r}]')
    for key, value in overrides.items():
        lines.append(f'{key} = {pprint.pformat(value, sort_dicts=False)}')
    return '\n'.join(lines) + '\n'


def _write_if_changed(path: str, text: str) -> None:
    # An unchanged file keeps its time stamp, which tells when it was made.
    if not osp.isfile(path) or open(path, encoding='utf-8').read() != text:
        atomic_write_text(path, text)


@functools.lru_cache(maxsize=None)
def _config(path: str, mtime: float) -> Config:
    return Config.fromfile(path)


def load_config(path: str) -> Config:
    """A member config, read once per process (the stages of a run, and a
    dry run, each need every member's config)."""
    return copy.deepcopy(_config(path, osp.getmtime(path)))


def write_member_configs(challenge: Challenge) -> bool:
    """Write each member's generated config (its member config with the
    challenge's data injected) into ``<work_dir>/configs``.

    Returns:
        bool: False (nothing written) while the number of classes is not
        known yet: no label map and no ``data.num_classes``.
    """
    num_classes = challenge.num_classes()
    if num_classes is None:
        return False
    for member in challenge.members:
        if not member.tests:
            continue
        overrides = member_overrides(challenge, member,
                                     load_config(member.config), num_classes)
        text = format_overrides(member.config, overrides, [
            f'Generated by tools/run_challenge.py from {challenge.path}: '
            f'member {member.name!r},',
            f'{member.config} with the challenge\'s data. Rewritten on '
            'every run; do not edit.'
        ])
        _write_if_changed(challenge.member_config(member), text)
    return True


def recipe_path(challenge: Challenge) -> str:
    """The ensemble recipe: the challenge's, or one generated from its
    ``ensemble`` settings with every member at all its scales."""
    return challenge.ensemble.get('recipe') or osp.join(
        challenge.ensemble_dir, 'recipe.py')


def write_recipe(challenge: Challenge) -> str:
    """Write the generated recipe when the challenge names none."""
    path = recipe_path(challenge)
    if challenge.ensemble.get('recipe'):
        return path
    settings = dict(challenge.ensemble)
    members = [dict(name=m.name, score_file=challenge.score_file(m, 'val'))
               for m in challenge.members]
    base = osp.join(REPO_ROOT, 'ensembles', '_base_', 'default_fusion.py')
    text = format_overrides(base, dict(members=members, **settings), [
        f'Generated by tools/run_challenge.py from {challenge.path}; '
        'rewritten on every run.'
    ])
    _write_if_changed(path, text)
    return path
