"""`python -m engine host [--json]`: this host's facts and the interpreters found on it."""

from __future__ import annotations

import argparse
import json

from engine.bench import probe
from engine.host import HostInfo, current_host, discover_interpreters


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("host", help="what this host can show: CPUs, memory, start methods, interpreters")
    parser.add_argument("--json", action="store_true", help="print the facts as one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    host = current_host(discover_interpreters())
    print(json.dumps(host.to_dict(), indent=2) if args.json else describe(host))
    return 0


def describe(host: HostInfo) -> str:
    """The facts as readable lines."""
    gil = "on" if host.gil_enabled else "off"
    build = "free-threaded" if host.free_threaded_build else "GIL"
    lines = [
        f"Python {host.python_version} ({host.implementation}), {build} build, GIL {gil} now: {host.executable}",
        f"CPUs: {host.logical_cpus} logical, {host.usable_cpus} usable by this process,"
        f" {host.physical_cpus if host.physical_cpus is not None else 'unknown'} physical",
        f"CPU quota (cgroup): {'none' if host.cpu_quota is None else f'{host.cpu_quota:g} cores'}; speedup limit "
        f"{host.speedup_limit:.2f}x, set by the {host.speedup_limited_by}: "
        + probe.limit_text({"usable_cpus": host.usable_cpus, "cpu_quota": host.cpu_quota}),
        f"Memory: {host.memory_total_mb:,.0f} MB total, {host.memory_available_mb:,.0f} MB available",
        f"Start methods: {', '.join(host.start_methods)} (default {host.default_start_method})",
        f"InterpreterPoolExecutor: {'yes' if host.interpreter_pool else 'no (needs 3.14)'}",
        "Interpreters found:",
    ]
    for interpreter in host.interpreters:
        too_old = "" if interpreter.supported or not interpreter.ok else " (older than 3.10: no benchmarks)"
        lines.append(f"  [{interpreter.source}] {interpreter.label}{too_old}")
    return "\n".join(lines)
