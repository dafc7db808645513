"""The benchmark's values: BenchSpec in, BenchResult out, as frozen dataclasses.

Standard library only (the worker builds these under any interpreter). A result
travels as one JSON document with `schema` and `version`; `from_dict` checks
every field and type and raises InputError naming the first that does not fit.

Result format versions (a file of an older version is migrated on load, in from_dict):
  1 - first version: spec, host, baseline, executors (with spans), samples, warnings.
  2 - intervals and adaptive repeats (issue 11). spec: `repeats` is the minimum, `max_repeats` (null: the
      minimum) and `budget_s` (null: none) bound the repeats added until every interval is narrow enough.
      executor: `speedup_ci` [low, high] (the 95% interval, engine.bench.intervals; null with too few
      repeats), `band` the band the whole interval lies in (null when it straddles an edge, and always for
      the baseline), `band_range` [band at low, band at high], `repeats` (timed repeats it got). result:
      `stopped_by` ("target", "budget" or "max_repeats"; null in a migrated version-1 file), `disturbed`.
      Bands are assigned by the parent (assess), no longer by the worker. Migrating a version-1 file
      computes speedup_ci from times_s where there are enough repeats and assigns the bands afresh.
  3 - runs across interpreters (issue 12). spec: `gil` ("default", "on" or "off": the worker's -X gil).
      A comparison document (engine.bench.variants) has the same `schema` and `version` and `kind`
      "comparison": `runs` (full results, one per (interpreter, GIL) variant, each with its own host,
      baseline, executors, intervals and disturbance; its times are the rounds' concatenated in round order),
      `variants` (one per run, in order: `python`, `version`, `build`, `gil` asked, `gil_enabled` measured,
      `role`, `label`), `rounds`, `repeats_per_round`, `stopped_by`, `disturbed` (any run disturbed),
      `warnings`, `created_at`, and `single_thread_cost` (derived, recomputed on load: the free-threaded
      build's sequential median over the GIL build's of the same version, with its paired 95% interval).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from engine.bench.intervals import speedup, speedup_interval
from engine.errors import InputError

SCHEMA = "concurrency-lab/bench-result"
VERSION = 3
VERSIONS_READ: tuple[int, ...] = (1, 2, 3)
# The default minimum of timed repeats: the fewest that give an interval (intervals.MIN_INTERVAL_REPEATS).
DEFAULT_REPEATS = 6
STOPPED_BY: tuple[str, ...] = ("target", "budget", "max_repeats")

EXECUTORS: tuple[str, ...] = (
    "sequential",
    "threads",
    "processes",
    "asyncio",
    "asyncio_threads",
    "asyncio_processes",
    "interpreters",
)
START_METHODS: tuple[str, ...] = ("fork", "forkserver", "spawn")

# The lesson's interpretation table, in order: (band id, upper edge of speedup, wording).
# A speedup belongs to the first band whose edge it is below (2.0 itself is still "worth considering").
BANDS: tuple[tuple[str, float, str], ...] = (
    ("dont_use", 1.0, "< 1.0x slower than baseline: don't use"),
    ("not_justified", 1.2, "1.0-1.2x overhead not justified: stick with the simpler approach"),
    ("worth_considering", 2.0, "1.2-2.0x worth considering: use if the workload is large"),
    ("clear_winner", float("inf"), "> 2.0x clear winner"),
)


def speedup_band(speedup: float) -> str:
    """The interpretation band id for a speedup (baseline median / executor median)."""
    for band, upper, _ in BANDS:
        if speedup < upper or (band == "worth_considering" and speedup == upper):
            return band
    return BANDS[-1][0]


def interval_bands(low: float, high: float) -> tuple[str | None, tuple[str, str]]:
    """(the band the whole interval [low, high] lies in, or None; [band at low, band at high])."""
    at_low, at_high = speedup_band(low), speedup_band(high)
    return (at_low if at_low == at_high else None), (at_low, at_high)


def band_wording(band: str) -> str:
    """The lesson's words for a band id."""
    for band_id, _, wording in BANDS:
        if band_id == band:
            return wording
    raise InputError("band", f"unknown band {band!r}", ", ".join(b for b, _, _ in BANDS))


@dataclass(frozen=True)
class BenchSpec:
    """What to run: one kernel through several executors."""

    kernel: str
    executors: tuple[str, ...]
    workers: int = 2
    tasks: int = 8
    size: int | None = None  # None: the kernel's default size
    repeats: int = DEFAULT_REPEATS  # the minimum of timed repeats (rounds of every executor)
    warmups: int = 1
    start_method: str | None = None  # None: the interpreter's default
    latency_ms: int | None = None  # hybrid's fetch latency; None: the kernel's default
    max_repeats: int | None = None  # the most repeats adaptive rounds may reach; None: `repeats`
    budget_s: float | None = None  # the whole run's time bound for adding rounds; None: no bound
    gil: str = "default"  # "default", "on" or "off": the worker is started with -X gil=1 or 0

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["executors"] = list(self.executors)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> BenchSpec:
        fields = _check_mapping(data, "spec", cls)
        fields["executors"] = tuple(fields["executors"])
        return cls(**fields)


