"""Altair charts of benchmark results, each built from a DataFrame that the page also shows as a table.

The `*_frame` functions turn results into DataFrames; the `*_chart` functions take a DataFrame and return a
chart (so tests read the spec). Colours are Okabe-Ito, safe for colour-blind readers.

Sizes come from a ChartSize (ui.presentation: larger when presenting): a chart's plot is as tall as its bars
need at that font (`row_px` each), its width fits the container (autosize "fit-x"), and the title, axes and
legends are added around the plot instead of being squeezed into a fixed height with it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import altair as alt
import pandas as pd

from engine.bench.results import BANDS, BenchResult
from engine.bench.sweeps import AmdahlFit, SweepPoint, amdahl_speedup
from engine.bench.variants import Comparison
from engine.bench.verdicts import band_text, interval_text, verdict_withheld
from engine.host import speedup_limit_of
from ui.presentation import FIT_WIDTH, NORMAL, ChartSize

# Okabe & Ito (2008), the colour-blind-safe palette.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
SERIES_COLOURS: list[str] = [
    OKABE_ITO[name] for name in ("blue", "orange", "bluish_green", "reddish_purple", "vermillion", "sky_blue", "black")
]
BAND_COLOURS: dict[str, str] = {
    "baseline": "#999999",
    "dont_use": OKABE_ITO["vermillion"],
    "not_justified": OKABE_ITO["orange"],
    "worth_considering": OKABE_ITO["sky_blue"],
    "clear_winner": OKABE_ITO["bluish_green"],
    "between": OKABE_ITO["yellow"],
    "none": "#CCCCCC",
}
BAND_LABELS: dict[str, str] = {
    "baseline": "baseline",
    **{band: wording for band, _, wording in BANDS},
    "between": "interval between two bands: no single verdict",
    "none": "no verdict (no interval, or the run was disturbed)",
}
BAND_RULES: tuple[float, ...] = (1.0, 1.2, 2.0)
STARTING = "(starting)"  # samples taken before the worker reported its first executor


def usable_cores(result: BenchResult) -> float:
    """The host's limit on speedup for CPU work: the cores this process may use, or its container's CPU
    quota when that is smaller (never below 1.0: the baseline runs under the same quota)."""
    return speedup_limit_of(result.host)


def limit_label(result: BenchResult) -> str:
    """What the limit line on a chart is called: the usable cores, or the container's CPU quota."""
    limit = usable_cores(result)
    if result.host.get("speedup_limited_by") == "quota":
        return f"CPU quota: {result.host.get('cpu_quota'):g} cores ({limit:.2f}x)"
    return f"usable cores: {limit:g}"


SPEEDUP_COLUMNS = ["executor", "speedup", "low", "high", "interval", "median_s", "band", "verdict", "correct", "noisy"]


def speedup_frame(result: BenchResult) -> pd.DataFrame:
    """One row per executor that has a time: speedup, its 95% interval, band and verdict; the baseline is its own
    band. Colour `band` is the band the whole interval lies in, "between" when it straddles an edge, "none"
    without an interval or in a disturbed run; `verdict` is the sentence (engine.bench.verdicts)."""
    withheld = verdict_withheld(result)
    rows = []
    for executor in result.executors:
        if executor.speedup is None:
            continue
        low, high = executor.speedup_ci if executor.speedup_ci is not None else (None, None)
        if executor.name == result.baseline:
            band, verdict = "baseline", "baseline"
        elif withheld is not None:
            band, verdict = "none", "withheld: the run was disturbed"
        elif executor.band is not None:
            band, verdict = executor.band, BAND_LABELS[executor.band]
        else:
            band, verdict = ("between" if executor.band_range else "none"), band_text(executor)
        rows.append(
            {
                "executor": executor.label or executor.name,
                "speedup": round(executor.speedup, 3),
                "low": None if low is None else round(low, 3),
                "high": None if high is None else round(high, 3),
                "interval": "-" if executor.name == result.baseline else interval_text(executor.speedup_ci),
                "median_s": executor.median_s,
                "band": band,
                "verdict": verdict,
                "correct": executor.correct,
                "noisy": executor.noisy,
            }
        )
    return pd.DataFrame(rows, columns=SPEEDUP_COLUMNS)


def _sized(chart: alt.TopLevelMixin, height: int) -> alt.TopLevelMixin:
    """The chart with a plot `height` px tall and as wide as its container."""
    return chart.properties(height=height, width="container", autosize=FIT_WIDTH)


