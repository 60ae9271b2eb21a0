"""Where the benchmark's runs execute: in this process, in a local process pool,
or on a Dask distributed cluster. One task per (cell, seed); results come back
as they finish, each with its task's index, so the caller's aggregation does
not depend on the order (and the same seeds give the same numbers on every
executor: a run depends only on its scenario, policy and seed).

Every executor runs a top-level function of picklable arguments
(:func:`subnetfrag.sim.simulate` qualifies). A process pool or a Dask worker
re-imports the modules it needs, so a policy added with
:func:`~subnetfrag.register_policy` is known there only if it is registered when
a module the workers import is imported (a package's ``__init__``, say, named in
the scenario's policy list by the name it registers); a policy registered in an
interactive session or a script's ``main`` is not. Dask is an optional extra:
``pip install 'subnetfrag[dask]'``.
"""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from ..errors import SubnetFragError

__all__ = [
    "DaskExecutor",
    "Executor",
    "ExecutorUnavailable",
    "InProcessExecutor",
    "ProcessPoolExecutor",
    "make_executor",
]

T = TypeVar("T")
R = TypeVar("R")


class ExecutorUnavailable(SubnetFragError, ImportError):
    """The Dask executor was asked for but ``dask[distributed]`` is not
    installed, or its scheduler cannot be reached."""


@runtime_checkable
class Executor(Protocol):
    """Runs ``fn`` on every task and yields ``(index, result)`` as each
    finishes. ``describe`` names it in output (``"2 processes"``)."""

    def describe(self) -> str:
        """A few words for the output."""
        ...

    def run(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[tuple[int, R]]:
        """Yield ``(i, fn(tasks[i]))`` for every task, in completion order.
        A task's exception propagates (and the remaining tasks are cancelled)."""
        ...

    def close(self) -> None:
        """Release the workers (a no-op when there are none)."""
        ...


class InProcessExecutor:
    """Runs the tasks one after another in this process."""

    def describe(self) -> str:
        """``"in-process"``."""
        return "in-process"

    def run(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[tuple[int, R]]:
        """In order. O(tasks) calls."""
        for i, task in enumerate(tasks):
            yield i, fn(task)

    def close(self) -> None:
        """Nothing to release."""


class ProcessPoolExecutor:
    """A pool of ``workers`` local processes (``concurrent.futures``). Raises
    ValueError for fewer than one worker."""

    def __init__(self, workers: int) -> None:
        if type(workers) is not int or workers < 1:
            raise ValueError(f"a process pool needs one worker or more, not {workers!r}")
        self.workers = workers
        self._pool: cf.ProcessPoolExecutor | None = None

    def describe(self) -> str:
        """``"N processes"``."""
        return f"{self.workers} process{'es' if self.workers != 1 else ''}"

    def run(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[tuple[int, R]]:
        """Submit every task, yield as they complete. The pool is started on
        first use and kept until :meth:`close`."""
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(max_workers=self.workers)
        futures = {self._pool.submit(fn, task): i for i, task in enumerate(tasks)}
        try:
            for fut in cf.as_completed(futures):
                yield futures[fut], fut.result()
        finally:
            for fut in futures:
                fut.cancel()

    def close(self) -> None:
        """Shut the pool down (waiting for running tasks)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor:
    """Tasks on a Dask distributed cluster: ``DaskExecutor("tcp://host:8786")``
    connects to a running scheduler; ``DaskExecutor(client)`` uses a
    ``distributed.Client`` you made (a ``LocalCluster``'s, say) and leaves it
    open on :meth:`close`.

    Raises :class:`ExecutorUnavailable` when ``distributed`` is missing or the
    scheduler does not answer within ``timeout_s``.
    """

    def __init__(self, scheduler: Any, *, timeout_s: float = 10.0) -> None:
        try:
            distributed: Any = importlib.import_module("distributed")
        except ImportError:
            raise ExecutorUnavailable(
                "the Dask executor needs dask[distributed]: pip install 'subnetfrag[dask]'"
            ) from None
        self._distributed = distributed
        self.client: Any
        if isinstance(scheduler, str):
            try:
                self.client = distributed.Client(scheduler, timeout=timeout_s)
            except (OSError, TimeoutError, ValueError) as exc:  # ValueError: no port, say
                raise ExecutorUnavailable(
                    f"cannot reach the Dask scheduler at {scheduler}: {exc}"
                ) from None
            self._own = True
        else:
            self.client = scheduler
            self._own = False
        self.address = str(self.client.scheduler.address)

    def describe(self) -> str:
        """``"Dask at ADDRESS"``."""
        return f"Dask at {self.address}"

    def run(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[tuple[int, R]]:
        """One Dask task per task (``pure=False``: never merged), gathered as
        they finish."""
        futures = [self.client.submit(fn, task, pure=False) for task in tasks]
        index = {fut.key: i for i, fut in enumerate(futures)}
        try:
            for fut, result in self._distributed.as_completed(futures, with_results=True):
                yield index[fut.key], result
        finally:
            self.client.cancel(futures)

    def close(self) -> None:
        """Close the client if this executor opened it."""
        if self._own:
            self.client.close()


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor the command line's options name: ``scheduler`` (a Dask
    address), else ``workers`` > 1 (a process pool; 0 means one per CPU),
    else in-process. Raises ValueError for both at once or a negative count,
    :class:`ExecutorUnavailable` as :class:`DaskExecutor` does. O(1) (a Dask
    connection aside)."""
    if scheduler is not None and workers is not None:
        raise ValueError("give a worker count or a Dask scheduler, not both")
    if scheduler is not None:
        return DaskExecutor(scheduler)
    if workers is not None and workers < 0:
        raise ValueError(f"the worker count is 0 (one per CPU) or more, not {workers}")
    if workers == 0:
        workers = os.cpu_count() or 1
    if workers is None or workers == 1:
        return InProcessExecutor()
    return ProcessPoolExecutor(workers)
