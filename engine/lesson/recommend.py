"""The recommendation engine: a WorkloadProfile in, a Recommendation out.

Follows the lesson's decision tree (engine/lesson/framework.py), refines it where FACTS.md says so, and
estimates speedup and memory from stated models fed by this host's calibration or by labelled
defaults from FACTS.md. Never imports streamlit; never shows a figure without its basis.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from engine.bench.results import band_wording, speedup_band
from engine.errors import InputError
from engine.lesson import framework
from engine.lesson.templates import APPROACH_EXECUTOR, benchmark_template, migration_guide

if TYPE_CHECKING:
    from engine.bench.calibrate import Calibration

PYTHON_BUILDS: tuple[str, ...] = ("gil", "free-threaded", "subinterpreters")
CURRENT_APPROACHES: tuple[str, ...] = ("single_threaded", "threads", "multiprocessing", "asyncio")
EFFORT_LEVELS: tuple[str, ...] = ("none", "low", "medium", "high")

PROCESS_APPROACHES = frozenset({"multiprocessing", "asyncio_multiprocessing", "distributed"})
THREAD_APPROACHES = frozenset({"threads", "free_threaded", "free_threaded_asyncio"})
FREE_THREADED_APPROACHES = frozenset({"free_threaded", "free_threaded_asyncio"})
ASYNC_APPROACHES = frozenset({"asyncio", "free_threaded_asyncio", "asyncio_multiprocessing"})

# Stated defaults, each from shared/FACTS.md, used when this host has no calibration.
FACTS_THREAD_RSS_MB = 16 / 1024  # an idle thread: about 16 KiB resident (its 8 MiB stack is virtual)
FACTS_PROCESS_RSS_MB = (10.0, 15.0)  # a bare worker process: about 10-15 MiB RSS
FACTS_FREE_THREADED_COST = (0.05, 0.10)  # 3.14 free-threaded build: about 5-10% slower single-threaded
FACTS_POOL_STARTUP_S = {"interpreters": 0.170, "processes": 0.310}  # two workers each, measured for FACTS.md
# Amdahl's law's low estimate assumes this share of the CPU work stays serial; stated in the basis.
LOW_ESTIMATE_SERIAL_SHARE = 0.10
# A process pool's hand-off is worth a warning once it costs this share of a task (pickling both ways).
HANDOFF_WARNING_SHARE = 0.10

FREE_THREADED_HOWTO = (
    "To get a free-threaded build: the python.org installers for macOS and Windows offer it as an option; "
    "elsewhere build CPython with ./configure --disable-gil or install a packaged python3.14t. 3.14 supports it "
    "officially but optionally (PEP 779)."
)


@dataclass(frozen=True)
class WorkloadProfile:
    """What the user says about the workload: the lesson's five questions and the optional refinements."""

    workload: str
    latency_ms: float
    memory_mb: float
    cores: int
    expensive_startup: bool
    shared_state: bool | None = None
    isolation: bool | None = None
    io_concurrency: int | None = None
    task_ms: float | None = None
    python_build: str | None = None
    releases_gil: bool | None = None
    # What one worker needs once it has loaded the program's imports, as the user measured or knows it.
    worker_memory_mb: float | None = None
    # The data or compute outgrows one machine's cores, memory or disk in the time allowed.
    beyond_one_machine: bool | None = None

    def __post_init__(self) -> None:
        for profile_field in fields(self):
            value = getattr(self, profile_field.name)
            if value is not None or profile_field.default is not None:
                check_field(profile_field.name, value)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> WorkloadProfile:
        """A profile from JSON, TOML, form or CLI values (numbers may be strings; yes/no for flags)."""
        names = [profile_field.name for profile_field in fields(cls)]
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise InputError(unknown[0], "is not a profile field", ", ".join(names))
        missing = [name for name in names[:5] if data.get(name) is None]
        if missing:
            raise InputError(missing[0], "is missing", FIELD_ACCEPTS[missing[0]])
        return cls(**{name: parse_field(name, data[name]) for name in names if data.get(name) is not None})


# What each field accepts, in words, for error messages and prompts.
FIELD_ACCEPTS: dict[str, str] = {
    "workload": ", ".join(framework.WORKLOAD_KINDS),
    "latency_ms": "a number of milliseconds > 0",
    "memory_mb": "a number of MB > 0",
    "cores": "a whole number >= 1",
    "expensive_startup": "yes or no",
    "shared_state": "yes or no",
    "isolation": "yes or no",
    "io_concurrency": "a whole number >= 1",
    "task_ms": "a number of milliseconds > 0",
    "python_build": ", ".join(PYTHON_BUILDS),
    "releases_gil": "yes or no",
    "worker_memory_mb": "a number of MB > 0",
    "beyond_one_machine": "yes or no",
}
_YES = ("y", "yes", "true", "1")
_NO = ("n", "no", "false", "0")


