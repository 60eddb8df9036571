"""The commands of a challenge, stage by stage.

Every step is a command of a tool in ``tools/`` that a user could run by
hand (``--dry-run`` prints them, in order) plus what marks it finished, so
that a run skips what an earlier run finished. Training and dense tests run
under the launcher the user already has: torchrun (``--launcher pytorch``)
or Slurm's ``srun`` (``--launcher slurm``, with the options of MMAction2's
``tools/slurm_train.sh``).
"""
import os.path as osp
import shlex
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from mmengine.config import Config

from .challenge_config import SPLITS, Challenge, ChallengeMember
from .launch import Launch
from .member_injection import REPO_ROOT, load_config, recipe_path

__all__ = ['STAGES', 'Step', 'plan_stage', 'final_checkpoint', 'format_option']

STAGES = ('data', 'train', 'test', 'ensemble', 'submit', 'report')


@dataclass
class Step:
    """One command of a stage.

    Args:
        stage (str): One of :data:`STAGES`.
        title (str): What it does, for the log.
        command (list[str]): The command line, starting with ``python`` (or
            a launcher); :attr:`argv` runs it with this interpreter.
        outputs (list[str]): The files it writes.
        marker (str, optional): A file written after it succeeds, for steps
            whose outputs are not written as one atomic file. Defaults to
            None (finished when every output exists).
        resume_file (str, optional): When this file exists, the step is
            continued with ``--resume`` (an interrupted training).
        heavy (bool): Runs in its own process (training, dense test), else
            in this one, as the same command. Defaults to False.
    """
    stage: str
    title: str
    command: List[str]
    outputs: List[str] = field(default_factory=list)
    marker: Optional[str] = None
    resume_file: Optional[str] = None
    heavy: bool = False

    @property
    def done(self) -> bool:
        if self.marker is not None:
            return osp.isfile(self.marker)
        return bool(self.outputs) and all(osp.isfile(p) for p in self.outputs)

    @property
    def tool(self) -> str:
        return next(a for a in self.command if a.endswith('.py'))

    def argv(self, resume: bool = False) -> List[str]:
        """The command with this interpreter, plus ``--resume``."""
        argv = [sys.executable if a == 'python' else a for a in self.command]
        if resume:
            argv.insert(argv.index(self.tool) + 2, '--resume')
        return argv

    def __str__(self) -> str:
        return shlex.join(self.command)


def format_option(key: str, value: Any) -> List[str]:
    """``key=value`` items of ``--cfg-options`` (dicts flattened to dotted
    keys), as MMAction2's ``DictAction`` parses them back."""
    if isinstance(value, dict):
        return [item for k, v in value.items()
                for item in format_option(f'{key}.{k}', v)]
    if isinstance(value, (list, tuple)):
        inner = ','.join(format_option('x', v)[0][2:] for v in value)
        return [f'{key}=[{inner}]' if isinstance(value, list) else
                f'{key}=({inner})']
    return [f'{key}={value}']


def _cfg_options(options: Dict[str, Any]) -> List[str]:
    items = [item for k, v in options.items() for item in format_option(k, v)]
    return ['--cfg-options', *items] if items else []


def _tool(name: str) -> str:
    path = osp.join(REPO_ROOT, 'tools', name)
    relative = osp.relpath(path)
    return relative if not relative.startswith('..') else path


def final_checkpoint(challenge: Challenge, member: ChallengeMember) -> str:
    """The checkpoint a member's training ends with (its given checkpoint
    when it is not trained here)."""
    if member.checkpoint:
        return member.checkpoint
    cfg = load_config(member.config)
    if member.cfg_options:  # '+' marks a new key for the tools
        cfg.merge_from_dict(
            {k.lstrip('+'): v for k, v in member.cfg_options.items()})
    train_cfg = cfg.get('train_cfg') or {}
    if train_cfg.get('by_epoch', True) and 'max_iters' not in train_cfg:
        name = f'epoch_{train_cfg["max_epochs"]}.pth'
    else:
        name = f'iter_{train_cfg["max_iters"]}.pth'
    return osp.join(challenge.member_dir(member), name)


