"""What the user takes home: the benchmark template with its header filled in, and a migration guide.

The template is a real, linted, tested file beside this one (engine/lesson/benchmark_template.py); this
module only fills its header of constants (approach, executors, workers, sizes, the bands). Approaches
are read from their records. Pure: reads only the package's own files; no streamlit.
"""

from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path

from engine.bench.results import BANDS
from engine.lesson.approaches import approach
from engine.lesson.facts import fact
from engine.lesson.profile import WorkloadProfile

TEMPLATE_FILE = Path(__file__).with_name("benchmark_template.py")
_HEADER = re.compile(r"(# --- header:[^\n]*\n)(.*?)(# --- end of header ---\n)", re.DOTALL)
# The stand-in work per kind of workload: (WORK, SIZE, WAIT_S) for the template's header.
_STAND_IN: dict[str, tuple[str, int, float]] = {
    "c": ("c", 4096, 0.0),
    "io_bound": ("io", 0, 0.02),
    "hybrid": ("hybrid", 20000, 0.02),
    "cpu": ("cpu", 60000, 0.0),
}
TEMPLATE_TASKS = 16
# The one template that needs a package says so on its first line (the distributed approach's, run on Dask).
NEEDS_DASK = (
    '# Needs a package: dask[distributed] (pip install "dask[distributed]"); every other runner here is standard\n'
    "# library only. By default it starts a LocalCluster on this machine; --scheduler tcp://HOST:PORT uses yours.\n"
)
TEMPLATE_REPEATS = 5


@cache
def template_source() -> str:
    """The template file as it stands in the repository."""
    return TEMPLATE_FILE.read_text(encoding="utf-8")


def fill_header(**constants: object) -> str:
    """The template with its header replaced by these constants (Python literals, in the given order)."""
    body = "".join(f"{name} = {_literal(value)}\n" for name, value in constants.items())
    filled, count = _HEADER.subn(lambda match: match.group(1) + body + match.group(3), template_source(), count=1)
    if count != 1:
        raise LookupError(f"{TEMPLATE_FILE.name} has no header block to fill")
    return filled


def _literal(value: object) -> str:
    if isinstance(value, float) and math.isinf(value):
        return 'float("inf")'
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_literal(item) for item in value) + ")"
    return repr(value)


def benchmark_template(approach_id: str, profile: WorkloadProfile, compare: list[str]) -> str:
    """A runnable benchmark script for `approach_id` against `compare` (approach ids), with a --quick mode."""
    if profile.releases_gil:
        stand_in = _STAND_IN["c"]
    elif profile.workload in ("io_bound", "hybrid"):
        stand_in = _STAND_IN[profile.workload]
    else:
        stand_in = _STAND_IN["cpu"]
    work, size, wait_s = stand_in
    if profile.io_wait_ms is not None and work in ("io", "hybrid"):
        wait_s = profile.io_wait_ms / 1000
    runner = approach(approach_id).executor
    compare_runners = [name for name in dict.fromkeys(approach(other).executor for other in compare) if name != runner]
    if profile.workload == "io_bound" and profile.io_concurrency:
        # The template overlaps as many waits as it has tasks: bounded so that it runs in seconds.
        workers = min(profile.io_concurrency, TEMPLATE_TASKS)
    else:
        workers = profile.cores
    filled = fill_header(
        TITLE=approach(approach_id).title,
        RECOMMENDED=runner,
        COMPARE=compare_runners,
        WORKERS=max(workers, 2),
        WORK=work,
        SIZE=size,
        WAIT_S=wait_s,
        TASKS=TEMPLATE_TASKS,
        REPEATS=TEMPLATE_REPEATS,
        BANDS=[(upper, wording) for _, upper, wording in BANDS],
    )
    return NEEDS_DASK + filled if runner == "dask" else filled


