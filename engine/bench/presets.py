"""The benchmark presets: lessons as data (engine/bench/data/presets.toml), validated on load.

Owns loading and checking the file (errors name the file, the entry and the field), turning a preset into
BenchSpecs (and, for a preset across interpreters, into variants resolved from the interpreters found), and
judging a finished run or comparison against what the preset says it should show. Every preset must fit the
public mode's limits, so a shared deployment (and the Predict quiz there) can run each one. No streamlit here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import tomllib

from engine.bench.intervals import LEVEL_TEXT
from engine.bench.probe import speedup_limit_of
from engine.bench.results import EXECUTORS, START_METHODS, BenchResult, BenchSpec
from engine.bench.runner import PUBLIC_LIMITS, estimated_sequential_task_s, validate_spec
from engine.bench.sweeps import crossover, near_crossover, sweep_points, task_overhead
from engine.bench.variants import GIL_CHOICES, MAX_VARIANTS, REPEATS_PER_ROUND, Comparison, Variant, min_rounds
from engine.bench.verdicts import band_text, executor_verdict, interval_text, verdict_withheld
from engine.errors import InputError
from engine.host import Interpreter
from engine.lesson.facts import expand, fact

PRESETS_FILE = Path(__file__).parent / "data" / "presets.toml"
PRESET_IDS: tuple[str, ...] = (
    "gil_cpu",
    "io_wait",
    "c_releases_gil",
    "hybrid",
    "overhead_size",
    "scaling_workers",
    "free_threading",
    "dask_task_cost",
    "shared_state",
)
# How a preset's variant picks its interpreter: the free-threaded build found, the GIL build of that same
# version, or the interpreter chosen on the page.
VARIANT_BUILDS: tuple[str, ...] = ("free-threaded", "gil", "chosen")
FREE_THREADED_HOW_TO = (
    "No free-threaded build of Python was found on this host, so this preset cannot run here and its "
    "free-threaded figures were not measured. To get one: `uv python install 3.14t`; or the python.org installer "
    "for macOS or Windows, whose options include the free-threaded binaries; or build CPython from source with "
    "`./configure --disable-gil`. Put it on PATH as `python3.14t` (or add its path to LAB_PYTHONS) and restart "
    "the app."
)
SWEEPS: tuple[str, ...] = ("none", "size", "workers")
# A preset's repeats are its minimum; rounds are added within its budget up to this many.
PRESET_MAX_REPEATS = 30


@dataclass(frozen=True)
class Expectation:
    """What one executor's speedup should be for the preset to have made its point."""

    executor: str
    min: float | None
    max: float | None
    gil_only: bool
    why: str
    variant: str | None = None  # in a preset across interpreters: the variant whose run it judges

    def wording(self) -> str:
        if self.min is not None and self.max is not None:
            return f"between {self.min:.1f}x and {self.max:.1f}x"
        if self.min is not None:
            return f"at least {self.min:.1f}x"
        return f"at most {self.max:.1f}x"


@dataclass(frozen=True)
class PresetVariant:
    """One (interpreter, GIL) a preset runs its spec under; `optional` ones are skipped where none is found."""

    id: str
    build: str  # one of VARIANT_BUILDS
    gil: str = "default"
    optional: bool = False
    shows: str = ""


@dataclass(frozen=True)
class ResolvedVariants:
    """A variant preset's variants as found on this host: what runs, what each shows, what was skipped and why."""

    variants: tuple[Variant, ...]
    shows: tuple[str, ...]
    skipped: tuple[str, ...] = ()
    how_to: str | None = None  # set when a required variant has no interpreter: the run cannot be made