def parse_field(name: str, value: Any) -> Any:
    """One profile field from a loose value (a prompt's text, a form's number), checked; InputError if it won't fit."""
    accepted = FIELD_ACCEPTS[name]
    text = str(value).strip()
    if isinstance(value, bool) and accepted != "yes or no":
        raise InputError(name, f"got {value!r}", accepted)
    if accepted == "yes or no":
        if isinstance(value, bool):
            return value
        if text.lower() not in _YES + _NO:
            raise InputError(name, f"got {value!r}", accepted)
        value = text.lower() in _YES
    elif accepted.startswith("a "):
        try:
            number = float(text)
        except ValueError:
            raise InputError(name, f"got {value!r}", accepted) from None
        whole = accepted.startswith("a whole number")
        if whole and not number.is_integer():
            raise InputError(name, f"got {value!r}", accepted)
        value = int(number) if whole else number
    else:
        value = text
    check_field(name, value)
    return value


def check_field(name: str, value: Any) -> None:
    """Raise InputError naming the field if a typed value does not fit it."""
    accepted = FIELD_ACCEPTS[name]
    if accepted == "yes or no":
        ok = isinstance(value, bool)
    elif accepted.startswith("a whole number"):
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    elif accepted.startswith("a number"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    else:
        ok = value in accepted.split(", ")
    if not ok:
        raise InputError(name, f"got {value!r}", accepted)


@dataclass(frozen=True)
class Costs:
    """What the models are fed: this host's calibration, or FACTS.md's stated defaults; each with its basis."""

    thread_rss_mb: float
    thread_basis: str
    process_rss_mb: float
    process_basis: str
    pool_startup_s: dict[str, float]
    startup_basis: str
    task_overhead_s: dict[str, float]
    measured: bool
    # True when process_rss_mb is the user's own worker_memory_mb rather than a bare worker's RSS.
    users_worker_figure: bool = False


def costs_from(calibration: Calibration | None) -> Costs:
    """The model's inputs: a calibration's measurements when there is one, else FACTS.md's defaults."""
    if calibration is not None:
        where = f"measured on this host ({calibration.measured_at}, Python {calibration.python_version})"
        return Costs(
            thread_rss_mb=calibration.thread_rss_mb,
            thread_basis=f"RSS per thread {where}",
            process_rss_mb=calibration.process_rss_mb,
            process_basis=f"RSS per worker process {where}",
            pool_startup_s={**FACTS_POOL_STARTUP_S, **calibration.pool_startup_s},
            startup_basis=f"pool start-up {where}",
            task_overhead_s=dict(calibration.task_overhead_s),
            measured=True,
        )
    return Costs(
        thread_rss_mb=FACTS_THREAD_RSS_MB,
        thread_basis="no calibration on this host: FACTS.md's figure, an idle thread costs about 16 KiB resident",
        process_rss_mb=FACTS_PROCESS_RSS_MB[1],
        process_basis=(
            "no calibration on this host: FACTS.md's figure, a bare worker process costs about 10-15 MiB RSS "
            "(the upper end is used; your imports and data add to it)"
        ),
        pool_startup_s=dict(FACTS_POOL_STARTUP_S),
        startup_basis=(
            "no calibration on this host: FACTS.md's measurement, about 170 ms for an InterpreterPoolExecutor of "
            "two and 310 ms for a forkserver pool of two"
        ),
        task_overhead_s={},
        measured=False,
    )


def with_users_worker_figure(costs: Costs, profile: WorkloadProfile) -> Costs:
    """The user's worker_memory_mb, when given, replaces the calibration's or FACTS.md's per-worker figure.

    It sizes the workers that load their own copy of the program's imports (processes, subinterpreters);
    threads share the one interpreter's imports, so their figure stays.
    """
    if profile.worker_memory_mb is None:
        return costs
    return replace(
        costs,
        process_rss_mb=profile.worker_memory_mb,
        process_basis=(
            f"your figure: {profile.worker_memory_mb:g} MB per worker once it has loaded what your program imports "
            "(worker_memory_mb)"
        ),
        users_worker_figure=True,
    )


def load_costs() -> Costs:
    """Costs from engine.bench.calibrate's saved calibration when that module and a calibration exist."""
    try:
        from engine.bench.calibrate import load_calibration
    except ImportError:
        return costs_from(None)
    return costs_from(load_calibration())


@dataclass(frozen=True)
class Speedup:
    value: float | None
    low: float | None
    high: float | None
    basis: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "low": self.low, "high": self.high, "basis": self.basis}


