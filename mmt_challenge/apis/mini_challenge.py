"""The whole mini challenge, end to end, with resumable stages.

Stages, each a file on disk so that a re-run skips what is finished:

1. ``data``: generate the mini M-MiT and write its list files;
2. ``train``: train every member through ``tools/train.py`` (the users' path;
   an interrupted member resumes from its last checkpoint);
3. ``test``: dense multi-scale test of every member on val and test
   (``tools/dense_test.py``), one score file per member and split;
4. ``ensemble``: fuse the members with weights searched on validation (and
   the honest k-fold estimate), apply them to test;
5. ``submit``: write the top-5 submission for the test split and validate it;
6. ``report``: the leaderboard table (each member per scale and fused, the
   ensemble and its honest k-fold estimate; sample / macro / micro mAP and
   motion-class mAP) printed and written as Markdown with plots.

Every output is written atomically (checkpoints by mmengine, whose
``last_checkpoint`` pointer only moves after a save completes), and a member
counts as trained only once its ``train.done`` marker exists.
"""
import json
import os.path as osp
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd
from mmengine.logging import print_log

from ..datasets import (build_list_file, generate_mini_dataset,
                        labels_to_multi_hot, motion_class_indices,
                        read_list_file)
from ..ensemble import (format_table, load_recipe, rows_in_order,
                        run_ensemble, write_report)
from ..structures import load_score_file, save_score_file
from ..evaluation import class_ap
from ..submission import make_submission, validate_submission
from ..utils import atomic_write_text

__all__ = ['MiniMember', 'MINI_MEMBERS', 'MiniChallenge']

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SPLITS = {'train': 'training', 'val': 'validation', 'test': 'testing'}


@dataclass(frozen=True)
class MiniMember:
    """A member of the mini challenge.

    Args:
        name (str): Short name used in tables.
        config (str): Its config, relative to the repository root.
        temporal (bool): Whether it models time (TSN does not).
    """
    name: str
    config: str
    temporal: bool = True

    @property
    def stem(self) -> str:
        return osp.splitext(osp.basename(self.config))[0]


MINI_MEMBERS = (
    MiniMember('TSN', 'configs/mini/tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py',
               temporal=False),
    MiniMember('TSM', 'configs/mini/tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py'),
    MiniMember('TIN', 'configs/mini/tin_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py'),
    MiniMember('SlowFast',
               'configs/mini/slowfast_r18_1xb8-4x8x1-8e_mini-mmit-rgb.py'),
)


