"""Parent side of a benchmark: validates a BenchSpec against limits, starts the worker under a chosen
interpreter, streams its progress, samples CPU per core and the RSS of its process tree (psutil),
and cancels or times out by killing the whole tree.

Runs in the app or CLI process and may use psutil; it never runs a kernel itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psutil

from engine.bench.results import EXECUTORS, START_METHODS, BenchResult, BenchSpec, Sample
from engine.errors import InputError
from kernels import Kernel, get_kernel

ROOT = str(Path(__file__).resolve().parents[2])
SAMPLE_INTERVAL_S = 0.1
KILL_WAIT_S = 2.0
# After the worker exits, how long to keep reading what it wrote: a worker killed by a signal leaves its
# pool processes holding the stdout pipe open, so its end of file may never come.
EXIT_DRAIN_S = 0.5
_MIB = 1024 * 1024


@dataclass(frozen=True)
class Progress:
    """What the worker is doing now: `phase` is "startup", "warmup" or "repeat" (`repeat` of `of`)."""

    executor: str
    phase: str
    repeat: int
    of: int


class RunCancelled(Exception):
    """The caller cancelled the run; the worker and every process it made are gone."""


class RunFailed(Exception):
    """The worker crashed, timed out or ended without a result; the message says which."""


@dataclass(frozen=True)
class Limits:
    """How big a run may be. A size may go up to `size_factor` times the kernel's ~50 ms size."""

    max_tasks: int
    max_workers: int
    max_repeats: int
    max_warmups: int
    size_factor: int
    max_latency_ms: int
    max_run_s: float


# On one's own machine: generous, but a typo must not start an hour-long run.
LOCAL_LIMITS = Limits(
    max_tasks=1000, max_workers=32, max_repeats=20, max_warmups=5, size_factor=40, max_latency_ms=5000, max_run_s=600
)
# A shared Streamlit Cloud deployment: a class shares its few cores, so one run must stay short and small.
PUBLIC_LIMITS = Limits(
    max_tasks=200, max_workers=4, max_repeats=5, max_warmups=2, size_factor=4, max_latency_ms=500, max_run_s=30
)


def max_size(kernel: Kernel, limits: Limits) -> int:
    """The largest size `limits` allow for `kernel`."""
    if kernel.task_50ms_size <= 0:
        return kernel.max_size
    return min(kernel.max_size, kernel.task_50ms_size * limits.size_factor)


def estimated_sequential_task_s(kernel: Kernel, size: int, latency_ms: int | None = None) -> float:
    """One task's time on the development host: linear in size around the ~50 ms size (I/O: the latency).

    Primes grows faster than linearly (about n^1.5), so its estimate is low past the 50 ms size.
    """
    if kernel.kind == "io":
        return size / 1000
    if kernel.task_50ms_size <= 0:
        return 0.0
    # The hybrid's ~50 ms includes its default fetch latency: scale only the parsing part with the size.
    default_latency_s = (kernel.default_latency_ms or 0) / 1000
    cpu_s = (0.05 - default_latency_s) * size / kernel.task_50ms_size
    if kernel.default_latency_ms is None:
        return cpu_s
    return cpu_s + (default_latency_s if latency_ms is None else latency_ms / 1000)


