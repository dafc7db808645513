"""The quiz's question bank: loading and validating scenarios from TOML or JSON files.

Owns the Scenario value and the bank rules (engine/lesson/data/scenarios.toml is the
built-in bank; LAB_SCENARIOS names an extra one). Never imports streamlit.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import InputError
from engine.lesson.framework import APPROACHES, WORKLOAD_KINDS, answers_for_kind, walk

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the app needs 3.11+, but say so clearly.
    tomllib = None

BUILTIN_BANK = Path(__file__).parent / "data" / "scenarios.toml"
SCENARIOS_ENV = "LAB_SCENARIOS"
# An uploaded bank bigger than this is refused before parsing: the built-in one is about 80 KB.
MAX_BANK_BYTES = 2_000_000

DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")
SOURCES: tuple[str, ...] = ("lesson-colearning", "lesson-workshop", "edge")
PYTHON_BUILDS: tuple[str, ...] = ("gil", "free-threaded", "subinterpreters")

REQUIRED_FIELDS: tuple[str, ...] = (
    "id",
    "prompt",
    "kind",
    "best",
    "explanation",
    "feedback",
    "difficulty",
    "tags",
    "source",
    "profile",
)
OPTIONAL_FIELDS: tuple[str, ...] = ("acceptable",)

# The recommendation engine's WorkloadProfile fields: name -> (type, required).
PROFILE_FIELDS: dict[str, tuple[str, bool]] = {
    "workload": ("kind", True),
    "latency_ms": ("positive float", True),
    "memory_mb": ("positive float", True),
    "cores": ("int >= 1", True),
    "expensive_startup": ("bool", True),
    "shared_state": ("bool", False),
    "isolation": ("bool", False),
    "io_concurrency": ("int >= 1", False),
    "task_ms": ("positive float", False),
    "python_build": ("build", False),
    "releases_gil": ("bool", False),
    "worker_memory_mb": ("positive float", False),
    "beyond_one_machine": ("bool", False),
}


@dataclass(frozen=True)
class Scenario:
    """One quiz question: a workload described in words, its kind, and the approaches that fit."""

    id: str
    prompt: str
    kind: str
    best: str
    acceptable: tuple[str, ...]
    explanation: str
    # (wrong answer id, why it is tempting and wrong); answer ids are kinds or approaches.
    feedback: tuple[tuple[str, str], ...]
    difficulty: str
    tags: tuple[str, ...]
    source: str
    profile: tuple[tuple[str, Any], ...]

    def feedback_for(self, answer: str) -> str | None:
        """The bank's words for a wrong answer, if it has some."""
        return dict(self.feedback).get(answer)

    def profile_mapping(self) -> dict[str, Any]:
        """The profile as the mapping WorkloadProfile.from_mapping reads."""
        return dict(self.profile)

    def decision_path(self) -> list[str]:
        """The lesson's decision tree walked for this scenario, as sentences."""
        profile = self.profile_mapping()
        answers = {
            "waits_on_io": self.kind in ("io_bound", "hybrid"),
            "cpu_too": self.kind == "hybrid",
            "needs_parallelism": self.kind != "cpu_sequential",
            "shared_state": profile.get("shared_state", self.kind == "cpu_parallel_shared"),
            "isolation": profile.get("isolation", self.kind == "cpu_parallel_isolated"),
        }
        path = walk(answers)
        if path.kind != self.kind:
            # The profile's flags disagree with the tree's shortest route; show the route to the kind.
            path = walk(answers_for_kind(self.kind))
        return path.describe()


