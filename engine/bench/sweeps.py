"""Sweeps over many runs: speedup by task size (and its crossover) and by worker count (and an Amdahl fit).

Standard library only. Every figure here is computed from measured medians in the results given, or from
Amdahl's law fitted to them; each carries the sentence that states its basis and its uncertainty: a
crossover is a range of sizes (where the interval's high end reaches 1.0x to where its low end does), the
fitted parallel fraction has an interval (fitted to the intervals' ends) or is withheld when the points
are too noisy, and nothing is concluded from a disturbed run.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from engine.bench.results import BenchResult
from engine.bench.verdicts import verdict_withheld

# The fitted parallel fraction is withheld when its interval is wider than this (points too noisy to say).
MAX_FRACTION_WIDTH = 0.3


@dataclass(frozen=True)
class SweepPoint:
    """One executor at one sweep value (a size or a worker count), from one measured run."""

    x: int
    executor: str
    label: str
    median_s: float
    speedup: float
    low: float | None = None  # the speedup's 95% interval; None without one
    high: float | None = None
    withheld: str | None = None  # why this run's verdicts are withheld (a disturbed run), or None


@dataclass(frozen=True)
class Crossover:
    """Where an executor starts to beat the baseline along a size sweep, as a range of sizes.

    `size` is the point estimate (the medians' ratio reaches 1.0x); `size_range` runs from where the
    interval's high end reaches 1.0x (it may beat the baseline from there) to where its low end does (it
    surely does from there); None for an end the sweep does not reach, or for runs without intervals.
    """

    executor: str
    size: float | None  # None: never within the sweep
    sentence: str
    size_range: tuple[float | None, float | None] | None = None


@dataclass(frozen=True)
class AmdahlFit:
    """Amdahl's law S(n) = 1 / ((1 - p) + p / min(n, cores)) fitted to measured speedups."""

    executor: str
    parallel_fraction: float | None  # None: withheld (see the sentence)
    usable_cores: float
    points: int
    sentence: str
    fraction_ci: tuple[float, float] | None = None  # p fitted to the intervals' low and high ends

    def speedup(self, workers: float) -> float:
        if self.parallel_fraction is None:
            raise ValueError("the fit was withheld: no parallel fraction to use")
        return amdahl_speedup(self.parallel_fraction, min(workers, self.usable_cores))


def amdahl_speedup(parallel_fraction: float, workers: float) -> float:
    """Amdahl's law: the speedup of work whose `parallel_fraction` spreads over `workers`."""
    return 1.0 / ((1.0 - parallel_fraction) + parallel_fraction / workers)


def sweep_points(results: Sequence[BenchResult], by: str) -> list[SweepPoint]:
    """Every measured non-baseline executor of each run, keyed by the run's size or worker count."""
    if by not in ("size", "workers"):
        raise ValueError(f"by must be 'size' or 'workers', not {by!r}")
    points = []
    for result in results:
        withheld = verdict_withheld(result)
        for executor in result.executors:
            if executor.name == result.baseline or executor.speedup is None or executor.median_s is None:
                continue
            x = result.spec.size if by == "size" else executor.workers
            if x is None:
                continue
            low, high = executor.speedup_ci if executor.speedup_ci is not None else (None, None)
            label = executor.label or executor.name
            points.append(SweepPoint(x, executor.name, label, executor.median_s, executor.speedup, low, high, withheld))
    return sorted(points, key=lambda point: (point.executor, point.x))


def _first_crossing(mine: Sequence[SweepPoint], values: Sequence[float]) -> float | None:
    """The size where `values` (one per point, in size order) first reach 1.0, on a log-size scale; None: never."""
    if values[0] >= 1.0:
        return float(mine[0].x)
    for (below, low_value), (above, high_value) in itertools.pairwise(zip(mine, values, strict=True)):
        if low_value < 1.0 <= high_value:
            share = (1.0 - low_value) / (high_value - low_value)
            return math.exp(math.log(below.x) + share * (math.log(above.x) - math.log(below.x)))
    return None


def _size_text(size: float | None, unit_text: str) -> str:
    return "past the sweep" if size is None else f"{size:,.0f}{unit_text}"


