"""`python -m engine calibrate [--python PATH] [--json]`: measure this host's costs for the recommendation models."""

from __future__ import annotations

import argparse
import json

from engine.bench.calibrate import Calibration, calibrate
from engine.bench.runner import check_python


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "calibrate",
        help="measure hand-off, pool start-up, thread, interpreter and worker memory on this host (a few seconds)",
    )
    parser.add_argument("--python", help="measure under this interpreter (default: this one)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.python:
        check_python(args.python)
    calibration = calibrate(args.python)
    print(json.dumps(calibration.to_dict(), indent=2) if args.json else describe(calibration))
    return 0


def describe(calibration: Calibration) -> str:
    """The measured figures as readable lines, each with the estimate it feeds."""
    lines = [
        f"Measured {calibration.measured_at} under Python {calibration.python_version} ({calibration.python}), "
        f"{calibration.usable_cores} usable cores:",
        f"  a bare interpreter, no imports: {calibration.bare_interpreter_rss_mb:.1f} MiB resident"
        " (the floor beside every process worker's memory)",
        f"  the Lab's worker after its imports: {calibration.worker_rss_mb:.1f} MiB resident"
        " (the per-worker memory of processes and subinterpreters)",
        f"  an idle thread adds {calibration.thread_rss_mb * 1024:.0f} KiB resident (the memory of thread approaches)",
    ]
    if calibration.request_cpu_s is not None:
        lines.append(
            f"  one loopback HTTP request: {calibration.request_cpu_s * 1000:.2f} ms (a request's CPU when io_cpu_ms"
            " is unsaid)"
        )
    lines.append("  per task hand-off (speedup and latency estimates) and pool start-up (start-up notes):")
    for executor, overhead_s in calibration.task_overhead_s.items():
        startup_s = calibration.pool_startup_s.get(executor, 0.0)
        lines.append(f"    {executor:<18} {overhead_s * 1e6:8.1f} us/task   start-up {startup_s * 1000:6.1f} ms")
    return "\n".join(lines)
