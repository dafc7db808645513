"""Sweeps over many runs: speedup by task size (and its crossover) and by worker count (and an Amdahl fit).

Standard library only. Every figure here is computed from measured medians in the results given, or from
Amdahl's law fitted to them; each carries the sentence that states its basis.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from engine.bench.results import BenchResult


@dataclass(frozen=True)
class SweepPoint:
    """One executor at one sweep value (a size or a worker count), from one measured run."""

    x: int
    executor: str
    label: str
    median_s: float
    speedup: float


@dataclass(frozen=True)
class Crossover:
    """Where an executor starts to beat the baseline along a size sweep."""

    executor: str
    size: float | None  # None: never within the sweep
    sentence: str


@dataclass(frozen=True)
class AmdahlFit:
    """Amdahl's law S(n) = 1 / ((1 - p) + p / min(n, cores)) fitted to measured speedups."""

    executor: str
    parallel_fraction: float
    usable_cores: float
    points: int
    sentence: str

    def speedup(self, workers: float) -> float:
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
        for executor in result.executors:
            if executor.name == result.baseline or executor.speedup is None or executor.median_s is None:
                continue
            x = result.spec.size if by == "size" else executor.workers
            if x is None:
                continue
            points.append(
                SweepPoint(x, executor.name, executor.label or executor.name, executor.median_s, executor.speedup)
            )
    return sorted(points, key=lambda point: (point.executor, point.x))


def crossover(points: Sequence[SweepPoint], executor: str, unit: str = "") -> Crossover:
    """The size at which `executor` reaches 1.0x, interpolated on a log-size scale between measured points."""
    mine = sorted((point for point in points if point.executor == executor), key=lambda point: point.x)
    unit_text = f" {unit}" if unit else ""
    if not mine:
        return Crossover(executor, None, f"{executor}: not measured in this sweep.")
    if mine[0].speedup >= 1.0:
        return Crossover(
            executor,
            float(mine[0].x),
            f"{executor} already beats the baseline at the smallest size measured "
            f"({mine[0].x}{unit_text}: {mine[0].speedup:.2f}x).",
        )
    for below, above in itertools.pairwise(mine):
        if below.speedup < 1.0 <= above.speedup:
            share = (1.0 - below.speedup) / (above.speedup - below.speedup)
            size = math.exp(math.log(below.x) + share * (math.log(above.x) - math.log(below.x)))
            return Crossover(
                executor,
                size,
                f"{executor} starts to beat the baseline at about {size:,.0f}{unit_text} per task "
                f"(measured {below.speedup:.2f}x at {below.x} and {above.speedup:.2f}x at {above.x}; "
                "interpolated on a log scale).",
            )
    best = max(mine, key=lambda point: point.speedup)
    return Crossover(
        executor,
        None,
        f"{executor} never beats the baseline in this sweep (best {best.speedup:.2f}x at {best.x}{unit_text}).",
    )


def fit_amdahl(points: Sequence[SweepPoint], executor: str, usable_cores: float) -> AmdahlFit:
    """The parallel fraction p that best fits the measured speedups (least squares on 1 - 1/S).

    With n workers capped at the usable cores, 1 - 1/S = p * (1 - 1/n): a line through the origin, so
    p = sum(x*y) / sum(x*x). Points at n = 1 carry no information about p and drop out naturally.
    """
    mine = [point for point in points if point.executor == executor]
    pairs = [(1.0 - 1.0 / min(point.x, usable_cores), 1.0 - 1.0 / point.speedup) for point in mine]
    denominator = sum(x * x for x, _ in pairs)
    if denominator == 0.0:
        return AmdahlFit(executor, 0.0, usable_cores, len(mine), f"{executor}: no run with 2 or more workers to fit.")
    fraction = min(1.0, max(0.0, sum(x * y for x, y in pairs) / denominator))
    limit = amdahl_speedup(fraction, usable_cores)
    return AmdahlFit(
        executor,
        fraction,
        usable_cores,
        len(mine),
        f"Amdahl's law fitted to {len(mine)} measured runs of {executor}: parallel fraction {fraction:.0%}, "
        f"so at most {limit:.2f}x on this host's {usable_cores:g} usable cores (ideal: {usable_cores:.2f}x).",
    )