@dataclass(frozen=True)
class MemoryEstimate:
    per_worker_mb: float
    workers: int
    total_mb: float
    budget_mb: float
    fits: bool
    basis: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "per_worker_mb": round(self.per_worker_mb, 3),
            "workers": self.workers,
            "total_mb": round(self.total_mb, 3),
            "budget_mb": self.budget_mb,
            "fits": self.fits,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class Effort:
    level: str
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "why": self.why}


@dataclass(frozen=True)
class Alternative:
    approach: str
    when: str
    tradeoff: str

    def to_dict(self) -> dict[str, Any]:
        return {"approach": self.approach, "when": self.when, "tradeoff": self.tradeoff}


@dataclass(frozen=True)
class Recommendation:
    """The answer: an approach with its reasons, path, estimates, alternatives, template and guide."""

    approach: str
    title: str
    reasoning: tuple[str, ...]
    decision: framework.DecisionPath
    expected_speedup: Speedup
    memory: MemoryEstimate
    migration_effort: Effort
    alternatives: tuple[Alternative, ...]
    benchmark_template: str
    migration_guide: tuple[str, ...]
    preset: str
    profile: WorkloadProfile = field(repr=False)
    # Steps past the tree's leaf, where a fact the tree does not ask about changed the answer.
    refinements: tuple[str, ...] = ()

    @property
    def decision_path(self) -> list[str]:
        return self.decision.describe() + list(self.refinements)

    def to_dict(self) -> dict[str, Any]:
        """Exactly DESIGN.md's keys."""
        return {
            "approach": self.approach,
            "title": self.title,
            "reasoning": list(self.reasoning),
            "decision_path": self.decision_path,
            "expected_speedup": self.expected_speedup.to_dict(),
            "memory": self.memory.to_dict(),
            "migration_effort": self.migration_effort.to_dict(),
            "alternatives": [alternative.to_dict() for alternative in self.alternatives],
            "benchmark_template": self.benchmark_template,
            "migration_guide": list(self.migration_guide),
        }


# When each approach wins and what it costs; every claim per FACTS.md.
APPROACH_TRADEOFFS: dict[str, tuple[str, str]] = {
    "single_threaded": (
        "the work cannot be split, or runs so briefly that pool start-up and hand-off cost more than they save",
        "one core; the simplest code to run, test and debug",
    ),
    "free_threaded": (
        "pure-Python CPU work that splits into parts sharing objects, on a free-threaded build (python3.14t)",
        "single-threaded code runs about 5-10% slower in 3.14; shared objects need a thread-safety review; "
        "a C extension not declared free-threading-safe turns the GIL back on",
    ),
    "multiprocessing": (
        "CPU work in independent parts, or a crash must stay inside its worker",
        "functions, arguments and results must pickle; each worker is a whole interpreter (about 10-15 MiB RSS "
        "bare, more with imports) with its own start-up",
    ),
    "asyncio": (
        "many concurrent waits (network, sockets) served by async libraries",
        "one core; any blocking call stalls every task; needs async libraries all the way down",
    ),
    "free_threaded_asyncio": (
        "waits and CPU work together, on a free-threaded build",
        "needs python3.14t; asyncio objects are not thread-safe: hand results back with "
        "loop.call_soon_threadsafe() or asyncio.run_coroutine_threadsafe()",
    ),
    "threads": (
        "blocking I/O, or CPU work in C code that releases the GIL (zlib, hashlib on large buffers, bz2, lzma, NumPy)",
        "on a GIL build pure-Python code does not run in parallel; shared state needs locks",
    ),
    "asyncio_multiprocessing": (
        "waits and CPU work together on a GIL build: the loop overlaps the waits, a process pool computes",
        "CPU work crosses a process boundary (pickling both ways); two models to manage",
    ),
    "subinterpreters": (
        "pure-Python CPU work in parallel inside one process, on 3.14 (InterpreterPoolExecutor)",
        "callables, arguments and results are pickled; functions defined in __main__ cannot be used; many "
        "extension modules do not load yet; start-up is not yet optimized",
    ),
    "distributed": (
        "the work outgrows one machine's cores or memory",
        "network hand-off, deployment and failure handling; prove the speedup on one machine first",
    ),
}