def _bottom_legend(size: ChartSize, **kwargs: object) -> alt.Legend:
    """A legend under the plot, one entry per line, labels whole: it never covers the data or takes its width."""
    return alt.Legend(orient="bottom", direction="vertical", labelLimit=size.legend_limit_px, **kwargs)


def speedup_chart(
    frame: pd.DataFrame, cores: float, label: str | None = None, size: ChartSize = NORMAL
) -> alt.LayerChart:
    """Speedup bars coloured by band, each with its 95% interval as an error bar, rules at 1.0/1.2/2.0, and a line
    at the speedup limit `cores`; one row of `size.row_px` per executor."""
    top = max([cores, *frame["speedup"].tolist(), *frame["high"].dropna().tolist()]) * 1.1
    bands = [band for band in BAND_COLOURS if band in set(frame["band"])]
    labels = {band: BAND_LABELS[band] for band in bands}
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("speedup:Q", title="Speedup over the baseline (x)", scale=alt.Scale(domain=[0, top])),
            y=alt.Y("executor:N", title=None, sort=None, axis=alt.Axis(labelLimit=size.label_limit_px)),
            color=alt.Color(
                "band_label:N",
                title="Interpretation",
                scale=alt.Scale(domain=list(labels.values()), range=[BAND_COLOURS[band] for band in bands]),
                legend=_bottom_legend(size, columns=1),
            ),
            tooltip=["executor", alt.Tooltip("speedup:Q", format=".2f"), "interval", "verdict", "median_s"],
        )
        .transform_calculate(band_label=_label_expression(labels))
    )
    error_bars = (
        alt.Chart(frame)
        .transform_filter("isValid(datum.low)")
        .mark_errorbar(ticks=True, color=OKABE_ITO["black"], thickness=2)
        .encode(
            x=alt.X("low:Q", title="Speedup over the baseline (x)"),
            x2="high:Q",
            y=alt.Y("executor:N", sort=None),
            tooltip=["executor", "interval"],
        )
    )
    rules_frame = pd.DataFrame({"speedup": list(BAND_RULES), "label": [f"{value:.1f}x" for value in BAND_RULES]})
    rules = alt.Chart(rules_frame).mark_rule(strokeDash=[4, 4], color="#555555").encode(x="speedup:Q")
    cores_frame = pd.DataFrame({"speedup": [float(cores)], "label": [label or f"usable cores: {cores:g}"]})
    cores_rule = alt.Chart(cores_frame).mark_rule(color=OKABE_ITO["blue"], strokeWidth=3).encode(x="speedup:Q")
    cores_text = (
        alt.Chart(cores_frame)
        .mark_text(align="right", dx=-4, dy=-6, color=OKABE_ITO["blue"], baseline="bottom", fontSize=size.label_px)
        .encode(x="speedup:Q", y=alt.value(0), text="label:N")
    )
    chart = alt.layer(bars, error_bars, rules, cores_rule, cores_text).properties(
        title="Speedup against the interpretation table and this host's limit"
    )
    return _sized(chart, size.rows_height(len(frame)))


def _label_expression(labels: dict[str, str]) -> str:
    """A Vega expression giving each band id's legend label (the colour scale's domain is the labels)."""
    expression = "''"
    for band, label in labels.items():
        expression = f"datum.band === {json.dumps(band)} ? {json.dumps(label)} : {expression}"
    return expression


def timeline_frame(result: BenchResult) -> pd.DataFrame:
    """One row per task span: which worker ran it, from when to when, for each executor."""
    rows = [
        {
            "executor": executor.label or executor.name,
            "worker": span.worker,
            "task": span.task,
            "start_s": span.start_s,
            "end_s": span.end_s,
        }
        for executor in result.executors
        for span in executor.spans
    ]
    return pd.DataFrame(rows, columns=["executor", "worker", "task", "start_s", "end_s"])


def timeline_lanes(frame: pd.DataFrame) -> list[str]:
    """The timeline's lanes top to bottom: each executor's workers, executors in the run's order."""
    pairs = zip(frame["executor"], frame["worker"], strict=True)
    return list(dict.fromkeys(f"{executor} {worker}" for executor, worker in pairs))


