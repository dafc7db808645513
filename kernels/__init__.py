"""The kernel registry: name -> Kernel (function, kind, sizes), the workloads every executor runs.

Standard library only, and never aware of executors, the worker or the runner. The ~50 ms sizes
are the fastest of 15 calls on the development host (2 shared cores, CPython 3.11), as the first rows of
`python benchmarks/figures.py` measure them; on another host, read them as a starting point.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from engine.errors import InputError
from kernels import cpu, hybrid, io, shared

KINDS: tuple[str, ...] = ("cpu", "io", "hybrid")


# What one task of a kernel's task_50ms_size took on the development host, in milliseconds: the unit of the
# run-time estimates and of the sizes the pages offer.
SIZED_TASK_MS = 50


@dataclass(frozen=True)
class Kernel:
    """One workload. `function(size)` returns a value from which the result checksum is made."""

    name: str
    kind: str  # "cpu" | "io" | "hybrid"
    description: str
    function: Callable[[int], Any]
    default_size: int
    task_50ms_size: int  # size that makes one task take ~50 ms on the development host
    min_size: int
    max_size: int
    size_unit: str = ""
    # The asyncio executor awaits this form; without it a CPU kernel runs inline in the coroutine.
    async_function: Callable[[int], Awaitable[Any]] | None = None
    # Split form (hybrid): asyncio_threads / asyncio_processes await `async_fetch` in the event loop
    # and hand only `parse` to the pool.
    async_fetch: Callable[[int], Awaitable[Any]] | None = None
    parse: Callable[[Any], Any] | None = None
    # A second size, the fetch latency in ms (hybrid); None when the kernel has none.
    default_latency_ms: int | None = None
    # What the worker must start first (the loopback HTTP server); a context manager factory.
    setup: Callable[[], AbstractContextManager[Any]] = contextlib.nullcontext
    # Shared state (kernels.shared): `initializer(*initargs)` runs once in every pool process and
    # subinterpreter before its first task, and once in the calling process for the in-process
    # executors; `initargs()` makes those arguments once, in the calling process, before any pool
    # starts (shared_read: builds the graph there, so fork children inherit it, and pickles it once).
    initializer: Callable[..., Any] | None = None
    initargs: Callable[[], tuple[Any, ...]] = tuple
    # Says how the worker that calls it got the shared state: {"pid", "interpreter", "how", "seconds"}
    # (kernels.shared.setup_report); asked of every pool worker once it has started, apart from the timing.
    setup_report: Callable[[], dict[str, Any]] | None = None


REGISTRY: dict[str, Kernel] = {
    kernel.name: kernel
    for kernel in (
        Kernel(
            name="primes",
            kind="cpu",
            description="Count primes below n by trial division: pure Python, holds the GIL.",
            function=cpu.count_primes,
            default_size=32_000,
            task_50ms_size=32_000,
            min_size=2,
            max_size=2_000_000,
            size_unit="n",
        ),
        Kernel(
            name="sum_squares",
            kind="cpu",
            description="The lesson's example: sum of i*i for i below n. Pure Python, holds the GIL.",
            function=cpu.sum_squares,
            default_size=750_000,
            task_50ms_size=750_000,
            min_size=1,
            max_size=100_000_000,
            size_unit="n",
        ),
        Kernel(
            name="sha256",
            kind="cpu",
            description="SHA-256 of n MiB, 1 MiB per update: C code that releases the GIL.",
            function=cpu.sha256_mib,
            default_size=72,
            task_50ms_size=72,
            min_size=1,
            max_size=4_096,
            size_unit="MiB",
        ),
        Kernel(
            name="zlib",
            kind="cpu",
            description="zlib level 6 on n KiB of text-like data: C code that releases the GIL.",
            function=cpu.zlib_kib,
            default_size=1050,
            task_50ms_size=1050,
            min_size=1,
            max_size=1_048_576,
            size_unit="KiB",
        ),
        Kernel(
            name="sleep_io",
            kind="io",
            description="Simulated latency of n ms: time.sleep, or asyncio.sleep under asyncio.",
            function=io.sleep_io,
            default_size=50,
            task_50ms_size=50,
            min_size=0,
            max_size=10_000,
            size_unit="ms",
            async_function=io.sleep_io_async,
        ),
        Kernel(
            name="http_local",
            kind="io",
            description="Real I/O: GET a 16 KiB page from a loopback HTTP server that answers after n ms.",
            function=io.http_local,
            default_size=50,
            task_50ms_size=48,
            min_size=0,
            max_size=10_000,
            size_unit="ms",
            async_function=io.http_local_async,
            setup=io.local_http_server,
        ),
        Kernel(
            name="hybrid",
            kind="hybrid",
            description="The scraper in small: fetch (latency_ms of waiting), then parse a page of n links.",
            function=hybrid.fetch_and_parse,
            default_size=1500,
            task_50ms_size=1500,  # the default 20 ms latency, then ~30 ms of parsing
            min_size=0,
            max_size=200_000,
            size_unit="links",
            async_function=hybrid.fetch_and_parse_async,
            async_fetch=hybrid.fetch_page_async,
            parse=hybrid.parse_page,
            default_latency_ms=hybrid.DEFAULT_LATENCY_MS,
        ),
        Kernel(
            name="shared_read",
            kind="cpu",
            description=(
                f"Shared state, read: breadth-first searches of {shared.HOPS} hops from n start nodes in one "
                f"graph of {shared.GRAPH_NODES:,} nodes built once per process. Pure Python, holds the GIL."
            ),
            function=shared.shared_read,
            default_size=200,
            task_50ms_size=200,
            min_size=0,
            max_size=100_000,
            size_unit="sources",
            initializer=shared.install_graph,
            initargs=shared.graph_payload,
            setup_report=shared.setup_report,
        ),
        Kernel(
            name="shared_write",
            kind="cpu",
            description=(
                "Shared state, contended write: n increments of one histogram, each under one lock. "
                "Threads share it and contend; each process or subinterpreter updates its own copy."
            ),
            function=shared.shared_write,
            default_size=64_000,
            task_50ms_size=64_000,
            min_size=0,
            max_size=100_000_000,
            size_unit="updates",
        ),
        Kernel(
            name="noop",
            kind="cpu",
            description="The empty kernel: measures the harness's own per-task overhead.",
            function=cpu.noop,
            default_size=0,
            task_50ms_size=0,
            min_size=0,
            max_size=1_000_000,
        ),
    )
}


def get_kernel(name: str) -> Kernel:
    """The kernel called `name`; InputError naming the accepted names otherwise."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise InputError("kernel", f"unknown kernel {name!r}", ", ".join(REGISTRY)) from None
