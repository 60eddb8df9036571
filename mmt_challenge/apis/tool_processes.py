"""Heavy tool commands (trainings, dense tests) in processes that start
without the imports.

Every ``python tools/<tool>.py`` process spends several seconds importing
torch, mmengine and MMAction2 before it does anything: over a minute of a
ten-minute mini challenge with its dozen trainings and dense tests. Here
the children are forked from a :mod:`multiprocessing` fork server that has
imported the stack once. A fork server, not a plain fork of the runner:
the runner has run torch (and numba) code by then, and a child forked
after OpenMP's thread pool started hangs in its first parallel operator;
the server only imports, so its children start their own pools, with the
same threads and results as a new interpreter. A child gets what a new
process would: the caller's working directory, environment (``OMP_NUM_THREADS``
included), standard output and error at the time of the call (not the
server's, from its start), or a log file instead. Several commands may run
at once, each from its own thread (:meth:`ToolProcesses.run` blocks).
"""
import multiprocessing
import os
import runpy
import sys
import threading
from multiprocessing import reduction
from typing import Dict, List, Optional

__all__ = ['ToolProcesses']

#: What the fork server imports once; every tool's heavy imports.
PRELOAD = ('torch', 'mmengine.runner', 'mmaction.models', 'mmaction.datasets',
           'mmt_challenge')


class _InheritedFd:
    """This process's file descriptor ``fd``, sent to the child when the
    process object is pickled for the fork server (``detach()`` there
    gives the child's copy)."""

    def __init__(self, fd: int):
        self.fd = fd

    def __reduce__(self):
        return _detached, (reduction.DupFd(self.fd), )


def _detached(dup_fd) -> int:
    return dup_fd.detach()


def _run_tool(argv: List[str], cwd: str, environ: dict, stdout: int,
              stderr: int) -> None:
    """The child: ``python TOOL ARGS`` as ``__main__``."""
    for fd, target in ((stdout, 1), (stderr, 2)):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(environ)
    threads = environ.get('OMP_NUM_THREADS', '')
    if threads.isdigit() and int(threads) > 0:
        # OpenMP read the variable when the server loaded torch
        import torch
        torch.set_num_threads(int(threads))
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
    runpy.run_path(argv[0], run_name='__main__')


class ToolProcesses:
    """Runs ``python TOOL ARGS`` commands in children of a fork server that
    has imported :data:`PRELOAD`; the server starts with the first
    command and ends with this process."""

    def __init__(self):
        self._context = multiprocessing.get_context('forkserver')
        self._context.set_forkserver_preload(list(PRELOAD))
        self._lock = threading.Lock()
        self._children = set()

    def run(self,
            argv: List[str],
            env: Optional[Dict[str, str]] = None,
            output: Optional[int] = None) -> int:
        """Run one command and wait for it.

        Args:
            argv (list[str]): ``argv[0]`` the tool's path, the whole list
                its ``sys.argv``.
            env (dict, optional): Variables set for this command on top of
                this process's environment. Defaults to None.
            output (int, optional): A file descriptor that gets the
                command's standard output and error. Defaults to None
                (this process's).

        Returns:
            int: The exit code (1 for an uncaught exception, whose
            traceback the child prints).
        """
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        outputs = (1, 2) if output is None else (output, output)
        child = self._context.Process(
            target=_run_tool,
            args=(argv, os.getcwd(), {**os.environ, **(env or {})},
                  *(_InheritedFd(fd) for fd in outputs)),
            name=os.path.basename(argv[0]))
        with self._lock:  # one connection to the server at a time
            child.start()
            self._children.add(child)
        try:
            child.join()
        except BaseException:  # Ctrl-C: the child has it too; don't orphan
            child.terminate()
            child.join()
            raise
        finally:
            with self._lock:
                self._children.discard(child)
        return child.exitcode

    def terminate(self) -> None:
        """End every running command (Ctrl-C while other threads wait in
        :meth:`run`); their :meth:`run` calls return."""
        with self._lock:
            children = list(self._children)
        for child in children:
            child.terminate()
