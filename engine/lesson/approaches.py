"""One record per concurrency approach: the registry framework, recommend, templates and the quiz read.

An approach's id, title, the executor that measures it, what it runs at once, its memory and start-up
models, the build it needs, migration traits and pitfalls live here and nowhere else. Texts quote a
figure only as {fact:id} (expanded by `text`); the records are plain data, so importing this module
does no I/O. Never imports streamlit, framework or recommend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from engine.lesson.facts import expand

Parallelises = Literal["nothing", "waits", "cpu", "waits_and_cpu", "machines"]
# Which figure of the costs sizes one worker: none (runs in the caller's thread), a thread, a whole
# interpreter in its own process, or a subinterpreter inside the process.
MemoryModel = Literal["none", "thread", "process", "interpreter"]
# Which pool's start-up applies (an executor id of engine.bench), or none.
StartupModel = Literal["none", "threads", "processes", "interpreters"]
Build = Literal["any", "free-threaded", "3.14", "cluster"]
Trait = Literal["async", "processes", "threads", "free_threaded_build", "interpreters", "cluster"]


@dataclass(frozen=True)
class Approach:
    """What an approach is, what it costs and where it fits; every consumer reads this record."""

    id: str
    title: str
    # The engine.bench executor id that measures it (distributed: dask, a LocalCluster or a running cluster).
    executor: str
    parallelises: Parallelises
    # Runs pure-Python CPU work on more than one core at once.
    parallel_cpu: bool
    # Workers see the same Python objects (threads); False: state travels pickled, or nothing runs beside.
    shares_memory: bool
    # What a failure or a bug in one worker does to the others, in words.
    isolation: str
    build: Build
    # How it starts (StartupModel) and what one worker costs in memory (MemoryModel).
    startup: StartupModel
    memory: MemoryModel
    # An event loop serves its waits.
    event_loop: bool
    # Offered as "what runs now" in the selector.
    current_choice: bool
    # What changes in a program that moves to it (keys of MIGRATION_TRAITS).
    traits: tuple[Trait, ...]
    # When it wins (the alternatives' "when"), its trade-off, and the quiz's one line on what it fits.
    when: str
    tradeoff: str
    fits: str
    pitfalls: tuple[str, ...]

    @property
    def pooled(self) -> bool:
        """It runs its work in a pool of workers that must be started (and should be started once)."""
        return self.startup != "none"


# What each migration trait costs: (effort level, what changes).
MIGRATION_TRAITS: Mapping[Trait, tuple[str, str]] = {
    "async": ("high", "the I/O path becomes async end to end (async libraries, no blocking calls in coroutines)"),
    "processes": ("medium", "work moves to processes: an import guard, picklable functions and arguments"),
    "threads": ("medium", "shared mutable state needs a thread-safety review"),
    "free_threaded_build": ("medium", "a new interpreter (free-threaded build) and a check of every C extension"),
    "interpreters": ("medium", "work moves to an importable module run by InterpreterPoolExecutor (Python 3.14)"),
    "cluster": ("high", "deployment, a task queue and failure handling across machines"),
}

_PROCESS_ISOLATION = (
    "a crash stays in its process, but one dead worker breaks a ProcessPoolExecutor ({fact:broken_process_pool}); "
    "it contains crashes, not attackers ({fact:process_not_security_boundary})"
)

# The lesson's five approaches come first; the others are where the facts call for them.
_RECORDS: tuple[Approach, ...] = (
    Approach(
        id="single_threaded",
        title="Single-threaded Python",
        executor="sequential",
        parallelises="nothing",
        parallel_cpu=False,
        shares_memory=True,
        isolation="none needed: one thread does everything in order",
        build="any",
        startup="none",
        memory="none",
        event_loop=False,
        current_choice=True,
        traits=(),
        when="the work cannot be split, or runs so briefly that pool start-up and hand-off cost more than they save",
        tradeoff="one core; the simplest code to run, test and debug",
        fits="work whose steps depend on each other, or too little work to pay for workers",
        pitfalls=(),
    ),
    Approach(
        id="free_threaded",
        title="Free-threaded Python (threads without the GIL)",
        executor="threads",
        parallelises="cpu",
        parallel_cpu=True,
        shares_memory=True,
        isolation="none: threads share every object, and a crash takes the whole process",
        build="free-threaded",
        startup="threads",
        memory="thread",
        event_loop=False,
        current_choice=False,
        traits=("threads", "free_threaded_build"),
        when="pure-Python CPU work that splits into parts sharing objects, on a free-threaded build (python3.14t)",
        tradeoff=(
            "single-threaded code runs slower on this build ({fact:ft_cost_314} in 3.14); shared objects need a "
            "thread-safety review; a C extension not declared free-threading-safe turns the GIL back on"
        ),
        fits="CPU work in parallel parts that share objects, on a free-threaded build",
        pitfalls=(
            "Without the GIL, races that were rare become common: lock shared mutable objects or make them per-thread.",
            "Importing a C extension not declared free-threading-safe turns the GIL back on "
            "({fact:gil_reenabled_by_extension}).",
        ),
    ),
    Approach(
        id="multiprocessing",
        title="Multiprocessing (a process pool)",
        executor="processes",
        parallelises="cpu",
        parallel_cpu=True,
        shares_memory=False,
        isolation=_PROCESS_ISOLATION,
        build="any",
        startup="processes",
        memory="process",
        event_loop=False,
        current_choice=True,
        traits=("processes",),
        when="CPU work in independent parts, on any build",
        tradeoff=(
            "functions, arguments and results must pickle; each worker is a whole interpreter with its own memory "
            "and start-up; one dead worker breaks the whole pool"
        ),
        fits="CPU work in independent parts, on any build",
        pitfalls=(
            "Callables are pickled under every start method ({fact:pickle_callable_every_method}).",
            "spawn and forkserver children re-import the main module ({fact:main_reimported}).",
        ),
    ),
    Approach(
        id="asyncio",
        title="asyncio (one event loop)",
        executor="asyncio",
        parallelises="waits",
        parallel_cpu=False,
        shares_memory=True,
        isolation="none: one thread; a blocking call stalls every task",
        build="any",
        startup="none",
        memory="none",
        event_loop=True,
        current_choice=True,
        traits=("async",),
        when="many concurrent waits (network, sockets) served by async client libraries",
        tradeoff=(
            "one core: the CPU part of every request runs in turn on the loop; any blocking call stalls every task; "
            "needs async libraries all the way down"
        ),
        fits="many concurrent waits served by async client libraries",
        pitfalls=(
            "Almost no asyncio object is thread-safe ({fact:asyncio_not_thread_safe}).",
            "A blocking call inside a coroutine stalls every task: move it to asyncio.to_thread().",
        ),
    ),
    Approach(
        id="free_threaded_asyncio",
        title="Free-threaded Python + asyncio",
        executor="asyncio_threads",
        parallelises="waits_and_cpu",
        parallel_cpu=True,
        shares_memory=True,
        isolation="none: one process, threads share every object",
        build="free-threaded",
        startup="threads",
        memory="thread",
        event_loop=True,
        current_choice=False,
        traits=("async", "threads", "free_threaded_build"),
        when="waits and CPU work together, on a free-threaded build",
        tradeoff=(
            "needs python3.14t; asyncio objects are not thread-safe: hand results back with "
            "loop.call_soon_threadsafe() or asyncio.run_coroutine_threadsafe()"
        ),
        fits="waits then CPU work on what arrived, on a free-threaded build",
        pitfalls=("Almost no asyncio object is thread-safe ({fact:asyncio_not_thread_safe}).",),
    ),
    Approach(
        id="threads",
        title="Threads on a GIL build",
        executor="threads",
        parallelises="waits",
        parallel_cpu=False,
        shares_memory=True,
        isolation="none: threads share every object, and a crash takes the whole process",
        build="any",
        startup="threads",
        memory="thread",
        event_loop=False,
        current_choice=True,
        traits=("threads",),
        when=(
            "blocking I/O (a blocking-only SDK included), or CPU work in C code that releases the GIL "
            "(zlib, hashlib on large buffers, bz2, lzma, NumPy)"
        ),
        tradeoff=(
            "on a GIL build pure-Python code does not run in parallel, and the Python part of each task takes the "
            "GIL in turn; shared state needs locks; each thread has its own stack"
        ),
        fits="blocking I/O, or C code that releases the GIL (zlib, hashlib, NumPy)",
        pitfalls=("Shared mutable state needs locks or queue.Queue hand-offs.",),
    ),
    Approach(
        id="asyncio_multiprocessing",
        title="asyncio + a process pool",
        executor="asyncio_processes",
        parallelises="waits_and_cpu",
        parallel_cpu=True,
        shares_memory=False,
        isolation=_PROCESS_ISOLATION,
        build="any",
        startup="processes",
        memory="process",
        event_loop=True,
        current_choice=False,
        traits=("async", "processes"),
        when="waits and CPU work together on a GIL build: the loop overlaps the waits, a process pool computes",
        tradeoff="CPU work crosses a process boundary (pickling both ways); two models to manage",
        fits="hybrid work on a GIL build: the loop waits, a process pool computes",
        pitfalls=("Callables are pickled under every start method ({fact:pickle_callable_every_method}).",),
    ),
    Approach(
        id="subinterpreters",
        title="Subinterpreters (InterpreterPoolExecutor, 3.14)",
        executor="interpreters",
        parallelises="cpu",
        parallel_cpu=True,
        shares_memory=False,
        isolation=(
            "each interpreter has its own modules and objects, but all live in one process: a crash in C code "
            "takes them all"
        ),
        build="3.14",
        startup="interpreters",
        memory="interpreter",
        event_loop=False,
        current_choice=False,
        traits=("interpreters",),
        when="isolated pure-Python CPU work in parallel inside one process, on 3.14 (InterpreterPoolExecutor)",
        tradeoff=(
            "callables, arguments and results are pickled; functions defined in __main__ cannot be used; many "
            "extension modules do not load yet; start-up is not yet optimized; nothing mutable is shared"
        ),
        fits="isolated pure-Python CPU work in one process on 3.14 (InterpreterPoolExecutor)",
        pitfalls=(
            "Interpreters share no mutable objects ({fact:interpreters_no_shared_mutable}).",
            "{fact:interpreter_pool_314}.",
        ),
    ),
    Approach(
        id="distributed",
        title="Distributed workers (past one machine)",
        executor="dask",
        parallelises="machines",
        parallel_cpu=True,
        shares_memory=False,
        isolation="separate machines: a machine can fail mid-job, so tasks must be safe to retry",
        build="cluster",
        startup="processes",
        memory="process",
        event_loop=False,
        current_choice=False,
        traits=("processes", "cluster"),
        when="the work outgrows one machine's cores or memory",
        tradeoff="network hand-off, deployment and failure handling; prove the speedup on one machine first",
        fits="work that one machine cannot finish in time",
        pitfalls=(
            "Each task costs scheduler overhead ({fact:dask_task_overhead}).",
            "Failure differs from a process pool's ({fact:broken_process_pool}): on Dask {fact:dask_worker_failure}, "
            "so a task may run twice: make tasks safe to repeat.",
        ),
    ),
)

APPROACHES: Mapping[str, Approach] = {record.id: record for record in _RECORDS}
APPROACH_IDS: tuple[str, ...] = tuple(APPROACHES)


def approach(approach_id: str) -> Approach:
    """The record of an approach; LookupError naming the known ids for an unknown one."""
    if approach_id not in APPROACHES:
        raise LookupError(f"no approach {approach_id!r}; known: {', '.join(APPROACH_IDS)}")
    return APPROACHES[approach_id]


def ids_where(predicate: Callable[[Approach], bool]) -> frozenset[str]:
    """The ids of the approaches a predicate holds for (a set derived from the records, never a second list)."""
    return frozenset(record.id for record in _RECORDS if predicate(record))


def text(value: str) -> str:
    """A record's text with its {fact:id} references replaced by the facts' values (reads the facts table)."""
    return expand(value)