@dataclass(frozen=True)
class Preset:
    id: str
    title: str
    kernel: str
    executors: tuple[str, ...]
    workers: int
    tasks: int
    size: int | None
    repeats: int
    warmups: int
    should_show: str
    sweep: str = "none"
    sweep_values: tuple[int, ...] = ()
    expect: tuple[Expectation, ...] = ()
    optional_executors: tuple[str, ...] = ()
    budget_s: float | None = None  # each run's time bound for adding repeats (a sweep: per run; variants: all)
    variants: tuple[PresetVariant, ...] = ()
    round_repeats: int = REPEATS_PER_ROUND  # across interpreters: each worker's repeats per round
    # A size sweep may also find where one executor comes near another (near = [executor, reference]) and
    # measure one executor's cost per task (task_cost) beside a documented figure (task_cost_fact, a fact id).
    near: tuple[str, str] | None = None
    task_cost: str | None = None
    task_cost_fact: str | None = None
    start_method: str | None = None  # the process pools' start method; None: the interpreter's default

    def spec(self, size: int | None = None, workers: int | None = None, available: Collection[str] = ()) -> BenchSpec:
        """One run of this preset (a sweep point overrides size or workers); `available` adds optional executors."""
        return BenchSpec(
            kernel=self.kernel,
            executors=self.executors + tuple(name for name in self.optional_executors if name in available),
            workers=self.workers if workers is None else workers,
            tasks=self.tasks,
            size=self.size if size is None else size,
            repeats=self.repeats,
            warmups=self.warmups,
            max_repeats=max(self.repeats, PRESET_MAX_REPEATS)
            if self.budget_s is not None and not self.variants
            else None,
            budget_s=None if self.variants else self.budget_s,
            start_method=self.start_method,
        )

    def specs(self, available: Collection[str] = ()) -> tuple[BenchSpec, ...]:
        """Every run the preset makes, in order: one, or one per sweep value."""
        if self.sweep == "size":
            return tuple(self.spec(size=value, available=available) for value in self.sweep_values)
        if self.sweep == "workers":
            return tuple(self.spec(workers=value, available=available) for value in self.sweep_values)
        return (self.spec(available=available),)


@dataclass(frozen=True)
class Finding:
    """What a run showed for one expectation: met is None when it could not be judged."""

    executor: str
    speedup: float | None
    met: bool | None
    sentence: str


_REQUIRED: dict[str, type] = {
    "id": str,
    "title": str,
    "kernel": str,
    "executors": list,
    "workers": int,
    "tasks": int,
    "repeats": int,
    "warmups": int,
    "should_show": str,
}
_OPTIONAL: dict[str, type] = {
    "size": int,
    "sweep": str,
    "sweep_values": list,
    "expect": list,
    "optional_executors": list,
    "budget_s": float,
    "near": list,
    "task_cost": str,
    "task_cost_fact": str,
    "variant": list,
    "round_repeats": int,
    "start_method": str,
}
_VARIANT_FIELDS: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "build": (str,),
    "gil": (str,),
    "optional": (bool,),
    "shows": (str,),
}
_EXPECT_FIELDS: dict[str, tuple[type, ...]] = {
    "executor": (str,),
    "min": (int, float),
    "max": (int, float),
    "gil_only": (bool,),
    "why": (str,),
    "variant": (str,),
}


def _kernel_sizes() -> dict[str, tuple[int, int]]:
    """Kernel name -> (min_size, max_size) from the registry."""
    # Imported here so that loading presets is the only thing here that needs the kernels package.
    from kernels import REGISTRY

    return {name: (kernel.min_size, kernel.max_size) for name, kernel in REGISTRY.items()}


def _fail(path: Path, entry: str, field: str, problem: str, accepted: str) -> InputError:
    return InputError(f"{path.name} [{entry}] {field}", problem, accepted)


def _positive_ints(path: Path, entry: str, field: str, values: Any) -> tuple[int, ...]:
    if not isinstance(values, list) or not values:
        raise _fail(path, entry, field, f"is {values!r}", "a non-empty list of positive integers")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise _fail(path, entry, field, f"holds {value!r}", "positive integers")
    return tuple(values)


def _parse_variant(path: Path, entry: str, index: int, raw: Any) -> PresetVariant:
    where = f"variant[{index}]"
    if not isinstance(raw, dict):
        raise _fail(path, entry, where, f"is {type(raw).__name__}", "a [[preset.variant]] table")
    unknown = set(raw) - set(_VARIANT_FIELDS)
    if unknown:
        raise _fail(path, entry, where, f"has unknown fields {sorted(unknown)}", ", ".join(_VARIANT_FIELDS))
    for name, types in _VARIANT_FIELDS.items():
        if name in raw and ((isinstance(raw[name], bool) and bool not in types) or not isinstance(raw[name], types)):
            raise _fail(path, entry, f"{where}.{name}", f"is {raw[name]!r}", " or ".join(t.__name__ for t in types))
    if "id" not in raw:
        raise _fail(path, entry, f"{where}.id", "is missing", "a short name the expectations refer to")
    if raw.get("build") not in VARIANT_BUILDS:
        raise _fail(path, entry, f"{where}.build", f"is {raw.get('build')!r}", ", ".join(VARIANT_BUILDS))
    if raw.get("gil", "default") not in GIL_CHOICES:
        raise _fail(path, entry, f"{where}.gil", f"is {raw.get('gil')!r}", ", ".join(GIL_CHOICES))
    return PresetVariant(
        id=raw["id"],
        build=raw["build"],
        gil=raw.get("gil", "default"),
        optional=raw.get("optional", False),
        shows=raw.get("shows", "").strip(),
    )