class MiniChallenge:
    """Runs the mini challenge in ``work_dir``.

    Args:
        work_dir (str): Where every output goes. Defaults to
            ``'work_dirs/mini_challenge'``.
        data_dir (str): The mini dataset. Defaults to ``'data/mini_mmit'``.
        members (Sequence[MiniMember]): Defaults to :data:`MINI_MEMBERS`.
        recipe (str): The ensemble recipe, whose members are matched to
            ``members`` by name. Defaults to ``'ensembles/mini_challenge.py'``.
        dataset_kwargs (dict, optional): Passed to
            :func:`generate_mini_dataset` (sizes, seed). Defaults to None.
        train_options (Sequence[str]): Extra ``--cfg-options`` for every
            member's training (e.g. fewer epochs in a smoke test). Defaults
            to ().
        dense_test_options (Sequence[str]): Extra arguments for
            ``tools/dense_test.py``. Defaults to ().
        submission (str, optional): The submission file. Defaults to
            ``submissions/mini_challenge_top5.txt``.
    """

    def __init__(self,
                 work_dir: str = 'work_dirs/mini_challenge',
                 data_dir: str = 'data/mini_mmit',
                 members: Sequence[MiniMember] = MINI_MEMBERS,
                 recipe: str = 'ensembles/mini_challenge.py',
                 dataset_kwargs: Optional[dict] = None,
                 train_options: Sequence[str] = (),
                 dense_test_options: Sequence[str] = (),
                 submission: Optional[str] = None):
        if not members:
            raise ValueError('the mini challenge needs at least one member')
        self.work_dir = work_dir
        self.data_dir = data_dir
        self.members = tuple(members)
        self.recipe = recipe
        self.dataset_kwargs = dict(dataset_kwargs or {})
        self.train_options = list(train_options)
        self.dense_test_options = list(dense_test_options)
        self.submission = submission or osp.join(
            'submissions', 'mini_challenge_top5.txt')
        self.timings: Dict[str, float] = {}

    # ----------------------------------------------------------------- paths
    def list_file(self, split: str) -> str:
        return osp.join(self.data_dir, f'mini_mmit_{split}_list_videos.txt')

    def member_dir(self, member: MiniMember) -> str:
        return osp.join(self.work_dir, member.stem)

    def score_file(self, member: MiniMember, split: str) -> str:
        return osp.join(self.member_dir(member), f'scores_{split}.npz')

    @property
    def video_root(self) -> str:
        return osp.join(self.data_dir, 'videos')

    # ---------------------------------------------------------------- stages
    def run(self, fresh: bool = False) -> pd.DataFrame:
        """Run every stage; returns the leaderboard table."""
        if fresh:
            for path in (self.work_dir, self.data_dir):
                if osp.isdir(path):
                    print_log(f'--fresh: removing {path}', logger='current')
                    shutil.rmtree(path)
        stages = [('data', self.prepare_data), ('train', self.train_members),
                  ('test', self.test_members), ('ensemble', self.ensemble),
                  ('submit', self.submit)]
        for name, stage in stages:
            start = time.perf_counter()
            print_log(f'===== stage {name} =====', logger='current')
            stage()
            self.timings[name] = time.perf_counter() - start
        start = time.perf_counter()
        table = self.report()
        self.timings['report'] = time.perf_counter() - start
        return table

    def prepare_data(self) -> None:
        """Generate the mini M-MiT (once) and its list files."""
        if osp.isfile(osp.join(self.data_dir, 'classes.json')):
            print_log(f'reusing the mini dataset in {self.data_dir}',
                      logger='current')
        else:
            generate_mini_dataset(
                self.data_dir, show_progress=True, **self.dataset_kwargs)
        num_classes = len(read_classes(self.data_dir))
        for split, name in SPLITS.items():
            if not osp.isfile(self.list_file(split)):
                build_list_file(
                    osp.join(self.data_dir, f'{name}Set.csv'),
                    self.video_root,
                    self.list_file(split),
                    num_classes=num_classes)

    def _data_options(self) -> List[str]:
        options = [f'{loader}_dataloader.dataset.{key}={value}'
                   for loader, split in (('train', 'train'), ('val', 'val'),
                                         ('test', 'test'))
                   for key, value in (('ann_file', self.list_file(split)),
                                      ('data_prefix.video', self.video_root))]
        return options

    def train_members(self) -> None:
        """Train each member unless its ``train.done`` marker exists."""
        for member in self.members:
            work = self.member_dir(member)
            done = osp.join(work, 'train.done')
            if osp.isfile(done):
                print_log(f'{member.name}: trained, reusing {work}',
                          logger='current')
                continue
            command = ['tools/train.py', member.config, '--work-dir', work,
                       '--seed', '0']
            if osp.isfile(osp.join(work, 'last_checkpoint')):
                print_log(f'{member.name}: resuming the interrupted training',
                          logger='current')
                command.append('--resume')
            command += ['--cfg-options', *self._data_options(),
                        *self.train_options]
            _run_tool(command)
            atomic_write_text(done, _final_checkpoint(work) + '\n')

    def test_members(self) -> None:
        """Dense multi-scale test of each member on val and test."""
        for member in self.members:
            checkpoint = open(osp.join(self.member_dir(member),
                                       'train.done')).read().strip()
            for split in ('val', 'test'):
                out = self.score_file(member, split)
                if osp.isfile(out):
                    print_log(f'{member.name}: reusing {out}',
                              logger='current')
                    continue
                _run_tool([
                    'tools/dense_test.py', member.config, checkpoint, '--out',
                    out, '--ann', self.list_file(split), '--video-root',
                    self.video_root, '--label-map',
                    osp.join(self.data_dir, 'moments_categories.txt'),
                    *self.dense_test_options
                ])

    def _recipe(self):
        options = {}
        recipe_members = load_recipe(self.recipe).members
        by_name = {m.name: m for m in self.members}
        for index, spec in enumerate(recipe_members):
            if spec.name not in by_name:
                raise ValueError(f'recipe {self.recipe} has member '
                                 f'{spec.name!r}, which the challenge does '
                                 f'not train ({sorted(by_name)})')
            options[f'members.{index}.score_file'] = self.score_file(
                by_name[spec.name], '{split}')
        return load_recipe(self.recipe, cfg_options=options)

    @property
    def ensemble_dir(self) -> str:
        return osp.join(self.work_dir, 'ensemble')

    def ensemble(self) -> None:
        """Fit the fusion on val (with the honest estimate), apply to test."""
        fused_val = osp.join(self.ensemble_dir, 'fused_val.npz')
        fused_test = osp.join(self.ensemble_dir, 'fused_test.npz')
        weights_file = osp.join(self.ensemble_dir, 'weights.json')
        if osp.isfile(fused_test) and osp.isfile(weights_file):
            print_log(f'reusing the ensemble in {self.ensemble_dir}',
                      logger='current')
            return
        recipe = self._recipe()
        result = run_ensemble(
            recipe, split='val', ann_file=self.list_file('val'))
        print(format_table(result))
        write_report(result, self.ensemble_dir)
        save_score_file(fused_val, result.fused)
        with open(weights_file, encoding='utf-8') as f:
            weights = json.load(f)['weights']
        test = run_ensemble(
            recipe,
            split='test',
            ann_file=self.list_file('test'),
            weights=weights,
            search=False,
            detail=False)
        save_score_file(fused_test, test.fused)

    def submit(self) -> None:
        """Write and validate the top-5 submission for the test split."""
        make_submission(
            osp.join(self.ensemble_dir, 'fused_test.npz'),
            self.submission,
            format='top5',
            test_list=self.list_file('test'))
        problems = validate_submission(
            self.submission, self.list_file('test'),
            num_classes=len(read_classes(self.data_dir)))
        if problems:
            raise RuntimeError(f'{self.submission} failed validation: '
                               f'{problems[:5]}')
        print_log(f'submission written and validated: {self.submission}',
                  logger='current')

    def report(self) -> pd.DataFrame:
        """The leaderboard on val, printed and written as Markdown.

        Rows: every member at each test scale and fused over its scales,
        the ensemble and its honest k-fold estimate, from the ensemble's
        ``summary.csv`` (sample / macro / micro mAP), plus the macro mAP
        over the motion-only classes, computed here.

        Returns:
            pd.DataFrame: One row per member (fused scales) and
            ``'ensemble'``; columns ``sample_mAP``, ``macro_mAP``,
            ``micro_mAP``, ``motion_mAP``.
        """
        records = read_list_file(self.list_file('val'))
        labels = labels_to_multi_hot(records,
                                     len(read_classes(self.data_dir)))
        ids = [r.video_id for r in records]
        motion = list(motion_class_indices(self.data_dir))

        def motion_map(scores: np.ndarray) -> float:
            return float(np.nanmean(class_ap(scores, labels)[motion]))

        summary = pd.read_csv(osp.join(self.ensemble_dir, 'summary.csv'))
        _, fused = _rows_of(osp.join(self.ensemble_dir, 'fused_val.npz'), ids)
        fused = fused[:, 0]
        board = []
        for member in self.members:
            scales, scores = _rows_of(self.score_file(member, 'val'), ids)
            rows = summary[summary['member'] == member.name]
            for _, row in rows[rows['kind'] == 'scale'].iterrows():
                scale = int(row['scale'])
                board.append(_board_row(
                    row, member.name, str(scale),
                    motion_map(scores[:, scales.index(scale)])))
            row = rows[rows['kind'] == 'member'].iloc[0]
            board.append(_board_row(row, member.name, 'fused',
                                    motion_map(scores.mean(axis=1))))
        for kind, name in (('ensemble', 'ensemble'),
                           ('ensemble k-fold', 'ensemble, k-fold estimate')):
            rows = summary[summary['kind'] == kind]
            if len(rows):
                board.append(_board_row(
                    rows.iloc[0], name, '',
                    motion_map(fused) if kind == 'ensemble' else np.nan))
        board = pd.DataFrame(board)
        table = board[board['scale'].isin(['fused', ''])
                      & (board['model'] != 'ensemble, k-fold estimate')]
        table = table.set_index('model')[[
            'sample_mAP', 'macro_mAP', 'micro_mAP', 'motion_mAP']]

        facts = self._facts(table, board)
        lines = _markdown_table(board)
        timing = ', '.join(f'{k} {v:.0f} s' for k, v in self.timings.items())
        text = '\n'.join([
            '# Mini challenge report', '',
            'Validation split. Each member at each test scale and fused '
            'over its scales; ensemble weights fitted on validation (the '
            'k-fold row fits them on the other folds); 95% bootstrap '
            'intervals of sample mAP in brackets.', '', *lines, '',
            *[f'- {f}' for f in facts], '',
            f'Submission: `{self.submission}` (validated).', '',
            *([f'Stage times: {timing}.', ''] if timing else []),
            '![members](ensemble/members.png)', '',
            '![weights](ensemble/weights.png)', '',
            '![per-class AP](ensemble/per_class_ap.png)', ''
        ])
        atomic_write_text(osp.join(self.work_dir, 'report.md'), text)
        print('\n'.join(lines))
        print('\n'.join(facts))
        print(f'report: {osp.join(self.work_dir, "report.md")}')
        return table

    def _facts(self, table: pd.DataFrame, board: pd.DataFrame) -> List[str]:
        """The two facts the mini challenge is built to show, in words."""
        members = table.drop(index='ensemble')
        best = members['sample_mAP'].idxmax()
        ensemble = table.loc['ensemble', 'sample_mAP']
        verdict = 'beats' if ensemble > members.loc[best, 'sample_mAP'] \
            else 'does NOT beat'
        facts = [f'Ensemble {ensemble:.4f} vs best member {best} '
                 f'{members.loc[best, "sample_mAP"]:.4f}: the ensemble '
                 f'{verdict} its best member (val sample mAP, weights fitted '
                 'on val).']
        kfold = board[board['model'] == 'ensemble, k-fold estimate']
        if len(kfold):
            folds = osp.join(self.ensemble_dir, 'folds.csv')
            k = len(pd.read_csv(folds)) if osp.isfile(folds) else 'k'
            facts.append(f'Honest {k}-fold estimate of the ensemble '
                         f'(weights fitted on the other folds): '
                         f'{kfold.iloc[0]["sample_mAP"]:.4f}.')
        static = [m.name for m in self.members if not m.temporal]
        for name in static:
            for member in self.members:
                if not member.temporal:
                    continue
                ours, theirs = (table.loc[member.name, 'motion_mAP'],
                                table.loc[name, 'motion_mAP'])
                verdict = 'beats' if ours > theirs else 'does NOT beat'
                facts.append(f'{member.name} {verdict} {name} on the '
                             f'motion-only classes ({ours:.4f} vs '
                             f'{theirs:.4f}).')
        return facts


