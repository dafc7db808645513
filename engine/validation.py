"""The one place input is validated: pydantic's TypeAdapter over the domain's frozen dataclasses.

Profiles, question banks, presets, the facts table and the calibration file go through `parse`, which
checks nested types, ranges (`Annotated[float, Gt(0)]`, or engine.bounds' stdlib markers), choices
(`Literal`), finite numbers and unknown fields, and turns the first problem into one InputError naming
where (file, entry), the field's path and what is accepted. Result imports go through `parse_json`
(strict: a number must be a number, a list a list). `check_depth` runs before any parser that recurses.
The worker side never imports this module: it receives only specs the parent checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from functools import cache
from typing import Any, TypeVar, get_args, get_type_hints

from pydantic import ConfigDict, TypeAdapter, ValidationError

from engine.bounds import AtLeast, AtMost, MaxLen
from engine.errors import InputError

T = TypeVar("T")

# Lax mode on purpose: forms and prompts give "4" for 4 and "yes" for True; floats must be finite, and a
# field a dataclass does not have is refused rather than ignored (a typo in a teacher's bank must show).
_CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)
# How long a refused value may be when it is echoed back in the message.
_ECHO_CHARS = 60


@cache
def _adapter(kind: Any) -> TypeAdapter:
    _configure(kind, set())
    return TypeAdapter(kind)


def _configure(annotation: Any, seen: set[Any]) -> None:
    """Give every dataclass reachable from `annotation` the house config (pydantic reads it from the class).

    TypeAdapter takes no config for a dataclass, and the domain's dataclasses must not import pydantic
    (some live on the standard-library-only worker side), so the config is attached here, once per class.
    """
    if annotation in seen:
        return
    seen.add(annotation)
    if is_dataclass(annotation) and isinstance(annotation, type):
        annotation.__pydantic_config__ = _CONFIG
        for hint in get_type_hints(annotation, include_extras=True).values():
            _configure(hint, seen)
        return
    for argument in get_args(annotation):
        _configure(argument, seen)


def _bound_schema(bound: AtLeast | AtMost | MaxLen, source: Any, handler: Any) -> dict[str, Any]:
    """pydantic's core schema of the annotated type, with the bound an engine.bounds marker states."""
    schema = handler(source)
    if isinstance(bound, MaxLen):
        schema["max_length"] = bound.count
    else:
        schema["ge" if isinstance(bound, AtLeast) else "le"] = bound.value
    return schema


# pydantic asks an Annotated marker for its schema by this hook; engine.bounds stays standard library only.
for _marker in (AtLeast, AtMost, MaxLen):
    _marker.__get_pydantic_core_schema__ = _bound_schema  # type: ignore[attr-defined]


def parse(kind: type[T], data: object, *, where: str = "") -> T:
    """`data` checked into `kind` (a dataclass or any type pydantic reads); InputError naming the field."""
    try:
        return _adapter(kind).validate_python(data)
    except ValidationError as error:
        raise _input_error(kind, error, where) from None


def parse_json(kind: type[T], text: str | bytes, *, where: str = "") -> T:
    """JSON text checked into `kind` in strict mode: no "4" for 4, no 1 for true, a list where a list goes.

    For files from outside (result imports), where the lax coercions `parse` allows for forms would let a
    crafted file through; JSON arrays are accepted for tuples. Run `check_depth` on the text first.
    """
    try:
        return _adapter(kind).validate_json(text, strict=True)
    except ValidationError as error:
        raise _input_error(kind, error, where) from None


# Strings and comments of JSON and TOML, in the order a scanner meets them: brackets inside them do not nest.
# One pattern serves both: in JSON a quote or `#` outside a string is an error its parser stops at before
# recursing, so reading it as TOML's literal string or comment can hide no nesting the parser would reach.
_STRINGS_AND_COMMENTS = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|\'[^\'\n]*\'|#[^\n]*'
)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_INNERMOST_PAIR = re.compile(r"[\[{][\]}]")


