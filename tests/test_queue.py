"""The run slot's queue with fake runs: FIFO hand-off by the slot's own thread, positions and waits, leaving,
hand-off after a cancel or a failure, public bounds, a reloaded page finding its place, the same-run offer."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest

from engine.bench import slot as slot_module
from engine.bench.access import (
    ATTEMPT_WINDOW_S,
    ATTEMPTS_PER_SERVER,
    ATTEMPTS_PER_VISITOR,
    TeacherGate,
    TooManyAttempts,
    may_change,
    teacher_key,
)
from engine.bench.results import BenchSpec
from engine.bench.runner import RunCancelled
from engine.bench.slot import (
    PUBLIC_QUEUE,
    RUN_START_S,
    SAME_RUN_WINDOW_S,
    AlreadyQueued,
    Job,
    QueueBounds,
    QueueFull,
    RunPlan,
    RunSlot,
    SlotBusy,
    comparison_estimate_s,
    comparison_work,
    plan_estimate_s,
    spec_estimate_s,
)
from engine.bench.store import ResultStore
from engine.bench.variants import Variant
from tests.bench_fakes import make_comparison

TIMEOUT_S = 10


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeRuns:
    """Work functions that block until released, and record which thread ran them in which order."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.threads: list[str] = []
        self.started: dict[str, threading.Event] = {}
        self.release: dict[str, threading.Event] = {}

    def work(self, name: str, outcome: str = "finish"):
        self.started[name] = threading.Event()
        self.release[name] = threading.Event()

        def run(job: Job) -> None:
            self.order.append(name)
            self.threads.append(threading.current_thread().name)
            self.started[name].set()
            if outcome == "fail":
                raise RuntimeError(f"{name} crashed")
            while not self.release[name].wait(0.01):
                if job.cancel.is_set():
                    raise RunCancelled("cancelled")

        return run


def _plan(label: str, tasks: int = 4) -> RunPlan:
    return RunPlan(label, (BenchSpec("noop", ("sequential", "threads"), tasks=tasks, repeats=1, warmups=0),))


@pytest.fixture
def runs() -> FakeRuns:
    return FakeRuns()


def test_runs_queue_in_order_and_each_starts_by_itself_on_the_thread_that_held_the_slot(runs: FakeRuns) -> None:
    slot = RunSlot()
    first = slot.submit("a", _plan("A"), runs.work("A"))
    second = slot.submit("b", _plan("B"), runs.work("B"))
    third = slot.submit("c", _plan("C"), runs.work("C"))
    assert runs.started["A"].wait(TIMEOUT_S)
    assert (first.state, second.state, third.state) == ("running", "queued", "queued")
    assert [slot.position(job) for job in (first, second, third)] == [None, 1, 2]
    assert second.status == "queued"
    runs.release["A"].set()
    assert runs.started["B"].wait(TIMEOUT_S)
    # The slot is handed on before the finished run says it is done: whoever waits on it finds the next one running.
    assert first.done.is_set() and slot.running() is second and slot.position(third) == 1
    runs.release["B"].set()
    runs.release["C"].set()
    assert third.done.wait(TIMEOUT_S)
    assert runs.order == ["A", "B", "C"]
    assert len(set(runs.threads)) == 1, "one thread, the one that held the slot, starts each next run"
    assert [job.status for job in (first, second, third)] == ["finished"] * 3
    assert slot.running() is None and slot.queued() == []


def test_a_cancelled_or_failed_run_hands_the_slot_on(runs: FakeRuns) -> None:
    slot = RunSlot()
    first = slot.submit("a", _plan("A"), runs.work("A"))
    failing = slot.submit("b", _plan("B"), runs.work("B", outcome="fail"))
    last = slot.submit("c", _plan("C"), runs.work("C"))
    assert runs.started["A"].wait(TIMEOUT_S)
    slot.cancel(first)
    assert runs.started["C"].wait(TIMEOUT_S)
    assert (first.status, first.cancelled) == ("cancelled", True)
    assert (failing.status, failing.error) == ("failed", "RuntimeError: B crashed")
    runs.release["C"].set()
    assert last.done.wait(TIMEOUT_S) and last.status == "finished"
    assert runs.order == ["A", "B", "C"]


