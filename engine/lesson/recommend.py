"""The recommendation engine: a WorkloadProfile and the Costs the caller loaded in, a Recommendation out.

Follows the lesson's decision tree (engine/lesson/framework.py); every refinement that changes the tree's
leaf is a step of the decision path, so the path ends where the answer does. Estimates come from stated
models (Amdahl's law for CPU work, bounded overlap for waits) fed by the costs passed in: this host's
calibration or documented defaults, each figure with its own label (engine/lesson/costs.py). Approaches
are read from their records (engine/lesson/approaches.py), figures from the facts table. Pure: no I/O but
the package's own facts table; never imports streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from engine.bench.results import band_wording, speedup_band
from engine.errors import InputError
from engine.lesson import framework
from engine.lesson.approaches import MIGRATION_TRAITS, approach, ids_where, text
from engine.lesson.costs import Costs, Figure, default_costs
from engine.lesson.facts import bounds, fact, number
from engine.lesson.profile import PYTHON_BUILDS, WorkloadProfile
from engine.lesson.templates import benchmark_template, dask_migration_steps, migration_guide

__all__ = ["PYTHON_BUILDS", "Costs", "Recommendation", "WorkloadProfile", "recommend"]

CURRENT_APPROACHES: tuple[str, ...] = tuple(
    sorted(ids_where(lambda record: record.current_choice), key=framework.APPROACHES.index)
)
EFFORT_LEVELS: tuple[str, ...] = ("none", "low", "medium", "high")

PROCESS_APPROACHES = ids_where(lambda record: record.memory == "process")
THREAD_APPROACHES = ids_where(lambda record: record.memory == "thread")
FREE_THREADED_APPROACHES = ids_where(lambda record: record.build == "free-threaded")
ASYNC_APPROACHES = ids_where(lambda record: record.event_loop)
# Workers that are whole interpreters, each loading its own copy of the program's imports.
INTERPRETER_APPROACHES = ids_where(lambda record: record.memory in ("process", "interpreter"))

# A process pool's hand-off is worth a warning once it costs this share of a task (pickling both ways).
HANDOFF_WARNING_SHARE = 0.10
# Descriptors a program holds before it opens a connection: stdin, stdout and stderr.
STANDARD_STREAMS = 3

FREE_THREADED_HOWTO = (
    "To get a free-threaded build: the python.org installers for macOS and Windows offer it as an option; "
    "elsewhere build CPython with ./configure --disable-gil or install a packaged python3.14t"
)


def title(approach_id: str) -> str:
    return approach(approach_id).title


@dataclass(frozen=True)
class Speedup:
    """An estimate against single-threaded: the expected value, its range, and the ideal bound beside it."""

    value: float | None
    low: float | None
    high: float | None
    basis: str
    # The bound with no costs at all: the cores for CPU work, the waits in flight for I/O.
    ideal: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "low": self.low, "high": self.high, "ideal": self.ideal, "basis": self.basis}


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
            "per_worker_mb": round(self.per_worker_mb, 4),
            "workers": self.workers,
            "total_mb": round(self.total_mb, 3),
            "budget_mb": self.budget_mb,
            "fits": self.fits,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class LatencyCheck:
    """Whether one task plus its hand-off fits the latency requirement (None: it could not be checked)."""

    budget_ms: float | None
    task_ms: float | None
    handoff_ms: float
    fits: bool | None
    basis: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "budget_ms": self.budget_ms,
            "task_ms": self.task_ms,
            "handoff_ms": round(self.handoff_ms, 4),
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
    latency: LatencyCheck | None = None
    # Steps past the tree's leaf, each where a fact the tree does not ask about changed the answer.
    refinements: tuple[str, ...] = ()

    @property
    def decision_path(self) -> list[str]:
        return self.decision.describe() + list(self.refinements)

    def to_dict(self) -> dict[str, Any]:
        """DESIGN.md's keys, and `latency` (whether a task plus its hand-off fits the requirement)."""
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
            "latency": None if self.latency is None else self.latency.to_dict(),
        }


def tradeoff(approach_id: str) -> tuple[str, str]:
    """(when the approach wins, what it costs), from its record."""
    record = approach(approach_id)
    return text(record.when), text(record.tradeoff)


# Candidates to compare, per workload kind, in the order a reader should weigh them.
_KIND_CANDIDATES: dict[str, tuple[str, ...]] = {
    "cpu_sequential": ("single_threaded", "multiprocessing"),
    "cpu_parallel_shared": ("free_threaded", "multiprocessing", "threads", "distributed"),
    "cpu_parallel_isolated": ("multiprocessing", "subinterpreters", "free_threaded", "distributed"),
    "io_bound": ("asyncio", "threads", "single_threaded"),
    "hybrid": ("free_threaded_asyncio", "asyncio_multiprocessing", "subinterpreters", "asyncio", "threads"),
}
# On a GIL build the free-threaded answers fall back to these.
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


