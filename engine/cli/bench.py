"""`python -m engine bench`: run a benchmark from the command line, as a table with bands or as JSON.

Owns the bench arguments and their conversion into a BenchSpec; the run itself is engine.bench.runner's.
Bad input raises InputError (the dispatcher prints one line and exits 2); never imports streamlit.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from engine.bench import disturbance
from engine.bench.results import (
    DEFAULT_REPEATS,
    EXECUTORS,
    GIL_SETTINGS,
    START_METHODS,
    BenchResult,
    BenchSpec,
    gil_came_back_text,
)
from engine.bench.runner import LOCAL_LIMITS, Progress, RunFailed, check_python, run_benchmark, validate_spec
from engine.bench.slot import progress_wording
from engine.bench.variants import Comparison, check_variants, parse_variant, run_variants
from engine.bench.verdicts import band_text, interval_text, stopped_text, verdict_withheld
from engine.errors import InputError
from engine.host import limit_text
from kernels import REGISTRY


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="run one kernel through several executors and compare them with the sequential baseline",
        description="Run one kernel through several executors in an isolated worker and compare them.",
    )
    parser.add_argument("--kernel", required=True, help=f"one of: {', '.join(REGISTRY)}")
    parser.add_argument(
        "--executors", default="sequential,threads,processes", help=f"comma-separated, from: {', '.join(EXECUTORS)}"
    )
    # Numbers are read as text and converted here, so a bad one gets the house's one-line InputError.
    parser.add_argument("--workers", default="2", help="pool size (default 2)")
    parser.add_argument("--tasks", default="8", help="tasks per repeat (default 8)")
    parser.add_argument("--size", default=None, help="kernel size per task (default: the kernel's ~50 ms size)")
    parser.add_argument(
        "--repeats",
        default=str(DEFAULT_REPEATS),
        help=f"the fewest timed repeats (default {DEFAULT_REPEATS}, the fewest that give a 95%% interval); more are "
        "added until every interval is within +-10%% of its speedup or the budget is spent",
    )
    parser.add_argument(
        "--budget-s", default="30", help="seconds the run may take to add repeats (default 30; 0: the minimum only)"
    )
    parser.add_argument("--warmups", default="1", help="untimed warm-up repeats (default 1)")
    parser.add_argument("--latency-ms", default=None, help="hybrid only: fetch latency per task in ms")
    parser.add_argument("--start-method", default=None, help=f"for processes: {', '.join(START_METHODS)}")
    parser.add_argument("--scheduler", default=None, help="dask only: a running scheduler tcp://HOST:PORT")
    parser.add_argument("--python", default=None, help="run the worker under this interpreter (default: this one)")
    parser.add_argument(
        "--gil",
        default="default",
        help=f"{', '.join(GIL_SETTINGS)} (default: the interpreter's own): on/off start the worker with -X gil=1 or "
        "-X gil=0; off needs a free-threaded build, on/off Python 3.13+",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=None,
        metavar="PATH[:gil=on|off]",
        help="run under this interpreter (and GIL) too: two or more make one comparison, measured in interleaved "
        "rounds within the budget (repeatable; instead of --python)",
    )
    parser.add_argument(
        "--timeout", default=None, help="seconds before the run is killed (default: 120, or the budget plus 60)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=run)


def _whole_number(field: str, text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise InputError(field, f"is {text!r}", "a whole number") from None


def spec_from_args(args: argparse.Namespace) -> BenchSpec:
    """The BenchSpec the arguments describe, validated against the local limits."""
    executors = tuple(name.strip() for name in args.executors.split(",") if name.strip())
    spec = BenchSpec(
        kernel=args.kernel,
        executors=executors,
        workers=_whole_number("workers", args.workers),
        tasks=_whole_number("tasks", args.tasks),
        size=_whole_number("size", args.size),
        repeats=_whole_number("repeats", args.repeats),
        warmups=_whole_number("warmups", args.warmups),
        max_repeats=LOCAL_LIMITS.max_repeats,
        budget_s=_seconds_value("budget_s", args.budget_s),
        start_method=args.start_method,
        latency_ms=_whole_number("latency_ms", args.latency_ms),
        scheduler=args.scheduler,
        gil=args.gil,
    )
    return validate_spec(spec)


def _seconds_value(field: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(field, f"is {text!r}", "a number of seconds") from None


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def format_table(result: BenchResult) -> str:
    """The result as a readable table: one line per executor with its speedup's 95% interval and its verdict
    in the lesson's words (none for a disturbed run, which says why), and the core limit."""
    host, spec = result.host, result.spec
    size = spec.size if spec.size is not None else REGISTRY[spec.kernel].default_size
    gil = "GIL enabled" if host["gil_enabled"] else "GIL disabled (free-threaded)"
    if spec.gil != "default":
        gil += f", gil {spec.gil} ({'-X gil=1' if spec.gil == 'on' else '-X gil=0'})"
    rounds = max((entry.repeats for entry in result.executors), default=0)
    lines = [
        f"{spec.kernel}: {spec.tasks} tasks, size {size}, "
        f"{spec.workers} workers, {rounds} repeats (at least {spec.repeats}, +{spec.warmups} warm-up)",
        f"Python {host['python_version']} ({gil}); usable cores: {host['usable_cpus']}; {limit_text(host)}",
        "",
        f"{'executor':<28} {'median s':>9} {'min s':>7} {'max s':>7} {'start-up s':>10} {'speedup':>8} "
        f"{'95% interval':>13}  {'correct':<7}  band",
    ]
    came_back = gil_came_back_text(result)
    if came_back is not None:
        lines[2:2] = [f"{came_back}", ""]
    withheld = verdict_withheld(result)
    for entry in result.executors:
        if entry.unavailable or entry.error:
            lines.append(
                f"{entry.label:<28} {'unavailable: ' + entry.unavailable if entry.unavailable else ''}"
                f"{'error: ' + entry.error if entry.error else ''}"
            )
            continue
        speedup = "-" if entry.speedup is None else f"{entry.speedup:.2f}x"
        correct = {True: "yes", False: "NO", None: "-"}[entry.correct]
        if entry.name == result.baseline:
            band = "the baseline"
        elif withheld is not None:
            band = "withheld (the run was disturbed)"
        else:
            band = band_text(entry)
        noisy = " (noisy)" if entry.noisy else ""
        interval = "-" if entry.name == result.baseline else interval_text(entry.speedup_ci)
        lines.append(
            f"{entry.label:<28} {_seconds(entry.median_s):>9} {_seconds(entry.min_s):>7} {_seconds(entry.max_s):>7} "
            f"{_seconds(entry.startup_s):>10} {speedup:>8} {interval:>13}  {correct:<7}  {band}{noisy}"
        )
    if stopped_text(result):
        lines += ["", stopped_text(result)]
    if withheld is not None:
        lines += ["", f"No verdicts: {withheld}."]
    if result.warnings:
        lines.append("")
        lines.extend(f"warning: {warning}" for warning in result.warnings)
    if result.disturbance is not None:
        lines += [
            "",
            "disturbance: " + disturbance.describe(result.disturbance, result.disturbed),
        ]
    return "\n".join(lines)


