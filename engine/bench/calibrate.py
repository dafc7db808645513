"""Host calibration: what a hand-off, a pool start-up, a thread and a process cost on this host, measured.

The measurements run in worker processes (never in the caller) and are saved under paths.data_dir(), one
entry per interpreter (its path and version), validated by engine.validation on load. Two process figures
are measured apart: a bare interpreter (`python -I -S`, no imports: the floor of any process worker) and
the Lab's benchmark worker after its imports (the per-worker figure the memory estimate uses).
`load_costs` is the edge the page and the CLI call: it reads the file and this host's descriptor limit
and hands both to engine.lesson.costs.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import psutil
from annotated_types import Ge, Gt

from engine.bench.results import EXECUTORS, BenchSpec
from engine.bench.runner import ROOT, run_benchmark
from engine.errors import InputError
from engine.lesson.costs import Costs, costs_from
from engine.paths import data_dir
from engine.validation import parse

CALIBRATION_FILE = "calibration.json"
CALIBRATION_SCHEMA = "concurrency-lab/calibration"
# Version 2: one entry per interpreter (path and version); a bare interpreter and the Lab's worker measured
# apart; per-task ranges from the fastest and slowest repeat; one loopback request's cost.
CALIBRATION_VERSION = 2
# Enough empty tasks that the per-task cost dominates each executor's fixed costs.
OVERHEAD_TASKS = 200
REQUEST_TASKS = 40
IDLE_THREADS = 100
PROBE_TIMEOUT_S = 30.0
_MIB = 1024 * 1024

# A bare interpreter: no imports at all (input() is a builtin). It says it is ready, then waits on stdin.
_BARE_PROBE = "print('ready', flush=True); input()"
# The Lab's worker after its imports; then the same process with IDLE_THREADS more threads parked.
_WORKER_PROBE = f"""
import sys, threading
sys.path.insert(0, {ROOT!r})
import engine.bench.worker
print("ready", flush=True)
sys.stdin.readline()
stop = threading.Event()
threads = [threading.Thread(target=stop.wait) for _ in range({IDLE_THREADS})]
for thread in threads:
    thread.start()
print("threads", flush=True)
sys.stdin.readline()
stop.set()
for thread in threads:
    thread.join()
"""

ExecutorName = Literal[EXECUTORS]  # type: ignore[valid-type]
Seconds = Annotated[float, Ge(0)]
Mebibytes = Annotated[float, Gt(0)]


@dataclass(frozen=True)
class Calibration:
    """What this host measured under one interpreter; each figure says which estimate it feeds."""

    python: str  # the interpreter's path
    python_version: str
    usable_cores: Annotated[int, Ge(1)]
    # executor -> per-task hand-off (the empty kernel): median of the repeats, and the fastest/slowest repeat.
    # Feeds the hand-off in every speedup and latency estimate.
    task_overhead_s: dict[ExecutorName, Seconds]
    task_overhead_low_s: dict[ExecutorName, Seconds]
    task_overhead_high_s: dict[ExecutorName, Seconds]
    # executor -> pool start-up. Feeds the start-up-against-latency notes.
    pool_startup_s: dict[ExecutorName, Seconds]
    # Resident memory one more idle thread adds. Feeds the memory of thread approaches.
    thread_rss_mb: Annotated[float, Ge(0)]
    # A bare interpreter, no imports: the floor named beside every process worker's memory.
    bare_interpreter_rss_mb: Mebibytes
    # The Lab's benchmark worker after its imports: the per-worker memory of processes and subinterpreters.
    worker_rss_mb: Mebibytes
    measured_at: str
    # One loopback HTTP GET, server in the same process: the CPU a request costs when io_cpu_ms is unsaid.
    request_cpu_s: Seconds | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any, *, where: str = "calibration") -> Calibration:
        return parse(cls, data, where=where)


@dataclass(frozen=True)
class _CalibrationFile:
    schema: Literal["concurrency-lab/calibration"]
    version: Literal[2]
    interpreters: dict[str, Calibration] = field(default_factory=dict)


def calibration_path() -> Path:
    return data_dir() / CALIBRATION_FILE


def interpreter_key(python: str, version: str) -> str:
    """The saved file's key for an interpreter: its resolved path and its version."""
    return f"{os.path.realpath(python)} {version}"


