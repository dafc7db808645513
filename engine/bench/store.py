"""The history of benchmark results in SQLite (stdlib sqlite3), in engine.paths.data_dir().

Owns saving, listing (a page at a time), loading, deleting, importing (every file checked in full by
engine.bench.result_import before anything is written; a run already saved is recognised by its fingerprint,
not saved twice) and exporting results as JSON, CSV and export bundles (several runs with preset and title).
One connection per call, so any thread may use it.
A comparison across interpreters (engine.bench.variants) is saved as one run of kind "comparison"; a file
made before comparisons existed gets the `kind` column on open, its rows all "result".
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from engine.bench.presets import PRESET_IDS, get_preset
from engine.bench.result_import import EXPORT_SCHEMA, EXPORT_VERSION, MAX_IMPORT_BYTES, ImportedRun, read_results
from engine.bench.results import BenchResult
from engine.bench.variants import Comparison, parse_document
from engine.errors import InputError
from engine.paths import data_dir

DB_NAME = "results.sqlite3"
HISTORY_PAGE = 50  # runs per page of the history: a visit reads one page, however many runs are saved
__all__ = [
    "HISTORY_PAGE",
    "MAX_IMPORT_BYTES",
    "ImportOutcome",
    "ResultStore",
    "RunRecord",
    "fingerprint",
    "page_count",
    "parse_result_file",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    saved_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    source TEXT NOT NULL,
    preset TEXT,
    sweep_group TEXT,
    kernel TEXT NOT NULL,
    python_version TEXT NOT NULL,
    gil_enabled INTEGER,
    executable TEXT NOT NULL,
    result_json TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'result'
)
"""
# Added later, so an older file gains them on open (and its rows their fingerprints); kind: "result" or
# "comparison" (several interpreters in one run); owner: the owner key of the browser that made or imported the
# run (NULL: saved before owners were recorded, or by the CLI).
_ADDED_COLUMNS: dict[str, str] = {
    "kind": "TEXT NOT NULL DEFAULT 'result'",
    "fingerprint": "TEXT",
    "title": "TEXT",
    "owner": "TEXT",
}

CSV_COLUMNS: tuple[str, ...] = (
    "run_id",
    "created_at",
    "preset",
    "kernel",
    "size",
    "tasks",
    "python_version",
    "gil_enabled",
    "executor",
    "label",
    "workers",
    "start_method",
    "median_s",
    "min_s",
    "max_s",
    "speedup",
    "band",
    "correct",
    "noisy",
    "peak_rss_mb",
    "usable_cpus",
    "variant",
)


@dataclass(frozen=True)
class RunRecord:
    """One saved run as the history lists it (the full result is loaded on demand)."""

    id: int
    saved_at: str
    created_at: str
    source: str  # "run" or "import"
    preset: str | None
    sweep_group: str | None
    kernel: str
    python_version: str
    gil_enabled: bool | None
    executable: str
    kind: str = "result"  # "result", or "comparison" (several interpreters in one run)
    title: str | None = None  # a title given to the run (an export bundle's); None: `label` is made up

    @property
    def interpreter(self) -> str:
        if self.kind == "comparison":
            return self.python_version
        build = {True: "GIL", False: "GIL off", None: "GIL unknown"}[self.gil_enabled]
        return f"Python {self.python_version} ({build})"

    @property
    def label(self) -> str:
        """The run's title: the one it was given, else its preset's title (or kernel) and interpreter."""
        if self.title:
            return self.title
        preset = get_preset(self.preset).title if self.preset in PRESET_IDS else self.kernel
        return f"{preset} - {self.interpreter}"


@dataclass(frozen=True)
class ImportOutcome:
    """One run of an imported file: its id, and whether it was already saved (then nothing was written)."""

    run_id: int
    label: str
    duplicate: bool


def ran_free_threaded(record: RunRecord) -> bool:
    """Whether a saved run measured a free-threaded build with the GIL off (alone, or in a comparison)."""
    if record.kind == "comparison":
        return FREE_THREADED_GIL_OFF in record.python_version
    return record.gil_enabled is False


# How a comparison's row names a free-threaded variant with the GIL off (engine.bench.variants.variant_label).
FREE_THREADED_GIL_OFF = "free-threaded, GIL off"