def progress_bar(progress: Progress, width: int = 24) -> str:
    """One line for the terminal: a bar of the whole run's fraction, the executor and its repeat."""
    filled = round(progress.fraction * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {progress.fraction:4.0%} {progress_wording(progress)}"


def format_comparison(comparison: Comparison) -> str:
    """Each variant's table under its label, then the single-thread cost with its interval."""
    lines = [
        f"{len(comparison.runs)} variants in {comparison.rounds} interleaved rounds of {comparison.repeats_per_round} "
        f"repeats each (stopped: {comparison.stopped_by})",
    ]
    for variant, run in zip(comparison.variants, comparison.runs, strict=True):
        lines += ["", f"== {variant.label} ({variant.python}, gil={variant.gil})", format_table(run)]
    cost = comparison.single_thread_cost()
    if cost is not None:
        lines += ["", cost.sentence]
    return "\n".join(lines)


def _run_variants(args: argparse.Namespace, spec: BenchSpec, timeout_s: int) -> int:
    if args.python:
        raise InputError("python", "is given with --variant", "either --python or --variant")
    if args.gil != "default":
        raise InputError("gil", "is given with --variant", "each variant's own GIL: --variant PATH:gil=on|off")
    if len(args.variant) < 2:
        raise InputError("variant", "is given once", "two or more --variant (one interpreter: --python)")
    variants = check_variants([parse_variant(text) for text in args.variant])
    try:
        comparison = run_variants(spec, variants, budget_s=spec.budget_s, timeout_s=float(timeout_s))
    except RunFailed as error:
        print(f"python -m engine bench: run failed: {error}", file=sys.stderr)
        return 1
    print(json.dumps(comparison.to_dict(), indent=2) if args.json else format_comparison(comparison))
    return 0


def run(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    default_timeout = str(max(120, int((spec.budget_s or 0) + 60)))
    timeout_s = _whole_number("timeout", args.timeout or default_timeout)
    if timeout_s is None or timeout_s < 1:
        raise InputError("timeout", f"is {args.timeout!r}", "a whole number of seconds, 1 or more")
    if args.variant:
        return _run_variants(args, spec, timeout_s)
    python = check_python(args.python) if args.python else None

    def show_progress(progress: Progress) -> None:
        if sys.stderr.isatty():
            print(f"\r{progress_bar(progress)}   ", end="", file=sys.stderr)

    try:
        result = run_benchmark(spec, python, on_progress=show_progress, timeout_s=float(timeout_s))
    except RunFailed as error:
        print(f"python -m engine bench: run failed: {error}", file=sys.stderr)
        return 1
    if sys.stderr.isatty():
        print("\r", end="", file=sys.stderr)
    print(json.dumps(result.to_dict(), indent=2) if args.json else format_table(result))
    return 0
