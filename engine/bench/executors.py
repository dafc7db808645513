"""One runner per executor of DESIGN.md, all with one signature: open a session (pool start-up timed
apart), run a repeat of N tasks recording each task's span and worker, close.

Standard library only (any interpreter 3.10-3.14 runs it). Never measures statistics (measure.py)
nor writes output (worker.py); a kernel error propagates to the caller, which records it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from engine.bench.results import EXECUTORS, START_METHODS, Span
from engine.errors import InputError

# How long start-up may take to get an answer from every pool worker before it gives up waiting.
_READY_DEADLINE_S = 10.0


@dataclass(frozen=True)
class Work:
    """What every task runs: a kernel's forms bound to one size (see kernels.Kernel).

    `initializer(*initargs)`, when given, runs once in every pool process and subinterpreter before its
    first task (the pool's initializer), and once in this process when a session whose tasks run here
    starts; each session's start-up time includes it. `setup_report()`, when given, says how a worker got
    that state; every session asks each of its workers once after start-up, outside the timed start-up.
    """

    function: Callable[[int], Any]
    size: int
    async_function: Callable[[int], Awaitable[Any]] | None = None
    async_fetch: Callable[[int], Awaitable[Any]] | None = None
    parse: Callable[[Any], Any] | None = None
    initializer: Callable[..., Any] | None = None
    initargs: tuple[Any, ...] = ()
    setup_report: Callable[[], dict[str, Any]] | None = None


@dataclass(frozen=True)
class RepeatRun:
    """One repeat: wall time of all tasks, their values in task order, and their spans."""

    elapsed_s: float
    values: tuple[Any, ...]
    spans: tuple[Span, ...]


class PoolProcessDied(RuntimeError):
    """A process of the pool died mid-run (BrokenProcessPool): the run cannot finish."""


try:
    import concurrent.interpreters as _interpreters  # 3.14+: tells subinterpreter workers apart
except ImportError:
    _interpreters = None


def _interpreter_id() -> int:
    return 0 if _interpreters is None else _interpreters.get_current().id


def worker_identity() -> tuple[int, int, str]:
    """(pid, interpreter id, thread name) of whoever runs the calling code."""
    return os.getpid(), _interpreter_id(), threading.current_thread().name


def timed_call(function: Callable[[Any], Any], argument: Any) -> tuple[Any, float, float, tuple[int, int, str]]:
    """Run one task where it lands: (value, start, end, worker identity); perf_counter is system-wide
    monotonic on Linux, macOS and Windows, so spans from pool processes share the parent's clock."""
    start = time.perf_counter()
    value = function(argument)
    end = time.perf_counter()
    return value, start, end, worker_identity()


def answer_ready(pause_s: float) -> tuple[int, int, str]:
    """Start-up probe: a worker answers who it is (the short pause lets idle peers take the next probe)."""
    time.sleep(pause_s)
    return worker_identity()


def report_setup(report: Callable[[], dict[str, Any]], pause_s: float) -> dict[str, Any]:
    """A pool worker's setup report (the short pause lets idle peers take the next request)."""
    time.sleep(pause_s)
    return report()


def _pool_setup_reports(
    pool: concurrent.futures.Executor, report: Callable[[], dict[str, Any]], workers: int, kind: str
) -> tuple[dict[str, Any], ...]:
    """One setup report from each worker of `pool` (by pid, or by interpreter id), asked until every worker has
    answered or the start-up deadline passed; in the order of their pids or interpreter ids."""
    key = "pid" if kind == "process" else "interpreter"
    found: dict[int, dict[str, Any]] = {}
    deadline = time.perf_counter() + _READY_DEADLINE_S
    while len(found) < workers and time.perf_counter() < deadline:
        for future in [pool.submit(report_setup, report, 0.001) for _ in range(workers)]:
            answer = future.result()
            found.setdefault(answer[key], answer)
    return tuple(found[worker] for worker in sorted(found))


def available_executors(facts: dict) -> dict[str, str | None]:
    """Executor -> None when this interpreter can run it, else why not (facts: probe.interpreter_facts())."""
    no_processes = None if facts.get("start_methods") else "this interpreter has no multiprocessing start method"
    return {
        "sequential": None,
        "threads": None,
        "processes": no_processes,
        "asyncio": None,
        "asyncio_threads": None,
        "asyncio_processes": no_processes,
        "interpreters": None
        if facts.get("interpreter_pool")
        else (
            f"needs concurrent.futures.InterpreterPoolExecutor (Python 3.14+); "
            f"this is Python {facts.get('python_version', '?')}"
        ),
        # dask, dask_threads: their module loads without dask (it only looks for it); dask loads when one starts.
        **dict.fromkeys(_dask().DASK_EXECUTORS, _dask().availability()),
    }


class Session:
    """An executor ready to run repeats. `start()` returns the pool start-up in seconds."""

    name = ""
    worker_kind = "thread"  # which part of the worker identity tells workers apart
    pool_pids: tuple[int, ...] = ()  # the pool's processes, once started: the runner reads their memory
    setup_reports: tuple[dict[str, Any], ...] = ()  # each worker's setup report, read after start-up

    def __init__(self, work: Work, workers: int, start_method: str | None) -> None:
        self.work = work
        self.workers = workers
        self.start_method = start_method
        self.pool: concurrent.futures.Executor | None = None  # the executors that have one start it in start()

    def start(self) -> float:
        started = time.perf_counter()
        self._initialize_here()
        elapsed = time.perf_counter() - started
        self._read_setup_reports()
        return elapsed

    def _initialize_here(self) -> None:
        """The work's initializer in this process, for the executors whose tasks run in it."""
        if self.work.initializer is not None:
            self.work.initializer(*self.work.initargs)

    def _read_setup_reports(self) -> None:
        """Each worker's setup report, after start-up has been timed: this process's own for the executors
        whose tasks run in it, else one from every pool process or subinterpreter."""
        report = self.work.setup_report
        if report is None:
            return
        if self.pool is None or self.worker_kind == "thread":
            self.setup_reports = (report(),)
        else:
            self.setup_reports = _pool_setup_reports(self.pool, report, self.workers, self.worker_kind)

    def run(self, tasks: int) -> RepeatRun:
        raise NotImplementedError

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def describe(self, identity: tuple[int, int, str]) -> str:
        pid, interpreter_id, thread_name = identity
        if self.worker_kind == "process":
            return f"pid {pid}"
        if self.worker_kind == "interpreter":
            return f"interpreter {interpreter_id}"
        return thread_name

    def _collect(self, started: float, outcomes: list[tuple[Any, float, float, tuple[int, int, str]]]) -> RepeatRun:
        elapsed = time.perf_counter() - started
        spans = tuple(
            Span(task=index, worker=self.describe(identity), start_s=begin - started, end_s=end - started)
            for index, (_, begin, end, identity) in enumerate(outcomes)
        )
        return RepeatRun(elapsed_s=elapsed, values=tuple(value for value, *_ in outcomes), spans=spans)


class SequentialSession(Session):
    """The baseline: every task in turn on the calling thread."""

    name = "sequential"

    def run(self, tasks: int) -> RepeatRun:
        started = time.perf_counter()
        outcomes = [timed_call(self.work.function, self.work.size) for _ in range(tasks)]
        return self._collect(started, outcomes)


def _make_pool(
    name: str,
    workers: int,
    start_method: str | None,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] = (),
) -> concurrent.futures.Executor:
    """The pool; `initializer(*initargs)` runs in each process or subinterpreter (threads share this
    process, where the session runs it once)."""
    if name == "threads":
        return concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lab-thread")
    if name == "processes":
        context = multiprocessing.get_context(start_method)
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=initializer, initargs=initargs
        )
    # Subinterpreters start with the interpreter's initial sys.path; the worker may have added the
    # project root at run time, so each one is given the parent's path before it unpickles a kernel,
    # then imports the initializer by name and calls it with the initargs (copied into the interpreter).
    code = f"import sys; sys.path[:0] = [p for p in {sys.path!r} if p not in sys.path]"
    if initializer is not None:
        module, qualname = getattr(initializer, "__module__", None), getattr(initializer, "__qualname__", "")
        if module is None or "<" in qualname:
            raise ValueError(f"a subinterpreter initializer must be a module-level function, not {initializer!r}")
        code += (
            f"\nimport functools, importlib"
            f"\nfunctools.reduce(getattr, {qualname.split('.')!r}, importlib.import_module({module!r}))(*initargs)"
        )
    return concurrent.futures.InterpreterPoolExecutor(
        max_workers=workers, initializer=exec, initargs=(code, {"initargs": initargs})
    )


