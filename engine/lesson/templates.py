"""What the user takes home: a standalone benchmark script and a migration guide.

The template is standard-library Python that runs on 3.10+ (GIL or free-threaded); it times the
recommended approach and its alternatives against a sequential baseline. No streamlit here.
"""

from __future__ import annotations

import math
from string import Template
from typing import TYPE_CHECKING

from engine.bench.results import BANDS
from engine.lesson import framework

if TYPE_CHECKING:
    from engine.lesson.recommend import WorkloadProfile

# What the benchmark runs for each approach (engine/results.EXECUTORS). Distributed work is measured
# on one machine first: its per-machine part is a process pool.
APPROACH_EXECUTOR: dict[str, str] = {
    "single_threaded": "sequential",
    "threads": "threads",
    "free_threaded": "threads",
    "multiprocessing": "processes",
    "asyncio": "asyncio",
    "free_threaded_asyncio": "asyncio_threads",
    "asyncio_multiprocessing": "asyncio_processes",
    "subinterpreters": "interpreters",
    "distributed": "processes",
}

# The stand-in work for each kind of workload, to be replaced by the user's own.
_NO_FETCH = '''def fetch_blocking(item):
    """The I/O part, blocking. This workload has none: the item is the data."""
    return item


async def fetch(item):
    """The I/O part, async. This workload has none."""
    return item
'''
_WAIT_FETCH = '''def fetch_blocking(item):
    """The I/O part, blocking: a wait stands in for a request. Replace with your call."""
    time.sleep(WAIT_S)
    return item


async def fetch(item):
    """The I/O part, async: the same wait without blocking the loop. Replace with your async call."""
    await asyncio.sleep(WAIT_S)
    return item
'''
_PRIMES = """
    limit = SIZE + data
    return sum(1 for n in range(2, limit) if all(n % d for d in range(2, int(n**0.5) + 1)))"""
_WORK: dict[str, str] = {
    "cpu": _NO_FETCH
    + '''

def compute(data):
    """The CPU part: count primes below a limit, in pure Python. Replace with your function."""'''
    + _PRIMES,
    "c": _NO_FETCH
    + '''

def compute(data):
    """The CPU part, in C code that releases the GIL: sha256 of a large buffer. Replace with yours."""
    import hashlib

    return hashlib.sha256(bytes([data % 256]) * (SIZE * 1024)).hexdigest()''',
    "io": _WAIT_FETCH
    + '''

def compute(data):
    """The CPU part: this workload has almost none."""
    return data * 2''',
    "hybrid": _WAIT_FETCH
    + '''

def compute(data):
    """The CPU part: count primes below a limit, in pure Python. Replace with your parsing or scoring."""'''
    + _PRIMES,
}

