"""What the recommendation's models are fed: this host's calibration, or documented defaults, each labelled.

A `Figure` carries its value, its range and where it came from; `Costs` holds one per model input, for
one interpreter. `default_costs` builds them from the facts table (labelled as defaults, with the versions
they apply to); `costs_from` lays a calibration's measurements over them, figure by figure, so a default
is never labelled as this host's measurement. Pure: the caller reads the calibration file and the
descriptor limit (engine.bench.calibrate.load_costs) and passes them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from engine.lesson.facts import fact, number

# The executor a per-task default figure stands for -> its fact.
TASK_OVERHEAD_FACTS: Mapping[str, str] = {
    "asyncio": "task_overhead_asyncio",
    "threads": "task_overhead_threads",
    "processes": "task_overhead_processes",
    "interpreters": "task_overhead_interpreters",
    "asyncio_threads": "task_overhead_asyncio_threads",
    "asyncio_processes": "task_overhead_asyncio_processes",
}
POOL_STARTUP_FACTS: Mapping[str, str] = {
    "processes": "forkserver_pool_startup",
    "asyncio_processes": "forkserver_pool_startup",
    "interpreters": "interp_pool_startup",
}
_MS = 1000.0


@dataclass(frozen=True)
class Figure:
    """One model input: its value, the range it may lie in, and its basis in words."""

    value: float
    low: float
    high: float
    basis: str
    measured_here: bool = False

    def scaled(self, factor: float) -> Figure:
        return replace(self, value=self.value * factor, low=self.low * factor, high=self.high * factor)


@dataclass(frozen=True)
class Costs:
    """Every figure the recommendation's models use, for one interpreter, each with its own label."""

    # Which interpreter the measured figures are for, in words ("documented defaults" when none is).
    interpreter: str
    thread_rss_mb: Figure
    # A bare interpreter with no imports: the floor of any process worker.
    bare_interpreter_rss_mb: Figure
    # The Lab's own worker after its imports: the per-worker figure of processes and subinterpreters.
    worker_rss_mb: Figure
    connection_rss_mb: Figure
    # executor id -> the cost of handing one empty task over (seconds).
    task_overhead_s: Mapping[str, Figure]
    # executor id -> starting its pool (seconds).
    pool_startup_s: Mapping[str, Figure]
    # The CPU one small request costs when io_cpu_ms is unsaid (seconds).
    request_cpu_s: Figure
    # This host's soft RLIMIT_NOFILE (None: not known, e.g. not Unix), and its label.
    fd_limit: int | None = None
    fd_limit_basis: str = "the file-descriptor limit was not read (not a Unix host)"
    measured: bool = False
    notes: tuple[str, ...] = field(default=())


class MeasuredHost(Protocol):
    """What costs_from reads from a calibration (engine.bench.calibrate.Calibration has these)."""

    python: str
    python_version: str
    measured_at: str
    task_overhead_s: Mapping[str, float]
    task_overhead_low_s: Mapping[str, float]
    task_overhead_high_s: Mapping[str, float]
    pool_startup_s: Mapping[str, float]
    thread_rss_mb: float
    bare_interpreter_rss_mb: float
    worker_rss_mb: float
    request_cpu_s: float | None


def default_figure(fact_id: str, *, scale: float = 1.0) -> Figure:
    """A figure from the facts table, labelled as a default with the versions it applies to.

    A figure measured on another host is uncertain by at least the run-to-run spread measured there, so its
    range is widened by that spread; a documented range is used as it stands.
    """
    source = fact(fact_id)
    if source.kind == "measured":
        applies = source.applies.replace(" (measured on the development host)", "")
        basis = f"a default measured on the development host, not this one: {source.value} ({applies})"
    else:
        basis = f"{source.label} ({source.applies})"
    if source.low is not None and source.high is not None:
        low, high = source.low, source.high
    else:
        spread = number("run_to_run_spread")
        low, high = number(fact_id) / (1 + spread), number(fact_id) * (1 + spread)
    return Figure(number(fact_id) * scale, low * scale, high * scale, basis)


def fd_limit_label(fd_limit: int | None) -> str:
    if fd_limit is None:
        return "the file-descriptor limit is not known on this host (resource.getrlimit is Unix only)"
    return f"this host's file-descriptor limit, RLIMIT_NOFILE soft limit {fd_limit} ({fact('fd_per_connection').url})"


def default_costs(fd_limit: int | None = None) -> Costs:
    """The documented defaults, every figure labelled as such; `fd_limit` is this host's, read by the caller."""
    return Costs(
        interpreter="documented defaults (this host is not calibrated for this interpreter)",
        thread_rss_mb=default_figure("thread_idle_rss"),
        bare_interpreter_rss_mb=default_figure("bare_interpreter_rss"),
        worker_rss_mb=default_figure("lab_worker_rss"),
        connection_rss_mb=default_figure("asyncio_connection_rss"),
        task_overhead_s={
            executor: default_figure(fact_id, scale=1 / _MS) for executor, fact_id in TASK_OVERHEAD_FACTS.items()
        },
        pool_startup_s={
            executor: default_figure(fact_id, scale=1 / _MS) for executor, fact_id in POOL_STARTUP_FACTS.items()
        },
        request_cpu_s=default_figure("loopback_request_cpu", scale=1 / _MS),
        fd_limit=fd_limit,
        fd_limit_basis=fd_limit_label(fd_limit),
    )


def costs_from(calibration: MeasuredHost | None, fd_limit: int | None = None) -> Costs:
    """A calibration's measurements laid over the defaults, figure by figure; None: the defaults alone.

    A figure the calibration did not measure (an InterpreterPoolExecutor under 3.11, say) keeps its default
    and the default's label: a default is never shown as measured on this host.
    """
    defaults = default_costs(fd_limit)
    if calibration is None:
        return defaults
    where = f"measured on this host ({calibration.measured_at}, Python {calibration.python_version})"

    def measured(value: float, what: str, low: float | None = None, high: float | None = None) -> Figure:
        return Figure(value, value if low is None else low, value if high is None else high, f"{what} {where}", True)

    overhead = dict(defaults.task_overhead_s)
    for executor, seconds in calibration.task_overhead_s.items():
        overhead[executor] = measured(
            seconds,
            f"per-task hand-off for {executor}, the median of the repeats (range: fastest and slowest repeat)",
            calibration.task_overhead_low_s.get(executor),
            calibration.task_overhead_high_s.get(executor),
        )
    startup = dict(defaults.pool_startup_s)
    for executor, seconds in calibration.pool_startup_s.items():
        startup[executor] = measured(seconds, f"{executor} pool start-up")
    request = defaults.request_cpu_s
    if calibration.request_cpu_s is not None:
        request = measured(calibration.request_cpu_s, "one loopback HTTP GET (client and server in one process)")
    return replace(
        defaults,
        interpreter=f"Python {calibration.python_version} ({calibration.python})",
        thread_rss_mb=measured(calibration.thread_rss_mb, "RSS one more idle thread adds"),
        bare_interpreter_rss_mb=measured(calibration.bare_interpreter_rss_mb, "RSS of a bare interpreter, no imports"),
        worker_rss_mb=measured(calibration.worker_rss_mb, "RSS of the Lab's benchmark worker after its imports"),
        task_overhead_s=overhead,
        pool_startup_s=startup,
        request_cpu_s=request,
        measured=True,
    )