def _wait_ready(pool: concurrent.futures.Executor, workers: int, kind: str) -> tuple[int, ...]:
    """Block until every worker of `pool` has answered once (pools start workers lazily); the pids seen."""
    position = {"process": 0, "interpreter": 1, "thread": 2}[kind]
    seen: set[Any] = set()
    pids: set[int] = set()
    deadline = time.perf_counter() + _READY_DEADLINE_S
    while len(seen) < workers and time.perf_counter() < deadline:
        answers = [probe.result() for probe in [pool.submit(answer_ready, 0.001) for _ in range(workers)]]
        seen.update(answer[position] for answer in answers)
        pids.update(answer[0] for answer in answers)
    return tuple(sorted(pids))


def _unwrap_broken(error: BaseException) -> BaseException:
    if isinstance(error, BrokenProcessPool):
        return PoolProcessDied(f"a pool process died mid-run (BrokenProcessPool): {error}")
    return error


class PoolSession(Session):
    """threads, processes, interpreters: a concurrent.futures pool of `workers`, reused by every repeat."""

    def __init__(self, name: str, work: Work, workers: int, start_method: str | None) -> None:
        super().__init__(work, workers, start_method)
        self.name = name
        self.worker_kind = {"threads": "thread", "processes": "process", "interpreters": "interpreter"}[name]

    def start(self) -> float:
        started = time.perf_counter()
        if self.name == "threads":
            self._initialize_here()
        self.pool = _make_pool(self.name, self.workers, self.start_method, self.work.initializer, self.work.initargs)
        try:
            pids = _wait_ready(self.pool, self.workers, self.worker_kind)
        except BrokenProcessPool as error:
            raise _unwrap_broken(error) from error
        elapsed = time.perf_counter() - started
        self.pool_pids = pids if self.worker_kind == "process" else ()
        self._read_setup_reports()
        return elapsed

    def run(self, tasks: int) -> RepeatRun:
        assert self.pool is not None, "start() first"
        started = time.perf_counter()
        futures = [self.pool.submit(timed_call, self.work.function, self.work.size) for _ in range(tasks)]
        try:
            outcomes = [future.result() for future in futures]
        except BrokenProcessPool as error:
            raise _unwrap_broken(error) from error
        return self._collect(started, outcomes)


