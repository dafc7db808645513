"""A class's pooled results: what each student measured on their own machine, kept apart by a class code.

Owns the class-result subset (the schema the benchmark template's `--json` writes, and that every upload is
reduced to), reading uploads (the app's result export, an export bundle, or the template's output), the SQLite
table `class_entries` beside the results history, and the pure grouping and statistics the Class page draws.
Never imports streamlit.

The class-result subset, schema "concurrency-lab/class-result", version 1 (SUBSET_FIELDS says it in words; the
template writes every field, a reader may miss created_at, work, quick, interval and speedup_interval):
  schema, version; created_at (ISO time, may be ""); kernel (a kernel id, or "custom" for the template's own
  work); work (the template's WORK: cpu, io, hybrid or c; null for an app result); size (null: the kernel's
  default); tasks; quick (a --quick check run: its speedups say nothing); baseline (the executor every speedup
  is against); interval ("ci95": the app's 95% interval, "round_range": the template's lowest and highest
  per-round ratio, null: none);
  host: python_version, free_threaded_build, gil_enabled, usable_cpus, and implementation, logical_cpus,
  platform (optional: older results of the app lack some);
  executors (each executor measured; unavailable ones are left out): name (its label), executor (an id of
  engine.bench.results.EXECUTORS), workers, times_s (each timed repeat), median_s, speedup (baseline median /
  this median), speedup_interval ([low, high] or null).
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import re
import sqlite3
import statistics
import unicodedata
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlsplit

from annotated_types import Ge, Gt, Le, MaxLen, MinLen

from engine.bench.results import EXECUTORS, BenchResult
from engine.bench.store import default_path
from engine.errors import InputError
from engine.validation import parse
from kernels import REGISTRY

CLASS_SCHEMA = "concurrency-lab/class-result"
CLASS_VERSION = 1
BOARD_SCHEMA = "concurrency-lab/class-board"
# The app's own formats an upload may be in (engine.bench.results; the export bundle of the Results page).
BENCH_SCHEMA = "concurrency-lab/bench-result"
BUNDLE_SCHEMA = "concurrency-lab/bench-export"

PUBLIC_UPLOAD_BYTES = 2**20  # one uploaded file in public mode, checked before it is parsed
LOCAL_UPLOAD_BYTES = 5 * 2**20  # and on a local server (the app's upload limit): a run with many spans is larger
MAX_DEPTH = 32  # nesting of brackets, scanned before parsing (json recurses); a bundle nests 7 deep
PUBLIC_FILES_PER_VISITOR = 10  # results one visitor may add to one class in public mode
MAX_ENTRIES_PER_CLASS = 500  # a board larger than a lecture hall is not one class
MAX_CODE_CHARS = 24
MAX_NICKNAME_CHARS = 32
_CODE = re.compile(r"[A-Za-z0-9-]+")
CODE_ACCEPTED = f"letters, digits and dashes, 1 to {MAX_CODE_CHARS} characters"
NICKNAME_ACCEPTED = f"1 to {MAX_NICKNAME_CHARS} characters, without line breaks or control characters"
INTERVALS: dict[str, str] = {"ci95": "95% interval", "round_range": "lowest to highest per-round ratio"}

# The subset in words, for the Class page: (field, what it holds). The dataclasses below are its checks.
SUBSET_FIELDS: tuple[tuple[str, str], ...] = (
    ("schema, version", f"{CLASS_SCHEMA!r}, {CLASS_VERSION}"),
    ("created_at", "when it ran (ISO 8601; may be empty)"),
    ("kernel", "a kernel id of the app, or 'custom' for the template's own work"),
    ("work", "the template's kind of stand-in work: cpu, io, hybrid or c (null for an app result)"),
    ("size, tasks", "the work's size (null: the kernel's default) and the number of tasks"),
    ("quick", "true for a --quick check run: its speedups say nothing"),
    ("baseline", "the executor every speedup is measured against (sequential)"),
    ("interval", "ci95: the app's 95% interval; round_range: the template's lowest to highest per-round ratio"),
    ("host", "python_version, implementation, free_threaded_build, gil_enabled, usable_cpus, logical_cpus, platform"),
    ("executors[]", "name, executor, workers, times_s (each repeat), median_s, speedup, speedup_interval [low, high]"),
)

Cpus = Annotated[int, Ge(1), Le(4096)]
Short = Annotated[str, MaxLen(32)]
Seconds = Annotated[float, Gt(0)]
Ratio = Annotated[float, Ge(0)]


@dataclass(frozen=True)
class ClassHost:
    """The machine and interpreter that measured: what the board's build table shows."""

    python_version: Short
    free_threaded_build: bool
    gil_enabled: bool
    usable_cpus: Cpus
    implementation: Short = ""  # "": not recorded (an older result of the app)
    logical_cpus: Cpus | None = None
    platform: Short = ""


