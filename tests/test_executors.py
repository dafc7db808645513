"""Executors as a family: one suite every available executor passes (values in task order, spans,
workers, errors carried), plus the killed-pool and availability behaviour."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal

import pytest

from engine.bench import probe
from engine.bench.executors import PoolProcessDied, Work, available_executors, open_session
from engine.bench.results import EXECUTORS
from engine.errors import InputError
from kernels import cpu, hybrid, io

AVAILABLE = [name for name, reason in available_executors(probe.interpreter_facts()).items() if reason is None]
# Executors whose tasks run in a process pool: the start method matters to them.
PROCESS_EXECUTORS = ("processes", "asyncio_processes")
START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else None


def raise_on_seven(size: int) -> int:
    if size == 7:
        raise ValueError("seven is not allowed")
    return size


def die_in_pool_process(size: int) -> int:
    # Only a pool process dies: the parent (sequential, start-up probes) is never the target.
    if multiprocessing.parent_process() is not None:
        os.kill(os.getpid(), signal.SIGKILL)
    return size


def _session(name: str, work: Work, workers: int = 2):
    return open_session(name, work, workers, START_METHOD if name in PROCESS_EXECUTORS else None)


@pytest.mark.parametrize("name", AVAILABLE)
def test_executor_returns_every_value_with_a_span_each(name: str) -> None:
    tasks = 6
    with _session(name, Work(cpu.count_primes, 300)) as session:
        assert session.start() >= 0.0
        run = session.run(tasks)
    assert run.values == (cpu.count_primes(300),) * tasks
    assert [span.task for span in run.spans] == list(range(tasks))
    for span in run.spans:
        assert 0.0 <= span.start_s <= span.end_s <= run.elapsed_s
    distinct_workers = {span.worker for span in run.spans}
    assert 1 <= len(distinct_workers) <= (1 if name in ("sequential", "asyncio") else 2)


@pytest.mark.parametrize("name", AVAILABLE)
def test_kernel_error_reaches_the_caller(name: str) -> None:
    with _session(name, Work(raise_on_seven, 7)) as session:
        session.start()
        with pytest.raises(ValueError, match="seven is not allowed"):
            session.run(3)


@pytest.mark.parametrize("name", [n for n in AVAILABLE if n in PROCESS_EXECUTORS])
@pytest.mark.timeout(60)
def test_killed_pool_process_is_a_clear_error_not_a_hang(name: str) -> None:
    with _session(name, Work(die_in_pool_process, 1)) as session, pytest.raises(PoolProcessDied, match="BrokenProcess"):
        session.start()
        session.run(4)


def test_asyncio_awaits_the_async_form_so_waits_overlap() -> None:
    tasks = 10
    with _session("sequential", Work(io.sleep_io, 30)) as sequential:
        sequential_s = sequential.run(tasks).elapsed_s
    with _session("asyncio", Work(io.sleep_io, 30, async_function=io.sleep_io_async)) as awaited:
        awaited.start()
        asyncio_s = awaited.run(tasks).elapsed_s
    # Ten 30 ms waits side by side take about one wait; in turn, ten. Allow a loaded machine half of that.
    assert asyncio_s * 2 < sequential_s


def test_asyncio_runs_cpu_kernels_inline_one_at_a_time() -> None:
    with _session("asyncio", Work(cpu.count_primes, 3000)) as inline:
        inline.start()
        spans = sorted(inline.run(4).spans, key=lambda span: span.start_s)
    # Inline CPU work cannot overlap: each task starts after the previous one ended.
    for earlier, later in itertools.pairwise(spans):
        assert later.start_s >= earlier.end_s


def test_asyncio_threads_hands_only_the_parse_of_a_split_kernel_to_the_pool() -> None:
    work = Work(
        hybrid.fetch_and_parse,
        20,
        async_function=hybrid.fetch_and_parse_async,
        async_fetch=hybrid.fetch_page_async,
        parse=hybrid.parse_page,
    )
    with _session("asyncio_threads", work) as session:
        session.start()
        run = session.run(4)
    assert run.values == (hybrid.fetch_and_parse(20, latency_ms=0),) * 4
    assert all(span.worker.startswith("lab-thread") for span in run.spans)


def test_thread_pool_is_bounded_by_its_workers() -> None:
    with _session("threads", Work(io.sleep_io, 40), workers=2) as session:
        session.start()
        spans = session.run(6).spans
    # At no moment do more than two tasks run: the pool size bounds the overlap.
    for span in spans:
        middle = (span.start_s + span.end_s) / 2
        assert sum(other.start_s <= middle < other.end_s for other in spans) <= 2


def test_unavailable_executors_say_why() -> None:
    facts = {"python_version": "3.11.7", "interpreter_pool": False, "start_methods": ["fork", "spawn"]}
    reasons = available_executors(facts)
    assert set(reasons) == set(EXECUTORS)
    assert "3.14" in reasons["interpreters"]
    assert reasons["processes"] is None
    no_processes = available_executors({"interpreter_pool": True, "start_methods": []})
    assert no_processes["interpreters"] is None
    assert "start method" in no_processes["processes"]


def test_unknown_executor_and_start_method_are_input_errors() -> None:
    with pytest.raises(InputError, match="executors"):
        open_session("greenlets", Work(cpu.noop, 0), 2)
    with pytest.raises(InputError, match="start_method"):
        open_session("processes", Work(cpu.noop, 0), 2, "teleport")
