"""The shared-state kernels: shared_read and shared_write through every executor, answers equal to the
sequential baseline; how each kind of worker gets the graph; the histogram shared by threads only; the
kernel importable under `python -I -S` on 3.10 and 3.14t; and the CLI run of shared_read."""

from __future__ import annotations

import collections
import json
import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from engine.bench import probe
from engine.bench.executors import Work, available_executors, open_session
from kernels import REGISTRY, cpu, shared

ROOT = Path(__file__).resolve().parent.parent
AVAILABLE = [name for name, reason in available_executors(probe.interpreter_facts()).items() if reason is None]
START_METHODS = multiprocessing.get_all_start_methods()
# Every executor this interpreter runs, and the process pool under every start method it has (the
# asyncio + processes pool hands the state over the same way, so its default start method is enough).
# Dask's executors have their own tests (tests/test_dask_executor.py); interpreters run under 3.14 below.
COMBINATIONS = [
    (name, method)
    for name in AVAILABLE
    for method in (START_METHODS if name == "processes" else [None])
    if name != "interpreters" and not name.startswith("dask")
]
SIZES = {"shared_read": 5, "shared_write": 3_000}
PY310 = Path.home() / ".pyenv/versions/3.10.13/bin/python3"


def _work(kernel_name: str, size: int | None = None, with_initializer: bool = True) -> Work:
    kernel = REGISTRY[kernel_name]
    size = SIZES[kernel_name] if size is None else size
    if not with_initializer or kernel.initializer is None:
        return Work(kernel.function, size)
    return Work(kernel.function, size, initializer=kernel.initializer, initargs=kernel.initargs())


def _reports(session, workers: int = 2) -> list[dict]:
    """setup_report() from every worker of the session's pool (asked until each has answered once)."""
    answers: dict[tuple[int, int], dict] = {}
    deadline = time.perf_counter() + 20
    while len(answers) < workers and time.perf_counter() < deadline:
        for future in [session.pool.submit(shared.setup_report) for _ in range(workers * 2)]:
            report = future.result()
            answers[(report["pid"], report["interpreter"])] = report
    return list(answers.values())


def _python_314() -> str | None:
    # Found the way the app finds interpreters: python3.14t / python3.14 on PATH.
    return shutil.which("python3.14t") or shutil.which("python3.14")


def test_both_kernels_are_registered_for_the_shared_state_row() -> None:
    read, write = REGISTRY["shared_read"], REGISTRY["shared_write"]
    assert (read.kind, read.size_unit, read.task_50ms_size) == ("cpu", "sources", 200)
    assert (write.kind, write.size_unit, write.task_50ms_size) == ("cpu", "updates", 64_000)
    # Pool processes and subinterpreters get the initializer by reference, as they get the function.
    assert pickle.loads(pickle.dumps(read.initializer)) is shared.install_graph
    assert write.initializer is None and write.initargs() == ()


def test_search_matches_a_plain_breadth_first_search() -> None:
    graph = shared.build_graph(nodes=500, degree=3)
    reached = distances = 0
    for index in range(7):
        source = index * 7919 % 500
        depth = {source: 0}
        queue = collections.deque([source])
        while queue:
            node = queue.popleft()
            if depth[node] == shared.HOPS:
                continue
            for neighbour in graph[node]:
                if neighbour not in depth:
                    depth[neighbour] = depth[node] + 1
                    queue.append(neighbour)
        reached += len(depth) - 1
        distances += sum(depth.values())
    assert shared.search(graph, 7) == reached << 32 | distances
    assert shared.build_graph(nodes=500, degree=3) == graph  # the same graph in every process


def test_shared_write_returns_its_own_partial_histogram_whoever_else_writes() -> None:
    alone = shared.shared_write(2_000)
    with open_session("threads", _work("shared_write", 2_000), 2) as session:
        session.start()
        assert session.run(6).values == (alone,) * 6
    assert shared.shared_write(2_001) != alone


@pytest.mark.parametrize("kernel_name", sorted(SIZES))
@pytest.mark.parametrize(("name", "method"), COMBINATIONS)
@pytest.mark.timeout(120)
def test_every_executor_gives_the_baseline_answers(kernel_name: str, name: str, method: str | None) -> None:
    tasks = 4
    work = _work(kernel_name)
    with open_session("sequential", work, 1) as baseline:
        baseline.start()
        expected = baseline.run(tasks).values
    with open_session(name, work, 2, method) as session:
        session.start()
        assert session.run(tasks).values == expected


def test_threads_share_one_graph_and_one_histogram_in_this_process() -> None:
    shared.graph_payload()
    with open_session("threads", _work("shared_read"), 2) as session:
        session.start()
        session.run(4)
        reports = _reports(session)
    assert {report["pid"] for report in reports} == {os.getpid()}
    assert reports[0] == shared.setup_report()  # the threads hold this process's very graph

    shared.reset_histogram()
    with open_session("threads", _work("shared_write", 1_000), 2) as session:
        session.start()
        session.run(8)
    # The lock lets no update be lost: every increment of every thread is in the one histogram.
    assert sum(shared.histogram_snapshot().values()) == 8 * 1_000


@pytest.mark.skipif("fork" not in START_METHODS, reason="this platform has no fork start method")
def test_fork_children_inherit_the_parents_graph() -> None:
    shared.graph_payload()  # the parent holds the graph before the pool starts
    with open_session("processes", _work("shared_read"), 2, "fork") as session:
        session.start()
        reports = _reports(session)
    assert len(reports) == 2
    assert {report["how"] for report in reports} == {"inherited"}
    assert os.getpid() not in {report["pid"] for report in reports}