_SCRIPT = Template('''"""Benchmark template from Concurrency Lab: $title against its alternatives.

Put your own work in fetch_blocking / fetch (the waiting part) and compute (the CPU part), then run
`python $filename` (add --quick for a tiny run). Standard library only; Python 3.10+.
Keep the `if __name__ == "__main__"` guard: worker processes re-import this file.
"""

import argparse
import asyncio
import concurrent.futures
import os
import statistics
import sys
import time

RECOMMENDED = "$runner"
COMPARE = $compare
WORKERS = $workers
# --quick is also passed through the environment: worker processes and subinterpreters import this file anew.
QUICK = "--quick" in sys.argv[1:] or os.environ.get("LAB_BENCH_QUICK") == "1"
if QUICK:
    os.environ["LAB_BENCH_QUICK"] = "1"
ITEMS, SIZE, WAIT_S, REPEATS, WARMUPS = (4, $quick_size, 0.002, 1, 0) if QUICK else (16, $size, 0.02, 5, 1)
# The interpretation table: (upper edge of the speedup, what it means).
BANDS = $bands


$work


def work(item):
    """One whole task, blocking: wait, then compute."""
    return compute(fetch_blocking(item))


def run_sequential(items, pool):
    return [work(item) for item in items]


def run_pool(items, pool):
    return list(pool.map(work, items))


def run_asyncio(items, pool):
    async def one(item):
        return compute(await fetch(item))

    async def main():
        return list(await asyncio.gather(*(one(item) for item in items)))

    return asyncio.run(main())


def run_asyncio_pool(items, pool):
    async def one(loop, item):
        data = await fetch(item)
        return await loop.run_in_executor(pool, compute, data)

    async def main():
        loop = asyncio.get_running_loop()
        return list(await asyncio.gather(*(one(loop, item) for item in items)))

    return asyncio.run(main())


def _interpreter_pool():
    # Subinterpreters cannot use functions defined in __main__: import this file as a module by its name.
    import importlib

    script_dir = os.path.dirname(os.path.abspath(__file__))
    module_name = os.path.splitext(os.path.basename(__file__))[0]
    sys.path.insert(0, script_dir)
    module = importlib.import_module(module_name)
    pool = concurrent.futures.InterpreterPoolExecutor(
        WORKERS, initializer=exec, initargs=(f"import sys; sys.path.insert(0, {script_dir!r})",)
    )
    return pool, module


def make_runner(name):
    """(run function, pool or None) for an executor name; raises RuntimeError if this Python lacks it."""
    if name == "sequential":
        return run_sequential, None
    if name == "asyncio":
        return run_asyncio, None
    if name in ("threads", "asyncio_threads"):
        pool = concurrent.futures.ThreadPoolExecutor(WORKERS)
    elif name in ("processes", "asyncio_processes"):
        pool = concurrent.futures.ProcessPoolExecutor(WORKERS)
    elif name == "interpreters":
        if not hasattr(concurrent.futures, "InterpreterPoolExecutor"):
            raise RuntimeError("InterpreterPoolExecutor needs Python 3.14")
        pool, module = _interpreter_pool()
        return (lambda items, pool: list(pool.map(module.work, items))), pool
    else:
        raise RuntimeError(f"unknown executor {name}")
    return (run_asyncio_pool if name.startswith("asyncio_") else run_pool), pool


def band(speedup):
    for upper, wording in BANDS:
        if speedup < upper or (upper == 2.0 and speedup == upper):
            return wording
    return BANDS[-1][1]


def measure(name, items):
    """Median time of REPEATS runs after WARMUPS, with pool start-up timed apart; the results for checking."""
    started = time.perf_counter()
    run, pool = make_runner(name)
    try:
        result = run(items[:WORKERS], pool)  # the first tasks start the pool's workers
        startup_s = time.perf_counter() - started
        for _ in range(WARMUPS):
            run(items, pool)
        times = []
        for _ in range(REPEATS):
            began = time.perf_counter()
            result = run(items, pool)
            times.append(time.perf_counter() - began)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return statistics.median(times), startup_s, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run: few small tasks, one repeat")
    parser.parse_args()
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"Python {sys.version.split()[0]}, GIL {'enabled' if gil else 'disabled'}, {WORKERS} workers, "
          f"{ITEMS} tasks, median of {REPEATS}")
    items = list(range(ITEMS))
    baseline_s, _, expected = measure("sequential", items)
    print(f"{'sequential':<18} {baseline_s:8.4f} s   1.00x   (baseline){' *' if RECOMMENDED == 'sequential' else ''}")
    for name in [RECOMMENDED] + [other for other in COMPARE if other != RECOMMENDED]:
        if name == "sequential":
            continue
        try:
            median_s, startup_s, result = measure(name, items)
        except Exception as error:  # report and go on: one unavailable executor must not hide the others
            print(f"{name:<18} unavailable: {error}")
            continue
        speedup = baseline_s / median_s
        check = "" if result == expected else "  RESULT DIFFERS FROM THE BASELINE"
        mark = " *" if name == RECOMMENDED else ""
        line = f"{name:<18} {median_s:8.4f} s {speedup:6.2f}x   {band(speedup)}"
        print(f"{line}; start-up {startup_s:.3f} s{mark}{check}")
    print("* the recommended approach. Speedups are this run's, on this machine: measure yours.")


if __name__ == "__main__":
    main()
''')


def benchmark_template(approach: str, profile: WorkloadProfile, compare: list[str]) -> str:
    """A runnable benchmark script for `approach` against `compare` (approach ids), with a --quick mode."""
    if profile.releases_gil:
        work, size = _WORK["c"], 4096
    elif profile.workload == "io_bound":
        work, size = _WORK["io"], 0
    elif profile.workload == "hybrid":
        work, size = _WORK["hybrid"], 20000
    else:
        work, size = _WORK["cpu"], 60000
    runners = [APPROACH_EXECUTOR[other] for other in compare]
    compare_runners = list(dict.fromkeys(name for name in runners if name != APPROACH_EXECUTOR[approach]))
    workers = profile.io_concurrency if profile.workload == "io_bound" and profile.io_concurrency else profile.cores
    return _SCRIPT.substitute(
        title=framework.APPROACH_TITLES[approach],
        filename=f"bench_{approach}.py",
        runner=APPROACH_EXECUTOR[approach],
        compare=repr(compare_runners),
        workers=max(workers, 2),
        size=size,
        quick_size=size // 20,
        bands=_bands_source(),
        work=work,
    )