class _Answer:
    """The approach as the refinements change it: each change is a step of the decision path."""

    def __init__(self, start: str) -> None:
        self.approach = start
        self.reasons: list[str] = []
        self.steps: list[str] = []
        self.fallback: str | None = None

    def change(self, new: str, condition: str, why: str) -> None:
        self.steps.append(f"{condition}: {why} -> {title(new)}.")
        self.reasons.append(f"{condition}: {why}.")
        self.approach = new


def _refine(profile: WorkloadProfile, path: framework.DecisionPath) -> _Answer:
    """The tree's approach refined by the facts the tree does not ask about."""
    answer = _Answer(path.approach)
    answer.reasons.append(
        f"Workload {profile.workload!r} ({framework.WORKLOAD_TITLES[path.kind]}): the lesson's tree leads to "
        f"{title(path.approach)}. {framework.table_row(path.kind).why}"
    )
    if path.kind != profile.workload:
        answer.reasons.append(
            f"Your answers on shared state ({_yes_no(profile.shared_state)}) and isolation "
            f"({_yes_no(profile.isolation)}) take the tree to {framework.WORKLOAD_TITLES[path.kind]}."
        )
    if profile.isolation:
        boundary, broken = fact("process_not_security_boundary"), fact("broken_process_pool")
        answer.reasons.append(
            f"Isolation (isolation = yes) means crash containment here: {boundary.statement} ({boundary.url}). "
            f"{broken.statement} ({broken.url})"
        )
    cpu_kind = path.kind.startswith("cpu_")
    if profile.cores == 1 and approach(answer.approach).parallel_cpu:
        answer.change(
            "asyncio" if path.kind == "hybrid" else "single_threaded",
            "One usable core (cores = 1)",
            "one core runs one piece of CPU work at a time, so parallel workers would only take turns and add "
            "their start-up and hand-off; "
            + ("an event loop still overlaps the waits" if path.kind == "hybrid" else "single-threaded code runs best"),
        )
        return answer
    if profile.releases_gil and (path.kind == "hybrid" or (cpu_kind and path.kind != "cpu_sequential")):
        if path.kind == "cpu_parallel_isolated" and profile.isolation:
            answer.reasons.append(
                "releases_gil = yes would make threads enough for speed, but you need crash containment, which "
                "only separate processes give."
            )
        else:
            answer.change(
                "threads",
                "C code that releases the GIL (releases_gil = yes)",
                f"{fact('gil_releasing_c_code').statement} No pickling and no new interpreter: threads are enough",
            )
    if profile.workload == "io_bound" and profile.async_client is False and answer.approach in ASYNC_APPROACHES:
        answer.change(
            "threads",
            "A blocking-only SDK (async_client = no)",
            "an event loop cannot overlap calls that block; threads can, each call waiting in its own thread with "
            "the GIL released while it waits. Size the pool to the calls you want in flight",
        )
    if answer.approach in FREE_THREADED_APPROACHES:
        _refine_build(profile, path, answer)
    if (
        path.kind == "cpu_parallel_isolated"
        and answer.approach == "multiprocessing"
        and profile.python_build == "subinterpreters"
    ):
        if profile.isolation:
            answer.reasons.append(
                "python_build = subinterpreters, but you need crash containment: subinterpreters share one "
                "process, so a crash in C code takes them all; processes stay."
            )
        else:
            answer.fallback = "multiprocessing"
            answer.change(
                "subinterpreters",
                "Subinterpreters available, isolated CPU work (python_build = subinterpreters)",
                f"{fact('interpreter_pool_314').statement} Work that shares nothing fits it, in one process; a "
                "process pool stays the fallback for extension modules that do not load in a subinterpreter",
            )
    if path.kind == "cpu_sequential" and profile.python_build == "free-threaded":
        answer.reasons.append(
            "python_build = free-threaded: with nothing to run in parallel, a free-threaded build only costs: "
            f"{fact('ft_cost_314').value} slower single-threaded in 3.14 ({fact('ft_cost_313').value} in 3.13). "
            "Run this on a GIL build if you can."
        )
    return answer