def _parse_expectation(path: Path, entry: str, index: int, raw: Any, executors: tuple[str, ...]) -> Expectation:
    where = f"expect[{index}]"
    if not isinstance(raw, dict):
        raise _fail(path, entry, where, f"is {type(raw).__name__}", "a table")
    unknown = set(raw) - set(_EXPECT_FIELDS)
    if unknown:
        raise _fail(path, entry, where, f"has unknown fields {sorted(unknown)}", ", ".join(_EXPECT_FIELDS))
    for name, types in _EXPECT_FIELDS.items():
        if name in raw and ((isinstance(raw[name], bool) and bool not in types) or not isinstance(raw[name], types)):
            raise _fail(path, entry, f"{where}.{name}", f"is {raw[name]!r}", " or ".join(t.__name__ for t in types))
    if raw.get("executor") not in executors[1:]:
        raise _fail(
            path,
            entry,
            f"{where}.executor",
            f"is {raw.get('executor')!r}",
            "one of the preset's non-baseline executors",
        )
    if "min" not in raw and "max" not in raw:
        raise _fail(path, entry, where, "has neither min nor max", "a min and/or a max speedup")
    if "why" not in raw:
        raise _fail(path, entry, f"{where}.why", "is missing", "a sentence saying why")
    return Expectation(
        executor=raw["executor"],
        min=float(raw["min"]) if "min" in raw else None,
        max=float(raw["max"]) if "max" in raw else None,
        gil_only=raw.get("gil_only", False),
        why=raw["why"],
        variant=raw.get("variant"),
    )