# Candidates to compare, per workload kind, in the order a reader should weigh them.
_KIND_CANDIDATES: dict[str, tuple[str, ...]] = {
    "cpu_sequential": ("single_threaded", "multiprocessing"),
    "cpu_parallel_shared": ("free_threaded", "multiprocessing", "subinterpreters", "threads", "distributed"),
    "cpu_parallel_isolated": ("multiprocessing", "subinterpreters", "free_threaded", "distributed"),
    "io_bound": ("asyncio", "threads", "single_threaded"),
    "hybrid": ("free_threaded_asyncio", "asyncio_multiprocessing", "subinterpreters", "asyncio", "threads"),
}
# On a GIL build the free-threaded answers fall back to these (and to subinterpreters on 3.14).
_GIL_FALLBACK: dict[str, str] = {"free_threaded": "multiprocessing", "free_threaded_asyncio": "asyncio_multiprocessing"}


def tree_answers(profile: WorkloadProfile) -> dict[str, bool]:
    """The answers to the lesson's tree that the profile gives; explicit shared_state/isolation win."""
    kind = profile.workload
    return {
        "waits_on_io": kind in ("io_bound", "hybrid"),
        "cpu_too": kind == "hybrid",
        "needs_parallelism": kind != "cpu_sequential",
        "shared_state": profile.shared_state if profile.shared_state is not None else kind == "cpu_parallel_shared",
        "isolation": profile.isolation if profile.isolation is not None else kind == "cpu_parallel_isolated",
    }


def _refine(profile: WorkloadProfile, path: framework.DecisionPath) -> tuple[str, list[str], str | None]:
    """The tree's approach refined by FACTS.md: (approach, reasons, fallback to name first among alternatives)."""
    approach = path.approach
    reasons = [
        f"Workload {profile.workload!r} ({framework.WORKLOAD_TITLES[path.kind]}): the lesson's tree leads to "
        f"{framework.APPROACH_TITLES[approach]}. {framework.table_row(path.kind).why}"
    ]
    if path.kind != profile.workload:
        reasons.append(
            f"Your answers on shared state ({_yes_no(profile.shared_state)}) and isolation "
            f"({_yes_no(profile.isolation)}) take the tree to {framework.WORKLOAD_TITLES[path.kind]}."
        )
    fallback = None
    cpu_kind = path.kind.startswith("cpu_")
    if profile.cores == 1 and approach in framework.PARALLEL_CPU_APPROACHES:
        approach = "asyncio" if path.kind == "hybrid" else "single_threaded"
        reasons.append(
            "cores = 1: one usable core runs one piece of CPU work at a time, so no parallel approach can speed "
            f"the CPU part up; {framework.APPROACH_TITLES[approach]} avoids paying for workers that would only "
            "take turns."
        )
        return approach, reasons, fallback
    if profile.releases_gil and (path.kind == "hybrid" or (cpu_kind and path.kind != "cpu_sequential")):
        if path.kind == "cpu_parallel_isolated" and profile.isolation:
            reasons.append(
                "releases_gil = yes would make threads enough for speed, but you need isolation (crash "
                "containment), which only separate processes give."
            )
        else:
            approach = "threads"
            reasons.append(
                "releases_gil = yes: C code that releases the GIL (zlib, hashlib on large buffers, bz2, lzma, "
                "NumPy) runs in parallel in plain threads even on a GIL build, with no pickling and no new "
                "interpreter: threads are enough."
            )
    if approach in FREE_THREADED_APPROACHES:
        gil_fallback = _GIL_FALLBACK[approach]
        if profile.python_build == "gil":
            approach = gil_fallback
            reasons.append(
                "python_build = gil: free-threading is not available to you, so the fallback is "
                f"{framework.APPROACH_TITLES[approach]}; on 3.14, subinterpreters (InterpreterPoolExecutor) are the "
                f"in-process option. {FREE_THREADED_HOWTO}"
            )
        elif profile.python_build == "subinterpreters":
            approach = "subinterpreters"
            reasons.append(
                "python_build = subinterpreters: on a 3.14 GIL build, InterpreterPoolExecutor runs one interpreter "
                "per worker thread, each with its own GIL, so CPU work runs in parallel inside one process"
                + (" (hand it work from the event loop with loop.run_in_executor)." if path.kind == "hybrid" else ".")
                + " Nothing is shared between interpreters: state travels pickled."
            )
            fallback = gil_fallback
        elif profile.python_build is None:
            fallback = gil_fallback
            reasons.append(
                "You did not say which Python you can run: this answer needs a free-threaded build. On a GIL "
                f"build the fallback is {framework.APPROACH_TITLES[gil_fallback]} (the first alternative). "
                + FREE_THREADED_HOWTO
            )
        else:
            reasons.append(
                "python_build = free-threaded: threads run Python code on every core. Check "
                "sys._is_gil_enabled() at run time: a C extension not declared free-threading-safe turns the GIL "
                "back on."
            )
    if path.kind == "cpu_sequential" and profile.python_build == "free-threaded":
        reasons.append(
            "python_build = free-threaded: with nothing to run in parallel, a free-threaded build only costs: "
            "about 5-10% slower single-threaded in 3.14 (about 40% in 3.13). Run this on a GIL build if you can."
        )
    return approach, reasons, fallback


