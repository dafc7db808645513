"""What changed for concurrency in Python 3.13 and 3.14, rendered from the facts table, and live facts per interpreter.

Each change and each "the lesson says / what holds" note names the facts it quotes (engine.lesson.facts) and links
their CPython docs or PEPs; no figure is written here. Live facts come from engine.host's interpreter discovery.
No streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.host import Interpreter
from engine.lesson.facts import fact


def _statements(fact_ids: Sequence[str]) -> str:
    return " ".join(fact(fact_id).statement for fact_id in fact_ids)


def _sources(fact_ids: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """(document and section, link) of each fact, in order, each link once."""
    seen: dict[str, tuple[str, str]] = {}
    for fact_id in fact_ids:
        quoted = fact(fact_id)
        seen.setdefault(quoted.url, (quoted.source, quoted.url))
    return tuple(seen.values())


@dataclass(frozen=True)
class Change:
    """One change that matters for choosing a concurrency approach: the facts that state it."""

    id: str
    version: str  # "3.13" or "3.14"
    title: str
    facts: tuple[str, ...]

    @property
    def what(self) -> str:
        """The change in words: the statements of its facts."""
        return _statements(self.facts)

    @property
    def sources(self) -> tuple[tuple[str, str], ...]:
        return _sources(self.facts)


@dataclass(frozen=True)
class Correction:
    """A claim of the lesson, and what holds according to the facts it quotes."""

    id: str
    lesson_says: str
    verdict: str  # true | partly | false | not found
    facts: tuple[str, ...]
    note: str = ""  # what the facts' statements leave to say about the lesson's claim (no figures)

    @property
    def what_holds(self) -> str:
        return " ".join(part for part in (self.note, _statements(self.facts)) if part)

    @property
    def sources(self) -> tuple[tuple[str, str], ...]:
        return _sources(self.facts)


def _value(fact_id: str) -> str:
    return fact(fact_id).value


CHANGES: tuple[Change, ...] = (
    Change(
        "free_threading_313",
        "3.13",
        "An experimental free-threaded build (PEP 703)",
        ("free_threaded_build_313", "ft_cost_313"),
    ),
    Change(
        "process_cpu_count",
        "3.13",
        "os.process_cpu_count()",
        ("process_cpu_count_affinity", "thread_pool_default_workers"),
    ),
    Change("queue_shutdown", "3.13", "asyncio.Queue.shutdown()", ("queue_shutdown_313",)),
    Change(
        "free_threading_supported",
        "3.14",
        "Free-threading is supported, and optional (PEP 779)",
        ("ft_supported_314", "ft_cost_314", "ft_cost_314_howto", "gil_reenabled_by_extension"),
    ),
    Change(
        "interpreter_pool",
        "3.14",
        "InterpreterPoolExecutor and concurrent.interpreters (PEP 734)",
        ("interpreter_pool_314", "interpreters_no_shared_mutable", "interp_pool_startup"),
    ),
    Change(
        "forkserver_default",
        "3.14",
        "forkserver is the default start method on Unix other than macOS",
        ("forkserver_default_314", "main_reimported", "pickle_callable_every_method"),
    ),
    Change("process_interrupt", "3.14", "Process.interrupt()", ("process_interrupt_314",)),
    Change(
        "pool_terminate",
        "3.14",
        "ProcessPoolExecutor.terminate_workers() and kill_workers(); Executor.map(buffersize=)",
        ("pool_terminate_workers_314", "executor_map_buffersize"),
    ),
    Change(
        "asyncio_free_threading",
        "3.14",
        "asyncio on free-threaded builds, a per-thread task list, and get_event_loop()",
        ("asyncio_free_threaded_314", "asyncio_314_task_speedup", "get_event_loop_314"),
    ),
    Change(
        "asyncio_introspection",
        "3.14",
        "asyncio introspection: call graphs and ps/pstree",
        ("asyncio_introspection_314", "asyncio_ps_permissions"),
    ),
    Change(
        "thread_context",
        "3.14",
        "Threads inherit the caller's context on free-threaded builds",
        ("thread_inherit_context",),
    ),
)

CORRECTIONS: tuple[Correction, ...] = (
    Correction(
        "forkserver",
        "3.14 makes forkserver the default start method.",
        "true",
        ("forkserver_default_314", "main_reimported"),
        note="On Unix other than macOS.",
    ),
    Correction(
        "thread_safe_loop",
        '3.14 "guarantees thread-safe event loop access".',
        "false",
        ("asyncio_not_thread_safe", "asyncio_free_threaded_314"),
        note="What 3.14 added is support for free-threaded builds, not thread safety.",
    ),
    Correction(
        "loop_faster",
        f"The 3.14 event loop is faster by {_value('asyncio_314_task_speedup')}.",
        "partly",
        ("asyncio_314_task_speedup",),
        note="The figure is What's New's, for task bookkeeping, not for everything the loop does.",
    ),
    Correction(
        "task_errors",
        '3.14 has "better error reporting: which task failed".',
        "false",
        ("taskgroup_311", "asyncio_introspection_314"),
        note="Not a 3.14 feature.",
    ),
    Correction(
        "free_threading_cost",
        f"Free-threading costs {_value('ft_cost_314')} single-threaded.",
        "true",
        ("ft_cost_314", "ft_cost_314_howto", "ft_cost_313"),
        note="True for 3.14; 3.13's experimental build cost far more.",
    ),
    Correction(
        "context_inheritance",
        '3.14 multiprocessing has "context inheritance".',
        "not found",
        ("thread_inherit_context",),
        note="No such multiprocessing feature. The nearby fact:",
    ),
    Correction(
        "thread_memory",
        f"Each thread costs {_value('lesson_thread_memory_claim')} (the selector's sample output).",
        "false",
        ("thread_idle_rss", "thread_stack_virtual", "bare_interpreter_rss", "lab_worker_rss"),
        note="Far less: measure it on your host, and say which process was measured.",
    ),
    Correction(
        "free_threading_speedup",
        f"Free-threading gives {_value('ft_speedup_plausible')}.",
        "partly",
        ("ft_speedup_plausible",),
        note="Plausible, not promised: measure it.",
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
# The facts the steps above put in the app's words, for their sources.
ASYNCIO_PS_FACTS: tuple[str, ...] = ("asyncio_introspection_314", "asyncio_ps_permissions")


def asyncio_ps_sources() -> tuple[tuple[str, str], ...]:
    """Where the ps/pstree steps are documented."""
    return _sources(ASYNCIO_PS_FACTS)


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
