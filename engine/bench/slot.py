"""Sharing one server: one benchmark at a time (the run slot), the background run, and public mode's limits.

A second run at once would spoil both measurements, so the slot refuses it and says who holds it since
when. The run itself happens in a thread that drives engine.bench.runner and saves each result to the store.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from engine.bench.results import BenchResult, BenchSpec
from engine.bench.runner import (
    LOCAL_LIMITS,
    PUBLIC_LIMITS,
    Limits,
    Progress,
    RunCancelled,
    run_benchmark,
    validate_spec,
)
from engine.bench.store import ResultStore
from engine.bench.variants import REPEATS_PER_ROUND, Variant, run_variants
from engine.errors import InputError

PUBLIC_ENV = "LAB_PUBLIC"


def public_mode(environ: Mapping[str, str], secret: object = None) -> bool:
    """Whether this server is a shared deployment: LAB_PUBLIC=1 in the environment, or a true secret."""
    flag = environ.get(PUBLIC_ENV, "")
    return flag.strip().lower() in ("1", "true", "yes") or secret in (True, 1, "1", "true", "yes")


def limits_for(public: bool) -> Limits:
    """The limits a run must keep: tighter on a shared deployment."""
    return PUBLIC_LIMITS if public else LOCAL_LIMITS


@dataclass(frozen=True)
class Holder:
    """Who holds the slot: a session id, what runs, and since when (server local time)."""

    owner: str
    label: str
    since: datetime
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def wording(self) -> str:
        return f"A run is in progress since {self.since:%H:%M:%S} ({self.label}); yours can start when it ends."


class SlotBusy(Exception):
    """The slot is held by another run."""

    def __init__(self, holder: Holder) -> None:
        self.holder = holder
        super().__init__(holder.wording())


@dataclass(frozen=True)
class RunPlan:
    """What one press of Run does: one spec, or one per sweep value, under one interpreter."""

    label: str
    specs: tuple[BenchSpec, ...]
    python: str | None = None
    preset: str | None = None


def checked_plan(plan: RunPlan, limits: Limits) -> RunPlan:
    """`plan` if every spec fits `limits`; InputError naming the first field that does not (before any run)."""
    if not plan.specs:
        raise InputError("plan", "has no runs", "a preset or a custom run")
    return RunPlan(plan.label, tuple(validate_spec(spec, limits) for spec in plan.specs), plan.python, plan.preset)


@dataclass
class Job:
    """One run in progress or finished; the page polls it. Fields are written by the run thread only."""

    holder: Holder
    plan: RunPlan
    cancel: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    fraction: float = 0.0
    status: str = "starting the worker"
    results: list[BenchResult] = field(default_factory=list)
    run_ids: list[int] = field(default_factory=list)
    sweep_group: str | None = None
    error: str | None = None
    cancelled: bool = False


# Finished jobs kept so that a page reloaded (or a session reconnected) can find its run again by id.
KEEP_JOBS = 16


class RunSlot:
    """One benchmark at a time for the whole server (kept in st.cache_resource by the page)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._job: Job | None = None
        self._recent: dict[str, Job] = {}

    def job(self, run_id: str) -> Job | None:
        """A recent job by its run id (the page keeps it in the address), or None."""
        with self._lock:
            return self._recent.get(run_id)

    def holder(self) -> Holder | None:
        """Who runs now, or None when the slot is free."""
        with self._lock:
            job = self._job
        return None if job is None or job.done.is_set() else job.holder

    def start(self, owner: str, plan: RunPlan, work: Callable[[Job], None]) -> Job:
        """Claim the slot and run `work(job)` in a background thread; SlotBusy if another run holds it."""
        with self._lock:
            if self._job is not None and not self._job.done.is_set():
                raise SlotBusy(self._job.holder)
            job = Job(Holder(owner, plan.label, datetime.now().astimezone()), plan)
            self._job = job
            self._recent[job.holder.run_id] = job
            while len(self._recent) > KEEP_JOBS:
                del self._recent[next(iter(self._recent))]
        threading.Thread(target=_run_job, args=(job, work), name=f"bench-{owner[:8]}", daemon=True).start()
        return job


def _run_job(job: Job, work: Callable[[Job], None]) -> None:
    try:
        work(job)
        job.status = "finished"
    except RunCancelled:
        job.cancelled = True
        job.status = "cancelled"
    except InputError as error:
        job.error = str(error)
        job.status = "refused"
    except Exception as error:  # any failure must reach the page, and free the slot
        job.cancelled = job.cancel.is_set()
        job.error = None if job.cancelled else f"{type(error).__name__}: {error}"
        job.status = "cancelled" if job.cancelled else "failed"
    finally:
        job.done.set()