def check_depth(text: str, limit: int, *, where: str = "file") -> None:
    """InputError if `text` (JSON or TOML) nests brackets deeper than `limit`, before a parser recurses into it.

    json and tomllib recurse once per level: 10^5 brackets raise RecursionError from deep inside them.
    The scan stops at the first level past the limit, so a deep attack costs a few characters' work.
    """
    brackets = _NOT_BRACKETS.sub("", _STRINGS_AND_COMMENTS.sub("", text))
    remaining = brackets
    for _ in range(limit):
        # Each pass removes the innermost pairs (in C): a document within the limit is empty after `limit` passes.
        remaining = _INNERMOST_PAIR.sub("", remaining)
        if not remaining:
            return
    depth = 0
    for bracket in brackets:  # deeper than the limit, or unpaired: find which, stopping past the limit
        if bracket in "[{":
            depth += 1
            if depth > limit:
                raise InputError(where, f"nests deeper than {limit} levels", f"a document nested at most {limit} deep")
        else:
            depth -= 1


def _input_error(kind: Any, error: ValidationError, where: str) -> InputError:
    problem = error.errors(include_url=False)[0]
    path = ".".join(str(part) for part in problem["loc"])
    field = f"{where}: {path}" if where and path else (where or path or "value")
    return InputError(field, _problem(problem), _accepted(kind, problem))


def _problem(problem: Mapping[str, Any]) -> str:
    if problem["type"] == "missing":
        return "is missing"
    if problem["type"] in _UNKNOWN_FIELD:
        return "is not a known field"
    value = problem.get("input")
    if isinstance(value, (list, tuple, dict)):
        # The repr of a 50 000-item list costs more than the whole check: say its size instead.
        return f"has {len(value)} {'entries' if isinstance(value, dict) else 'items'}"
    if isinstance(value, str) and len(value) > _ECHO_CHARS:
        value = value[:_ECHO_CHARS]
    shown = repr(value)
    if len(shown) > _ECHO_CHARS:
        shown = shown[: _ECHO_CHARS - 3] + "..."
    return f"got {shown}"


_UNKNOWN_FIELD = ("extra_forbidden", "unexpected_keyword_argument")
_ACCEPTED_BY_TYPE: dict[str, str] = {
    "bool_parsing": "yes or no (true or false)",
    "bool_type": "yes or no (true or false)",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "int_type": "a whole number",
    "float_parsing": "a finite number",
    "float_type": "a finite number",
    "finite_number": "a finite number",
    "string_type": "text",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a table of fields",
    "dataclass_type": "a table of fields",
    "model_type": "a table of fields",
}


def _accepted(kind: Any, problem: Mapping[str, Any]) -> str:
    kind_of_problem = problem["type"]
    context = problem.get("ctx") or {}
    bounds = {
        "greater_than": "a number > {gt}",
        "greater_than_equal": "a number >= {ge}",
        "less_than": "a number < {lt}",
        "less_than_equal": "a number <= {le}",
        "too_long": "at most {max_length} items",
        "too_short": "at least {min_length} items",
        "string_too_long": "at most {max_length} characters",
        "string_too_short": "at least {min_length} characters",
    }
    if kind_of_problem in bounds:
        return bounds[kind_of_problem].format(**context)
    if kind_of_problem in ("literal_error", "enum"):
        return f"one of {context.get('expected', '')}"
    if kind_of_problem in _UNKNOWN_FIELD and is_dataclass(kind) and len(problem["loc"]) == 1:
        return "the fields " + ", ".join(item.name for item in fields(kind))
    if kind_of_problem in _UNKNOWN_FIELD:
        return "only the documented fields"
    if kind_of_problem == "missing":
        return "a value for this required field"
    if kind_of_problem == "value_error":
        return str(context.get("error", problem.get("msg", "a valid value")))
    return _ACCEPTED_BY_TYPE.get(kind_of_problem, str(problem.get("msg", "a valid value")))