# ---------------------------------------------------------------------------
# Stages
# ---------------------------------------------------------------------------
def _data_steps(challenge: Challenge) -> List[Step]:
    steps = []
    generate = challenge.generate
    if generate is not None:
        options = dict(generate)
        out = options.pop('out')
        command = ['python', _tool('make_mini_dataset.py'), '--out', out]
        for key, value in options.items():
            command += [f'--{key.replace("_", "-")}', str(value)]
        steps.append(Step('data', 'generate the mini M-MiT', command,
                          outputs=[osp.join(out, 'classes.json')]))
    num_classes = challenge.num_classes()
    for split in SPLITS:
        data = challenge.splits[split]
        if data.prepared is not None:
            prepare = challenge.prepare
            marker = osp.join(data.prepared, '.prepared')
            steps.append(Step(
                'data', f're-encode the {split} videos',
                ['python', _tool('prepare_videos.py'), data.csv, data.videos,
                 data.prepared, '--fps', str(prepare['fps']), '--short-side',
                 str(prepare['short_side']), '--workers',
                 str(prepare['workers'])],
                outputs=[data.prepared], marker=marker))
        command = ['python', _tool('build_annotations.py'), data.csv,
                   data.video_root, data.list_file]
        if num_classes is not None:
            command += ['--num-classes', str(num_classes)]
        if split == 'test':
            command += ['--allow-unlabelled', '--keep-unusable']
        command += ['--workers', str(challenge.workers)]
        steps.append(Step(
            'data', f'list file of {split}', command,
            outputs=[data.list_file, f'{data.list_file}.dropped.txt']))
    command = ['python', _tool('class_counts.py'),
               challenge.splits['train'].list_file,
               challenge.class_counts_file]
    if num_classes is not None:
        command += ['--num-classes', str(num_classes)]
    steps.append(Step('data', 'training class counts', command,
                      outputs=[challenge.class_counts_file]))
    return steps


def _train_steps(challenge: Challenge, launch: Launch) -> List[Step]:
    steps = []
    for member in challenge.members:
        if not member.trains:
            continue
        work = challenge.member_dir(member)
        command = [
            *launch.prefix(f'train_{member.name}'), _tool('train.py'),
            challenge.member_config(member), '--work-dir', work
        ]
        if challenge.seed is not None:
            command += ['--seed', str(challenge.seed)]
        command += _cfg_options(member.cfg_options)
        if launch.launcher != 'none':
            command += ['--launcher', launch.launcher]
        steps.append(Step(
            'train', f'train {member.name}', command,
            outputs=[final_checkpoint(challenge, member)],
            marker=osp.join(work, 'train.done'),
            resume_file=osp.join(work, 'last_checkpoint'), heavy=True))
    return steps


def _test_steps(challenge: Challenge, launch: Launch) -> List[Step]:
    steps = []
    test_list = challenge.splits['test'].list_file
    for member in challenge.members:
        if member.tests:
            checkpoint = final_checkpoint(challenge, member)
            for split in ('val', 'test'):
                data = challenge.splits[split]
                out = challenge.score_file(member, split)
                command = [
                    *launch.prefix(f'test_{member.name}'),
                    _tool('dense_test.py'), challenge.member_config(member),
                    checkpoint, '--out', out, '--ann', data.list_file,
                    '--video-root', data.video_root, '--label-map',
                    challenge.label_map
                ]
                if member.dense_test.get('batch_views'):
                    command += ['--batch-views',
                                str(member.dense_test['batch_views'])]
                command += _cfg_options(member.cfg_options)
                if launch.launcher != 'none':
                    command += ['--launcher', launch.launcher]
                steps.append(Step('test', f'dense test of {member.name} on '
                                  f'{split}', command, outputs=[out],
                                  heavy=True))
        filled = challenge.filled_test_file(member)
        steps.append(Step(
            'test', f'class prior for the test videos {member.name} could '
            'not score',
            ['python', _tool('fill_missing_scores.py'),
             challenge.score_file(member, 'test'), '--test-list', test_list,
             '--train-list', challenge.splits['train'].list_file, '--out',
             filled], outputs=[filled]))
    return steps