def _check_count(field: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(field, f"is {value!r}", f"a whole number from {low} to {high}")


def validate_spec(spec: BenchSpec, limits: Limits | None = None) -> BenchSpec:
    """`spec` if it fits `limits` (LOCAL_LIMITS by default); InputError naming the first field that does not."""
    limits = limits or LOCAL_LIMITS
    kernel = get_kernel(spec.kernel)
    if not spec.executors:
        raise InputError("executors", "is empty", ", ".join(EXECUTORS))
    for name in spec.executors:
        if name not in EXECUTORS:
            raise InputError("executors", f"unknown executor {name!r}", ", ".join(EXECUTORS))
    _check_count("workers", spec.workers, 1, limits.max_workers)
    _check_count("tasks", spec.tasks, 1, limits.max_tasks)
    _check_count("repeats", spec.repeats, 1, limits.max_repeats)
    _check_count("warmups", spec.warmups, 0, limits.max_warmups)
    if spec.size is not None:
        _check_count("size", spec.size, kernel.min_size, max_size(kernel, limits))
    if spec.start_method is not None and spec.start_method not in START_METHODS:
        raise InputError("start_method", f"unknown start method {spec.start_method!r}", ", ".join(START_METHODS))
    if spec.latency_ms is not None:
        if kernel.default_latency_ms is None:
            raise InputError(
                "latency_ms",
                f"kernel {kernel.name!r} has no latency to set",
                "no value, or a kernel with a fetch latency (hybrid)",
            )
        _check_count("latency_ms", spec.latency_ms, 0, limits.max_latency_ms)
    size = kernel.default_size if spec.size is None else spec.size
    runs = (spec.warmups + spec.repeats) * len(set(spec.executors) | {"sequential"})
    estimate_s = runs * spec.tasks * estimated_sequential_task_s(kernel, size, spec.latency_ms)
    if estimate_s > limits.max_run_s:
        raise InputError(
            "tasks",
            f"this run would take about {estimate_s:.0f} s if every executor were as slow as sequential "
            f"(a linear model around the kernel's ~50 ms size)",
            f"a run under {limits.max_run_s:.0f} s: fewer tasks, repeats or executors, or a smaller size",
        )
    return spec


def worker_command(python: str) -> list[str]:
    """The command that runs the worker under `python`, isolated (-I -S) with the project root on sys.path."""
    bootstrap = f"import sys; sys.path.insert(0, {ROOT!r}); from engine.bench.worker import main; sys.exit(main())"
    return [python, "-I", "-S", "-c", bootstrap]


def check_python(python: str) -> str:
    """`python` if it runs and is CPython 3.10 or newer; InputError naming --python otherwise."""
    accepted = "the path of a Python 3.10+ interpreter"
    probe = "import sys; print(sys.version_info[0] * 100 + sys.version_info[1])"
    try:
        # -E -S rather than -I: Python 2 lacks -I, and it should be named as too old, not as no Python.
        completed = subprocess.run([python, "-E", "-S", "-c", probe], capture_output=True, text=True, timeout=20)
        version = int(completed.stdout.strip())
    except (OSError, ValueError, subprocess.TimeoutExpired):
        raise InputError("python", f"{python!r} is not a Python interpreter", accepted) from None
    if version < 310:
        raise InputError("python", f"{python!r} is Python {version // 100}.{version % 100}", accepted)
    return python


def _kill_tree(root: subprocess.Popen[str], known: dict[int, psutil.Process]) -> None:
    """Kill the worker and everything it started, and wait (up to KILL_WAIT_S) until they are gone."""
    with contextlib.suppress(psutil.Error):
        known.update({child.pid: child for child in psutil.Process(root.pid).children(recursive=True)})
    if os.name == "posix":
        # The worker leads its own session: its group holds every process it made, even those whose parent
        # died (they lose their place in the tree but keep the group), so find them all, then kill the group.
        known.update(_group_members(root.pid))
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(root.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        root.kill()
    for process in known.values():
        with contextlib.suppress(psutil.Error):
            process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        root.wait(timeout=KILL_WAIT_S)
    deadline = time.perf_counter() + KILL_WAIT_S
    while any(_still_running(process) for process in known.values()) and time.perf_counter() < deadline:
        time.sleep(0.02)


def _group_members(group_id: int) -> dict[int, psutil.Process]:
    members = {}
    for process in psutil.process_iter():
        with contextlib.suppress(OSError, psutil.Error):
            if os.getpgid(process.pid) == group_id:
                members[process.pid] = process
    return members


def _still_running(process: psutil.Process) -> bool:
    # An orphan killed after its parent waits as a zombie for init to reap it: it runs nothing, holds no memory.
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _read_lines(stream: Any, sink: queue.Queue[str | None]) -> None:
    for line in stream:
        sink.put(line)
    sink.put(None)


def _tree_rss(root: psutil.Process, known: dict[int, psutil.Process]) -> dict[int, int]:
    """pid -> RSS in bytes for the worker and all its descendants alive now."""
    with contextlib.suppress(psutil.Error):
        known.update({child.pid: child for child in root.children(recursive=True)})
    rss = {}
    for process in [root, *known.values()]:
        with contextlib.suppress(psutil.Error):
            rss[process.pid] = process.memory_info().rss
    return rss


def _with_samples(result: BenchResult, samples: list[Sample], peak_rss_mb: dict[str, float]) -> BenchResult:
    entries = []
    for entry in result.executors:
        own = [sample for sample in samples if sample.executor == entry.name]
        if not own:
            entries.append(entry)
            continue
        per_core = tuple(statistics.fmean(core) for core in zip(*(s.cpu_percent_per_core for s in own), strict=True))
        entries.append(replace(entry, peak_rss_mb=peak_rss_mb.get(entry.name), cpu_percent_per_core=per_core))
    return replace(result, executors=tuple(entries), samples=tuple(samples))


def _failure_message(returncode: int, stderr_tail: str) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the worker was killed by {name} before it produced a result"
    detail = stderr_tail.strip().splitlines()[-1] if stderr_tail.strip() else "no message"
    return f"the worker exited with code {returncode} without a result ({detail})"


def run_benchmark(
    spec: BenchSpec,
    python: str | None = None,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    timeout_s: float = 120.0,
) -> BenchResult:
    """Run `spec` in a worker under `python` (default: this interpreter) and return its result with samples.

    Raises RunCancelled when `cancel` is set, RunFailed on a crash, a timeout or a missing result, and
    InputError when the worker refuses the spec. Either way no process of the run is left behind.
    """
    spec = validate_spec(spec)
    command = worker_command(python or sys.executable)
    # A dask executor imports dask from the interpreter's own site-packages: drop -S for that run alone
    # (-I stays: no PYTHONPATH, user site or cwd). Every run without dask keeps -I -S, stdlib only.
    if any(name.startswith("dask") for name in spec.executors):
        command.remove("-S")
    started = time.perf_counter()
    try:
        worker = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            start_new_session=os.name == "posix",
        )
    except OSError as error:
        raise InputError("python", f"{command[0]!r} cannot be started ({error.strerror})", "a Python 3.10+") from None
    known: dict[int, psutil.Process] = {}
    lines: queue.Queue[str | None] = queue.Queue()
    stderr_lines: list[str] = []
    readers = [
        threading.Thread(target=_read_lines, args=(worker.stdout, lines), daemon=True),
        threading.Thread(target=lambda: stderr_lines.extend(worker.stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        assert worker.stdin is not None
        worker.stdin.write(json.dumps(spec.to_dict()))
        worker.stdin.close()
    except BrokenPipeError:
        pass
    try:
        root = psutil.Process(worker.pid)
        psutil.cpu_percent(percpu=True)  # the first reading only sets the reference point
        samples: list[Sample] = []
        executor: str | None = None
        # Each executor's own memory: the worker plus that executor's pool processes (the others' pools
        # stay alive, idle, while the repeats go round-robin). Pages a fork shares count in each process,
        # so it is an upper bound, the sum a task manager shows.
        pool_pids: dict[str, set[int]] = {}
        peak_rss_mb: dict[str, float] = {}
        outcome: dict[str, Any] | None = None
        next_sample = started + SAMPLE_INTERVAL_S
        deadline = started + timeout_s
        finished = False
        exited_at: float | None = None
        while not finished:
            if cancel is not None and cancel.is_set():
                raise RunCancelled("the run was cancelled")
            now = time.perf_counter()
            if now > deadline:
                raise RunFailed(f"the worker timed out after {timeout_s:g} s")
            try:
                line = lines.get(timeout=max(0.0, min(next_sample, deadline) - now))
            except queue.Empty:
                line = ""
            if exited_at is None and worker.poll() is not None:
                exited_at = time.perf_counter()
            if line is None:
                finished = True
            elif line.strip():
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    raise RunFailed(f"the worker wrote something that is not a JSON event: {line[:200]!r}") from None
                if event.get("event") == "progress":
                    executor = event["executor"]
                    pool_pids[executor] = set(event.get("pids", ()))
                    if on_progress is not None:
                        on_progress(Progress(executor, event["phase"], event["repeat"], event["of"]))
                elif event.get("event") in ("result", "error"):
                    outcome = event
            # After the worker exits, orphaned pool processes may hold stdout open, so end-of-file may never
            # come: stop once the outcome is in, or once every line already written has been read and the
            # drain time has passed. A line is always handled before this check, never dropped.
            if exited_at is not None and (
                outcome is not None or (lines.empty() and time.perf_counter() - exited_at > EXIT_DRAIN_S)
            ):
                finished = True
            if time.perf_counter() >= next_sample:
                cores = tuple(psutil.cpu_percent(percpu=True))
                rss = _tree_rss(root, known)
                samples.append(Sample(time.perf_counter() - started, cores, sum(rss.values()) / _MIB, executor))
                if executor is not None and worker.pid in rss:
                    own = rss[worker.pid] + sum(rss.get(pid, 0) for pid in pool_pids.get(executor, ()))
                    peak_rss_mb[executor] = max(peak_rss_mb.get(executor, 0.0), own / _MIB)
                next_sample += SAMPLE_INTERVAL_S
        returncode = worker.wait(timeout=KILL_WAIT_S)
        # Orphaned pool processes would hold the pipes open and the readers with them.
        _kill_tree(worker, known)
        for reader in readers:
            reader.join(timeout=KILL_WAIT_S)
        if outcome is None:
            raise RunFailed(_failure_message(returncode, "".join(stderr_lines)[-2000:]))
        if outcome["event"] == "error":
            raise InputError(outcome["field"], outcome["problem"], outcome["accepted"])
        return _with_samples(BenchResult.from_dict(outcome["result"]), samples, peak_rss_mb)
    finally:
        _kill_tree(worker, known)
        for stream in (worker.stdout, worker.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
