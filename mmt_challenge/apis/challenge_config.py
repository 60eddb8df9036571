"""Challenge configs: a dataset, members, an ensemble and a submission.

A challenge is an mmengine config file (``challenges/*.py``, so challenges
inherit) with these variables::

    work_dir = 'work_dirs/my_challenge'    # default work_dirs/<file name>
    data = dict(
        label_map='data/my/classes.txt',  # one class name per line
        num_classes=None,                 # optional, checked against it
        train=dict(csv='data/my/train.csv', videos='data/my/videos'),
        val=dict(csv='data/my/val.csv', videos='data/my/videos'),
        test=dict(csv='data/my/test.csv', videos='data/my/videos'),
        # optional: re-encode every split (tools/prepare_videos.py)
        prepare=dict(fps=30, short_side=320, workers=8),
        # optional: generate the mini M-MiT first (tools/make_mini_dataset.py)
        generate=None,
        workers=1)                        # processes of the decode checks
    members = [
        dict(name='TSM', config='configs/tsm/....py',
             cfg_options={'train_cfg.max_epochs': 10},       # optional
             dense_test=dict(scales=[224, 256], num_clips=4),  # optional
             load_from=None),             # optional: fine-tune from it
        dict(name='TSN', config='configs/tsn/....py',
             checkpoint='work_dirs/tsn/epoch_50.pth'),  # trained: test only
        dict(name='X', score_files=dict(val='x_val.npz', test='x_test.npz')),
    ]
    member_defaults = dict(cfg_options={}, dense_test={})  # under every member
    train = dict(seed=0)
    jobs = 1        # trainings (then dense tests) at once, without a launcher
    ensemble = dict(recipe='ensembles/....py')  # or fusion=, search=, ...
    submission = dict(formats=['top5'], file='submissions/my_{format}.txt')
    report = dict(class_group=None, baselines=[])

A split's ``list`` (the MMAction2 list file the data stage writes) defaults
to ``<work_dir>/data/<split>_list.txt``. Member configs stay dataset-agnostic:
:func:`~.member_injection.member_overrides` injects the challenge's classes, lists, videos and
class counts into each (see ``docs/challenges.md``).
"""
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from mmengine.config import Config

from ..datasets import read_label_map
from ..utils.checks import check_keys, check_positive_int

__all__ = [
    'SPLITS', 'SplitData', 'ChallengeMember', 'Challenge', 'load_challenge'
]

SPLITS = ('train', 'val', 'test')
_TOP_KEYS = {
    'work_dir', 'data', 'members', 'member_defaults', 'train', 'jobs',
    'ensemble', 'submission', 'report'
}
_DATA_KEYS = {'label_map', 'num_classes', 'prepare', 'generate', 'workers',
              *SPLITS}
_SPLIT_KEYS = {'csv', 'videos', 'list'}
_MEMBER_KEYS = {
    'name', 'config', 'cfg_options', 'dense_test', 'load_from', 'checkpoint',
    'score_files', 'dir'
}
_DENSE_KEYS = {'scales', 'num_clips', 'num_crops', 'batch_views'}
_PREPARE_KEYS = {'fps', 'short_side', 'workers', 'out'}
_NAME = re.compile(r'^[A-Za-z0-9_.+-]+$')


@dataclass(frozen=True)
class SplitData:
    """One split of a challenge's data.

    Args:
        csv (str): The M-MiT-style CSV (``path,idx,idx``; the test CSV may
            hold paths only).
        videos (str): The folder the CSV's paths start from.
        list_file (str): The MMAction2 list file the data stage writes.
        prepared (str, optional): The re-encoded copy of ``videos``, when
            the challenge prepares its videos. Defaults to None.
    """
    csv: str
    videos: str
    list_file: str
    prepared: Optional[str] = None

    @property
    def video_root(self) -> str:
        """Where members read the videos."""
        return self.prepared or self.videos


@dataclass(frozen=True)
class ChallengeMember:
    """One member of a challenge.

    Args:
        name (str): Unique; names the member in tables and the recipe.
        config (str, optional): Its member config (``configs/...``).
        cfg_options (dict): ``--cfg-options`` of its training and dense
            test. Defaults to an empty dict.
        dense_test (dict): ``scales``, ``num_clips``, ``num_crops``,
            ``batch_views`` for ``tools/dense_test.py``. Defaults to an
            empty dict (the config's protocol).
        load_from (str, optional): Checkpoint to fine-tune from.
        checkpoint (str, optional): A trained checkpoint: no training.
        score_files (dict, optional): ``{'val': path, 'test': path}`` of a
            member tested elsewhere: no training, no dense test.
        dir (str): Its folder name under the work dir.
    """
    name: str
    config: Optional[str] = None
    cfg_options: Dict[str, Any] = field(default_factory=dict)
    dense_test: Dict[str, Any] = field(default_factory=dict)
    load_from: Optional[str] = None
    checkpoint: Optional[str] = None
    score_files: Optional[Dict[str, str]] = None
    dir: str = ''

    @property
    def trains(self) -> bool:
        return self.score_files is None and self.checkpoint is None

    @property
    def tests(self) -> bool:
        return self.score_files is None


