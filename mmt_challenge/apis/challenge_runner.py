"""Run a challenge's stages, resumably: data -> train -> test -> ensemble ->
submit -> report.

Each stage is the list of tool commands of
:func:`~.challenge_plan.plan_stage`. A finished step (its outputs, or the
marker written after it succeeded) is skipped, so an interrupted run picks
up where it stopped: a training resumes from its last checkpoint, every
other step starts over (each writes its outputs atomically). Trainings and
dense tests run in their own processes, under the launcher (without one, as
children of a fork server that has imported the stack once:
:mod:`.tool_processes`); the light steps run the same tool commands in this
process. Both save an interpreter start (several seconds of imports) per
step.
"""
import logging
import os
import os.path as osp
import runpy
import shutil
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

import pandas as pd
from mmengine.logging import MMLogger, print_log

from ..structures import load_score_file
from ..submission import prior_filled_videos
from ..utils import atomic_write_text
from .challenge_config import Challenge
from .challenge_plan import STAGES, Step, plan_stage
from .launch import Launch
from .member_injection import write_member_configs, write_recipe
from .challenge_report import prior_fill_lines, write_report
from .tool_processes import ToolProcesses

__all__ = ['ChallengeRunner', 'run_command']


_tool_processes: Optional[ToolProcesses] = None


def _run_forked(argv: List[str]) -> int:
    global _tool_processes
    if _tool_processes is None:
        _tool_processes = ToolProcesses()
    return _tool_processes.run(argv[1:])


def run_command(argv: List[str], in_process: bool = False) -> None:
    """Run a tool command; raise naming it if it fails.

    Args:
        argv (list[str]): The command (``sys.executable`` first, or a
            launcher). ``python TOOL ARGS`` runs in a child of the fork
            server of :mod:`.tool_processes`, a launcher's command in a new
            process.
        in_process (bool): Run ``python TOOL ARGS`` here, as ``__main__``
            with ``sys.argv`` set, instead. Defaults to False.
    """
    print_log('$ ' + ' '.join(argv), logger='current')
    if in_process:
        saved = sys.argv
        sys.argv = argv[1:]
        try:
            runpy.run_path(argv[1], run_name='__main__')
        except SystemExit as exit_:
            if exit_.code not in (None, 0):
                raise RuntimeError(f'{argv[1]} failed with exit code '
                                   f'{exit_.code}: {" ".join(argv)}') from None
        finally:
            sys.argv = saved
        return
    if argv[0] == sys.executable and argv[1].endswith('.py'):
        returncode = _run_forked(argv)
    else:
        returncode = subprocess.run(argv).returncode
    if returncode != 0:
        raise RuntimeError(f'{" ".join(argv)} failed with exit code '
                           f'{returncode}')


