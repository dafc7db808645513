"""Host calibration: what a hand-off, a pool start-up, a thread and a process cost on this host, measured.

The recommendation engine feeds these into its stated models instead of constants. Runs the
measurements in worker processes (never in the caller) and saves them under paths.data_dir().
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from engine.bench.results import EXECUTORS, BenchSpec
from engine.bench.runner import ROOT, run_benchmark
from engine.errors import InputError
from engine.paths import data_dir

CALIBRATION_FILE = "calibration.json"
# Enough empty tasks that the per-task cost dominates each executor's fixed costs.
OVERHEAD_TASKS = 200
IDLE_THREADS = 100
_MIB = 1024 * 1024

# A bare worker: the interpreter plus the worker's own imports. It reports its phases on stdout and waits
# on stdin, so the parent reads its RSS at rest, then again with IDLE_THREADS more threads parked.
_RSS_PROBE = f"""
import sys, threading
sys.path.insert(0, {ROOT!r})
import engine.bench.worker
print("bare", flush=True)
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


@dataclass(frozen=True)
class Calibration:
    """What this host measured; every figure a model uses comes from here, with `measured_at`."""

    python_version: str
    usable_cores: int
    task_overhead_s: dict[str, float]  # executor -> per-task hand-off overhead (the empty kernel)
    pool_startup_s: dict[str, float]  # executor -> pool start-up
    thread_rss_mb: float  # resident memory one more idle thread adds
    process_rss_mb: float  # RSS of one bare worker process
    measured_at: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Calibration:
        if not isinstance(data, dict) or set(data) != {f.name for f in dataclasses.fields(cls)}:
            fields = ", ".join(f.name for f in dataclasses.fields(cls))
            raise InputError("calibration", "does not have the calibration's fields", fields)
        for name in ("task_overhead_s", "pool_startup_s"):
            table = data[name]
            if not isinstance(table, dict) or not all(
                key in EXECUTORS and isinstance(value, (int, float)) and not isinstance(value, bool)
                for key, value in table.items()
            ):
                raise InputError(f"calibration.{name}", "is not a table of executor -> seconds", ", ".join(EXECUTORS))
        numbers = ("thread_rss_mb", "process_rss_mb")
        if not all(isinstance(data[name], (int, float)) and not isinstance(data[name], bool) for name in numbers):
            raise InputError("calibration", "has a memory figure that is not a number", "numbers of MiB")
        if not isinstance(data["usable_cores"], int) or not isinstance(data["python_version"], str):
            raise InputError("calibration", "has a bad usable_cores or python_version", "an integer and a string")
        return cls(**data)


def calibration_path() -> Path:
    return data_dir() / CALIBRATION_FILE


def measure_rss_mb(python: str | None = None) -> tuple[float, float]:
    """(MiB one more idle thread adds, MiB of one bare worker process), read with psutil from outside."""
    with subprocess.Popen(
        [python or sys.executable, "-I", "-S", "-c", _RSS_PROBE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as probe:
        assert probe.stdin is not None and probe.stdout is not None
        try:
            process = psutil.Process(probe.pid)
            if probe.stdout.readline().strip() != "bare":
                raise RuntimeError("the memory probe did not start")
            bare = process.memory_info().rss
            probe.stdin.write("\n")
            probe.stdin.flush()
            if probe.stdout.readline().strip() != "threads":
                raise RuntimeError("the memory probe did not start its threads")
            with_threads = process.memory_info().rss
            probe.stdin.write("\n")
            probe.stdin.flush()
            probe.wait(timeout=30)
        finally:
            if probe.poll() is None:
                probe.kill()
                probe.wait()
    return max(0, with_threads - bare) / IDLE_THREADS / _MIB, bare / _MIB


def calibrate(python: str | None = None) -> Calibration:
    """Measure this host under `python` (default: this interpreter) and save the figures."""
    spec = BenchSpec("noop", EXECUTORS, workers=2, tasks=OVERHEAD_TASKS, repeats=5, warmups=1)
    result = run_benchmark(spec, python)
    measured = [entry for entry in result.executors if entry.median_s is not None and entry.startup_s is not None]
    thread_rss_mb, process_rss_mb = measure_rss_mb(python)
    calibration = Calibration(
        python_version=result.host["python_version"],
        usable_cores=result.host["usable_cpus"],
        task_overhead_s={entry.name: entry.median_s / OVERHEAD_TASKS for entry in measured},
        pool_startup_s={entry.name: entry.startup_s for entry in measured},
        thread_rss_mb=thread_rss_mb,
        process_rss_mb=process_rss_mb,
        measured_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    )
    path = data_dir(ensure=True) / CALIBRATION_FILE
    path.write_text(json.dumps(calibration.to_dict(), indent=2))
    return calibration


def load_calibration() -> Calibration | None:
    """The saved calibration; None when this host was never calibrated. A damaged file is an InputError."""
    path = calibration_path()
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(str(path), f"cannot be read ({error})", "delete it and calibrate again") from None
    return Calibration.from_dict(data)


if __name__ == "__main__":
    print(json.dumps(calibrate(sys.argv[1] if len(sys.argv) > 1 else None).to_dict(), indent=2))
