"""Reading result files from outside: the one validator every import goes through (Results page, CLI, bundles).

Owns the checks, in the order that keeps a crafted file cheap: its size before it is read, its nesting depth
before it is parsed, no NaN or Infinity, then every field against the result's own field table
(engine.bench.results, strict, by engine.validation), then what fields say of each other (per-core lists as long
as the host's cores, each executor once). A comparison across interpreters (`kind` "comparison") is checked
against ComparisonFields (at most MAX_VARIANTS runs), and each of its runs as a result. Only a document that
passes is built by BenchResult.from_dict (or Comparison.from_dict), which also migrates older versions.
Trusted documents (the worker's output, the store's own rows) go to from_dict directly: it stays standard
library only for the worker side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from engine.bench.presets import PRESET_IDS
from engine.bench.results import (
    MAX_REPEATS,
    MAX_WARNINGS,
    SCHEMA,
    VERSIONS_READ,
    BenchResult,
    BenchSpec,
    HostFacts,
    Name,
    StoppedBy,
    Text,
)
from engine.bench.variants import COMPARISON_VERSIONS, KIND, MAX_VARIANTS, Comparison, SingleThreadCost, VariantInfo
from engine.bounds import AtLeast, AtMost, MaxLen
from engine.errors import InputError
from engine.validation import check_depth, parse_json
from kernels import REGISTRY

MAX_IMPORT_BYTES = 5 * 2**20  # a file, checked before it is read
MAX_DEPTH = 32  # nesting of brackets; a result nests 5 deep, a bundle 7
EXPORT_SCHEMA = "concurrency-lab/bench-export"
EXPORT_VERSION = 1
MAX_BUNDLE_RUNS = 1000  # runs in one export bundle (the 5 MB bound comes first for full results)


@dataclass(frozen=True)
class ComparisonFields:
    """The field table of a comparison across interpreters (engine.bench.variants.Comparison): each of its
    `runs` is a whole result, checked apart by check_result; `single_thread_cost` is derived, recomputed on load."""

    schema: Literal[SCHEMA]
    version: Literal[COMPARISON_VERSIONS]
    kind: Literal[KIND]
    spec: BenchSpec
    variants: Annotated[tuple[VariantInfo, ...], MaxLen(MAX_VARIANTS)]
    runs: Annotated[tuple[dict[str, Any], ...], MaxLen(MAX_VARIANTS)]
    rounds: Annotated[int, AtLeast(1), AtMost(MAX_REPEATS)]
    repeats_per_round: Annotated[int, AtLeast(1), AtMost(MAX_REPEATS)]
    stopped_by: StoppedBy | None = None
    disturbed: bool = False
    warnings: Annotated[tuple[Text, ...], MaxLen(MAX_WARNINGS)] = ()
    created_at: Name = ""
    single_thread_cost: SingleThreadCost | None = None


@dataclass(frozen=True)
class ExportedRun:
    """One run of an export bundle: the result with what the history knew of it (the result is checked apart)."""

    result: dict[str, Any]
    preset: Literal[PRESET_IDS] | None = None
    title: Name | None = None


@dataclass(frozen=True)
class ExportBundle:
    """Several runs in one file: {"schema": EXPORT_SCHEMA, "version": 1, "runs": [ExportedRun, ...]}."""

    schema: Literal[EXPORT_SCHEMA]
    version: Literal[EXPORT_VERSION]
    runs: Annotated[tuple[ExportedRun, ...], MaxLen(MAX_BUNDLE_RUNS)]


@dataclass(frozen=True)
class ImportedRun:
    """A checked run ready to save: the result, and the preset and title an export bundle carried."""

    result: BenchResult | Comparison
    preset: str | None = None
    title: str | None = None


def read_result_path(path: str | Path) -> tuple[ImportedRun, ...]:
    """The runs of a result file or bundle on disk; a directory, FIFO, device or oversized file is refused unread."""
    path = Path(path)
    try:
        status = path.stat()
        if not path.is_file():
            raise InputError("file", "is not a regular file", "a JSON result or export bundle")
        if status.st_size > MAX_IMPORT_BYTES:
            raise _too_large(status.st_size)
        with path.open("rb") as handle:
            data = handle.read(MAX_IMPORT_BYTES + 1)
    except OSError as error:
        raise InputError("file", f"cannot be read ({error.strerror})", "a readable JSON file") from None
    return read_results(data)


def read_results(data: bytes) -> tuple[ImportedRun, ...]:
    """Every run in an uploaded file (one result, or an export bundle); InputError on the first problem, one line."""
    if len(data) > MAX_IMPORT_BYTES:
        raise _too_large(len(data))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("file", "is not JSON (not UTF-8 text)", "a JSON result exported by Concurrency Lab") from None
    check_depth(text, MAX_DEPTH)
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise InputError("file", f"is not JSON ({error})", "a JSON result exported by Concurrency Lab") from None
    if not isinstance(document, dict):
        raise InputError("file", f"is a JSON {type(document).__name__}", "a JSON object: a result or an export bundle")
    if document.get("schema") == EXPORT_SCHEMA:
        return _read_bundle(document)
    return (ImportedRun(check_document(document)),)


def check_document(document: Any, where: str = "") -> BenchResult | Comparison:
    """A result, or a comparison across interpreters (its `kind` says which), checked in full."""
    if isinstance(document, dict) and "kind" in document:
        return check_comparison(document, where)
    return check_result(document, where)


def check_comparison(document: dict[str, Any], where: str = "") -> Comparison:
    """A comparison checked against its field table (at most MAX_VARIANTS runs), each run as a result, the runs
    matched to the variants; then built by Comparison.from_dict."""
    kind = document.get("kind")
    if kind != KIND:
        raise InputError(f"{where}kind", f"got {_short(kind)}", f"{KIND!r}, or no kind for one result")
    if document.get("schema") != SCHEMA:
        raise InputError(f"{where}schema", f"got {_short(document.get('schema'))}", repr(SCHEMA))
    version = document.get("version")
    if isinstance(version, bool) or version not in COMPARISON_VERSIONS:
        accepted = " or ".join(map(str, COMPARISON_VERSIONS)) + " (a comparison)"
        raise InputError(f"{where}version", f"got {_short(version)}", accepted)
    fields = _prefixed(where, lambda: parse_json(ComparisonFields, json.dumps(document)))
    if not fields.runs:
        raise InputError(f"{where}runs", "is empty", f"1 to {MAX_VARIANTS} results")
    if len(fields.variants) != len(fields.runs):
        problem = f"has {len(fields.variants)} items for {len(fields.runs)} runs"
        raise InputError(f"{where}variants", problem, "one variant per run, in the same order")
    kernel = fields.spec.kernel
    if kernel not in REGISTRY:
        raise InputError(f"{where}spec.kernel", f"got {_short(kernel)}", "one of " + ", ".join(REGISTRY))
    for index, run in enumerate(document["runs"]):
        check_result(run, f"{where}runs.{index}.")
    return _prefixed(where, lambda: Comparison.from_dict(document))


def check_result(document: Any, where: str = "") -> BenchResult:
    """A result document checked field by field against BenchResult's field table, then built by from_dict."""
    if not isinstance(document, dict):
        raise InputError(where.rstrip(".") or "result", "is not a JSON object", "a result's fields")
    schema = document.get("schema")
    if schema != SCHEMA:
        accepted = f"{SCHEMA!r}" if where else f"{SCHEMA!r} or {EXPORT_SCHEMA!r}"
        raise InputError(f"{where}schema", f"got {_short(schema)}", accepted)
    # The version first: another version has another field table, and its fields would be misnamed as unknown.
    version = document.get("version")
    if isinstance(version, bool) or version not in VERSIONS_READ:
        raise InputError(f"{where}version", f"got {_short(version)}", " or ".join(str(v) for v in VERSIONS_READ))
    text = json.dumps(document)
    _prefixed(where, lambda: parse_json(BenchResult, text))
    _prefixed(f"{where}host.", lambda: parse_json(HostFacts, json.dumps(document["host"])))
    _check_across_fields(document, where)
    return _prefixed(where, lambda: BenchResult.from_dict(document))