@dataclass
class Challenge:
    """A loaded, checked challenge config (see the module docstring)."""
    name: str
    path: str
    work_dir: str
    label_map: str
    stated_num_classes: Optional[int]
    splits: Dict[str, SplitData]
    members: List[ChallengeMember]
    prepare: Optional[Dict[str, Any]] = None
    generate: Optional[Dict[str, Any]] = None
    workers: int = 1
    seed: Optional[int] = 0
    jobs: int = 1
    ensemble: Dict[str, Any] = field(default_factory=dict)
    submission: Dict[str, Any] = field(default_factory=dict)
    report: Dict[str, Any] = field(default_factory=dict)

    # ---------------------------------------------------------------- data
    def num_classes(self) -> Optional[int]:
        """From the label map when it exists (checked against a stated
        number), else the stated number, else None."""
        if osp.isfile(self.label_map):
            count = len(read_label_map(self.label_map))
            if self.stated_num_classes not in (None, count):
                raise ValueError(
                    f'{self.path}: data.num_classes is '
                    f'{self.stated_num_classes} but {self.label_map} names '
                    f'{count} classes')
            return count
        return self.stated_num_classes

    @property
    def class_counts_file(self) -> str:
        return osp.join(self.work_dir, 'data', 'train_class_counts.txt')

    # ------------------------------------------------------------- members
    def member(self, name: str) -> ChallengeMember:
        for member in self.members:
            if member.name == name:
                return member
        raise KeyError(f'{self.path}: no member named {name!r}')

    def member_dir(self, member: ChallengeMember) -> str:
        return osp.join(self.work_dir, member.dir)

    def member_config(self, member: ChallengeMember) -> str:
        """The generated config: the member config with the data injected."""
        return osp.join(self.work_dir, 'configs', f'{member.dir}.py')

    def score_file(self, member: ChallengeMember, split: str) -> str:
        """The member's scores of ``split`` as its dense test writes them
        (or as given), before the test split's prior fill."""
        if member.score_files is not None:
            return member.score_files[split]
        return osp.join(self.member_dir(member), f'scores_{split}.npz')

    def filled_test_file(self, member: ChallengeMember) -> str:
        """Every test video scored: the prior fill's output."""
        return osp.join(self.member_dir(member), 'scores_test_filled.npz')

    # ------------------------------------------------------------ ensemble
    @property
    def ensemble_dir(self) -> str:
        return osp.join(self.work_dir, 'ensemble')

    @property
    def report_dir(self) -> str:
        """The ensemble's report on val (``summary.csv``, weights, plots)."""
        return osp.join(self.ensemble_dir, 'report')

    def submission_file(self, fmt: str) -> str:
        return self.submission['file'].format(format=fmt, name=self.name)


def _path(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f'{what} must be a path, got {value!r}')
    return value


def _splits(path: str, data: dict, work_dir: str,
            prepare: Optional[dict]) -> Dict[str, SplitData]:
    splits = {}
    for split in SPLITS:
        where = f'{path}: data.{split}'
        if split not in data:
            raise ValueError(f'{where} is missing (csv and videos)')
        spec = check_keys(data[split], where, _SPLIT_KEYS)
        csv = _path(spec.get('csv'), f'{where}.csv')
        videos = _path(spec.get('videos'), f'{where}.videos')
        list_file = spec.get('list') or osp.join(work_dir, 'data',
                                                 f'{split}_list.txt')
        prepared = None
        if prepare is not None:
            prepared = osp.join(
                prepare.get('out') or osp.join(work_dir, 'videos'), split)
        splits[split] = SplitData(csv, videos, list_file, prepared)
    return splits