def _recipe_members(challenge: Challenge) -> List[str]:
    """The recipe's member names, in its order, checked against the
    challenge's."""
    if not challenge.ensemble.get('recipe'):
        return [m.name for m in challenge.members]
    names = [m['name'] for m in Config.fromfile(recipe_path(challenge)).members]
    ours = [m.name for m in challenge.members]
    missing = [n for n in names if n not in ours]
    unused = [n for n in ours if n not in names]
    if missing or unused:
        raise ValueError(
            f'{challenge.path}: the recipe {recipe_path(challenge)} has '
            f'member(s) {missing} the challenge does not have, and the '
            f'challenge has member(s) {unused} the recipe does not use')
    return names


def _ensemble_steps(challenge: Challenge) -> List[Step]:
    names = _recipe_members(challenge)
    recipe = recipe_path(challenge)
    out_dir = challenge.ensemble_dir

    def score_options(split: str) -> List[str]:
        files = [challenge.score_file(challenge.member(n), 'val')
                 if split == 'val' else challenge.filled_test_file(
                     challenge.member(n)) for n in names]
        return ['--cfg-options',
                *[f'members.{i}.score_file={f}' for i, f in enumerate(files)]]

    fused_val = osp.join(out_dir, 'fused_val.npz')
    fused_test = osp.join(out_dir, 'fused_test.npz')
    # tools/ensemble.py replaces its report directory as a whole.
    weights = osp.join(challenge.report_dir, 'weights.json')
    return [
        Step('ensemble', 'fit the ensemble on val (honest k-fold estimate)',
             ['python', _tool('ensemble.py'), recipe, '--ann',
              challenge.splits['val'].list_file, '--out', fused_val,
              '--report', challenge.report_dir, *score_options('val')],
             outputs=[fused_val, weights],
             marker=osp.join(out_dir, 'val.done')),
        Step('ensemble', 'apply the val weights to test',
             ['python', _tool('ensemble.py'), recipe, '--split', 'test',
              '--ann', challenge.splits['test'].list_file, '--weights',
              weights, '--no-detail', '--out', fused_test, '--report',
              osp.join(out_dir, 'test_report'), *score_options('test')],
             outputs=[fused_test]),
    ]


def _submit_steps(challenge: Challenge) -> List[Step]:
    steps = []
    test_list = challenge.splits['test'].list_file
    fused_test = osp.join(challenge.ensemble_dir, 'fused_test.npz')
    num_classes = challenge.num_classes()
    for fmt in challenge.submission['formats']:
        out = challenge.submission_file(fmt)
        steps.append(Step(
            'submit', f'write the {fmt} submission',
            ['python', _tool('make_submission.py'), fused_test, '--out', out,
             '--format', fmt, '--test-list', test_list], outputs=[out],
            marker=osp.join(challenge.work_dir, f'submission_{fmt}.done')))
        command = ['python', _tool('validate_submission.py'), out,
                   '--test-list', test_list, '--format', fmt]
        if num_classes is not None:
            command += ['--num-classes', str(num_classes)]
        steps.append(Step(
            'submit', f'validate the {fmt} submission', command,
            marker=osp.join(challenge.work_dir, f'validated_{fmt}.done')))
    return steps


def plan_stage(challenge: Challenge, stage: str,
               launch: Launch = Launch()) -> List[Step]:
    """The steps of one stage, in order (the report has none: it runs
    in-process)."""
    if stage == 'data':
        return _data_steps(challenge)
    if stage == 'train':
        return _train_steps(challenge, launch)
    if stage == 'test':
        return _test_steps(challenge, launch)
    if stage == 'ensemble':
        return _ensemble_steps(challenge)
    if stage == 'submit':
        return _submit_steps(challenge)
    if stage == 'report':
        return []
    raise ValueError(f'unknown stage {stage!r}; stages: {list(STAGES)}')
