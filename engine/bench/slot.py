"""Sharing one server: one benchmark at a time (the run slot), its first-in first-out queue, public mode's limits.

A second run at once would spoil both measurements, so a press while the slot is busy joins the queue (or, with
`start`, is refused with who holds it since when). The run itself happens in a thread that drives
engine.bench.runner and saves each result to the store; when it ends, however it ends, that same thread starts
the next run in line, so a queued visitor's run starts even if their browser is idle. Never imports streamlit.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
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
    estimated_sequential_task_s,
    run_benchmark,
    validate_spec,
)
from engine.bench.store import ResultStore
from engine.bench.variants import REPEATS_PER_ROUND, Variant, min_rounds, run_variants
from engine.errors import InputError
from kernels import get_kernel

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
        return f"A run is in progress since {self.since:%H:%M:%S} ({self.label}); a run pressed now joins the queue."


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


# Each run's fixed cost beyond its tasks (the worker's start and the host probe), in the wait estimate.
RUN_START_S = 1.0


def spec_estimate_s(spec: BenchSpec) -> float:
    """About how long one spec runs, at most: validate_spec's model (its least repeats, every executor as slow as
    sequential, runner.estimated_sequential_task_s), or its time budget for more repeats if that is longer."""
    kernel = get_kernel(spec.kernel)
    size = kernel.default_size if spec.size is None else spec.size
    runs = (spec.warmups + spec.repeats) * len(set(spec.executors) | {"sequential"})
    least_s = runs * spec.tasks * estimated_sequential_task_s(kernel, size, spec.latency_ms)
    return max(least_s, spec.budget_s or 0.0) + RUN_START_S


def plan_estimate_s(plan: RunPlan) -> float:
    """A plan's estimate: the sum of its specs' (a plan without specs, such as a calibration, gives 0)."""
    return sum(spec_estimate_s(spec) for spec in plan.specs)


def comparison_estimate_s(
    plan: RunPlan, variants: int, budget_s: float | None, repeats_per_round: int = REPEATS_PER_ROUND
) -> float:
    """A comparison's estimate (engine.bench.variants.run_variants): its fewest rounds, each one worker per
    variant giving `repeats_per_round` repeats of the plan's spec, or its budget for more rounds if that is
    longer."""
    spec = plan.specs[0]
    worker = replace(spec, repeats=repeats_per_round, max_repeats=None, budget_s=None)
    least_s = min_rounds(repeats_per_round, spec.repeats) * variants * spec_estimate_s(worker)
    return max(least_s, budget_s or 0.0)


@dataclass
class Job:
    """One run, queued, in progress or finished; the page polls it. Fields are written by the slot only."""

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
    kind: str = "benchmark"  # which page asked: "benchmark", "quiz" or "calibration"
    estimate_s: float = 0.0
    started_at: float | None = None  # the slot's clock (monotonic seconds) when the run began; None: still queued
    ended_at: float | None = None

    @property
    def run_id(self) -> str:
        return self.holder.run_id

    @property
    def state(self) -> str:
        """ "queued", "running" or "done"."""
        if self.done.is_set():
            return "done"
        return "queued" if self.started_at is None else "running"

    @property
    def succeeded(self) -> bool:
        return self.done.is_set() and not self.cancelled and self.error is None


class QueueRefused(Exception):
    """A press that joins neither the slot nor the queue; the message says why in one line."""


class QueueFull(QueueRefused):
    def __init__(self, length: int) -> None:
        self.length = length
        super().__init__(f"The queue is full: {length} runs wait already. Try again when it is shorter.")


class AlreadyQueued(QueueRefused):
    """Public mode: a visitor has one run in the queue at a time."""

    def __init__(self, job: Job, position: int) -> None:
        self.job = job
        super().__init__(
            f"You already have a run in the queue ({job.plan.label}, position {position}): "
            "one queued run per visitor on a shared deployment. Leave it first, or wait for it."
        )


@dataclass(frozen=True)
class QueueBounds:
    """How long the queue may grow, and how many queued runs one owner may have (None: any number)."""

    length: int
    per_owner: int | None


PUBLIC_QUEUE = QueueBounds(length=30, per_owner=1)
LOCAL_QUEUE = QueueBounds(length=100, per_owner=None)


def queue_bounds(public: bool) -> QueueBounds:
    return PUBLIC_QUEUE if public else LOCAL_QUEUE


# A run of the same plan that succeeded this recently is offered instead of a new copy.
SAME_RUN_WINDOW_S = 600.0
# Finished jobs kept so that a page reloaded (or a session reconnected) can find its run again by id.
KEEP_JOBS = 32


class RunSlot:
    """One benchmark at a time for the whole server, and the queue of the runs waiting for it.

    Kept in st.cache_resource by the page. `clock` (monotonic seconds) is for the wait estimates and the
    same-run window; tests give a fake one.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._job: Job | None = None
        self._queue: deque[tuple[Job, Callable[[Job], None]]] = deque()
        self._recent: dict[str, Job] = {}

    def job(self, run_id: str) -> Job | None:
        """A queued, running or recent job by its run id (the page keeps it in the address), or None."""
        with self._lock:
            return self._recent.get(run_id)

    def holder(self) -> Holder | None:
        """Who runs now, or None when the slot is free."""
        with self._lock:
            job = self._job
        return None if job is None or job.done.is_set() else job.holder

    def running(self) -> Job | None:
        with self._lock:
            return self._job

    def queued(self) -> list[Job]:
        """The jobs waiting, first in line first."""
        with self._lock:
            return [job for job, _ in self._queue]

    def position(self, job: Job) -> int | None:
        """`job`'s place in the queue, 1 for the next to run; None when it is not queued."""
        with self._lock:
            return next((index for index, (queued, _) in enumerate(self._queue, 1) if queued is job), None)

    def wait_s(self, job: Job) -> float:
        """The estimated seconds before `job` starts: what is left of the running run's estimate (never below
        zero), plus the estimates of every run queued ahead of it. 0 when it is not queued."""
        with self._lock:
            ahead = []
            for queued, _ in self._queue:
                if queued is job:
                    break
                ahead.append(queued.estimate_s)
            else:
                return 0.0
            running = self._job
            left = 0.0
            if running is not None and running.started_at is not None:
                left = max(0.0, running.estimate_s - (self._clock() - running.started_at))
        return left + sum(ahead)

    def ago_s(self, job: Job) -> float:
        """Seconds since `job` ended (0 while it has not)."""
        return 0.0 if job.ended_at is None else max(0.0, self._clock() - job.ended_at)

    def jobs_of(self, owner: str, kind: str | None = None) -> list[Job]:
        """The owner's recent, running and queued jobs (of one kind, if given), oldest first: how a reloaded page
        finds its place in the queue again."""
        with self._lock:
            jobs = list(self._recent.values())
        return [job for job in jobs if job.holder.owner == owner and kind in (None, job.kind)]

    def same_run(self, plan: RunPlan) -> Job | None:
        """A job of the same plan (specs, interpreter and preset) that is queued, running, or succeeded within
        SAME_RUN_WINDOW_S; the newest such. None for a plan without specs (a calibration) or when there is none."""
        if not plan.specs:
            return None
        now = self._clock()
        with self._lock:
            jobs = list(self._recent.values())
        for job in reversed(jobs):
            same = (job.plan.specs, job.plan.python, job.plan.preset) == (plan.specs, plan.python, plan.preset)
            if not same or (job.done.is_set() and not job.succeeded):
                continue
            if job.ended_at is None or now - job.ended_at <= SAME_RUN_WINDOW_S:
                return job
        return None

    def start(self, owner: str, plan: RunPlan, work: Callable[[Job], None], *, kind: str = "benchmark") -> Job:
        """Claim the slot and run `work(job)` in a background thread; SlotBusy if a run holds it or waits for it."""
        with self._lock:
            if self._job is not None or self._queue:
                raise SlotBusy(self._job.holder if self._job is not None else self._queue[0][0].holder)
            job = self._new_job(owner, plan, kind, None)
            self._begin(job)
        self._spawn(job, work)
        return job

    def submit(
        self,
        owner: str,
        plan: RunPlan,
        work: Callable[[Job], None],
        *,
        bounds: QueueBounds = LOCAL_QUEUE,
        kind: str = "benchmark",
        estimate_s: float | None = None,
    ) -> Job:
        """Run `work(job)` now if the slot is free, else queue it (FIFO) to be started by the thread that holds
        the slot. QueueFull when `bounds.length` runs wait already; AlreadyQueued when the owner has
        `bounds.per_owner` queued runs. `estimate_s` defaults to the plan's own estimate."""
        with self._lock:
            job = self._new_job(owner, plan, kind, estimate_s)
            if self._job is None and not self._queue:
                self._begin(job)
            else:
                if len(self._queue) >= bounds.length:
                    raise QueueFull(len(self._queue))
                mine = [
                    (index, queued) for index, (queued, _) in enumerate(self._queue, 1) if queued.holder.owner == owner
                ]
                if bounds.per_owner is not None and len(mine) >= bounds.per_owner:
                    raise AlreadyQueued(mine[0][1], mine[0][0])
                job.status = "queued"
                self._queue.append((job, work))
                self._remember(job)
                return job
        self._spawn(job, work)
        return job

    def leave(self, job: Job) -> bool:
        """Take a queued job out of the queue (it ends as cancelled, nothing ran); False if it was not queued."""
        with self._lock:
            for entry in self._queue:
                if entry[0] is job:
                    self._queue.remove(entry)
                    break
            else:
                return False
            job.cancelled = True
            job.status = "left the queue"
            job.ended_at = self._clock()
        job.done.set()
        return True

    def cancel(self, job: Job) -> None:
        """Stop a job: a queued one leaves the queue, a running one is cancelled (its worker tree is stopped)."""
        if not self.leave(job):
            job.cancel.set()

    def _new_job(self, owner: str, plan: RunPlan, kind: str, estimate_s: float | None) -> Job:
        estimate = plan_estimate_s(plan) if estimate_s is None else estimate_s
        return Job(Holder(owner, plan.label, datetime.now().astimezone()), plan, kind=kind, estimate_s=estimate)

    def _remember(self, job: Job) -> None:
        # Under the lock. Only finished jobs are forgotten, the oldest first: a queued or running one never is.
        self._recent[job.run_id] = job
        finished = [run_id for run_id, kept in self._recent.items() if kept.done.is_set()]
        for run_id in finished[: max(0, len(finished) - KEEP_JOBS)]:
            del self._recent[run_id]

    def _begin(self, job: Job) -> None:
        # Under the lock: `job` holds the slot from now; its holder says since when.
        job.holder = replace(job.holder, since=datetime.now().astimezone())
        job.started_at = self._clock()
        job.status = "starting the worker"
        self._job = job
        self._remember(job)

    def _spawn(self, job: Job, work: Callable[[Job], None]) -> None:
        threading.Thread(target=self._drive, args=(job, work), name=f"bench-{job.run_id[:8]}", daemon=True).start()

    def _drive(self, job: Job, work: Callable[[Job], None]) -> None:
        """The slot's thread: run the job, then hand the slot to the next in line before saying the job is done
        (so whoever waits on `done` finds the slot already handed on), and go on until the queue is empty."""
        while True:
            _run_job(job, work)
            with self._lock:
                job.ended_at = self._clock()
                following = self._queue.popleft() if self._queue else None
                self._job = None
                if following is not None:
                    self._begin(following[0])
            job.done.set()
            if following is None:
                return
            job, work = following


def _run_job(job: Job, work: Callable[[Job], None]) -> None:
    """Run `work(job)` and record how it ended; never raises, so the slot is always handed on."""
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
            run_id = store.save(result, preset=job.plan.preset, sweep_group=job.sweep_group, owner=job.holder.owner)
            job.run_ids.append(run_id)
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
    as one run owned by the job's owner; the job's results are its runs, its one run id the comparison's. It is
    submitted like any plan's work (the same queue and hand-off), with `comparison_estimate_s` for its wait."""

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
        job.run_ids.append(store.save_comparison(comparison, preset=preset, owner=job.holder.owner))
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