def _yes_no(value: bool | None) -> str:
    return "unsaid" if value is None else ("yes" if value else "no")


def _workers(approach: str, profile: WorkloadProfile) -> int:
    """How many workers the approach runs: one per usable core for CPU work, one loop for plain asyncio."""
    if approach in ("single_threaded", "asyncio"):
        return 1
    if approach == "threads" and not profile.releases_gil:
        # Threads for blocking I/O: one per concurrent operation; the CPU count does not limit them.
        return profile.io_concurrency or profile.cores
    return profile.cores


def _per_worker(approach: str, costs: Costs) -> tuple[float, str]:
    if approach in PROCESS_APPROACHES:
        return costs.process_rss_mb, costs.process_basis
    if approach == "subinterpreters" and costs.users_worker_figure:
        return costs.process_rss_mb, f"{costs.process_basis}; each subinterpreter loads its own copy of the imports"
    if approach == "subinterpreters":
        return costs.process_rss_mb, (
            "no figure for one subinterpreter has been measured: it shares the process but loads its own modules, "
            f"so a bare process's RSS is used as an upper bound ({costs.process_basis})"
        )
    if approach in THREAD_APPROACHES:
        return costs.thread_rss_mb, costs.thread_basis
    return 0.0, "no extra thread or process: the work runs in your program's own thread"


