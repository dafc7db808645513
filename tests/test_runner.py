"""The runner: limits, progress and samples from a real worker, and that cancel, timeout and a killed
worker leave no process of the run behind (checked with psutil)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from dataclasses import replace

import psutil
import pytest

from engine.bench.results import BenchSpec
from engine.bench.runner import (
    LOCAL_LIMITS,
    PUBLIC_LIMITS,
    Progress,
    RunCancelled,
    RunFailed,
    check_python,
    run_benchmark,
    validate_spec,
)
from engine.errors import InputError

PYTHON27 = os.path.expanduser("~/.pyenv/versions/2.7.18/bin/python2")
# A run whose pool processes exist by the time `processes` reports its warm-up.
POOL_SPEC = BenchSpec("sleep_io", ("processes",), workers=2, tasks=4, size=50, repeats=3, warmups=1)


def _is_worker(process: psutil.Process) -> bool:
    # A child another test left as a zombie (not yet reaped) has no command line to read: it is no worker.
    try:
        return any("engine.bench.worker" in part for part in process.cmdline())
    except psutil.Error:
        return False


def _worker_tree() -> list[psutil.Process]:
    """The benchmark worker this test process started, and every process below it."""
    workers = [child for child in psutil.Process().children() if _is_worker(child)]
    assert len(workers) == 1, workers
    return [workers[0], *workers[0].children(recursive=True)]


def _left_running(processes: list[psutil.Process]) -> list[psutil.Process]:
    # A killed grandchild may linger as a zombie until init reaps it: it runs nothing and holds no memory.
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            continue
    return alive


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kernel": "nope"}, "kernel"),
        ({"executors": ()}, "executors"),
        ({"executors": ("threads", "fibers")}, "executors"),
        ({"workers": 0}, "workers"),
        ({"tasks": -1}, "tasks"),
        ({"repeats": 0}, "repeats"),
        ({"warmups": -1}, "warmups"),
        ({"size": 10**9}, "size"),
        ({"start_method": "teleport"}, "start_method"),
        ({"latency_ms": 5}, "latency_ms"),
        ({"tasks": 1000, "size": 1_000_000, "repeats": 20}, "tasks"),
    ],
)
def test_validate_spec_names_the_field_that_does_not_fit(change: dict, field: str) -> None:
    spec = replace(BenchSpec("primes", ("sequential", "threads")), **change)
    with pytest.raises(InputError) as caught:
        validate_spec(spec)
    assert caught.value.field == field
    assert caught.value.accepted


def test_public_limits_are_stricter_than_local() -> None:
    spec = BenchSpec("primes", ("sequential", "processes"), workers=8, tasks=8)
    assert validate_spec(spec, LOCAL_LIMITS) is spec
    with pytest.raises(InputError, match="workers"):
        validate_spec(spec, PUBLIC_LIMITS)
    hybrid = BenchSpec("hybrid", ("asyncio",), latency_ms=100)
    assert validate_spec(hybrid) is hybrid


def test_run_streams_progress_and_samples_the_whole_process_tree() -> None:
    seen: list[Progress] = []
    spec = BenchSpec("sleep_io", ("sequential", "processes"), workers=2, tasks=4, size=60, repeats=2, warmups=0)
    result = run_benchmark(spec, on_progress=seen.append)
    assert [(p.executor, p.phase, p.repeat, p.of) for p in seen[:2]] == [
        ("sequential", "startup", 0, 1),
        ("processes", "startup", 0, 1),
    ]
    assert (seen[-1].executor, seen[-1].phase, seen[-1].repeat, seen[-1].of) == ("processes", "repeat", 2, 2)
    assert [p.fraction for p in seen] == sorted(p.fraction for p in seen) and seen[-1].fraction < 1.0
    assert result.samples and {sample.executor for sample in result.samples} <= {None, "sequential", "processes"}
    entries = {entry.name: entry for entry in result.executors}
    assert all(entry.correct for entry in entries.values())
    assert len(entries["sequential"].cpu_percent_per_core) == psutil.cpu_count()
    # The pool's two processes are counted with the worker: memory grows when they exist.
    assert entries["processes"].peak_rss_mb > entries["sequential"].peak_rss_mb > 0


def test_a_slow_progress_callback_never_loses_the_result() -> None:
    # The worker finishes and exits while the callback still digests earlier events: every line it wrote,
    # the result last, must still be read, however long after its exit that happens.
    spec = BenchSpec("noop", ("sequential", "threads"), workers=2, tasks=2, size=1, repeats=2, warmups=0)
    worker_done = threading.Event()

    def slow_callback(progress: Progress) -> None:
        if progress.phase == "startup":
            worker_done.wait(timeout=10)
        time.sleep(0.3)

    def mark_when_worker_exits() -> None:
        deadline = time.monotonic() + 10
        workers: list[psutil.Process] = []
        while time.monotonic() < deadline and not worker_done.is_set():
            for child in psutil.Process().children():
                with contextlib.suppress(psutil.Error):
                    if child not in workers and "engine.bench.worker" in " ".join(child.cmdline()):
                        workers.append(child)
            with contextlib.suppress(psutil.Error):
                if workers and workers[0].status() == psutil.STATUS_ZOMBIE:
                    break
            time.sleep(0.02)
        worker_done.set()

    watcher = threading.Thread(target=mark_when_worker_exits, daemon=True)
    watcher.start()
    result = run_benchmark(spec, on_progress=slow_callback)
    assert [entry.name for entry in result.executors] == ["sequential", "threads"]


@pytest.mark.timeout(60)
def test_cancel_leaves_no_process() -> None:
    cancel = threading.Event()
    tree: list[psutil.Process] = []

    def on_progress(progress: Progress) -> None:
        if progress.executor == "processes" and progress.phase == "warmup":
            tree.extend(_worker_tree())
            cancel.set()

    with pytest.raises(RunCancelled):
        run_benchmark(POOL_SPEC, on_progress=on_progress, cancel=cancel)
    assert len(tree) >= 3  # the worker and its two pool processes at least
    assert _left_running(tree) == []


@pytest.mark.timeout(60)
def test_timeout_kills_the_worker_and_its_children() -> None:
    tree: list[psutil.Process] = []
    # Long enough for a loaded machine to reach the pool's warm-up, short enough for the suite.
    timeout_s = 4.0
    short = replace(POOL_SPEC, tasks=2, size=20, repeats=1)
    started = time.perf_counter()

    def on_progress(progress: Progress) -> None:
        if progress.executor == "processes" and progress.phase == "warmup" and not tree:
            tree.extend(_worker_tree())
            # Hold the runner here until its deadline has passed, so the timeout fires mid-run.
            threading.Event().wait(max(0.0, started + timeout_s + 0.2 - time.perf_counter()))

    with pytest.raises(RunFailed, match="timed out after 4 s"):
        run_benchmark(short, on_progress=on_progress, timeout_s=timeout_s)
    assert len(tree) >= 3
    assert _left_running(tree) == []


@pytest.mark.timeout(60)
def test_a_worker_killed_by_a_signal_is_reported() -> None:
    tree: list[psutil.Process] = []

    def on_progress(progress: Progress) -> None:
        if progress.executor == "processes" and progress.phase == "warmup" and not tree:
            tree.extend(_worker_tree())
            os.kill(tree[0].pid, signal.SIGKILL)

    with pytest.raises(RunFailed, match="killed by SIGKILL"):
        run_benchmark(POOL_SPEC, on_progress=on_progress)
    assert _left_running(tree) == []


def test_check_python_refuses_what_is_not_a_python_3_10() -> None:
    assert check_python(sys.executable) == sys.executable
    with pytest.raises(InputError, match="not a Python interpreter"):
        check_python("/bin/ls")
    with pytest.raises(InputError, match="python"):
        check_python("/no/such/python")
    if os.path.exists(PYTHON27):
        with pytest.raises(InputError, match=r"is Python 2\.7"):
            check_python(PYTHON27)


def test_a_python_that_cannot_start_is_an_input_error() -> None:
    with pytest.raises(InputError, match="python"):
        run_benchmark(BenchSpec("noop", ("sequential",), tasks=1, repeats=1), "/no/such/python")


def test_every_executor_has_its_memory_and_cpu_however_short_its_steps() -> None:
    # Steps far shorter than the 0.1 s sampling clock: each still gets a sample at its boundary.
    spec = BenchSpec("noop", ("sequential", "threads", "processes"), workers=2, tasks=1, repeats=1, warmups=0)
    result = run_benchmark(spec, look_before_s=0)
    for entry in result.executors:
        assert entry.peak_rss_mb is not None and entry.peak_rss_mb > 1, entry.name
        assert entry.cpu_percent_per_core is not None and len(entry.cpu_percent_per_core) == psutil.cpu_count()
    entries = {entry.name: entry for entry in result.executors}
    # The pool's processes count with the worker for `processes`, not for the baseline.
    assert entries["processes"].peak_rss_mb > entries["sequential"].peak_rss_mb


def test_a_run_carries_its_disturbance() -> None:
    result = run_benchmark(BenchSpec("noop", ("sequential",), tasks=1, repeats=1, warmups=0), look_before_s=0.1)
    assert result.disturbance is not None and result.disturbance.source in ("host", "cgroup")
    assert result.disturbance.run_s > 0 and isinstance(result.disturbed, bool)
    assert result.to_dict()["disturbed"] is result.disturbed
