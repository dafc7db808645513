"""Benchmark template from Concurrency Lab: the recommended approach against its alternatives, on your machine.

Put your own work in fetch_blocking / fetch (the waiting part) and compute (the CPU part), then run
`python THIS_FILE` (add --quick to check that it runs: a quick run gives no verdict). Standard library
only, but for the dask runner, which imports dask[distributed] when it runs; Python 3.10+. Keep the
`if __name__ == "__main__"` guard: worker processes re-import this file.

How it measures: every pool is started first and handed one no-op per worker, so start-up is timed
apart from the work; then the repeats run interleaved (one of each approach per round), so a noisy
moment of the machine spreads over all of them; each speedup is reported as a band with its range.

`--json` (or `--json FILE`) also writes the run to stdout (the report then goes to stderr) or to FILE, in the
subset of the Lab's result schema a class board reads ("concurrency-lab/class-result", version 1): schema,
version, created_at, kernel "custom", work, size, tasks, quick, baseline, interval "round_range"; host:
python_version, implementation, free_threaded_build, gil_enabled, usable_cpus, logical_cpus, platform; and per
approach measured: name, executor, workers, times_s, median_s, speedup, speedup_interval (the lowest and
highest per-round ratio). Upload that file on the Lab's Class page.
"""

import argparse
import asyncio
import concurrent.futures
import datetime
import json
import os
import platform
import statistics
import sys
import sysconfig
import time

# --- header: the Lab fills these constants; everything below them is the same for every approach ---
TITLE = "Multiprocessing (a process pool)"
RECOMMENDED = "processes"
COMPARE = ["threads", "interpreters"]
WORKERS = 2
WORK = "cpu"
SIZE = 60000
WAIT_S = 0.02
TASKS = 16
REPEATS = 5
# The interpretation table: (upper edge of the speedup, what it means).
BANDS = [
    (1.0, "slower than baseline: don't use"),
    (1.2, "overhead not justified: stick with the simpler approach"),
    (2.0, "worth considering: use if the workload is large"),
    (float("inf"), "clear winner"),
]
# --- end of header ---

# --quick is passed through the environment too: worker processes and subinterpreters import this file anew.
QUICK = "--quick" in sys.argv[1:] or os.environ.get("LAB_BENCH_QUICK") == "1"
if QUICK:
    os.environ["LAB_BENCH_QUICK"] = "1"
    TASKS, SIZE, WAIT_S, REPEATS = 4, SIZE // 20, WAIT_S / 10, 1
WARMUPS = 0 if QUICK else 1
# The dask runner's cluster: None starts a LocalCluster of WORKERS processes on 127.0.0.1; --scheduler sets an address.
SCHEDULER = None


def fetch_blocking(item):
    """The I/O part, blocking: a wait stands in for a request (none for CPU work). Replace with your call."""
    if WORK in ("io", "hybrid"):
        time.sleep(WAIT_S)
    return item


async def fetch(item):
    """The I/O part, async: the same wait without blocking the loop. Replace with your async call."""
    if WORK in ("io", "hybrid"):
        await asyncio.sleep(WAIT_S)
    return item


def compute(data):
    """The CPU part. Replace with your function.

    cpu and hybrid: count primes below a limit, in pure Python; c: sha256 of a large buffer (C code that
    releases the GIL); io: almost nothing.
    """
    if WORK == "io":
        return data * 2
    if WORK == "c":
        import hashlib

        return hashlib.sha256(bytes([data % 256]) * (SIZE * 1024)).hexdigest()
    limit = SIZE + data
    return sum(1 for n in range(2, limit) if all(n % d for d in range(2, int(n**0.5) + 1)))


def work(item):
    """One whole task, blocking: wait, then compute."""
    return compute(fetch_blocking(item))


def noop(item):
    """The warm-up task: makes a pool start its worker without doing any work."""
    return item


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


