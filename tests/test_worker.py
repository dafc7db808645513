"""The worker: runs under `python -I -S` and other interpreters, speaks JSON lines, and keeps one
executor's failure (a raising kernel, a killed pool process) out of the others' entries."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engine.bench import worker
from engine.bench.results import EXECUTORS, BenchResult, BenchSpec
from engine.bench.runner import worker_command
from kernels import Kernel

ROOT = Path(__file__).resolve().parent.parent
OTHER_PYTHONS = {
    "3.10": Path.home() / ".pyenv/versions/3.10.13/bin/python3",
    "3.12": Path.home() / ".pyenv/versions/3.12.1/bin/python3",
    "3.13": Path.home() / ".pyenv/versions/3.13.0/bin/python3",
    "3.14": Path("/opt/python3.14/root/usr/bin/python3.14"),
}


def _run_worker(python: str, payload: str) -> tuple[int, list[dict]]:
    completed = subprocess.run(
        worker_command(python), input=payload, capture_output=True, text=True, timeout=120, cwd="/"
    )
    return completed.returncode, [json.loads(line) for line in completed.stdout.splitlines()]


def _small_spec(**changes: object) -> dict:
    spec = {"kernel": "primes", "executors": list(EXECUTORS), "tasks": 4, "size": 2000, "repeats": 1, "warmups": 0}
    spec.update(changes)
    return spec


def test_worker_runs_isolated_and_streams_ready_progress_result() -> None:
    # worker_command runs `python -I -S` from /: no site-packages, no cwd on sys.path, stdlib alone.
    returncode, events = _run_worker(sys.executable, json.dumps(_small_spec(start_method="spawn")))
    assert returncode == 0
    assert events[0] == {"event": "ready"}
    assert events[-1]["event"] == "result"
    progress = [event for event in events if event["event"] == "progress"]
    first = {
        "event": "progress",
        "executor": "sequential",
        "phase": "startup",
        "repeat": 0,
        "of": 1,
        "fraction": 0.0,
        "pids": [],
    }
    assert progress[0] == first
    assert {event["phase"] for event in progress} == {"startup", "repeat"}
    # Once its pool is up, a process executor names its pool's processes: the runner reads their memory.
    pool_repeat = next(e for e in progress if e["executor"] == "processes" and e["phase"] == "repeat")
    assert len(pool_repeat["pids"]) == 2
    fractions = [event["fraction"] for event in progress]
    assert fractions == sorted(fractions)  # one bar over the whole run: it never runs backwards
    result = BenchResult.from_dict(events[-1]["result"])
    # The worker measures only: intervals and bands are the parent's (engine.bench.results.assess).
    assert all(entry.band is None and entry.speedup_ci is None for entry in result.executors)
    for entry in result.executors:
        if entry.unavailable is None:
            assert entry.error is None and entry.correct is True, entry


@pytest.mark.slow
@pytest.mark.parametrize("version", sorted(OTHER_PYTHONS))
def test_worker_runs_under_other_interpreters(version: str) -> None:
    python = OTHER_PYTHONS[version]
    if not python.exists():
        pytest.skip(f"no Python {version} at {python}")
    returncode, events = _run_worker(str(python), json.dumps(_small_spec()))
    assert returncode == 0, events
    result = BenchResult.from_dict(events[-1]["result"])
    assert result.host["python_version"].startswith(version)
    entries = {entry.name: entry for entry in result.executors}
    for name, entry in entries.items():
        if name == "interpreters" and version != "3.14":
            assert "3.14" in entry.unavailable
            continue
        if name in ("dask", "dask_threads"):  # -I -S: no site-packages, so no dask (tests/test_dask_executor.py)
            assert "(-S)" in entry.unavailable
            continue
        assert entry.correct is True, entry
    if version == "3.14":
        assert {span.worker for span in entries["interpreters"].spans} <= {"interpreter 1", "interpreter 2"}


def test_bad_spec_is_one_input_error_event_and_exit_2() -> None:
    returncode, events = _run_worker(sys.executable, "{not json")
    assert returncode == 2 and events[-1]["field"] == "spec"
    returncode, events = _run_worker(sys.executable, json.dumps(_small_spec(kernel="nope")))
    assert returncode == 2
    assert events[-1]["event"] == "error" and events[-1]["field"] == "kernel" and "primes" in events[-1]["accepted"]


def fails_off_the_main_thread(size: int) -> int:
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("not on the main thread")
    return size


def dies_in_a_pool_process(size: int) -> int:
    if multiprocessing.parent_process() is not None:
        os.kill(os.getpid(), signal.SIGKILL)
    return size


def differs_off_the_main_thread(size: int) -> int:
    return size + (threading.current_thread() is not threading.main_thread())


def _fake(function) -> Kernel:
    return Kernel("fake", "cpu", "a test kernel", function, 3, 3, 0, 10)


def _quiet(event: dict) -> None:
    return None


def test_a_kernel_raising_in_one_executor_leaves_the_others_running() -> None:
    spec = BenchSpec("fake", ("sequential", "threads", "asyncio"), tasks=3, repeats=1, warmups=0)
    result = worker.run_bench(spec, _fake(fails_off_the_main_thread), emit=_quiet)
    entries = {entry.name: entry for entry in result.executors}
    assert entries["threads"].error == "RuntimeError: not on the main thread"
    assert entries["threads"].times_s == ()
    assert entries["sequential"].correct is True and entries["asyncio"].correct is True


@pytest.mark.timeout(60)
@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="the fake kernel needs fork")
def test_a_killed_pool_process_is_reported_and_the_run_goes_on() -> None:
    spec = BenchSpec("fake", ("processes", "threads"), tasks=3, repeats=1, warmups=0, start_method="fork")
    result = worker.run_bench(spec, _fake(dies_in_a_pool_process), emit=_quiet)
    entries = {entry.name: entry for entry in result.executors}
    assert "BrokenProcessPool" in entries["processes"].error
    assert entries["threads"].correct is True
    assert any("sequential was added" in warning for warning in result.warnings)


def test_results_that_differ_from_the_baseline_say_correct_false_loudly() -> None:
    spec = BenchSpec("fake", ("sequential", "threads"), tasks=2, repeats=1, warmups=0)
    result = worker.run_bench(spec, _fake(differs_off_the_main_thread), emit=_quiet)
    threads = next(entry for entry in result.executors if entry.name == "threads")
    assert threads.correct is False
    assert any("threads" in warning and "correct: false" in warning for warning in result.warnings)


def test_labels_say_free_threaded_when_the_gil_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    # No free-threaded build exists on this machine: the GIL probe is faked, the label logic is real.
    monkeypatch.setattr(worker.probe, "gil_enabled", lambda: False)
    spec = BenchSpec("noop", ("sequential", "threads", "asyncio_threads"), tasks=2, repeats=1, warmups=0)
    result = worker.run_bench(spec, emit=_quiet)
    labels = {entry.name: (entry.label, entry.gil_enabled) for entry in result.executors}
    assert labels["threads"] == ("threads (free-threaded)", False)
    assert labels["asyncio_threads"] == ("asyncio + threads (free-threaded, GIL off)", False)
    assert worker.executor_label("threads", None, True) == "threads (GIL)"
    assert worker.executor_label("processes", "spawn", True) == "processes (spawn)"


def test_result_round_trips_through_json() -> None:
    spec = BenchSpec("hybrid", ("sequential", "asyncio_processes"), tasks=2, size=10, repeats=1, latency_ms=1)
    result = worker.run_bench(spec, emit=_quiet)
    assert BenchResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result
    assert all(entry.correct for entry in result.executors)


@pytest.mark.parametrize(("kernel", "size", "warned"), [("primes", 200, True), ("sleep_io", 1, False)])
def test_more_workers_than_cores_is_a_warning_for_cpu_work_only(kernel: str, size: int, warned: bool) -> None:
    workers = worker.probe.usable_cpus() + 2
    spec = BenchSpec(kernel, ("sequential", "threads"), workers=workers, tasks=2, size=size, repeats=1, warmups=0)
    result = worker.run_bench(spec, emit=_quiet)
    assert any(f"{workers} workers on" in warning for warning in result.warnings) is warned


def test_a_fork_pool_listed_after_interpreters_still_runs_on_314() -> None:
    python = shutil.which("python3.14")
    if python is None:
        pytest.skip("no python3.14 on PATH (InterpreterPoolExecutor needs 3.14)")
    spec = {
        "kernel": "primes",
        "executors": ["sequential", "interpreters", "processes"],
        "workers": 2,
        "tasks": 2,
        "size": 2000,
        "repeats": 1,
        "warmups": 0,
        "start_method": "fork",
    }
    completed = subprocess.run(
        worker_command(python),
        input=json.dumps(spec) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])["result"]
    assert [entry["name"] for entry in result["executors"]] == ["sequential", "interpreters", "processes"]
    assert all(entry["correct"] for entry in result["executors"]), completed.stderr[-2000:]