def _parse_preset(path: Path, index: int, raw: Any, kernels: dict[str, tuple[int, int]]) -> Preset:
    entry = str(raw.get("id", f"#{index + 1}")) if isinstance(raw, dict) else f"#{index + 1}"
    if not isinstance(raw, dict):
        raise _fail(path, entry, "preset", f"is {type(raw).__name__}", "a [[preset]] table")
    unknown = set(raw) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise _fail(path, entry, "preset", f"has unknown fields {sorted(unknown)}", ", ".join([*_REQUIRED, *_OPTIONAL]))
    for name, kind in {**_REQUIRED, **_OPTIONAL}.items():
        if name not in raw:
            if name in _REQUIRED:
                raise _fail(path, entry, name, "is missing", f"a {kind.__name__}")
            continue
        value = raw[name]
        kinds = (int, float) if kind is float else (kind,)
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise _fail(path, entry, name, f"is {value!r}", f"a {kind.__name__}")
    if raw["id"] not in PRESET_IDS:
        raise _fail(path, entry, "id", f"is {raw['id']!r}", ", ".join(PRESET_IDS))
    if raw["kernel"] not in kernels:
        raise _fail(path, entry, "kernel", f"is {raw['kernel']!r}", ", ".join(kernels))
    executors = tuple(raw["executors"])
    if len(executors) < 2 or any(name not in EXECUTORS for name in executors) or len(set(executors)) < len(executors):
        raise _fail(
            path, entry, "executors", f"is {list(executors)!r}", f"two or more distinct of {', '.join(EXECUTORS)}"
        )
    optional = tuple(raw.get("optional_executors", []))
    if any(name not in EXECUTORS or name in executors for name in optional):
        raise _fail(path, entry, "optional_executors", f"is {list(optional)!r}", "executors not already listed")
    for name in ("workers", "tasks", "repeats"):
        if raw[name] < 1:
            raise _fail(path, entry, name, f"is {raw[name]}", "an integer of 1 or more")
    if "budget_s" in raw and raw["budget_s"] <= 0:
        raise _fail(path, entry, "budget_s", f"is {raw['budget_s']}", "seconds above 0, or omit it")
    if raw.get("start_method", START_METHODS[0]) not in START_METHODS:
        raise _fail(path, entry, "start_method", f"is {raw['start_method']!r}", ", ".join(START_METHODS))
    if raw["warmups"] < 0:
        raise _fail(path, entry, "warmups", f"is {raw['warmups']}", "an integer of 0 or more")
    low, high = kernels[raw["kernel"]]
    if "size" in raw and not low <= raw["size"] <= high:
        raise _fail(path, entry, "size", f"is {raw['size']}", f"{low} to {high} for {raw['kernel']}, or omit it")
    sweep = raw.get("sweep", "none")
    if sweep not in SWEEPS:
        raise _fail(path, entry, "sweep", f"is {sweep!r}", ", ".join(SWEEPS))
    sweep_values: tuple[int, ...] = ()
    if sweep != "none":
        sweep_values = _positive_ints(path, entry, "sweep_values", raw.get("sweep_values"))
        if sweep == "size" and not all(low <= value <= high for value in sweep_values):
            raise _fail(path, entry, "sweep_values", f"is {list(sweep_values)}", f"sizes from {low} to {high}")
    elif "sweep_values" in raw:
        raise _fail(path, entry, "sweep_values", "is set without a sweep", 'sweep = "size" or "workers"')
    near, task_cost, task_cost_fact = _parse_dask_sweep(path, entry, raw, executors, sweep)
    expect = tuple(
        _parse_expectation(path, entry, number, item, executors) for number, item in enumerate(raw.get("expect", []))
    )
    variants = tuple(_parse_variant(path, entry, number, item) for number, item in enumerate(raw.get("variant", [])))
    variant_ids = [variant.id for variant in variants]
    if len(set(variant_ids)) < len(variant_ids):
        raise _fail(path, entry, "variant", f"has ids {variant_ids}", "each variant id once")
    if len(variants) > MAX_VARIANTS:
        raise _fail(path, entry, "variant", f"has {len(variants)} variants", f"at most {MAX_VARIANTS}")
    if raw.get("round_repeats", 1) < 1 or ("round_repeats" in raw and not variants):
        raise _fail(path, entry, "round_repeats", f"is {raw['round_repeats']}", "1 or more, with [[preset.variant]]")
    if variants and sweep != "none":
        raise _fail(path, entry, "variant", "is set with a sweep", "variants or a sweep, not both")
    for number, expectation in enumerate(expect):
        if expectation.variant is not None and expectation.variant not in variant_ids:
            raise _fail(path, entry, f"expect[{number}].variant", f"is {expectation.variant!r}", ", ".join(variant_ids))
    return Preset(
        id=raw["id"],
        title=raw["title"],
        kernel=raw["kernel"],
        executors=executors,
        workers=raw["workers"],
        tasks=raw["tasks"],
        size=raw.get("size"),
        repeats=raw["repeats"],
        warmups=raw["warmups"],
        should_show=expand(raw["should_show"].strip()),
        sweep=sweep,
        sweep_values=sweep_values,
        expect=expect,
        optional_executors=optional,
        budget_s=float(raw["budget_s"]) if "budget_s" in raw else None,
        variants=variants,
        round_repeats=raw.get("round_repeats", REPEATS_PER_ROUND),
        near=near,
        task_cost=task_cost,
        task_cost_fact=task_cost_fact,
        start_method=raw.get("start_method"),
    )


def _parse_dask_sweep(
    path: Path, entry: str, raw: dict[str, Any], executors: tuple[str, ...], sweep: str
) -> tuple[tuple[str, str] | None, str | None, str | None]:
    """The optional near / task_cost / task_cost_fact fields of a size sweep, checked."""
    if sweep != "size" and any(name in raw for name in ("near", "task_cost", "task_cost_fact")):
        raise _fail(path, entry, "near", "is set without a size sweep", 'sweep = "size"')
    near = None
    if "near" in raw:
        pair = tuple(raw["near"])
        if len(pair) != 2 or len(set(pair)) != 2 or any(name not in executors[1:] for name in pair):
            raise _fail(
                path, entry, "near", f"is {list(pair)!r}", "[executor, reference]: two of its non-baseline executors"
            )
        near = (str(pair[0]), str(pair[1]))
    task_cost = raw.get("task_cost")
    if task_cost is not None and task_cost not in executors[1:]:
        raise _fail(path, entry, "task_cost", f"is {task_cost!r}", "one of its non-baseline executors")
    task_cost_fact = raw.get("task_cost_fact")
    if task_cost_fact is not None:
        if task_cost is None:
            raise _fail(path, entry, "task_cost_fact", "is set without task_cost", "task_cost = an executor")
        try:
            fact(task_cost_fact)
        except LookupError:
            raise _fail(path, entry, "task_cost_fact", f"is {task_cost_fact!r}", "a fact id of facts.toml") from None
    return near, task_cost, task_cost_fact


