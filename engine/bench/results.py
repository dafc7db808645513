"""The benchmark's values: BenchSpec in, BenchResult out, as frozen dataclasses.

Standard library only (the worker builds these under any interpreter). A result
travels as one JSON document with `schema` and `version`; `from_dict` checks
every field and type and raises InputError naming the first that does not fit.

Result format versions:
  1 - first version: spec, host, baseline, executors (with spans), samples, warnings.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from engine.errors import InputError

SCHEMA = "concurrency-lab/bench-result"
VERSION = 1

EXECUTORS: tuple[str, ...] = (
    "sequential",
    "threads",
    "processes",
    "asyncio",
    "asyncio_threads",
    "asyncio_processes",
    "interpreters",
    "dask",  # engine.bench.dask_executor: needs dask[distributed]; dask_threads is its in-process mirror
    "dask_threads",
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
    repeats: int = 3
    warmups: int = 1
    start_method: str | None = None  # None: the interpreter's default
    latency_ms: int | None = None  # hybrid's fetch latency; None: the kernel's default
    scheduler: str | None = None  # the dask executor's scheduler address tcp://HOST:PORT; None: a LocalCluster

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["executors"] = list(self.executors)
        if data["scheduler"] is None:  # a local run: its files read as they did before the field existed
            del data["scheduler"]
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

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["times_s"] = list(self.times_s)
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
        return cls(**fields)


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "version": self.version,
            "created_at": self.created_at,
            "spec": self.spec.to_dict(),
            "host": dict(self.host),
            "baseline": self.baseline,
            "executors": [executor.to_dict() for executor in self.executors],
            "warnings": list(self.warnings),
            "samples": [sample.to_dict() for sample in self.samples],
        }

    @classmethod
    def from_dict(cls, data: Any) -> BenchResult:
        if not isinstance(data, dict):
            raise InputError("result", f"is {type(data).__name__}", "a JSON object")
        if data.get("schema") != SCHEMA:
            raise InputError("schema", f"is {data.get('schema')!r}", repr(SCHEMA))
        if data.get("version") != VERSION:
            raise InputError("version", f"is {data.get('version')!r}", f"{VERSION}")
        fields = _check_mapping(data, "result", cls)
        fields["spec"] = BenchSpec.from_dict(fields["spec"])
        fields["executors"] = tuple(ExecutorResult.from_dict(item) for item in fields["executors"])
        fields["warnings"] = tuple(fields["warnings"])
        fields["samples"] = tuple(Sample.from_dict(item) for item in fields["samples"])
        return cls(**fields)


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
