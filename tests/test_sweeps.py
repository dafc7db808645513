"""Sweeps: points from results, the size crossover (a range from the intervals), and the Amdahl fit recovering a
known parallel fraction (with an interval, or withheld when the points are too noisy or the run was disturbed)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.bench.sweeps import SweepPoint, amdahl_speedup, crossover, fit_amdahl, sweep_points
from tests.bench_fakes import make_result


def _point(x: int, speedup: float, name: str = "processes", width: float = 0.0) -> SweepPoint:
    """A measured point whose 95% interval is +-width of its speedup."""
    return SweepPoint(x, name, name, 1.0 / speedup, speedup, speedup * (1 - width), speedup * (1 + width))


def _size_points(speedups: dict[int, float], width: float = 0.0) -> list[SweepPoint]:
    return [_point(size, speedup, width=width) for size, speedup in speedups.items()]


def test_sweep_points_skip_the_baseline_and_key_by_size() -> None:
    results = [
        make_result({"sequential": 0.01, "processes": 0.05}, size=100),
        make_result({"sequential": 1.0, "processes": 0.5}, size=10000),
    ]
    points = sweep_points(results, by="size")
    assert [(point.executor, point.x, round(point.speedup, 2)) for point in points] == [
        ("processes", 100, 0.2),
        ("processes", 10000, 2.0),
    ]


def test_sweep_points_key_by_executor_workers() -> None:
    results = [make_result({"sequential": 1.0, "processes": 1.0 / n}, workers=n) for n in (1, 2, 3)]
    assert [point.x for point in sweep_points(results, by="workers")] == [1, 2, 3]


def test_crossover_interpolates_on_log_size_between_measured_points() -> None:
    found = crossover(_size_points({100: 0.2, 1000: 0.6, 10000: 1.4}), "processes", unit="n")
    # 1.0 is half-way from 0.6 to 1.4, so half-way between 1000 and 10000 on a log scale.
    assert found.size == pytest.approx(10**3.5)
    assert "3,162 n" in found.sentence


def test_a_crossover_is_the_range_of_sizes_the_intervals_allow() -> None:
    found = crossover(_size_points({100: 0.2, 1000: 0.8, 10000: 1.4}, width=0.25), "processes", unit="n")
    assert found.size_range is not None
    earliest, surely = found.size_range
    assert earliest is not None and surely is not None
    assert earliest < found.size < surely
    assert f"between {earliest:,.0f} n and {surely:,.0f} n per task" in found.sentence
    # The low end never reaches 1.0x within the sweep: the range is open above.
    open_above = crossover(_size_points({100: 0.5, 1000: 1.1}, width=0.2), "processes")
    assert open_above.size_range is not None and open_above.size_range[1] is None
    assert "past the sweep" in open_above.sentence


def test_no_crossover_is_claimed_without_intervals_or_from_a_disturbed_run() -> None:
    bare = [SweepPoint(x, "processes", "processes", 1.0, s) for x, s in ((100, 0.5), (1000, 1.5))]
    assert "no crossover is claimed" in crossover(bare, "processes").sentence
    results = [
        make_result({"sequential": 1.0, "processes": m}, size=x, disturbed=True) for x, m in ((100, 2.0), (1000, 0.5))
    ]
    found = crossover(sweep_points(results, by="size"), "processes")
    assert found.size is None and "no crossover" in found.sentence and "other programs" in found.sentence


def test_crossover_says_never_and_already() -> None:
    never = crossover(_size_points({100: 0.2, 1000: 0.9}), "processes")
    assert never.size is None
    assert "never beats" in never.sentence
    already = crossover(_size_points({100: 1.1, 1000: 1.9}), "processes")
    assert already.size == 100
    assert "already beats" in already.sentence


@given(
    fraction=st.floats(min_value=0.0, max_value=1.0),
    cores=st.integers(min_value=1, max_value=16),
)
def test_amdahl_fit_recovers_the_fraction_of_exact_points(fraction: float, cores: int) -> None:
    points = [_point(n, amdahl_speedup(fraction, min(n, cores))) for n in (1, 2, 3, 4, 8)]
    fit = fit_amdahl(points, "processes", usable_cores=cores)
    if cores == 1:
        assert fit.parallel_fraction == 0.0 and "no run" in fit.sentence
    else:
        assert fit.parallel_fraction == pytest.approx(fraction, abs=1e-9)


def test_amdahl_fit_caps_workers_at_usable_cores_and_states_the_limit() -> None:
    # Measured on 2 cores: past 2 workers the speedup stays flat, which is what the cap models.
    points = [_point(n, s, width=0.02) for n, s in ((1, 1.0), (2, 1.8), (3, 1.8), (4, 1.8))]
    fit = fit_amdahl(points, "processes", usable_cores=2)
    assert fit.parallel_fraction == pytest.approx(2 * (1 - 1 / 1.8))
    assert fit.speedup(4) == pytest.approx(1.8)
    assert "parallel fraction 89%" in fit.sentence and "2 usable cores" in fit.sentence


def test_amdahl_fit_clamps_noise_into_zero_to_one() -> None:
    slower = [_point(n, 0.9, "threads") for n in (2, 4)]
    assert fit_amdahl(slower, "threads", usable_cores=4).parallel_fraction == 0.0


def test_amdahl_fit_gives_p_with_its_interval_or_withholds_it() -> None:
    tight = [_point(n, amdahl_speedup(0.9, min(n, 2)), width=0.03) for n in (1, 2, 3, 4)]
    fit = fit_amdahl(tight, "processes", usable_cores=2)
    assert fit.fraction_ci is not None and fit.parallel_fraction is not None
    assert fit.fraction_ci[0] <= fit.parallel_fraction <= fit.fraction_ci[1]
    assert f"({fit.fraction_ci[0]:.0%}-{fit.fraction_ci[1]:.0%} fit the 95% intervals' ends)" in fit.sentence
    noisy = [_point(n, amdahl_speedup(0.6, min(n, 2)), width=0.35) for n in (1, 2, 3, 4)]
    withheld = fit_amdahl(noisy, "processes", usable_cores=2)
    assert withheld.parallel_fraction is None and "too noisy" in withheld.sentence
    bare = [SweepPoint(n, "processes", "processes", 1.0, 1.5) for n in (2, 4)]
    assert fit_amdahl(bare, "processes", usable_cores=2).parallel_fraction is None