def _refine_build(profile: WorkloadProfile, path: framework.DecisionPath, answer: _Answer) -> None:
    """A free-threaded answer against the build the user can run."""
    gil_fallback = _GIL_FALLBACK[answer.approach]
    if profile.python_build == "gil":
        answer.change(
            gil_fallback,
            "A GIL build only (python_build = gil)",
            f"free-threading is not available to you, so the fallback is {title(gil_fallback)}. "
            f"{FREE_THREADED_HOWTO} ({fact('ft_supported_314').url})",
        )
    elif profile.python_build == "subinterpreters" and path.kind == "hybrid":
        answer.fallback = gil_fallback
        answer.change(
            "subinterpreters",
            "Subinterpreters available (python_build = subinterpreters)",
            f"{fact('interpreter_pool_314').statement} Hand them the CPU part from the event loop with "
            "loop.run_in_executor; state travels pickled",
        )
    elif profile.python_build == "subinterpreters":
        answer.change(
            gil_fallback,
            "Shared state, subinterpreters only (python_build = subinterpreters)",
            f"{fact('interpreters_no_shared_mutable').statement} Processes with explicit channels "
            "(multiprocessing queues or shared_memory) are the fallback for shared state on a GIL build",
        )
    elif profile.python_build is None:
        answer.fallback = gil_fallback
        answer.reasons.append(
            "You did not say which Python you can run: this answer needs a free-threaded build. On a GIL build "
            f"the fallback is {title(gil_fallback)} (the first alternative). {FREE_THREADED_HOWTO} "
            f"({fact('ft_supported_314').url})."
        )
    else:
        answer.reasons.append(
            "python_build = free-threaded: threads run Python code on every core. Check sys._is_gil_enabled() at "
            f"run time: {fact('gil_reenabled_by_extension').statement}"
        )


def _yes_no(value: bool | None) -> str:
    return "unsaid" if value is None else ("yes" if value else "no")


def _thread_pool_default(cores: int) -> int:
    """ThreadPoolExecutor's and asyncio.to_thread's default size (fact thread_pool_default_workers)."""
    return min(32, cores + 4)


def _workers(approach_id: str, profile: WorkloadProfile) -> int:
    """How many workers the approach runs: one per usable core for CPU work, one per wait for blocking I/O."""
    record = approach(approach_id)
    if not record.pooled:
        return 1
    if approach_id == "threads" and not profile.releases_gil:
        # Threads for blocking I/O: one per call in flight; unsaid, the pool's default size.
        return profile.io_concurrency or _thread_pool_default(profile.cores)
    return profile.cores


def _per_worker(approach_id: str, profile: WorkloadProfile, costs: Costs) -> tuple[float, str]:
    record = approach(approach_id)
    if record.memory in ("process", "interpreter"):
        bare = costs.bare_interpreter_rss_mb
        floor = f"a bare interpreter with no imports holds {bare.value:.1f} MB, the floor ({bare.basis})"
        if profile.worker_memory_mb is not None:
            figure = profile.worker_memory_mb
            basis = (
                f"your figure: {figure:g} MB per worker once it has loaded what your program imports "
                f"(worker_memory_mb); {floor}"
            )
        else:
            figure = costs.worker_rss_mb.value
            basis = (
                f"{figure:.1f} MB per worker: the Lab's benchmark worker after its imports "
                f"({costs.worker_rss_mb.basis}); your imports add to it (give worker_memory_mb); {floor}"
            )
        if record.memory == "interpreter":
            basis += "; each subinterpreter loads its own modules inside the one process: an upper figure"
        return figure, basis
    if record.memory == "thread":
        return costs.thread_rss_mb.value, f"an idle thread's RSS ({costs.thread_rss_mb.basis}); its stack is virtual"
    return 0.0, "no extra thread or process: the work runs in your program's own thread"