@pytest.mark.parametrize("method", [m for m in ("spawn", "forkserver") if m in START_METHODS])
@pytest.mark.timeout(120)
def test_spawned_workers_load_the_pickled_graph_and_say_how_long_it_took(method: str) -> None:
    with open_session("processes", _work("shared_read"), 2, method) as session:
        startup_s = session.start()
        reports = _reports(session)
    assert len(reports) == 2
    assert {report["how"] for report in reports} == {"loaded"}
    # The start-up waits for every worker, so it holds each worker's unpickling.
    assert all(0 < report["seconds"] <= startup_s for report in reports)
    assert shared.payload_report()["payload_bytes"] > 1_000_000


@pytest.mark.timeout(120)
def test_without_the_initializer_each_spawned_worker_builds_the_graph_itself() -> None:
    work = _work("shared_read", with_initializer=False)
    with open_session("processes", work, 2, "spawn") as session:
        session.start()
        assert {report["how"] for report in _reports(session)} == {"none"}
        assert session.run(4).values == (shared.shared_read(SIZES["shared_read"]),) * 4
        assert "built" in {report["how"] for report in _reports(session)}


def test_process_workers_update_their_own_histograms_not_the_parents() -> None:
    shared.reset_histogram()
    with open_session("processes", _work("shared_write", 1_000), 2, "fork" if "fork" in START_METHODS else None) as s:
        s.start()
        s.run(4)
    assert shared.histogram_snapshot() == {}


def test_the_graph_is_built_once_however_many_threads_ask(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def slow_build() -> list[tuple[int, ...]]:
        calls.append(1)
        time.sleep(0.05)  # a window in which every other thread asks too
        return [(0,)]

    monkeypatch.setattr(shared, "_graph", None)
    monkeypatch.setattr(shared, "_setup", {"how": "none", "seconds": 0.0, "pid": None})
    monkeypatch.setattr(shared, "build_graph", slow_build)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(id(shared.graph()))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(set(seen)) == 1


@pytest.mark.skipif("fork" not in START_METHODS, reason="this platform has no fork start method")
@pytest.mark.timeout(60)
def test_a_fork_while_a_thread_holds_the_histogram_lock_does_not_deadlock_the_child() -> None:
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with shared._histogram_lock:
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    try:
        child = multiprocessing.get_context("fork").Process(target=shared.shared_write, args=(10,))
        child.start()
        child.join(20)
        finished = child.exitcode == 0
        if child.exitcode is None:
            child.kill()
    finally:
        release.set()
        holder.join()
    assert finished


_INTERPRETERS_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from engine.bench.executors import Work, open_session
from kernels import REGISTRY, cpu, shared
out = {}
for name, size in (("shared_read", 5), ("shared_write", 3000)):
    kernel = REGISTRY[name]
    work = Work(kernel.function, size, initializer=kernel.initializer, initargs=kernel.initargs())
    with open_session("sequential", work, 1) as baseline:
        baseline.start()
        expected = baseline.run(4).values
    with open_session("interpreters", work, 2) as session:
        session.start()
        values = session.run(4).values
        reports = [session.pool.submit(shared.setup_report).result() for _ in range(4)]
    out[name] = {"equal": values == expected, "how": sorted({r["how"] for r in reports})}
print(json.dumps(out))
"""


@pytest.mark.timeout(180)
def test_subinterpreters_copy_the_graph_and_give_the_baseline_answers() -> None:
    python = _python_314()
    if python is None:
        pytest.skip("no python3.14t or python3.14 on PATH: InterpreterPoolExecutor needs 3.14")
    completed = subprocess.run(
        [python, "-I", "-S", "-c", _INTERPRETERS_SCRIPT, str(ROOT)], capture_output=True, text=True, timeout=170
    )
    assert completed.returncode == 0, completed.stderr
    out = json.loads(completed.stdout)
    assert out["shared_read"] == {"equal": True, "how": ["loaded"]}
    assert out["shared_write"]["equal"] is True


@pytest.mark.parametrize("python", [str(PY310), "python3.14t"])
def test_the_kernel_imports_under_isolated_mode(python: str) -> None:
    found = shutil.which(python)
    if found is None:
        pytest.skip(f"no {python} on this machine")
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from kernels import shared; print(shared.shared_read(2))"
    completed = subprocess.run([found, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60, cwd="/")
    assert completed.returncode == 0, completed.stderr
    assert int(completed.stdout) == shared.shared_read(2)


@pytest.mark.timeout(180)
def test_the_cli_runs_shared_read_with_correct_answers() -> None:
    command = [sys.executable, "-m", "engine", "bench", "--kernel", "shared_read", "--executors"]
    command += ["sequential,threads,processes", "--workers", "2", "--tasks", "4", "--repeats", "1", "--json"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=170, cwd=ROOT)
    assert completed.returncode == 0, completed.stderr
    entries = {entry["name"]: entry for entry in json.loads(completed.stdout)["executors"]}
    assert set(entries) == {"sequential", "threads", "processes"}
    assert all(entry["correct"] is True for entry in entries.values()), entries


_CALLS: list[int] = []


def _record_call(value: int) -> None:
    _CALLS.append(value)


@pytest.mark.parametrize("name", ["sequential", "threads", "asyncio", "asyncio_threads"])
def test_in_process_executors_run_the_initializer_once_here(name: str) -> None:
    _CALLS.clear()
    with open_session(name, Work(cpu.noop, 1, initializer=_record_call, initargs=(7,)), 2) as session:
        session.start()
        session.run(4)
    assert _CALLS == [7]


def test_a_subinterpreter_initializer_must_be_importable_by_name() -> None:
    from engine.bench.executors import _make_pool

    with pytest.raises(ValueError, match="module-level function"):
        _make_pool("interpreters", 2, None, initializer=lambda: None)
