"""`python -m engine.bench.worker`: runs one BenchSpec (JSON on stdin) in this process, JSON lines on stdout.

Events, one JSON object a line: {"event": "ready"}, then {"event": "progress", "executor", "phase",
"repeat", "of", "pids"} before each step, then {"event": "result", "result": {...}} or {"event": "error"}.
Standard library only, so any interpreter runs it with `-I -S`; it never imports psutil or the app.
"""

from __future__ import annotations

import datetime
import functools
import json
import multiprocessing
import sys
from collections.abc import Callable
from typing import Any

from engine.bench import probe
from engine.bench.executors import Work, available_executors, open_session
from engine.bench.measure import Measurement, band_for, measure_all, summarize
from engine.bench.results import BenchResult, BenchSpec, ExecutorResult
from engine.errors import InputError
from kernels import Kernel, get_kernel

BASELINE = "sequential"
# Executors whose workers are threads of this process: the GIL decides whether they run in parallel.
_THREADED = ("threads", "asyncio_threads")

Emit = Callable[[dict[str, Any]], None]


def _emit_json_line(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def build_work(kernel: Kernel, spec: BenchSpec) -> Work:
    """The kernel's forms bound to the spec's size (and latency, for a kernel that has one)."""
    size = kernel.default_size if spec.size is None else spec.size
    function, async_function, async_fetch = kernel.function, kernel.async_function, kernel.async_fetch
    if kernel.default_latency_ms is not None and spec.latency_ms is not None:
        function = functools.partial(function, latency_ms=spec.latency_ms)
        if async_function is not None:
            async_function = functools.partial(async_function, latency_ms=spec.latency_ms)
        if async_fetch is not None:
            async_fetch = functools.partial(async_fetch, latency_ms=spec.latency_ms)
    return Work(function, size, async_function=async_function, async_fetch=async_fetch, parse=kernel.parse)


def _start_method_used(name: str, requested: str | None) -> str | None:
    if name not in ("processes", "asyncio_processes"):
        return None
    return requested or multiprocessing.get_start_method(allow_none=False)


def executor_label(name: str, start_method: str | None, gil_enabled: bool) -> str:
    """A name for charts that says what the result depends on: the GIL for threads, the start method for processes."""
    if name in _THREADED:
        return f"{name} ({'GIL' if gil_enabled else 'free-threaded'})"
    if start_method is not None:
        return f"{name} ({start_method})"
    if name == "interpreters":
        return "interpreters (one GIL each)"
    return name


def _workers_of(name: str, spec: BenchSpec) -> int:
    # sequential and asyncio have one worker: the calling thread, running one event loop for asyncio.
    return 1 if name in ("sequential", "asyncio") else spec.workers


def _entry(
    name: str,
    spec: BenchSpec,
    measurement: Measurement | None,
    baseline: Measurement | None,
    unavailable: str | None = None,
    error: str | None = None,
) -> ExecutorResult:
    start_method = _start_method_used(name, spec.start_method)
    gil = probe.gil_enabled()
    common = dict(
        name=name,
        label=executor_label(name, start_method, gil),
        workers=_workers_of(name, spec),
        start_method=start_method,
        gil_enabled=gil,
    )
    if measurement is None:
        return ExecutorResult(
            **common,
            times_s=(),
            median_s=None,
            min_s=None,
            max_s=None,
            spread=None,
            noisy=False,
            startup_s=None,
            speedup=None,
            band=None,
            correct=None,
            spans=(),
            unavailable=unavailable,
            error=error,
        )
    stats = summarize(measurement.times_s)
    ratio = band = correct = None
    if baseline is not None:
        ratio, band = band_for(summarize(baseline.times_s).median_s, stats.median_s)
        correct = measurement.checksum == baseline.checksum
        if name == BASELINE:
            band = None  # the baseline is what the bands compare against, not a candidate
    # The spans shown are those of the median repeat, the one the headline number stands for.
    ordered = sorted(measurement.repeats, key=lambda run: run.elapsed_s)
    median_run = ordered[(len(ordered) - 1) // 2]
    return ExecutorResult(
        **common,
        times_s=measurement.times_s,
        median_s=stats.median_s,
        min_s=stats.min_s,
        max_s=stats.max_s,
        spread=stats.spread,
        noisy=stats.noisy,
        startup_s=measurement.startup_s,
        speedup=ratio,
        band=band,
        correct=correct,
        spans=median_run.spans,
    )


def _describe_error(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def run_bench(spec: BenchSpec, kernel: Kernel | None = None, emit: Emit = _emit_json_line) -> BenchResult:
    """Run every executor of `spec` on its kernel, the sequential baseline first and the repeats round-robin
    (engine.bench.measure.measure_all); events go to `emit`."""
    kernel = kernel or get_kernel(spec.kernel)
    facts = probe.interpreter_facts()
    reasons = available_executors(facts)
    warnings: list[str] = []
    names = list(dict.fromkeys(spec.executors))
    if BASELINE not in names:
        warnings.append("sequential was added: every speedup is measured against it")
    names = [BASELINE] + [name for name in names if name != BASELINE]
    work = build_work(kernel, spec)

    failures: dict[str, tuple[str | None, str | None]] = {}
    sessions = {}
    for name in names:
        reason = reasons.get(name, "unknown executor")
        if reason is not None:
            failures[name] = (reason, None)
        else:
            start_method = _start_method_used(name, spec.start_method)
            sessions[name] = open_session(name, work, spec.workers, start_method, scheduler=spec.scheduler)

    def on_repeat(name: str, phase: str, repeat: int, of: int) -> None:
        # The pool's pids let the runner tell this executor's memory from the other pools'.
        pids = list(sessions[name].pool_pids)
        emit({"event": "progress", "executor": name, "phase": phase, "repeat": repeat, "of": of, "pids": pids})

    with kernel.setup():
        outcomes = measure_all(sessions, spec.tasks, spec.repeats, spec.warmups, on_repeat)
    measurements: dict[str, Measurement] = {}
    for name, outcome in outcomes.items():
        warnings.extend(f"{name}: {note}" for note in getattr(sessions[name], "notes", ()))  # dask's clocks, workers
        if isinstance(outcome, Exception):
            failures[name] = (None, _describe_error(outcome))
        else:
            measurements[name] = outcome

    baseline = measurements.get(BASELINE)
    if baseline is None:
        warnings.append("the sequential baseline failed: no speedup or correctness can be computed")
    entries = []
    for name in names:
        unavailable, error = failures.get(name, (None, None))
        entries.append(_entry(name, spec, measurements.get(name), baseline, unavailable, error))
    for entry in entries:
        if entry.correct is False:
            warnings.append(f"{entry.name}: results differ from the sequential baseline (correct: false)")
        if entry.noisy:
            warnings.append(f"{entry.name}: noisy, repeats spread {entry.spread:.0%} around the median")
        # CPU work cannot beat the core count; a ratio past it means another program disturbed the run.
        if kernel.kind == "cpu" and entry.speedup is not None and entry.speedup > 1.1 * facts["usable_cpus"]:
            warnings.append(
                f"{entry.name}: {entry.speedup:.2f}x is past the {facts['usable_cpus']} usable cores: "
                "the run was disturbed, measure again on a quieter machine"
            )
    # Waiting is not bounded by cores: more workers than cores is the point of an I/O run.
    if spec.workers > facts["usable_cpus"] and kernel.kind != "io":
        warnings.append(
            f"{spec.workers} workers on {facts['usable_cpus']} usable cores: CPU work cannot go past "
            f"{facts['usable_cpus']}x"
        )
    return BenchResult(
        spec=spec,
        host=facts,
        baseline=BASELINE,
        executors=tuple(entries),
        warnings=tuple(warnings),
        created_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    )


def _input_error_event(error: InputError) -> dict[str, Any]:
    return {
        "event": "error",
        "kind": "input",
        "field": error.field,
        "problem": error.problem,
        "accepted": error.accepted,
    }


def main() -> int:
    _emit_json_line({"event": "ready"})
    try:
        spec = BenchSpec.from_dict(json.loads(sys.stdin.read()))
        result = run_bench(spec)
    except InputError as error:
        _emit_json_line(_input_error_event(error))
        return 2
    except json.JSONDecodeError as error:
        _emit_json_line(_input_error_event(InputError("spec", f"is not JSON ({error})", "a BenchSpec JSON object")))
        return 2
    _emit_json_line({"event": "result", "result": result.to_dict()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
