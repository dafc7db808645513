"""Runs across interpreters in one result: one BenchSpec under several (interpreter, GIL) variants, in rounds.

Parent side (it drives engine.bench.runner and quotes engine.lesson.facts; never streamlit or altair). Each
round runs one worker per variant, in turn, with a few repeats, so a change in the host's load falls on every
variant alike, as repeats are interleaved inside one worker. A budget bounds the rounds.

    spec, variants --_round_spec--> one worker per variant, per round (runner.run_benchmark)
        --merge_rounds--> one result per variant: times concatenated in round order (so the paired bootstrap
                          pairs round r of one variant with round r of another), samples and disturbance joined
        --single_thread_cost--> the free-threaded build's sequential median over the GIL build's, with its
                                paired 95% interval (engine.bench.intervals), beside the documented figures
        --> Comparison (to_dict / from_dict: the result file's version 3, engine.bench.results)
"""

from __future__ import annotations

import dataclasses
import math
import re
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from engine.bench import disturbance
from engine.bench.intervals import CONFIDENCE, MIN_INTERVAL_REPEATS, narrow_enough, speedup_interval
from engine.bench.measure import summarize
from engine.bench.results import (
    GIL_SETTINGS,
    SCHEMA,
    STOPPED_BY,
    VERSION,
    BenchResult,
    BenchSpec,
    Disturbance,
    ExecutorResult,
    Name,
    Text,
    assess,
)
from engine.bench.runner import Progress, gil_rule, run_benchmark
from engine.bounds import AtLeast
from engine.errors import InputError

KIND = "comparison"
# The result format versions a comparison may carry: they came with version 3 and are written with the current one.
COMPARISON_VERSIONS: tuple[int, ...] = (3, VERSION)
GIL_CHOICES: tuple[str, ...] = GIL_SETTINGS
BUILDS: tuple[str, ...] = ("free-threaded", "GIL")
# The most variants one comparison holds (checked on import, engine.bench.result_import).
MAX_VARIANTS = 8
# Repeats each worker gives per round: few, so that the rounds interleave the variants finely.
REPEATS_PER_ROUND = 2
MAX_ROUNDS = 15
# The documented single-thread cost of the free-threaded build, by minor version (fact ids).
COST_FACTS: dict[str, str] = {"3.14": "ft_cost_314", "3.13": "ft_cost_313"}

RunOne = Callable[..., BenchResult]
_VERSION = re.compile(r"\d+\.\d+(\.\d+)?[0-9A-Za-z+.]*")
_ROLE = re.compile(r"[a-z0-9_]*")


@dataclass(frozen=True)
class Variant:
    """One way to run the spec: an interpreter, and the GIL asked of it (`role`: the preset's name for it)."""

    python: str
    gil: str = "default"
    role: str = ""

    def text(self) -> str:
        return self.python if self.gil == "default" else f"{self.python}:gil={self.gil}"


def parse_variant(text: str) -> Variant:
    """`PATH` or `PATH:gil=on|off` (the CLI's --variant); InputError naming --variant otherwise."""
    path, marker, gil = text.rpartition(":gil=")
    if not marker:
        path, gil = text, "default"
    if not path.strip() or gil not in GIL_CHOICES:
        raise InputError("variant", f"is {text!r}", "PATH or PATH:gil=on or PATH:gil=off")
    return Variant(path.strip(), gil)


def check_variants(variants: Sequence[Variant], probe: Callable[[str, str], Any] | None = None) -> tuple[Variant, ...]:
    """`variants` if each interpreter runs and can take its GIL setting (runner.gil_rule, decided from its probe,
    never from the flag being accepted); InputError naming --variant otherwise."""
    if len(variants) > MAX_VARIANTS:
        raise InputError("variant", f"is given {len(variants)} times", f"at most {MAX_VARIANTS} variants")
    if probe is None:
        from engine.host import probe_interpreter as probe
    for variant in variants:
        found = probe(variant.python, "variant")
        if not found.ok or not found.supported:
            reason = found.reason or f"Python {found.version}"
            raise InputError("variant", f"{variant.python!r} cannot run the worker ({reason})", "a Python 3.10+")
        try:
            gil_rule(variant.gil, found.version, found.free_threaded_build)
        except InputError as error:
            raise InputError("variant", f"{variant.text()!r}: {error.problem}", error.accepted) from None
    return tuple(variants)


