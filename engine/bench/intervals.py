"""The speedup and its 95% interval, from the interleaved repeats of a baseline and an executor.

Standard library only (`random`, `statistics`): the worker uses it to decide when to stop adding repeats,
the parent to assign bands (engine.bench.results.assess), and old result files to be migrated on load.

The method: a paired percentile bootstrap of the ratio of medians. Round i of the interleaved repeats gives
one pair (baseline time, executor time) measured moments apart, so a change in the host's load falls on
both; resampling whole rounds with replacement keeps that pairing. Each resample's statistic is the one
reported, baseline median / executor median; the 2.5th and 97.5th percentiles of BOOTSTRAP_RESAMPLES of
them, drawn from a fixed seed (the same times always give the same interval), bound the 95% interval,
widened if need be to hold the reported ratio. On synthetic repeats whose true ratio is known its coverage
is 92-97% from MIN_INTERVAL_REPEATS rounds on (tests/test_intervals.py); with fewer rounds a bootstrap of
medians has too few distinct values to mean much, so there is no interval.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence

CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20240611
# The fewest paired repeats that give an interval, and so the default (and least useful) repeat count.
MIN_INTERVAL_REPEATS = 6
# Adaptive repeats stop once every interval lies within this share of its speedup on either side.
TARGET_HALF_WIDTH = 0.10
# The two figures in words, for every sentence that states them.
LEVEL_TEXT = f"{CONFIDENCE:.0%}"
TARGET_TEXT = f"+-{TARGET_HALF_WIDTH:.0%}"
METHOD = (
    f"{CONFIDENCE:.0%} interval: a paired bootstrap over the interleaved repeats ({BOOTSTRAP_RESAMPLES} "
    "resamples of whole rounds, baseline median / executor median in each, fixed seed)"
)


def speedup(baseline_median_s: float, median_s: float) -> float:
    """Baseline median / this median: above 1.0 is faster than the baseline."""
    if median_s <= 0:
        raise ValueError("a median time must be positive")
    return baseline_median_s / median_s


def speedup_interval(
    baseline_times_s: Sequence[float],
    times_s: Sequence[float],
    confidence: float = CONFIDENCE,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float] | None:
    """A `confidence` interval for median(baseline) / median(times) by the paired bootstrap (module docstring).

    Repeat i of one is paired with repeat i of the other (they ran in the same interleaved round); fewer
    than MIN_INTERVAL_REPEATS pairs, or a time that is not positive, give no interval (None).
    """
    pairs = list(zip(baseline_times_s, times_s, strict=False))
    if len(pairs) < MIN_INTERVAL_REPEATS or any(b <= 0 or t <= 0 for b, t in pairs):
        return None
    point = speedup(statistics.median(b for b, _ in pairs), statistics.median(t for _, t in pairs))
    rng = random.Random(seed)
    count = len(pairs)
    ratios = []
    for _ in range(resamples):
        drawn = [pairs[rng.randrange(count)] for _ in range(count)]
        ratios.append(statistics.median(b for b, _ in drawn) / statistics.median(t for _, t in drawn))
    ratios.sort()
    tail = (1.0 - confidence) / 2
    low = ratios[int(tail * resamples)]
    high = ratios[min(resamples - 1, int((1.0 - tail) * resamples))]
    return min(low, point), max(high, point)


def narrow_enough(interval: tuple[float, float] | None, point: float, target: float = TARGET_HALF_WIDTH) -> bool:
    """Whether `interval` is at most +-target of `point` wide (half its width at most target * point)."""
    return interval is not None and (interval[1] - interval[0]) / 2 <= target * point