def test_leaving_the_queue_moves_the_others_up_and_runs_nothing(runs: FakeRuns) -> None:
    slot = RunSlot()
    first = slot.submit("a", _plan("A"), runs.work("A"))
    leaver = slot.submit("b", _plan("B"), runs.work("B"))
    stayer = slot.submit("c", _plan("C"), runs.work("C"))
    assert slot.leave(leaver)
    assert leaver.done.is_set() and leaver.cancelled and leaver.status == "left the queue"
    assert slot.position(stayer) == 1 and slot.queued() == [stayer]
    assert not slot.leave(leaver), "a job no longer queued cannot leave again"
    assert not slot.leave(first), "a running job is cancelled, not taken out of the queue"
    runs.release["A"].set()
    runs.release["C"].set()
    assert stayer.done.wait(TIMEOUT_S)
    assert runs.order == ["A", "C"]


def test_the_wait_is_the_rest_of_the_running_estimate_plus_the_estimates_ahead(runs: FakeRuns) -> None:
    clock = FakeClock()
    slot = RunSlot(clock=clock)
    first = slot.submit("a", _plan("A"), runs.work("A"), estimate_s=20.0)
    second = slot.submit("b", _plan("B"), runs.work("B"), estimate_s=7.0)
    third = slot.submit("c", _plan("C"), runs.work("C"))
    assert slot.wait_s(second) == 20.0
    clock.now += 5
    assert slot.wait_s(second) == 15.0
    assert slot.wait_s(third) == 15.0 + 7.0
    clock.now += 60  # the running run outlived its estimate: its rest counts as nothing, never below
    assert slot.wait_s(third) == 7.0
    assert slot.wait_s(first) == 0.0
    # A queued run's own estimate is its plan's: each spec's least repeats at sequential speed, or its budget.
    assert third.estimate_s == plan_estimate_s(third.plan)
    for name in "ABC":
        runs.release[name].set()
    assert third.done.wait(TIMEOUT_S)


def test_a_plan_estimate_follows_the_runner_model_and_the_budget() -> None:
    quick = BenchSpec("primes", ("sequential", "threads"), tasks=4, repeats=2, warmups=1)
    # (1 + 2) rounds x 2 executors x 4 tasks x ~50 ms at the kernel's default size.
    from engine.bench.runner import estimated_sequential_task_s
    from kernels import get_kernel

    kernel = get_kernel("primes")
    task_s = estimated_sequential_task_s(kernel, kernel.default_size)
    assert plan_estimate_s(RunPlan("q", (quick,))) == pytest.approx(3 * 2 * 4 * task_s + RUN_START_S)
    budgeted = BenchSpec("primes", ("sequential", "threads"), tasks=4, repeats=2, warmups=1, budget_s=25.0)
    assert plan_estimate_s(RunPlan("b", (budgeted, budgeted))) == pytest.approx(2 * (25.0 + RUN_START_S))
    assert plan_estimate_s(RunPlan("calibration", ())) == 0.0


def test_public_bounds_the_queue_and_each_visitor_to_one_queued_run(runs: FakeRuns) -> None:
    slot = RunSlot()
    slot.submit("holder", _plan("A"), runs.work("A"))
    mine = slot.submit("me", _plan("B"), runs.work("B"), bounds=PUBLIC_QUEUE)
    with pytest.raises(AlreadyQueued) as again:
        slot.submit("me", _plan("C"), runs.work("C"), bounds=PUBLIC_QUEUE)
    assert again.value.job is mine
    assert str(again.value).startswith("You already have a run in the queue (B, position 1)")
    small = QueueBounds(length=3, per_owner=1)
    slot.submit("v2", _plan("D"), runs.work("D"), bounds=small)
    slot.submit("v3", _plan("E"), runs.work("E"), bounds=small)
    with pytest.raises(QueueFull, match=r"^The queue is full: 3 runs wait already"):
        slot.submit("v4", _plan("F"), runs.work("F"), bounds=small)
    assert [job.holder.owner for job in slot.queued()] == ["me", "v2", "v3"]
    assert PUBLIC_QUEUE.length == 30
    # The holder itself may queue its next run: one *queued* run per visitor.
    slot.submit("holder", _plan("G"), runs.work("G"), bounds=PUBLIC_QUEUE)
    for job in slot.queued():
        slot.leave(job)
    runs.release["A"].set()