@dataclass(frozen=True)
class ClassExecutor:
    """One approach measured on that machine."""

    name: Annotated[str, MaxLen(64)]
    executor: Literal[EXECUTORS]
    workers: Cpus
    times_s: Annotated[tuple[Seconds, ...], MinLen(1), MaxLen(1000)]
    median_s: Seconds
    speedup: Ratio | None
    speedup_interval: tuple[Ratio, Ratio] | None = None


@dataclass(frozen=True)
class ClassResult:
    """One machine's measurements, in the class-result subset (the module docstring lists every field)."""

    schema: Literal[CLASS_SCHEMA]
    version: Literal[CLASS_VERSION]
    kernel: Literal[(*REGISTRY, "custom")]
    size: Annotated[int, Ge(0)] | None
    tasks: Annotated[int, Ge(1), Le(100_000)]
    host: ClassHost
    baseline: Literal[EXECUTORS]
    executors: Annotated[tuple[ClassExecutor, ...], MinLen(1), MaxLen(len(EXECUTORS))]
    created_at: Annotated[str, MaxLen(40)] = ""
    work: Literal["cpu", "io", "hybrid", "c"] | None = None
    quick: bool = False
    interval: Literal[tuple(INTERVALS)] | None = None

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(dataclasses.asdict(self)))


@dataclass(frozen=True)
class ClassEntry:
    """One saved upload on a class's board."""

    id: int
    class_code: str
    nickname: str
    uploaded_at: str
    file_name: str
    source: str  # the schema the file came in
    result: ClassResult


def check_class_code(text: object) -> str:
    """A class code as stored (upper case, so "cs-101" and "CS-101" are one class); InputError otherwise."""
    code = text.strip() if isinstance(text, str) else ""
    if not code or len(code) > MAX_CODE_CHARS or not _CODE.fullmatch(code):
        raise InputError("class code", "does not fit", CODE_ACCEPTED)
    return code.upper()


def check_nickname(text: object) -> str:
    """A student's nickname, trimmed; InputError for an empty, long or control-character one."""
    nickname = text.strip() if isinstance(text, str) else ""
    if not nickname or len(nickname) > MAX_NICKNAME_CHARS:
        raise InputError("nickname", "does not fit", NICKNAME_ACCEPTED)
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in nickname):
        raise InputError("nickname", "has a control character", NICKNAME_ACCEPTED)
    return nickname


def teacher_key_matches(entered: str, configured: str | None) -> bool:
    """Whether `entered` is the teacher key (constant-time comparison); never true when none is configured."""
    if not configured or not entered:
        return False
    return hmac.compare_digest(entered.encode("utf-8"), configured.encode("utf-8"))


# --- reading uploads -------------------------------------------------------------------------------------------


def read_upload(data: bytes, max_bytes: int = PUBLIC_UPLOAD_BYTES) -> tuple[ClassResult, ...]:
    """The machines' results in an uploaded file; InputError (one line) naming the first problem.

    Accepted: the template's --json output (a class result), the app's exported result, or an export bundle.
    """
    return results_of(load_document(data, max_bytes))


def load_document(data: bytes, max_bytes: int = PUBLIC_UPLOAD_BYTES) -> dict[str, Any]:
    """An uploaded file as a JSON object: its size checked before it is read, its depth before it is parsed."""
    if len(data) > max_bytes:
        raise InputError("file", f"is {len(data):,} bytes", accepted_file(max_bytes))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("file", "is not UTF-8 text", accepted_file(max_bytes)) from None
    _check_depth(text)
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        problem = f"is not JSON ({error.msg} at line {error.lineno})"
        raise InputError("file", problem, accepted_file(max_bytes)) from None
    if not isinstance(document, dict):
        raise InputError("file", f"holds a JSON {type(document).__name__}", "a JSON object with a schema")
    return document


