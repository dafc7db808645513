"""The history of benchmark results in SQLite (stdlib sqlite3), in engine.paths.data_dir().

Owns saving, listing, loading, deleting, importing (size, schema, version and every field checked before
anything is written) and exporting results as JSON and CSV. One connection per call, so any thread may use it.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from engine.bench.results import BenchResult
from engine.errors import InputError
from engine.paths import data_dir

DB_NAME = "results.sqlite3"
MAX_IMPORT_BYTES = 5 * 2**20

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
    result_json TEXT NOT NULL
)
"""

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

    @property
    def interpreter(self) -> str:
        build = {True: "GIL", False: "GIL off", None: "GIL unknown"}[self.gil_enabled]
        return f"Python {self.python_version} ({build})"


def default_path() -> Path:
    """The database file in the app's data folder (LAB_DATA_DIR or ~/.concurrency-lab)."""
    return data_dir(ensure=True) / DB_NAME


def parse_result_file(data: bytes) -> BenchResult:
    """A result from an uploaded JSON file; InputError for a file too large, not JSON, or not a result."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InputError("file", f"is {len(data) / 2**20:.1f} MB", "a JSON result of at most 5 MB")
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError("file", f"is not JSON ({error})", "a JSON result exported by Concurrency Lab") from error
    return BenchResult.from_dict(document)


class ResultStore:
    """The saved runs in one SQLite file; the table is created on first use."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = default_path() if path is None else Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute(_SCHEMA)
            _add_owner_column(connection)

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
    ) -> int:
        """Store a result; returns its run id."""
        host = result.host
        gil = host.get("gil_enabled")
        row = (
            datetime.now(timezone.utc).isoformat(timespec="seconds"),
            result.created_at,
            source,
            preset,
            sweep_group,
            result.spec.kernel,
            str(host.get("python_version", "unknown")),
            None if gil is None else int(bool(gil)),
            str(host.get("executable", "")),
            json.dumps(result.to_dict()),
        )
        with self._connect() as connection, connection:
            cursor = connection.execute(
                "INSERT INTO runs (saved_at, created_at, source, preset, sweep_group, kernel, python_version,"
                " gil_enabled, executable, result_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid)

    def import_file(self, data: bytes) -> int:
        """Check an uploaded JSON result in full, then save it; nothing is written if any check fails."""
        result = parse_result_file(data)
        return self.save(result, source="import")

    def runs(self) -> list[RunRecord]:
        """Every saved run, newest first."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT id, saved_at, created_at, source, preset, sweep_group, kernel, python_version, gil_enabled,"
                " executable FROM runs ORDER BY id DESC"
            ).fetchall()
        return [_record(row) for row in rows]

    def load(self, run_id: int) -> BenchResult:
        """The full result of one saved run; InputError if there is no such run."""
        with self._connect() as connection:
            row = connection.execute("SELECT result_json FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise InputError("run", f"no saved run has id {run_id}", "the id of a run in the history")
        return BenchResult.from_dict(json.loads(row["result_json"]))

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

    def export_csv(self, run_ids: Sequence[int]) -> str:
        """The chosen runs as CSV, one row per executor (CSV_COLUMNS)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        presets = {record.id: record.preset for record in self.runs()}
        for run_id in run_ids:
            writer.writerows(_csv_rows(run_id, presets.get(run_id), self.load(run_id)))
        return buffer.getvalue()


def _add_owner_column(connection: sqlite3.Connection) -> None:
    """The owner column, added to a database made before owners were recorded (its runs keep owner NULL)."""
    columns = {row["name"] for row in connection.execute("PRAGMA table_info(runs)")}
    if "owner" not in columns:
        connection.execute("ALTER TABLE runs ADD COLUMN owner TEXT")
        connection.commit()


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
    )


def _csv_rows(run_id: int, preset: str | None, result: BenchResult) -> Iterator[dict[str, object]]:
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
        }