def _dask_pool():
    """A Dask client's concurrent.futures executor (the drop-in for a process pool), the client and its cluster.

    By default a LocalCluster of WORKERS processes, one thread each, on 127.0.0.1 with no dashboard; with
    --scheduler, the workers of that running cluster. pure=False: every call is computed, none reused.
    Functions of this file travel to the workers pickled by value; modules they import must be installed there.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise RuntimeError('needs dask[distributed] (pip install "dask[distributed]")') from None
    cluster = None
    if SCHEDULER is None:
        cluster = LocalCluster(
            n_workers=WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
        client = Client(cluster)
    else:
        client = Client(SCHEDULER, timeout=5)  # the default waits 30 s for a wrong address
        client.wait_for_workers(1, timeout=5)
    return client.get_executor(pure=False), client, cluster


def _interpreter_pool():
    """An InterpreterPoolExecutor and this file imported as a module (functions from __main__ cannot be used)."""
    import importlib

    script_dir = os.path.dirname(os.path.abspath(__file__))
    module_name = os.path.splitext(os.path.basename(__file__))[0]
    if script_dir not in sys.path:
        sys.path.insert(0, script_dir)
    module = importlib.import_module(module_name)
    pool = concurrent.futures.InterpreterPoolExecutor(
        WORKERS, initializer=exec, initargs=(f"import sys; sys.path.insert(0, {script_dir!r})",)
    )
    return pool, module


class Runner:
    """One approach under test: its pool (started apart from the work) and how it runs the items."""

    def __init__(self, name):
        self.name = name
        self.pool = None
        self.module = sys.modules[__name__]
        self.startup_s = 0.0
        self.times = []
        self.client = self.cluster = None  # the dask runner's

    def start(self):
        """Start the pool and hand each worker a no-op, so the timed runs find every worker ready."""
        began = time.perf_counter()
        if self.name in ("threads", "asyncio_threads"):
            self.pool = concurrent.futures.ThreadPoolExecutor(WORKERS)
        elif self.name in ("processes", "asyncio_processes"):
            self.pool = concurrent.futures.ProcessPoolExecutor(WORKERS)
        elif self.name == "interpreters":
            if not hasattr(concurrent.futures, "InterpreterPoolExecutor"):
                raise RuntimeError("InterpreterPoolExecutor needs Python 3.14")
            self.pool, self.module = _interpreter_pool()
        elif self.name == "dask":
            self.pool, self.client, self.cluster = _dask_pool()
        elif self.name not in ("sequential", "asyncio"):
            raise RuntimeError(f"unknown executor {self.name}")
        if self.pool is not None:
            list(self.pool.map(self.module.noop, range(WORKERS)))
        self.startup_s = time.perf_counter() - began

    def run(self, items):
        if self.name == "sequential":
            return run_sequential(items, None)
        if self.name == "asyncio":
            return run_asyncio(items, None)
        if self.name.startswith("asyncio_"):
            return run_asyncio_pool(items, self.pool)
        return list(self.pool.map(self.module.work, items))

    def stop(self):
        if self.client is not None:
            self.pool.shutdown(wait=True)
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        elif self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def band(speedup):
    """The interpretation table's wording for a speedup."""
    for upper, wording in BANDS:
        if speedup < upper or (upper == 2.0 and speedup == upper):
            return wording
    return BANDS[-1][1]


def band_range(low, high):
    """The wording for a range of speedups: one band, or the bands it spans."""
    first, last = band(low), band(high)
    return first if first == last else f"between '{first}' and '{last}': measure more repeats"


def measure(names, items):
    """Start every runner, then time REPEATS interleaved rounds (after WARMUPS); returns runners and results."""
    runners, unavailable, results = [], {}, {}
    for name in names:
        runner = Runner(name)
        try:
            runner.start()
        except Exception as error:  # report and go on: one unavailable executor must not hide the others
            unavailable[name] = str(error)
            runner.stop()
            continue
        runners.append(runner)
    try:
        for round_number in range(WARMUPS + REPEATS):
            for runner in runners:
                began = time.perf_counter()
                results[runner.name] = runner.run(items)
                if round_number >= WARMUPS:
                    runner.times.append(time.perf_counter() - began)
    finally:
        for runner in runners:
            runner.stop()
    return runners, unavailable, results


def round_ratios(baseline, runner):
    """Each round's speedup against the same round's baseline, sorted: the interleaving makes them comparable."""
    return sorted(base / own for base, own in zip(baseline.times, runner.times, strict=True))


