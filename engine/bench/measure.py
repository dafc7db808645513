"""Warm-ups and repeats (interleaved across executors), and their statistics: median, min, max, spread,
speedup, band, noise flag, checksum.

Standard library only (runs inside the worker). Statistics come from the `statistics` module; this
module never starts pools (executors.py) nor prints (worker.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.bench.executors import RepeatRun, Session
from engine.bench.results import speedup_band

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


def measure_all(
    sessions: dict[str, Session],
    tasks: int,
    repeats: int,
    warmups: int,
    on_repeat: Callable[[str, str, int, int], None] | None = None,
) -> dict[str, Measurement | Exception]:
    """Start every session, then run their warm-ups and timed repeats round-robin, and close them all.

    Round-robin, because a change in the host's load during the run (another program, a shared cloud
    machine) then falls on every executor alike instead of on whichever ran at that moment, and the
    ratios stay fair. on_repeat(executor, phase, index, of) is called before each step ("startup",
    "warmup" or "repeat"). A session whose start or run raises gets the exception as its outcome and is
    closed at once; the others go on.
    """
    notify = on_repeat or (lambda name, phase, index, of: None)
    failed: dict[str, Exception] = {}
    startup_s: dict[str, float] = {}
    runs: dict[str, list[RepeatRun]] = {name: [] for name in sessions}
    with contextlib.ExitStack() as stack:
        for session in sessions.values():
            stack.enter_context(session)
        steps = [("startup", 0, 1)] + [("warmup", i + 1, warmups) for i in range(warmups)]
        steps += [("repeat", i + 1, repeats) for i in range(repeats)]
        for phase, index, of in steps:
            for name, session in sessions.items():
                if name in failed:
                    continue
                notify(name, phase, index, of)
                try:
                    if phase == "startup":
                        startup_s[name] = session.start()
                    elif phase == "warmup":
                        session.run(tasks)
                    else:
                        runs[name].append(session.run(tasks))
                except Exception as error:  # this executor's failure is its outcome; the others go on
                    failed[name] = error
                    session.close()
    outcomes: dict[str, Measurement | Exception] = {}
    for name in sessions:
        if name in failed:
            outcomes[name] = failed[name]
            continue
        sums = {checksum(run.values) for run in runs[name]}
        # Repeats that disagree among themselves can never match the baseline: mark them so.
        combined = sums.pop() if len(sums) == 1 else "inconsistent:" + ",".join(sorted(sums))
        outcomes[name] = Measurement(startup_s=startup_s[name], repeats=tuple(runs[name]), checksum=combined)
    return outcomes