def migration_guide(current: str, approach_id: str, profile: WorkloadProfile) -> list[str]:
    """Steps from what runs now to the recommendation, each with its pitfall."""
    record = approach(approach_id)
    target = record.title
    steps = [
        f"Measure first: drop your function into the benchmark template and run it on the machine that will run "
        f"it. Keep the single-threaded baseline; you are moving from {approach(current).title} to {target}."
    ]
    processes = record.memory == "process"
    threads = record.memory == "thread"
    if record.build == "free-threaded":
        steps.append(
            f"Install a free-threaded build (python3.14t; {fact('ft_supported_314').value}) and check at run time: "
            "sysconfig.get_config_var('Py_GIL_DISABLED') == 1 and sys._is_gil_enabled() is False. "
            f"{fact('gil_reenabled_by_extension').statement}"
        )
    if threads and current != approach_id:
        steps.append(
            "Review thread-safety: every shared mutable object (dicts, lists, counters, caches) gets a lock or becomes "
            "per-thread; hand work over with queue.Queue. Without the GIL, races that were rare become common."
        )
    if approach_id == "threads" and profile.async_client is False:
        steps.append(
            "Keep your blocking SDK: call it from a ThreadPoolExecutor sized to the calls you want in flight "
            "(max_workers=); each call waits in its own thread. From asyncio code, asyncio.to_thread runs it in "
            f"the loop's default executor: {fact('to_thread_default_workers').statement}"
        )
    if processes and approach(current).memory != "process":
        steps.append(
            'Put the entry point under `if __name__ == "__main__":`. spawn (macOS, Windows) and forkserver (the '
            "default on other Unix from 3.14) start workers that re-import your main module: "
            f"{fact('main_reimported').statement}"
        )
        steps.append(
            "Make the work picklable: module-level functions (no lambdas or nested functions), arguments and results "
            f"without open files, sockets or locks. {fact('pickle_callable_every_method').statement} Send little and "
            "return little: both ways are pickled."
        )
        steps.append(f"Plan for a crash: {fact('broken_process_pool').statement}")
    if record.memory == "interpreter":
        steps.append(
            "Use concurrent.futures.InterpreterPoolExecutor (3.14): move the function into an importable module "
            "(functions defined in __main__ cannot be used); arguments and results are pickled; check that each "
            f"extension module you import loads in a subinterpreter. {fact('interpreters_no_shared_mutable').statement}"
        )
    if record.event_loop and not approach(current).event_loop:
        if profile.async_client is False:
            io_step = (
                "Your SDK has no async client: keep its blocking calls off the loop with asyncio.to_thread "
                f"({fact('to_thread_default_workers').statement}); that pool's size bounds the calls in flight, "
                "so set one sized to them with loop.set_default_executor()."
            )
        else:
            io_step = (
                "Make the I/O path async end to end: an async client library where one exists; a blocking-only "
                "SDK goes through asyncio.to_thread(). Never call a blocking function (time.sleep, a blocking "
                "HTTP client, a blocking socket or file read) inside a coroutine: it stalls every task."
            )
        steps.append(io_step)
        steps.append(
            "Structure tasks with asyncio.TaskGroup and bound them with asyncio.timeout() (3.11+); cap concurrency "
            "with an asyncio.Semaphore."
        )
    if record.event_loop and record.pooled:
        steps.append(
            "Hand the CPU part to the pool with loop.run_in_executor(pool, compute, data) so the loop keeps serving "
            f"waits. {fact('asyncio_not_thread_safe').statement}"
        )
    if record.pooled:
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
                f" On 3.14, {fact('pool_terminate_workers_314').value} stop stuck workers, and "
                f"{fact('process_interrupt_314').value} so the child's finally blocks run."
            )
        steps.append(shutdown)
    if approach_id == "single_threaded" and current != "single_threaded":
        steps.append(
            f"Remove the {approach(current).title} machinery and run the work in order: it cannot run "
            "in parallel, so pools only added start-up and hand-off costs."
        )
    edges = [upper for _, upper, _ in BANDS if math.isfinite(upper)]
    steps.append(
        f"Run the benchmark again and read the speedup with the interpretation table: below {edges[1]:g}x the "
        f"simpler approach stays; above {edges[2]:g}x it is a clear winner. Your usable core count is the ceiling "
        "for CPU work."
    )
    return steps


def dask_migration_steps() -> list[str]:
    """From a process pool to a Dask client: the distributed approach's steps, each with its pitfall."""
    return [
        "From a process pool to a Dask client: `client = Client()` starts a LocalCluster on this machine and "
        '`Client("tcp://HOST:PORT", timeout=5)` joins a running cluster. `client.get_executor(pure=False)` is a '
        "concurrent.futures executor, so `with client.get_executor(pure=False) as pool: list(pool.map(work, items))` "
        "replaces your ProcessPoolExecutor unchanged (the benchmark template does just that); "
        "`client.gather(client.map(work, items, pure=False))` is Dask's own form. Keep pure=False for work "
        "with side effects or randomness: otherwise identical calls are computed once and shared.",
        "Scale the cluster: run `dask scheduler` on one machine and `dask worker tcp://SCHEDULER:PORT --nworkers N "
        "--nthreads 1` on each of the others (single-threaded workers, one per core, for pure-Python work on a GIL "
        "build); a LocalCluster or a cloud cluster grows with cluster.scale(n) or cluster.adapt(minimum=, "
        "maximum=). Dask workers run any code the scheduler sends them: keep its port on a private network, "
        "reachable by its owner alone.",
        "What must pickle: the function, its arguments and its results. Dask uses cloudpickle, so lambdas and "
        "functions of your main script travel by value, but the modules they import must be installed on every "
        "worker, at the same versions and on the same Python minor version.",
        "Mind data locality: send a large input once with client.scatter(data) (or let each worker read it from "
        "shared storage) and pass the future to the tasks instead of the data; results stay on the worker that "
        "made them until gathered, so chain tasks on futures and gather only the small answers. The scheduler's "
        f"overhead is {fact('dask_task_overhead').value}: make every task long next to it (the Benchmark "
        "page's preset 'Past one machine: what a distributed task costs' measures it on your host).",
        f"Plan for failure, which differs from a pool's: {fact('broken_process_pool').statement} On Dask, "
        f"{fact('dask_worker_failure').statement[0].lower()}{fact('dask_worker_failure').statement[1:]} So the "
        "run finishes with every answer, only later; and a task may run twice, so make tasks safe to repeat.",
    ]