def _bands_source() -> str:
    """The interpretation table as Python source for the standalone script."""
    rows = []
    for _, upper, wording in BANDS:
        edge = repr(upper) if math.isfinite(upper) else 'float("inf")'
        rows.append(f"({edge}, {wording!r})")
    return "[" + ", ".join(rows) + "]"


def migration_guide(current: str, approach: str, profile: WorkloadProfile) -> list[str]:
    """Steps from what runs now to the recommendation, each with its pitfall."""
    target = framework.APPROACH_TITLES[approach]
    steps = [
        f"Measure first: drop your function into the benchmark template and run it on the machine that will run "
        f"it. Keep the single-threaded baseline; you are moving from {framework.APPROACH_TITLES[current]} to "
        f"{target}."
    ]
    processes = approach in ("multiprocessing", "asyncio_multiprocessing", "distributed")
    threads = approach in ("threads", "free_threaded", "free_threaded_asyncio")
    if approach in ("free_threaded", "free_threaded_asyncio"):
        steps.append(
            "Install a free-threaded build (python3.14t; supported but optional in 3.14, PEP 779) and check at run "
            "time: sysconfig.get_config_var('Py_GIL_DISABLED') == 1 and sys._is_gil_enabled() is False. Importing a "
            "C extension not declared free-threading-safe turns the GIL back on, with a RuntimeWarning."
        )
    if threads and current != approach:
        steps.append(
            "Review thread-safety: every shared mutable object (dicts, lists, counters, caches) gets a lock or becomes "
            "per-thread; hand work over with queue.Queue. Without the GIL, races that were rare become common."
        )
    if processes and current != "multiprocessing":
        steps.append(
            'Put the entry point under `if __name__ == "__main__":`. spawn (macOS, Windows) and forkserver (the '
            "default on other Unix from 3.14) start workers that re-import your main module."
        )
        steps.append(
            "Make the work picklable: module-level functions (no lambdas or nested functions), arguments and results "
            "without open files, sockets or locks. Send little and return little: both ways are pickled."
        )
    if approach == "subinterpreters":
        steps.append(
            "Use concurrent.futures.InterpreterPoolExecutor (3.14): move the function into an importable module "
            "(functions defined in __main__ cannot be used); arguments and results are pickled; check that each "
            "extension module you import loads in a subinterpreter."
        )
    if approach in ("asyncio", "free_threaded_asyncio", "asyncio_multiprocessing") and current != "asyncio":
        steps.append(
            "Make the I/O path async end to end with async client libraries. Never call a blocking function "
            "(time.sleep, a blocking HTTP client, a blocking socket or file read) inside a coroutine: it stalls "
            "every task; move it to asyncio.to_thread()."
        )
        steps.append(
            "Structure tasks with asyncio.TaskGroup and bound them with asyncio.timeout() (3.11+); cap concurrency "
            "with an asyncio.Semaphore."
        )
    if approach in ("free_threaded_asyncio", "asyncio_multiprocessing"):
        steps.append(
            "Hand the CPU part to the pool with loop.run_in_executor(pool, compute, data) so the loop keeps serving "
            "waits. asyncio objects are not thread-safe: from another thread use loop.call_soon_threadsafe() or "
            "asyncio.run_coroutine_threadsafe()."
        )
    if approach not in ("single_threaded", "asyncio"):
        initializer = "Create one long-lived pool when the program starts, not one per request"
        if profile.expensive_startup:
            initializer += ", and load the expensive state once per worker with initializer=/initargs="
            if processes:
                initializer += "; with forkserver, multiprocessing.set_forkserver_preload([...]) imports it once"
        steps.append(initializer + ".")
        shutdown = (
            "Shut down cleanly: use the executor as a context manager, or shutdown(wait=True, cancel_futures=True)."
        )
        if processes:
            shutdown += (
                " On 3.14, ProcessPoolExecutor.terminate_workers() / kill_workers() stop stuck workers, and "
                "multiprocessing's Process.interrupt() sends SIGINT so the child's finally blocks run."
            )
        steps.append(shutdown)
    if approach == "single_threaded" and current != "single_threaded":
        steps.append(
            f"Remove the {framework.APPROACH_TITLES[current]} machinery and run the work in order: it cannot run "
            "in parallel, so pools only added start-up and hand-off costs."
        )
    steps.append(
        "Run the benchmark again and read the speedup with the interpretation table: below 1.2x the simpler "
        "approach stays; above 2.0x it is a clear winner. Your usable core count is the ceiling for CPU work."
    )
    return steps
