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
      `stopped_by` ("target", "budget" or "max_repeats"; null in a migrated version-1 file), `disturbed`
      and `disturbance` (what other programs used during the run: other_cores_mean/peak, throttled_s,
      load_before, source "cgroup" or "host", threshold, run_s, cores; written only when measured).
      host: `cpu_quota` (the cgroup's cores, or null), `speedup_limit` and `speedup_limited_by`.
      Bands are assigned by the parent (assess), no longer by the worker. Migrating a version-1 file
      computes speedup_ci from times_s where there are enough repeats and assigns the bands afresh.
  3 - the GIL as a run setting (issue 12). spec: `gil` ("default", "on" or "off": the worker starts with
      -X gil=1 or -X gil=0), `preload` (module names the worker imports at the start of the run) and
      `preload_path` (a folder put first on sys.path for them; null: none). result: `gil_at_start` and
      `gil_at_end` (sys._is_gil_enabled() inside the worker; null before 3.13) and `gil_reenabled` (null, or
      {"warning", "source", "at"}: the GIL came back on during the run). A version-2 file is migrated with
      gil "default", no preload and the three GIL fields null (not measured).
      Also (issue 13): the executors `dask` (a LocalCluster of `workers` processes, or a running cluster) and
      `dask_threads` (LocalCluster(processes=False), labelled "(GIL)" or "(free-threaded)" like threads), whose
      spans name Dask workers by address and whose startup_s is the cluster's start or connection; and spec
      `scheduler` (a Dask scheduler's tcp://HOST:PORT; absent or null: a LocalCluster in the worker).
      Also (issue 12, runs across interpreters): a comparison document (engine.bench.variants) has the same
      `schema` and `version` and `kind` "comparison": `runs` (full results, one per (interpreter, GIL)
      variant, each with its own host, baseline, executors, intervals, disturbance and GIL readings; its
      times are the rounds' concatenated in round order), `variants` (one per run, in order: `python`,
      `version`, `build`, `gil` asked, `gil_enabled` measured, `role`, `label`), `rounds`,
      `repeats_per_round`, `stopped_by`, `disturbed` (any run disturbed), `warnings`, `created_at`, and
      `single_thread_cost` (derived, recomputed on load: the free-threaded build's sequential median over the
      GIL build's of the same version, with its paired 95% interval).
  4 - memory that RSS cannot show, and the shared state's transfer (issue 12). executor: `uss_mb` and `pss_mb`
      (the unique and the proportional memory, in MiB, of the worker process plus this executor's own pool
      processes, summed like peak_rss_mb and read as the executor's session closes, from Linux's
      /proc/PID/smaps_rollup; null where it cannot be read, as on macOS and Windows); `setup_s` and `setup_how`
      (for a kernel with shared state, kernels.shared: one entry per worker, the seconds that worker took to get
      the state and how it got it, "built", "loaded", "inherited" or "none"; an in-process executor has one
      entry, the worker process's own; null for a kernel without shared state). A comparison is written with
      version 4 too. A version-3 file is migrated with the four fields null (not measured).
"""

from __future__ import annotations

import dataclasses
import types
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

from engine.bench.intervals import speedup, speedup_interval
from engine.bounds import AtLeast, AtMost, MaxLen
from engine.errors import InputError

SCHEMA = "concurrency-lab/bench-result"
VERSION = 4
VERSIONS_READ: tuple[int, ...] = (1, 2, 3, 4)
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
    "dask",  # engine.bench.dask_executor: needs dask[distributed]; dask_threads is its in-process mirror
    "dask_threads",
)
START_METHODS: tuple[str, ...] = ("fork", "forkserver", "spawn")
DISTURBANCE_SOURCES: tuple[str, ...] = ("cgroup", "host")
SPEEDUP_LIMITED_BY: tuple[str, ...] = ("affinity", "quota")  # engine.bench.probe.speedup_limit

# Caps on what one result holds, stated in the field table below and checked on import (engine.bench.result_import);
# none is lower than what a local run makes (engine.bench.runner.LOCAL_LIMITS; tests/test_result_import.py checks).
MAX_TASKS = 1000  # tasks of a run, and spans per executor (one per task of the median repeat)
MAX_REPEATS = 1000  # timed repeats per executor (a local run makes at most 50)
MAX_SAMPLES = 20_000  # CPU/memory samples: one per 0.1 s and one per step, for runs of over half an hour
MAX_CORES = 1024  # entries of a per-core CPU list
MAX_WARNINGS = 1000
MAX_NAME_CHARS = 200  # a label, a worker's name, a version, a timestamp
MAX_TEXT_CHARS = 10_000  # a warning, an error, a path
# The GIL settings of a run: the interpreter's own default, or forced with -X gil=1 ("on") / -X gil=0 ("off").
GIL_SETTINGS: tuple[str, ...] = ("default", "on", "off")
# How a worker got a kernel's shared state (kernels.shared.setup_report): built it, unpickled the pool
# initializer's payload, inherited the parent's copy through fork, or does not hold it yet.
SETUP_HOWS: tuple[str, ...] = ("built", "loaded", "inherited", "none")
MAX_SETUP_REPORTS = 1024  # one per worker of an executor

# The lesson's interpretation table, in order: (band id, upper edge of speedup, wording).
# A speedup belongs to the first band whose edge it is below (2.0 itself is still "worth considering").
BANDS: tuple[tuple[str, float, str], ...] = (
    ("dont_use", 1.0, "< 1.0x slower than baseline: don't use"),
    ("not_justified", 1.2, "1.0-1.2x overhead not justified: stick with the simpler approach"),
    ("worth_considering", 2.0, "1.2-2.0x worth considering: use if the workload is large"),
    ("clear_winner", float("inf"), "> 2.0x clear winner"),
)


_BAND_IDS: tuple[str, ...] = tuple(band for band, _, _ in BANDS)
# The field table's choices and bounds (engine.bounds markers are read by the parent's validator only).
ExecutorName = Literal[EXECUTORS]
StartMethod = Literal[START_METHODS]
BandId = Literal[_BAND_IDS]
StoppedBy = Literal[STOPPED_BY]
MAX_EXECUTORS = len(EXECUTORS)  # executors of one result: each at most once
Seconds = Annotated[float, AtLeast(0)]
Count = Annotated[int, AtLeast(0)]
Percent = Annotated[float, AtLeast(0), AtMost(100)]
Name = Annotated[str, MaxLen(MAX_NAME_CHARS)]
Text = Annotated[str, MaxLen(MAX_TEXT_CHARS)]
PerCore = Annotated[tuple[Percent, ...], MaxLen(MAX_CORES)]
MiB = Annotated[float, AtLeast(0)]
SetupHow = Literal[SETUP_HOWS]


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

    kernel: Name  # a kernel of the registry (kernels.REGISTRY; checked on import)
    executors: Annotated[tuple[ExecutorName, ...], MaxLen(MAX_EXECUTORS)]
    workers: Annotated[int, AtLeast(1)] = 2
    tasks: Annotated[int, AtLeast(1), AtMost(MAX_TASKS)] = 8
    size: Count | None = None  # None: the kernel's default size
    repeats: Annotated[int, AtLeast(1), AtMost(MAX_REPEATS)] = DEFAULT_REPEATS  # the minimum of timed repeats
    warmups: Count = 1
    start_method: StartMethod | None = None  # None: the interpreter's default
    latency_ms: Count | None = None  # hybrid's fetch latency; None: the kernel's default
    max_repeats: Annotated[int, AtLeast(1), AtMost(MAX_REPEATS)] | None = None  # the most adaptive rounds reach
    budget_s: Seconds | None = None  # the whole run's time bound for adding rounds; None: no bound
    scheduler: Text | None = None  # the dask executor's scheduler address tcp://HOST:PORT; None: a LocalCluster
    gil: Literal[GIL_SETTINGS] = "default"  # one of GIL_SETTINGS: "on"/"off" start the worker with -X gil=1 / -X gil=0
    preload: Annotated[tuple[Name, ...], MaxLen(MAX_NAME_CHARS)] = ()  # modules the worker imports at the run's start
    preload_path: Text | None = None  # a folder put first on the worker's sys.path for `preload`

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["executors"] = list(self.executors)
        if data["scheduler"] is None:  # a local run: its files read as they did before the field existed
            del data["scheduler"]
        data["preload"] = list(self.preload)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> BenchSpec:
        fields = _check_mapping(data, "spec", cls)
        fields["executors"] = tuple(fields["executors"])
        if "preload" in fields:
            if not all(isinstance(name, str) for name in fields["preload"]):
                raise InputError("spec.preload", f"is {fields['preload']!r}", "a list of module names")
            fields["preload"] = tuple(fields["preload"])
        if fields.get("gil", "default") not in GIL_SETTINGS:
            raise InputError("spec.gil", f"is {fields['gil']!r}", ", ".join(GIL_SETTINGS))
        return cls(**fields)


@dataclass(frozen=True)
class Span:
    """One task: which worker ran it and when, in seconds from the repeat's start."""

    task: Count
    worker: Name
    start_s: Seconds
    end_s: Seconds

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Span:
        return cls(**_check_mapping(data, "span", cls))


@dataclass(frozen=True)
class ExecutorResult:
    """One executor's measurements; `error` or `unavailable` say why there are none."""

    name: ExecutorName
    label: Name
    workers: Count
    start_method: StartMethod | None
    times_s: Annotated[tuple[Seconds, ...], MaxLen(MAX_REPEATS)]
    median_s: Seconds | None
    min_s: Seconds | None
    max_s: Seconds | None
    spread: Annotated[float, AtLeast(0)] | None  # (max - min) / median
    noisy: bool
    startup_s: Seconds | None
    speedup: Annotated[float, AtLeast(0)] | None
    band: BandId | None
    correct: bool | None
    spans: Annotated[tuple[Span, ...], MaxLen(MAX_TASKS)]
    peak_rss_mb: Annotated[float, AtLeast(0)] | None = None
    cpu_percent_per_core: PerCore | None = None
    gil_enabled: bool | None = None
    unavailable: Text | None = None
    error: Text | None = None
    # the 95% interval of `speedup` (engine.bench.intervals)
    speedup_ci: tuple[Annotated[float, AtLeast(0)], Annotated[float, AtLeast(0)]] | None = None
    band_range: tuple[BandId, BandId] | None = None  # (band at the interval's low end, band at its high end)
    repeats: Annotated[int, AtLeast(0), AtMost(MAX_REPEATS)] = 0  # timed repeats this executor got
    # Unique (USS) and proportional (PSS) memory of the worker plus this executor's pool processes, summed, at
    # its close: RSS counts fork's shared pages in every process, PSS splits them, USS leaves them out.
    uss_mb: MiB | None = None
    pss_mb: MiB | None = None
    # A kernel with shared state: per worker, the seconds it took to get the state and how (SETUP_HOWS).
    setup_s: Annotated[tuple[Seconds, ...], MaxLen(MAX_SETUP_REPORTS)] | None = None
    setup_how: Annotated[tuple[SetupHow, ...], MaxLen(MAX_SETUP_REPORTS)] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["times_s"] = list(self.times_s)
        for name in ("speedup_ci", "band_range"):
            if data[name] is not None:
                data[name] = list(data[name])
        data["spans"] = [span.to_dict() for span in self.spans]
        if self.cpu_percent_per_core is not None:
            data["cpu_percent_per_core"] = list(self.cpu_percent_per_core)
        for name in ("setup_s", "setup_how"):
            if data[name] is not None:
                data[name] = list(data[name])
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
        for name in ("setup_s", "setup_how"):
            if fields.get(name) is not None:
                fields[name] = tuple(fields[name])
        if fields.get("setup_how") is not None and any(how not in SETUP_HOWS for how in fields["setup_how"]):
            raise InputError("executor.setup_how", f"is {list(fields['setup_how'])!r}", ", ".join(SETUP_HOWS))
        return cls(**fields)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Sample:
    """One reading of the worker's process tree taken by the runner."""

    t_s: Seconds
    cpu_percent_per_core: PerCore
    rss_mb: Annotated[float, AtLeast(0)]
    executor: ExecutorName | None

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

    other_cores_mean: Annotated[float, AtLeast(0)]
    other_cores_peak: Annotated[float, AtLeast(0)]
    throttled_s: Seconds | None
    load_before: Annotated[float, AtLeast(0)]
    source: Literal[DISTURBANCE_SOURCES]
    threshold: Annotated[dict[Name, float], MaxLen(32)]
    run_s: Seconds = 0.0
    cores: Annotated[float, AtLeast(0)] = 0.0  # what the figures are out of: logical cores, or the container's quota
    throttling_counted: bool = False
    not_measured: Text = ""

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
class HostFacts:
    """The field table of a result's `host` (engine.bench.probe.interpreter_facts()), read by the import check.

    The result keeps `host` as the probe's dict; every key is optional, since older files have fewer. Lists,
    not tuples: the check reads the parsed dict as it is.
    """

    executable: Text | None = None
    python_version: Name | None = None
    version_info: Annotated[list[Count], MaxLen(5)] | None = None
    implementation: Name | None = None
    free_threaded_build: bool | None = None
    gil_enabled: bool | None = None
    logical_cpus: Annotated[int, AtLeast(1), AtMost(MAX_CORES)] | None = None
    usable_cpus: Annotated[int, AtLeast(1), AtMost(MAX_CORES)] | None = None
    cpu_quota: Annotated[float, AtLeast(0)] | None = None
    speedup_limit: Annotated[float, AtLeast(0)] | None = None
    speedup_limited_by: Literal[SPEEDUP_LIMITED_BY] | None = None
    default_start_method: StartMethod | None = None
    start_methods: Annotated[list[StartMethod], MaxLen(len(START_METHODS))] | None = None
    interpreter_pool: bool | None = None
    platform: Name | None = None


@dataclass(frozen=True)
class GilReenabled:
    """The GIL came back on during a run: the RuntimeWarning that said so (None when the state changed without
    one), where the warning points (`source`, "file:line", or None), and the step it happened in (`at`)."""

    at: Name
    warning: Text | None = None
    source: Text | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> GilReenabled:
        return cls(**_check_mapping(data, "gil_reenabled", cls))


@dataclass(frozen=True)
class BenchResult:
    """A whole run: the spec, the host that ran it, the baseline and every executor."""

    spec: BenchSpec
    host: dict[str, Any]  # engine.bench.probe.interpreter_facts(); its fields are HostFacts'
    baseline: ExecutorName
    executors: Annotated[tuple[ExecutorResult, ...], MaxLen(MAX_EXECUTORS)]
    warnings: Annotated[tuple[Text, ...], MaxLen(MAX_WARNINGS)] = ()
    samples: Annotated[tuple[Sample, ...], MaxLen(MAX_SAMPLES)] = ()
    created_at: Name = ""
    schema: Literal[SCHEMA] = SCHEMA
    version: Literal[VERSIONS_READ] = VERSION
    stopped_by: StoppedBy | None = None  # why the repeats ended: one of STOPPED_BY; None in a migrated version-1 file
    disturbed: bool = False  # other programs used the cores during the run: verdicts are withheld
    disturbance: Disturbance | None = None  # what other programs used during the run (engine.bench.disturbance)
    gil_at_start: bool | None = None  # sys._is_gil_enabled() in the worker as the run began; None before 3.13
    gil_at_end: bool | None = None  # the same as the run ended
    gil_reenabled: GilReenabled | None = None  # the GIL came back on during the run (a C extension's import)

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
            "gil_at_start": self.gil_at_start,
            "gil_at_end": self.gil_at_end,
            "gil_reenabled": None if self.gil_reenabled is None else self.gil_reenabled.to_dict(),
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
        # Optional fields may be missing (the dataclass's default then stands).
        fields["warnings"] = tuple(fields.get("warnings", ()))
        fields["samples"] = tuple(Sample.from_dict(item) for item in fields.get("samples", ()))
        if fields.get("stopped_by") is not None and fields["stopped_by"] not in STOPPED_BY:
            raise InputError("result.stopped_by", f"is {fields['stopped_by']!r}", ", ".join(STOPPED_BY))
        if fields.get("disturbance") is not None:
            fields["disturbance"] = Disturbance.from_dict(fields["disturbance"])
        if fields.get("gil_reenabled") is not None:
            fields["gil_reenabled"] = GilReenabled.from_dict(fields["gil_reenabled"])
        result = cls(**fields)
        if version == 1:
            # Version 1 had no intervals, and its worker gave bands from the point speedup: assign them afresh.
            result = assess(dataclasses.replace(result, version=VERSION))
        elif version < VERSION:
            # Version 2 had no GIL setting: its spec reads as gil "default", its GIL fields as not measured.
            # Version 3 had no USS/PSS and no shared-state setup: those fields stay null (not measured).
            result = dataclasses.replace(result, version=VERSION)
        return result


def gil_came_back_text(result: BenchResult) -> str | None:
    """The plain sentence for a run during which the GIL came back on (None when it did not), for page and CLI."""
    came_back = result.gil_reenabled
    if came_back is None:
        return None
    evidence = came_back.warning or "sys._is_gil_enabled() was False as the run began and True as it ended"
    threaded = [entry.name for entry in result.executors if entry.name in ("threads", "asyncio_threads")]
    which = f"these threads ({', '.join(threaded)})" if threaded else "any threads of this run"
    return (
        f"The GIL came back on during this run, at {came_back.at}: {evidence} "
        f"From then on {which} ran with the GIL, so their speedup is not free-threading's."
    )


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


def _json_types(hint: Any) -> tuple[tuple[type, ...], bool]:
    """(JSON types, may be null) a resolved annotation accepts, such as `Seconds | None`."""
    origin = get_origin(hint)
    if origin is Annotated:
        return _json_types(get_args(hint)[0])
    if origin in (Union, types.UnionType):
        accepted: tuple[type, ...] = ()
        nullable = False
        for argument in get_args(hint):
            argument_types, argument_nullable = _json_types(argument)
            accepted += argument_types
            nullable = nullable or argument_nullable
        return accepted, nullable
    if hint is type(None):
        return (), True
    if origin is Literal:
        return tuple({type(value) for value in get_args(hint)}), False
    if hint is Any:
        return (object,), True
    if origin in (tuple, list):
        return (list,), False
    if hint is float:
        return (int, float), False
    if hint in (int, str, bool):
        return (hint,), False
    return (dict,), False


@cache
def _field_types(cls: type) -> dict[str, tuple[tuple[type, ...], bool]]:
    hints = get_type_hints(cls, include_extras=True)
    return {spec_field.name: _json_types(hints[spec_field.name]) for spec_field in dataclasses.fields(cls)}


def _check_mapping(data: Any, where: str, cls: type) -> dict[str, Any]:
    """The fields of `cls` from a JSON object, each checked for presence and type (a trusted document's check:
    imports are checked in full against the same field table by engine.bench.result_import)."""
    if not isinstance(data, dict):
        raise InputError(where, f"is {type(data).__name__}", "a JSON object")
    checked: dict[str, Any] = {}
    accepted_types = _field_types(cls)
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
        types_, nullable = accepted_types[name]
        if value is None and nullable:
            checked[name] = None
            continue
        wrong_bool = isinstance(value, bool) and bool not in types_
        if wrong_bool or not isinstance(value, types_):
            raise InputError(f"{where}.{name}", f"is {type(value).__name__}", f"{spec_field.type}")
        checked[name] = value
    unknown = set(data) - {spec_field.name for spec_field in dataclasses.fields(cls)}
    if unknown:
        raise InputError(where, f"has unknown fields {sorted(unknown)}", "only the fields of DESIGN.md")
    return checked