def crossover(points: Sequence[SweepPoint], executor: str, unit: str = "") -> Crossover:
    """The size at which `executor` reaches 1.0x, interpolated on a log-size scale between measured points,
    with the range of sizes its intervals allow."""
    mine = sorted((point for point in points if point.executor == executor), key=lambda point: point.x)
    unit_text = f" {unit}" if unit else ""
    if not mine:
        return Crossover(executor, None, f"{executor}: not measured in this sweep.")
    withheld = next((point.withheld for point in mine if point.withheld), None)
    if withheld is not None:
        return Crossover(executor, None, f"{executor}: no crossover, {withheld}.")
    size = _first_crossing(mine, [point.speedup for point in mine])
    measured = "; ".join(f"{point.speedup:.2f}x{_ci_text(point)} at {point.x}" for point in mine)
    if any(point.low is None or point.high is None for point in mine):
        where = "never beats the baseline" if size is None else f"reaches 1.0x at about {size:,.0f}{unit_text}"
        return Crossover(
            executor,
            size,
            f"{executor} {where} by the medians, but the runs have too few repeats for an interval, so no "
            f"crossover is claimed (measured {measured}).",
        )
    earliest = _first_crossing(mine, [point.high or 0.0 for point in mine])
    surely = _first_crossing(mine, [point.low or 0.0 for point in mine])
    if earliest is None:
        return Crossover(
            executor,
            None,
            f"{executor} never beats the baseline in this sweep, even at its intervals' high ends "
            f"(measured {measured}).",
            (None, None),
        )
    if surely == float(mine[0].x):
        return Crossover(
            executor,
            float(mine[0].x),
            f"{executor} already beats the baseline at the smallest size measured, its whole interval above 1.0x "
            f"(measured {measured}).",
            (earliest, surely),
        )
    return Crossover(
        executor,
        size,
        f"{executor} starts to beat the baseline somewhere between {_size_text(earliest, unit_text)} and "
        f"{_size_text(surely, unit_text)} per task, where its 95% intervals' high and low ends reach 1.0x "
        f"(medians: {_size_text(size, unit_text)}; measured {measured}; interpolated on a log scale).",
        (earliest, surely),
    )


def _ci_text(point: SweepPoint) -> str:
    return "" if point.low is None or point.high is None else f" ({point.low:.2f}-{point.high:.2f}x)"


def _fraction(pairs: Sequence[tuple[float, float]]) -> float:
    denominator = sum(x * x for x, _ in pairs)
    return min(1.0, max(0.0, sum(x * y for x, y in pairs) / denominator))


def fit_amdahl(points: Sequence[SweepPoint], executor: str, usable_cores: float) -> AmdahlFit:
    """The parallel fraction p that best fits the measured speedups (least squares on 1 - 1/S).

    With n workers capped at the usable cores, 1 - 1/S = p * (1 - 1/n): a line through the origin, so
    p = sum(x*y) / sum(x*x). Points at n = 1 carry no information about p and drop out naturally.
    """
    mine = [point for point in points if point.executor == executor]
    if any(point.withheld for point in mine):
        reason = next(point.withheld for point in mine if point.withheld)
        return AmdahlFit(executor, None, usable_cores, len(mine), f"{executor}: no Amdahl fit, {reason}.")
    capped = [1.0 - 1.0 / min(point.x, usable_cores) for point in mine]
    if sum(x * x for x in capped) == 0.0:
        return AmdahlFit(executor, 0.0, usable_cores, len(mine), f"{executor}: no run with 2 or more workers to fit.")
    fraction = _fraction([(x, 1.0 - 1.0 / point.speedup) for x, point in zip(capped, mine, strict=True)])
    if any(point.low is None or point.high is None for point in mine):
        return AmdahlFit(
            executor,
            None,
            usable_cores,
            len(mine),
            f"{executor}: parallel fraction withheld: the runs have too few repeats for intervals, so the fit "
            f"({fraction:.0%} from the medians) could be anything near it.",
        )
    # 1 - 1/S grows with S, so the fits to the intervals' low and high ends bound the fit to the medians.
    low = _fraction([(x, 1.0 - 1.0 / (point.low or 1.0)) for x, point in zip(capped, mine, strict=True)])
    high = _fraction([(x, 1.0 - 1.0 / (point.high or 1.0)) for x, point in zip(capped, mine, strict=True)])
    low, high = min(low, fraction), max(high, fraction)
    if high - low > MAX_FRACTION_WIDTH:
        return AmdahlFit(
            executor,
            None,
            usable_cores,
            len(mine),
            f"{executor}: parallel fraction withheld: the points are too noisy ({low:.0%}-{high:.0%} fit them, "
            f"wider than {MAX_FRACTION_WIDTH:.0%}).",
            (low, high),
        )
    limit = amdahl_speedup(fraction, usable_cores)
    return AmdahlFit(
        executor,
        fraction,
        usable_cores,
        len(mine),
        f"Amdahl's law fitted to {len(mine)} measured runs of {executor}: parallel fraction {fraction:.0%} "
        f"({low:.0%}-{high:.0%} fit the 95% intervals' ends), so at most {limit:.2f}x on this host's "
        f"{usable_cores:g} usable cores (ideal: {usable_cores:.2f}x).",
        (low, high),
    )