def _read_bundle(document: dict[str, Any]) -> tuple[ImportedRun, ...]:
    version = document.get("version")
    if isinstance(version, bool) or version != EXPORT_VERSION:
        raise InputError("version", f"got {_short(version)}", f"{EXPORT_VERSION} (an export bundle)")
    bundle = parse_json(ExportBundle, json.dumps(document))
    return tuple(
        ImportedRun(check_document(run.result, f"runs.{index}.result."), run.preset, run.title)
        for index, run in enumerate(bundle.runs)
    )


def _check_across_fields(document: dict[str, Any], where: str) -> None:
    """What one field says of another: the field table checks each alone."""
    kernel = document["spec"]["kernel"]
    if kernel not in REGISTRY:
        raise InputError(f"{where}spec.kernel", f"got {_short(kernel)}", "one of " + ", ".join(REGISTRY))
    executors = document["executors"]
    names = [executor["name"] for executor in executors]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise InputError(f"{where}executors.{index}.name", f"repeats {name!r}", "each executor once")
    if names and document["baseline"] not in names:
        raise InputError(f"{where}baseline", f"got {document['baseline']!r}", "the name of one of the executors")
    cores = document["host"].get("logical_cpus")
    samples = document.get("samples", [])
    per_core = [(f"samples.{i}", sample["cpu_percent_per_core"]) for i, sample in enumerate(samples)]
    per_core += [(f"executors.{i}", e.get("cpu_percent_per_core")) for i, e in enumerate(executors)]
    for field, values in per_core:
        if values is None:
            continue
        cores = len(values) if cores is None else cores
        if len(values) != cores:
            problem = f"has {len(values)} items"
            raise InputError(f"{where}{field}.cpu_percent_per_core", problem, f"one per core of the host ({cores})")
    for index, executor in enumerate(executors):
        for span_index, span in enumerate(executor["spans"]):
            if span["end_s"] < span["start_s"]:
                field = f"{where}executors.{index}.spans.{span_index}.end_s"
                raise InputError(field, f"got {span['end_s']!r}, before start_s", "a time at or after start_s")
        interval = executor.get("speedup_ci")
        if interval is not None and interval[0] > interval[1]:
            field = f"{where}executors.{index}.speedup_ci"
            raise InputError(field, f"got {interval!r}", "[low, high] with low <= high, or null")


def _prefixed(where: str, check: Any) -> Any:
    """`check()`, its InputError's field preceded by `where` (a bundle's `runs.N.result.`)."""
    try:
        return check()
    except InputError as error:
        if not where:
            raise
        raise InputError(f"{where}{error.field}", error.problem, error.accepted) from None


def _refuse_constant(name: str) -> float:
    raise InputError("file", f"holds {name}", "finite numbers only (JSON has no NaN or Infinity)")


def _too_large(size: int) -> InputError:
    return InputError("file", f"is {size / 2**20:.1f} MB", f"a JSON file of at most {MAX_IMPORT_BYTES // 2**20} MB")


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
