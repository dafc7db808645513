"""Warm-ups, repeats and their statistics: median, min, max, spread, speedup, band, noise flag, checksum.

Standard library only (runs inside the worker). Statistics come from the `statistics` module; this
module never starts pools (executors.py) nor prints (worker.py).
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.executors import RepeatRun, Session
from engine.results import speedup_band

# A spread ((max - min) / median) above this marks a measurement as noisy: repeats disagree by more
# than a fifth, so a speedup band near an edge could flip on a re-run.
NOISY_SPREAD = 0.2


@dataclass(frozen=True)
class Stats:
    median_s: float
    min_s: float
    max_s: float
    spread: float
    noisy: bool


@dataclass(frozen=True)
class Measurement:
    """What one executor's session produced: start-up, the timed repeats, and the checksum of its values."""

    startup_s: float
    repeats: tuple[RepeatRun, ...]
    checksum: str

    @property
    def times_s(self) -> tuple[float, ...]:
        return tuple(run.elapsed_s for run in self.repeats)


def summarize(times_s: tuple[float, ...] | list[float]) -> Stats:
    """Median, min, max and spread of repeat times; noisy when the spread exceeds NOISY_SPREAD."""
    if not times_s:
        raise ValueError("no repeat times to summarize")
    median = statistics.median(times_s)
    low, high = min(times_s), max(times_s)
    spread = (high - low) / median if median > 0 else 0.0
    return Stats(median_s=median, min_s=low, max_s=high, spread=spread, noisy=spread > NOISY_SPREAD)


def speedup(baseline_median_s: float, median_s: float) -> float:
    """Baseline median / this median: above 1.0 is faster than the baseline."""
    if median_s <= 0:
        raise ValueError("a median time must be positive")
    return baseline_median_s / median_s


def band_for(baseline_median_s: float, median_s: float) -> tuple[float, str]:
    """(speedup, interpretation band id)."""
    ratio = speedup(baseline_median_s, median_s)
    return ratio, speedup_band(ratio)


def checksum(values: tuple[Any, ...] | list[Any]) -> str:
    """SHA-256 of the task values in task order (kernels return ints and strings, whose repr is stable)."""
    return hashlib.sha256(repr(list(values)).encode()).hexdigest()


def measure(
    session: Session,
    tasks: int,
    repeats: int,
    warmups: int,
    on_repeat: Callable[[str, int, int], None] | None = None,
) -> Measurement:
    """Start the session, run `warmups` untimed repeats then `repeats` timed ones, and close it.

    on_repeat(phase, index, of) is called before each repeat ("startup", "warmup" or "repeat").
    Every repeat must give the same checksum; a session that does not is reported through the values.
    """
    notify = on_repeat or (lambda phase, index, of: None)
    with session:
        notify("startup", 0, 1)
        startup_s = session.start()
        for index in range(warmups):
            notify("warmup", index + 1, warmups)
            session.run(tasks)
        runs = []
        for index in range(repeats):
            notify("repeat", index + 1, repeats)
            runs.append(session.run(tasks))
    sums = {checksum(run.values) for run in runs}
    # Repeats that disagree among themselves can never match the baseline: mark them so.
    combined = sums.pop() if len(sums) == 1 else "inconsistent:" + ",".join(sorted(sums))
    return Measurement(startup_s=startup_s, repeats=tuple(runs), checksum=combined)