def timeline_chart(frame: pd.DataFrame, size: ChartSize = NORMAL) -> alt.Chart:
    """One lane per executor's worker (named "executor worker", coloured by executor), one bar per task.

    One view rather than a panel per executor: a faceted chart cannot take its container's width, and ran off
    its card on a projector."""
    lanes = timeline_lanes(frame)
    executors = list(dict.fromkeys(frame["executor"]))
    chart = (
        alt.Chart(frame)
        .transform_calculate(lane="datum.executor + ' ' + datum.worker")
        .mark_bar(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("start_s:Q", title="Seconds from the repeat's start"),
            x2="end_s:Q",
            y=alt.Y(
                "lane:N",
                title="Executor and worker",
                sort=lanes,
                scale=alt.Scale(domain=lanes),
                axis=alt.Axis(labelLimit=size.label_limit_px),
            ),
            color=alt.Color(
                "executor:N",
                title="Executor",
                scale=alt.Scale(domain=executors, range=SERIES_COLOURS),
                legend=None,
            ),
            tooltip=[
                "executor",
                "worker",
                "task",
                alt.Tooltip("start_s:Q", format=".3f"),
                alt.Tooltip("end_s:Q", format=".3f"),
            ],
        )
        .properties(title="What ran where and when")
    )
    return _sized(chart, size.rows_height(len(lanes)))


def cpu_frame(result: BenchResult) -> pd.DataFrame:
    """CPU busy per core of the whole host over time, sampled by the runner while the worker ran."""
    rows = [
        {
            "t_s": sample.t_s,
            "core": f"core {index}",
            "cpu_percent": percent,
            "executor": sample.executor or STARTING,
        }
        for sample in result.samples
        for index, percent in enumerate(sample.cpu_percent_per_core)
    ]
    return pd.DataFrame(rows, columns=["t_s", "core", "cpu_percent", "executor"])


def cpu_phases(frame: pd.DataFrame) -> pd.DataFrame:
    """Consecutive stretches of samples taken while one executor ran (repeats may interleave executors)."""
    times = frame.drop_duplicates("t_s").sort_values("t_s")
    phases: list[dict[str, object]] = []
    for t_s, executor in zip(times["t_s"], times["executor"], strict=True):
        if phases and phases[-1]["executor"] == executor:
            phases[-1]["to_s"] = t_s
        else:
            phases.append({"executor": executor, "from_s": phases[-1]["to_s"] if phases else 0.0, "to_s": t_s})
    return pd.DataFrame(phases, columns=["executor", "from_s", "to_s"])


def cpu_chart(frame: pd.DataFrame, size: ChartSize = NORMAL) -> alt.LayerChart:
    """A line per core, over shaded stretches coloured by the executor that ran then; legends under the plot."""
    phases = cpu_phases(frame)
    executors = list(dict.fromkeys(phases["executor"]))
    shading = (
        alt.Chart(phases)
        .mark_rect(opacity=0.18)
        .encode(
            x="from_s:Q",
            x2="to_s:Q",
            color=alt.Color(
                "executor:N",
                title="Running",
                scale=alt.Scale(domain=executors, range=SERIES_COLOURS[::-1][: len(executors)]),
                legend=_bottom_legend(size),
            ),
            tooltip=["executor", alt.Tooltip("from_s:Q", format=".2f"), alt.Tooltip("to_s:Q", format=".2f")],
        )
    )
    lines = (
        alt.Chart(frame)
        .mark_line(point=True, color=OKABE_ITO["black"])
        .encode(
            x=alt.X("t_s:Q", title="Seconds since the worker started"),
            y=alt.Y("cpu_percent:Q", title="CPU busy, whole host (%)", scale=alt.Scale(domain=[0, 100])),
            strokeDash=alt.StrokeDash("core:N", title="Core", legend=_bottom_legend(size)),
            shape=alt.Shape("core:N", title="Core", legend=_bottom_legend(size)),
            tooltip=["core", "executor", alt.Tooltip("cpu_percent:Q", format=".0f")],
        )
    )
    return _sized(alt.layer(shading, lines).properties(title="CPU per core over time (whole host)"), size.plot_px)


def memory_frame(result: BenchResult) -> pd.DataFrame:
    """Peak resident memory of the worker's process tree while each executor ran."""
    rows = [
        {"executor": executor.label or executor.name, "peak_rss_mb": round(executor.peak_rss_mb, 1)}
        for executor in result.executors
        if executor.peak_rss_mb is not None
    ]
    return pd.DataFrame(rows, columns=["executor", "peak_rss_mb"])


