"""intervals.py: the paired bootstrap interval of a speedup, its coverage, and the bands read from it."""

from __future__ import annotations

import math
import random

import pytest

from engine.bench.intervals import MIN_INTERVAL_REPEATS, narrow_enough, speedup_interval
from engine.bench.results import DEFAULT_REPEATS, BenchSpec, interval_bands
from engine.bench.runner import run_benchmark


def _synthetic(seed: int, rounds: int, ratio: float, load: float, noise: float) -> tuple[list[float], list[float]]:
    """Interleaved repeats: a load factor shared by each round, then each executor's own noise (lognormal)."""
    rng = random.Random(seed)
    baseline, executor = [], []
    for _ in range(rounds):
        shared = math.exp(rng.gauss(0, load))
        baseline.append(1.0 * shared * math.exp(rng.gauss(0, noise)))
        executor.append(1.0 / ratio * shared * math.exp(rng.gauss(0, noise)))
    return baseline, executor


@pytest.mark.parametrize(("rounds", "load", "noise"), [(6, 0.2, 0.05), (10, 0.0, 0.15), (12, 0.1, 0.1)])
def test_the_interval_covers_the_true_ratio_about_95_times_in_100(rounds: int, load: float, noise: float) -> None:
    true_ratio = 1.8
    trials = 250
    covered = 0
    for seed in range(trials):
        baseline, executor = _synthetic(seed, rounds, true_ratio, load, noise)
        interval = speedup_interval(baseline, executor, resamples=500)
        assert interval is not None
        covered += interval[0] <= true_ratio <= interval[1]
    # The stated level is 95%; a percentile bootstrap of medians runs a little under or over it at small n.
    assert 0.88 <= covered / trials <= 0.995


def test_the_interval_holds_the_ratio_of_medians_and_is_the_same_for_the_same_times() -> None:
    baseline, executor = _synthetic(7, 8, 1.5, 0.1, 0.1)
    interval = speedup_interval(baseline, executor)
    assert interval is not None
    point = sorted(baseline)[3:5]
    ratio = (sum(point) / 2) / (sum(sorted(executor)[3:5]) / 2)
    assert interval[0] <= ratio <= interval[1]
    assert speedup_interval(baseline, executor) == interval


def test_too_few_repeats_give_no_interval() -> None:
    assert DEFAULT_REPEATS == MIN_INTERVAL_REPEATS
    baseline, executor = _synthetic(1, MIN_INTERVAL_REPEATS - 1, 2.0, 0.1, 0.1)
    assert speedup_interval(baseline, executor) is None
    assert speedup_interval([1.0] * 6, [0.0] * 6) is None


def test_narrow_enough_is_plus_or_minus_the_target_share() -> None:
    assert narrow_enough((1.81, 2.19), 2.0, 0.1)
    assert not narrow_enough((1.7, 2.2), 2.0, 0.1)
    assert not narrow_enough(None, 2.0, 0.1)


@pytest.mark.parametrize(
    ("low", "high", "band", "band_range"),
    [
        (1.3, 1.8, "worth_considering", ("worth_considering", "worth_considering")),
        (1.1, 1.4, None, ("not_justified", "worth_considering")),
        (0.9, 1.05, None, ("dont_use", "not_justified")),
        (0.8, 2.5, None, ("dont_use", "clear_winner")),
        (2.1, 2.4, "clear_winner", ("clear_winner", "clear_winner")),
        (1.5, 2.0, "worth_considering", ("worth_considering", "worth_considering")),  # 2.0 is still its band
    ],
)
def test_band_is_the_one_the_whole_interval_lies_in(low: float, high: float, band: str | None, band_range) -> None:
    assert interval_bands(low, high) == (band, band_range)


def test_a_real_sleep_run_bounds_the_ratio_by_the_tasks_that_can_overlap() -> None:
    # 4 tasks that each sleep 30 ms: 4 threads overlap them all, so the true ratio is just under 4x.
    spec = BenchSpec("sleep_io", ("sequential", "threads"), workers=4, tasks=4, size=30, repeats=6, warmups=1)
    result = run_benchmark(spec)
    threads = next(entry for entry in result.executors if entry.name == "threads")
    assert threads.speedup_ci is not None and threads.speedup is not None
    low, high = threads.speedup_ci
    assert low <= threads.speedup <= high
    assert low > 1.5 and high < 4.4
