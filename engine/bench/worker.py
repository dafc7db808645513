"""`python -m engine.bench.worker`: runs one BenchSpec (JSON on stdin) in this process, JSON lines on stdout.

Events, one JSON object a line: {"event": "ready"}, then {"event": "progress", "executor", "phase",
"repeat", "of", "fraction", "pids"} before each step (`fraction` of the run done, never falling), then
{"event": "result", "result": {...}} or {"event": "error"}. The result holds measurements only: the parent
assigns intervals and bands (engine.bench.results.assess).
The worker measures the GIL itself (GilWatch): sys._is_gil_enabled() as the run starts, at each step and at
its end, and every warning raised meanwhile, so a C extension whose import turns the GIL back on is reported.
Standard library only, so any interpreter runs it with `-I -S`; it never imports psutil or the app.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import importlib
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from engine.bench import probe
from engine.bench.executors import Work, available_executors, open_session
from engine.bench.intervals import speedup
from engine.bench.measure import Measurement, measure_all, summarize
from engine.bench.results import BenchResult, BenchSpec, ExecutorResult, GilReenabled
from engine.errors import InputError
from kernels import Kernel, get_kernel

BASELINE = "sequential"
# Executors whose workers are threads of this process: the GIL decides whether they run in parallel.
_THREADED = ("threads", "asyncio_threads", "dask_threads")  # dask_threads: Dask workers as threads of one process

Emit = Callable[[dict[str, Any]], None]


def _emit_json_line(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def build_work(kernel: Kernel, spec: BenchSpec) -> Work:
    """The kernel's forms bound to the spec's size (and latency, for a kernel that has one)."""
    size = kernel.default_size if spec.size is None else spec.size
    function, async_function, async_fetch = kernel.function, kernel.async_function, kernel.async_fetch
    if kernel.default_latency_ms is not None and spec.latency_ms is not None:
        function = functools.partial(function, latency_ms=spec.latency_ms)
        if async_function is not None:
            async_function = functools.partial(async_function, latency_ms=spec.latency_ms)
        if async_fetch is not None:
            async_fetch = functools.partial(async_fetch, latency_ms=spec.latency_ms)
    # A kernel with shared state hands it to every pool worker once (pickled for spawn and forkserver,
    # inherited under fork), so the transfer is timed with the pool's start-up, not with the work.
    initargs = kernel.initargs() if kernel.initializer is not None else ()
    return Work(
        function,
        size,
        async_function=async_function,
        async_fetch=async_fetch,
        parse=kernel.parse,
        initializer=kernel.initializer,
        initargs=initargs,
        setup_report=kernel.setup_report,
    )


def _start_method_used(name: str, requested: str | None) -> str | None:
    if name not in ("processes", "asyncio_processes"):
        return None
    return requested or multiprocessing.get_start_method(allow_none=False)


def executor_label(name: str, start_method: str | None, gil_enabled: bool) -> str:
    """A name for charts that says what the result depends on: the GIL for threads, the start method for processes."""
    if name == "asyncio_threads" and not gil_enabled:
        return "asyncio + threads (free-threaded, GIL off)"  # the lesson's "free-threaded + asyncio", measured
    if name in _THREADED:
        return f"{name} ({'GIL' if gil_enabled else 'free-threaded'})"
    if start_method is not None:
        return f"{name} ({start_method})"
    if name == "interpreters":
        return "interpreters (one GIL each)"
    return name


def _workers_of(name: str, spec: BenchSpec) -> int:
    # sequential and asyncio have one worker: the calling thread, running one event loop for asyncio.
    return 1 if name in ("sequential", "asyncio") else spec.workers


def _entry(
    name: str,
    spec: BenchSpec,
    measurement: Measurement | None,
    baseline: Measurement | None,
    unavailable: str | None = None,
    error: str | None = None,
) -> ExecutorResult:
    start_method = _start_method_used(name, spec.start_method)
    gil = probe.gil_enabled()
    common = dict(
        name=name,
        label=executor_label(name, start_method, gil),
        workers=_workers_of(name, spec),
        start_method=start_method,
        gil_enabled=gil,
    )
    if measurement is None:
        return ExecutorResult(
            **common,
            times_s=(),
            median_s=None,
            min_s=None,
            max_s=None,
            spread=None,
            noisy=False,
            startup_s=None,
            speedup=None,
            band=None,
            correct=None,
            spans=(),
            unavailable=unavailable,
            error=error,
        )
    stats = summarize(measurement.times_s)
    ratio = correct = None
    if baseline is not None:
        ratio = speedup(summarize(baseline.times_s).median_s, stats.median_s)
        correct = measurement.checksum == baseline.checksum
    # The spans shown are those of the median repeat, the one the headline number stands for.
    ordered = sorted(measurement.repeats, key=lambda run: run.elapsed_s)
    median_run = ordered[(len(ordered) - 1) // 2]
    return ExecutorResult(
        **common,
        times_s=measurement.times_s,
        median_s=stats.median_s,
        min_s=stats.min_s,
        max_s=stats.max_s,
        spread=stats.spread,
        noisy=stats.noisy,
        startup_s=measurement.startup_s,
        speedup=ratio,
        band=None,
        correct=correct,
        spans=median_run.spans,
        repeats=len(measurement.times_s),
    )


def _setup_fields(session: Any) -> dict[str, Any]:
    """setup_s and setup_how from the session's workers' setup reports (empty: the kernel has none)."""
    reports = getattr(session, "setup_reports", ())
    if not reports:
        return {}
    return {
        "setup_s": tuple(max(0.0, float(report["seconds"])) for report in reports),
        "setup_how": tuple(str(report["how"]) for report in reports),
    }


def _rss_bytes(pid: int) -> int | None:
    """The resident memory of process `pid` now (Linux /proc), None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _own_peak_rss_bytes() -> int | None:
    """This process's peak resident memory so far (getrusage; kilobytes on Linux, bytes on macOS)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _pool_rss_bytes(session: Any) -> int:
    """The RSS of a session's pool processes: /proc where there is one, else each process's own peak,
    asked through the pool (each answers with its pid, until every pid has answered or a second passed)."""
    pids = tuple(session.pool_pids)
    found = {pid: rss for pid in pids if (rss := _rss_bytes(pid)) is not None}
    if len(found) == len(pids) or session.pool is None:
        return sum(found.values())
    deadline = time.perf_counter() + 1.0
    with contextlib.suppress(Exception):
        while len(found) < len(pids) and time.perf_counter() < deadline:
            for future in [session.pool.submit(_peak_rss_of_pool_process) for _ in pids]:
                pid, rss = future.result(timeout=1.0)
                if rss is not None:
                    found[pid] = rss
    return sum(found.values())


def _peak_rss_of_pool_process() -> tuple[int, int | None]:
    time.sleep(0.001)  # lets an idle peer take the next probe
    return os.getpid(), _own_peak_rss_bytes()


def unique_and_proportional_bytes(pid: int) -> tuple[int, int] | None:
    """(USS, PSS) of process `pid` in bytes from Linux's /proc/PID/smaps_rollup (4.14+): USS is its private
    pages (Private_Clean + Private_Dirty, psutil's definition), PSS each page divided by the processes that
    map it. None where the file is absent or unreadable (macOS, Windows, an older kernel, a process gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            text = handle.read()
    except OSError:
        return None
    kilobytes: dict[str, int] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            kilobytes[key] = int(parts[0])
    if "Pss" not in kilobytes or "Private_Clean" not in kilobytes or "Private_Dirty" not in kilobytes:
        return None
    return (kilobytes["Private_Clean"] + kilobytes["Private_Dirty"]) * 1024, kilobytes["Pss"] * 1024


def _tree_unique_and_proportional_mb(session: Any) -> tuple[float, float] | None:
    """The summed (USS, PSS) in MiB of this worker and `session`'s pool processes; None unless every one was read."""
    readings = [unique_and_proportional_bytes(pid) for pid in (os.getpid(), *session.pool_pids)]
    if any(reading is None for reading in readings):
        return None
    uss = sum(reading[0] for reading in readings if reading is not None)
    pss = sum(reading[1] for reading in readings if reading is not None)
    return uss / (1024 * 1024), pss / (1024 * 1024)


def read_memory_at_close(
    session: Any,
    name: str,
    memory_mb: dict[str, float],
    private_mb: dict[str, tuple[float, float]] | None = None,
) -> None:
    """Record `session`'s memory (the worker plus its own pool processes) into `memory_mb[name]` (RSS) and,
    where Linux shows them, `private_mb[name]` (USS, PSS) as it closes: read at its end from inside the worker,
    a step shorter than the runner's sampling clock (or a pool gone before the runner looked) is still measured."""
    close = session.close

    def read_then_close() -> None:
        if name not in memory_mb:
            with contextlib.suppress(Exception):
                own = _rss_bytes(os.getpid()) or _own_peak_rss_bytes()
                if own is not None:
                    memory_mb[name] = (own + _pool_rss_bytes(session)) / (1024 * 1024)
        if private_mb is not None and name not in private_mb:
            with contextlib.suppress(Exception):
                found = _tree_unique_and_proportional_mb(session)
                if found is not None:
                    private_mb[name] = found
        close()

    session.close = read_then_close


# Words of the RuntimeWarning CPython raises when an import turns the GIL back on (Python/import.c, 3.13+).
_GIL_WARNING_WORDS = "global interpreter lock"


class GilWatch:
    """The GIL across one run, measured inside the worker: its state at the start, at every step (`step`) and
    at the end, and every warning raised meanwhile in any thread (`show` is installed as warnings.showwarning).

    An import of a C extension that has not declared free-threading support turns the GIL on for the whole
    process, with a RuntimeWarning: the warning says which module and where; the state says that it happened.
    """

    def __init__(self) -> None:
        self.at_start = probe.gil_state()
        self.current = "the start of the run"
        self.came_back_during: str | None = None  # the step after which the GIL was first found on
        self.caught: list[tuple[str, str, str, bool]] = []  # (warning, file:line, step, is the GIL's)
        self._lock = threading.Lock()

    def step(self, label: str) -> None:
        """A new step begins: the GIL found on now, and off at the start, came back during the previous one."""
        if self.came_back_during is None and self.at_start is False and probe.gil_state():
            self.came_back_during = self.current
        self.current = label

    def show(self, message: Any, category: type, filename: str, lineno: int, *_: Any) -> None:
        """warnings.showwarning's signature (file and line unused): record the warning with the current step."""
        is_gil = issubclass(category, RuntimeWarning) and _GIL_WARNING_WORDS in str(message).lower()
        with self._lock:
            self.caught.append((f"{category.__name__}: {message}", f"{filename}:{lineno}", self.current, is_gil))

    def finish(self) -> tuple[bool | None, GilReenabled | None, list[str]]:
        """(the GIL at the end, how it came back if it did, the other warnings as result warnings)."""
        at_end = probe.gil_state()
        gil_warning = next((entry for entry in self.caught if entry[3]), None)
        came_back = None
        if gil_warning is not None:
            came_back = GilReenabled(at=gil_warning[2], warning=gil_warning[0], source=gil_warning[1])
        elif self.at_start is False and at_end:
            came_back = GilReenabled(at=self.came_back_during or self.current)
        with self._lock:
            others = [f"raised during {step}: {text} ({where})" for text, where, step, gil in self.caught if not gil]
        return at_end, came_back, list(dict.fromkeys(others))


@contextlib.contextmanager
def watching_gil() -> Iterator[GilWatch]:
    """A GilWatch that receives every warning raised inside the block (the previous handler restored after)."""
    watch = GilWatch()
    with warnings.catch_warnings():
        warnings.showwarning = watch.show
        yield watch


def _step_label(name: str, phase: str, repeat: int, of: int) -> str:
    if phase == "repeat":
        return f"{name}, repeat {repeat} of {of}"
    return f"{name}, warm-up {repeat} of {of}" if phase == "warmup" else f"{name}, starting"


def preload_modules(spec: BenchSpec) -> None:
    """Import the spec's preloaded modules (a C extension, to see whether it brings the GIL back), with
    `preload_path` first on sys.path; InputError naming preload for one that cannot be imported."""
    if spec.preload_path is not None:
        sys.path.insert(0, spec.preload_path)
    for name in spec.preload:
        try:
            importlib.import_module(name)
        except Exception as error:  # an extension that fails to load may raise anything
            problem = f"cannot import {name!r} ({_describe_error(error)})"
            raise InputError("preload", problem, "modules the worker's interpreter can import") from None


def _gil_setting_warnings(spec: BenchSpec, at_start: bool | None) -> list[str]:
    """The GIL setting checked against the state the worker measured: the setting asked, the state found."""
    wanted = {"on": True, "off": False}.get(spec.gil)
    if wanted is None or at_start is None or wanted == at_start:
        return []
    found = "on" if at_start else "off"
    return [f"gil {spec.gil} was asked, but the worker found the GIL {found} as the run began"]


def _describe_error(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def run_bench(spec: BenchSpec, kernel: Kernel | None = None, emit: Emit = _emit_json_line) -> BenchResult:
    """Run every executor of `spec` on its kernel, the sequential baseline first and the repeats round-robin
    (engine.bench.measure.measure_all); events go to `emit`."""
    kernel = kernel or get_kernel(spec.kernel)
    facts = probe.interpreter_facts()
    reasons = available_executors(facts)
    warnings: list[str] = []
    names = list(dict.fromkeys(spec.executors))
    if BASELINE not in names:
        warnings.append("sequential was added: every speedup is measured against it")
    names = [BASELINE] + [name for name in names if name != BASELINE]
    work = build_work(kernel, spec)

    failures: dict[str, tuple[str | None, str | None]] = {}
    memory_mb: dict[str, float] = {}
    private_mb: dict[str, tuple[float, float]] = {}
    sessions = {}
    with watching_gil() as watch:
        if spec.preload:
            watch.step(f"the import of the preloaded modules ({', '.join(spec.preload)})")
            preload_modules(spec)
        # Fork pools start before any subinterpreter exists: a process forked after an InterpreterPoolExecutor
        # started died at once (BrokenProcessPool) on 3.14. Results keep the spec's order whatever this order.
        for name in sorted(names, key=lambda executor: executor == "interpreters"):
            reason = reasons.get(name, "unknown executor")
            if reason is not None:
                failures[name] = (reason, None)
            else:
                start_method = _start_method_used(name, spec.start_method)
                sessions[name] = open_session(name, work, spec.workers, start_method, scheduler=spec.scheduler)
                read_memory_at_close(sessions[name], name, memory_mb, private_mb)

        def on_repeat(name: str, phase: str, repeat: int, of: int, fraction: float) -> None:
            watch.step(_step_label(name, phase, repeat, of))
            # The pool's pids let the runner tell this executor's memory from the other pools'.
            pids = list(sessions[name].pool_pids)
            emit(
                {
                    "event": "progress",
                    "executor": name,
                    "phase": phase,
                    "repeat": repeat,
                    "of": of,
                    "fraction": round(fraction, 4),
                    "pids": pids,
                }
            )

        with kernel.setup():
            outcomes = measure_all(
                sessions,
                spec.tasks,
                spec.repeats,
                spec.warmups,
                on_repeat,
                max_repeats=spec.max_repeats,
                budget_s=spec.budget_s,
                baseline=BASELINE,
            )
        gil_at_end, gil_reenabled, caught = watch.finish()
    warnings += [*_gil_setting_warnings(spec, watch.at_start), *caught]
    measurements: dict[str, Measurement] = {}
    for name, outcome in outcomes.measurements.items():
        warnings.extend(f"{name}: {note}" for note in getattr(sessions[name], "notes", ()))  # dask's clocks, workers
        if isinstance(outcome, Exception):
            failures[name] = (None, _describe_error(outcome))
        else:
            measurements[name] = outcome

    baseline = measurements.get(BASELINE)
    if baseline is None:
        warnings.append("the sequential baseline failed: no speedup or correctness can be computed")
    entries = []
    for name in names:
        unavailable, error = failures.get(name, (None, None))
        entries.append(_entry(name, spec, measurements.get(name), baseline, unavailable, error))
    entries = [
        dataclasses.replace(
            entry,
            peak_rss_mb=memory_mb.get(entry.name),
            uss_mb=private_mb[entry.name][0] if entry.name in private_mb else None,
            pss_mb=private_mb[entry.name][1] if entry.name in private_mb else None,
            **_setup_fields(sessions.get(entry.name)),
        )
        for entry in entries
    ]
    for entry in entries:
        if entry.correct is False:
            warnings.append(f"{entry.name}: results differ from the sequential baseline (correct: false)")
        if entry.noisy:
            warnings.append(f"{entry.name}: noisy, repeats spread {entry.spread:.0%} around the median")
        # CPU work cannot beat the speedup limit; a ratio past it means another program disturbed the run.
        limit = facts.get("speedup_limit") or facts["usable_cpus"]
        if kernel.kind == "cpu" and entry.speedup is not None and entry.speedup > 1.1 * limit:
            warnings.append(
                f"{entry.name}: {entry.speedup:.2f}x is past this host's {limit:.2f}x limit "
                f"({probe.limit_text(facts)}): the run was disturbed, measure again on a quieter machine"
            )
    # Waiting is not bounded by cores: more workers than cores is the point of an I/O run.
    limit = facts.get("speedup_limit") or facts["usable_cpus"]
    if spec.workers > limit and kernel.kind != "io":
        warnings.append(f"{spec.workers} workers on {limit:g} usable cores: {probe.limit_text(facts)}")
    return BenchResult(
        spec=spec,
        host=facts,
        baseline=BASELINE,
        executors=tuple(entries),
        warnings=tuple(warnings),
        created_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        stopped_by=outcomes.stopped_by,
        gil_at_start=watch.at_start,
        gil_at_end=gil_at_end,
        gil_reenabled=gil_reenabled,
    )


def _input_error_event(error: InputError) -> dict[str, Any]:
    return {
        "event": "error",
        "kind": "input",
        "field": error.field,
        "problem": error.problem,
        "accepted": error.accepted,
    }


WATCH_PARENT = "--watch-parent"


def _exit_with_children() -> None:
    """Kill every process this worker made, then exit at once (no clean-up: the parent is gone)."""
    with contextlib.suppress(Exception):
        for child in multiprocessing.active_children():
            child.kill()
    # The runner starts the worker as a session leader: its process group holds everything it made, the
    # forkserver, its pool processes and the resource tracker included, even those re-parented to init.
    if hasattr(os, "killpg") and os.getpgid(0) == os.getpid():
        with contextlib.suppress(OSError):
            os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(3)


def watch_parent(fd: int) -> threading.Thread:
    """Watch file descriptor `fd` (the rest of stdin) from a daemon thread: at its end of file the parent
    has closed it or died, even by SIGKILL, and the worker kills its pools and exits instead of running on.

    It reads the raw descriptor, never sys.stdin: a thread blocked inside sys.stdin holds its buffer's
    lock, and a forked pool process, which closes sys.stdin as it starts, would wait for that lock forever.
    """

    def wait_for_end_of_file() -> None:
        with contextlib.suppress(OSError):
            while os.read(fd, 1024):
                pass
        _exit_with_children()

    thread = threading.Thread(target=wait_for_end_of_file, name="lab-parent-watch", daemon=True)
    thread.start()
    return thread


def _read_line(fd: int) -> str:
    """One line from a raw descriptor, a byte at a time so that nothing past it is consumed."""
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 1)
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8")


def _read_spec_text(argv: list[str]) -> str:
    """The spec's JSON: one line followed by the parent watch, or (run by hand) all of stdin."""
    if WATCH_PARENT in argv:
        fd = sys.stdin.fileno()
        text = _read_line(fd)
        watch_parent(fd)
        return text
    return sys.stdin.read()


def main(argv: list[str] | None = None) -> int:
    _emit_json_line({"event": "ready"})
    try:
        spec = BenchSpec.from_dict(json.loads(_read_spec_text(sys.argv[1:] if argv is None else argv)))
        result = run_bench(spec)
    except InputError as error:
        _emit_json_line(_input_error_event(error))
        return 2
    except json.JSONDecodeError as error:
        _emit_json_line(_input_error_event(InputError("spec", f"is not JSON ({error})", "a BenchSpec JSON object")))
        return 2
    _emit_json_line({"event": "result", "result": result.to_dict()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