class AsyncioSession(Session):
    """asyncio, asyncio_threads, asyncio_processes: every task a coroutine on one event loop.

    `asyncio` awaits the kernel's async form, or runs a CPU kernel inline (so it cannot overlap);
    the hybrids hand the blocking form (or, for a split kernel, only the parsing) to a pool of `workers`.
    """

    def __init__(self, name: str, work: Work, workers: int, start_method: str | None) -> None:
        super().__init__(work, workers, start_method)
        self.name = name
        self.pool_name = {"asyncio": None, "asyncio_threads": "threads", "asyncio_processes": "processes"}[name]
        self.worker_kind = "process" if self.pool_name == "processes" else "thread"
        self.loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> float:
        started = time.perf_counter()
        self.loop = asyncio.new_event_loop()
        if self.pool_name != "processes":
            self._initialize_here()
        if self.pool_name is not None:
            self.pool = _make_pool(
                self.pool_name, self.workers, self.start_method, self.work.initializer, self.work.initargs
            )
            try:
                pids = _wait_ready(self.pool, self.workers, self.worker_kind)
            except BrokenProcessPool as error:
                raise _unwrap_broken(error) from error
            self.pool_pids = pids if self.worker_kind == "process" else ()
        elapsed = time.perf_counter() - started
        self._read_setup_reports()
        return elapsed

    async def _one_task(self) -> tuple[Any, float, float, tuple[int, int, str]]:
        work = self.work
        if self.pool is None:
            start = time.perf_counter()
            if work.async_function is not None:
                value = await work.async_function(work.size)
            else:
                value = work.function(work.size)
            return value, start, time.perf_counter(), worker_identity()
        loop = asyncio.get_running_loop()
        if work.async_fetch is not None and work.parse is not None:
            start = time.perf_counter()
            page = await work.async_fetch(work.size)
            value, _, end, identity = await loop.run_in_executor(self.pool, timed_call, work.parse, page)
            return value, start, end, identity
        return await loop.run_in_executor(self.pool, timed_call, work.function, work.size)

    async def _all_tasks(self, tasks: int) -> list[tuple[Any, float, float, tuple[int, int, str]]]:
        return list(await asyncio.gather(*(self._one_task() for _ in range(tasks))))

    def run(self, tasks: int) -> RepeatRun:
        assert self.loop is not None, "start() first"
        started = time.perf_counter()
        try:
            outcomes = self.loop.run_until_complete(self._all_tasks(tasks))
        except BrokenProcessPool as error:
            raise _unwrap_broken(error) from error
        return self._collect(started, outcomes)

    def close(self) -> None:
        super().close()
        if self.loop is not None:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()
            self.loop = None


