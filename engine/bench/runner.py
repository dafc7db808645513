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
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psutil

from engine.bench import disturbance
from engine.bench.results import EXECUTORS, GIL_SETTINGS, START_METHODS, BenchResult, BenchSpec, Sample, assess
from engine.errors import InputError
from engine.host import probe_interpreter
from kernels import SIZED_TASK_MS, Kernel, get_kernel

ROOT = str(Path(__file__).resolve().parents[2])
SAMPLE_INTERVAL_S = 0.1
# The shortest gap between two samples taken at step boundaries (beside the regular ones).
BOUNDARY_SAMPLE_S = 0.05
KILL_WAIT_S = 2.0
# After the worker exits, how long to keep reading what it wrote: a worker killed by a signal leaves its
# pool processes holding the stdout pipe open, so its end of file may never come.
EXIT_DRAIN_S = 0.5
_MIB = 1024 * 1024


@dataclass(frozen=True)
class Progress:
    """What the worker is doing now: `phase` is "startup", "warmup" or "repeat" (`repeat` of `of`, the rounds
    planned so far); `fraction` is the share of the run done (the worker's, never falling)."""

    executor: str
    phase: str
    repeat: int
    of: int
    fraction: float = 0.0


class RunCancelled(Exception):
    """The caller cancelled the run; the worker and every process it made are gone."""


class RunFailed(Exception):
    """The worker crashed, timed out or ended without a result; the message says which."""


@dataclass(frozen=True)
class Limits:
    """How big a run may be. A size may go up to `size_factor` times the kernel's ~50 ms size; a run's
    time budget (adaptive repeats) up to `max_run_s`."""

    max_tasks: int
    max_workers: int
    max_repeats: int
    max_warmups: int
    size_factor: int
    max_latency_ms: int
    max_run_s: float
    # Whether a spec may name modules for the worker to import (BenchSpec.preload): never on a shared server.
    allow_preload: bool = True