@dataclass(frozen=True)
class VariantInfo:
    """What differs between the runs of a comparison: the interpreter, its build, the GIL asked and measured."""

    python: Text
    version: Name
    build: Literal[BUILDS]  # "free-threaded" or "GIL"
    gil: Literal[GIL_SETTINGS]  # asked: default, on or off
    gil_enabled: bool | None  # measured inside the worker at the start of its run
    role: Name = ""
    label: Name = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> VariantInfo:
        if not isinstance(data, dict):
            raise InputError("variants", f"holds {type(data).__name__}", "JSON objects")
        unknown = set(data) - {field.name for field in dataclasses.fields(cls)}
        if unknown:
            raise InputError("variants", f"has unknown fields {sorted(unknown)}", "python, version, build, gil, ...")
        for name in ("python", "version", "build", "gil"):
            if not isinstance(data.get(name), str):
                raise InputError(f"variants.{name}", f"is {data.get(name)!r}", "a string")
        if data["build"] not in BUILDS or data["gil"] not in GIL_CHOICES:
            raise InputError("variants.build", f"is {data['build']!r}/{data['gil']!r}", "free-threaded or GIL")
        if data.get("gil_enabled") is not None and not isinstance(data["gil_enabled"], bool):
            raise InputError("variants.gil_enabled", f"is {data['gil_enabled']!r}", "true, false or null")
        if not _VERSION.fullmatch(data["version"]) or not _ROLE.fullmatch(str(data.get("role", ""))):
            raise InputError("variants.version", f"is {data['version']!r}", "a version such as 3.14.7, and a role id")
        # The label is made here, never taken from the file: it is drawn as the app's own text.
        fields = {**data, "label": variant_label(data["build"], data["version"], data["gil"], data.get("gil_enabled"))}
        return cls(**fields)


def variant_label(build: str, version: str, gil: str, gil_enabled: bool | None) -> str:
    """'Python 3.14.7 free-threaded, GIL off': the build and the GIL as measured (as asked, if not measured)."""
    if build == "GIL":
        return f"Python {version} GIL build"
    state = {False: "off", True: "on"}.get(gil_enabled) if gil_enabled is not None else None
    state = state or {"on": "on", "off": "off"}.get(gil, "default")
    forced = " (forced with -X gil=1)" if gil == "on" and state == "on" else ""
    return f"Python {version} free-threaded, GIL {state}{forced}"


def info_of(variant: Variant, result: BenchResult) -> VariantInfo:
    """The variant as its first run's worker found it."""
    host = result.host
    build = "free-threaded" if host.get("free_threaded_build") else "GIL"
    version = str(host.get("python_version", "?"))
    # The worker's own reading as the run began, else (a result from before 3.13's readings) the probe's.
    measured = result.gil_at_start
    measured = host.get("gil_enabled") if measured is None else measured
    gil_enabled = None if measured is None else bool(measured)
    return VariantInfo(
        python=variant.python,
        version=version,
        build=build,
        gil=variant.gil,
        gil_enabled=gil_enabled,
        role=variant.role,
        label=variant_label(build, version, variant.gil, gil_enabled),
    )


@dataclass(frozen=True)
class SingleThreadCost:
    """The free-threaded build's sequential median over the GIL build's of the same version, with its interval."""

    free_threaded: Name  # the variants' labels
    gil_build: Name
    version: Name  # major.minor
    ratio: Annotated[float, AtLeast(0)]
    interval: tuple[Annotated[float, AtLeast(0)], Annotated[float, AtLeast(0)]] | None
    documented: Text | None  # the facts table's figure for this version, quoted
    documented_source: Text | None  # the document and section
    documented_url: Text | None
    noise_wider: bool  # the interval is wider than the effect: this run cannot resolve it
    sentence: Text

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["interval"] = None if self.interval is None else list(self.interval)
        return data