def results_of(document: dict[str, Any]) -> tuple[ClassResult, ...]:
    """The class results in a loaded document, by its schema."""
    schema = document.get("schema")
    if schema == CLASS_SCHEMA:
        return (check_class_result(document),)
    if schema == BENCH_SCHEMA:
        return (from_bench_result(BenchResult.from_dict(document)),)
    if schema == BUNDLE_SCHEMA:
        return _read_bundle(document)
    accepted = f"{CLASS_SCHEMA!r}, {BENCH_SCHEMA!r} or {BUNDLE_SCHEMA!r}"
    raise InputError("schema", "is not one the class board reads", accepted)


def check_class_result(document: object) -> ClassResult:
    """A class result checked in full: every field, then what the fields say of each other."""
    result = parse(ClassResult, document, where="class result")
    names = [entry.executor for entry in result.executors]
    if len(set(names)) != len(names):
        raise InputError("class result: executors", "name an executor twice", "each executor once")
    if result.baseline not in names:
        raise InputError("class result: baseline", "is not among the executors", "one of the executors measured")
    return result


def from_bench_result(result: BenchResult) -> ClassResult:
    """The class-result subset of one of the app's results (checked again, so NaN or a wrong type is refused)."""
    host = result.host
    measured = [entry for entry in result.executors if entry.times_s and entry.median_s]
    document = {
        "schema": CLASS_SCHEMA,
        "version": CLASS_VERSION,
        "created_at": result.created_at,
        "kernel": result.spec.kernel,
        "size": result.spec.size,
        "tasks": result.spec.tasks,
        "baseline": result.baseline,
        "interval": "ci95",
        "host": {
            field.name: host[field.name] for field in dataclasses.fields(ClassHost) if host.get(field.name) is not None
        },
        "executors": [
            {
                "name": entry.label,
                "executor": entry.name,
                "workers": entry.workers,
                "times_s": list(entry.times_s),
                "median_s": entry.median_s,
                "speedup": entry.speedup,
                "speedup_interval": None if entry.speedup_ci is None else list(entry.speedup_ci),
            }
            for entry in measured
        ],
    }
    return check_class_result(document)


def _read_bundle(document: dict[str, Any]) -> tuple[ClassResult, ...]:
    runs = document.get("runs")
    if not isinstance(runs, list) or not runs:
        raise InputError("runs", "is missing or empty", "a list of exported runs")
    results = []
    for index, run in enumerate(runs):
        if not isinstance(run, dict):
            raise InputError(f"runs.{index}", "is not a table", "an exported run with a result")
        try:
            results.append(from_bench_result(BenchResult.from_dict(run.get("result"))))
        except InputError as error:
            raise InputError(f"runs.{index}: {error.field}", error.problem, error.accepted) from None
    return tuple(results)


def _check_depth(text: str) -> None:
    """Refuse deep nesting before json.loads recurses into it (brackets inside strings do not count)."""
    depth = 0
    for token in _TOKENS.finditer(text):
        bracket = token.group(0)
        if bracket in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                problem = f"nests deeper than {MAX_DEPTH} levels"
                raise InputError("file", problem, "a result as the app or the template writes it")
        elif bracket in "]}":
            depth -= 1


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _refuse_constant(name: str) -> float:
    raise InputError("file", f"holds {name}", "finite numbers only")


def accepted_file(max_bytes: int = PUBLIC_UPLOAD_BYTES) -> str:
    """What an upload may be, in words."""
    return f"a JSON result of at most {max_bytes // 2**20} MB from the app's export or the template's --json"


# --- grouping and statistics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MachinePoint:
    """One machine's speedup for one executor: a point of the board's chart."""

    entry_id: int
    nickname: str
    executor: str
    usable_cpus: int
    speedup: float
    low: float | None
    high: float | None
    build: str  # "free-threaded" or "GIL"
    gil_enabled: bool
    python_version: str


@dataclass(frozen=True)
class Spread:
    """The class's speedups for one executor: how many machines, their median, range and quartiles."""

    executor: str
    machines: int
    median: float
    low: float
    high: float
    q1: float | None  # None with fewer than two machines
    q3: float | None


@dataclass(frozen=True)
class Group:
    """The entries that ran the same work: one kernel (or the template's work kind) at one size."""

    kernel: str
    work: str | None
    size: int | None
    entries: tuple[ClassEntry, ...]
    points: tuple[MachinePoint, ...]
    spreads: tuple[Spread, ...]

    @property
    def label(self) -> str:
        kernel = self.kernel if self.work is None else f"{self.kernel} ({self.work} work)"
        size = "default size" if self.size is None else f"size {self.size}"
        quick = " - quick check runs" if any(entry.result.quick for entry in self.entries) else ""
        return f"{kernel}, {size}{quick}"