def test_local_mode_lets_one_user_queue_several_runs(runs: FakeRuns) -> None:
    slot = RunSlot()
    slot.submit("me", _plan("A"), runs.work("A"))
    queued = [slot.submit("me", _plan(name), runs.work(name)) for name in "BCD"]
    assert [slot.position(job) for job in queued] == [1, 2, 3]
    for job in queued:
        slot.leave(job)
    runs.release["A"].set()


def test_a_reloaded_page_finds_its_place_by_owner_and_kind(runs: FakeRuns) -> None:
    slot = RunSlot()
    slot.submit("a", _plan("A"), runs.work("A"))
    bench = slot.submit("b", _plan("B"), runs.work("B"))
    quiz = slot.submit("b", _plan("C"), runs.work("C"), kind="quiz")
    assert slot.jobs_of("b") == [bench, quiz]
    assert slot.jobs_of("b", kind="benchmark") == [bench]
    assert slot.job(bench.run_id) is bench and slot.position(slot.jobs_of("b", kind="quiz")[0]) == 2
    assert slot.jobs_of("nobody") == []
    for job in slot.queued():
        slot.leave(job)
    runs.release["A"].set()


def test_queued_and_running_jobs_are_never_forgotten_however_many_finish(runs: FakeRuns) -> None:
    from engine.bench import slot as slot_module

    slot = RunSlot()
    running = slot.submit("a", _plan("A"), runs.work("A"))
    waiting = slot.submit("b", _plan("B"), runs.work("B"))
    for index in range(slot_module.KEEP_JOBS + 5):
        extra = slot.submit(f"x{index}", _plan(f"X{index}"), runs.work(f"X{index}"))
        slot.leave(extra)
    assert slot.job(running.run_id) is running and slot.job(waiting.run_id) is waiting
    slot.leave(waiting)
    runs.release["A"].set()
    assert running.done.wait(TIMEOUT_S)


def test_the_same_run_is_offered_while_queued_running_or_just_finished(runs: FakeRuns) -> None:
    clock = FakeClock()
    slot = RunSlot(clock=clock)
    running = slot.submit("a", _plan("same"), runs.work("A"))
    assert slot.same_run(_plan("same")) is running
    assert slot.same_run(_plan("other", tasks=8)) is None
    queued = slot.submit("b", _plan("other", tasks=8), runs.work("B"))
    assert slot.same_run(_plan("other", tasks=8)) is queued
    runs.release["A"].set()
    assert running.done.wait(TIMEOUT_S)
    clock.now += 120
    assert slot.same_run(_plan("same")) is running and slot.ago_s(running) == 120
    clock.now += SAME_RUN_WINDOW_S
    assert slot.same_run(_plan("same")) is None, "a result older than the window is run again"
    assert runs.started["B"].wait(TIMEOUT_S)
    slot.cancel(queued)  # running by now: cancelled, not taken out of the queue
    assert queued.done.wait(TIMEOUT_S) and queued.cancelled
    assert slot.same_run(_plan("other", tasks=8)) is None, "a cancelled run is no result to offer"
    assert slot.same_run(RunPlan("host calibration", ())) is None


def test_start_refuses_while_a_run_holds_the_slot_or_waits_for_it(runs: FakeRuns) -> None:
    slot = RunSlot()
    first = slot.submit("a", _plan("A"), runs.work("A"))
    slot.submit("b", _plan("B"), runs.work("B"))
    with pytest.raises(SlotBusy) as busy:
        slot.start("c", _plan("C"), runs.work("C"))
    assert busy.value.holder == first.holder
    for job in slot.queued():
        slot.leave(job)
    runs.release["A"].set()


