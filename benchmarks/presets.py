"""Time every benchmark preset end to end on this host, as the page runs it (worker start-up included).

Usage: python benchmarks/presets.py [--repeat N] [--record-disturbed] [preset ids...]
Prints a Markdown table for benchmarks/PRESETS.md: wall time per preset (the page's 15 s budget), the
speedups it measured, whether each expectation of the preset was met, and the 1-minute load average before
and after (other work on the 2 cores takes speedup away: a figure measured under load says so).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.bench.presets import PRESET_IDS, get_preset, judge, judge_comparison, resolve_variants, sweep_sentences
from engine.bench.runner import run_benchmark
from engine.bench.sweeps import fit_amdahl, sweep_points
from engine.bench.variants import run_variants
from engine.bench.verdicts import interval_text, verdict_withheld
from engine.host import discover_interpreters


def _ci(low: float | None, high: float | None) -> tuple[float, float] | None:
    return None if low is None or high is None else (low, high)


def run_comparison(preset, resolved) -> tuple[float, str]:
    """A preset across interpreters, as the page runs it: its variants in rounds, one comparison."""
    (spec,) = preset.specs()
    started = time.perf_counter()
    comparison = run_variants(spec, resolved.variants, budget_s=preset.budget_s, repeats_per_round=preset.round_repeats)
    wall_s = time.perf_counter() - started
    parts = []
    for variant, result in zip(comparison.variants, comparison.runs, strict=True):
        speedups = ", ".join(
            f"{e.label} {e.speedup:.2f}x ({interval_text(e.speedup_ci)}, {e.repeats} repeats)"
            for e in result.executors[1:]
            if e.speedup is not None
        )
        state = "disturbed" if result.disturbed else "quiet"
        parts.append(f"{variant.label} [GIL measured {'on' if variant.gil_enabled else 'off'}; {state}]: {speedups}")
    met = [finding.met for finding in judge_comparison(preset, comparison)]
    cost = comparison.single_thread_cost()
    shown = "; ".join(parts) + f"; {comparison.rounds} rounds, stopped by {comparison.stopped_by}"
    if cost is not None:
        shown += f"; single-thread cost: {cost.sentence}"
    shown += f"; expectations met: {sum(m is True for m in met)}/{len(met)}"
    return wall_s, shown


def run_preset(preset_id: str, record_disturbed: bool = False) -> tuple[float, str]:
    """(wall seconds, what it showed) for one press of Run on the page.

    With `record_disturbed`, a size sweep that other programs disturbed also gets its figures computed as if
    it were quiet, marked DISTURBED: for the record of a busy host only, never as verdicts."""
    preset = get_preset(preset_id)
    resolved = resolve_variants(preset, discover_interpreters(), sys.executable) if preset.variants else None
    if resolved is not None and len(resolved.variants) > 1:
        return run_comparison(preset, resolved)
    started = time.perf_counter()
    results = [run_benchmark(spec) for spec in preset.specs()]
    wall_s = time.perf_counter() - started
    if preset.sweep == "size":
        shown = " ".join(sweep_sentences(preset, results))
        disturbed = [result for result in results if result.disturbed]
        if record_disturbed and disturbed:
            others = ", ".join(
                f"{result.disturbance.other_cores_mean:.1f}" for result in disturbed if result.disturbance is not None
            )
            quiet = [replace(result, disturbed=False) for result in results]
            shown += (
                f" DISTURBED ({len(disturbed)} of {len(results)} runs; other programs used {others} cores on "
                f"average), figures for the record only: " + " ".join(sweep_sentences(preset, quiet))
            )
    elif preset.sweep == "workers":
        points = sweep_points(results, by="workers")
        speedups = ", ".join(
            f"{point.x}: {point.speedup:.2f}x ({interval_text(_ci(point.low, point.high))})" for point in points
        )
        fit = fit_amdahl(points, preset.executors[-1], int(results[0].host["usable_cpus"]))
        shown = f"{speedups}; {fit.sentence}"
    else:
        (result,) = results
        speedups = ", ".join(
            f"{e.label} {e.speedup:.2f}x ({interval_text(e.speedup_ci)}, {e.repeats} repeats)"
            for e in result.executors[1:]
            if e.speedup is not None
        )
        met = [finding.met for finding in judge(preset, result)]
        withheld = verdict_withheld(result)
        shown = (
            f"{speedups}; stopped by {result.stopped_by}; expectations met: {sum(m is True for m in met)}/{len(met)}"
        )
        if withheld:
            shown += f"; withheld: {withheld}"
    return wall_s, shown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("presets", nargs="*", default=list(PRESET_IDS))
    parser.add_argument("--repeat", type=int, default=1, help="runs per preset (the table shows the slowest)")
    parser.add_argument(
        "--record-disturbed",
        action="store_true",
        help="size sweeps: also print a disturbed run's figures, marked DISTURBED (a busy host's record, no verdict)",
    )
    args = parser.parse_args()
    print("| preset | wall s (slowest of runs) | load before/after | what it showed (last run) |")
    print("|---|---|---|---|")
    for preset_id in args.presets:
        walls = []
        load_before = os.getloadavg()[0]
        for _ in range(args.repeat):
            wall_s, shown = run_preset(preset_id, args.record_disturbed)
            walls.append(wall_s)
        spread = f" (median {statistics.median(walls):.1f})" if len(walls) > 1 else ""
        load = f"{load_before:.1f}/{os.getloadavg()[0]:.1f}"
        print(f"| `{preset_id}` | {max(walls):.1f}{spread} | {load} | {shown} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
