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
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from engine.bench.intervals import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, CONFIDENCE, MIN_INTERVAL_REPEATS
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


@dataclass(frozen=True)
class TaskOverhead:
    """What one task costs an executor beyond its own work, from a sweep point where the work is negligible.

    per_task_s = (executor median - baseline median) / tasks at `size` (the sweep's smallest), with a 95%
    interval from a paired bootstrap over the interleaved rounds (the same rounds, seed and resamples as
    the speedup's interval); None when the run has too few repeats or was disturbed (the sentence says why).
    """

    executor: str
    size: int | None
    per_task_s: float | None
    interval_s: tuple[float, float] | None
    sentence: str


def near_crossover(points: Sequence[SweepPoint], executor: str, reference: str, unit: str = "") -> Crossover:
    """Where `executor` comes near `reference` along a size sweep: its speedup interval reaches the low end of
    the reference's interval (the slowest the reference may be), as a range of sizes like `crossover`'s.

    The range runs from where the executor's interval high end reaches the reference's low end (it may be as
    fast from there) to where its low end does (it surely is, at the reference's slow end); the point
    estimate is where its median does. Each is interpolated on a log-size scale between measured sizes.
    """
    mine = {point.x: point for point in points if point.executor == executor}
    theirs = {point.x: point for point in points if point.executor == reference}
    sizes = sorted(mine.keys() & theirs.keys())
    unit_text = f" {unit}" if unit else ""
    if not sizes:
        return Crossover(executor, None, f"{executor} and {reference}: not both measured in this sweep.")
    pairs = [(mine[size], theirs[size]) for size in sizes]
    withheld = next((point.withheld for pair in pairs for point in pair if point.withheld), None)
    if withheld is not None:
        return Crossover(executor, None, f"{executor} near {reference}: not judged, {withheld}.")
    if any(point.low is None or point.high is None for pair in pairs for point in pair):
        return Crossover(
            executor,
            None,
            f"{executor} near {reference}: not judged, the runs have too few repeats for intervals.",
        )
    ordered = [own for own, _ in pairs]
    floors = [max(other.low or 0.0, 1e-12) for _, other in pairs]
    size = _first_crossing(ordered, [own.speedup / floor for own, floor in zip(ordered, floors, strict=True)])
    earliest = _first_crossing(ordered, [(own.high or 0.0) / floor for own, floor in zip(ordered, floors, strict=True)])
    surely = _first_crossing(ordered, [(own.low or 0.0) / floor for own, floor in zip(ordered, floors, strict=True)])
    measured = "; ".join(
        f"at {own.x}: {own.speedup:.2f}x{_ci_text(own)} against {other.speedup:.2f}x{_ci_text(other)}"
        for own, other in pairs
    )
    if earliest is None:
        return Crossover(
            executor,
            None,
            f"{executor} stays behind {reference} in this sweep: even its intervals' high ends stay below "
            f"{reference}'s low ends (measured {measured}).",
            (None, None),
        )
    return Crossover(
        executor,
        size,
        f"{executor} comes near {reference} somewhere between {_size_text(earliest, unit_text)} and "
        f"{_size_text(surely, unit_text)} per task, where its {CONFIDENCE:.0%} intervals' high and low ends reach "
        f"the low end of the {reference} interval (medians: {_size_text(size, unit_text)}; measured {measured}; "
        "interpolated on a log scale).",
        (earliest, surely),
    )


def _median_difference(pairs: Sequence[tuple[float, float]]) -> float:
    return statistics.median(own for _, own in pairs) - statistics.median(base for base, _ in pairs)


def task_overhead(results: Sequence[BenchResult], executor: str) -> TaskOverhead:
    """The executor's cost per task at the sweep's smallest size: (its median - the baseline's) / tasks.

    At that size a task's own work is tiny next to the hand-off, so what is left is the executor's cost of
    sending a task to a worker and its answer back; a repeat's own fixed cost (its map and gather) is shared
    over the repeat's tasks and counts too.
    """
    sized = [result for result in results if result.spec.size is not None]
    if not sized:
        return TaskOverhead(executor, None, None, None, f"{executor}: no size sweep to measure a task's cost in.")
    result = min(sized, key=lambda one: one.spec.size or 0)
    size = result.spec.size
    by_name = {entry.name: entry for entry in result.executors}
    own, base = by_name.get(executor), by_name.get(result.baseline)
    if own is None or base is None or not own.times_s or not base.times_s:
        reason = (own.unavailable or own.error) if own is not None else None
        return TaskOverhead(
            executor, size, None, None, f"{executor}: not measured at size {size} ({reason or 'no timing'})."
        )
    tasks = result.spec.tasks
    pairs = list(zip(base.times_s, own.times_s, strict=False))
    per_task = _median_difference(pairs) / tasks
    work = statistics.median(base.times_s) / tasks
    basis = (
        f"({executor} median - {result.baseline} median) / {tasks} tasks at size {size}, where a task's own work "
        f"takes {work * 1e6:.0f} µs; the repeat's map and gather are shared over its tasks"
    )
    withheld = verdict_withheld(result)
    if withheld is not None:
        sentence = f"{executor}: {per_task * 1000:.2f} ms a task by the medians, not claimed: {withheld} ({basis})."
        return TaskOverhead(executor, size, None, None, sentence)
    if len(pairs) < MIN_INTERVAL_REPEATS:
        sentence = (
            f"{executor}: {per_task * 1000:.2f} ms a task by the medians, too few repeats for an interval ({basis})."
        )
        return TaskOverhead(executor, size, per_task, None, sentence)
    rng = random.Random(BOOTSTRAP_SEED)
    count = len(pairs)
    drawn = sorted(
        _median_difference([pairs[rng.randrange(count)] for _ in range(count)]) / tasks
        for _ in range(BOOTSTRAP_RESAMPLES)
    )
    tail = (1.0 - CONFIDENCE) / 2
    low = min(drawn[int(tail * BOOTSTRAP_RESAMPLES)], per_task)
    high = max(drawn[min(BOOTSTRAP_RESAMPLES - 1, int((1.0 - tail) * BOOTSTRAP_RESAMPLES))], per_task)
    sentence = (
        f"{executor} costs {per_task * 1000:.2f} ms a task here ({CONFIDENCE:.0%} interval "
        f"{low * 1000:.2f}-{high * 1000:.2f} ms, a paired bootstrap over the rounds): {basis}."
    )
    return TaskOverhead(executor, size, per_task, (low, high), sentence)
