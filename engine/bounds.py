"""Bounds a dataclass field states in its annotation: `Annotated[float, AtLeast(0)]`, `Annotated[str, MaxLen(200)]`.

Standard library only, so the worker side's dataclasses (engine.bench.results) state their bounds in their own
field table without importing pydantic; engine.validation turns each marker into pydantic's check when it parses
input. The worker's own `from_dict` (trusted output) does not read them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AtLeast:
    """A number >= value."""

    value: float


@dataclass(frozen=True)
class AtMost:
    """A number <= value."""

    value: float


@dataclass(frozen=True)
class MaxLen:
    """At most `count` items in a list or table, or characters in a text."""

    count: int
