"""What changed for concurrency in Python 3.13 and 3.14, as data with sources, and live facts per interpreter.

Teaches only what shared/FACTS.md says holds; "the lesson says / what holds" notes correct the lesson.
Live facts come from engine.host's interpreter discovery. No streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.host import Interpreter

WHATSNEW_313 = "https://docs.python.org/3/whatsnew/3.13.html"
WHATSNEW_314 = "https://docs.python.org/3/whatsnew/3.14.html"
FREE_THREADING_HOWTO = "https://docs.python.org/3/howto/free-threading-python.html"
PEP_703 = "https://peps.python.org/pep-0703/"
PEP_734 = "https://peps.python.org/pep-0734/"
PEP_779 = "https://peps.python.org/pep-0779/"
MULTIPROCESSING_DOCS = "https://docs.python.org/3/library/multiprocessing.html"
FUTURES_DOCS = "https://docs.python.org/3/library/concurrent.futures.html"
ASYNCIO_DEV_DOCS = "https://docs.python.org/3/library/asyncio-dev.html"
ASYNCIO_GRAPH_DOCS = "https://docs.python.org/3/library/asyncio-graph.html"
THREADING_DOCS = "https://docs.python.org/3/library/threading.html#threading.stack_size"
OS_DOCS = "https://docs.python.org/3/library/os.html#os.process_cpu_count"


@dataclass(frozen=True)
class Change:
    """One change that matters for choosing a concurrency approach, with where it is documented."""

    id: str
    version: str  # "3.13" or "3.14"
    title: str
    what: str
    source_title: str
    source_url: str


@dataclass(frozen=True)
class Correction:
    """A claim of the lesson, and what holds according to the cited source."""

    id: str
    lesson_says: str
    verdict: str  # true | partly | false | not found
    what_holds: str
    source_title: str
    source_url: str


CHANGES: tuple[Change, ...] = (
    Change(
        "free_threading_313",
        "3.13",
        "An experimental free-threaded build (PEP 703)",
        "CPython can be built without the GIL (`python3.13t`), so threads run Python code on several cores at once. "
        "In 3.13 it was experimental and single-threaded code ran about 40% slower on pyperformance.",
        "PEP 703",
        PEP_703,
    ),
    Change(
        "process_cpu_count",
        "3.13",
        "os.process_cpu_count()",
        "Counts the CPUs this process may use (CPU affinity honoured), not the machine's; `PYTHON_CPU_COUNT` or "
        "`-X cpu_count` override it. ThreadPoolExecutor's default max_workers became min(32, process_cpu_count + 4) "
        "and ProcessPoolExecutor's process_cpu_count (at most 61 on Windows).",
        "os.process_cpu_count",
        OS_DOCS,
    ),
    Change(
        "queue_shutdown",
        "3.13",
        "asyncio.Queue.shutdown()",
        "A queue can now be shut down, which ends the producers and consumers that use it instead of leaving "
        "them waiting.",
        "What's New in Python 3.13",
        WHATSNEW_313,
    ),
    Change(
        "free_threading_supported",
        "3.14",
        "Free-threading is supported, and optional (PEP 779)",
        "The free-threaded build (`python3.14t`) is officially supported but not the default. Single-threaded code "
        "runs about 5-10% slower on it (the HOWTO measures about 1% on macOS arm64 to 8% on x86-64 Linux). "
        "Importing a C extension not declared free-threading safe turns the GIL back on, with a RuntimeWarning.",
        "PEP 779 and the free-threading HOWTO",
        PEP_779,
    ),
    Change(
        "interpreter_pool",
        "3.14",
        "InterpreterPoolExecutor and concurrent.interpreters (PEP 734)",
        "One interpreter per worker thread, each with its own GIL: CPU work runs in parallel in one process. "
        "Callables, arguments and results are pickled, functions defined in `__main__` cannot be used, start-up is "
        "not yet optimised, and many extension modules do not load in a subinterpreter yet.",
        "PEP 734",
        PEP_734,
    ),
    Change(
        "forkserver_default",
        "3.14",
        "forkserver is the default start method on Unix other than macOS",
        "multiprocessing and ProcessPoolExecutor start workers from a fork server instead of forking the parent, "
        "so workers inherit nothing: functions and arguments must pickle. macOS and Windows stay on spawn. "
        "The fork server's socket is now authenticated.",
        "multiprocessing: contexts and start methods",
        MULTIPROCESSING_DOCS,
    ),
    Change(
        "process_interrupt",
        "3.14",
        "Process.interrupt()",
        "Sends SIGINT to a child process (POSIX; on Windows its behaviour is undefined): the child gets "
        "KeyboardInterrupt, its `finally` blocks run, and it exits with code 1. A child that swallows "
        "KeyboardInterrupt keeps running.",
        "multiprocessing.Process",
        MULTIPROCESSING_DOCS,
    ),
    Change(
        "pool_terminate",
        "3.14",
        "ProcessPoolExecutor.terminate_workers() and kill_workers(); Executor.map(buffersize=)",
        "A pool's workers can be stopped at once, and map() can limit how many results it buffers ahead.",
        "concurrent.futures",
        FUTURES_DOCS,
    ),
    Change(
        "asyncio_free_threading",
        "3.14",
        "asyncio on free-threaded builds, and a per-thread task list",
        "asyncio supports free-threaded builds, so several event loops, one per thread, run in parallel. Tasks are "
        "kept in a per-thread linked list: 10-20% faster on standard benchmarks and less memory. "
        "`asyncio.get_event_loop()` raises when no loop is running.",
        "What's New in Python 3.14",
        WHATSNEW_314,
    ),
    Change(
        "asyncio_introspection",
        "3.14",
        "asyncio introspection: call graphs and ps/pstree",
        "`asyncio.capture_call_graph()` and `print_call_graph()` show which task awaits which; "
        "`python -m asyncio ps PID` and `pstree PID` list the tasks of a running program; pdb gains `$_asynctask`.",
        "asyncio call graph introspection",
        ASYNCIO_GRAPH_DOCS,
    ),
    Change(
        "thread_context",
        "3.14",
        "Threads inherit the caller's context on free-threaded builds",
        "On free-threaded builds `threading.Thread` starts with a copy of the caller's contextvars by default "
        "(`sys.flags.thread_inherit_context`).",
        "What's New in Python 3.14",
        WHATSNEW_314,
    ),
)

CORRECTIONS: tuple[Correction, ...] = (
    Correction(
        "forkserver",
        "3.14 makes forkserver the default start method.",
        "true",
        "On Unix other than macOS. macOS and Windows stay on spawn. Arguments and functions must pickle.",
        "What's New in Python 3.14",
        WHATSNEW_314,
    ),
    Correction(
        "thread_safe_loop",
        '3.14 "guarantees thread-safe event loop access".',
        "false",
        "Almost no asyncio object is thread-safe. From another thread, use `loop.call_soon_threadsafe()` or "
        "`asyncio.run_coroutine_threadsafe()`. What 3.14 added is support for free-threaded builds: one loop per "
        "thread, in parallel.",
        "asyncio: concurrency and multithreading",
        ASYNCIO_DEV_DOCS,
    ),
    Correction(
        "loop_faster",
        'The 3.14 event loop is "10-20% faster".',
        "partly",
        "What's New reports 10-20% on standard benchmarks from the per-thread task list: task bookkeeping, "
        "not the whole loop.",
        "What's New in Python 3.14",
        WHATSNEW_314,
    ),
    Correction(
        "task_errors",
        '3.14 has "better error reporting: which task failed".',
        "false",
        "Not a 3.14 feature: TaskGroup has raised ExceptionGroup since 3.11. New in 3.14 are "
        "`asyncio.capture_call_graph()`, `print_call_graph()`, the ps/pstree tools and pdb's `$_asynctask`.",
        "asyncio call graph introspection",
        ASYNCIO_GRAPH_DOCS,
    ),
    Correction(
        "free_threading_cost",
        'Free-threading costs "5-10% single-threaded".',
        "true",
        "True for 3.14. In 3.13, where the build was experimental, it cost about 40% on pyperformance.",
        "Python support for free threading (HOWTO)",
        FREE_THREADING_HOWTO,
    ),
    Correction(
        "context_inheritance",
        '3.14 multiprocessing has "context inheritance".',
        "not found",
        "No such multiprocessing feature. The nearby fact: on free-threaded builds `threading.Thread` copies the "
        "caller's contextvars by default.",
        "What's New in Python 3.14",
        WHATSNEW_314,
    ),
    Correction(
        "thread_memory",
        'A thread costs "~80MB" (the selector\'s sample output).',
        "false",
        "An idle thread costs about 16 KiB of resident memory; its 8 MiB stack is virtual. A bare worker process "
        "costs about 10-15 MiB, more once it imports heavy libraries. Measure on your host.",
        "threading.stack_size (the stack is reserved address space; resident sizes measured on the lab's hosts)",
        THREADING_DOCS,
    ),
    Correction(
        "free_threading_speedup",
        "Free-threading gives 2-4x on 4 cores.",
        "partly",
        "Plausible for pure-Python CPU work that shares little: measure it. Contention on shared objects, and C "
        "extensions that turn the GIL back on, take the speedup away.",
        "Python support for free threading (HOWTO)",
        FREE_THREADING_HOWTO,
    ),
)

# `python -m asyncio ps/pstree` reads another process's memory: who may do that, per platform.
ASYNCIO_PS_STEPS: tuple[str, ...] = (
    "Needs Python 3.14, the same version and the same free-threading setting as the program you inspect.",
    "Start the program (any asyncio program) and note its PID, e.g. with `pgrep -f yourscript.py`.",
    "`python3.14 -m asyncio ps PID` lists its tasks: name, coroutine stack, and which task awaits it.",
    "`python3.14 -m asyncio pstree PID` draws the await tree, and reports await cycles.",
    "The tool reads the target's memory without running code in it. Linux: it needs ptrace rights "
    "(CAP_SYS_PTRACE, or Yama's /proc/sys/kernel/yama/ptrace_scope allowing it, else run it as root). "
    "macOS: run it as root. Windows: run it as an administrator.",
)


@dataclass(frozen=True)
class LiveFacts:
    """What one interpreter on this host shows of the changes above."""

    label: str
    version: str
    build: str
    gil_enabled: str
    default_start_method: str
    interpreter_pool: str
    note: str


def _minor(version: str) -> tuple[int, int]:
    major, minor = (int(part) for part in version.split(".")[:2])
    return major, minor


def live_facts(interpreters: Sequence[Interpreter]) -> tuple[LiveFacts, ...]:
    """One row per working interpreter, each with a note tying its facts to the changes above."""
    rows = []
    for interpreter in interpreters:
        if not interpreter.ok:
            continue
        version = _minor(interpreter.version)
        notes = []
        if interpreter.free_threaded_build and interpreter.gil_enabled:
            notes.append("free-threaded build, but the GIL is on now")
        if version >= (3, 14) and interpreter.default_start_method == "forkserver":
            notes.append("3.14's forkserver default")
        elif version >= (3, 14):
            notes.append(f"this platform stays on {interpreter.default_start_method}")
        elif interpreter.default_start_method == "fork":
            notes.append("fork: workers inherit the parent's memory (3.14 changes this on Linux)")
        if version < (3, 14):
            notes.append("no InterpreterPoolExecutor before 3.14")
        rows.append(
            LiveFacts(
                label=interpreter.path,
                version=interpreter.version,
                build=interpreter.build,
                gil_enabled="yes" if interpreter.gil_enabled else "no",
                default_start_method=interpreter.default_start_method,
                interpreter_pool="yes" if interpreter.interpreter_pool else "no",
                note="; ".join(notes),
            )
        )
    return tuple(sorted(rows, key=lambda row: _minor(row.version)))