@dataclass(frozen=True)
class Comparison:
    """One spec under several variants: a full result per variant, measured in interleaved rounds."""

    spec: BenchSpec
    variants: tuple[VariantInfo, ...]
    runs: tuple[BenchResult, ...]
    rounds: int
    repeats_per_round: int
    stopped_by: str | None = None
    disturbed: bool = False
    warnings: tuple[str, ...] = ()
    created_at: str = ""
    schema: str = SCHEMA
    version: int = VERSION
    kind: str = KIND

    def single_thread_cost(self) -> SingleThreadCost | None:
        return single_thread_cost(self)

    def to_dict(self) -> dict[str, Any]:
        cost = self.single_thread_cost()
        return {
            "schema": self.schema,
            "version": self.version,
            "kind": self.kind,
            "created_at": self.created_at,
            "spec": self.spec.to_dict(),
            "variants": [variant.to_dict() for variant in self.variants],
            "runs": [run.to_dict() for run in self.runs],
            "rounds": self.rounds,
            "repeats_per_round": self.repeats_per_round,
            "stopped_by": self.stopped_by,
            "disturbed": self.disturbed,
            "warnings": list(self.warnings),
            "single_thread_cost": None if cost is None else cost.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Comparison:
        if not is_comparison(data):
            raise InputError("kind", f"is {data.get('kind') if isinstance(data, dict) else None!r}", repr(KIND))
        if data.get("schema") != SCHEMA:
            raise InputError("schema", f"is {data.get('schema')!r}", repr(SCHEMA))
        if isinstance(data.get("version"), bool) or data.get("version") not in COMPARISON_VERSIONS:
            accepted = " or ".join(map(str, COMPARISON_VERSIONS)) + " (comparisons came with version 3)"
            raise InputError("version", f"is {data.get('version')!r}", accepted)
        known = {field.name for field in dataclasses.fields(cls)} | {"single_thread_cost"}
        unknown = set(data) - known
        if unknown:
            raise InputError("comparison", f"has unknown fields {sorted(unknown)}", ", ".join(sorted(known)))
        runs, variants = data.get("runs"), data.get("variants")
        if not isinstance(runs, list) or not runs:
            raise InputError("runs", f"is {type(runs).__name__}", "a non-empty list of results")
        if not isinstance(variants, list) or len(variants) != len(runs):
            raise InputError("variants", "does not match runs", "one variant per run, in the same order")
        for name in ("rounds", "repeats_per_round"):
            if isinstance(data.get(name), bool) or not isinstance(data.get(name), int) or data[name] < 1:
                raise InputError(name, f"is {data.get(name)!r}", "a whole number of 1 or more")
        if data.get("stopped_by") is not None and data["stopped_by"] not in STOPPED_BY:
            raise InputError("stopped_by", f"is {data['stopped_by']!r}", ", ".join(STOPPED_BY))
        if not isinstance(data.get("warnings", []), list) or not isinstance(data.get("disturbed", False), bool):
            raise InputError("comparison", "has a bad warnings or disturbed field", "a list and a boolean")
        return cls(
            spec=BenchSpec.from_dict(data.get("spec")),
            variants=tuple(VariantInfo.from_dict(item) for item in variants),
            runs=tuple(BenchResult.from_dict(item) for item in runs),
            rounds=data["rounds"],
            repeats_per_round=data["repeats_per_round"],
            stopped_by=data.get("stopped_by"),
            disturbed=data.get("disturbed", False),
            warnings=tuple(str(item) for item in data.get("warnings", [])),
            created_at=str(data.get("created_at", "")),
        )


def is_comparison(document: Any) -> bool:
    """Whether a parsed JSON document is a comparison (else it is one result)."""
    return isinstance(document, dict) and document.get("kind") == KIND


def parse_document(document: Any) -> BenchResult | Comparison:
    """A result or a comparison from its JSON document, every field checked."""
    return Comparison.from_dict(document) if is_comparison(document) else BenchResult.from_dict(document)


# --- running the rounds ---------------------------------------------------------------------------------


def _round_spec(spec: BenchSpec, variant: Variant, repeats: int) -> BenchSpec:
    """One worker's share of a round: a fixed few repeats (the rounds, not the worker, add repeats)."""
    return dataclasses.replace(spec, repeats=repeats, max_repeats=None, budget_s=None, gil=variant.gil)


def min_rounds(repeats_per_round: int, spec_repeats: int) -> int:
    """The fewest rounds that give every interval enough pairs, and at least the spec's minimum of repeats."""
    return max(1, math.ceil(max(MIN_INTERVAL_REPEATS, spec_repeats) / repeats_per_round))


def run_variants(
    spec: BenchSpec,
    variants: Sequence[Variant],
    *,
    budget_s: float | None = None,
    repeats_per_round: int = REPEATS_PER_ROUND,
    max_rounds: int = MAX_ROUNDS,
    run: RunOne = run_benchmark,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    timeout_s: float = 120.0,
    clock: Callable[[], float] = time.perf_counter,
) -> Comparison:
    """Run `spec` under every variant in rounds (module docstring) and return them as one Comparison.

    Rounds go on past the minimum until every interval (each run's speedups and the single-thread cost) is
    within +-10% of its figure, `budget_s` would be overrun by one more round like the last, or `max_rounds`
    are done. `run` is runner.run_benchmark (tests pass a fake); the first worker looks at the host's load
    beforehand, the others do not (they follow one another at once).
    """
    if not variants or len(variants) > MAX_VARIANTS:
        raise InputError("variant", f"{len(variants)} given", f"1 to {MAX_VARIANTS} of PATH[:gil=on|off]")
    first_round = min_rounds(repeats_per_round, spec.repeats)
    rounds: list[list[BenchResult]] = [[] for _ in variants]
    started = clock()
    round_s = 0.0
    stopped_by = "max_repeats"
    done = 0
    while done < max_rounds:
        if done >= first_round:
            if _narrow(_merge_all(spec, variants, rounds, done, repeats_per_round, None)):
                stopped_by = "target"
                break
            if budget_s is not None and clock() - started + round_s > budget_s:
                stopped_by = "budget"
                break
        round_started = clock()
        planned = max(first_round, done + 1)
        for index, variant in enumerate(variants):
            progress = _progress_for(on_progress, variant, done, index, planned, len(variants))
            rounds[index].append(
                run(
                    _round_spec(spec, variant, repeats_per_round),
                    variant.python,
                    on_progress=progress,
                    cancel=cancel,
                    timeout_s=timeout_s,
                    look_before_s=disturbance.LOOK_BEFORE_S if done == 0 and index == 0 else 0.0,
                )
            )
        round_s = clock() - round_started
        done += 1
    return _merge_all(spec, variants, rounds, done, repeats_per_round, stopped_by)


def _progress_for(
    on_progress: Callable[[Progress], None] | None,
    variant: Variant,
    round_index: int,
    index: int,
    planned: int,
    count: int,
) -> Callable[[Progress], None] | None:
    if on_progress is None:
        return None

    def report(progress: Progress) -> None:
        fraction = min(1.0, (round_index * count + index + progress.fraction) / (planned * count))
        where = f"round {round_index + 1} of {planned} (planned so far), {variant.text()}: {progress.executor}"
        on_progress(dataclasses.replace(progress, executor=where, fraction=fraction))

    return report


def _narrow(comparison: Comparison) -> bool:
    for run in comparison.runs:
        for entry in run.executors:
            if entry.name != run.baseline and entry.times_s and not narrow_enough(entry.speedup_ci, entry.speedup or 0):
                return False
    cost = comparison.single_thread_cost()
    return cost is None or narrow_enough(cost.interval, cost.ratio)


def _merge_all(
    spec: BenchSpec,
    variants: Sequence[Variant],
    rounds: list[list[BenchResult]],
    done: int,
    repeats_per_round: int,
    stopped_by: str | None,
) -> Comparison:
    runs = tuple(merge_rounds(per_variant, stopped_by) for per_variant in rounds)
    # Only the very first worker looked at the host's load beforehand: that look stands for every variant.
    looked = runs[0].disturbance
    if looked is not None:
        runs = tuple(
            run
            if run.disturbance is None
            else dataclasses.replace(
                run, disturbance=dataclasses.replace(run.disturbance, load_before=looked.load_before)
            )
            for run in runs
        )
    infos = tuple(info_of(variant, per_variant[0]) for variant, per_variant in zip(variants, rounds, strict=True))
    warnings = tuple(
        dict.fromkeys(
            f"{info.label}: {warning}" for info, run in zip(infos, runs, strict=True) for warning in run.warnings
        )
    )
    return Comparison(
        spec=spec,
        variants=infos,
        runs=runs,
        rounds=done,
        repeats_per_round=repeats_per_round,
        stopped_by=stopped_by,
        disturbed=any(run.disturbed for run in runs),
        warnings=warnings,
        created_at=runs[0].created_at,
    )


def merge_rounds(results: Sequence[BenchResult], stopped_by: str | None = None) -> BenchResult:
    """One variant's rounds as one result: each executor's times concatenated in round order, its figures
    recomputed, samples laid end to end, the disturbance joined; intervals and bands assigned (assess)."""
    first, last = results[0], results[-1]
    executors = tuple(
        _merge_executor([entry for result in results for entry in result.executors if entry.name == template.name])
        for template in first.executors
    )
    samples = []
    offset = 0.0
    for result in results:
        samples += [dataclasses.replace(sample, t_s=sample.t_s + offset) for sample in result.samples]
        offset += max((sample.t_s for sample in result.samples), default=0.0)
    host = dict(first.host)
    found = _merge_disturbance([result.disturbance for result in results if result.disturbance is not None])
    disturbed = any(result.disturbed for result in results) if found is None else _is_disturbed(found)
    spec = dataclasses.replace(first.spec, repeats=sum(result.spec.repeats for result in results))
    merged = dataclasses.replace(
        first,
        spec=spec,
        host=host,
        executors=executors,
        warnings=_merge_warnings(results, executors),
        samples=tuple(samples),
        stopped_by=stopped_by,
        disturbed=disturbed,
        disturbance=found,
        # The GIL as the first round began and the last ended, and the first time it came back on in any round.
        gil_at_start=first.gil_at_start,
        gil_at_end=last.gil_at_end,
        gil_reenabled=next((result.gil_reenabled for result in results if result.gil_reenabled), None),
    )
    return assess(merged)


def _merge_warnings(results: Sequence[BenchResult], executors: Sequence[ExecutorResult]) -> tuple[str, ...]:
    """The rounds' warnings once each, their noise warnings replaced by those of the merged times."""
    kept = [w for result in results for w in result.warnings if _NOISY not in w]
    noisy = [f"{e.name}{_NOISY} {e.spread:.0%} around the median" for e in executors if e.noisy and e.spread]
    return tuple(dict.fromkeys([*kept, *noisy]))


_NOISY = ": noisy, repeats spread"  # the worker's wording (engine.bench.worker.run_bench)


def _merge_executor(entries: list[ExecutorResult]) -> ExecutorResult:
    first = entries[0]
    times = tuple(time_s for entry in entries for time_s in entry.times_s)
    if not times:
        return first
    stats = summarize(times)
    timed = sorted((entry for entry in entries if entry.median_s is not None), key=lambda entry: entry.median_s)
    startups = [entry.startup_s for entry in entries if entry.startup_s is not None]
    peaks = [entry.peak_rss_mb for entry in entries if entry.peak_rss_mb is not None]
    per_core = [entry.cpu_percent_per_core for entry in entries if entry.cpu_percent_per_core]
    corrects = [entry.correct for entry in entries]
    return dataclasses.replace(
        first,
        times_s=times,
        median_s=stats.median_s,
        min_s=stats.min_s,
        max_s=stats.max_s,
        spread=stats.spread,
        noisy=stats.noisy,
        startup_s=statistics.median(startups) if startups else None,
        correct=False if False in corrects else (None if None in corrects else True),
        # The spans shown are the median round's.
        spans=timed[(len(timed) - 1) // 2].spans if timed else first.spans,
        peak_rss_mb=max(peaks) if peaks else None,
        cpu_percent_per_core=tuple(map(statistics.fmean, zip(*per_core, strict=False))) if per_core else None,
        error=next((entry.error for entry in entries if entry.error), None),
        repeats=len(times),
    )


def _merge_disturbance(found: list[Disturbance]) -> Disturbance | None:
    """The rounds' disturbance as one: the mean weighted by each round's time, the highest peak, the sums."""
    if not found:
        return None
    run_s = sum(one.run_s for one in found)
    mean = sum(one.other_cores_mean * one.run_s for one in found) / run_s if run_s > 0 else found[0].other_cores_mean
    throttled = [one.throttled_s for one in found if one.throttled_s is not None]
    return dataclasses.replace(
        found[0],
        other_cores_mean=round(mean, 3),
        other_cores_peak=max(one.other_cores_peak for one in found),
        throttled_s=round(sum(throttled), 3) if throttled else None,
        run_s=round(run_s, 3),
    )


def _is_disturbed(found: Disturbance) -> bool:
    return disturbance.is_disturbed(found.other_cores_mean, found.throttled_s, found.run_s, found.throttling_counted)


# --- the single-thread cost -----------------------------------------------------------------------------


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _sequential_times(run: BenchResult) -> tuple[float, ...]:
    base = next((entry for entry in run.executors if entry.name == run.baseline), None)
    return () if base is None else base.times_s


def documented_cost(version: str) -> tuple[str | None, str | None, str | None, float | None]:
    """(the documented figure for this minor version, its source, its link, its largest percentage as a fraction)."""
    fact_id = COST_FACTS.get(_minor(version))
    if fact_id is None:
        return None, None, None, None
    from engine.lesson.facts import fact  # parent side only: the worker never imports the lesson

    found = fact(fact_id)
    percents = [float(number) for number in re.findall(r"(\d+(?:\.\d+)?)\s*%?", found.value)]
    return found.value, found.source, found.url, (max(percents) / 100 if percents else None)


def single_thread_cost(comparison: Comparison) -> SingleThreadCost | None:
    """The free-threaded build (GIL off) against the GIL build of the same minor version, if both ran."""
    pairs = list(zip(comparison.variants, comparison.runs, strict=True))
    free = next(((v, r) for v, r in pairs if v.build == "free-threaded" and v.gil_enabled is not True), None)
    if free is None:
        return None
    gil = next(((v, r) for v, r in pairs if v.build == "GIL" and _minor(v.version) == _minor(free[0].version)), None)
    if gil is None:
        return None
    free_times, gil_times = _sequential_times(free[1]), _sequential_times(gil[1])
    if not free_times or not gil_times:
        return None
    ratio = statistics.median(free_times) / statistics.median(gil_times)
    # speedup_interval(a, b) bounds median(a) / median(b), pairing repeat i of each: the same round.
    interval = speedup_interval(free_times, gil_times)
    documented, source, url, top = documented_cost(free[0].version)
    noise_wider = interval is None or interval[0] <= 1.0 or (top is not None and interval[1] - interval[0] > top)
    return SingleThreadCost(
        free_threaded=free[0].label,
        gil_build=gil[0].label,
        version=_minor(free[0].version),
        ratio=ratio,
        interval=interval,
        documented=documented,
        documented_source=source,
        documented_url=url,
        noise_wider=noise_wider,
        sentence=_cost_sentence(ratio, interval, documented, source, noise_wider, _minor(free[0].version)),
    )


def _percent(ratio: float) -> str:
    return f"{(ratio - 1) * 100:+.0f}%"


def _cost_sentence(
    ratio: float,
    interval: tuple[float, float] | None,
    documented: str | None,
    source: str | None,
    noise_wider: bool,
    version: str,
) -> str:
    measured = f"Single-threaded, the free-threaded build took {ratio:.2f}x the GIL build's time ({_percent(ratio)}"
    if interval is not None:
        measured += f"; {CONFIDENCE:.0%} interval {_percent(interval[0])} to {_percent(interval[1])}"
    measured += ", sequential medians paired by round)."
    quoted = (
        f" Documented for {version}: {documented} slower ({source})."
        if documented
        else f" No documented figure for {version}."
    )
    if interval is None:
        return f"{measured}{quoted} Too few rounds for an interval, so this run cannot tell the cost."
    if noise_wider:
        return (
            f"{measured}{quoted} This host's noise is wider than the effect: the interval "
            f"{'reaches no cost at all' if interval[0] <= 1.0 else 'is wider than the whole documented cost'}, "
            "so this run cannot resolve the single-thread cost; more rounds on a quieter host can."
        )
    return f"{measured}{quoted}"
