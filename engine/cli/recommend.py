"""`python -m engine recommend`: the lesson's selector on the command line.

With flags it asks nothing; without the main ones it prompts for each missing one, in the lesson's
order, asking again after a wrong answer (every answer checked by engine.validation, like the flags).
The latency requirement is optional: unsaid, or "none" at the prompt, means no requirement. The costs
come from this host's calibration for this interpreter, or the documented defaults, labelled as such.
Prints text, or DESIGN.md's keys with --json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args, get_type_hints

from engine.bench.calibrate import load_costs
from engine.errors import InputError
from engine.lesson.profile import PYTHON_BUILDS, WorkloadKind, WorkloadProfile
from engine.lesson.recommend import CURRENT_APPROACHES, Recommendation, recommend
from engine.validation import parse

# The lesson's prompts, in its order: profile field -> (question, what it accepts).
PROMPTS: dict[str, tuple[str, str]] = {
    "workload": ("Workload type", ", ".join(get_args(WorkloadKind))),
    "latency_ms": ("Latency requirement, a deadline per task (ms, or none)", "a number of milliseconds > 0, or none"),
    "memory_mb": ("Memory budget (MB)", "a number of MB > 0"),
    "cores": ("CPU cores", "a whole number >= 1"),
    "expensive_startup": ("Expensive start-up (y/n)", "yes or no"),
}
# Answers that mean "no requirement" at the latency prompt.
NO_REQUIREMENT = ("", "none", "no", "-")
_OPTIONAL_FLAGS: tuple[str, ...] = (
    "shared_state",
    "isolation",
    "io_concurrency",
    "task_ms",
    "io_wait_ms",
    "io_cpu_ms",
    "async_client",
    "python_build",
    "releases_gil",
    "worker_memory_mb",
    "beyond_one_machine",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "recommend",
        help="recommend a concurrency approach for a workload",
        description="Recommend a concurrency approach. Without the main flags, asks for each one.",
    )
    parser.add_argument("--workload", help=PROMPTS["workload"][1])
    parser.add_argument(
        "--latency-ms", dest="latency_ms", help="the deadline one task must meet, in ms (unsaid: no requirement)"
    )
    parser.add_argument("--memory-mb", dest="memory_mb", help="memory budget in MB")
    parser.add_argument("--cores", help="CPU cores the work may use")
    parser.add_argument("--expensive-startup", dest="expensive_startup", help="yes or no")
    parser.add_argument("--shared-state", dest="shared_state", help="yes or no: the parallel parts share state")
    parser.add_argument(
        "--isolation", help="yes or no: a crash must stay inside its worker (no process sandboxes untrusted code)"
    )
    parser.add_argument("--io-concurrency", dest="io_concurrency", help="I/O operations in flight at once")
    parser.add_argument("--task-ms", dest="task_ms", help="CPU time of one task in milliseconds")
    parser.add_argument("--io-wait-ms", dest="io_wait_ms", help="how long one I/O task waits, in milliseconds")
    parser.add_argument(
        "--io-cpu-ms", dest="io_cpu_ms", help="CPU time one I/O task spends in Python (parsing, building), in ms"
    )
    parser.add_argument(
        "--async-client", dest="async_client", metavar="yes|no", help="yes or no: an async client exists for the I/O"
    )
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
    asked = all(getattr(args, name) is None for name in PROMPTS if name != "latency_ms")
    for name in PROMPTS:
        raw = getattr(args, name)
        if raw is not None:
            values[name] = None if name == "latency_ms" and raw.strip().lower() in NO_REQUIREMENT else raw
        elif name != "latency_ms" or asked:
            values[name] = ask(name)
    for name in _OPTIONAL_FLAGS:
        values[name] = getattr(args, name)
    profile = WorkloadProfile.from_mapping(values)
    recommendation = recommend(profile, load_costs(), current=args.current)
    if args.template_out:
        Path(args.template_out).write_text(recommendation.benchmark_template)
    if args.json:
        print(json.dumps(recommendation.to_dict(), indent=2))
    else:
        print(render_text(recommendation))
    return 0


def ask(name: str, read: Callable[[str], str] = input) -> Any:
    """Prompt until the answer fits the profile's field (checked by engine.validation); end of input is InputError."""
    question, accepted = PROMPTS[name]
    kind = get_type_hints(WorkloadProfile, include_extras=True)[name]
    while True:
        try:
            answer = read(f"{question} [{accepted}]: ")
        except EOFError:
            raise InputError(name, "no answer (end of input)", accepted) from None
        if name == "latency_ms" and answer.strip().lower() in NO_REQUIREMENT:
            return None
        try:
            return parse(kind, answer, where=name)
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
            f"Expected speedup: {speedup.value:.2f}x (range {speedup.low:.2f}x-{speedup.high:.2f}x), "
            f"ideal {speedup.ideal:g}x",
            f"  basis: {speedup.basis}",
        ]
    if recommendation.latency is not None:
        lines.append(f"Latency: {recommendation.latency.basis}")
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