def _fit_memory(approach: str, profile: WorkloadProfile, costs: Costs, reasons: list[str]) -> tuple[str, int]:
    """Lower the worker count, or turn away from workers that are whole interpreters, when the budget is short."""
    workers = _workers(approach, profile)
    per_worker, basis = _per_worker(approach, costs)
    heavy = approach in PROCESS_APPROACHES or approach == "subinterpreters"
    if not heavy or workers * per_worker <= profile.memory_mb:
        return approach, workers
    fitting = int(profile.memory_mb // per_worker)
    short = f"memory_mb = {profile.memory_mb:g}: {workers} workers at {per_worker:.1f} MB each would not fit ({basis})"
    if profile.python_build == "free-threaded" and not profile.isolation:
        # Threads share one interpreter and its imports: on a free-threaded build they keep every core busy
        # for kilobytes each, where a pool cut to fit the budget would leave cores idle.
        turned = "free_threaded_asyncio" if profile.workload == "hybrid" else "free_threaded"
        reasons.append(
            f"{short}. python_build = free-threaded: threads share your program's imports and cost about "
            f"{costs.thread_rss_mb * 1024:.0f} KiB each, so {framework.APPROACH_TITLES[turned]} runs on all "
            f"{workers} cores within the budget, where processes would be cut to {fitting}."
        )
        return turned, _workers(turned, profile)
    if fitting >= 2:
        reasons.append(f"{short}, so the pool is lowered to {fitting} workers.")
        return approach, fitting
    if profile.releases_gil:
        turned = "threads"
    elif profile.python_build in ("gil", "subinterpreters"):
        turned = "asyncio" if profile.workload == "hybrid" else "single_threaded"
    elif approach == "asyncio_multiprocessing":
        turned = "free_threaded_asyncio"
    else:
        turned = "free_threaded"
    reasons.append(
        f"memory_mb = {profile.memory_mb:g}: not even two workers of {per_worker:.1f} MB fit ({basis}). Threads "
        f"cost about {costs.thread_rss_mb * 1024:.0f} KiB each, so this turns to {framework.APPROACH_TITLES[turned]}"
        + (" (pure-Python code needs a free-threaded build for that)." if turned.startswith("free") else ".")
    )
    return turned, _workers(turned, profile)


def _memory(approach: str, workers: int, profile: WorkloadProfile, costs: Costs) -> MemoryEstimate:
    per_worker, basis = _per_worker(approach, costs)
    total = per_worker * workers
    return MemoryEstimate(
        per_worker_mb=per_worker,
        workers=workers,
        total_mb=total,
        budget_mb=profile.memory_mb,
        fits=total <= profile.memory_mb,
        basis=f"added by {workers} worker(s) on top of your program; {basis}",
    )


def amdahl(parallel_share: float, workers: int) -> float:
    """Amdahl's law: the speedup of work whose parallel share runs on `workers` at once."""
    return 1.0 / ((1.0 - parallel_share) + parallel_share / workers)


def _speedup(approach: str, workers: int, profile: WorkloadProfile, costs: Costs) -> Speedup:
    """Amdahl's law for the CPU part, overlap for the I/O part, overheads from the calibration if any."""
    if approach == "single_threaded":
        return Speedup(1.0, 1.0, 1.0, "the single-threaded baseline itself")
    notes = []
    executor = APPROACH_EXECUTOR[approach]
    efficiency = 1.0
    overhead = costs.task_overhead_s.get(executor)
    if profile.task_ms is not None and overhead is not None:
        task_s = profile.task_ms / 1000
        efficiency = task_s / (task_s + overhead)
        notes.append(f"per-task overhead {overhead * 1000:.3f} ms for {executor} measured on this host")
    else:
        notes.append(
            "per-task overhead not counted ("
            + ("no task_ms given" if profile.task_ms is None else "no calibration on this host")
            + ")"
        )
    slower_low, slower_high = (0.0, 0.0)
    if approach in FREE_THREADED_APPROACHES:
        slower_low, slower_high = FACTS_FREE_THREADED_COST
        notes.append("free-threaded build about 5-10% slower single-threaded (FACTS.md, 3.14)")
    cpu_parallel = approach in framework.PARALLEL_CPU_APPROACHES or (approach == "threads" and profile.releases_gil)
    cpu_workers = workers if cpu_parallel else 1
    detail = "; ".join(notes)
    io = profile.io_concurrency
    if profile.workload == "io_bound":
        if io is None:
            return Speedup(None, None, None, "the overlap model needs io_concurrency (how many waits at once)")
        return Speedup(
            round(io * efficiency, 2), round(io * efficiency, 2), float(io), f"overlap of {io} waits; {detail}"
        )
    serial = LOW_ESTIMATE_SERIAL_SHARE
    cpu_high = cpu_workers * efficiency / (1 + slower_low)
    cpu_value = cpu_workers * efficiency / (1 + (slower_low + slower_high) / 2)
    cpu_low = amdahl(1 - serial, cpu_workers) * efficiency / (1 + slower_high)
    cpu_basis = (
        f"Amdahl's law on {cpu_workers} worker(s): high and value with all the CPU work parallel, low with "
        f"{serial:.0%} of it serial"
    )
    if profile.workload == "hybrid" and io is not None:
        # The split between waiting and computing is unknown: the total lies between the two parts' speedups.
        value = 2 / (1 / cpu_value + 1 / io)
        basis = (
            f"{cpu_basis}; overlap of {io} waits for the I/O part; the total lies between the two parts' "
            f"speedups (value: if waiting and computing take equal time); {detail}"
        )
        return Speedup(round(value, 2), round(min(cpu_low, io), 2), round(max(cpu_high, io), 2), basis)
    if profile.workload == "hybrid":
        cpu_basis += "; CPU part only: overlapping the waits adds more (io_concurrency not given)"
    return Speedup(round(cpu_value, 2), round(cpu_low, 2), round(cpu_high, 2), f"{cpu_basis}; {detail}")


def _pool_notes(approach: str, profile: WorkloadProfile, costs: Costs) -> list[str]:
    """Start-up and hand-off cautions for pools: expensive start-up, tight latency, small tasks."""
    notes = []
    executor = APPROACH_EXECUTOR[approach]
    pooled = approach not in ("single_threaded", "asyncio")
    if profile.expensive_startup:
        if pooled:
            notes.append(
                "expensive_startup = yes: start one long-lived pool and load once per worker with initializer=; "
                + (
                    "with forkserver, multiprocessing.set_forkserver_preload() imports heavy modules once."
                    if approach in PROCESS_APPROACHES
                    else "never start a pool per request."
                )
            )
        else:
            notes.append("expensive_startup = yes: do the start-up once, when the program starts, and reuse it.")
    if approach in PROCESS_APPROACHES or approach == "subinterpreters":
        kind = "interpreters" if approach == "subinterpreters" else "processes"
        startup_s = costs.pool_startup_s.get(kind)
        if startup_s is not None and profile.latency_ms < startup_s * 1000:
            notes.append(
                f"latency_ms = {profile.latency_ms:g}: starting the pool takes about {startup_s * 1000:.0f} ms "
                f"({costs.startup_basis}), more than your latency: start it before the first request."
            )
        overhead = costs.task_overhead_s.get(executor)
        small_tasks = profile.task_ms is not None and (
            overhead is None or overhead * 1000 >= HANDOFF_WARNING_SHARE * profile.task_ms
        )
        tight = startup_s is not None and profile.latency_ms < startup_s * 1000
        if small_tasks or tight:
            measured = (
                f"measured here at {overhead * 1000:.3f} ms per task"
                if overhead is not None
                else "not measured on this host yet: run the calibration on the Benchmark page"
            )
            notes.append(
                "Pickling cost: every task's arguments and results are pickled to and from the worker "
                f"({measured}). With small tasks and a tight latency, batch them (chunksize=, or buffersize= in "
                "3.14's Executor.map) and send little data."
            )
    return notes


def alternatives(approach: str, profile: WorkloadProfile, fallback: str | None) -> tuple[Alternative, ...]:
    """The other approaches worth weighing, fallback first, each with when it wins and its trade-off."""
    ordered = ([fallback] if fallback else []) + list(_KIND_CANDIDATES[profile.workload])
    if approach != "threads" and profile.releases_gil:
        ordered.insert(1 if fallback else 0, "threads")
    chosen: list[str] = []
    for candidate in ordered:
        if candidate == approach or candidate in chosen:
            continue
        if profile.cores == 1 and candidate in framework.PARALLEL_CPU_APPROACHES and candidate != "distributed":
            continue
        if profile.python_build == "gil" and candidate in FREE_THREADED_APPROACHES:
            continue
        chosen.append(candidate)
    return tuple(Alternative(candidate, *APPROACH_TRADEOFFS[candidate]) for candidate in chosen)


_TRAIT_WORK: dict[str, tuple[str, str]] = {
    "async": ("high", "the I/O path becomes async end to end (async libraries, no blocking calls in coroutines)"),
    "processes": ("medium", "work moves to processes: an import guard, picklable functions and arguments"),
    "threads": ("medium", "shared mutable state needs a thread-safety review"),
    "free_threaded_build": ("medium", "a new interpreter (free-threaded build) and a check of every C extension"),
    "interpreters": ("medium", "work moves to an importable module run by InterpreterPoolExecutor (Python 3.14)"),
    "cluster": ("high", "deployment, a task queue and failure handling across machines"),
}
_TRAITS: dict[str, frozenset[str]] = {
    "single_threaded": frozenset(),
    "threads": frozenset({"threads"}),
    "free_threaded": frozenset({"threads", "free_threaded_build"}),
    "multiprocessing": frozenset({"processes"}),
    "asyncio": frozenset({"async"}),
    "free_threaded_asyncio": frozenset({"async", "threads", "free_threaded_build"}),
    "asyncio_multiprocessing": frozenset({"async", "processes"}),
    "subinterpreters": frozenset({"interpreters"}),
    "distributed": frozenset({"processes", "cluster"}),
}


def migration_effort(current: str, approach: str, *, node: str | None = None) -> Effort:
    """How much changes from what runs now to the recommendation (on each `node`, when distributed), and why."""
    if current == approach:
        return Effort("none", f"you already run {framework.APPROACH_TITLES[approach]}: tune and measure it")
    traits = _TRAITS[approach] | (_TRAITS[node] if node is not None else frozenset())
    new = sorted(traits - _TRAITS[current])
    if not new:
        return Effort("low", f"moving from {framework.APPROACH_TITLES[current]} mostly removes machinery")
    levels = [_TRAIT_WORK[trait][0] for trait in new]
    level = "high" if "high" in levels or len(new) >= 3 else "medium"
    return Effort(level, "; ".join(_TRAIT_WORK[trait][1] for trait in new))


def benchmark_preset(approach: str, profile: WorkloadProfile) -> str:
    """The benchmark page's preset that proves (or disproves) this recommendation."""
    if profile.releases_gil:
        return "c_releases_gil"
    if profile.workload == "io_bound":
        return "io_wait"
    if profile.workload == "hybrid":
        return "hybrid"
    if approach == "single_threaded":
        return "overhead_size"
    return "gil_cpu"


def recommend(
    profile: WorkloadProfile, *, current: str = "single_threaded", calibration: Calibration | None = None
) -> Recommendation:
    """The recommendation for a profile: the tree's answer refined by the facts, with its numbers and basis."""
    if current not in CURRENT_APPROACHES:
        raise InputError("current", f"got {current!r}", ", ".join(CURRENT_APPROACHES))
    costs = with_users_worker_figure(costs_from(calibration) if calibration is not None else load_costs(), profile)
    path = framework.walk(tree_answers(profile))
    approach, reasons, fallback = _refine(profile, path)
    approach, workers = _fit_memory(approach, profile, costs, reasons)
    reasons.extend(_pool_notes(approach, profile, costs))
    speedup = _speedup(approach, workers, profile, costs)
    if profile.beyond_one_machine:
        return _distributed(profile, current, path, approach, workers, speedup, reasons, fallback, costs)
    if speedup.value is not None:
        band = speedup_band(speedup.value)
        reasons.append(
            f"Expected {speedup.value:.2f}x against single-threaded: {band_wording(band)} (a model until measured; "
            f"the benchmark template proves it on your {profile.cores} core(s))."
        )
    options = alternatives(approach, profile, fallback)
    return Recommendation(
        approach=approach,
        title=framework.APPROACH_TITLES[approach],
        reasoning=tuple(reasons),
        decision=path,
        expected_speedup=speedup,
        memory=_memory(approach, workers, profile, costs),
        migration_effort=migration_effort(current, approach),
        alternatives=options,
        benchmark_template=benchmark_template(approach, profile, [option.approach for option in options]),
        migration_guide=tuple(migration_guide(current, approach, profile)),
        preset=benchmark_preset(approach, profile),
        profile=profile,
    )


def _distributed(
    profile: WorkloadProfile,
    current: str,
    path: framework.DecisionPath,
    node: str,
    workers: int,
    node_speedup: Speedup,
    reasons: list[str],
    fallback: str | None,
    costs: Costs,
) -> Recommendation:
    """beyond_one_machine = yes: spread the work over machines, each running the single-machine answer (`node`)."""
    node_title = framework.APPROACH_TITLES[node]
    reasons.insert(
        0,
        "beyond_one_machine = yes: the work outgrows what one machine's cores, memory or disk can do in the time "
        "allowed, and no approach inside one machine goes past that machine. Spread it over machines "
        f"(a job queue or a cluster framework), each running {node_title}, the single-machine answer below.",
    )
    if path.kind == "cpu_sequential":
        reasons.insert(
            1,
            "Your work runs in steps that depend on each other: more machines help only with the parts that "
            "split (separate inputs, separate runs); a chain of dependent steps needs a faster machine or a "
            "different algorithm.",
        )
    per_node = "not estimated" if node_speedup.value is None else f"modelled at {node_speedup.value:.2f}x"
    speedup = Speedup(
        None,
        None,
        None,
        "it depends on how many machines you add, less the network hand-off; each machine running "
        f"{node_title} is {per_node} ({node_speedup.basis})",
    )
    reasons.append(
        f"The benchmark template measures {node_title} on one machine: the per-machine speedup that more "
        "machines multiply, at best."
    )
    node_alternative = Alternative(
        node,
        "on each machine of the cluster; and alone, if the work can be cut to fit one machine (less data, a later "
        "deadline)",
        APPROACH_TRADEOFFS[node][1],
    )
    others = [option for option in alternatives("distributed", profile, fallback) if option.approach != node]
    options = (node_alternative, *others)
    node_memory = _memory(node, workers, profile, costs)
    guide = migration_guide(current, node, profile)
    guide.insert(
        len(guide) - 1,
        f"Spread the work over machines: a job queue or a cluster framework hands each machine a share, and each "
        f"runs {node_title}. Tasks and results cross the network serialized: module-level functions, small "
        "arguments and results. Make tasks safe to retry, for a machine can fail mid-job; and prove the "
        "per-machine speedup first.",
    )
    return Recommendation(
        approach="distributed",
        title=framework.APPROACH_TITLES["distributed"],
        reasoning=tuple(reasons),
        decision=path,
        expected_speedup=speedup,
        memory=replace(node_memory, basis=f"on each machine, for its {node_title} workers: {node_memory.basis}"),
        migration_effort=migration_effort(current, "distributed", node=node),
        alternatives=options,
        benchmark_template=benchmark_template(node, profile, [option.approach for option in others]),
        migration_guide=tuple(guide),
        preset=benchmark_preset(node, profile),
        profile=profile,
        refinements=(
            "Beyond one machine? Yes (beyond_one_machine).",
            f"-> {framework.APPROACH_TITLES['distributed']}, with {node_title} on each machine.",
        ),
    )


# "Unsure of the workload type?": answers in words, no thresholds a user would have to guess.
WAIT_SHARES: dict[str, str] = {
    "mostly_waiting": "Mostly waiting (network, disk, database, other services)",
    "both": "Both: it waits for data, then computes on it",
    "mostly_computing": "Mostly computing (the CPU is busy the whole time)",
}


def classify_workload(wait_share: str, splits: bool, shares_state: bool) -> tuple[str, str]:
    """The workload kind from three plain questions, with the reason in words."""
    if wait_share not in WAIT_SHARES:
        raise InputError("wait_share", f"got {wait_share!r}", ", ".join(WAIT_SHARES))
    if wait_share == "mostly_waiting":
        return "io_bound", "It mostly waits: overlapping the waits is what helps."
    if wait_share == "both":
        return "hybrid", "It waits and computes: overlap the waits and spread the computing."
    if not splits:
        return "cpu_sequential", "It computes in steps that depend on each other: nothing can run at once."
    if shares_state:
        return "cpu_parallel_shared", "It computes in parallel parts that read and write shared objects."
    return "cpu_parallel_isolated", "It computes in independent parts that share nothing."