def _fit_memory(answer: _Answer, profile: WorkloadProfile, costs: Costs) -> int:
    """Lower the worker count, or turn away from whole-interpreter workers, when the budget is short."""
    current = answer.approach
    workers = _workers(current, profile)
    per_worker, basis = _per_worker(current, profile, costs)
    if current not in INTERPRETER_APPROACHES or workers * per_worker <= profile.memory_mb:
        return workers
    fitting = int(profile.memory_mb // per_worker)
    short = f"memory_mb = {profile.memory_mb:g}: {workers} workers at {per_worker:.1f} MB each would not fit ({basis})"
    thread_kib = costs.thread_rss_mb.value * 1024
    if profile.python_build == "free-threaded" and not profile.isolation:
        turned = "free_threaded_asyncio" if profile.workload == "hybrid" else "free_threaded"
        answer.change(
            turned,
            "Memory budget (memory_mb)",
            f"{short}. python_build = free-threaded: threads share your program's imports and cost about "
            f"{thread_kib:.0f} KiB each, so they run on all {workers} cores within the budget, where processes "
            f"would be cut to {fitting}",
        )
        return _workers(turned, profile)
    if fitting >= 2:
        answer.reasons.append(f"{short}, so the pool is lowered to {fitting} workers.")
        return fitting
    if profile.releases_gil:
        turned = "threads"
    elif profile.python_build in ("gil", "subinterpreters"):
        turned = "asyncio" if profile.workload == "hybrid" else "single_threaded"
    elif current == "asyncio_multiprocessing":
        turned = "free_threaded_asyncio"
    else:
        turned = "free_threaded"
    answer.change(
        turned,
        "Memory budget (memory_mb)",
        f"not even two workers of {per_worker:.1f} MB fit {profile.memory_mb:g} MB ({basis}). Threads cost about "
        f"{thread_kib:.0f} KiB each"
        + (" (pure-Python code needs a free-threaded build for that)" if turned.startswith("free") else ""),
    )
    return _workers(turned, profile)


def _memory(approach_id: str, workers: int, profile: WorkloadProfile, costs: Costs) -> MemoryEstimate:
    record = approach(approach_id)
    per_worker, basis = _per_worker(approach_id, profile, costs)
    units = workers
    if record.event_loop and record.memory == "none" and profile.io_concurrency:
        # One loop, many connections: what grows with the load is the connections' memory.
        per_worker, units = costs.connection_rss_mb.value, profile.io_concurrency
        basis = f"per connection in flight: {costs.connection_rss_mb.basis}; the kernel's socket buffers come on top"
        total = per_worker * units
        label = f"{units} connection(s)"
    else:
        total = per_worker * workers
        label = f"{workers} worker(s)"
    return MemoryEstimate(
        per_worker_mb=per_worker,
        workers=units,
        total_mb=total,
        budget_mb=profile.memory_mb,
        fits=total <= profile.memory_mb,
        basis=f"added by {label} on top of your program; {basis}",
    )


def amdahl(parallel_share: float, workers: int) -> float:
    """Amdahl's law: the speedup of work whose parallel share runs on `workers` at once."""
    return 1.0 / ((1.0 - parallel_share) + parallel_share / workers)


def overlap_speedup(in_flight: int, wait_s: float, cpu_s: float, handoff_s: float, lanes: int = 1) -> float:
    """The bounded overlap model: the speedup of waits overlapped `in_flight` at a time.

    Sequentially one task takes wait + cpu. Overlapped, `in_flight` tasks each take wait + cpu + hand-off,
    but the CPU part and the hand-off of every task run on `lanes` at a time (one event loop, or one GIL):
    speedup = (wait + cpu) * min(in_flight / (wait + cpu + handoff), lanes / (cpu + handoff)).
    """
    per_task = wait_s + cpu_s
    serial = cpu_s + handoff_s
    overlap = in_flight / (per_task + handoff_s)
    return per_task * (min(overlap, lanes / serial) if serial > 0 else overlap)


def _handoff(approach_id: str, costs: Costs) -> Figure | None:
    return costs.task_overhead_s.get(approach(approach_id).executor)


def _allowed_in_flight(approach_id: str, profile: WorkloadProfile, costs: Costs, workers: int) -> tuple[int, str]:
    """How many waits may really be in flight: the concurrency the approach allows, then the descriptor limit."""
    wanted = profile.io_concurrency or 1
    record = approach(approach_id)
    if record.event_loop and record.memory == "none":
        allowed, why = wanted, f"asyncio's stated concurrency, io_concurrency = {wanted} (bound it with a Semaphore)"
    elif record.memory == "thread":
        allowed, why = min(wanted, workers), f"the thread pool's size, {workers} thread(s)"
    else:
        allowed, why = min(wanted, workers), f"{workers} worker(s), each waiting on one call at a time"
    if costs.fd_limit is not None:
        usable = max(costs.fd_limit - STANDARD_STREAMS, 1)
        if usable < allowed:
            allowed = usable
            why += f", cut to {usable} by {costs.fd_limit_basis}, less the {STANDARD_STREAMS} standard streams"
        else:
            why += f"; within {costs.fd_limit_basis}"
    else:
        why += f"; {costs.fd_limit_basis}"
    return allowed, why


def _io_speedup(approach_id: str, workers: int, profile: WorkloadProfile, costs: Costs) -> Speedup:
    """Bounded overlap for the waits: the concurrency allowed, the CPU each request costs, the hand-off."""
    if profile.io_concurrency is None:
        return Speedup(None, None, None, "the overlap model needs io_concurrency (how many waits at once)")
    ideal = float(profile.io_concurrency)
    if approach_id == "single_threaded":
        return Speedup(1.0, 1.0, 1.0, "the single-threaded baseline itself: one wait at a time", ideal)
    if profile.io_wait_ms is not None:
        wait_ms, wait_basis = profile.io_wait_ms, f"W = {profile.io_wait_ms:g} ms (io_wait_ms)"
    elif profile.latency_ms is not None:
        wait_ms = profile.latency_ms
        wait_basis = (
            f"W = {wait_ms:g} ms: io_wait_ms unsaid, the wait is taken as the deadline (latency_ms), the longest "
            "a task that meets it can wait"
        )
    else:
        return Speedup(
            None, None, None, "the overlap model needs how long one task waits (io_wait_ms) or a deadline", ideal
        )
    if profile.io_cpu_ms is not None:
        cpu = Figure(profile.io_cpu_ms / 1000, profile.io_cpu_ms / 1000, profile.io_cpu_ms / 1000, "io_cpu_ms")
        cpu_basis = f"C = {profile.io_cpu_ms:g} ms of CPU per task (io_cpu_ms)"
    else:
        request = costs.request_cpu_s
        cpu = replace(request, low=0.0)
        cpu_basis = (
            f"C = {request.value * 1000:.2f} ms of CPU per task, io_cpu_ms unsaid: one small request's CPU "
            f"({request.basis}); the high end counts none"
        )
    handoff = _handoff(approach_id, costs)
    if handoff is None:
        handoff = Figure(0.0, 0.0, 0.0, "no hand-off figure for this executor")
    lanes = profile.cores if approach(approach_id).parallel_cpu else 1
    in_flight, allowed_basis = _allowed_in_flight(approach_id, profile, costs, workers)
    wait_s = wait_ms / 1000

    def model(cpu_s: float, handoff_s: float) -> float:
        return overlap_speedup(in_flight, wait_s, cpu_s, handoff_s, lanes)

    # The model is monotone in the hand-off but not in the CPU (its two bounds move opposite ways), so the
    # range is taken over every corner of the inputs' ranges, and always holds the expected value.
    value = model(cpu.value, handoff.value)
    corners = [model(c, h) for c in (cpu.low, cpu.high) for h in (handoff.low, handoff.high)]
    low, high = min(*corners, value), max(*corners, value)
    lane_words = f"{lanes} core(s)" if lanes > 1 else "one event loop or one GIL"
    basis = (
        f"bounded overlap: speedup = (W + C) x min(K / (W + C + h), lanes / (C + h)); K = {in_flight} in flight "
        f"({allowed_basis}); {wait_basis}; {cpu_basis}; h = {handoff.value * 1000:.4f} ms per-task cost "
        f"({handoff.basis}); the CPU and hand-off of every task serialise on {lane_words}. Ideal: "
        f"{profile.io_concurrency} waits overlapped for free"
    )
    return Speedup(round(value, 4), round(low, 4), round(high, 4), basis, ideal)


def _cpu_speedup(approach_id: str, workers: int, profile: WorkloadProfile, costs: Costs) -> Speedup:
    """Amdahl's law on the workers, less the hand-off per task and a free-threaded build's single-thread cost."""
    record = approach(approach_id)
    parallel = record.parallel_cpu or (approach_id == "threads" and bool(profile.releases_gil))
    cpu_workers = workers if parallel else 1
    if approach_id == "single_threaded" or cpu_workers == 1:
        why = "the single-threaded baseline itself" if approach_id == "single_threaded" else "one worker computes"
        return Speedup(1.0, 1.0, 1.0, f"{why}: the CPU part runs on one core", 1.0)
    notes = []
    handoff = _handoff(approach_id, costs)
    if profile.task_ms is not None and handoff is not None:
        task_s = profile.task_ms / 1000

        def efficiency(handoff_s: float) -> float:
            return task_s / (task_s + handoff_s)

        eff_value, eff_low, eff_high = efficiency(handoff.value), efficiency(handoff.high), efficiency(handoff.low)
        notes.append(f"per-task hand-off {handoff.value * 1000:.4f} ms for {record.executor} ({handoff.basis})")
    else:
        eff_value = eff_low = eff_high = 1.0
        notes.append("per-task hand-off not counted (no task_ms given)")
    cost_low = cost_high = 0.0
    if record.build == "free-threaded":
        cost_low, cost_high = bounds("ft_cost_314")
        cost = fact("ft_cost_314")
        notes.append(f"free-threaded build {cost.value} slower single-threaded ({cost.label})")
    serial = number("amdahl_serial_share_measured")
    high = amdahl(1.0, cpu_workers) * eff_high / (1 + cost_low)
    value = amdahl(1 - serial / 2, cpu_workers) * eff_value / (1 + (cost_low + cost_high) / 2)
    low = amdahl(1 - serial, cpu_workers) * eff_low / (1 + cost_high)
    basis = (
        f"Amdahl's law on {cpu_workers} worker(s): high with all the CPU work parallel, low with a serial share of "
        f"{serial:.3f} ({fact('amdahl_serial_share_measured').label}), value half-way; " + "; ".join(notes)
    )
    return Speedup(round(value, 4), round(low, 4), round(high, 4), basis, float(cpu_workers))


def _speedup(approach_id: str, workers: int, profile: WorkloadProfile, costs: Costs) -> Speedup:
    if profile.workload == "io_bound":
        return _io_speedup(approach_id, workers, profile, costs)
    cpu = _cpu_speedup(approach_id, workers, profile, costs)
    if profile.workload != "hybrid" or approach_id == "single_threaded":
        return cpu
    if profile.io_concurrency is None:
        return replace(cpu, basis=f"{cpu.basis}; CPU part only: overlapping waits adds more (io_concurrency unsaid)")
    io = _io_speedup(approach_id, workers, profile, costs)
    if io.value is None or io.low is None or io.high is None:
        return replace(cpu, basis=f"{cpu.basis}; CPU part only: {io.basis}")
    if cpu.value is None or cpu.low is None or cpu.high is None:
        return cpu
    # The split between waiting and computing is unknown: the total lies between the two parts' speedups.
    value = 2 / (1 / cpu.value + 1 / io.value)
    basis = (
        f"CPU part: {cpu.basis}. I/O part: {io.basis}. The total lies between the two parts' speedups "
        "(value: if waiting and computing take equal time)"
    )
    ideal = max(cpu.ideal or 1.0, io.ideal or 1.0)
    return Speedup(round(value, 4), round(min(cpu.low, io.low), 4), round(max(cpu.high, io.high), 4), basis, ideal)


def _latency(approach_id: str, profile: WorkloadProfile, costs: Costs) -> LatencyCheck:
    """Whether one task plus its hand-off fits latency_ms; no latency_ms is no requirement."""
    handoff = _handoff(approach_id, costs) if approach(approach_id).executor != "sequential" else None
    handoff_ms = 0.0 if handoff is None else handoff.value * 1000
    handoff_words = "no hand-off" if handoff is None else f"its hand-off {handoff_ms:.4f} ms ({handoff.basis})"
    if profile.latency_ms is None:
        return LatencyCheck(None, None, handoff_ms, None, "no latency requirement (latency_ms unsaid)")
    if profile.workload == "io_bound":
        if profile.io_wait_ms is None:
            return LatencyCheck(
                profile.latency_ms, None, handoff_ms, None, "not checked: io_wait_ms unsaid (how long one task waits)"
            )
        task_ms = profile.io_wait_ms + (profile.io_cpu_ms or 0.0)
        task_words = f"one task waits {profile.io_wait_ms:g} ms and computes {profile.io_cpu_ms or 0:g} ms"
    else:
        if profile.task_ms is None:
            return LatencyCheck(
                profile.latency_ms, None, handoff_ms, None, "not checked: task_ms unsaid (the CPU time of one task)"
            )
        task_ms = profile.task_ms + (profile.io_wait_ms or 0.0)
        task_words = f"one task takes {task_ms:g} ms"
    fits = task_ms + handoff_ms <= profile.latency_ms
    verdict = "fits" if fits else "does NOT fit"
    basis = f"{task_words}; with {handoff_words} it {verdict} the {profile.latency_ms:g} ms budget"
    return LatencyCheck(profile.latency_ms, task_ms, handoff_ms, fits, basis)


def _connection_notes(approach_id: str, workers: int, profile: WorkloadProfile, costs: Costs) -> list[str]:
    """Thousands of connections: the descriptor limit and the memory each connection holds."""
    wanted = profile.io_concurrency
    if wanted is None or profile.workload not in ("io_bound", "hybrid"):
        return []
    record = approach(approach_id)
    notes = []
    if costs.fd_limit is not None:
        usable = costs.fd_limit - STANDARD_STREAMS
        verdict = "within it" if wanted <= usable else f"more than it allows: raise it (ulimit -n) or stay at {usable}"
        notes.append(
            f"io_concurrency = {wanted}: each connection holds one file descriptor ({fact('fd_per_connection').url}); "
            f"{costs.fd_limit_basis}: {verdict}."
        )
    else:
        notes.append(f"io_concurrency = {wanted}: each connection holds one file descriptor; {costs.fd_limit_basis}.")
    if record.memory == "thread" and not profile.releases_gil:
        per = costs.thread_rss_mb
        notes.append(
            f"One thread per call in flight: {workers} threads of about {per.value * 1024:.0f} KiB resident each "
            f"({per.basis}), {workers * per.value:.1f} MB, beside each connection's own memory."
        )
    elif record.event_loop:
        per = costs.connection_rss_mb
        notes.append(
            f"Memory per connection: about {per.value * 1024:.1f} KiB ({per.basis}), {wanted * per.value:.1f} MB "
            f"for {wanted}; the kernel's socket buffers come on top."
        )
    if profile.workload == "hybrid" and profile.async_client is False and record.event_loop:
        notes.append(
            "async_client = no: call the blocking SDK through asyncio.to_thread, which runs in the loop's default "
            f"executor ({fact('to_thread_default_workers').statement}): that pool's size bounds the calls in "
            "flight; set a bigger one with loop.set_default_executor()."
        )
    return notes


def _pool_notes(approach_id: str, profile: WorkloadProfile, costs: Costs) -> list[str]:
    """Start-up and hand-off cautions for pools: expensive start-up, tight latency, small tasks."""
    notes = []
    record = approach(approach_id)
    if profile.expensive_startup:
        if record.pooled:
            notes.append(
                "expensive_startup = yes: start one long-lived pool and load once per worker with initializer=; "
                + (
                    "with forkserver, multiprocessing.set_forkserver_preload() imports heavy modules once."
                    if record.memory == "process"
                    else "never start a pool per request."
                )
            )
        else:
            notes.append("expensive_startup = yes: do the start-up once, when the program starts, and reuse it.")
    if record.memory not in ("process", "interpreter"):
        return notes
    startup = costs.pool_startup_s.get(record.startup)
    tight = startup is not None and profile.latency_ms is not None and profile.latency_ms < startup.value * 1000
    if tight and startup is not None and profile.latency_ms is not None:
        notes.append(
            f"latency_ms = {profile.latency_ms:g}: starting the pool takes about {startup.value * 1000:.0f} ms "
            f"({startup.basis}), more than your latency: start it before the first request."
        )
    handoff = _handoff(approach_id, costs)
    small_tasks = profile.task_ms is not None and (
        handoff is None or handoff.value * 1000 >= HANDOFF_WARNING_SHARE * profile.task_ms
    )
    if small_tasks or tight:
        measured = (
            "not measured on this host yet: run the calibration on this Recommend page or `python -m engine calibrate`"
            if handoff is None or not handoff.measured_here
            else f"{handoff.value * 1000:.3f} ms per task, {handoff.basis}"
        )
        if handoff is not None and not handoff.measured_here:
            measured = f"{handoff.value * 1000:.3f} ms per task, {handoff.basis}; {measured}"
        advice = (
            "batch them with chunksize= (ProcessPoolExecutor.map: it sends tasks in batches)"
            if record.memory == "process"
            else "make each task bigger (chunksize= batches only for ProcessPoolExecutor)"
        )
        notes.append(
            "Pickling cost: every task's arguments and results are pickled to and from the worker "
            f"({measured}). With small tasks and a tight latency, {advice}, and send little data; "
            f"{fact('executor_map_buffersize').statement}"
        )
    return notes


def alternatives(approach_id: str, profile: WorkloadProfile, fallback: str | None) -> tuple[Alternative, ...]:
    """The other approaches worth weighing, fallback first, each with when it wins and its trade-off."""
    ordered = ([fallback] if fallback else []) + list(_KIND_CANDIDATES[profile.workload])
    if approach_id != "threads" and (profile.releases_gil or profile.async_client is False):
        ordered.insert(1 if fallback else 0, "threads")
    chosen: list[str] = []
    for candidate in ordered:
        if candidate == approach_id or candidate in chosen:
            continue
        if profile.cores == 1 and approach(candidate).parallel_cpu and candidate != "distributed":
            continue
        if profile.python_build == "gil" and candidate in FREE_THREADED_APPROACHES:
            continue
        if profile.async_client is False and profile.workload == "io_bound" and candidate == "asyncio":
            continue
        chosen.append(candidate)
    return tuple(Alternative(candidate, *tradeoff(candidate)) for candidate in chosen)


def migration_effort(current: str, approach_id: str, *, node: str | None = None) -> Effort:
    """How much changes from what runs now to the recommendation (on each `node`, when distributed), and why."""
    if current == approach_id:
        return Effort("none", f"you already run {title(approach_id)}: tune and measure it")
    traits = set(approach(approach_id).traits) | (set(approach(node).traits) if node is not None else set())
    new = sorted(traits - set(approach(current).traits))
    if not new:
        return Effort("low", f"moving from {title(current)} mostly removes machinery")
    levels = [MIGRATION_TRAITS[trait][0] for trait in new]
    level = "high" if "high" in levels or len(new) >= 3 else "medium"
    return Effort(level, "; ".join(MIGRATION_TRAITS[trait][1] for trait in new))


def benchmark_preset(approach_id: str, profile: WorkloadProfile) -> str:
    """The benchmark page's preset that measures this recommendation."""
    if profile.releases_gil:
        return "c_releases_gil"
    if profile.workload == "io_bound":
        return "io_wait"
    if profile.workload == "hybrid":
        return "hybrid"
    if approach_id == "single_threaded":
        return "overhead_size"
    return "gil_cpu"


def recommend(
    profile: WorkloadProfile, costs: Costs | None = None, *, current: str = "single_threaded"
) -> Recommendation:
    """The recommendation for a profile, with its numbers computed from `costs` (None: the documented defaults).

    Pure: the caller loads the costs (engine.bench.calibrate.load_costs reads this host's calibration and
    its descriptor limit); nothing here reads a file but the package's facts table.
    """
    if current not in CURRENT_APPROACHES:
        raise InputError("current", f"got {current!r}", ", ".join(CURRENT_APPROACHES))
    costs = costs if costs is not None else default_costs()
    path = framework.walk(tree_answers(profile))
    answer = _refine(profile, path)
    if profile.beyond_one_machine:
        workers = _fit_memory(answer, profile, costs)
        return _distributed(profile, current, path, answer, workers, costs)
    workers = _fit_memory(answer, profile, costs)
    chosen = answer.approach
    reasons = answer.reasons
    reasons.extend(_connection_notes(chosen, workers, profile, costs))
    reasons.extend(_pool_notes(chosen, profile, costs))
    latency = _latency(chosen, profile, costs)
    if latency.fits is not None or profile.latency_ms is None:
        reasons.append(f"Latency: {latency.basis}.")
    speedup = _speedup(chosen, workers, profile, costs)
    if speedup.value is not None and chosen != "single_threaded":
        reasons.append(
            f"Expected {speedup.value:.2f}x against single-threaded (range {speedup.low:.2f}x-{speedup.high:.2f}x; "
            f"ideal {speedup.ideal:g}x): {band_wording(speedup_band(speedup.value))}. A model until measured: run "
            "the benchmark template on your machine with your own work in place of its stand-in."
        )
    options = alternatives(chosen, profile, answer.fallback)
    return Recommendation(
        approach=chosen,
        title=title(chosen),
        reasoning=tuple(reasons),
        decision=path,
        expected_speedup=speedup,
        memory=_memory(chosen, workers, profile, costs),
        migration_effort=migration_effort(current, chosen),
        alternatives=options,
        benchmark_template=benchmark_template(chosen, profile, [option.approach for option in options]),
        migration_guide=tuple(migration_guide(current, chosen, profile)),
        preset=benchmark_preset(chosen, profile),
        profile=profile,
        latency=latency,
        refinements=tuple(answer.steps),
    )


def _distributed(
    profile: WorkloadProfile,
    current: str,
    path: framework.DecisionPath,
    answer: _Answer,
    workers: int,
    costs: Costs,
) -> Recommendation:
    """beyond_one_machine = yes: spread the work over machines, each running the single-machine answer."""
    node = answer.approach
    node_title = title(node)
    node_speedup = _speedup(node, workers, profile, costs)
    reasons = answer.reasons
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
        tradeoff(node)[1],
    )
    others = [option for option in alternatives("distributed", profile, answer.fallback) if option.approach != node]
    options = (node_alternative, *others)
    node_memory = _memory(node, workers, profile, costs)
    guide = migration_guide(current, node, profile)
    guide[len(guide) - 1 : len(guide) - 1] = [
        f"Spread the work over machines: a job queue or a cluster framework (Dask, below) hands each machine a "
        f"share, and each runs {node_title}. Tasks and results cross the network serialized. Measure the "
        "per-machine speedup first.",
        *dask_migration_steps(),
    ]
    return Recommendation(
        approach="distributed",
        title=title("distributed"),
        reasoning=tuple(reasons),
        decision=path,
        expected_speedup=speedup,
        memory=replace(node_memory, basis=f"on each machine, for its {node_title} workers: {node_memory.basis}"),
        migration_effort=migration_effort(current, "distributed", node=node),
        alternatives=options,
        # The one template that needs a package: dask against the single-machine answer and its alternatives.
        benchmark_template=benchmark_template("distributed", profile, [node, *(option.approach for option in others)]),
        migration_guide=tuple(guide),
        preset=benchmark_preset(node, profile),
        profile=profile,
        latency=_latency(node, profile, costs),
        refinements=(
            *answer.steps,
            f"Beyond one machine (beyond_one_machine = yes): the work outgrows one machine -> {title('distributed')}, "
            f"with {node_title} on each machine.",
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
