"""measure.py: statistics, checksums, and the warm-up/repeat protocol (interleaved, adaptive within a budget)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.bench.executors import RepeatRun, Session, Work
from engine.bench.intervals import speedup
from engine.bench.measure import NOISY_SPREAD, Measurement, checksum, measure_all, summarize
from kernels import cpu


def test_summarize_gives_median_min_max_and_spread() -> None:
    stats = summarize([1.0, 3.0, 2.0])
    assert (stats.median_s, stats.min_s, stats.max_s) == (2.0, 1.0, 3.0)
    assert stats.spread == pytest.approx(1.0)
    assert stats.noisy


def test_tight_repeats_are_not_noisy() -> None:
    assert not summarize([1.0, 1.01, 0.99]).noisy
    assert summarize([1.0, 1.0, 1.0 + NOISY_SPREAD * 1.01]).noisy


@given(st.lists(st.floats(min_value=1e-6, max_value=1e3), min_size=1, max_size=30))
def test_median_lies_between_min_and_max(times: list[float]) -> None:
    stats = summarize(times)
    assert stats.min_s <= stats.median_s <= stats.max_s
    assert stats.spread >= 0


def test_speedup_is_baseline_over_executor() -> None:
    assert speedup(1.0, 0.5) == 2.0
    with pytest.raises(ValueError):
        speedup(1.0, 0.0)


def test_checksum_depends_on_values_and_their_order() -> None:
    assert checksum([1, 2, 3]) == checksum((1, 2, 3))
    assert checksum([1, 2, 3]) != checksum([3, 2, 1])
    assert checksum(["a"]) != checksum([1])


class CountingSession(Session):
    """A fake executor: counts repeats, and can return different values from one repeat to the next."""

    name = "fake"

    def __init__(self, vary: bool = False) -> None:
        super().__init__(Work(cpu.noop, 0), 1, None)
        self.runs = 0
        self.closed = False
        self.vary = vary

    def start(self) -> float:
        return 0.25

    def run(self, tasks: int) -> RepeatRun:
        self.runs += 1
        value = self.runs if self.vary else 0
        return RepeatRun(elapsed_s=0.1 * self.runs, values=(value,) * tasks, spans=())

    def close(self) -> None:
        self.closed = True


class FailingSession(CountingSession):
    def run(self, tasks: int) -> RepeatRun:
        super().run(tasks)
        raise RuntimeError("kernel broke")


def test_measure_all_runs_warmups_untimed_then_repeats_round_robin() -> None:
    first, second = CountingSession(), CountingSession()
    seen: list[tuple[str, str, int, int]] = []
    outcomes = measure_all(
        {"first": first, "second": second}, tasks=3, repeats=3, warmups=2, on_repeat=lambda *e: seen.append(e[:4])
    ).measurements
    assert first.runs == second.runs == 5 and first.closed and second.closed
    measured = outcomes["first"]
    assert isinstance(measured, Measurement)
    assert measured.startup_s == 0.25
    assert measured.times_s == pytest.approx((0.3, 0.4, 0.5))  # the two warm-ups are not among them
    assert measured.checksum == checksum([0, 0, 0])
    # Every step goes round all executors before the next: a load change hits both alike.
    assert seen[:4] == [
        ("first", "startup", 0, 1),
        ("second", "startup", 0, 1),
        ("first", "warmup", 1, 2),
        ("second", "warmup", 1, 2),
    ]
    assert seen[-2:] == [("first", "repeat", 3, 3), ("second", "repeat", 3, 3)]


def test_a_failing_executor_is_closed_at_once_and_the_others_go_on() -> None:
    broken, healthy = FailingSession(), CountingSession()
    outcomes = measure_all({"broken": broken, "healthy": healthy}, tasks=2, repeats=3, warmups=1).measurements
    assert isinstance(outcomes["broken"], RuntimeError)
    assert broken.runs == 1 and broken.closed
    assert isinstance(outcomes["healthy"], Measurement) and len(outcomes["healthy"].repeats) == 3


def test_repeats_that_disagree_cannot_match_any_baseline() -> None:
    outcome = measure_all({"varying": CountingSession(vary=True)}, tasks=2, repeats=2, warmups=0).measurements[
        "varying"
    ]
    assert isinstance(outcome, Measurement)
    assert outcome.checksum.startswith("inconsistent:")


class FakeClock:
    """A clock that each fake repeat moves on by its duration: budgets are tested without waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class TimedSession(Session):
    """A fake executor whose repeat takes `base` seconds times a noise factor drawn from a seeded generator."""

    name = "timed"

    def __init__(self, clock: FakeClock, base: float, noise: float, seed: int) -> None:
        super().__init__(Work(cpu.noop, 0), 1, None)
        self.clock, self.base, self.noise = clock, base, noise
        self.rng = random.Random(seed)

    def start(self) -> float:
        return 0.0

    def run(self, tasks: int) -> RepeatRun:
        elapsed = self.base * (1 + self.rng.uniform(-self.noise, self.noise))
        self.clock.now += elapsed
        return RepeatRun(elapsed_s=elapsed, values=(0,) * tasks, spans=())

    def close(self) -> None:
        pass


def _timed(noise: float, clock: FakeClock) -> dict[str, Session]:
    return {
        "sequential": TimedSession(clock, 1.0, noise, seed=1),
        "processes": TimedSession(clock, 0.5, noise, seed=2),
    }


def test_adaptive_repeats_stop_at_the_target_once_the_intervals_are_narrow() -> None:
    clock = FakeClock()
    done = measure_all(_timed(0.02, clock), 1, 6, 1, max_repeats=40, budget_s=1000, baseline="sequential", clock=clock)
    assert done.stopped_by == "target"
    assert done.rounds == 6  # 2% noise: the first possible interval is already within +-10%


def test_adaptive_repeats_add_rounds_until_the_budget_is_spent() -> None:
    clock = FakeClock()
    done = measure_all(_timed(0.9, clock), 1, 6, 1, max_repeats=40, budget_s=20, baseline="sequential", clock=clock)
    assert done.stopped_by == "budget"
    assert 6 < done.rounds < 40
    assert clock.now <= 20 + 1.5 * 1.9  # no round is started that would end well past the budget
    measured = done.measurements["processes"]
    assert isinstance(measured, Measurement) and len(measured.repeats) == done.rounds


def test_adaptive_repeats_stop_at_the_ceiling_and_never_below_the_minimum() -> None:
    clock = FakeClock()
    done = measure_all(_timed(0.9, clock), 1, 6, 0, max_repeats=9, baseline="sequential", clock=clock)
    assert (done.stopped_by, done.rounds) == ("max_repeats", 9)
    clock = FakeClock()
    done = measure_all(_timed(0.9, clock), 1, 6, 0, max_repeats=40, budget_s=0, baseline="sequential", clock=clock)
    assert (done.stopped_by, done.rounds) == ("budget", 6)


def test_the_progress_fraction_never_falls_and_names_each_repeat() -> None:
    clock = FakeClock()
    seen: list[tuple[str, str, int, int, float]] = []
    measure_all(
        _timed(0.9, clock),
        1,
        6,
        2,
        lambda *e: seen.append(e),
        max_repeats=40,
        budget_s=30,
        baseline="sequential",
        clock=clock,
    )
    fractions = [event[4] for event in seen]
    assert fractions == sorted(fractions) and fractions[0] >= 0.0 and fractions[-1] < 1.0
    repeats = [event for event in seen if event[1] == "repeat"]
    assert [event[2] for event in repeats[:4]] == [1, 1, 2, 2]
    assert all(event[2] <= event[3] for event in repeats)  # repeat k of the rounds planned so far