def _member(path: str, index: int, cfg: Any,
            defaults: dict) -> ChallengeMember:
    where = f'{path}: members[{index}]'
    cfg = check_keys(cfg, where, _MEMBER_KEYS)
    name = cfg.get('name')
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f'{where}: name must be letters, digits and _.+- '
                         f'only, got {name!r}')
    where = f'{path}: member {name!r}'
    config = cfg.get('config')
    score_files = cfg.get('score_files')
    if score_files is not None:
        score_files = check_keys(score_files, f'{where}: score_files',
                                 {'val', 'test'})
        if set(score_files) != {'val', 'test'}:
            raise ValueError(f'{where}: score_files needs val and test')
        for key in ('checkpoint', 'load_from', 'cfg_options', 'dense_test'):
            if cfg.get(key):
                raise ValueError(f'{where}: {key} has no use with '
                                 'score_files (no training, no dense test)')
    elif config is None:
        raise ValueError(f'{where}: needs a config (to train or test it) or '
                         'score_files')
    if config is not None:
        _path(config, f'{where}: config')
        if not osp.isfile(config):
            raise FileNotFoundError(f'{where}: config {config} not found')
    if cfg.get('checkpoint') and cfg.get('load_from'):
        raise ValueError(f'{where}: load_from (fine-tune) and checkpoint '
                         '(already trained) exclude each other')
    cfg_options = {**(defaults.get('cfg_options') or {}),
                   **(cfg.get('cfg_options') or {})}
    dense = {**(defaults.get('dense_test') or {}),
             **(cfg.get('dense_test') or {})}
    check_keys(dense, f'{where}: dense_test', _DENSE_KEYS)
    if score_files is not None:
        cfg_options, dense = {}, {}
    default_dir = (osp.splitext(osp.basename(config))[0]
                   if config and score_files is None else name)
    return ChallengeMember(
        name=name,
        config=config,
        cfg_options=cfg_options,
        dense_test=dense,
        load_from=cfg.get('load_from'),
        checkpoint=cfg.get('checkpoint'),
        score_files=score_files,
        dir=cfg.get('dir') or default_dir)


def load_challenge(path: str,
                   cfg_options: Optional[dict] = None) -> Challenge:
    """Read and check a challenge config.

    Args:
        path (str): The challenge file (``challenges/*.py``).
        cfg_options (dict, optional): Overrides, as ``--cfg-options``.
            Defaults to None.

    Returns:
        Challenge: Every path resolved (relative paths stay relative to the
        working directory, as in MMAction2's configs).

    Raises:
        ValueError: Naming the key or the member that is wrong.
    """
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    # Names starting with '_' are the config's own helpers.
    cfg = {k: v for k, v in cfg.to_dict().items() if not k.startswith('_')}
    name = osp.splitext(osp.basename(path))[0]
    check_keys(cfg, path, _TOP_KEYS)
    work_dir = cfg.get('work_dir') or osp.join('work_dirs', name)
    data = check_keys(cfg.get('data'), f'{path}: data', _DATA_KEYS)
    prepare = data.get('prepare')
    if prepare is not None:
        prepare = check_keys(prepare, f'{path}: data.prepare', _PREPARE_KEYS)
        for key, default in (('fps', 30), ('short_side', 320), ('workers',
                                                                 1)):
            prepare[key] = check_positive_int(
                prepare.get(key, default), f'{path}: data.prepare.{key}')
    num_classes = data.get('num_classes')
    if num_classes is not None:
        check_positive_int(num_classes, f'{path}: data.num_classes')
    members_cfg = cfg.get('members')
    if not isinstance(members_cfg, (list, tuple)) or not members_cfg:
        raise ValueError(f'{path}: members must be a non-empty list')
    defaults = check_keys(
        cfg.get('member_defaults') or {}, f'{path}: member_defaults',
        {'cfg_options', 'dense_test'})
    members = [_member(path, i, m, defaults)
               for i, m in enumerate(members_cfg)]
    for attribute in ('name', 'dir'):
        seen: Dict[str, str] = {}
        for member in members:
            value = getattr(member, attribute)
            if value in seen:
                raise ValueError(
                    f'{path}: members {seen[value]!r} and {member.name!r} '
                    f'share the {attribute} {value!r}' +
                    ('; give one a dir=' if attribute == 'dir' else ''))
            seen[value] = member.name
    submission = dict(cfg.get('submission') or {})
    submission.setdefault('formats', ['top5'])
    submission.setdefault('file', osp.join('submissions',
                                           f'{name}_{{format}}.txt'))
    if len(submission['formats']) > 1 and '{format}' not in submission[
            'file']:
        raise ValueError(f'{path}: several submission formats need '
                         "'{format}' in submission.file")
    train = check_keys(cfg.get('train') or {}, f'{path}: train', {'seed'})
    ensemble = dict(cfg.get('ensemble') or {})
    if ensemble.get('recipe') and not osp.isfile(ensemble['recipe']):
        raise FileNotFoundError(f'{path}: ensemble.recipe '
                                f'{ensemble["recipe"]} not found')
    return Challenge(
        name=name,
        path=path,
        work_dir=work_dir,
        label_map=_path(data.get('label_map'), f'{path}: data.label_map'),
        stated_num_classes=num_classes,
        splits=_splits(path, data, work_dir, prepare),
        members=members,
        prepare=prepare,
        generate=data.get('generate'),
        workers=check_positive_int(
            data.get('workers', 1), f'{path}: data.workers'),
        seed=train.get('seed', 0),
        jobs=check_positive_int(cfg.get('jobs', 1), f'{path}: jobs'),
        ensemble=ensemble,
        submission=submission,
        report=dict(cfg.get('report') or {}))