# The memory/start-up table's key (the page's words; the figures are the result's).
MEMORY_SETUP_CAPTION = (
    "What sharing cost each executor: startup_s is the pool's start-up, which includes its workers' setup; "
    "setup_s_max is the slowest worker's time to get the shared state and setup says how (built in the process, "
    "loaded from the pickled copy, inherited through fork). Memory is read as each executor closes, the worker "
    "plus its own pool processes: RSS counts pages fork shares in every process, USS counts only each process's "
    "own pages, PSS splits the shared ones between the processes that map them, so its sum is the real total. "
    "USS and PSS need Linux; elsewhere they are empty."
)


def memory_setup_frame(result: BenchResult) -> pd.DataFrame:
    """Beside the speedup: each executor's start-up, its workers' shared-state setup (kernels.shared: the
    slowest worker's seconds and how they got it) and its memory at close as RSS, USS and PSS (the worker plus
    its own pool processes, summed). Empty for a result without USS, PSS or setup readings (before version 4)."""
    rows = []
    for executor in result.executors:
        if executor.uss_mb is None and executor.pss_mb is None and executor.setup_s is None:
            continue
        setup = executor.setup_s or ()
        rows.append(
            {
                "executor": executor.label or executor.name,
                "speedup": None if executor.speedup is None else round(executor.speedup, 2),
                "startup_s": None if executor.startup_s is None else round(executor.startup_s, 3),
                "setup_s_max": round(max(setup), 3) if setup else None,
                "setup": ", ".join(dict.fromkeys(executor.setup_how or ())) or None,
                "workers_set_up": len(setup) if setup else None,
                "peak_rss_mb": None if executor.peak_rss_mb is None else round(executor.peak_rss_mb, 1),
                "uss_mb": None if executor.uss_mb is None else round(executor.uss_mb, 1),
                "pss_mb": None if executor.pss_mb is None else round(executor.pss_mb, 1),
            }
        )
    columns = ["executor", "speedup", "startup_s", "setup_s_max", "setup", "workers_set_up"]
    return pd.DataFrame(rows, columns=[*columns, "peak_rss_mb", "uss_mb", "pss_mb"])


def memory_chart(frame: pd.DataFrame, size: ChartSize = NORMAL) -> alt.Chart:
    """Peak memory per executor (MB, the whole process tree), one row of `size.row_px` each."""
    chart = (
        alt.Chart(frame)
        .mark_bar(color=OKABE_ITO["reddish_purple"])
        .encode(
            x=alt.X("peak_rss_mb:Q", title="Peak RSS of the worker's process tree (MB)"),
            y=alt.Y("executor:N", title=None, sort=None, axis=alt.Axis(labelLimit=size.label_limit_px)),
            tooltip=["executor", "peak_rss_mb"],
        )
        .properties(title="Peak memory per executor")
    )
    return _sized(chart, size.rows_height(len(frame)))


def sweep_frame(points: Sequence[SweepPoint], fit: AmdahlFit | None = None) -> pd.DataFrame:
    """Measured speedups per executor along a sweep; with a fit, the ideal line and the Amdahl curve too.

    The ideal is one-per-worker up to the host's limit (`fit.usable_cores`): past it, extra workers share
    the same cores, so the line flattens where the text's "ideal: Nx" says it does.
    """
    rows = [
        {
            "x": point.x,
            "series": point.label,
            "speedup": round(point.speedup, 3),
            "low": None if point.low is None else round(point.low, 3),
            "high": None if point.high is None else round(point.high, 3),
            "basis": "measured",
        }
        for point in points
    ]
    if fit is not None:
        xs = sorted({point.x for point in points})
        rows += [
            {"x": x, "series": "ideal (one per worker)", "speedup": float(min(x, fit.usable_cores)), "basis": "model"}
            for x in xs
        ]
    if fit is not None and fit.parallel_fraction is not None:
        fraction = fit.parallel_fraction
        spread = "" if fit.fraction_ci is None else f" ({fit.fraction_ci[0]:.2f}-{fit.fraction_ci[1]:.2f})"
        rows += [
            {
                "x": x,
                "series": f"Amdahl fit, p = {fraction:.2f}{spread}",
                "speedup": round(amdahl_speedup(fraction, min(x, fit.usable_cores)), 3),
                "basis": "model",
            }
            for x in xs
        ]
    return pd.DataFrame(rows, columns=["x", "series", "speedup", "low", "high", "basis"])