# On one's own machine: generous, but a typo must not start an hour-long run.
LOCAL_LIMITS = Limits(
    max_tasks=1000, max_workers=32, max_repeats=50, max_warmups=5, size_factor=40, max_latency_ms=5000, max_run_s=600
)
# A shared Streamlit Cloud deployment: a class shares its few cores, so one run must stay short and small.
# Its time is bounded (max_run_s bounds the estimate and the budget), not its repeats: fewer repeats would
# only widen the intervals.
PUBLIC_LIMITS = Limits(
    max_tasks=200,
    max_workers=4,
    max_repeats=50,
    max_warmups=2,
    size_factor=4,
    max_latency_ms=500,
    max_run_s=30,
    allow_preload=False,
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
    cpu_s = (SIZED_TASK_MS / 1000 - default_latency_s) * size / kernel.task_50ms_size
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
    if spec.max_repeats is not None:
        _check_count("max_repeats", spec.max_repeats, spec.repeats, limits.max_repeats)
    if spec.budget_s is not None and (
        isinstance(spec.budget_s, bool)
        or not isinstance(spec.budget_s, (int, float))
        or not 0 <= spec.budget_s <= limits.max_run_s
    ):
        raise InputError("budget_s", f"is {spec.budget_s!r}", f"seconds from 0 to {limits.max_run_s:g}")
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
    if spec.gil not in GIL_SETTINGS:
        raise InputError("gil", f"is {spec.gil!r}", ", ".join(GIL_SETTINGS))
    _check_preload(spec, limits)
    size = kernel.default_size if spec.size is None else spec.size
    runs = (spec.warmups + spec.repeats) * len(set(spec.executors) | {"sequential"})
    estimate_s = runs * spec.tasks * estimated_sequential_task_s(kernel, size, spec.latency_ms)
    if estimate_s > limits.max_run_s:
        raise InputError(
            "tasks",
            f"this run would take about {estimate_s:.0f} s if every executor were as slow as sequential "
            f"(a linear model around the kernel's ~{SIZED_TASK_MS} ms size)",
            f"a run under {limits.max_run_s:.0f} s: fewer tasks, repeats or executors, or a smaller size",
        )
    return spec


def _check_preload(spec: BenchSpec, limits: Limits) -> None:
    """Preloaded modules run code in the worker: only on one's own machine, named modules, an existing folder."""
    if (spec.preload or spec.preload_path is not None) and not limits.allow_preload:
        raise InputError("preload", "is not allowed on a shared deployment", "no preloaded modules")
    for name in spec.preload:
        if not name or not all(part.isidentifier() for part in name.split(".")):
            raise InputError("preload", f"{name!r} is not a module name", "dotted module names such as 'nogilsafe'")
    if spec.preload_path is not None and not Path(spec.preload_path).is_dir():
        raise InputError("preload_path", f"{spec.preload_path!r} is not a folder", "an existing folder, or none")


# -X gil chooses the GIL of a free-threaded interpreter; it works under -I, which ignores PYTHON_GIL.
_GIL_OPTIONS = {"on": ["-X", "gil=1"], "off": ["-X", "gil=0"], "default": []}
# The first version with a GIL switch (-X gil, PYTHON_GIL) and sys._is_gil_enabled(): PEP 703's 3.13.
GIL_SWITCH_VERSION = (3, 13)


def worker_command(python: str, watch_parent: bool = False, gil: str = "default") -> list[str]:
    """The command that runs the worker under `python`, isolated (-I -S) with the project root on sys.path,
    with `-X gil=1` or `-X gil=0` for a `gil` of "on" or "off" (check it first with gil_rule).

    With `watch_parent` the worker reads the spec as one line and then watches its stdin: at end of file
    (the parent closed it, or died) it kills its pools and exits.
    """
    bootstrap = f"import sys; sys.path.insert(0, {ROOT!r}); from engine.bench.worker import main; sys.exit(main())"
    options = _GIL_OPTIONS[gil]
    return [python, "-I", "-S", *options, "-c", bootstrap, *(["--watch-parent"] if watch_parent else [])]


def gil_rule(gil: str, version: str, free_threaded_build: bool) -> str | None:
    """What the GIL setting `gil` means for an interpreter of `version` ("3.14.7") and build, from its probe.

    None where it applies as asked; a note where it is accepted but changes nothing ("on" in a GIL build,
    where the GIL is always on). InputError naming gil where it cannot apply: "off" in a GIL build, which
    cannot run without the GIL, and "on" or "off" before 3.13, which ignores -X gil and cannot report the GIL.
    """
    if gil not in GIL_SETTINGS:
        raise InputError("gil", f"is {gil!r}", ", ".join(GIL_SETTINGS))
    if gil == "default":
        return None
    major_minor = tuple(int(part) for part in version.split(".")[:2])
    if major_minor < GIL_SWITCH_VERSION:
        raise InputError(
            "gil",
            f"Python {version} has no GIL switch (-X gil and sys._is_gil_enabled() arrived in 3.13; older versions "
            "ignore the option)",
            "default with this interpreter, or on/off with Python 3.13+",
        )
    if not free_threaded_build:
        if gil == "off":
            raise InputError(
                "gil",
                f"Python {version} here is a GIL build, which cannot run without the GIL",
                "default or on with this interpreter, or off with a free-threaded build (python3.14t)",
            )
        return f"gil on: Python {version} here is a GIL build, where the GIL is always on (the setting changes nothing)"
    return None


def check_gil(gil: str, python: str) -> str | None:
    """gil_rule for the interpreter at `python`, decided from its probe (engine.host.probe_interpreter), never
    from whether it accepts the option: 3.10-3.12 accept -X gil=0 and ignore it."""
    if gil == "default":
        return None
    interpreter = probe_interpreter(python, "--python")
    if not interpreter.ok:
        raise InputError("python", f"{python!r} cannot be probed ({interpreter.reason})", "a Python 3.10+ interpreter")
    return gil_rule(gil, interpreter.version, interpreter.free_threaded_build)


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
    """The result with the samples, each executor's peak memory and its mean CPU per core.

    Samples are taken on a clock and at every step boundary, so they cover unequal stretches: the mean
    weights each by the time it covers, and a step shorter than the clock's period still has its sample.
    """
    covered: dict[str, list[tuple[float, tuple[float, ...]]]] = {}
    previous_t = 0.0
    for sample in sorted(samples, key=lambda one: one.t_s):
        if sample.executor is not None:
            covered.setdefault(sample.executor, []).append((sample.t_s - previous_t, sample.cpu_percent_per_core))
        previous_t = sample.t_s
    entries = []
    for entry in result.executors:
        own = covered.get(entry.name, [])
        per_core = None
        total = sum(weight for weight, _ in own)
        if own and total > 0:
            per_core = tuple(
                sum(weight * cores[index] for weight, cores in own) / total for index in range(len(own[0][1]))
            )
        # The worker reads each executor's memory as it closes; the runner's samples may have seen more.
        peaks = [peak for peak in (entry.peak_rss_mb, peak_rss_mb.get(entry.name)) if peak is not None]
        entries.append(replace(entry, peak_rss_mb=max(peaks) if peaks else None, cpu_percent_per_core=per_core))
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


# How one run flows through the parent, step by step (each step is one function below):
#
#   spec --validate_spec--> _look_before: LOOK_BEFORE_S of CPU with no worker yet (disturbance.load_before)
#                              |
#                           _start_worker: Popen in its own session, the spec as one line on stdin; stdin
#                              |           then stays open, and its end of file tells the worker we are gone
#                              |
#   worker stdout --_read_lines thread--> lines queue --> _Run.pump(), until the outcome or the exit:
#                              |            _handle_line: progress -> on_progress, with a boundary sample
#                              |                          result / error -> the outcome
#                              |            _take_sample (on a clock, and at each step's boundary):
#                              |                per-core %, the tree's RSS (peak per executor), and the CPU of
#                              |                the source and of the worker's tree (disturbance readings)
#                           _Run.finish: close stdin, wait for the exit, kill the tree, join the readers
#                              |
#                           _Run.result: the outcome + samples, peak memory, disturbance -> BenchResult
#
# Cancel and timeout are checked once per pump; whatever ends the run, `finally` kills the whole tree.


class _Run:
    """One run's moving parts and what it has gathered so far (mutable: it lives only during the run)."""

    def __init__(
        self,
        spec: BenchSpec,
        worker: subprocess.Popen[str],
        source: disturbance.CpuSource,
        load_before: float,
        started: float,
    ) -> None:
        self.spec = spec
        self.worker = worker
        self.source = source
        self.load_before = load_before
        self.started = started
        self.root = psutil.Process(worker.pid)
        self.known: dict[int, psutil.Process] = {}
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr_lines: list[str] = []
        self.samples: list[Sample] = []
        self.readings: list[disturbance.CpuReading] = []
        self.tree_cpu = disturbance.TreeCpu()
        self.executor: str | None = None
        # Each executor's own memory: the worker plus that executor's pool processes (the others' pools
        # stay alive, idle, while the repeats go round-robin). Pages a fork shares count in each process,
        # so it is an upper bound, the sum a task manager shows.
        self.pool_pids: dict[str, set[int]] = {}
        self.peak_rss_mb: dict[str, float] = {}
        self.outcome: dict[str, Any] | None = None
        self.exited_at: float | None = None
        self._last_rss: dict[int, int] = {}
        self._sampled_at = 0.0
        self._sampled: set[str | None] = set()
        self.readers = [
            threading.Thread(target=_read_lines, args=(worker.stdout, self.lines), daemon=True),
            threading.Thread(target=lambda: self.stderr_lines.extend(worker.stderr), daemon=True),
        ]
        for reader in self.readers:
            reader.start()
        psutil.cpu_percent(percpu=True)  # the first reading only sets the reference point
        self._read_cpu()

    def pump(
        self,
        on_progress: Callable[[Progress], None] | None,
        cancel: threading.Event | None,
        timeout_s: float,
        deadline: float,
    ) -> None:
        """Handle lines and take samples until the worker's outcome is in or it has exited and gone quiet;
        RunFailed past `deadline` (perf_counter), RunCancelled once `cancel` is set."""
        next_sample = self.started + SAMPLE_INTERVAL_S
        finished = False
        while not finished:
            if cancel is not None and cancel.is_set():
                raise RunCancelled("the run was cancelled")
            now = time.perf_counter()
            if now > deadline:
                raise RunFailed(f"the worker timed out after {timeout_s:g} s")
            try:
                line = self.lines.get(timeout=max(0.0, min(next_sample, deadline) - now))
            except queue.Empty:
                line = ""
            if self.exited_at is None and self.worker.poll() is not None:
                self.exited_at = time.perf_counter()
            if line is None:
                finished = True
            elif line.strip():
                self._handle_line(line, on_progress)
            # After the worker exits, orphaned pool processes may hold stdout open, so end-of-file may never
            # come: stop once the outcome is in, or once every line already written has been read and the
            # drain time has passed. A line is always handled before this check, never dropped.
            if self.exited_at is not None and (
                self.outcome is not None or (self.lines.empty() and time.perf_counter() - self.exited_at > EXIT_DRAIN_S)
            ):
                finished = True
            if time.perf_counter() >= next_sample:
                self._take_sample(self.executor)
                next_sample += SAMPLE_INTERVAL_S
            if self.outcome is not None:
                finished = True
        self._read_cpu()

    def _handle_line(self, line: str, on_progress: Callable[[Progress], None] | None) -> None:
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            raise RunFailed(f"the worker wrote something that is not a JSON event: {line[:200]!r}") from None
        if event.get("event") == "progress":
            # A step boundary: the step that just ended belongs to the previous executor, however short; but
            # beyond each executor's first, never more often than BOUNDARY_SAMPLE_S, or a run of tiny steps would
            # have this process sampling all the time, and its own CPU would count as another program's.
            first = self.executor not in self._sampled
            if first or time.perf_counter() - self._sampled_at >= BOUNDARY_SAMPLE_S:
                self._take_sample(self.executor)
            self.executor = event["executor"]
            self.pool_pids[self.executor] = set(event.get("pids", ()))
            self._record_rss(self.executor, self._last_rss)
            if on_progress is not None:
                on_progress(
                    Progress(self.executor, event["phase"], event["repeat"], event["of"], event.get("fraction", 0.0))
                )
        elif event.get("event") in ("result", "error"):
            self.outcome = event

    def _take_sample(self, executor: str | None) -> None:
        self._sampled_at = time.perf_counter()
        self._sampled.add(executor)
        cores = tuple(psutil.cpu_percent(percpu=True))
        rss = _tree_rss(self.root, self.known)
        self._last_rss = rss
        self.samples.append(Sample(time.perf_counter() - self.started, cores, sum(rss.values()) / _MIB, executor))
        self._record_rss(executor, rss)
        self._read_cpu()

    def _record_rss(self, executor: str | None, rss: dict[int, int]) -> None:
        if executor is None or self.worker.pid not in rss:
            return
        own = rss[self.worker.pid] + sum(rss.get(pid, 0) for pid in self.pool_pids.get(executor, ()))
        self.peak_rss_mb[executor] = max(self.peak_rss_mb.get(executor, 0.0), own / _MIB)

    def _read_cpu(self) -> None:
        with contextlib.suppress(OSError, KeyError, ValueError):
            used_s, throttled_s = self.source.read()
            tree_s = self.tree_cpu.read([self.root, *self.known.values()])
            self.readings.append(disturbance.CpuReading(time.perf_counter(), used_s, tree_s, throttled_s))

    def finish(self) -> int | None:
        """Tell the worker we are done (end of its stdin), wait for its exit, then clear what is left."""
        _close_quietly(self.worker.stdin)
        returncode = None
        with contextlib.suppress(subprocess.TimeoutExpired):
            returncode = self.worker.wait(timeout=KILL_WAIT_S)
        # Orphaned pool processes would hold the pipes open and the readers with them.
        _kill_tree(self.worker, self.known)
        for reader in self.readers:
            reader.join(timeout=KILL_WAIT_S)
        return returncode

    def result(self, returncode: int | None) -> BenchResult:
        """The BenchResult from the outcome, with samples, peak memory and the run's disturbance."""
        if self.outcome is None:
            if returncode is None:
                raise RunFailed("the worker neither produced a result nor exited")
            raise RunFailed(_failure_message(returncode, "".join(self.stderr_lines)[-2000:]))
        if self.outcome["event"] == "error":
            raise InputError(self.outcome["field"], self.outcome["problem"], self.outcome["accepted"])
        result = _with_samples(BenchResult.from_dict(self.outcome["result"]), self.samples, self.peak_rss_mb)
        found, disturbed = disturbance.summarize(
            self.readings,
            self.load_before,
            self.source.name,
            cores=self.source.cores,
            throttling_counts=_run_fits_quota(self.spec, result.host.get("cpu_quota")),
        )
        # The worker measured; intervals and bands are assigned here, in the parent.
        return assess(replace(result, disturbance=found, disturbed=disturbed))


def _run_fits_quota(spec: BenchSpec, quota: float | None) -> bool:
    """Whether the run alone stays within the quota (then throttling means someone else used it up)."""
    if quota is None:
        return False
    pools = [name for name in spec.executors if name not in ("sequential", "asyncio")]
    return (spec.workers if pools else 1) <= quota


def _close_quietly(stream: Any) -> None:
    if stream is not None:
        with contextlib.suppress(OSError):
            stream.close()


def _look_before(source: disturbance.CpuSource, seconds: float) -> float:
    if seconds <= 0:
        return 0.0
    try:
        return disturbance.look_before(source, seconds)
    except (OSError, KeyError, ValueError):
        return 0.0


def _start_worker(command: list[str], spec: BenchSpec) -> subprocess.Popen[str]:
    """The worker, started in its own session, with the spec written to its stdin (left open)."""
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
    if worker.stdin is None:
        raise RunFailed("the worker's stdin is not a pipe")
    try:
        worker.stdin.write(json.dumps(spec.to_dict()) + "\n")
        worker.stdin.flush()
    except BrokenPipeError:
        pass  # the worker died at once: its exit and stderr tell why
    return worker


def run_benchmark(
    spec: BenchSpec,
    python: str | None = None,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    timeout_s: float = 120.0,
    look_before_s: float = disturbance.LOOK_BEFORE_S,
) -> BenchResult:
    """Run `spec` in a worker under `python` (default: this interpreter) and return its result with samples
    and its disturbance (what everything else used meanwhile, looked at for `look_before_s` beforehand too).

    Raises RunCancelled when `cancel` is set, RunFailed on a crash, a timeout or a missing result, and
    InputError when the worker refuses the spec. Either way no process of the run is left behind.
    """
    called = time.perf_counter()
    spec = validate_spec(spec)
    python = python or sys.executable
    gil_note = check_gil(spec.gil, python)
    command = worker_command(python, watch_parent=True, gil=spec.gil)
    # A dask executor imports dask from the interpreter's own site-packages: drop -S for that run alone
    # (-I stays: no PYTHONPATH, user site or cwd). Every run without dask keeps -I -S, stdlib only.
    if any(name.startswith("dask") for name in spec.executors):
        command.remove("-S")
    source = disturbance.detect_source()
    load_before = _look_before(source, look_before_s)
    started = time.perf_counter()
    worker = _start_worker(command, spec)
    known: dict[int, psutil.Process] = {}
    try:
        run = _Run(spec, worker, source, load_before, started)
        known = run.known
        run.pump(on_progress, cancel, timeout_s, deadline=called + timeout_s)
        result = run.result(run.finish())
        return result if gil_note is None else replace(result, warnings=(gil_note, *result.warnings))
    finally:
        _close_quietly(worker.stdin)
        _kill_tree(worker, known)
        for stream in (worker.stdout, worker.stderr):
            _close_quietly(stream)