def usable_cpus():
    """CPUs this process may run on (affinity honoured)."""
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def class_result(runners):
    """The run in the Lab's class-result subset (the module docstring lists its fields)."""
    baseline = next(runner for runner in runners if runner.name == "sequential")
    executors = []
    for runner in runners:
        ratios = round_ratios(baseline, runner)
        executors.append(
            {
                "name": runner.name,
                "executor": runner.name,
                "workers": 1 if runner.name in ("sequential", "asyncio") else WORKERS,
                "times_s": runner.times,
                "median_s": statistics.median(runner.times),
                "speedup": statistics.median(ratios),
                "speedup_interval": [ratios[0], ratios[-1]],
            }
        )
    return {
        "schema": "concurrency-lab/class-result",
        "version": 1,
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "kernel": "custom",
        "work": WORK,
        "size": SIZE,
        "tasks": TASKS,
        "quick": QUICK,
        "baseline": "sequential",
        "interval": "round_range",
        "host": {
            "python_version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "free_threaded_build": sysconfig.get_config_var("Py_GIL_DISABLED") == 1,
            "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)(),
            "usable_cpus": usable_cpus(),
            "logical_cpus": os.cpu_count() or 1,
            "platform": sys.platform,
        },
        "executors": executors,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="check that it runs: tiny tasks, one repeat, no verdict")
    parser.add_argument(
        "--scheduler", help="dask only: a running Dask scheduler tcp://HOST:PORT (default: a LocalCluster)"
    )
    parser.add_argument(
        "--json", nargs="?", const="-", metavar="FILE", help="also write the run as JSON to stdout (-) or FILE"
    )
    args = parser.parse_args()
    global SCHEDULER
    SCHEDULER = args.scheduler
    json_out = sys.stdout
    if args.json == "-":  # stdout holds the JSON document alone: the report goes to stderr
        sys.stdout = sys.stderr
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"Benchmark of {TITLE} against its alternatives")
    print(
        f"Python {sys.version.split()[0]}, GIL {'enabled' if gil else 'disabled'}, {WORKERS} workers, "
        f"{TASKS} tasks, {REPEATS} interleaved repeat(s) after {WARMUPS} warm-up(s)"
    )
    names = ["sequential", *dict.fromkeys(name for name in [RECOMMENDED, *COMPARE] if name != "sequential")]
    runners, unavailable, results = measure(names, list(range(TASKS)))
    baseline = next(runner for runner in runners if runner.name == "sequential")
    for runner in runners:
        median_s = statistics.median(runner.times)
        mark = " *" if runner.name == RECOMMENDED else ""
        check = "" if results[runner.name] == results["sequential"] else "  RESULT DIFFERS FROM THE BASELINE"
        if runner is baseline:
            print(f"{runner.name:<18} {median_s:8.4f} s {1.0:6.2f}x   (baseline){mark}")
            continue
        ratios = round_ratios(baseline, runner)
        speedup = statistics.median(ratios)
        line = f"{runner.name:<18} {median_s:8.4f} s {speedup:6.2f}x"
        if QUICK:
            line += "   (quick run: no verdict)"
        else:
            line += f" (range {ratios[0]:.2f}x-{ratios[-1]:.2f}x)   {band_range(ratios[0], ratios[-1])}"
        print(f"{line}; start-up {runner.startup_s:.3f} s, timed apart{mark}{check}")
    for name, why in unavailable.items():
        print(f"{name:<18} unavailable: {why}")
    if QUICK:
        print("Quick run: one repeat of tiny tasks, no warm-up. It checks that the script runs and gives no verdict.")
    print("* the recommended approach. Speedups are this run's, on this machine, with this stand-in work: use yours.")
    if args.json is not None:
        document = json.dumps(class_result(runners), indent=1)
        if args.json == "-":
            sys.stdout = json_out
            print(document)
        else:
            with open(args.json, "w", encoding="utf-8") as handle:
                handle.write(document + "\n")
            print(f"JSON for the Lab's Class page written to {args.json}")


if __name__ == "__main__":
    main()