def read_classes(data_dir: str) -> List[str]:
    with open(osp.join(data_dir, 'moments_categories.txt')) as f:
        return [line.strip() for line in f if line.strip()]


def _run_tool(args: List[str]) -> None:
    """Run ``python <tool> ...`` from the repository root, streaming output."""
    command = [sys.executable, *args]
    print_log('$ ' + ' '.join(command), logger='current')
    result = subprocess.run(command, cwd=REPO_ROOT)
    if result.returncode != 0:
        raise RuntimeError(f'{args[0]} failed with exit code '
                           f'{result.returncode}: {" ".join(command)}')


def _final_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def _rows_of(path: str, video_ids: Sequence[str]) -> tuple:
    """A score file's scales ``[S]`` (a list) and its ``[N, S, C]`` scores
    in ``video_ids`` order."""
    score_file = load_score_file(path)
    rows = rows_in_order(path, score_file, video_ids, 'the val list')
    return score_file.scales.tolist(), score_file.scores[rows]


def _board_row(summary_row: pd.Series, model: str, scale: str,
               motion_map: float) -> dict:
    return dict(
        model=model,
        scale=scale,
        weight=summary_row['weight'],
        sample_mAP=summary_row['sample_mAP'],
        ci_low=summary_row['ci_low'],
        ci_high=summary_row['ci_high'],
        macro_mAP=summary_row['macro_mAP'],
        micro_mAP=summary_row['micro_mAP'],
        motion_mAP=motion_map)


def _markdown_table(board: pd.DataFrame) -> List[str]:
    def number(value: float) -> str:
        return '' if pd.isna(value) else f'{value:.4f}'

    lines = ['| model | scale | weight | sample mAP | macro mAP | micro mAP '
             '| motion-class macro mAP |', '|---|---|---|---|---|---|---|']
    for row in board.itertuples():
        sample = number(row.sample_mAP)
        if not pd.isna(row.ci_low):
            sample += f' ({row.ci_low:.4f}-{row.ci_high:.4f})'
        weight = '' if pd.isna(row.weight) else f'{row.weight:.3f}'
        lines.append(f'| {row.model} | {row.scale} | {weight} | {sample} | '
                     f'{number(row.macro_mAP)} | {number(row.micro_mAP)} | '
                     f'{number(row.motion_mAP)} |')
    return lines