class DaskSession(Session):
    """dask, dask_threads: engine.bench.dask_executor's cluster behind the Session interface."""

    worker_kind = "dask worker"

    def __init__(self, name: str, work: Work, workers: int, scheduler: str | None) -> None:
        super().__init__(work, workers, None)
        self.name = name
        self.cluster = _dask().DaskCluster(name, work.function, work.size, workers, scheduler)  # checks the address
        self.notes = self.cluster.notes  # what the result should say: approximate clocks, workers used

    def start(self) -> float:
        elapsed = self.cluster.start()
        self.pool_pids = self.cluster.pool_pids
        return elapsed

    def run(self, tasks: int) -> RepeatRun:
        elapsed, values, spans = self.cluster.run(tasks)
        return RepeatRun(elapsed_s=elapsed, values=values, spans=spans)

    def close(self) -> None:
        self.cluster.close()


def _dask() -> Any:
    """engine.bench.dask_executor, imported on first use (it loads without dask; dask only when run)."""
    from engine.bench import dask_executor

    return dask_executor


def open_session(
    name: str, work: Work, workers: int, start_method: str | None = None, scheduler: str | None = None
) -> Session:
    """The executor called `name`, not yet started; InputError for an unknown name or start method.

    `scheduler` (a Dask scheduler address) is for the `dask` executor only; None starts a LocalCluster."""
    if name not in EXECUTORS:
        raise InputError("executors", f"unknown executor {name!r}", ", ".join(EXECUTORS))
    if name in _dask().DASK_EXECUTORS:
        return DaskSession(name, work, workers, scheduler)
    if start_method is not None and start_method not in multiprocessing.get_all_start_methods():
        accepted = [method for method in START_METHODS if method in multiprocessing.get_all_start_methods()]
        raise InputError("start_method", f"{start_method!r} is not available here", ", ".join(accepted))
    if name == "sequential":
        return SequentialSession(work, 1, None)
    if name in ("threads", "processes", "interpreters"):
        return PoolSession(name, work, workers, start_method if name == "processes" else None)
    return AsyncioSession(name, work, workers, start_method if name == "asyncio_processes" else None)
