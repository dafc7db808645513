"""Verdicts from intervals: the words for a speedup whose 95% interval is known, and when to withhold them.

Parent side (the worker reports measurements only). A verdict is never more certain than its measurement:
an interval inside one band gets that band's wording; one across an edge says which bands it lies between;
a speedup without an interval (too few repeats) gets no band; a disturbed run gets none at all, with the
reason. Standard library only, no streamlit.
"""

from __future__ import annotations

from engine.bench.intervals import LEVEL_TEXT, METHOD, MIN_INTERVAL_REPEATS, TARGET_TEXT
from engine.bench.results import BenchResult, Disturbance, ExecutorResult, band_wording

# The short names of the lesson's bands, for a verdict between two of them.
BAND_NAMES: dict[str, str] = {
    "dont_use": "don't use",
    "not_justified": "overhead not justified",
    "worth_considering": "worth considering",
    "clear_winner": "clear winner",
}
STOPPED_BY_WORDING: dict[str, str] = {
    "target": f"every interval was within {TARGET_TEXT} of its speedup",
    "budget": "the time budget was spent",
    "max_repeats": "the most repeats allowed were done",
}


def withheld_reason(disturbance: Disturbance | None, cores: float | None) -> str:
    """Why verdicts are withheld, with the figure from the disturbance data where there is one."""
    tail = "these speedups do not measure the approaches; run again when the host is quieter"
    if disturbance is None:
        return f"other programs were busy during this run: {tail}"
    used = disturbance.other_cores_mean
    total = disturbance.cores or cores
    if total:
        return f"other programs used {used:.1f} of the {total:g} cores during this run: {tail}"
    return f"other programs were busy during this run: {tail}"


def verdict_withheld(result: BenchResult) -> str | None:
    """The reason no verdict stands for `result` (it was disturbed), or None. The quiz calls this too."""
    if not result.disturbed:
        return None
    cores = result.host.get("cpu_quota") or result.host.get("usable_cpus")
    return withheld_reason(result.disturbance, cores)


def interval_text(ci: tuple[float, float] | None) -> str:
    """'1.71-1.93x', or a dash without an interval."""
    return "-" if ci is None else f"{ci[0]:.2f}-{ci[1]:.2f}x"


def band_text(entry: ExecutorResult) -> str:
    """The verdict of one executor from its interval: a band's wording, two bands it lies between, or why none."""
    if entry.speedup_ci is None or entry.band_range is None:
        return f"no verdict: {entry.repeats} repeats give no interval (at least {MIN_INTERVAL_REPEATS} are needed)"
    if entry.band is not None:
        return band_wording(entry.band)
    low, high = entry.band_range
    return f"{interval_text(entry.speedup_ci)}: between '{BAND_NAMES[low]}' and '{BAND_NAMES[high]}'"


def executor_verdict(result: BenchResult, entry: ExecutorResult) -> str | None:
    """One sentence for a non-baseline executor with a speedup: the speedup, its interval and its verdict."""
    if entry.speedup is None or entry.name == result.baseline:
        return None
    label = entry.label or entry.name
    measured = f"{label}: {entry.speedup:.2f}x"
    if entry.speedup_ci is not None:
        measured += f" ({LEVEL_TEXT} interval {interval_text(entry.speedup_ci)}, {entry.repeats} repeats)"
    if verdict_withheld(result) is not None:
        return f"{measured}: verdict withheld (the run was disturbed)."
    return f"{measured}, {band_text(entry)}."


def stopped_text(result: BenchResult) -> str:
    """Why the repeats ended, for a caption; empty for a result that does not say (a version-1 file)."""
    if result.stopped_by is None:
        return ""
    return f"Repeats stopped because {STOPPED_BY_WORDING[result.stopped_by]}. {METHOD}."