def sweep_chart(frame: pd.DataFrame, x_title: str, log_x: bool, size: ChartSize = NORMAL) -> alt.LayerChart:
    """Speedup along a sweep: solid measured lines with their 95% intervals as error bars, dashed model lines,
    and a rule at 1.0x; legends under the plot, so the series' long names stay whole."""
    series = list(dict.fromkeys(frame["series"]))
    lines = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "x:Q",
                title=x_title,
                scale=alt.Scale(type="log" if log_x else "linear"),
                # Worker counts are whole numbers: no tick at 1.4 workers.
                axis=alt.Axis() if log_x else alt.Axis(tickMinStep=1, format="d"),
            ),
            y=alt.Y("speedup:Q", title="Speedup over the baseline (x)"),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=series, range=SERIES_COLOURS[: len(series)]),
                legend=_bottom_legend(size),
            ),
            strokeDash=alt.StrokeDash(
                "basis:N",
                title="Basis",
                scale=alt.Scale(domain=["measured", "model"], range=[[1, 0], [6, 4]]),
                legend=_bottom_legend(size),
            ),
            tooltip=["series", "x", alt.Tooltip("speedup:Q", format=".2f"), "basis"],
        )
    )
    error_bars = (
        alt.Chart(frame)
        .transform_filter("isValid(datum.low)")
        .mark_errorbar(ticks=True)
        .encode(
            x=alt.X("x:Q", scale=alt.Scale(type="log" if log_x else "linear")),
            y=alt.Y("low:Q", title="Speedup over the baseline (x)"),
            y2="high:Q",
            color=alt.Color("series:N", scale=alt.Scale(domain=series, range=SERIES_COLOURS[: len(series)])),
        )
    )
    baseline = alt.Chart(pd.DataFrame({"speedup": [1.0]})).mark_rule(strokeDash=[4, 4], color="#555555")
    chart = alt.layer(lines, error_bars, baseline.encode(y="speedup:Q")).properties(title="Speedup along the sweep")
    return _sized(chart, size.plot_px)


def compare_frame(runs: Sequence[tuple[str, BenchResult | Comparison]]) -> pd.DataFrame:
    """Chosen runs side by side: one row per run and executor, with its speedup and band. A comparison across
    interpreters takes part as each of its runs, named by its variant."""
    flat: list[tuple[str, BenchResult]] = []
    for label, found in runs:
        if isinstance(found, Comparison):
            flat += [(f"{label}: {v.label}", run) for v, run in zip(found.variants, found.runs, strict=True)]
        else:
            flat.append((label, found))
    rows = [
        {"run": label, **row}
        for label, result in flat
        for row in speedup_frame(result)[["executor", "speedup", "interval", "median_s", "verdict"]].to_dict("records")
    ]
    return pd.DataFrame(rows, columns=["run", "executor", "speedup", "interval", "median_s", "verdict"])


def compare_chart(frame: pd.DataFrame, size: ChartSize = NORMAL) -> alt.LayerChart:
    """Grouped bars: each executor's speedup in each chosen run, with the band rules; each executor's row holds
    one bar per run, none thinner than `size.min_bar_px`."""
    runs = list(dict.fromkeys(frame["run"]))
    executors = list(dict.fromkeys(frame["executor"]))
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("speedup:Q", title="Speedup over each run's baseline (x)"),
            y=alt.Y("executor:N", title=None, sort=None, axis=alt.Axis(labelLimit=size.label_limit_px)),
            yOffset=alt.YOffset("run:N", sort=runs),
            color=alt.Color(
                "run:N",
                title="Run",
                scale=alt.Scale(domain=runs, range=SERIES_COLOURS[: len(runs)]),
                legend=_bottom_legend(size, columns=1),
            ),
            tooltip=["run", "executor", alt.Tooltip("speedup:Q", format=".2f"), "interval", "verdict"],
        )
    )
    rules = (
        alt.Chart(pd.DataFrame({"speedup": list(BAND_RULES)}))
        .mark_rule(strokeDash=[4, 4], color="#555555")
        .encode(x="speedup:Q")
    )
    row_px = max(size.row_px, len(runs) * size.min_bar_px + size.label_px)
    return _sized(alt.layer(bars, rules).properties(title="Chosen runs side by side"), len(executors) * row_px)