def measured_here(records: Sequence[RunRecord]) -> str | None:
    """The line Home and What's new show once free-threaded figures were measured on this host, else None."""
    found = [record for record in records if ran_free_threaded(record) and record.source == "run"]
    if not found:
        return None
    latest = max(found, key=lambda record: record.id)
    runs = f"{len(found)} saved run{'s' if len(found) != 1 else ''}"
    return (
        f"Free-threaded figures were measured on this host: {runs} with the GIL off, the latest #{latest.id} "
        f"on {latest.created_at[:10]} (see Results)."
    )


def default_path() -> Path:
    """The database file in the app's data folder (LAB_DATA_DIR or ~/.concurrency-lab)."""
    return data_dir(ensure=True) / DB_NAME


def parse_result_file(data: bytes) -> BenchResult | Comparison:
    """The first result (or comparison) of an uploaded file, checked in full (engine.bench.result_import)."""
    return read_results(data)[0].result


def page_count(total: int, per_page: int = HISTORY_PAGE) -> int:
    """How many history pages `total` runs fill (at least one)."""
    return max(1, -(-total // per_page))


def fingerprint(result: BenchResult | Comparison) -> str:
    """A hash of the result's canonical JSON: the same run, however it travelled, has the same fingerprint."""
    canonical = json.dumps(result.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_RECORD_COLUMNS = (
    "id, saved_at, created_at, source, preset, sweep_group, kernel, python_version, gil_enabled, executable, title,"
    " kind"
)


class ResultStore:
    """The saved runs in one SQLite file; the table is created on first use."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = default_path() if path is None else Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection, connection:
            connection.execute(_SCHEMA)
            self._add_columns(connection)

    def _add_columns(self, connection: sqlite3.Connection) -> None:
        """The columns added since the first version, and the fingerprints of rows saved before them."""
        present = {row["name"] for row in connection.execute("PRAGMA table_info(runs)")}
        for name, kind in _ADDED_COLUMNS.items():
            if name not in present:
                connection.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")
        connection.execute("CREATE INDEX IF NOT EXISTS runs_fingerprint ON runs (fingerprint)")
        missing = connection.execute("SELECT id, result_json FROM runs WHERE fingerprint IS NULL").fetchall()
        for row in missing:
            connection.execute("UPDATE runs SET fingerprint = ? WHERE id = ?", (_row_fingerprint(row), row["id"]))

    def _connect(self) -> closing[sqlite3.Connection]:
        # A short timeout rides over another thread's write (the run thread saves while a page reads).
        connection = sqlite3.connect(self.path, timeout=10.0)
        connection.row_factory = sqlite3.Row
        return closing(connection)

    def save(
        self,
        result: BenchResult,
        *,
        preset: str | None = None,
        sweep_group: str | None = None,
        source: str = "run",
        title: str | None = None,
        owner: str | None = None,
    ) -> int:
        """Store a result (made by the browser whose owner key is `owner`, if given); returns its run id."""
        with self._connect() as connection, connection:
            return self._insert(connection, result, preset, sweep_group, source, title, owner)

    def save_comparison(
        self,
        comparison: Comparison,
        *,
        preset: str | None = None,
        source: str = "run",
        title: str | None = None,
        owner: str | None = None,
    ) -> int:
        """Store a comparison across interpreters as one run (owned by `owner`, if given); returns its run id."""
        with self._connect() as connection, connection:
            return self._insert(connection, comparison, preset, None, source, title, owner)

    def _insert(
        self,
        connection: sqlite3.Connection,
        result: BenchResult | Comparison,
        preset: str | None,
        sweep_group: str | None,
        source: str,
        title: str | None,
        owner: str | None = None,
    ) -> int:
        if isinstance(result, Comparison):
            # One row: its interpreter is every variant's label, its executables every variant's path.
            kind = "comparison"
            python_version = " vs ".join(variant.label for variant in result.variants)
            gil = None
            executable = " ".join(dict.fromkeys(variant.python for variant in result.variants))
        else:
            kind = "result"
            python_version = str(result.host.get("python_version", "unknown"))
            gil = result.host.get("gil_enabled")
            executable = str(result.host.get("executable", ""))
        row = (
            datetime.now(timezone.utc).isoformat(timespec="seconds"),
            result.created_at,
            source,
            preset,
            sweep_group,
            result.spec.kernel,
            python_version,
            None if gil is None else int(bool(gil)),
            executable,
            json.dumps(result.to_dict()),
            fingerprint(result),
            title,
            kind,
            owner,
        )
        cursor = connection.execute(
            "INSERT INTO runs (saved_at, created_at, source, preset, sweep_group, kernel, python_version,"
            " gil_enabled, executable, result_json, fingerprint, title, kind, owner)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            row,
        )
        return int(cursor.lastrowid)

    def import_file(self, data: bytes) -> int:
        """Check an uploaded file in full, then save its runs; the id of its first run (saved now or before)."""
        return self.import_runs(data)[0].run_id

    def import_runs(self, data: bytes, *, owner: str | None = None) -> tuple[ImportOutcome, ...]:
        """Save every run of an uploaded result or export bundle, checked in full first: if any check fails
        nothing is written. A run whose fingerprint is already saved is not saved again (duplicate=True).
        The runs saved now belong to `owner` (the importer); a duplicate keeps the owner it had."""
        return self.save_imported(read_results(data), owner=owner)

    def save_imported(self, runs: Sequence[ImportedRun], *, owner: str | None = None) -> tuple[ImportOutcome, ...]:
        """Save runs that passed engine.bench.result_import, in one transaction; a run already saved is not."""
        outcomes = []
        with self._connect() as connection, connection:
            for run in runs:
                found = connection.execute(
                    "SELECT id FROM runs WHERE fingerprint = ? ORDER BY id LIMIT 1", (fingerprint(run.result),)
                ).fetchone()
                if found is not None:
                    outcomes.append(ImportOutcome(found["id"], self._label(connection, found["id"]), True))
                    continue
                run_id = self._insert(connection, run.result, run.preset, None, "import", run.title, owner)
                outcomes.append(ImportOutcome(run_id, self._label(connection, run_id), False))
        return tuple(outcomes)

    def _label(self, connection: sqlite3.Connection, run_id: int) -> str:
        row = connection.execute(f"SELECT {_RECORD_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _record(row).label

    def runs(self, limit: int | None = None, offset: int = 0) -> list[RunRecord]:
        """Saved runs, newest first: all of them, or the page of `limit` runs after the `offset` newest."""
        with self._connect() as connection:
            rows = connection.execute(
                f"SELECT {_RECORD_COLUMNS} FROM runs ORDER BY id DESC LIMIT ? OFFSET ?",
                (-1 if limit is None else limit, offset),
            ).fetchall()
        return [_record(row) for row in rows]

    def count(self) -> int:
        """How many runs are saved."""
        with self._connect() as connection:
            return int(connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0])

    def records(self, run_ids: Sequence[int]) -> list[RunRecord]:
        """The saved runs among `run_ids`, in that order (an id no longer saved is left out)."""
        with self._connect() as connection:
            rows = connection.execute(
                f"SELECT {_RECORD_COLUMNS} FROM runs WHERE id IN ({','.join('?' * len(run_ids))})", tuple(run_ids)
            ).fetchall()
        by_id = {row["id"]: _record(row) for row in rows}
        return [by_id[run_id] for run_id in run_ids if run_id in by_id]

    def load(self, run_id: int) -> BenchResult | Comparison:
        """The full result (or comparison) of one saved run; InputError if there is no such run, or it can no
        longer be read."""
        with self._connect() as connection:
            row = connection.execute("SELECT result_json FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise InputError("run", f"no saved run has id {run_id}", "the id of a run in the history")
        try:
            return parse_document(json.loads(row["result_json"]))
        except (ValueError, KeyError, TypeError) as error:
            # A row saved before imports were checked in full may hold what today's checks refuse.
            raise InputError(f"run {run_id}", f"cannot be read ({error})", "a run saved by a checked import") from None

    def load_group(self, sweep_group: str) -> list[BenchResult]:
        """The results of one sweep, in the order they ran."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT result_json FROM runs WHERE sweep_group = ? ORDER BY id", (sweep_group,)
            ).fetchall()
        return [BenchResult.from_dict(json.loads(row["result_json"])) for row in rows]

    def set_owner(self, run_id: int, owner: str | None) -> None:
        """Record who made (or imported) a saved run: the owner key of their browser."""
        with self._connect() as connection, connection:
            connection.execute("UPDATE runs SET owner = ? WHERE id = ?", (owner, run_id))

    def owners(self, run_ids: Sequence[int]) -> dict[int, str | None]:
        """Each saved run's owner key (None: saved before owners were recorded, or by the CLI); absent ids left out."""
        with self._connect() as connection:
            rows = connection.execute(
                f"SELECT id, owner FROM runs WHERE id IN ({', '.join('?' * len(run_ids))})", tuple(run_ids)
            ).fetchall()
        return {row["id"]: row["owner"] for row in rows}

    def delete(self, run_ids: Sequence[int]) -> int:
        """Delete runs by id; returns how many were deleted."""
        with self._connect() as connection, connection:
            cursor = connection.executemany("DELETE FROM runs WHERE id = ?", [(run_id,) for run_id in run_ids])
            return cursor.rowcount

    def export_json(self, run_id: int) -> str:
        """One run as the JSON document an import accepts."""
        return json.dumps(self.load(run_id).to_dict(), indent=2)

    def export_bundle(self, run_ids: Sequence[int]) -> str:
        """The chosen runs in one file that keeps each run's preset and title: an export bundle
        ({"schema": EXPORT_SCHEMA, "version": 1, "runs": [{"preset", "title", "result"}, ...]}), importable."""
        runs = [
            {"preset": record.preset, "title": record.label, "result": self.load(record.id).to_dict()}
            for record in self.records(run_ids)
        ]
        return json.dumps({"schema": EXPORT_SCHEMA, "version": EXPORT_VERSION, "runs": runs}, indent=1)

    def export_csv(self, run_ids: Sequence[int]) -> str:
        """The chosen runs as CSV, one row per executor (CSV_COLUMNS)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        presets = {record.id: record.preset for record in self.records(run_ids)}
        for run_id in run_ids:
            loaded = self.load(run_id)
            if isinstance(loaded, Comparison):
                for variant, result in zip(loaded.variants, loaded.runs, strict=True):
                    writer.writerows(_csv_rows(run_id, presets.get(run_id), result, variant.label))
            else:
                writer.writerows(_csv_rows(run_id, presets.get(run_id), loaded))
        return buffer.getvalue()


def _record(row: sqlite3.Row) -> RunRecord:
    gil = row["gil_enabled"]
    return RunRecord(
        id=row["id"],
        saved_at=row["saved_at"],
        created_at=row["created_at"],
        source=row["source"],
        preset=row["preset"],
        sweep_group=row["sweep_group"],
        kernel=row["kernel"],
        python_version=row["python_version"],
        gil_enabled=None if gil is None else bool(gil),
        executable=row["executable"],
        title=row["title"],
        kind=row["kind"],
    )


def _row_fingerprint(row: sqlite3.Row) -> str:
    """A saved row's fingerprint: of its result as loaded (an older version migrated), else of its text."""
    try:
        return fingerprint(parse_document(json.loads(row["result_json"])))
    except (ValueError, KeyError, TypeError):
        return hashlib.sha256(row["result_json"].encode("utf-8")).hexdigest()


def _csv_rows(run_id: int, preset: str | None, result: BenchResult, variant: str = "") -> Iterator[dict[str, object]]:
    for executor in result.executors:
        yield {
            "run_id": run_id,
            "created_at": result.created_at,
            "preset": preset or "",
            "kernel": result.spec.kernel,
            "size": result.spec.size,
            "tasks": result.spec.tasks,
            "python_version": result.host.get("python_version", ""),
            "gil_enabled": executor.gil_enabled if executor.gil_enabled is not None else result.host.get("gil_enabled"),
            "executor": executor.name,
            "label": executor.label,
            "workers": executor.workers,
            "start_method": executor.start_method or "",
            "median_s": executor.median_s,
            "min_s": executor.min_s,
            "max_s": executor.max_s,
            "speedup": executor.speedup,
            "band": executor.band or "",
            "correct": executor.correct,
            "noisy": executor.noisy,
            "peak_rss_mb": executor.peak_rss_mb,
            "usable_cpus": result.host.get("usable_cpus", ""),
            "variant": variant,
        }
