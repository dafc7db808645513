"""The quiz's question bank: the Scenario value, and loading and validating banks from TOML or JSON files.

engine/lesson/data/scenarios.toml is the built-in bank; LAB_SCENARIOS names an extra one; a teacher may upload
one. Every entry goes through engine.validation (its profile as a WorkloadProfile), then the bank's own rules:
each wrong option shown has its own feedback (why it tempts, why it is wrong), every question shows at least
MIN_OPTIONS options, {fact:id} references are expanded. I/O only in the explicit loaders; never imports streamlit.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import tomllib
from annotated_types import MinLen

from engine.errors import InputError
from engine.lesson.facts import expand, facts, references
from engine.lesson.framework import APPROACHES, WORKLOAD_KINDS
from engine.lesson.profile import WorkloadKind, WorkloadProfile
from engine.validation import check_depth, parse

BUILTIN_BANK = Path(__file__).parent / "data" / "scenarios.toml"
SCENARIOS_ENV = "LAB_SCENARIOS"
# A bank bigger than this is refused before it is read: the built-in one is about 100 KB.
MAX_BANK_BYTES = 2_000_000
MAX_BANK_DEPTH = 32  # bracket nesting; a bank nests 4 deep
# A question shows its right answer(s) and the wrong options that have feedback: at least this many in all.
MIN_OPTIONS = 4

DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")
SOURCES: tuple[str, ...] = ("lesson-colearning", "lesson-workshop", "edge")
# What a question asks: the workload's kind, or the approach (the options' namespaces never overlap).
SCENARIO_MODES: dict[str, tuple[str, ...]] = {"classify": WORKLOAD_KINDS, "approach": APPROACHES}
OPTION_WORDS: dict[str, str] = {"classify": "kinds", "approach": "approaches"}

Text = Annotated[str, MinLen(1)]
ApproachId = Literal[APPROACHES]
Difficulty = Literal[DIFFICULTIES]
Source = Literal[SOURCES]


@dataclass(frozen=True)
class Feedback:
    """The bank's words for one wrong option of one scenario: why it tempts here, and why it is wrong here."""

    tempts: Text
    wrong: Text


@dataclass(frozen=True)
class Scenario:
    """One quiz question: a workload described in words, its kind, the approaches that fit, and its profile."""

    id: Text
    kind: WorkloadKind
    best: ApproachId
    prompt: Text
    explanation: Text
    # Wrong option id (a kind or an approach) -> its feedback. An option without feedback is not shown.
    feedback: Mapping[str, Feedback] = field(hash=False)
    difficulty: Difficulty
    tags: Annotated[tuple[Text, ...], MinLen(1)]
    source: Source
    profile: WorkloadProfile
    # Approaches that are right in practice but not the best fit (partial credit).
    acceptable: tuple[ApproachId, ...] = ()

    def right_answers(self, mode: str) -> tuple[str, ...]:
        """The options that earn credit in a mode: the kind; or the best approach, then the acceptable ones."""
        _check_mode(mode)
        return (self.kind,) if mode == "classify" else (self.best, *self.acceptable)

    def expected(self, mode: str) -> str:
        """The one best answer in a mode."""
        return self.right_answers(mode)[0]

    def options(self, mode: str) -> tuple[str, ...]:
        """What the question shows, in the framework's order (so the order gives nothing away)."""
        shown = set(self.right_answers(mode)) | set(self.feedback)
        return tuple(option for option in SCENARIO_MODES[mode] if option in shown)

    def wrong_options(self, mode: str) -> tuple[tuple[str, Feedback], ...]:
        """The wrong options shown in a mode, each with its feedback."""
        return tuple((option, self.feedback[option]) for option in self.options(mode) if option in self.feedback)

    def feedback_for(self, option: str) -> Feedback | None:
        """The bank's words for a wrong option, or None for a right one or one not shown."""
        return self.feedback.get(option)

    def profile_mapping(self) -> dict[str, Any]:
        """The profile's said fields, as WorkloadProfile.from_mapping reads them."""
        return self.profile.to_dict()


def _check_mode(mode: str) -> None:
    if mode not in SCENARIO_MODES:
        raise InputError("mode", f"got {mode!r}", ", ".join(SCENARIO_MODES))