class ChallengeRunner:
    """Runs (or prints) a challenge's stages.

    Args:
        challenge (Challenge): From
            :func:`~.challenge_config.load_challenge`.
        launch (Launch): Launcher of the train and test stages. Defaults to
            ``Launch()`` (one process).
        stages (Sequence[str], optional): The stages to run, in
            :data:`~.challenge_plan.STAGES` order. Defaults to None (all).
    """

    def __init__(self,
                 challenge: Challenge,
                 *,
                 launch: Launch = Launch(),
                 stages: Optional[Sequence[str]] = None):
        unknown = [s for s in stages or () if s not in STAGES]
        if unknown:
            raise ValueError(f'unknown stage(s) {unknown}; stages: '
                             f'{list(STAGES)}')
        self.challenge = challenge
        self.launch = launch
        self.stages = [s for s in STAGES if stages is None or s in stages]
        self.timings: Dict[str, float] = {}

    # ---------------------------------------------------------------- plan
    def _prepare_stage(self, stage: str, dry_run: bool) -> bool:
        """Write the generated files a stage's commands name; False when
        they cannot be written yet (dry run before the data exists)."""
        if stage in ('train', 'test'):
            written = write_member_configs(self.challenge)
            if not written and not dry_run:
                raise FileNotFoundError(
                    f'{self.challenge.path}: the label map '
                    f'{self.challenge.label_map} does not exist (run the '
                    'data stage first, or state data.num_classes)')
            return written
        if stage == 'ensemble':
            write_recipe(self.challenge)
        return True

    def dry_run(self) -> List[str]:
        """Every command of the selected stages, in order, as shell lines
        (finished steps marked); writes only the generated configs and
        recipe into the work dir."""
        lines = []
        for stage in self.stages:
            lines.append(f'# stage {stage}')
            if not self._prepare_stage(stage, dry_run=True):
                lines.append(
                    f'# (the generated configs in '
                    f'{osp.join(self.challenge.work_dir, "configs")} are '
                    'written once the label map exists)')
            if stage == 'report':
                lines.append(
                    '# written by tools/run_challenge.py itself: '
                    f'{osp.join(self.challenge.work_dir, "report.md")}')
            for step in plan_stage(self.challenge, stage, self.launch):
                lines.append(str(step) + ('  # finished' if step.done else ''))
        return lines

    # ----------------------------------------------------------------- run
    def _logger(self) -> MMLogger:
        os.makedirs(self.challenge.work_dir, exist_ok=True)
        name = f'run_challenge_{time.strftime("%Y%m%d_%H%M%S")}'
        suffix = 0
        while MMLogger.check_instance_created(
                name + (f'_{suffix}' if suffix else '')):
            suffix += 1
        name += f'_{suffix}' if suffix else ''
        return MMLogger.get_instance(
            name,
            log_file=osp.join(self.challenge.work_dir, f'{name}.log'),
            log_level='INFO')

    def fresh(self) -> None:
        """Remove the work dir and a generated dataset (never data the
        challenge was given)."""
        paths = [self.challenge.work_dir]
        if self.challenge.generate:
            paths.append(self.challenge.generate['out'])
        for path in paths:
            if osp.isdir(path):
                print_log(f'--fresh: removing {path}', logger='current')
                shutil.rmtree(path)

    def run(self, fresh: bool = False) -> Optional[pd.DataFrame]:
        """Run the selected stages; returns the leaderboard table when the
        report stage runs."""
        if fresh:
            self.fresh()
        self._logger()
        table = None
        for stage in self.stages:
            start = time.perf_counter()
            print_log(f'===== stage {stage} =====', logger='current')
            self._prepare_stage(stage, dry_run=False)
            steps = plan_stage(self.challenge, stage, self.launch)
            for index in range(len(steps)):
                if stage == 'data':  # a generated label map gives the
                    # class count to the steps after it
                    steps = plan_stage(self.challenge, stage, self.launch)
                self._run_step(steps[index])
            if stage == 'test':
                for line in prior_fill_lines(self.prior_filled()):
                    print_log(line, logger='current', level=logging.WARNING)
            if stage == 'report' and self.launch.main_node:
                table = write_report(self.challenge, self.timings,
                                     self.prior_filled())
            self.timings[stage] = time.perf_counter() - start
        return table

    def _run_step(self, step: Step) -> None:
        if not step.heavy and not self.launch.main_node:
            return  # node 0 runs it; torchrun's rendezvous keeps us in step
        if step.done:
            print_log(f'{step.title}: finished, reusing '
                      f'{", ".join(step.outputs) or step.marker}',
                      logger='current')
            return
        resume = step.resume_file is not None and osp.isfile(step.resume_file)
        if resume:
            print_log(f'{step.title}: resuming the interrupted run',
                      logger='current')
        print_log(f'{step.title}', logger='current')
        # Looked up at call time, so that tests can watch the commands.
        sys.modules[__name__].run_command(
            step.argv(resume), in_process=not step.heavy)
        missing = [p for p in step.outputs if not osp.exists(p)]
        if missing and self.launch.main_node:
            raise RuntimeError(f'{step.title}: {step} finished but did not '
                               f'write {missing}')
        if step.marker is not None and self.launch.main_node:
            atomic_write_text(step.marker, str(step) + '\n')

    def prior_filled(self) -> Dict[str, Dict[str, str]]:
        """Member -> test video -> reason, of the prior-filled rows."""
        filled = {}
        for member in self.challenge.members:
            path = self.challenge.filled_test_file(member)
            if osp.isfile(path):
                videos = prior_filled_videos(load_score_file(path))
                if videos:
                    filled[member.name] = videos
        return filled
