"""The workload profile: what a user says about a workload, checked by engine.validation.

Owned here so that recommend, templates, the question bank and the CLI read one definition (no
import circle between recommend and templates). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Annotated, Any, Literal

from annotated_types import Ge, Gt

from engine.validation import parse

WorkloadKind = Literal["cpu_sequential", "cpu_parallel_shared", "cpu_parallel_isolated", "io_bound", "hybrid"]
PythonBuild = Literal["gil", "free-threaded", "subinterpreters"]
PYTHON_BUILDS: tuple[str, ...] = ("gil", "free-threaded", "subinterpreters")
Positive = Annotated[float, Gt(0)]


@dataclass(frozen=True)
class WorkloadProfile:
    """The lesson's questions about a workload, and the optional facts that refine the answer.

    Required: workload, memory_mb, cores, expensive_startup. Every other field may be unsaid (None).
    """

    workload: WorkloadKind
    memory_mb: Positive
    cores: Annotated[int, Ge(1)]
    expensive_startup: bool
    # A deadline: the time one task or request must complete within. None: no latency requirement.
    latency_ms: Positive | None = None
    shared_state: bool | None = None
    isolation: bool | None = None
    # How many I/O operations may be in flight at once (connections, requests).
    io_concurrency: Annotated[int, Ge(1)] | None = None
    # CPU time of one task, in Python (CPU work), in milliseconds.
    task_ms: Positive | None = None
    # How long one I/O task waits (network, disk, a database), in milliseconds.
    io_wait_ms: Positive | None = None
    # CPU time one I/O task spends in Python (parsing a response, building a request), in milliseconds.
    io_cpu_ms: Annotated[float, Ge(0)] | None = None
    # An async client library exists for this I/O (False: a blocking-only SDK).
    async_client: bool | None = None
    # What the user can run: unsaid, the answer follows the tree and names the build it needs.
    python_build: PythonBuild | None = None
    # The hot path is C code that releases the GIL (zlib, hashlib, NumPy).
    releases_gil: bool | None = None
    # What one worker needs once it has loaded the program's imports, as the user measured or knows it.
    worker_memory_mb: Positive | None = None
    # The data or compute outgrows one machine's cores, memory or disk in the time allowed.
    beyond_one_machine: bool | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, where: str = "") -> WorkloadProfile:
        """A profile from JSON, TOML, form or CLI values (numbers may be strings; yes/no for flags).

        Keys whose value is None are unsaid. InputError names the field and what it accepts.
        """
        return parse(cls, {key: value for key, value in data.items() if value is not None}, where=where)

    def to_dict(self) -> dict[str, Any]:
        """The fields that were said, for JSON."""
        return {item.name: getattr(self, item.name) for item in fields(self) if getattr(self, item.name) is not None}


REQUIRED_FIELDS: tuple[str, ...] = tuple(item.name for item in fields(WorkloadProfile) if item.default is not None)