class BankError(ValueError):
    """A bank that does not fit: one InputError per bad scenario, each naming file, scenario and field."""

    def __init__(self, source: str, errors: list[InputError]) -> None:
        self.source = source
        self.errors = tuple(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


def _where(source: str, scenario_id: str) -> str:
    return f"{source}: scenario {scenario_id!r}"


def _entry_id(entry: Any, index: int) -> str:
    raw = entry.get("id") if isinstance(entry, dict) else None
    return raw.strip() if isinstance(raw, str) and raw.strip() else f"#{index + 1}"


def parse_scenario(entry: Any, *, where: str) -> Scenario:
    """One bank entry checked into a Scenario, facts expanded; InputError naming `where` and the field."""
    try:
        scenario = parse(Scenario, entry, where=where)
    except InputError as error:
        if ": feedback." in error.field and error.accepted == "a table of fields":
            raise InputError(error.field, error.problem, "a table of two texts, tempts and wrong") from None
        raise
    _check_rules(scenario, where)
    return _expanded(scenario, where)


def _check_rules(scenario: Scenario, where: str) -> None:
    """The rules across fields that the types alone do not say."""
    if scenario.profile.workload != scenario.kind:
        raise InputError(
            f"{where}: profile.workload", f"got {scenario.profile.workload!r}", f"the scenario's kind {scenario.kind!r}"
        )
    if scenario.best in scenario.acceptable:
        raise InputError(f"{where}: acceptable", f"repeats the best answer {scenario.best!r}", "other approaches")
    options = WORKLOAD_KINDS + APPROACHES
    for option in scenario.feedback:
        if option not in options:
            raise InputError(f"{where}: feedback.{option}", "is not a kind or an approach", ", ".join(options))
        if option == scenario.kind or option in scenario.right_answers("approach"):
            raise InputError(f"{where}: feedback.{option}", "is a right answer here", "feedback for wrong options only")
    for mode in SCENARIO_MODES:
        shown = scenario.options(mode)
        if len(shown) < MIN_OPTIONS:
            right = len(scenario.right_answers(mode))
            raise InputError(
                f"{where}: feedback",
                f"the {mode} question would show {len(shown)} options ({right} right, {len(shown) - right} wrong "
                f"with feedback)",
                f"feedback for at least {MIN_OPTIONS - right} wrong {OPTION_WORDS[mode]}",
            )


def _expanded(scenario: Scenario, where: str) -> Scenario:
    """The scenario with every {fact:id} in its texts replaced by the fact's value."""

    def text(field_path: str, value: str) -> str:
        unknown = [fact_id for fact_id in references(value) if fact_id not in facts()]
        if unknown:
            raise InputError(
                f"{where}: {field_path}", f"quotes an unknown fact {unknown[0]!r}", "{fact:ID} with an ID of facts.toml"
            )
        return expand(value)

    feedback = {
        option: Feedback(text(f"feedback.{option}.tempts", why.tempts), text(f"feedback.{option}.wrong", why.wrong))
        for option, why in scenario.feedback.items()
    }
    return replace(
        scenario,
        prompt=text("prompt", scenario.prompt),
        explanation=text("explanation", scenario.explanation),
        feedback=feedback,
    )


def _decode(data: bytes, source: str) -> Any:
    """The file's content as Python values, by its suffix: .toml or .json."""
    if len(data) > MAX_BANK_BYTES:
        raise BankError(source, [InputError(source, f"{len(data)} bytes", f"a bank of at most {MAX_BANK_BYTES} bytes")])
    suffix = Path(source).suffix.lower()
    if suffix not in (".toml", ".json"):
        raise BankError(source, [InputError(source, f"unknown file type {suffix!r}", ".toml or .json")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BankError(source, [InputError(source, f"not UTF-8 text ({error.reason})", "a UTF-8 text file")]) from None
    try:
        check_depth(text, MAX_BANK_DEPTH, where=source)  # json and tomllib recurse: a deep file would overflow
    except InputError as error:
        raise BankError(source, [error]) from None
    try:
        return json.loads(text) if suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        kind = "JSON" if suffix == ".json" else "TOML"
        raise BankError(source, [InputError(source, f"not valid {kind}: {error}", f"a {kind} bank")]) from None


def parse_bank(data: bytes, source: str) -> tuple[Scenario, ...]:
    """Validate a bank's bytes (TOML or JSON, by the name's suffix); BankError naming every bad scenario.

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
        scenario_id = _entry_id(entry, index)
        try:
            scenario = parse_scenario(entry, where=_where(source, scenario_id))
        except InputError as error:
            errors.append(error)
            continue
        if scenario.id in seen:
            errors.append(InputError(f"{_where(source, scenario.id)}: id", "used twice", "a unique id per scenario"))
        seen.add(scenario.id)
        scenarios.append(scenario)
    if errors:
        raise BankError(source, errors)
    return tuple(scenarios)


def _read_limited(path: Path) -> bytes:
    """The file's bytes, refusing at once what is not a regular file or is too big (checked before reading)."""
    source = str(path)

    def refuse(problem: str, accepted: str) -> BankError:
        return BankError(source, [InputError(source, problem, accepted)])

    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise refuse(f"cannot read: {error.strerror}", "a readable file") from None
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_BANK_BYTES:
        os.close(descriptor)
        if stat.S_ISREG(status.st_mode):
            raise refuse(f"{status.st_size} bytes", f"a bank of at most {MAX_BANK_BYTES} bytes")
        what = "a directory" if stat.S_ISDIR(status.st_mode) else "a FIFO or a device"
        raise refuse(f"is {what}, not a file", "a .toml or .json file")
    with os.fdopen(descriptor, "rb") as handle:
        # One byte more than the limit: a file that grew since fstat is still refused, never read whole.
        return handle.read(MAX_BANK_BYTES + 1)


def load_bank(path: str | Path) -> tuple[Scenario, ...]:
    """Read and validate a bank file; a missing, special or oversized file is a BankError too."""
    path = Path(path)
    return parse_bank(_read_limited(path), str(path))


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


BUILTIN_LABEL = "Built-in bank"


def available_banks(upload: tuple[str, bytes] | None = None, environ: Mapping[str, str] | None = None) -> Banks:
    """The built-in bank, then LAB_SCENARIOS's and an uploaded one, each when it validates; the errors otherwise.

    A bad bank never hides the others.
    """
    loaders: list[tuple[str, Any]] = [(BUILTIN_LABEL, builtin_bank)]
    extra = env_bank_path(environ)
    if extra is not None:
        loaders.append((f"{SCENARIOS_ENV}: {extra.name}", lambda: load_bank(extra)))
    if upload is not None:
        name, data = upload
        loaders.append((f"Uploaded: {name}", lambda: parse_bank(data, name)))
    banks: dict[str, tuple[Scenario, ...]] = {}
    errors: list[BankError] = []
    for label, load in loaders:
        try:
            banks[label] = load()
        except BankError as error:
            errors.append(error)
    return Banks(banks, tuple(errors))