@dataclass(frozen=True)
class Span:
    """One task: which worker ran it and when, in seconds from the repeat's start."""

    task: int
    worker: str
    start_s: float
    end_s: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Span:
        return cls(**_check_mapping(data, "span", cls))


@dataclass(frozen=True)
class ExecutorResult:
    """One executor's measurements; `error` or `unavailable` say why there are none."""

    name: str
    label: str
    workers: int
    start_method: str | None
    times_s: tuple[float, ...]
    median_s: float | None
    min_s: float | None
    max_s: float | None
    spread: float | None  # (max - min) / median
    noisy: bool
    startup_s: float | None
    speedup: float | None
    band: str | None
    correct: bool | None
    spans: tuple[Span, ...]
    peak_rss_mb: float | None = None
    cpu_percent_per_core: tuple[float, ...] | None = None
    gil_enabled: bool | None = None
    unavailable: str | None = None
    error: str | None = None
    speedup_ci: tuple[float, float] | None = None  # the 95% interval of `speedup` (engine.bench.intervals)
    band_range: tuple[str, str] | None = None  # (band at the interval's low end, band at its high end)
    repeats: int = 0  # timed repeats this executor got

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["times_s"] = list(self.times_s)
        for name in ("speedup_ci", "band_range"):
            if data[name] is not None:
                data[name] = list(data[name])
        data["spans"] = [span.to_dict() for span in self.spans]
        if self.cpu_percent_per_core is not None:
            data["cpu_percent_per_core"] = list(self.cpu_percent_per_core)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> ExecutorResult:
        fields = _check_mapping(data, "executor", cls)
        fields["times_s"] = tuple(fields["times_s"])
        fields["spans"] = tuple(Span.from_dict(span) for span in fields["spans"])
        if fields.get("cpu_percent_per_core") is not None:
            fields["cpu_percent_per_core"] = tuple(fields["cpu_percent_per_core"])
        if fields.get("speedup_ci") is not None:
            low_high = fields["speedup_ci"]
            if len(low_high) != 2 or not all(_is_number(v) for v in low_high) or low_high[0] > low_high[1]:
                raise InputError("executor.speedup_ci", f"is {low_high!r}", "[low, high] with low <= high, or null")
            fields["speedup_ci"] = (float(low_high[0]), float(low_high[1]))
        if fields.get("band_range") is not None:
            pair = fields["band_range"]
            if len(pair) != 2 or any(band not in _BAND_IDS for band in pair):
                raise InputError("executor.band_range", f"is {pair!r}", f"[low, high] of {', '.join(_BAND_IDS)}")
            fields["band_range"] = tuple(pair)
        return cls(**fields)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_BAND_IDS: tuple[str, ...] = tuple(band for band, _, _ in BANDS)


@dataclass(frozen=True)
class Sample:
    """One reading of the worker's process tree taken by the runner."""

    t_s: float
    cpu_percent_per_core: tuple[float, ...]
    rss_mb: float
    executor: str | None

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["cpu_percent_per_core"] = list(self.cpu_percent_per_core)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Sample:
        fields = _check_mapping(data, "sample", cls)
        fields["cpu_percent_per_core"] = tuple(fields["cpu_percent_per_core"])
        return cls(**fields)


@dataclass(frozen=True)
class Disturbance:
    """What everything but the worker's process tree used while the run ran (engine.bench.disturbance).

    `other_cores_*` are in cores (1.0 = one core busy all the time) out of `cores`, `throttled_s` is the container's
    throttled time (None on a host without a quota), `load_before` the cores everything used just before
    the run, `source` "cgroup" or "host", `threshold` the stated rule, `not_measured` what cannot be seen.
    """

    other_cores_mean: float
    other_cores_peak: float
    throttled_s: float | None
    load_before: float
    source: str
    threshold: dict[str, float]
    run_s: float = 0.0
    cores: float = 0.0  # what the figures are out of: the host's logical cores, or the container's quota
    throttling_counted: bool = False
    not_measured: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["threshold"] = dict(self.threshold)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Disturbance:
        fields = _check_mapping(data, "disturbance", cls)
        if fields["source"] not in ("cgroup", "host"):
            raise InputError("disturbance.source", f"is {fields['source']!r}", "'cgroup' or 'host'")
        return cls(**fields)


