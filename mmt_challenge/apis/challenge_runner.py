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
step. Without a launcher, ``jobs`` trainings (then dense tests) run at once,
each with the threads one alone would use, its output in a log file of the
work dir; each sees one GPU where there are GPUs.
"""
import contextlib
import logging
import os
import os.path as osp
import re
import runpy
import shutil
import subprocess
import sys
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Dict, List, Optional, Sequence

import pandas as pd
import torch
from mmengine.logging import MMLogger, print_log

from ..structures import load_score_file
from ..submission import prior_filled_videos
from ..utils import atomic_write_text
from ..utils.checks import check_positive_int
from .challenge_config import Challenge
from .challenge_plan import STAGES, Step, plan_stage
from .launch import Launch
from .member_injection import write_member_configs, write_recipe
from .challenge_report import prior_fill_lines, write_report
from .tool_processes import ToolProcesses

__all__ = ['ChallengeRunner', 'run_command']


_tool_processes: Optional[ToolProcesses] = None


def _tool_processes_() -> ToolProcesses:
    global _tool_processes
    if _tool_processes is None:
        _tool_processes = ToolProcesses()
    return _tool_processes


def run_command(argv: List[str],
                in_process: bool = False,
                env: Optional[Dict[str, str]] = None,
                log_file: Optional[str] = None) -> None:
    """Run a tool command; raise naming it if it fails.

    Args:
        argv (list[str]): The command (``sys.executable`` first, or a
            launcher). ``python TOOL ARGS`` runs in a child of the fork
            server of :mod:`.tool_processes`, a launcher's command in a new
            process.
        in_process (bool): Run ``python TOOL ARGS`` here, as ``__main__``
            with ``sys.argv`` set, instead. Defaults to False.
        env (dict, optional): Variables set for a command in its own
            process. Defaults to None.
        log_file (str, optional): Append the output of a command in its
            own process to this file. Defaults to None (this process's
            output).
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
    if log_file is None:
        _run_in_own_process(argv, env, None)
        return
    os.makedirs(osp.dirname(log_file) or '.', exist_ok=True)
    with open(log_file, 'ab') as log:
        log.write(f'$ {" ".join(argv)}\n'.encode())
        log.flush()
        _run_in_own_process(argv, env, log.fileno())


def _run_in_own_process(argv: List[str], env: Optional[Dict[str, str]],
                        output: Optional[int]) -> None:
    if argv[0] == sys.executable and argv[1].endswith('.py'):
        returncode = _tool_processes_().run(argv[1:], env=env, output=output)
    else:
        returncode = subprocess.run(
            argv, env={**os.environ, **(env or {})}, stdout=output,
            stderr=None if output is None else subprocess.STDOUT).returncode
    if returncode != 0:
        raise RuntimeError(f'{" ".join(argv)} failed with exit code '
                           f'{returncode}')


def job_devices() -> List[str]:
    """The GPUs (``CUDA_VISIBLE_DEVICES`` entries) that concurrent jobs
    take turns on; empty without CUDA."""
    count = torch.cuda.device_count()
    if not count:
        return []
    visible = os.environ.get('CUDA_VISIBLE_DEVICES')
    if visible:
        return [d.strip() for d in visible.split(',')][:count]
    return [str(i) for i in range(count)]


