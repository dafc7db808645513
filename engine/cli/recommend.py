"""`python -m engine recommend`: the lesson's selector on the command line.

With flags it asks nothing; without the five main ones it prompts for each missing one, in the
lesson's order, asking again after a wrong answer. Prints text, or DESIGN.md's keys with --json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.errors import InputError
from engine.lesson.recommend import (
    CURRENT_APPROACHES,
    FIELD_ACCEPTS,
    PYTHON_BUILDS,
    Recommendation,
    WorkloadProfile,
    parse_field,
    recommend,
)

# The lesson's prompts, in its order: profile field -> question.
PROMPTS: dict[str, str] = {
    "workload": "Workload type",
    "latency_ms": "Latency requirement (ms)",
    "memory_mb": "Memory budget (MB)",
    "cores": "CPU cores",
    "expensive_startup": "Expensive start-up (y/n)",
}
_OPTIONAL_FLAGS: dict[str, str] = {
    "shared_state": "--shared-state",
    "isolation": "--isolation",
    "io_concurrency": "--io-concurrency",
    "task_ms": "--task-ms",
    "python_build": "--python-build",
    "releases_gil": "--releases-gil",
    "worker_memory_mb": "--worker-memory-mb",
    "beyond_one_machine": "--beyond-one-machine",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "recommend",
        help="recommend a concurrency approach for a workload",
        description="Recommend a concurrency approach. Without the five main flags, asks for each one.",
    )
    parser.add_argument("--workload", help=FIELD_ACCEPTS["workload"])
    parser.add_argument("--latency-ms", dest="latency_ms", help="latency requirement in milliseconds")
    parser.add_argument("--memory-mb", dest="memory_mb", help="memory budget in MB")
    parser.add_argument("--cores", help="CPU cores the work may use")
    parser.add_argument("--expensive-startup", dest="expensive_startup", help="yes or no")
    parser.add_argument("--shared-state", dest="shared_state", help="yes or no: the parallel parts share state")
    parser.add_argument("--isolation", help="yes or no: crash containment or untrusted code")
    parser.add_argument("--io-concurrency", dest="io_concurrency", help="I/O operations in flight at once")
    parser.add_argument("--task-ms", dest="task_ms", help="typical duration of one task in milliseconds")
    parser.add_argument("--python-build", dest="python_build", help=", ".join(PYTHON_BUILDS))
    parser.add_argument(
        "--releases-gil", dest="releases_gil", help="yes or no: the hot path is C that releases the GIL"
    )
    parser.add_argument(
        "--worker-memory-mb",
        dest="worker_memory_mb",
        metavar="MB",
        help="memory one worker needs once it has loaded your program's imports, as you measured it",
    )
    parser.add_argument(
        "--beyond-one-machine",
        dest="beyond_one_machine",
        metavar="yes|no",
        help="yes or no: the data or compute outgrows one machine in the time allowed",
    )
    parser.add_argument("--current", default="single_threaded", help="what runs now: " + ", ".join(CURRENT_APPROACHES))
    parser.add_argument("--json", action="store_true", help="print DESIGN.md's JSON keys")
    parser.add_argument("--template-out", dest="template_out", help="write the benchmark template to this .py file")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    values: dict[str, Any] = {}
    for name in PROMPTS:
        raw = getattr(args, name)
        values[name] = parse_field(name, raw) if raw is not None else ask(name)
    for name in _OPTIONAL_FLAGS:
        raw = getattr(args, name)
        if raw is not None:
            values[name] = parse_field(name, raw)
    recommendation = recommend(WorkloadProfile.from_mapping(values), current=args.current)
    if args.template_out:
        Path(args.template_out).write_text(recommendation.benchmark_template)
    if args.json:
        print(json.dumps(recommendation.to_dict(), indent=2))
    else:
        print(render_text(recommendation))
    return 0


def ask(name: str, read: Callable[[str], str] = input) -> Any:
    """Prompt until the answer fits; end of input raises InputError (the CLI exits 2)."""
    accepted = FIELD_ACCEPTS[name]
    while True:
        try:
            answer = read(f"{PROMPTS[name]} [{accepted}]: ")
        except EOFError:
            raise InputError(name, "no answer (end of input)", accepted) from None
        try:
            return parse_field(name, answer)
        except InputError as error:
            print(f"  {error}", file=sys.stderr)


def render_text(recommendation: Recommendation) -> str:
    """The answer as the lesson's selector printed it, with every figure's basis."""
    speedup = recommendation.expected_speedup
    memory = recommendation.memory
    effort = recommendation.migration_effort
    lines = [f"Recommendation: {recommendation.title} ({recommendation.approach})", "", "Reasoning:"]
    lines += [f"  - {reason}" for reason in recommendation.reasoning]
    lines += ["", "Decision path:"] + [f"  {step}" for step in recommendation.decision_path]
    if speedup.value is None:
        lines += ["", f"Expected speedup: not estimated ({speedup.basis})"]
    else:
        lines += [
            "",
            f"Expected speedup: {speedup.value:.2f}x (range {speedup.low:.2f}x-{speedup.high:.2f}x)",
            f"  basis: {speedup.basis}",
        ]
    lines += [
        f"Memory: {memory.workers} worker(s) x {memory.per_worker_mb:.3f} MB = {memory.total_mb:.3f} MB of a "
        f"{memory.budget_mb:g} MB budget ({'fits' if memory.fits else 'does NOT fit'})",
        f"  basis: {memory.basis}",
        f"Migration effort: {effort.level} ({effort.why})",
        "",
        "Alternatives:",
    ]
    lines += [
        f"  - {alternative.approach}: when {alternative.when}; trade-off: {alternative.tradeoff}"
        for alternative in recommendation.alternatives
    ]
    lines += ["", "Prove it on your machine: add --template-out bench.py, then run python bench.py."]
    return "\n".join(lines)
