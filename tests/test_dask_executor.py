"""The dask executors: a real LocalCluster (answers, spans per Dask worker, start-up apart), a worker killed
mid-run (Dask reruns its task), a real scheduler and two workers on loopback, a bad address, no dask."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest

from engine.bench import dask_executor
from engine.bench.executors import Work, open_session
from engine.bench.results import BenchSpec
from engine.bench.runner import run_benchmark, worker_command
from engine.errors import InputError
from kernels import cpu, io

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYTHON_WITHOUT_DASK = Path.home() / ".pyenv/versions/3.12.1/bin/python3"

needs_dask = pytest.mark.skipif(dask_executor.availability() is not None, reason="dask[distributed] not installed")


def _alive(pids: tuple[int, ...] | list[int]) -> list[int]:
    return [pid for pid in pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]


@needs_dask
@pytest.mark.slow
def test_local_cluster_answers_with_spans_on_two_dask_workers_and_startup_apart() -> None:
    tasks = 8
    with open_session("dask", Work(cpu.count_primes, 20_000), 2) as session:
        startup = session.start()
        pids = session.pool_pids
        runs = [session.run(tasks) for _ in range(2)]
        # The clock-offset estimate used for workers on other machines, checked where the truth is known:
        # a worker of this machine shares our perf_counter, so its offset is 0 within the half round trip.
        offset, half_trip = session.cluster.clock_offset(sorted(session.cluster.known_workers)[0])
        assert abs(offset) <= half_trip
    assert all(run.values == (cpu.count_primes(20_000),) * tasks for run in runs)
    run = runs[-1]
    assert [span.task for span in run.spans] == list(range(tasks))
    workers = {span.worker for span in run.spans}
    assert len(workers) == 2 and all(worker.startswith("tcp://127.0.0.1:") for worker in workers)
    # Start-up (the cluster's processes) is timed apart: the repeat does not include it.
    for span in run.spans:
        assert 0.0 <= span.start_s <= span.end_s <= run.elapsed_s
    assert startup > run.elapsed_s
    # The two worker processes were this session's own, and closing stopped them.
    assert len(pids) == 2 and os.getpid() not in pids
    deadline = time.monotonic() + 10
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _alive(pids) == []


@needs_dask
@pytest.mark.slow
def test_dask_threads_runs_workers_inside_this_process() -> None:
    with open_session("dask_threads", Work(cpu.count_primes, 20_000), 2) as session:
        session.start()
        run = session.run(6)
        assert session.pool_pids == ()
    assert run.values == (cpu.count_primes(20_000),) * 6
    workers = {span.worker for span in run.spans}
    assert len(workers) == 2 and all(worker.startswith("inproc://") for worker in workers)


@needs_dask
@pytest.mark.slow
def test_a_killed_dask_worker_has_its_task_rerun_elsewhere_and_the_answers_stay_right() -> None:
    # Unlike BrokenProcessPool, the scheduler notices the lost worker and reruns its task on another
    # (the survivor, or the replacement its nanny starts): the repeat finishes, later, with every value.
    task_ms, tasks = 600, 4
    with open_session("dask", Work(io.sleep_io, task_ms), 2) as session:
        session.start()
        address_of = session.cluster.client.run(os.getpid)  # worker address -> pid
        victim_address, victim_pid = sorted(address_of.items())[0]
        kill_after_s = 0.3  # half way through the first task on each worker

        def kill() -> None:
            time.sleep(kill_after_s)
            os.kill(victim_pid, signal.SIGKILL)

        killer = threading.Thread(target=kill)
        killer.start()
        run = session.run(tasks)
        killer.join()
        notes = list(session.notes)
    assert run.values == (task_ms,) * tasks
    assert [span.task for span in run.spans] == list(range(tasks))
    # No span of the dead worker ends after its death: the task it held ran again, on another worker.
    assert not [span for span in run.spans if span.worker == victim_address and span.end_s > kill_after_s]
    rerun = [span for span in run.spans if span.start_s > kill_after_s and span.worker != victim_address]
    assert rerun
    assert run.elapsed_s > 2 * task_ms / 1000  # two rounds of two tasks, plus the rerun's wait
    # And the result's warnings (the session's notes) name the worker that left.
    assert [note for note in notes if victim_address in note and "reran" in note]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(command: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    # From an empty directory, without PYTHONPATH: the workers cannot import the project, so the kernels
    # must travel with the tasks (pickled by value).
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


@needs_dask
@pytest.mark.slow
def test_benchmark_on_a_real_loopback_cluster_then_nothing_left(tmp_path: Path) -> None:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _start(
        [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], tmp_path
    )
    worker_command_line = [str(BIN / "dask"), "worker", address, "--host", "127.0.0.1", "--nthreads", "1"]
    workers = [_start([*worker_command_line, "--no-dashboard"], tmp_path) for _ in range(2)]
    started = [scheduler, *workers]
    seen: dict[int, psutil.Process] = {}
    try:
        from distributed import Client

        with Client(address, timeout=30) as client:  # until the scheduler answers with both workers
            client.wait_for_workers(2, timeout=60)
        for process in started:  # the nannies' worker processes too
            root = psutil.Process(process.pid)
            seen.update({child.pid: child for child in [root, *root.children(recursive=True)]})
        spec = BenchSpec(
            kernel="primes", executors=("dask",), tasks=6, size=20_000, repeats=1, warmups=1, scheduler=address
        )
        result = run_benchmark(spec)
        entry = result.executors[-1]
        assert entry.name == "dask" and entry.error is None, entry.error
        assert entry.correct is True
        workers_seen = {span.worker for span in entry.spans}
        assert len(workers_seen) == 2 and all(w.startswith("tcp://127.0.0.1:") for w in workers_seen)
        assert entry.startup_s is not None and entry.startup_s > 0
        # Workers of this machine share its clock: no approximate-timeline note.
        assert not [warning for warning in result.warnings if "approximate" in warning]
        # I/O on the loopback server works on workers of this machine (the port travels with the task).
        http = run_benchmark(
            BenchSpec(
                kernel="http_local", executors=("dask",), tasks=4, size=5, repeats=1, warmups=0, scheduler=address
            )
        )
        assert http.executors[-1].correct is True, http.executors[-1].error
    finally:
        for process in started:
            for child in psutil.Process(process.pid).children(recursive=True) if process.poll() is None else []:
                seen[child.pid] = child
            os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        _gone, alive = psutil.wait_procs(list(seen.values()), timeout=10)
        for straggler in alive:
            straggler.kill()
    assert alive == []
    assert len(seen) >= 3


@needs_dask
def test_a_bad_address_exits_2_with_one_line_within_seconds() -> None:
    closed = f"tcp://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "engine", "bench", "--kernel", "primes", "--executors", "dask", "--scheduler", closed],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    elapsed = time.monotonic() - started
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        f"python -m engine bench: error: scheduler: nothing answers at {closed} (Connection refused); "
        f"accepted: {dask_executor.ACCEPTED_ADDRESS}"
    ]
    assert elapsed < 30  # the client's own default would wait 30 s for the connection alone


@needs_dask
def test_an_address_that_is_no_dask_scheduler_is_refused_by_name() -> None:
    class Silent(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = f"tcp://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(InputError, match="answers, but not as a Dask scheduler") as raised:
            open_session("dask", Work(cpu.noop, 0), 2, scheduler=address)
        assert raised.value.field == "scheduler" and address in raised.value.problem
        for text in ("nonsense", "http://127.0.0.1:1", "tcp://127.0.0.1"):
            with pytest.raises(InputError, match="is not a scheduler address"):
                open_session("dask", Work(cpu.noop, 0), 2, scheduler=text)
    finally:
        server.shutdown()
        server.server_close()


def test_an_interpreter_without_dask_reports_the_executors_unavailable() -> None:
    if not PYTHON_WITHOUT_DASK.exists():
        pytest.skip(f"{PYTHON_WITHOUT_DASK} is not installed")
    spec = BenchSpec(kernel="primes", executors=("dask", "dask_threads"), tasks=2, size=200, repeats=1, warmups=0)
    result = run_benchmark(spec, python=str(PYTHON_WITHOUT_DASK))
    entries = {entry.name: entry for entry in result.executors}
    assert entries["sequential"].correct is True
    for name in ("dask", "dask_threads"):
        assert (
            entries[name].unavailable
            == 'needs dask[distributed] (pip install "dask[distributed]"), not installed for Python 3.12'
        )


def test_a_stdlib_only_worker_never_imports_dask() -> None:
    # Without a dask executor the worker keeps -I -S: dask is unavailable there and never loaded.
    payload = json.dumps(
        {"kernel": "primes", "executors": ["threads", "dask"], "tasks": 2, "size": 200, "repeats": 1, "warmups": 0}
    )
    code = "; ".join(
        [
            "import sys, io, json",
            f"sys.path.insert(0, {str(ROOT)!r})",
            "from engine.bench import worker",
            f"sys.stdin = io.StringIO({payload!r})",
            "out = io.StringIO(); real = sys.stdout; sys.stdout = out; worker.main(); sys.stdout = real",
            "result = json.loads(out.getvalue().splitlines()[-1])['result']",
            "print(json.dumps([result['executors'][-1]['unavailable'], 'dask' in sys.modules]))",
        ]
    )
    python = worker_command(sys.executable)[:3]
    assert python[1:] == ["-I", "-S"]
    completed = subprocess.run([*python, "-c", code], capture_output=True, text=True, timeout=60, cwd="/")
    unavailable, imported = json.loads(completed.stdout.splitlines()[-1])
    assert "runs without them (-S)" in unavailable
    assert imported is False


@needs_dask
@pytest.mark.slow
def test_cli_bench_primes_with_dask_on_two_workers() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "bench",
            "--kernel",
            "primes",
            "--executors",
            "sequential,processes,dask",
            "--workers",
            "2",
            "--tasks",
            "8",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    entries = {entry["name"]: entry for entry in json.loads(completed.stdout)["executors"]}
    dask = entries["dask"]
    assert dask["correct"] is True and dask["error"] is None
    assert len({span["worker"] for span in dask["spans"]}) == 2
    assert dask["startup_s"] > 0 and entries["processes"]["correct"] is True