class ChallengeRunner:
    """Runs (or prints) a challenge's stages.

    Args:
        challenge (Challenge): From
            :func:`~.challenge_config.load_challenge`.
        launch (Launch): Launcher of the train and test stages. Defaults to
            ``Launch()`` (one process).
        stages (Sequence[str], optional): The stages to run, in
            :data:`~.challenge_plan.STAGES` order. Defaults to None (all).
        jobs (int, optional): Trainings (then dense tests) that run at once
            without a launcher. Defaults to None (the challenge's ``jobs``
            without a launcher, else 1).
    """

    def __init__(self,
                 challenge: Challenge,
                 *,
                 launch: Launch = Launch(),
                 stages: Optional[Sequence[str]] = None,
                 jobs: Optional[int] = None):
        unknown = [s for s in stages or () if s not in STAGES]
        if unknown:
            raise ValueError(f'unknown stage(s) {unknown}; stages: '
                             f'{list(STAGES)}')
        if jobs is None:  # the challenge's jobs: without a launcher only
            jobs = challenge.jobs if launch.launcher == 'none' else 1
        self.jobs = check_positive_int(jobs, 'jobs')
        if self.jobs > 1 and launch.launcher != 'none':
            raise ValueError(
                f'{self.jobs} jobs at once need --launcher none (a launcher '
                'spreads each training over its processes; use --jobs 1)')
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
            steps = plan_stage(self.challenge, stage, self.launch)
            if self.jobs > 1 and sum(s.heavy for s in steps) > 1:
                lines.append(f'# the {stage} commands in their own processes '
                             f'run {self.jobs} at once, before the others')
            for step in steps:
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
        with _sleeping_omp_waits(self.jobs > 1):
            return self._run_stages()

    def _run_stages(self) -> Optional[pd.DataFrame]:
        table = None
        for stage in self.stages:
            start = time.perf_counter()
            print_log(f'===== stage {stage} =====', logger='current')
            self._prepare_stage(stage, dry_run=False)
            steps = plan_stage(self.challenge, stage, self.launch)
            if self.jobs > 1:
                self._run_at_once([s for s in steps if s.heavy])
                steps = [s for s in steps if not s.heavy]
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

    def _job_log(self, step: Step) -> str:
        name = re.sub(r'[^A-Za-z0-9_.+-]+', '_', step.title)
        return osp.join(self.challenge.work_dir, 'logs', f'{name}.log')

    def _run_at_once(self, steps: List[Step]) -> None:
        """Run ``steps`` (own-process commands), ``self.jobs`` at once, each
        in a slot with its own log file (and GPU, round robin). After a
        failure, no new step starts; the running ones finish."""
        queue: deque = deque()
        for step in steps:
            if step.done:
                self._run_step(step)  # logs the reuse
            else:
                queue.append(step)
        total = len(queue)
        devices = job_devices()
        free_slots = list(range(self.jobs))[::-1]
        running: dict = {}
        failed = []
        with ThreadPoolExecutor(self.jobs) as pool:
            try:
                while running or (queue and not failed):
                    while queue and not failed and free_slots:
                        step, slot = queue.popleft(), free_slots.pop()
                        env = {}
                        if devices:
                            env['CUDA_VISIBLE_DEVICES'] = devices[
                                slot % len(devices)]
                        log = self._job_log(step)
                        print_log(
                            f'[{total - len(queue)}/{total}] started: '
                            f'{step.title} (output: {log})', logger='current')
                        future = pool.submit(self._run_step, step, env, log)
                        running[future] = (step, slot, log,
                                           time.perf_counter())
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        step, slot, log, start = running.pop(future)
                        free_slots.append(slot)
                        try:
                            future.result()
                        except Exception as error:  # reported below
                            failed.append((step, log, error))
                            print_log(f'failed: {step.title} ({error}); '
                                      f'the end of {log}:\n' + _tail(log),
                                      logger='current', level=logging.ERROR)
                            continue
                        print_log(f'finished: {step.title} in '
                                  f'{time.perf_counter() - start:.0f} s',
                                  logger='current')
            except BaseException:  # Ctrl-C: end the jobs, keep what is done
                if _tool_processes is not None:
                    _tool_processes.terminate()
                raise
        if failed:
            raise RuntimeError('; '.join(
                f'{step.title} failed (output: {log}): {error}'
                for step, log, error in failed))

    def _run_step(self,
                  step: Step,
                  env: Optional[Dict[str, str]] = None,
                  log_file: Optional[str] = None) -> None:
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
            step.argv(resume), in_process=not step.heavy, env=env,
            log_file=log_file)
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


@contextlib.contextmanager
def _sleeping_omp_waits(needed: bool):
    """``OMP_WAIT_POLICY=PASSIVE`` while the stages run, unless the user set
    a policy. Several jobs each have as many OpenMP threads as a lone run
    (the thread count fixes how a sum is split, so the results are a lone
    run's): their waiting threads must sleep, not spin. The fork server
    reads it when it starts and loads torch."""
    if not needed or 'OMP_WAIT_POLICY' in os.environ:
        yield
        return
    os.environ['OMP_WAIT_POLICY'] = 'PASSIVE'
    try:
        yield
    finally:
        os.environ.pop('OMP_WAIT_POLICY', None)


def _tail(path: str, lines: int = 20) -> str:
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return ''.join(deque(f, maxlen=lines))
    except OSError as error:
        return f'({error})'