def test_owners_change_only_their_own_in_public_mode_and_everything_locally() -> None:
    assert may_change("a" * 32, "a" * 32, public=True, teacher=False)
    assert not may_change("a" * 32, "b" * 32, public=True, teacher=False)
    assert not may_change(None, "b" * 32, public=True, teacher=False), "a run without a recorded owner: teacher only"
    assert may_change("a" * 32, "b" * 32, public=True, teacher=True)
    assert may_change("a" * 32, "b" * 32, public=False, teacher=False)
    assert teacher_key({"LAB_TEACHER_KEY": " s3cret "}) == "s3cret"
    assert teacher_key({"LAB_TEACHER_KEY": "env"}, "from-secret") == "from-secret"
    assert teacher_key({}, None) is None and teacher_key({"LAB_TEACHER_KEY": "  "}) is None


def test_teacher_attempts_are_limited_per_visitor_and_per_server() -> None:
    clock = FakeClock()
    gate = TeacherGate("right-key", clock=clock)
    for _ in range(ATTEMPTS_PER_VISITOR):
        assert not gate.attempt("visitor", "guess")
    with pytest.raises(TooManyAttempts, match="from this browser"):
        gate.attempt("visitor", "right-key")
    assert not gate.is_teacher("visitor"), "the right key past the limit admits nobody"
    clock.now += ATTEMPT_WINDOW_S
    assert gate.attempt("visitor", "right-key") and gate.is_teacher("visitor")
    gate.leave("visitor")
    assert not gate.is_teacher("visitor")
    # Many visitors guessing together are bounded by the server's own limit.
    for index in range(ATTEMPTS_PER_SERVER - 1):
        gate.attempt(f"v{index}", "guess")
    with pytest.raises(TooManyAttempts, match="on this server"):
        gate.attempt("fresh", "right-key")
    assert not TeacherGate(None).attempt("x", "")


def test_a_comparison_queues_behind_a_run_and_is_saved_as_its_owners(
    runs: FakeRuns, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The free_threading preset's run from the page: comparison_work through submit, handed on by the slot's thread.
    calls: list[tuple[str, int]] = []

    def fake_run_variants(spec: BenchSpec, variants, **kwargs) -> object:
        calls.append((threading.current_thread().name, len(variants)))
        return make_comparison()

    monkeypatch.setattr(slot_module, "run_variants", fake_run_variants)
    store = ResultStore(tmp_path / "results.sqlite3")
    slot = RunSlot()
    first = slot.submit("a", _plan("first"), runs.work("first"))
    assert runs.started["first"].wait(TIMEOUT_S)
    variants = [Variant("/opt/python3.14t", gil="off"), Variant("/opt/python3.14")]
    plan = RunPlan("free threading", _plan("x").specs, "/opt/python3.14t", "free_threading")
    estimate = comparison_estimate_s(plan, len(variants), 30.0)
    compared = slot.submit(
        "b",
        plan,
        comparison_work(store, variants, 30.0, 60.0, "free_threading"),
        bounds=PUBLIC_QUEUE,
        estimate_s=estimate,
    )
    assert (compared.state, slot.position(compared), slot.wait_s(compared) > 0) == ("queued", 1, True)
    assert slot.same_run(plan) is compared, "the same comparison is offered, not queued twice"
    runs.release["first"].set()
    assert compared.done.wait(TIMEOUT_S) and compared.succeeded
    assert calls == [(threads_of(first), 2)], "the thread that held the slot ran the comparison"
    (record,) = store.runs()
    assert (record.kind, compared.run_ids) == ("comparison", [record.id])
    assert store.owners([record.id]) == {record.id: "b"}


def threads_of(job: Job) -> str:
    return f"bench-{job.run_id[:8]}"


def test_a_comparison_estimate_is_its_fewest_rounds_of_every_variant_or_its_budget() -> None:
    plan = _plan("x")
    worker = dataclasses.replace(plan.specs[0], repeats=2, max_repeats=None, budget_s=None)
    rounds = 3  # six repeats for an interval, two a round
    assert comparison_estimate_s(plan, 2, None) == pytest.approx(rounds * 2 * spec_estimate_s(worker))
    assert comparison_estimate_s(plan, 2, 1e6) == 1e6