@dataclass(frozen=True)
class BenchResult:
    """A whole run: the spec, the host that ran it, the baseline and every executor."""

    spec: BenchSpec
    host: dict[str, Any]
    baseline: str
    executors: tuple[ExecutorResult, ...]
    warnings: tuple[str, ...] = ()
    samples: tuple[Sample, ...] = ()
    created_at: str = ""
    schema: str = SCHEMA
    version: int = VERSION
    stopped_by: str | None = None  # why the repeats ended: one of STOPPED_BY; None in a migrated version-1 file
    disturbed: bool = False  # other programs used the cores during the run: verdicts are withheld
    disturbance: Disturbance | None = None  # what other programs used during the run (engine.bench.disturbance)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "schema": self.schema,
            "version": self.version,
            "created_at": self.created_at,
            "spec": self.spec.to_dict(),
            "host": dict(self.host),
            "baseline": self.baseline,
            "executors": [executor.to_dict() for executor in self.executors],
            "warnings": list(self.warnings),
            "samples": [sample.to_dict() for sample in self.samples],
            "stopped_by": self.stopped_by,
            "disturbed": self.disturbed,
        }
        # A result measured before the disturbance check existed has neither key, and keeps it so when saved.
        if self.disturbance is not None or self.disturbed:
            data["disturbed"] = self.disturbed
            data["disturbance"] = None if self.disturbance is None else self.disturbance.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Any) -> BenchResult:
        if not isinstance(data, dict):
            raise InputError("result", f"is {type(data).__name__}", "a JSON object")
        if data.get("schema") != SCHEMA:
            raise InputError("schema", f"is {data.get('schema')!r}", repr(SCHEMA))
        version = data.get("version")
        if isinstance(version, bool) or version not in VERSIONS_READ:
            raise InputError("version", f"is {version!r}", " or ".join(str(v) for v in VERSIONS_READ))
        fields = _check_mapping(data, "result", cls)
        fields["spec"] = BenchSpec.from_dict(fields["spec"])
        fields["executors"] = tuple(ExecutorResult.from_dict(item) for item in fields["executors"])
        fields["warnings"] = tuple(fields["warnings"])
        fields["samples"] = tuple(Sample.from_dict(item) for item in fields["samples"])
        if fields.get("stopped_by") is not None and fields["stopped_by"] not in STOPPED_BY:
            raise InputError("result.stopped_by", f"is {fields['stopped_by']!r}", ", ".join(STOPPED_BY))
        if fields.get("disturbance") is not None:
            fields["disturbance"] = Disturbance.from_dict(fields["disturbance"])
        result = cls(**fields)
        if version == 1:
            # Version 1 had no intervals, and its worker gave bands from the point speedup: assign them afresh.
            result = assess(dataclasses.replace(result, version=VERSION))
        return result


def assess(result: BenchResult) -> BenchResult:
    """`result` with each executor's speedup, its interval, band and band range computed from its times.

    The parent's step (the worker reports measurements only): the interval pairs each executor's repeats
    with the baseline's of the same round (engine.bench.intervals); `band` is the band the whole interval
    lies in, None when it straddles an edge or there is no interval, and None for the baseline itself.
    """
    base = next((e for e in result.executors if e.name == result.baseline and e.times_s), None)
    entries = []
    for entry in result.executors:
        fields: dict[str, Any] = {"repeats": len(entry.times_s), "band": None, "band_range": None}
        fields["speedup_ci"] = None
        if base is not None and entry.times_s and entry.median_s:
            fields["speedup"] = speedup(base.median_s or 0.0, entry.median_s)
            interval = speedup_interval(base.times_s, entry.times_s)
            if entry.name == result.baseline:
                interval = (1.0, 1.0)
            elif interval is not None:
                fields["band"], fields["band_range"] = interval_bands(*interval)
            fields["speedup_ci"] = interval
        else:
            fields["speedup"] = None
        entries.append(dataclasses.replace(entry, **fields))
    return dataclasses.replace(result, executors=tuple(entries))


# Types each field may take in JSON, keyed by (dataclass, field name). Built from the annotations.
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
}


def _accepted_types(annotation: str) -> tuple[tuple[type, ...], bool]:
    """(JSON types, may be null) for an annotation string such as 'float | None'."""
    parts = [part.strip() for part in annotation.split("|")]
    nullable = "None" in parts
    types: tuple[type, ...] = ()
    for part in parts:
        if part == "None":
            continue
        base = part.split("[", 1)[0]
        types += _JSON_TYPES.get(base, {"tuple": (list,), "dict": (dict,)}.get(base, (dict,)))
    return types, nullable


def _check_mapping(data: Any, where: str, cls: type) -> dict[str, Any]:
    """The fields of `cls` from a JSON object, each checked for presence and type."""
    if not isinstance(data, dict):
        raise InputError(where, f"is {type(data).__name__}", "a JSON object")
    checked: dict[str, Any] = {}
    for spec_field in dataclasses.fields(cls):
        name = spec_field.name
        has_default = (
            spec_field.default is not dataclasses.MISSING or spec_field.default_factory is not dataclasses.MISSING
        )
        if name not in data:
            if has_default:
                continue
            raise InputError(f"{where}.{name}", "is missing", f"a value of type {spec_field.type}")
        value = data[name]
        types, nullable = _accepted_types(str(spec_field.type))
        if value is None and nullable:
            checked[name] = None
            continue
        wrong_bool = isinstance(value, bool) and bool not in types
        if wrong_bool or not isinstance(value, types):
            raise InputError(f"{where}.{name}", f"is {type(value).__name__}", f"{spec_field.type}")
        checked[name] = value
    unknown = set(data) - {spec_field.name for spec_field in dataclasses.fields(cls)}
    if unknown:
        raise InputError(where, f"has unknown fields {sorted(unknown)}", "only the fields of DESIGN.md")
    return checked
