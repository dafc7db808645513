"""Warm-ups and repeats (interleaved across executors, adaptive within a budget), and their statistics:
median, min, max, spread, noise flag, checksum (speedup and its interval: engine.bench.intervals).

Standard library only (runs inside the worker). Statistics come from the `statistics` module; this
module never starts pools (executors.py), never prints (worker.py) and assigns no band (the parent does,
from the interval: engine.bench.results.assess).
"""

from __future__ import annotations

import contextlib
import hashlib
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.bench.executors import RepeatRun, Session
from engine.bench.intervals import TARGET_HALF_WIDTH, narrow_enough, speedup, speedup_interval

# A spread ((max - min) / median) above this marks a measurement as noisy: repeats disagree by more
# than a fifth, so a speedup band near an edge could flip on a re-run.
NOISY_SPREAD = 0.2
# Why the repeats ended: every interval narrow enough, the time budget spent, or the repeat ceiling reached.
STOPPED_BY: tuple[str, ...] = ("target", "budget", "max_repeats")


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


@dataclass(frozen=True)
class Outcomes:
    """Every executor's measurement (or the exception that ended it), and why the repeats stopped."""

    measurements: dict[str, Measurement | Exception]
    stopped_by: str
    rounds: int


def summarize(times_s: tuple[float, ...] | list[float]) -> Stats:
    """Median, min, max and spread of repeat times; noisy when the spread exceeds NOISY_SPREAD."""
    if not times_s:
        raise ValueError("no repeat times to summarize")
    median = statistics.median(times_s)
    low, high = min(times_s), max(times_s)
    spread = (high - low) / median if median > 0 else 0.0
    return Stats(median_s=median, min_s=low, max_s=high, spread=spread, noisy=spread > NOISY_SPREAD)


def checksum(values: tuple[Any, ...] | list[Any]) -> str:
    """SHA-256 of the task values in task order (kernels return ints and strings, whose repr is stable)."""
    return hashlib.sha256(repr(list(values)).encode()).hexdigest()


# on_step(executor, phase, index, of, fraction): before each step; `fraction` of the run done, never falling.
OnStep = Callable[[str, str, int, int, float], None]


def _intervals_narrow(runs: dict[str, list[RepeatRun]], baseline: str | None, target: float) -> bool:
    """Whether every executor's speedup interval against `baseline` is within the target."""
    if baseline is None or baseline not in runs:
        return True
    base = [run.elapsed_s for run in runs[baseline]]
    for name, own in runs.items():
        if name == baseline:
            continue
        times = [run.elapsed_s for run in own]
        point = speedup(statistics.median(base), statistics.median(times))
        if not narrow_enough(speedup_interval(base, times), point, target):
            return False
    return True


def measure_all(
    sessions: dict[str, Session],
    tasks: int,
    repeats: int,
    warmups: int,
    on_repeat: OnStep | None = None,
    *,
    max_repeats: int | None = None,
    budget_s: float | None = None,
    target: float = TARGET_HALF_WIDTH,
    baseline: str | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Outcomes:
    """Start every session, run their warm-ups, then timed rounds (one repeat of each executor in turn), and
    close them all.

    Round-robin, because a change in the host's load during the run (another program, a shared cloud
    machine) then falls on every executor alike instead of on whichever ran at that moment, and the
    ratios stay fair. `repeats` rounds always run; after them, rounds are added until every executor's
    speedup interval against `baseline` is within `target` ("target"), the next round would end past
    `budget_s` from the start ("budget"), or `max_repeats` rounds are done ("max_repeats"; None: `repeats`).
    on_repeat(executor, phase, index, of, fraction) is called before each step ("startup", "warmup" or
    "repeat"); `fraction` is the share of the run done, never falling and below 1 until the end: by steps
    until one round has been timed, then by time up to the end of the planned rounds (with a budget, the
    rounds that fit in what is left of it; without, up to `max_repeats`). A session whose start or run
    raises gets the exception as its outcome and is closed at once; the others go on.
    """
    notify = on_repeat or (lambda name, phase, index, of, fraction: None)
    ceiling = max(repeats, max_repeats if max_repeats is not None else repeats)
    failed: dict[str, Exception] = {}
    startup_s: dict[str, float] = {}
    runs: dict[str, list[RepeatRun]] = {name: [] for name in sessions}
    started = clock()
    # For the progress fraction: steps done, the last round's duration (a warm-up round counts) and when
    # the timed rounds began, and the fraction shown so far (it never falls).
    state = {"steps": 0, "round_s": 0.0, "rounds_began": 0.0, "shown": 0.0}

    def alive() -> list[tuple[str, Session]]:
        return [(name, session) for name, session in sessions.items() if name not in failed]

    def planned_rounds(rounds_done: int) -> int:
        # Without a budget, up to the ceiling; with one, the rounds that fit in what is left of it.
        if budget_s is None or state["round_s"] <= 0:
            return ceiling if budget_s is None else repeats
        left = max(0.0, budget_s - (clock() - started))
        return min(ceiling, max(repeats, rounds_done + int(left / state["round_s"])))

    def fraction(plan: int) -> float:
        if state["round_s"] <= 0:  # nothing timed yet: count steps
            done = state["steps"] / (max(1, len(alive())) * (1 + warmups + plan))
        else:  # time: from the start to the end of the planned rounds
            began = state["rounds_began"] or clock() - started
            done = (clock() - started) / (began + plan * state["round_s"])
        state["shown"] = max(state["shown"], min(0.99, done))
        return state["shown"]

    def step(name: str, session: Session, phase: str, index: int, of: int, plan: int) -> None:
        notify(name, phase, index, of, fraction(plan))
        state["steps"] += 1
        try:
            if phase == "startup":
                startup_s[name] = session.start()
            elif phase == "warmup":
                session.run(tasks)
            else:
                runs[name].append(session.run(tasks))
        except Exception as error:  # this executor's failure is its outcome; the others go on
            failed[name] = error
            runs.pop(name, None)
            session.close()

    stopped_by = "max_repeats"
    rounds = 0
    with contextlib.ExitStack() as stack:
        for session in sessions.values():
            stack.enter_context(session)
        for name, session in alive():
            step(name, session, "startup", 0, 1, planned_rounds(0))
        for index in range(warmups):
            warmup_started = clock()
            for name, session in alive():
                step(name, session, "warmup", index + 1, warmups, planned_rounds(0))
            state["round_s"] = clock() - warmup_started
        state["rounds_began"] = clock() - started
        while True:
            plan = planned_rounds(rounds)
            if rounds >= repeats:
                if _intervals_narrow(runs, baseline, target):
                    stopped_by = "target"
                    break
                if rounds >= ceiling:
                    stopped_by = "max_repeats"
                    break
                if budget_s is not None and clock() - started + state["round_s"] > budget_s:
                    stopped_by = "budget"
                    break
            round_started = clock()
            for name, session in alive():
                step(name, session, "repeat", rounds + 1, max(plan, rounds + 1), plan)
            rounds += 1
            state["round_s"] = clock() - round_started
            if not alive():
                break
    outcomes: dict[str, Measurement | Exception] = {}
    for name in sessions:
        if name in failed:
            outcomes[name] = failed[name]
            continue
        sums = {checksum(run.values) for run in runs[name]}
        # Repeats that disagree among themselves can never match the baseline: mark them so.
        combined = sums.pop() if len(sums) == 1 else "inconsistent:" + ",".join(sorted(sums))
        outcomes[name] = Measurement(startup_s=startup_s[name], repeats=tuple(runs[name]), checksum=combined)
    return Outcomes(outcomes, stopped_by, rounds)
