"""The `dask` and `dask_threads` executors: the same kernels on Dask distributed, on the same timeline.

The one module of the worker side allowed a third-party import (tests/test_layering.py exempts it by
name), and even here `dask`/`distributed` are imported inside the functions that need them: this module
loads under any stdlib-only interpreter, where `availability()` reports why the executors cannot run.
engine.bench.executors imports it lazily, for these two names only.

- `dask`: a LocalCluster of `workers` worker processes with one thread each (processes=True), started
  in the benchmark worker, scheduler and workers on 127.0.0.1, dashboard off; or, with a scheduler
  address (the spec's `scheduler` field), the workers of that cluster.
- `dask_threads`: LocalCluster(processes=False): `workers` Dask workers of one thread each inside the
  benchmark worker, one GIL between them (the threads-versus-processes lesson on Dask). Always local.

Spans are timed inside the task with time.perf_counter (the worker's own clock, like every executor)
and named by the Dask worker's address. On this host perf_counter is one system-wide monotonic clock,
so spans line up exactly; a worker on another machine (another hostname) gets its clock offset
estimated by round trips at start-up, and the session's notes say the timeline is approximate.

How kernels reach remote workers: through a scheduler address, the kernels package and this module's
task wrapper are pickled by value (cloudpickle.register_pickle_by_value), so the workers need Dask and
the same Python minor version (bytecode travels), not a copy of the project. Kernels that need the
benchmark's loopback HTTP server (http_local) run only on workers of this machine; the others refuse.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import socket
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from engine.bench.results import Span
from engine.errors import InputError

DASK_EXECUTORS: tuple[str, ...] = ("dask", "dask_threads")
# Connecting to a scheduler: the client's default waits 30 s; a benchmark should say "no" in a few.
CONNECT_TIMEOUT_S = 5.0
# Worker processes of a LocalCluster start in about a second here; a loaded host may need several.
_LOCAL_START_TIMEOUT_S = 60.0
# Round trips per remote worker when estimating its clock offset; the shortest one is kept.
_CLOCK_PROBES = 5
# Environment variables a kernel's setup exports for its tasks (kernels.io: the loopback server's port).
_TASK_ENV = ("LAB_HTTP_PORT",)
ACCEPTED_ADDRESS = "a Dask scheduler address tcp://HOST:PORT"


class DaskWorkerDied(RuntimeError):
    """A task killed every worker it was sent to (Dask's KilledWorker, after its allowed failures)."""


def availability() -> str | None:
    """None when this interpreter can run the dask executors, else why not (without importing dask)."""
    if importlib.util.find_spec("distributed") is not None:
        return None
    version = ".".join(map(str, sys.version_info[:2]))
    if sys.flags.no_site:
        return f"needs dask[distributed] from site-packages, and this worker runs without them (-S), Python {version}"
    return f'needs dask[distributed] (pip install "dask[distributed]"), not installed for Python {version}'


def check_address(address: str) -> tuple[str, int]:
    """(host, port) of a `tcp://host:port` scheduler address; InputError naming `scheduler` otherwise."""
    parts = urlsplit(address) if isinstance(address, str) else None
    try:
        port = parts.port if parts is not None else None
    except ValueError:
        port = None
    if parts is None or parts.scheme != "tcp" or not parts.hostname or port is None or parts.path not in ("", "/"):
        raise InputError("scheduler", f"{address!r} is not a scheduler address", ACCEPTED_ADDRESS)
    return parts.hostname, port


async def _identify(address: str) -> Any:
    from distributed.comm import connect

    comm = await connect(address, timeout=CONNECT_TIMEOUT_S)
    try:
        await comm.write({"op": "identity", "reply": True})
        return await comm.read()
    finally:
        await comm.close()


def _reach(address: str) -> int:
    """Ask the scheduler at `address` who it is, so a wrong address fails in seconds, before the run.

    The number of its workers; InputError naming `scheduler` when nothing answers or it is no Dask scheduler.
    """
    host, port = check_address(address)
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise InputError("scheduler", f"nothing answers at {address} ({reason})", ACCEPTED_ADDRESS) from None
    try:
        identity = asyncio.run(asyncio.wait_for(_identify(address), CONNECT_TIMEOUT_S + 1))
    except Exception as error:  # a server that speaks something else, or one too slow to answer
        raise InputError(
            "scheduler", f"{address} answers, but not as a Dask scheduler ({type(error).__name__})", ACCEPTED_ADDRESS
        ) from None
    if not isinstance(identity, dict) or identity.get("type") != "Scheduler":
        raise InputError("scheduler", f"{address} answers, but not as a Dask scheduler", ACCEPTED_ADDRESS)
    return int(identity.get("n_workers", 0))


def _timed_task(index: int, function: Any, size: int, env: dict[str, str]) -> tuple[Any, float, float, str]:
    """One task on a Dask worker: (value, perf_counter start, end, the worker's address)."""
    from distributed import get_worker

    for key, value in env.items():
        if os.environ.get(key) != value:
            os.environ[key] = value
    start = time.perf_counter()
    value = function(size)
    end = time.perf_counter()
    return value, start, end, get_worker().address


def _portable_task() -> Any:
    """_timed_task as a local function: the task graph of a remote run then fails plain pickle (the
    scheduler unpickles graphs too), so Dask falls back to cloudpickle for all of it, which sends the
    registered modules (kernels, this one) by value instead of by an import the workers cannot do."""

    def timed_task(index: int, function: Any, size: int, env: dict[str, str]) -> tuple[Any, float, float, str]:
        return _timed_task(index, function, size, env)

    return timed_task


def _identity() -> tuple[str, int, str]:
    """Who a worker is: (hostname, pid, thread name); client.run calls it on every worker."""
    return socket.gethostname(), os.getpid(), threading.current_thread().name


class DaskCluster:
    """A Dask client on a LocalCluster it starts, or on a running scheduler; every repeat is one client.map.

    engine.bench.executors.DaskSession puts it behind the Session interface (this module never imports
    executors: that would be an import circle)."""

    def __init__(self, name: str, function: Any, size: int, workers: int, scheduler: str | None = None) -> None:
        if name not in DASK_EXECUTORS:
            raise InputError("executors", f"{name!r} is not a Dask executor", ", ".join(DASK_EXECUTORS))
        reason = availability()
        if reason is not None:
            raise InputError("executors", f"{name} {reason}", "an interpreter with dask[distributed] installed")
        self.name = name
        self.function = function
        self.size = size
        self.workers = workers
        self.pool_pids: tuple[int, ...] = ()  # the worker processes this cluster started (the runner reads them)
        # dask_threads is the in-process mirror of threads: always a LocalCluster of this process.
        self.scheduler = scheduler if name == "dask" else None
        if self.scheduler is not None:
            _reach(self.scheduler)
        self.cluster: Any = None
        self.client: Any = None
        self.chosen: list[str] | None = None  # on a bigger remote cluster, the `workers` workers used
        self.local_workers: set[str] = set()  # workers on this machine: they share our perf_counter
        self.offsets: dict[str, float] = {}  # remote worker address -> its perf_counter minus ours
        self.known_workers: set[str] = set()  # the cluster's workers at the last look
        self.notes: list[str] = []  # what the result should say about this run (approximate clocks...)
        self._by_value: list[Any] = []
        self._task: Any = _timed_task if self.scheduler is None else _portable_task()

    def start(self) -> float:
        from distributed import Client, LocalCluster

        started = time.perf_counter()
        if self.scheduler is None:
            processes = self.name == "dask"
            # Processes talk TCP on 127.0.0.1 only; in-process workers use Dask's inproc:// transport (no socket).
            where = {"host": "127.0.0.1"} if processes else {}
            self.cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
                silence_logs=logging.ERROR,
                **where,
            )
            self.client = Client(self.cluster, timeout=_LOCAL_START_TIMEOUT_S)
            self.client.wait_for_workers(self.workers, timeout=_LOCAL_START_TIMEOUT_S)
        else:
            try:
                self.client = Client(self.scheduler, timeout=CONNECT_TIMEOUT_S)
                self.client.wait_for_workers(self.workers, timeout=CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError) as error:
                raise InputError(
                    "scheduler",
                    f"no Dask scheduler with {self.workers} workers at {self.scheduler} within "
                    f"{CONNECT_TIMEOUT_S:g} s ({type(error).__name__})",
                    ACCEPTED_ADDRESS,
                ) from None
            self._pickle_kernels_by_value()
        identities = self.client.run(_identity)
        self.known_workers = set(identities)
        here = socket.gethostname()
        self.local_workers = {address for address, (host, _, _) in identities.items() if host == here}
        addresses = sorted(identities)
        if self.scheduler is not None and len(addresses) > self.workers:
            self.chosen = addresses[: self.workers]
            self.notes.append(f"the cluster has {len(addresses)} workers; tasks go to {self.workers} of them")
        elapsed = time.perf_counter() - started  # aligning clocks below is the harness's, not the cluster's
        uncertainty = 0.0
        for address in self.chosen or addresses:
            if address not in self.local_workers:
                self.offsets[address], half_trip = self.clock_offset(address)
                uncertainty = max(uncertainty, half_trip)
        if self.offsets:
            self.notes.append(
                f"{len(self.offsets)} workers on other machines: their clocks were aligned by round trips, "
                f"so the timeline is approximate (to within {uncertainty * 1000:.1f} ms)"
            )
        # The runner reads the memory of the pool's processes: only those this session started.
        if self.cluster is not None and self.name == "dask":
            self.pool_pids = tuple(sorted(pid for _, pid, _ in identities.values()))
        return elapsed

    def _pickle_kernels_by_value(self) -> None:
        """Send the kernels' code with the tasks: remote workers need Dask, not a copy of the project."""
        import cloudpickle

        import kernels

        for module in (kernels, sys.modules[__name__]):
            cloudpickle.register_pickle_by_value(module)
            self._by_value.append(module)

    def clock_offset(self, address: str) -> tuple[float, float]:
        """(a worker's perf_counter minus ours, half the round trip that bounds the error), from the
        shortest of a few round trips: the worker read its clock somewhere inside that trip."""
        trips = []
        for _ in range(_CLOCK_PROBES):
            before = time.perf_counter()
            theirs = self.client.run(time.perf_counter, workers=[address])[address]
            after = time.perf_counter()
            trips.append((after - before, theirs - (before + after) / 2))
        trip, offset = min(trips)
        return offset, trip / 2

    def _task_env(self) -> dict[str, str]:
        env = {key: os.environ[key] for key in _TASK_ENV if key in os.environ}
        workers = set(self.chosen) if self.chosen is not None else set(self.offsets) | self.local_workers
        remote = sorted(workers - self.local_workers)
        if env and remote:
            # The loopback server listens on this machine's 127.0.0.1: a worker elsewhere cannot reach it.
            raise InputError(
                "executors",
                f"this kernel needs the benchmark's loopback HTTP server, which workers on other machines "
                f"({', '.join(remote)}) cannot reach",
                "a CPU kernel, sleep_io or hybrid on a remote cluster; http_local on workers of this machine",
            )
        return env

    def run(self, tasks: int) -> tuple[float, tuple[Any, ...], tuple[Span, ...]]:
        """One repeat of `tasks`: (wall time, values in task order, spans on the repeat's timeline)."""
        if self.client is None:
            raise RuntimeError("start() first")
        from distributed import KilledWorker

        env = self._task_env()
        restrict = {"workers": self.chosen, "allow_other_workers": True} if self.chosen else {}
        started = time.perf_counter()
        # pure=False: every task is a new computation; with pure=True Dask would run one and reuse it.
        futures = self.client.map(
            self._task, range(tasks), function=self.function, size=self.size, env=env, pure=False, **restrict
        )
        try:
            outcomes = self.client.gather(futures)
        except KilledWorker as error:
            raise DaskWorkerDied(f"a task killed every Dask worker it ran on: {error}") from error
        elapsed = time.perf_counter() - started
        self._notice_lost_workers()
        spans = []
        for index, (_, begin, end, address) in enumerate(outcomes):
            zero = started + self.offsets.get(address, 0.0)  # the repeat's start on that worker's clock
            spans.append(Span(task=index, worker=address, start_s=begin - zero, end_s=end - zero))
        return elapsed, tuple(value for value, *_ in outcomes), tuple(spans)

    def _notice_lost_workers(self) -> None:
        """Unlike a process pool, Dask survives a dead worker: say so when one left during the repeat."""
        current = set(self.client.scheduler_info()["workers"])
        lost = sorted(self.known_workers - current)
        if lost:
            self.notes.append(
                f"worker {', '.join(lost)} left during a repeat: Dask reran its tasks on the other workers, "
                "so that repeat's time includes the rerun"
            )
        self.known_workers = current

    def close(self) -> None:
        client, cluster, self.client, self.cluster = self.client, self.cluster, None, None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        if self._by_value:
            import cloudpickle

            for module in self._by_value:
                cloudpickle.unregister_pickle_by_value(module)
            self._by_value = []