def progress_wording(progress: Progress) -> str:
    """What the worker does now, for the bar: the executor, and its repeat of the rounds planned so far."""
    if progress.phase == "repeat":
        return f"{progress.executor}, repeat {progress.repeat} of {progress.of} (planned so far)"
    if progress.phase == "warmup":
        return f"{progress.executor}, warm-up {progress.repeat} of {progress.of}"
    return f"{progress.executor}, starting"


def plan_work(store: ResultStore, limits: Limits, timeout_s: float) -> Callable[[Job], None]:
    """The work of a plan: validate every spec, run each through engine.bench.runner, save each result."""

    def work(job: Job) -> None:
        specs = [validate_spec(spec, limits) for spec in job.plan.specs]
        if len(specs) > 1:
            job.sweep_group = uuid.uuid4().hex
        for index, spec in enumerate(specs):
            step = f"run {index + 1} of {len(specs)}: " if len(specs) > 1 else ""

            def on_progress(progress: Progress, index: int = index, step: str = step) -> None:
                # One bar over the whole plan: each run's share is the worker's own fraction, which never falls.
                job.fraction = max(job.fraction, min(1.0, (index + progress.fraction) / len(specs)))
                job.status = f"{step}{progress_wording(progress)}"

            result = run_benchmark(
                spec, job.plan.python, on_progress=on_progress, cancel=job.cancel, timeout_s=timeout_s
            )
            job.results.append(result)
            job.run_ids.append(store.save(result, preset=job.plan.preset, sweep_group=job.sweep_group))
        job.fraction = 1.0

    return work


def comparison_work(
    store: ResultStore,
    variants: Sequence[Variant],
    budget_s: float | None,
    timeout_s: float,
    preset: str | None,
    repeats_per_round: int = REPEATS_PER_ROUND,
) -> Callable[[Job], None]:
    """The work of a plan across interpreters (engine.bench.variants): one comparison of the plan's spec, saved
    as one run; the job's results are its runs, its one run id the comparison's."""

    def work(job: Job) -> None:
        def on_progress(progress: Progress) -> None:
            job.fraction = max(job.fraction, progress.fraction)
            job.status = progress.executor

        comparison = run_variants(
            job.plan.specs[0],
            variants,
            budget_s=budget_s,
            repeats_per_round=repeats_per_round,
            on_progress=on_progress,
            cancel=job.cancel,
            timeout_s=timeout_s,
        )
        job.results.extend(comparison.runs)
        job.run_ids.append(store.save_comparison(comparison, preset=preset))
        job.fraction = 1.0

    return work


# The owner's Dask scheduler, read from the server's environment: the only address a public deployment uses.
SCHEDULER_ENV = "LAB_DASK_SCHEDULER"
_LOCAL_CLUSTER = "blank: a LocalCluster on this host, within the run limits"


def owner_scheduler(environ: Mapping[str, str]) -> str | None:
    """The scheduler address in LAB_DASK_SCHEDULER, checked; None when it is not set (a LocalCluster)."""
    from engine.bench.dask_executor import ACCEPTED_ADDRESS, check_address

    text = environ.get(SCHEDULER_ENV, "").strip()
    if not text:
        return None
    try:
        check_address(text)
    except InputError:
        raise InputError(SCHEDULER_ENV, f"{text!r} is not a scheduler address", ACCEPTED_ADDRESS) from None
    return text


def scheduler_for(public: bool, environ: Mapping[str, str], requested: str | None = None) -> str | None:
    """The scheduler address a run's dask executor uses, or None for a LocalCluster.

    Local mode: the address typed on the page, else the owner's LAB_DASK_SCHEDULER, else a LocalCluster.
    Public mode: a visitor never chooses one (Dask workers run whatever code the scheduler sends them, so an
    address belongs to its owner): only the owner's LAB_DASK_SCHEDULER, else a LocalCluster; anything typed
    is refused unless it is that very address."""
    from engine.bench.dask_executor import check_address

    owner = owner_scheduler(environ)
    text = (requested or "").strip()
    if public:
        if text and text != owner:
            raise InputError(
                "scheduler",
                "a visitor cannot choose a Dask scheduler on a shared deployment",
                f"{_LOCAL_CLUSTER}, or the server owner's {SCHEDULER_ENV}",
            )
        return owner
    if not text:
        return owner
    check_address(text)  # InputError naming `scheduler` and the accepted form
    return text


def with_scheduler(plan: RunPlan, scheduler: str | None) -> RunPlan:
    """`plan` with every spec that runs the dask executor pointed at `scheduler` (None: a LocalCluster)."""
    specs = tuple(replace(spec, scheduler=scheduler) if "dask" in spec.executors else spec for spec in plan.specs)
    return replace(plan, specs=specs)
