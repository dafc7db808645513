"""The one place input is validated: pydantic's TypeAdapter over the domain's frozen dataclasses.

Profiles, question banks, presets, the facts table and the calibration file go through `parse`, which
checks nested types, ranges (`Annotated[float, Gt(0)]`), choices (`Literal`), finite numbers and unknown
fields, and turns the first problem into one InputError naming where (file, entry), the field's path and
what is accepted. The worker side never imports this module: it receives only specs the parent checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from functools import cache
from typing import Any, TypeVar, get_args, get_type_hints

from pydantic import ConfigDict, TypeAdapter, ValidationError

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


def parse(kind: type[T], data: object, *, where: str = "") -> T:
    """`data` checked into `kind` (a dataclass or any type pydantic reads); InputError naming the field."""
    try:
        return _adapter(kind).validate_python(data)
    except ValidationError as error:
        raise _input_error(kind, error, where) from None


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
    shown = repr(problem.get("input"))
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