class BankError(ValueError):
    """A bank that does not fit: every problem found, each an InputError naming file, scenario and field."""

    def __init__(self, source: str, errors: list[InputError]) -> None:
        self.source = source
        self.errors = tuple(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


def _got(entry: Mapping[str, Any], field: str) -> str:
    return f"got {entry[field]!r}" if field in entry else "missing"


def _where(source: str, scenario_id: str, field: str) -> str:
    return f"{source}: scenario {scenario_id!r}: {field}"


class _Checker:
    """Collects the problems of one scenario entry instead of stopping at the first."""

    def __init__(self, source: str, scenario_id: str) -> None:
        self.source = source
        self.scenario_id = scenario_id
        self.errors: list[InputError] = []

    def fail(self, field: str, problem: str, accepted: str) -> None:
        self.errors.append(InputError(_where(self.source, self.scenario_id, field), problem, accepted))

    def text(self, entry: Mapping[str, Any], field: str) -> str:
        value = entry.get(field)
        if not isinstance(value, str) or not value.strip():
            self.fail(field, _got(entry, field), "a non-empty string")
            return ""
        return value.strip()

    def choice(self, entry: Mapping[str, Any], field: str, allowed: tuple[str, ...]) -> str:
        value = entry.get(field)
        if value not in allowed:
            self.fail(field, _got(entry, field), ", ".join(allowed))
            return ""
        return value

    def string_list(self, entry: Mapping[str, Any], field: str, allowed: tuple[str, ...] | None) -> tuple[str, ...]:
        value = entry.get(field, [])
        accepted = f"a list of {', '.join(allowed)}" if allowed else "a list of non-empty strings"
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            self.fail(field, f"got {value!r}", accepted)
            return ()
        if allowed:
            unknown = [item for item in value if item not in allowed]
            if unknown:
                self.fail(field, f"unknown {', '.join(map(repr, unknown))}", accepted)
                return ()
        return tuple(item.strip() for item in value)

    def profile(self, value: Any, kind: str) -> tuple[tuple[str, Any], ...]:
        field = "profile"
        if not isinstance(value, dict):
            self.fail(
                field, "missing" if value is None else f"got {value!r}", "a table of " + ", ".join(PROFILE_FIELDS)
            )
            return ()
        unknown = sorted(set(value) - set(PROFILE_FIELDS))
        if unknown:
            self.fail(field, f"unknown field {', '.join(map(repr, unknown))}", ", ".join(PROFILE_FIELDS))
        for name, (expected, required) in PROFILE_FIELDS.items():
            if name not in value:
                if required:
                    self.fail(f"{field}.{name}", "missing", expected)
                continue
            self._profile_value(f"{field}.{name}", value[name], expected, kind)
        return tuple((name, value[name]) for name in PROFILE_FIELDS if name in value)

    def _profile_value(self, field: str, value: Any, expected: str, kind: str) -> None:
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if expected == "kind":
            if value != kind:
                self.fail(field, f"got {value!r}, but the scenario's kind is {kind!r}", "the scenario's kind")
        elif expected == "positive float":
            if not (is_number and value > 0):
                self.fail(field, f"got {value!r}", "a number > 0")
        elif expected == "int >= 1":
            if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
                self.fail(field, f"got {value!r}", "a whole number >= 1")
        elif expected == "bool":
            if not isinstance(value, bool):
                self.fail(field, f"got {value!r}", "true or false")
        elif expected == "build" and value not in PYTHON_BUILDS:
            self.fail(field, f"got {value!r}", ", ".join(PYTHON_BUILDS))

    def feedback(self, value: Any, kind: str, best: str, acceptable: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        answers = WORKLOAD_KINDS + APPROACHES
        accepted = "a table of wrong answer (a kind or an approach) -> why it is tempting and wrong"
        if not isinstance(value, dict) or not value:
            self.fail("feedback", "missing" if value is None else f"got {value!r}", accepted)
            return ()
        pairs = []
        for answer, why in value.items():
            if answer not in answers:
                self.fail(f"feedback.{answer}", "not a kind or an approach", ", ".join(answers))
            elif answer in (kind, best) or answer in acceptable:
                self.fail(f"feedback.{answer}", "is a right answer here, not a wrong one", "wrong answers only")
            elif not isinstance(why, str) or not why.strip():
                self.fail(f"feedback.{answer}", f"got {why!r}", "a non-empty string")
            else:
                pairs.append((answer, why.strip()))
        return tuple(pairs)


def _scenario(entry: Any, index: int, source: str) -> tuple[Scenario | None, list[InputError]]:
    """Validate one entry; return the scenario or the list of its problems."""
    raw_id = entry.get("id") if isinstance(entry, dict) else None
    scenario_id = raw_id if isinstance(raw_id, str) and raw_id.strip() else f"#{index + 1}"
    check = _Checker(source, scenario_id)
    if not isinstance(entry, dict):
        check.fail("entry", f"got {type(entry).__name__}", "a table of scenario fields")
        return None, check.errors
    unknown = sorted(set(entry) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        check.fail(", ".join(unknown), "unknown field", ", ".join(REQUIRED_FIELDS + OPTIONAL_FIELDS))
    check.text(entry, "id")
    prompt = check.text(entry, "prompt")
    kind = check.choice(entry, "kind", WORKLOAD_KINDS)
    best = check.choice(entry, "best", APPROACHES)
    acceptable = check.string_list(entry, "acceptable", APPROACHES)
    if best and best in acceptable:
        check.fail("acceptable", f"repeats the best answer {best!r}", "other approaches than the best")
    explanation = check.text(entry, "explanation")
    feedback = check.feedback(entry.get("feedback"), kind, best, acceptable)
    difficulty = check.choice(entry, "difficulty", DIFFICULTIES)
    tags = check.string_list(entry, "tags", None)
    if "tags" in entry and not tags and not check.errors:
        check.fail("tags", "empty", "at least one tag")
    scenario_source = check.choice(entry, "source", SOURCES)
    profile = check.profile(entry.get("profile"), kind)
    if check.errors:
        return None, check.errors
    return (
        Scenario(
            id=scenario_id,
            prompt=prompt,
            kind=kind,
            best=best,
            acceptable=acceptable,
            explanation=explanation,
            feedback=feedback,
            difficulty=difficulty,
            tags=tags,
            source=scenario_source,
            profile=profile,
        ),
        [],
    )


def _decode(data: bytes, source: str) -> Any:
    """The file's content as Python values, by its suffix: .toml or .json."""
    if len(data) > MAX_BANK_BYTES:
        raise BankError(source, [InputError(source, f"{len(data)} bytes", f"a bank under {MAX_BANK_BYTES} bytes")])
    suffix = Path(source).suffix.lower()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BankError(source, [InputError(source, f"not UTF-8 text ({error.reason})", "a UTF-8 text file")]) from None
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise BankError(source, [InputError(source, f"not valid JSON: {error}", "a JSON bank")]) from None
    if suffix == ".toml":
        if tomllib is None:
            raise BankError(source, [InputError(source, "TOML needs Python 3.11+ (tomllib)", "a JSON bank")])
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise BankError(source, [InputError(source, f"not valid TOML: {error}", "a TOML bank")]) from None
    raise BankError(source, [InputError(source, f"unknown file type {suffix!r}", ".toml or .json")])


def parse_bank(data: bytes, source: str) -> tuple[Scenario, ...]:
    """Validate a bank's bytes (TOML or JSON, by the name's suffix); raise BankError listing every problem.

    A bank is a table with a `scenario` list (`[[scenario]]` in TOML); JSON may also be the bare list.
    """
    decoded = _decode(data, source)
    entries = decoded if isinstance(decoded, list) else decoded.get("scenario") if isinstance(decoded, dict) else None
    if not isinstance(entries, list) or not entries:
        shape = "[[scenario]] tables (TOML) or a list of scenario objects (JSON)"
        raise BankError(source, [InputError(f"{source}: scenario", "no scenarios found", shape)])
    scenarios: list[Scenario] = []
    errors: list[InputError] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        scenario, problems = _scenario(entry, index, source)
        errors.extend(problems)
        if scenario is None:
            continue
        if scenario.id in seen:
            errors.append(InputError(_where(source, scenario.id, "id"), "used twice", "a unique id per scenario"))
        seen.add(scenario.id)
        scenarios.append(scenario)
    if errors:
        raise BankError(source, errors)
    return tuple(scenarios)


def load_bank(path: str | Path) -> tuple[Scenario, ...]:
    """Read and validate a bank file; a missing file is a BankError too."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BankError(
            str(path), [InputError(str(path), f"cannot read: {error.strerror}", "a readable file")]
        ) from None
    return parse_bank(data, str(path))


def builtin_bank() -> tuple[Scenario, ...]:
    """The bank that ships with the app."""
    return load_bank(BUILTIN_BANK)


def env_bank_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """The extra bank LAB_SCENARIOS points at, if set."""
    value = (os.environ if environ is None else environ).get(SCENARIOS_ENV, "").strip()
    return Path(value).expanduser() if value else None


def all_tags(scenarios: tuple[Scenario, ...]) -> list[str]:
    """Every tag used in a bank, sorted."""
    return sorted({tag for scenario in scenarios for tag in scenario.tags})


@dataclass(frozen=True)
class Banks:
    """The banks a quiz can draw from, by label, and the problems of those that failed to load."""

    banks: dict[str, tuple[Scenario, ...]]
    errors: tuple[BankError, ...]


def available_banks(upload: tuple[str, bytes] | None = None, environ: Mapping[str, str] | None = None) -> Banks:
    """The built-in bank, then LAB_SCENARIOS's and an uploaded one when they validate; their errors otherwise.

    A bad extra bank never hides the built-in one.
    """
    banks: dict[str, tuple[Scenario, ...]] = {"Built-in bank": builtin_bank()}
    errors: list[BankError] = []
    extra = env_bank_path(environ)
    if extra is not None:
        try:
            banks[f"{SCENARIOS_ENV}: {extra.name}"] = load_bank(extra)
        except BankError as error:
            errors.append(error)
    if upload is not None:
        name, data = upload
        try:
            banks[f"Uploaded: {name}"] = parse_bank(data, name)
        except BankError as error:
            errors.append(error)
    return Banks(banks, tuple(errors))
