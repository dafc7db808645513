"""engine.validation: one checker for every input, one line naming the field and what is accepted."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Literal

import pytest
from annotated_types import Gt

from engine.errors import InputError
from engine.validation import parse


@dataclass(frozen=True)
class Item:
    name: str


@dataclass(frozen=True)
class Profile:
    workload: Literal["io_bound", "hybrid"]
    cores: Annotated[int, Gt(0)]
    shared: bool
    latency_ms: Annotated[float, Gt(0)] | None = None
    items: tuple[Item, ...] = ()


GOOD = {"workload": "hybrid", "cores": "4", "shared": "yes"}


def test_loose_form_values_become_typed_fields():
    profile = parse(Profile, {**GOOD, "items": [{"name": "a"}]})
    assert profile == Profile(workload="hybrid", cores=4, shared=True, items=(Item("a"),))


@pytest.mark.parametrize(
    ("change", "field", "accepted"),
    [
        ({"workload": "gpu"}, "workload", "'io_bound' or 'hybrid'"),
        ({"cores": 0}, "cores", "a number > 0"),
        ({"cores": 1.5}, "cores", "a whole number"),
        ({"shared": "perhaps"}, "shared", "yes or no"),
        ({"latency_ms": math.nan}, "latency_ms", "a finite number"),
        ({"latency_ms": math.inf}, "latency_ms", "a finite number"),
        ({"colour": "red"}, "colour", "the fields workload, cores, shared, latency_ms, items"),
        ({"items": [{"name": "a", "extra": 1}]}, "items.0.extra", "only the documented fields"),
        ({"items": [{"name": 3}]}, "items.0.name", "text"),
    ],
)
def test_each_refusal_names_the_field_and_what_is_accepted(change, field, accepted):
    with pytest.raises(InputError) as raised:
        parse(Profile, {**GOOD, **change}, where="bank.toml: scenario s1: profile")
    message = str(raised.value)
    assert message.startswith(f"bank.toml: scenario s1: profile: {field}:")
    assert accepted in message
    assert "\n" not in message


def test_a_missing_required_field_is_named():
    with pytest.raises(InputError, match=r"^workload: is missing; accepted: a value"):
        parse(Profile, {"cores": 1, "shared": False})


def test_a_long_refused_value_is_cut_in_the_message():
    with pytest.raises(InputError) as raised:
        parse(Profile, {**GOOD, "workload": "x" * 500})
    assert len(str(raised.value)) < 200