def _probe_rss(code: str, python: str, phases: int) -> list[int]:
    """RSS (bytes) of a probe process at each phase it announces on stdout, read with psutil from outside."""
    readings: list[int] = []
    with subprocess.Popen(
        [python, "-I", "-S", "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as probe:
        if probe.stdin is None or probe.stdout is None:
            raise RuntimeError("the memory probe has no pipes")
        try:
            process = psutil.Process(probe.pid)
            for _ in range(phases):
                if not probe.stdout.readline().strip():
                    raise RuntimeError("the memory probe stopped before it was ready")
                readings.append(process.memory_info().rss)
                probe.stdin.write("\n")
                probe.stdin.flush()
            probe.wait(timeout=PROBE_TIMEOUT_S)
        finally:
            if probe.poll() is None:
                probe.kill()
                probe.wait()
    return readings


def measure_rss_mb(python: str | None = None) -> tuple[float, float, float]:
    """(MiB one more idle thread adds, MiB of a bare interpreter, MiB of the Lab's worker after its imports)."""
    interpreter = python or sys.executable
    (bare,) = _probe_rss(_BARE_PROBE, interpreter, 1)
    worker, with_threads = _probe_rss(_WORKER_PROBE, interpreter, 2)
    return max(0, with_threads - worker) / IDLE_THREADS / _MIB, bare / _MIB, worker / _MIB


def _request_cpu_s(python: str | None) -> float | None:
    """One loopback GET answered at once, run in order: what a small request costs (None if it failed)."""
    spec = BenchSpec("http_local", ("sequential",), workers=1, tasks=REQUEST_TASKS, size=0, repeats=3, warmups=1)
    try:
        result = run_benchmark(spec, python, timeout_s=60.0)
    except (RuntimeError, InputError, OSError):
        return None
    medians = [entry.median_s for entry in result.executors if entry.name == "sequential"]
    return medians[0] / REQUEST_TASKS if medians and medians[0] is not None else None


def calibrate(python: str | None = None) -> Calibration:
    """Measure this host under `python` (default: this interpreter) and save the figures under its key."""
    spec = BenchSpec("noop", EXECUTORS, workers=2, tasks=OVERHEAD_TASKS, repeats=5, warmups=1)
    result = run_benchmark(spec, python)
    measured = [entry for entry in result.executors if entry.median_s is not None and entry.startup_s is not None]
    thread_rss_mb, bare_rss_mb, worker_rss_mb = measure_rss_mb(python)
    calibration = Calibration(
        python=os.path.realpath(python or sys.executable),
        python_version=result.host["python_version"],
        usable_cores=result.host["usable_cpus"],
        task_overhead_s={entry.name: entry.median_s / OVERHEAD_TASKS for entry in measured},
        task_overhead_low_s={entry.name: min(entry.times_s) / OVERHEAD_TASKS for entry in measured},
        task_overhead_high_s={entry.name: max(entry.times_s) / OVERHEAD_TASKS for entry in measured},
        pool_startup_s={entry.name: entry.startup_s for entry in measured},
        thread_rss_mb=thread_rss_mb,
        bare_interpreter_rss_mb=bare_rss_mb,
        worker_rss_mb=worker_rss_mb,
        measured_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        request_cpu_s=_request_cpu_s(python),
    )
    saved = _read_file() or _CalibrationFile(CALIBRATION_SCHEMA, CALIBRATION_VERSION, {})
    entries = {**saved.interpreters, interpreter_key(calibration.python, calibration.python_version): calibration}
    document = {
        "schema": CALIBRATION_SCHEMA,
        "version": CALIBRATION_VERSION,
        "interpreters": {key: entry.to_dict() for key, entry in entries.items()},
    }
    (data_dir(ensure=True) / CALIBRATION_FILE).write_text(json.dumps(document, indent=2))
    return calibration


def _read_file() -> _CalibrationFile | None:
    path = calibration_path()
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(str(path), f"cannot be read ({error})", "delete it and calibrate again") from None
    old_version = isinstance(data, dict) and data.get("version") != CALIBRATION_VERSION
    if old_version and data.get("schema") == CALIBRATION_SCHEMA:
        raise InputError(f"{path}: version", f"got {data.get('version')!r}", f"{CALIBRATION_VERSION}: calibrate again")
    return parse(_CalibrationFile, data, where=str(path))


def load_calibration(python: str | None = None, version: str | None = None) -> Calibration | None:
    """The saved calibration of an interpreter (default: this one); None when it was never calibrated.

    Entries are kept per interpreter path and version: a figure measured under 3.11 never feeds 3.14's
    estimates. Without `version`, this interpreter's own version, or the latest entry for that path.
    A damaged file is an InputError naming it.
    """
    saved = _read_file()
    if saved is None:
        return None
    path = os.path.realpath(python or sys.executable)
    if version is None and path == os.path.realpath(sys.executable):
        version = sys.version.split()[0]
    if version is not None:
        return saved.interpreters.get(interpreter_key(path, version))
    matching = [entry for entry in saved.interpreters.values() if entry.python == path]
    return max(matching, key=lambda entry: entry.measured_at) if matching else None


def host_fd_limit() -> int | None:
    """This host's soft limit on open file descriptors (RLIMIT_NOFILE); None where resource is missing."""
    try:
        import resource
    except ImportError:
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else int(soft)


def load_costs(python: str | None = None, version: str | None = None) -> Costs:
    """The recommendation's costs at the edge: the interpreter's calibration (if any) and the descriptor limit."""
    return costs_from(load_calibration(python, version), fd_limit=host_fd_limit())


if __name__ == "__main__":
    print(json.dumps(calibrate(sys.argv[1] if len(sys.argv) > 1 else None).to_dict(), indent=2))
