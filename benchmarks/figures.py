"""Measure the benchmark engine's figures on this host in one run and print them as a Markdown table.

    .venv/bin/python benchmarks/figures.py

Every figure is a real run through engine.bench.runner (worker process, warm-ups, repeats, medians); the
targets are the issue's. This script only measures and reports: it never fails a build on a number.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyperf  # noqa: E402 - after the project root is on sys.path, like the imports below

from engine.bench.probe import interpreter_facts  # noqa: E402
from engine.bench.results import BenchResult, BenchSpec  # noqa: E402
from engine.bench.runner import run_benchmark, worker_command  # noqa: E402
from engine.bench.verdicts import interval_text  # noqa: E402
from kernels import REGISTRY  # noqa: E402

PYTHON_314 = Path(shutil.which("python3.14") or "/opt/python3.14/root/usr/bin/python3.14")
DISTURBED: list[str] = []
ROWS: list[tuple[str, str, str, str]] = []


def row(figure: str, target: str, measured: str, holds: bool | None) -> None:
    # The 1-minute load average beside every figure: on a shared host it says how far to trust it.
    if hasattr(os, "getloadavg"):
        measured += f" (load {os.getloadavg()[0]:.1f})"
    ROWS.append((figure, target, measured, {True: "yes", False: "NO", None: "-"}[holds]))
    print(f"  {figure}: {measured}", file=sys.stderr)


def entries(result: BenchResult) -> dict:
    # The engine's own disturbance check: what other programs used of the cores while this run ran.
    if result.disturbed and result.disturbance is not None:
        DISTURBED.append(
            f"{result.spec.kernel} ({', '.join(result.spec.executors)}) on Python {result.host['python_version']}: "
            f"other programs used {result.disturbance.other_cores_mean:.2f} of {result.disturbance.cores:g} cores"
        )
    return {entry.name: entry for entry in result.executors}


def best_ratio(found: dict, name: str) -> float:
    """Sequential's fastest repeat over this executor's: the ratio least disturbed by other programs.
    Shown beside the median ratio (the contract's speedup), never instead of it."""
    return found["sequential"].min_s / found[name].min_s


def fastest_call_s(function, size: int, calls: int = 15) -> float:
    """The fastest of several calls: on a shared host, the one least disturbed by other programs."""
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        function(size)
        times.append(time.perf_counter() - started)
    return min(times)


def kernel_sizes() -> None:
    for name in ("primes", "sum_squares", "sha256", "zlib", "hybrid", "http_local"):
        kernel = REGISTRY[name]
        with kernel.setup():
            task_ms = fastest_call_s(kernel.function, kernel.task_50ms_size) * 1000
        row(f"{name} at task_50ms_size={kernel.task_50ms_size}", "about 50 ms a task", f"{task_ms:.0f} ms", None)


def primes_size_for(seconds_per_task: float) -> int:
    # Trial division up to n costs about n^1.5: scale the 50 ms size by the time measured here.
    base = REGISTRY["primes"].task_50ms_size
    base_s = fastest_call_s(REGISTRY["primes"].function, base)
    return int(base * (seconds_per_task / base_s) ** (1 / 1.5))


def primes_figures() -> int:
    size = primes_size_for(1.0 / 8)
    spec = BenchSpec(
        "primes", ("sequential", "threads", "processes", "asyncio"), workers=2, tasks=8, size=size, repeats=6
    )
    found = entries(run_benchmark(spec, timeout_s=300))
    row("primes, 8 tasks: sequential median", "about 1 s", f"{found['sequential'].median_s:.2f} s (n={size})", None)
    processes = found["processes"].speedup
    threads = found["threads"].speedup
    measured = (
        f"{processes:.2f}x, 95% interval {interval_text(found['processes'].speedup_ci)} "
        f"(fastest repeats: {best_ratio(found, 'processes'):.2f}x)"
    )
    row("primes: processes, 2 workers", ">= 1.9x (limit 2.0x)", measured, processes >= 1.9)
    threads_ci = interval_text(found["threads"].speedup_ci)
    row("primes: threads (GIL)", "0.8x-1.2x", f"{threads:.2f}x ({threads_ci})", 0.8 <= threads <= 1.2)
    row("primes: asyncio (CPU inline)", "<= 1.1x", f"{found['asyncio'].speedup:.2f}x", found["asyncio"].speedup <= 1.1)
    row("primes: processes faster than threads", "yes", f"{processes:.2f}x vs {threads:.2f}x", processes > threads)
    return size


def pyperf_agreement(size: int) -> None:
    spec = BenchSpec("primes", ("sequential",), tasks=8, size=size, repeats=5)
    harness_s = entries(run_benchmark(spec, timeout_s=300))["sequential"].median_s / 8
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "primes.json"
        script = ROOT / "benchmarks" / "pyperf_primes.py"
        subprocess.run([sys.executable, str(script), str(size), "-o", str(output), "--quiet"], check=True)
        benchmark = pyperf.Benchmark.load(str(output))
    mean_s, stdev_s = benchmark.mean(), benchmark.stdev()
    inside = mean_s - stdev_s <= harness_s <= mean_s + stdev_s
    measured = f"harness {harness_s * 1000:.1f} ms, pyperf {mean_s * 1000:.1f} ms +- {stdev_s * 1000:.1f} ms"
    row("primes: sequential time per task vs pyperf bench_func", "inside pyperf's mean +- std dev", measured, inside)


def sha256_figure() -> None:
    spec = BenchSpec("sha256", ("sequential", "threads", "processes"), workers=2, tasks=8, repeats=5)
    found = entries(run_benchmark(spec, timeout_s=300))
    threads = found["threads"].speedup
    measured = f"{threads:.2f}x (fastest repeats: {best_ratio(found, 'threads'):.2f}x)"
    row("sha256 (72 MiB a task): threads (GIL), 2 workers", "> 1.3x", measured, threads > 1.3)


def sleep_figures() -> None:
    spec = BenchSpec("sleep_io", ("sequential", "asyncio", "threads"), workers=2, tasks=100, size=20, repeats=3)
    found = entries(run_benchmark(spec, timeout_s=300))
    ideal_s = 0.020  # all 100 waits at once
    overlap = ideal_s / found["asyncio"].median_s
    row("sleep_io 100 x 20 ms: asyncio share of the ideal overlap", ">= 90%", f"{overlap:.0%}", overlap >= 0.9)
    threads = found["threads"].speedup
    row("sleep_io: threads, pool of 2", "bounded by the pool: about 2x", f"{threads:.2f}x", 1.5 <= threads <= 2.05)
    wide = BenchSpec("sleep_io", ("sequential", "threads"), workers=20, tasks=100, size=20, repeats=3)
    threads_20 = entries(run_benchmark(wide, timeout_s=300))["threads"].speedup
    row(
        "sleep_io: threads, pool of 20",
        "bounded by the pool: about 20x",
        f"{threads_20:.1f}x",
        14 <= threads_20 <= 20.5,
    )


def overhead_figures() -> None:
    executors = ("sequential", "threads", "processes", "asyncio", "asyncio_threads", "asyncio_processes")
    spec = BenchSpec("noop", executors, workers=2, tasks=1000, repeats=5)
    for entry in run_benchmark(spec, timeout_s=300).executors:
        per_task_us = entry.median_s / 1000 * 1e6
        startup_ms = entry.startup_s * 1000
        row(
            f"harness overhead per task: {entry.label}",
            "measured",
            f"{per_task_us:.1f} us/task, start-up {startup_ms:.1f} ms",
            None,
        )


def interpreters_figures() -> None:
    if not PYTHON_314.exists():
        row("interpreters (3.14)", "measured where 3.14 exists", f"not measured: no {PYTHON_314}", None)
        return
    spec = BenchSpec("primes", ("sequential", "threads", "processes", "interpreters"), workers=2, tasks=8, repeats=3)
    found = entries(run_benchmark(spec, str(PYTHON_314), timeout_s=300))
    for name in ("threads", "processes", "interpreters"):
        entry = found[name]
        measured = f"{entry.speedup:.2f}x, pool start-up {entry.startup_s * 1000:.0f} ms"
        row(f"Python 3.14 primes: {entry.label}, 2 workers", "measured", measured, None)


def startup_figures() -> None:
    ready = []
    for _ in range(5):
        started = time.perf_counter()
        with subprocess.Popen(
            worker_command(sys.executable), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        ) as worker:
            assert worker.stdout is not None
            json.loads(worker.stdout.readline())
            ready.append(time.perf_counter() - started)
            worker.kill()
    row(
        "worker start-up (spawn to its first event)", "feels instant", f"{statistics.median(ready) * 1000:.0f} ms", None
    )
    whole = []
    for _ in range(5):
        started = time.perf_counter()
        run_benchmark(BenchSpec("noop", ("sequential",), tasks=1, repeats=1, warmups=0))
        whole.append(time.perf_counter() - started)
    row(
        "run_benchmark of one empty task, end to end",
        "feels instant",
        f"{statistics.median(whole) * 1000:.0f} ms",
        None,
    )


def http_local_figure() -> None:
    spec = BenchSpec("http_local", ("sequential", "asyncio", "threads"), workers=8, tasks=8, repeats=6)
    found = entries(run_benchmark(spec, timeout_s=300))
    asyncio_x = found["asyncio"].speedup
    measured = f"{asyncio_x:.2f}x, 95% interval {interval_text(found['asyncio'].speedup_ci)}"
    row("http_local, 8 tasks: asyncio", ">= 4x", measured, asyncio_x >= 4)


def preset_figure() -> None:
    spec = BenchSpec("primes", ("sequential", "threads", "processes"), workers=2, tasks=8, repeats=3)
    started = time.perf_counter()
    run_benchmark(spec)
    elapsed = time.perf_counter() - started
    row(
        "run_benchmark: primes, 8 tasks, seq+threads+processes, 2 workers, 3 repeats",
        "< 15 s",
        f"{elapsed:.1f} s",
        elapsed < 15,
    )


def main() -> None:
    facts = interpreter_facts()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"measuring on Python {facts['python_version']}, {facts['usable_cpus']} usable cores", file=sys.stderr)
    kernel_sizes()
    size = primes_figures()
    pyperf_agreement(size)
    sha256_figure()
    sleep_figures()
    http_local_figure()
    overhead_figures()
    interpreters_figures()
    startup_figures()
    preset_figure()
    print(
        f"Python {facts['python_version']} ({'GIL' if facts['gil_enabled'] else 'free-threaded'}), "
        f"{facts['usable_cpus']} usable cores, load average before the run {load[0]:.2f}\n"
        if load
        else ""
    )
    print("| figure | target | measured | holds |")
    print("|---|---|---|---|")
    for figure, target, measured, holds in ROWS:
        print(f"| {figure} | {target} | {measured} | {holds} |")
    if DISTURBED:
        print("\nRuns the engine flagged as disturbed (its verdicts would be withheld):\n")
        print("\n".join(f"- {line}" for line in DISTURBED))


if __name__ == "__main__":
    main()