def sweep_sentences(preset: Preset, results: Sequence[BenchResult]) -> tuple[str, ...]:
    """What a size sweep showed, in words: each executor's crossover, then where one comes near another and
    what one task costs beside the documented figure, where the preset asks for them."""
    from kernels import get_kernel

    if preset.sweep != "size":
        raise ValueError(f"{preset.id} is not a size sweep")
    unit = get_kernel(preset.kernel).size_unit
    points = sweep_points(results, by="size")
    measured = {point.executor for point in points}
    named = [name for name in (*preset.executors[1:], *preset.optional_executors) if name in measured]
    sentences = [crossover(points, name, unit=unit).sentence for name in named]
    if preset.near is not None:
        sentences.append(near_crossover(points, *preset.near, unit=unit).sentence)
    if preset.task_cost is not None:
        sentences.append(task_overhead(results, preset.task_cost).sentence)
        if preset.task_cost_fact is not None:
            documented = fact(preset.task_cost_fact)
            sentences.append(f"Documented, for comparison: {documented.statement} ({documented.citation})")
    return tuple(sentences)


def load_presets(path: Path = PRESETS_FILE, kernels: dict[str, tuple[int, int]] | None = None) -> dict[str, Preset]:
    """Every preset in the file, by id, in file order; InputError names the file, entry and field at fault."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InputError(path.name, f"is not valid TOML ({error})", "a TOML file of [[preset]] tables") from error
    raw_presets = document.get("preset")
    if not isinstance(raw_presets, list) or not raw_presets:
        raise InputError(path.name, "has no [[preset]] tables", "one [[preset]] table per preset")
    kernel_sizes = _kernel_sizes() if kernels is None else kernels
    presets: dict[str, Preset] = {}
    for index, raw in enumerate(raw_presets):
        preset = _parse_preset(path, index, raw, kernel_sizes)
        _check_public(path, preset)
        if preset.id in presets:
            raise _fail(path, preset.id, "id", "appears twice", "each id once")
        presets[preset.id] = preset
    missing = [preset_id for preset_id in PRESET_IDS if preset_id not in presets]
    if missing:
        raise InputError(path.name, f"lacks presets {missing}", ", ".join(PRESET_IDS))
    return presets


def _check_public(path: Path, preset: Preset) -> None:
    """InputError unless every run of `preset`, optional executors included, fits the public mode's limits;
    across interpreters, the budget too and the rounds every variant must run before the budget can stop them."""
    for spec in preset.specs(available=preset.optional_executors):
        try:
            validate_spec(spec, PUBLIC_LIMITS)
        except InputError as error:
            raise _fail(
                path, preset.id, error.field, f"{error.problem} (over the public mode's limits)", error.accepted
            ) from None
        if preset.variants:
            _check_public_variants(path, preset, spec)


def _check_public_variants(path: Path, preset: Preset, spec: BenchSpec) -> None:
    limit_s = PUBLIC_LIMITS.max_run_s
    if preset.budget_s is not None and preset.budget_s > limit_s:
        raise _fail(
            path, preset.id, "budget_s", f"is {preset.budget_s:g} (over the public mode's limits)", f"0 to {limit_s:g}"
        )
    # The first rounds run whatever the budget (engine.bench.variants.run_variants): each variant's worker does
    # its warm-ups and round_repeats per round, every executor as slow as sequential (runner's linear model).
    from kernels import get_kernel

    kernel = get_kernel(spec.kernel)
    size = kernel.default_size if spec.size is None else spec.size
    rounds = min_rounds(preset.round_repeats, spec.repeats)
    executors = len(set(spec.executors) | {"sequential"})
    runs = len(preset.variants) * rounds * (spec.warmups + preset.round_repeats) * executors
    estimate_s = runs * spec.tasks * estimated_sequential_task_s(kernel, size, spec.latency_ms)
    if estimate_s > limit_s:
        raise _fail(
            path,
            preset.id,
            "variant",
            f"{len(preset.variants)} variants in {rounds} rounds would take about {estimate_s:.0f} s "
            "(over the public mode's limits)",
            f"runs under {limit_s:.0f} s: fewer variants, round_repeats, tasks or executors, or a smaller size",
        )


@cache
def presets() -> dict[str, Preset]:
    """The shipped presets, loaded once."""
    return load_presets()


def get_preset(preset_id: str) -> Preset:
    """One shipped preset; InputError names the accepted ids for an unknown one."""
    found = presets().get(preset_id)
    if found is None:
        raise InputError("preset", f"unknown preset {preset_id!r}", ", ".join(PRESET_IDS))
    return found


def _version_key(interpreter: Interpreter) -> tuple[int, ...]:
    return tuple(int(part) for part in interpreter.version.split(".") if part.isdigit())


def _minor(interpreter: Interpreter) -> tuple[int, ...]:
    return _version_key(interpreter)[:2]


def resolve_variants(
    preset: Preset, interpreters: Collection[Interpreter], chosen: str | None = None
) -> ResolvedVariants:
    """The preset's variants on this host: the newest free-threaded build found, the GIL build of its version,
    the chosen interpreter. An optional variant with no interpreter is skipped (said so); a required one makes
    the run impossible here, and `how_to` says how to get a free-threaded build."""
    working = [found for found in interpreters if found.supported]
    free = sorted((found for found in working if found.free_threaded_build), key=_version_key, reverse=True)
    gil_builds = sorted((found for found in working if not found.free_threaded_build), key=_version_key, reverse=True)
    variants: list[Variant] = []
    shows: list[str] = []
    skipped: list[str] = []
    how_to: str | None = None
    for wanted in preset.variants:
        path: str | None = None
        if wanted.build == "chosen":
            path = chosen
        elif wanted.build == "free-threaded" and free:
            path = free[0].path
        elif wanted.build == "gil" and free:
            path = next((found.path for found in gil_builds if _minor(found) == _minor(free[0])), None)
        if path is None:
            if wanted.build == "free-threaded" or not free:
                reason = "no free-threaded build was found"
            else:
                reason = f"no GIL build of Python {'.'.join(map(str, _minor(free[0])))} was found"
            if not wanted.optional:
                how_to = FREE_THREADED_HOW_TO if not free else f"This preset cannot run here: {reason}."
            skipped.append(f"{wanted.id}: {reason}")
            continue
        if any(_same_run(path, wanted.gil, variant, working) for variant in variants):
            skipped.append(f"{wanted.id}: the same interpreter and GIL as another variant, run once")
            continue
        variants.append(Variant(path, wanted.gil, wanted.id))
        shows.append(wanted.shows)
    return ResolvedVariants(tuple(variants), tuple(shows), tuple(skipped), how_to)


def _same_run(path: str, gil: str, other: Variant, working: Collection[Interpreter]) -> bool:
    """Whether (path, gil) runs what `other` runs: one binary, and the same GIL once defaults are read."""
    if Path(path).resolve() != Path(other.python).resolve():
        return False
    found = next((one for one in working if one.path == path), None)
    default = "off" if found is not None and found.free_threaded_build else "on"
    return (default if gil == "default" else gil) == (default if other.gil == "default" else other.gil)


def judge_comparison(preset: Preset, comparison: Comparison) -> tuple[Finding, ...]:
    """Each run of a comparison judged by the expectations for its variant (and those for every variant),
    each finding's sentence opening with the variant's label."""
    findings: list[Finding] = []
    for variant, run in zip(comparison.variants, comparison.runs, strict=True):
        own = tuple(e for e in preset.expect if e.variant in (None, variant.role))
        scoped = replace(preset, expect=tuple(replace(e, variant=None) for e in own))
        findings += [replace(f, sentence=f"{variant.label}: {f.sentence}") for f in judge(scoped, run)]
    return tuple(findings)


def judge(preset: Preset, result: BenchResult) -> tuple[Finding, ...]:
    """What the run did show, one finding per expectation of the preset, judged on the speedup's interval.

    Met when the whole 95% interval meets the expectation, not met when the whole interval misses it, and
    not judged (met None) when the interval reaches both sides, when there is no interval, or when the run
    was disturbed (the reason is given).
    """
    by_name = {executor.name: executor for executor in result.executors}
    gil_on = bool(result.host.get("gil_enabled", True))
    withheld = verdict_withheld(result)
    findings = []
    # Expectations of one variant are judged on a comparison's runs (judge_comparison), not on a single run.
    for expectation in (expectation for expectation in preset.expect if expectation.variant is None):
        executor = by_name.get(expectation.executor)
        speedup = executor.speedup if executor is not None else None
        if executor is None or speedup is None:
            reason = "it did not run" if executor is None else (executor.unavailable or executor.error or "no timing")
            findings.append(
                Finding(expectation.executor, None, None, f"{expectation.executor}: not judged ({reason}).")
            )
            continue
        label = executor.label or executor.name
        measured = f"{label}: {speedup:.2f}x"
        if executor.speedup_ci is not None:
            measured += f" ({LEVEL_TEXT} interval {interval_text(executor.speedup_ci)})"
        gil_off = executor.gil_enabled is False or (executor.gil_enabled is None and not gil_on)
        if expectation.gil_only and gil_off:
            findings.append(
                Finding(
                    expectation.executor,
                    speedup,
                    None,
                    f"{measured} with the GIL off, so the GIL-build expectation "
                    f"({expectation.wording()}) does not apply.",
                )
            )
            continue
        expected = f"{expectation.wording()}: {expectation.why}"
        if withheld is not None:
            findings.append(
                Finding(expectation.executor, speedup, None, f"{measured}: not judged ({expected}), {withheld}.")
            )
            continue
        if executor.speedup_ci is None:
            sentence = f"{measured}: not judged ({expected}): too few repeats for an interval."
            findings.append(Finding(expectation.executor, speedup, None, sentence))
            continue
        met = _interval_meets(executor.speedup_ci, expectation)
        verdict = {True: "as expected", False: "not as expected", None: "not judged, the interval reaches both sides"}
        findings.append(
            Finding(
                expectation.executor,
                speedup,
                met,
                f"{measured}, {verdict[met]} ({expected}). Band: {band_text(executor)}.",
            )
        )
    return tuple(findings)


def _interval_meets(interval: tuple[float, float], expectation: Expectation) -> bool | None:
    """True when the whole interval meets the expectation, False when none of it does, None when it is split."""
    low, high = interval
    inside_low = expectation.min is None or low >= expectation.min
    inside_high = expectation.max is None or high <= expectation.max
    if inside_low and inside_high:
        return True
    outside = (expectation.min is not None and high < expectation.min) or (
        expectation.max is not None and low > expectation.max
    )
    return False if outside else None


def verdicts(result: BenchResult) -> tuple[str, ...]:
    """One line per executor from the interpretation table and its interval, with the host's limit beside it.

    A disturbed run's first line says why no verdict stands (engine.bench.verdicts.verdict_withheld).
    """
    cores = f"{speedup_limit_of(result.host):g}"
    withheld = verdict_withheld(result)
    lines = [f"No verdicts: {withheld}."] if withheld is not None else []
    for executor in result.executors:
        label = executor.label or executor.name
        if executor.name == result.baseline:
            lines.append(f"{label}: the baseline ({executor.median_s:.3g} s median)." if executor.median_s else label)
            continue
        sentence = executor_verdict(result, executor)
        if sentence is not None:
            lines.append(sentence if withheld is not None else f"{sentence[:-1]} (limit here: {cores} cores).")
    return tuple(lines)


def warnings_for(result: BenchResult) -> tuple[str, ...]:
    """What a reader must not miss: the worker's warnings (wrong answers, noise), then executors that failed."""
    failed = [f"{e.label or e.name} failed: {e.error}" for e in result.executors if e.error]
    return (*result.warnings, *failed)


def unavailable_notes(result: BenchResult) -> tuple[str, ...]:
    """Executors this interpreter cannot run, each with the reason (3.14's interpreters on an older Python)."""
    return tuple(f"{e.label or e.name}: {e.unavailable}" for e in result.executors if e.unavailable)