def build_of(host: ClassHost) -> str:
    """The build a machine ran: "free-threaded" or "GIL"."""
    return "free-threaded" if host.free_threaded_build else "GIL"


def group_entries(entries: Sequence[ClassEntry]) -> list[Group]:
    """Entries grouped by (kernel, work, size), the largest group first, each with its points and spreads."""
    keyed: dict[tuple[str, str | None, int | None, bool], list[ClassEntry]] = {}
    for entry in entries:
        result = entry.result
        keyed.setdefault((result.kernel, result.work, result.size, result.quick), []).append(entry)
    groups = [_group(key, members) for key, members in keyed.items()]
    return sorted(groups, key=lambda group: (-len(group.entries), group.label))


def _group(key: tuple[str, str | None, int | None, bool], members: list[ClassEntry]) -> Group:
    points = tuple(point for entry in members for point in machine_points(entry))
    executors = list(dict.fromkeys(point.executor for point in points))
    spreads = tuple(spread(name, [point.speedup for point in points if point.executor == name]) for name in executors)
    return Group(key[0], key[1], key[2], tuple(members), points, spreads)


def machine_points(entry: ClassEntry) -> list[MachinePoint]:
    """Every executor of one entry with a speedup, the baseline left out (it is 1.0 by definition)."""
    result = entry.result
    return [
        MachinePoint(
            entry_id=entry.id,
            nickname=entry.nickname,
            executor=executor.executor,
            usable_cpus=result.host.usable_cpus,
            speedup=executor.speedup,
            low=None if executor.speedup_interval is None else executor.speedup_interval[0],
            high=None if executor.speedup_interval is None else executor.speedup_interval[1],
            build=build_of(result.host),
            gil_enabled=result.host.gil_enabled,
            python_version=result.host.python_version,
        )
        for executor in result.executors
        if executor.executor != result.baseline and executor.speedup is not None
    ]


def spread(executor: str, speedups: Sequence[float]) -> Spread:
    """The median, range and (from two machines on) quartiles of the class's speedups for one executor."""
    if not speedups:
        raise InputError("speedups", "is empty", "at least one machine's speedup")
    quartiles = statistics.quantiles(speedups, n=4, method="inclusive") if len(speedups) >= 2 else None
    return Spread(
        executor=executor,
        machines=len(speedups),
        median=statistics.median(speedups),
        low=min(speedups),
        high=max(speedups),
        q1=None if quartiles is None else quartiles[0],
        q3=None if quartiles is None else quartiles[2],
    )


# --- the join link --------------------------------------------------------------------------------------------


