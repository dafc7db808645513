"""The one-run slot: a second run is refused with who and since when, failures free it, plans save results."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import psutil
import pytest

from engine.bench.results import BenchSpec
from engine.bench.runner import LOCAL_LIMITS, PUBLIC_LIMITS
from engine.bench.slot import Holder, Job, RunPlan, RunSlot, SlotBusy, checked_plan, limits_for, plan_work, public_mode
from engine.bench.store import ResultStore
from engine.errors import InputError

PLAN = RunPlan(label="The GIL and CPU work", specs=(BenchSpec("noop", ("sequential", "threads")),), preset="gil_cpu")


class _RecordingJob(Job):
    """A job that keeps every status it was given, to check what the progress bar would have said."""

    statuses: list[str]

    def __setattr__(self, name: str, value: object) -> None:
        if name == "status":
            self.__dict__.setdefault("statuses", []).append(value)
        super().__setattr__(name, value)


def _blocked_work(release: threading.Event):
    def work(job: Job) -> None:
        release.wait(timeout=10)

    return work


def test_second_run_is_refused_with_holder_and_start_time() -> None:
    slot = RunSlot()
    release = threading.Event()
    first = slot.start("session-a", PLAN, _blocked_work(release))
    with pytest.raises(SlotBusy) as busy:
        slot.start("session-b", PLAN, _blocked_work(release))
    assert busy.value.holder.owner == "session-a"
    since = first.holder.since.strftime("%H:%M:%S")
    assert (
        str(busy.value)
        == f"A run is in progress since {since} (The GIL and CPU work); a run pressed now joins the queue."
    )
    assert slot.holder() == first.holder
    release.set()
    assert first.done.wait(timeout=5)
    assert slot.holder() is None
    second = slot.start("session-b", PLAN, _blocked_work(release))
    assert second.done.wait(timeout=5)
    assert second.status == "finished"


def test_a_failing_run_frees_the_slot_and_says_why() -> None:
    slot = RunSlot()

    def work(job: Job) -> None:
        raise RuntimeError("worker crashed")

    job = slot.start("session-a", PLAN, work)
    assert job.done.wait(timeout=5)
    assert (job.status, job.error, job.cancelled) == ("failed", "RuntimeError: worker crashed", False)
    assert slot.holder() is None


def test_only_one_of_many_simultaneous_starts_wins() -> None:
    slot = RunSlot()
    release = threading.Event()
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def attempt(owner: str) -> None:
        barrier.wait()
        try:
            slot.start(owner, PLAN, _blocked_work(release))
            outcomes.append("ran")
        except SlotBusy:
            outcomes.append("waits")

    threads = [threading.Thread(target=attempt, args=(f"s{index}",)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    release.set()
    assert sorted(outcomes) == ["ran"] + ["waits"] * 7


def test_plan_runs_every_spec_reports_progress_and_saves_a_sweep_group(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "results.sqlite3")
    plan = RunPlan(
        label="sweep",
        specs=tuple(
            BenchSpec("noop", ("sequential", "threads"), tasks=2, repeats=1, warmups=0, workers=w) for w in (1, 2)
        ),
        preset="scaling_workers",
    )
    job = _RecordingJob(Holder("x", plan.label, datetime.now().astimezone()), plan)
    plan_work(store, LOCAL_LIMITS, timeout_s=60)(job)
    statuses = job.statuses
    assert job.fraction == 1.0
    assert any(status.startswith("run 2 of 2: threads, repeat 1 of 1") for status in statuses)
    assert [result.spec.workers for result in store.load_group(job.sweep_group)] == [1, 2]
    assert [record.preset for record in store.runs()] == ["scaling_workers", "scaling_workers"]


def test_cancelled_plan_saves_nothing_and_leaves_no_process(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "results.sqlite3")
    plan = RunPlan(label="slow", specs=(BenchSpec("sleep_io", ("sequential", "processes"), tasks=50, size=100),))
    slot = RunSlot()
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    job = slot.start("a", plan, plan_work(store, LOCAL_LIMITS, timeout_s=60))
    deadline = threading.Event()
    while not job.status.startswith("sequential") and not job.done.is_set():
        deadline.wait(0.05)
    job.cancel.set()
    assert job.done.wait(timeout=5)
    assert job.cancelled and job.status == "cancelled" and job.error is None
    assert store.runs() == []
    left = {child.pid for child in psutil.Process().children(recursive=True)} - before
    assert left == set()


def test_a_spec_past_the_limits_is_refused_before_anything_runs(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "results.sqlite3")
    plan = RunPlan(label="big", specs=(BenchSpec("primes", ("sequential", "processes"), workers=16),))
    job = RunSlot().start("a", plan, plan_work(store, PUBLIC_LIMITS, timeout_s=30))
    assert job.done.wait(timeout=5)
    assert job.error is not None and job.error.startswith("workers: is 16; accepted: a whole number from 1 to 4")
    assert store.runs() == []


@pytest.mark.parametrize(
    ("environ", "secret", "public"),
    [({}, None, False), ({"LAB_PUBLIC": "1"}, None, True), ({"LAB_PUBLIC": "0"}, True, True), ({}, "false", False)],
)
def test_public_mode_from_environment_or_secret(environ: dict[str, str], secret: object, public: bool) -> None:
    assert public_mode(environ, secret) is public
    assert limits_for(public) == (PUBLIC_LIMITS if public else LOCAL_LIMITS)


def test_checked_plan_names_the_field_before_anything_starts() -> None:
    plan = RunPlan(label="custom", specs=(BenchSpec("primes", ("sequential", "processes"), tasks=500),))
    with pytest.raises(InputError, match=r"^tasks: is 500; accepted: a whole number from 1 to 200"):
        checked_plan(plan, PUBLIC_LIMITS)
    assert checked_plan(PLAN, LOCAL_LIMITS) == PLAN


def test_a_recent_run_is_found_again_by_its_id() -> None:
    slot = RunSlot()
    job = slot.start("session-a", PLAN, lambda job: None)
    assert job.done.wait(timeout=5)
    assert slot.job(job.holder.run_id) is job
    assert slot.job("not-a-run") is None


def test_the_progress_bar_of_a_plan_never_runs_backwards(tmp_path: Path) -> None:
    # Before: 0..100% in the warm-up, then 11, 44, 77, 22, ... as the interleaved repeats went round.
    fractions: list[float] = []

    class RecordingJob(Job):
        def __setattr__(self, name: str, value: object) -> None:
            if name == "fraction":
                fractions.append(float(value))  # type: ignore[arg-type]
            super().__setattr__(name, value)

    specs = tuple(
        BenchSpec("noop", ("sequential", "threads", "asyncio"), tasks=2, repeats=3, warmups=2, workers=w)
        for w in (1, 2)
    )
    plan = RunPlan("bar", specs)
    job = RecordingJob(Holder("me", "bar", datetime.now()), plan)
    plan_work(ResultStore(tmp_path / "r.sqlite"), LOCAL_LIMITS, 60)(job)
    assert len(fractions) > 10
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
