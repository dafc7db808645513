"""The facts the app teaches, each written once with its source (engine/lesson/data/facts.toml).

Everything else quotes a fact by id: `fact(id)` in code, `{fact:id}` in lesson text (the question bank,
presets), expanded by `expand`. The table is package data, read once by the explicit loader `facts()`;
the functions here do no other I/O. Never imports streamlit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import tomllib

from engine.validation import parse

FACTS_FILE = Path(__file__).parent / "data" / "facts.toml"
FACT_REFERENCE = re.compile(r"\{fact:([a-z0-9_]+)\}")


@dataclass(frozen=True)
class Fact:
    """One sourced statement: what holds, the figure as shown, where it applies and where it comes from."""

    id: str
    statement: str
    value: str
    applies: str
    source: str
    url: str
    kind: Literal["documented", "measured"]
    number: float | None = None
    unit: str | None = None
    # Where the figure is a range: its ends, in `unit` (number is then the figure a model uses by default).
    low: float | None = None
    high: float | None = None

    @property
    def citation(self) -> str:
        """The source as a user reads it: the document and section, then the link."""
        return f"{self.source} ({self.url})"

    @property
    def label(self) -> str:
        """How a figure from this fact is labelled beside an estimate."""
        if self.kind == "measured":
            return f"a default measured on the development host, not this one: {self.source}"
        return f"documented: {self.source}"


@dataclass(frozen=True)
class _FactsFile:
    fact: tuple[Fact, ...]


@cache
def facts() -> Mapping[str, Fact]:
    """The facts table, by id (read and validated once)."""
    with FACTS_FILE.open("rb") as handle:
        table = parse(_FactsFile, tomllib.load(handle), where=FACTS_FILE.name)
    by_id: dict[str, Fact] = {}
    for entry in table.fact:
        if entry.id in by_id:
            raise LookupError(f"{FACTS_FILE.name}: fact {entry.id!r} is written twice")
        by_id[entry.id] = entry
    return by_id


def fact(fact_id: str) -> Fact:
    """The fact with this id; LookupError naming the known ids for an unknown one."""
    table = facts()
    if fact_id not in table:
        raise LookupError(f"no fact {fact_id!r}; known: {', '.join(sorted(table))}")
    return table[fact_id]


def number(fact_id: str) -> float:
    """A fact's figure for a model (its `number`, in its `unit`)."""
    value = fact(fact_id).number
    if value is None:
        raise LookupError(f"fact {fact_id!r} has no number for a model")
    return value


def bounds(fact_id: str) -> tuple[float, float]:
    """A fact's range for a model: (low, high) in its `unit`; LookupError when it states no range."""
    found = fact(fact_id)
    if found.low is None or found.high is None:
        raise LookupError(f"fact {fact_id!r} states no range for a model")
    return found.low, found.high


def references(text: str) -> tuple[str, ...]:
    """The fact ids a text quotes with {fact:id}."""
    return tuple(FACT_REFERENCE.findall(text))


def expand(text: str) -> str:
    """A lesson text with every {fact:id} replaced by that fact's value; an unknown id raises LookupError."""
    return FACT_REFERENCE.sub(lambda match: fact(match.group(1)).value, text)
