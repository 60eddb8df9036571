"""Progress reports that read well on a terminal and in a log file.

mmengine's ``ProgressBar`` (and ``track_progress``) redraws its line with
``'\\r'``: written to a file -- a Slurm log, ``tee``, a CI log -- that becomes
one ever-growing line, or a line per item once a viewer splits the carriage
returns. Here the progress is drawn by rich, with the columns of mmengine's
own ``track_progress_rich``: live on a terminal; elsewhere as a static line
each time another ``every`` fraction of the work is done (eleven lines for
the default 0.1: the start and every tenth).

Example:
    >>> from mmt_challenge.utils.progress import track_map
    >>> track_map(abs, [-1, 2, -3], description='abs')  # doctest: +SKIP
    [1, 2, 3]
"""
import sys
from multiprocessing import Pool
from typing import (Callable, Iterable, Iterator, List, Optional, TextIO,
                    TypeVar)

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress,
                           ProgressColumn, Task, TaskProgressColumn,
                           TextColumn, TimeElapsedColumn, TimeRemainingColumn)
from rich.text import Text

from .checks import check_int, check_probability

__all__ = ['ProgressReport', 'track', 'track_map']

T = TypeVar('T')
R = TypeVar('R')


class _RateColumn(ProgressColumn):
    """Steps per second, e.g. ``'3.21 videos/s'`` (rich shows a rate only
    for tasks of unknown length)."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text('' if speed is None else f'{speed:.2f} {self.unit}/s')


class ProgressReport:
    """Report the progress of ``total`` steps on ``file``.

    On a terminal the bar redraws in place; on anything else (a file, a
    pipe) a line is printed at the start and whenever the completed steps
    cross another multiple of ``every * total``, so a log holds at most
    ``1 + ceil(1 / every)`` lines per report.

    Args:
        total (int): Number of steps, at least 0 (0 prints nothing).
        description (str): Shown before the bar. Defaults to
            ``'Processing'``.
        unit (str): What a step is, for the rate: ``'<unit>/s'``.
            Defaults to ``'it'``.
        file (TextIO, optional): Where to write; None means ``sys.stdout``
            at the time of the call. Defaults to None.
        every (float): Fraction of ``total`` between two lines off a
            terminal, in ``(0, 1]``. Defaults to 0.1.
        disable (bool): Print nothing (for callers with a ``progress``
            switch). Defaults to False.

    Example:
        >>> with ProgressReport(3, 'Scoring') as report:  # doctest: +SKIP
        ...     for _ in range(3):
        ...         report.update()
    """

    def __init__(self,
                 total: int,
                 description: str = 'Processing',
                 *,
                 unit: str = 'it',
                 file: Optional[TextIO] = None,
                 every: float = 0.1,
                 disable: bool = False) -> None:
        self.total = check_int(total, 'total', min_val=0)
        self.every = check_probability(
            every, 'every', include_boundaries='right')
        self.completed = 0
        self.console = Console(file=file if file is not None else sys.stdout)
        self.disabled = disable or total == 0
        self.live = (not self.disabled and self.console.is_terminal
                     and not self.console.is_dumb_terminal)
        self._progress = Progress(
            TextColumn('{task.description}'),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            _RateColumn(unit),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            disable=self.disabled)
        self._task = self._progress.add_task(description, total=total)
        self._lines = 0  # static lines printed so far, after the first
        self._printed = None  # ``completed`` at the last static line
        self._closed = False
        if self.live:
            self._progress.start()
        else:
            self._print()

    def _print(self) -> None:
        self._printed = self.completed
        if not self.disabled:
            self.console.print(
                self._progress.make_tasks_table(self._progress.tasks))

    def update(self, steps: int = 1) -> None:
        """Mark ``steps`` more steps done."""
        self.completed += steps
        self._progress.update(self._task, advance=steps)
        if not self.live and not self.disabled:
            crossed = int(self.completed / (self.every * self.total) + 1e-9)
            if crossed > self._lines:
                self._lines = crossed
                self._print()

    def close(self) -> None:
        """Stop a live bar; off a terminal, print the last state unless it
        was just printed."""
        if self._closed:
            return
        self._closed = True
        if self.live:
            self._progress.stop()
        elif self._printed != self.completed:  # stopped early: say where
            self._print()

    def __enter__(self) -> 'ProgressReport':
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def track(iterable: Iterable[T],
          total: Optional[int] = None,
          description: str = 'Processing',
          *,
          unit: str = 'it',
          file: Optional[TextIO] = None,
          every: float = 0.1,
          disable: bool = False) -> Iterator[T]:
    """Yield the items of ``iterable``, reporting progress (see
    :class:`ProgressReport` for the options); ``total`` defaults to
    ``len(iterable)``."""
    if total is None:
        total = len(iterable)  # type: ignore[arg-type]
    with ProgressReport(
            total, description, unit=unit, file=file, every=every,
            disable=disable) as bar:
        for item in iterable:
            yield item
            bar.update()


def track_map(func: Callable[[T], R],
              tasks: Iterable[T],
              *,
              nproc: int = 1,
              description: str = 'Processing',
              unit: str = 'it',
              file: Optional[TextIO] = None,
              every: float = 0.1,
              disable: bool = False) -> List[R]:
    """``[func(task) for task in tasks]`` with a progress report, in
    ``nproc`` processes when ``nproc > 1`` (results in task order).

    Replaces mmengine's ``track_progress`` / ``track_parallel_progress``.

    Args:
        func (callable): Applied to each task; picklable if ``nproc > 1``.
        tasks (Iterable): The tasks; a sized collection.
        nproc (int): Worker processes. Defaults to 1 (this process).
        description (str): Shown before the bar. Defaults to
            ``'Processing'``.
        unit (str): See :class:`ProgressReport`. Defaults to ``'it'``.
        file (TextIO, optional): See :class:`ProgressReport`.
            Defaults to None.
        every (float): See :class:`ProgressReport`. Defaults to 0.1.
        disable (bool): See :class:`ProgressReport`. Defaults to False.

    Returns:
        list: ``func(task)`` for each task, in order.
    """
    check_int(nproc, 'nproc', min_val=1)
    tasks = list(tasks)
    report = dict(
        description=description,
        unit=unit,
        file=file,
        every=every,
        disable=disable)
    if nproc == 1:
        return [func(task) for task in track(tasks, **report)]
    with Pool(nproc) as pool:
        return list(track(pool.imap(func, tasks), len(tasks), **report))
