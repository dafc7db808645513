"""measure.py: statistics, speedup and band, checksums, and the warm-up/repeat protocol."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.bench.executors import RepeatRun, Session, Work
from engine.bench.measure import NOISY_SPREAD, Measurement, band_for, checksum, measure_all, speedup, summarize
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


def test_speedup_is_baseline_over_executor_and_bands_follow_the_lesson() -> None:
    assert speedup(1.0, 0.5) == 2.0
    assert band_for(1.0, 2.0) == (0.5, "dont_use")
    assert band_for(1.0, 1 / 1.1)[1] == "not_justified"
    assert band_for(1.0, 1 / 1.5)[1] == "worth_considering"
    assert band_for(1.0, 1 / 3.0)[1] == "clear_winner"
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
        {"first": first, "second": second}, tasks=3, repeats=3, warmups=2, on_repeat=lambda *e: seen.append(e)
    )
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
    outcomes = measure_all({"broken": broken, "healthy": healthy}, tasks=2, repeats=3, warmups=1)
    assert isinstance(outcomes["broken"], RuntimeError)
    assert broken.runs == 1 and broken.closed
    assert isinstance(outcomes["healthy"], Measurement) and len(outcomes["healthy"].repeats) == 3


def test_repeats_that_disagree_cannot_match_any_baseline() -> None:
    outcome = measure_all({"varying": CountingSession(vary=True)}, tasks=2, repeats=2, warmups=0)["varying"]
    assert isinstance(outcome, Measurement)
    assert outcome.checksum.startswith("inconsistent:")