def join_link(app_url: str, code: str) -> str:
    """The address students open: the app's own address, its Class page and `?class=CODE`.

    `app_url` is what the browser shows (st.context.url: the current page's path included, query dropped).
    """
    parts = urlsplit(app_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError("app address", "is not an http(s) address", "the app's own address, e.g. https://host/")
    path = parts.path.rstrip("/")
    if path == "/class" or path.endswith("/class"):
        path = path[: -len("/class")]
    return f"{parts.scheme}://{parts.netloc}{path}/class?class={quote(check_class_code(code))}"


def app_url_from_headers(headers: dict[str, str]) -> str | None:
    """The app's address from the request's Host (and X-Forwarded-Proto behind a proxy); None without a Host."""
    lowered = {name.lower(): value for name, value in headers.items()}
    host = lowered.get("host", "").strip()
    if not host or any(char in host for char in "/\\?#@ "):
        return None
    scheme = lowered.get("x-forwarded-proto", "http").split(",")[0].strip().lower()
    return f"{'https' if scheme == 'https' else 'http'}://{host}/"


# --- the board in SQLite --------------------------------------------------------------------------------------

_TABLE = """
CREATE TABLE IF NOT EXISTS class_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    class_code TEXT NOT NULL,
    owner TEXT NOT NULL,
    nickname TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    file_name TEXT NOT NULL,
    source TEXT NOT NULL,
    kernel TEXT NOT NULL,
    size INTEGER,
    python_version TEXT NOT NULL,
    free_threaded_build INTEGER NOT NULL,
    usable_cpus INTEGER NOT NULL,
    result_json TEXT NOT NULL
)
"""
_INDEX = "CREATE INDEX IF NOT EXISTS class_entries_by_class ON class_entries (class_code, owner)"


class ClassBoard:
    """Every class's entries in one SQLite table (in the results database by default); any thread may use it."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = default_path() if path is None else Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection, connection:
            connection.execute(_TABLE)
            connection.execute(_INDEX)

    def _connect(self) -> closing[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=10.0)
        connection.row_factory = sqlite3.Row
        return closing(connection)

    def add(
        self,
        code: str,
        owner: str,
        nickname: str,
        file_name: str,
        results: Sequence[ClassResult],
        *,
        max_per_owner: int | None = None,
        source: str = CLASS_SCHEMA,
    ) -> list[int]:
        """Save one upload's results on the board; InputError when it would pass a bound (nothing is saved)."""
        code, nickname = check_class_code(code), check_nickname(nickname)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._connect() as connection, connection:
            connection.execute("BEGIN IMMEDIATE")  # the counts and the insert as one step against other sessions
            count = "SELECT COUNT(*) FROM class_entries WHERE class_code = ?"
            in_class = connection.execute(count, (code,)).fetchone()[0]
            if in_class + len(results) > MAX_ENTRIES_PER_CLASS:
                raise InputError("class", f"has {in_class} results", f"at most {MAX_ENTRIES_PER_CLASS} in one class")
            if max_per_owner is not None:
                own = connection.execute(count + " AND owner = ?", (code, owner)).fetchone()[0]
                if own + len(results) > max_per_owner:
                    raise InputError(
                        "file", f"would make {own + len(results)} results of yours", f"at most {max_per_owner} a class"
                    )
            ids = []
            for result in results:
                cursor = connection.execute(
                    "INSERT INTO class_entries (class_code, owner, nickname, uploaded_at, file_name, source, kernel,"
                    " size, python_version, free_threaded_build, usable_cpus, result_json)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        code,
                        owner,
                        nickname,
                        now,
                        file_name[:200],
                        source,
                        result.kernel,
                        result.size,
                        result.host.python_version,
                        int(result.host.free_threaded_build),
                        result.host.usable_cpus,
                        json.dumps(result.to_dict()),
                    ),
                )
                ids.append(int(cursor.lastrowid))
            return ids

    def add_file(
        self,
        code: str,
        owner: str,
        nickname: str,
        file_name: str,
        data: bytes,
        *,
        public: bool,
    ) -> list[int]:
        """Read one uploaded file and save its results, with public mode's bounds (size, results per visitor)."""
        max_bytes = PUBLIC_UPLOAD_BYTES if public else LOCAL_UPLOAD_BYTES
        document = load_document(data, max_bytes)
        max_per_owner = PUBLIC_FILES_PER_VISITOR if public else None
        results, source = results_of(document), document["schema"]
        return self.add(code, owner, nickname, file_name, results, max_per_owner=max_per_owner, source=source)

    def entries(self, code: str) -> list[ClassEntry]:
        """The class's entries in the order they were added."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT id, class_code, nickname, uploaded_at, file_name, source, result_json FROM class_entries"
                " WHERE class_code = ? ORDER BY id",
                (check_class_code(code),),
            ).fetchall()
        return [
            ClassEntry(
                id=row["id"],
                class_code=row["class_code"],
                nickname=row["nickname"],
                uploaded_at=row["uploaded_at"],
                file_name=row["file_name"],
                source=row["source"],
                result=check_class_result(json.loads(row["result_json"])),
            )
            for row in rows
        ]

    def count_for(self, code: str, owner: str) -> int:
        """How many results one visitor has added to a class."""
        with self._connect() as connection:
            query = "SELECT COUNT(*) FROM class_entries WHERE class_code = ? AND owner = ?"
            return int(connection.execute(query, (check_class_code(code), owner)).fetchone()[0])

    def clear(self, code: str) -> int:
        """Remove every entry of one class (other classes keep theirs); returns how many were removed."""
        with self._connect() as connection, connection:
            query = "DELETE FROM class_entries WHERE class_code = ?"
            return connection.execute(query, (check_class_code(code),)).rowcount

    def export_json(self, code: str) -> str:
        """The class's board as one JSON document: each entry's nickname, file and class result."""
        code = check_class_code(code)
        document = {
            "schema": BOARD_SCHEMA,
            "version": 1,
            "class": code,
            "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "entries": [
                {
                    "nickname": entry.nickname,
                    "uploaded_at": entry.uploaded_at,
                    "file_name": entry.file_name,
                    "source": entry.source,
                    "result": entry.result.to_dict(),
                }
                for entry in self.entries(code)
            ],
        }
        return json.dumps(document, indent=2)