VARIANT_COLUMNS = ["variant", "executor", "speedup", "low", "high", "interval", "median_s", "verdict", "gil_enabled"]


def variants_frame(comparison: Comparison) -> pd.DataFrame:
    """A comparison across interpreters: one row per variant and executor (the baseline included, at 1.0x),
    each speedup against that variant's own sequential baseline, with its 95% interval and verdict."""
    rows = [
        {"variant": variant.label, **row, "gil_enabled": variant.gil_enabled}
        for variant, run in zip(comparison.variants, comparison.runs, strict=True)
        for row in speedup_frame(run)[VARIANT_COLUMNS[1:-1]].to_dict("records")
    ]
    return pd.DataFrame(rows, columns=VARIANT_COLUMNS)


def variants_chart(frame: pd.DataFrame, cores: float, size: ChartSize = NORMAL) -> alt.LayerChart:
    """Side by side: each executor's speedup under each variant, its 95% interval as an error bar, the band
    rules and the host's limit."""
    variants = list(dict.fromkeys(frame["variant"]))
    top = max([cores, *frame["speedup"].tolist(), *frame["high"].dropna().tolist()]) * 1.1
    colour = alt.Color(
        "variant:N",
        title="Interpreter and GIL",
        scale=alt.Scale(domain=variants, range=SERIES_COLOURS[: len(variants)]),
        legend=_bottom_legend(size),
    )
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "speedup:Q",
                title="Speedup over each variant's own sequential baseline (x)",
                scale=alt.Scale(domain=[0, top]),
            ),
            y=alt.Y("executor:N", title=None, sort=None),
            yOffset=alt.YOffset("variant:N", sort=variants),
            color=colour,
            tooltip=["variant", "executor", alt.Tooltip("speedup:Q", format=".2f"), "interval", "verdict"],
        )
    )
    error_bars = (
        alt.Chart(frame)
        .transform_filter("isValid(datum.low) && datum.low !== datum.high")
        .mark_errorbar(ticks=True, color=OKABE_ITO["black"], thickness=2)
        .encode(
            x=alt.X("low:Q", title="Speedup over each variant's own sequential baseline (x)"),
            x2="high:Q",
            y=alt.Y("executor:N", sort=None),
            yOffset=alt.YOffset("variant:N", sort=variants),
            tooltip=["variant", "executor", "interval"],
        )
    )
    rules = (
        alt.Chart(pd.DataFrame({"speedup": list(BAND_RULES)}))
        .mark_rule(strokeDash=[4, 4], color="#555555")
        .encode(x="speedup:Q")
    )
    limit = alt.Chart(pd.DataFrame({"speedup": [float(cores)]})).mark_rule(color=OKABE_ITO["blue"], strokeWidth=3)
    executors = list(dict.fromkeys(frame["executor"]))
    row_px = max(size.row_px, len(variants) * size.min_bar_px + size.label_px)
    chart = alt.layer(bars, error_bars, rules, limit.encode(x="speedup:Q")).properties(
        title="The same run under each interpreter and GIL, side by side"
    )
    return _sized(chart, len(executors) * row_px)


COST_COLUMNS = ["variant", "sequential_median_s", "ratio", "low", "high"]


def cost_frame(comparison: Comparison) -> pd.DataFrame:
    """Each variant's sequential median; for the free-threaded build against the GIL build, the cost's ratio and
    its 95% interval (engine.bench.variants.single_thread_cost)."""
    cost = comparison.single_thread_cost()
    rows = []
    for variant, run in zip(comparison.variants, comparison.runs, strict=True):
        base = next((entry for entry in run.executors if entry.name == run.baseline), None)
        row = {"variant": variant.label, "sequential_median_s": None if base is None else base.median_s}
        if cost is not None and variant.label == cost.free_threaded:
            low, high = cost.interval if cost.interval is not None else (None, None)
            row.update(
                ratio=round(cost.ratio, 3),
                low=None if low is None else round(low, 3),
                high=None if high is None else round(high, 3),
            )
        elif cost is not None and variant.label == cost.gil_build:
            row.update(ratio=1.0, low=1.0, high=1.0)
        rows.append(row)
    return pd.DataFrame(rows, columns=COST_COLUMNS)
