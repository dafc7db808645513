"""What the benchmark and results pages share: the server-wide resources, the queue's drawing, and one result.

The run slot (with its queue), the result store and the interpreter list live in st.cache_resource (one per
server); every page that runs something (Benchmark, the quiz's live runs, calibration) submits through
`submit_run` and draws its queued job with `draw_queue_place`. A result is drawn as verdicts, warnings, then
each chart beside the table that says the same.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from engine.bench import disturbance
from engine.bench.dask_executor import DASK_EXECUTORS, check_address
from engine.bench.intervals import CONFIDENCE, LEVEL_TEXT
from engine.bench.presets import (
    Preset,
    judge,
    judge_comparison,
    sweep_sentences,
    unavailable_notes,
    verdicts,
    warnings_for,
)
from engine.bench.results import BenchResult, gil_came_back_text
from engine.bench.slot import SCHEDULER_ENV, Job, RunPlan, RunSlot, owner_scheduler, public_mode, queue_bounds
from engine.bench.store import ResultStore, default_path, fingerprint
from engine.bench.sweeps import AmdahlFit, fit_amdahl, sweep_points
from engine.bench.variants import Comparison
from engine.bench.verdicts import stopped_text, verdict_withheld
from engine.errors import InputError
from engine.host import Interpreter, limit_text
from engine.lesson.facts import fact
from ui import bench_charts, owner
from ui.host_badge import interpreters
from ui.presentation import ChartSize, chart_size, style_chart
from ui.safe import plain

try:  # what st.altair_chart does to a chart (Streamlit's own, so a cached spec draws the same chart)
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec as _to_vega_lite
except ImportError:  # a later Streamlit without it: the built charts are cached, converted per view
    _to_vega_lite = None


@st.cache_resource
def run_slot() -> RunSlot:
    """The one-run-at-a-time slot, shared by every session of this server."""
    return RunSlot()


@st.cache_resource
def _store_at(path: str) -> ResultStore:
    return ResultStore(Path(path))


def public_requested() -> bool:
    """Public mode from LAB_PUBLIC or the `public` Streamlit secret (no secrets file: not set)."""
    try:
        secret = st.secrets.get("public")
    except FileNotFoundError:
        secret = None
    return public_mode(os.environ, secret)


def submit_run(plan: RunPlan, work: Callable[[Job], None], *, kind: str, estimate_s: float | None = None) -> Job:
    """This visitor's run, started now or queued (public mode's bounds); QueueRefused says why it was not."""
    bounds = queue_bounds(public_requested())
    return run_slot().submit(owner.owner_key(), plan, work, bounds=bounds, kind=kind, estimate_s=estimate_s)


def may_stop(job: Job) -> bool:
    """Whether this visitor may cancel `job` (or take it out of the queue): its owner, a teacher, or local mode."""
    return owner.may_change(job.holder.owner, public_requested())


def wait_text(seconds: float) -> str:
    return f"about {seconds:.0f} s" if seconds < 90 else f"about {seconds / 60:.0f} min"


def queue_wording(job: Job, slot: RunSlot) -> str | None:
    """Where a queued job stands: its position, the queue's length and the estimated wait; None once it runs."""
    position = slot.position(job)
    if position is None:
        return None
    return (
        f"{plain(job.plan.label)}: queued, position {position} of {len(slot.queued())}. Estimated wait "
        f"{wait_text(slot.wait_s(job))}: the rest of the running run's estimate and the estimates of the runs ahead "
        "(each its least repeats as if every executor were as slow as sequential, or its time budget if longer)."
    )


def same_run_wording(job: Job, slot: RunSlot) -> str:
    """What the offer of an identical run says: when it finished, or where it is in the queue."""
    if job.state == "done":
        minutes = slot.ago_s(job) / 60
        when = "less than a minute ago" if minutes < 1 else f"{minutes:.0f} minute{'s' if minutes >= 1.5 else ''} ago"
        return f"The same run finished {when}: see its result instead of running it again."
    position = slot.position(job)
    where = "is running now" if position is None else f"is already queued (position {position})"
    return f"The same run {where}: follow it instead of queueing a copy."


def draw_queue_place(job: Job, key: str) -> None:
    """A queued job: its position and wait, and a button to leave the queue (for its owner or a teacher)."""
    slot = run_slot()
    wording = queue_wording(job, slot)
    if wording is None:
        return
    st.info(wording, icon=":material/group:")
    if may_stop(job) and st.button("Leave the queue", key=key, icon=":material/logout:"):
        slot.leave(job)
        st.rerun(scope="app")


def bench_interpreters() -> list[Interpreter]:
    """The discovered interpreters that can run the worker: probed fine, CPython 3.10 or newer."""
    return [
        interpreter
        for interpreter in interpreters()
        if interpreter.ok and tuple(int(part) for part in interpreter.version.split(".")[:2]) >= (3, 10)
    ]


def gil_help() -> str:
    """The GIL control's help: what each setting does, with the documented facts behind it."""
    isolated, comes_back = fact("isolated_mode_ignores_env"), fact("gil_reenabled_by_extension")
    return (
        "default: the interpreter's own setting (off in a free-threaded build, until an extension turns it on). "
        "on / off: the worker starts with -X gil=1 / -X gil=0, the same binary with the GIL forced on or off. "
        f"{isolated.statement} ({isolated.citation}) {comes_back.statement} ({comes_back.citation})"
    )


def result_store() -> ResultStore:
    """The results history in LAB_DATA_DIR (cached per folder, so a changed folder gets its own store)."""
    return _store_at(str(default_path()))


def run_label(result: BenchResult | Comparison, run_id: int | None = None, preset: str | None = None) -> str:
    """A short name for a run: id, preset or kernel, interpreter and build (a comparison: how many variants).

    Raw text (a chart legend or a table shows it as it is): inside Markdown, draw it as `ui.safe.plain(label)`."""
    prefix = f"#{run_id} " if run_id is not None else ""
    if isinstance(result, Comparison):
        return f"{prefix}{preset or result.spec.kernel} - {len(result.variants)} interpreters compared"
    host = result.host
    build = "GIL" if host.get("gil_enabled", True) else "GIL off"
    if result.gil_reenabled is not None:
        build = "GIL came back on"
    return f"{prefix}{preset or result.spec.kernel} - Python {host.get('python_version', '?')} ({build})"


def _charts(result: BenchResult, size: ChartSize) -> dict[str, alt.TopLevelMixin]:
    """The result's charts by name, styled for `size` (a chart without data is left out)."""
    charts = {}
    speedups = bench_charts.speedup_frame(result)
    if not speedups.empty:
        cores = bench_charts.usable_cores(result)
        charts["speedup"] = bench_charts.speedup_chart(speedups, cores, bench_charts.limit_label(result), size)
    if not (timeline := bench_charts.timeline_frame(result)).empty:
        charts["timeline"] = bench_charts.timeline_chart(timeline, size)
    if not (cpu := bench_charts.cpu_frame(result)).empty:
        charts["cpu"] = bench_charts.cpu_chart(cpu, size)
    if not (memory := bench_charts.memory_frame(result)).empty:
        charts["memory"] = bench_charts.memory_chart(memory, size)
    return {name: style_chart(chart, size) for name, chart in charts.items()}


@st.cache_resource(max_entries=32, show_spinner=False)
def _chart_specs(result_fingerprint: str, size: ChartSize, _result: BenchResult) -> dict[str, object]:
    """The result's charts as Vega-Lite specs, built once per result and size for every session of the server.

    Building and validating the Altair charts of one result costs ~0.2 s of server CPU: a class opening Results
    (the newest run is drawn by default) paid it once per visit (benchmarks/class_load.py). A result never
    changes, so its fingerprint is the key."""
    charts = _charts(_result, size)
    return charts if _to_vega_lite is None else {name: _to_vega_lite(chart) for name, chart in charts.items()}


def _draw_chart(spec: object, **kwargs: object) -> None:
    """One cached chart drawn as st.altair_chart draws it (a copy of the spec: drawing takes its datasets out)."""
    if isinstance(spec, dict):
        st.vega_lite_chart(spec=copy.deepcopy(spec), **kwargs)
    else:
        st.altair_chart(spec, **kwargs)


def draw_result(result: BenchResult, preset: Preset | None = None, key: str = "result") -> None:
    """Verdicts, warnings, what the preset showed, then the charts each with its table.

    A disturbed run is shown, but its verdicts are withheld and the reason comes first. Every string the result
    carries (labels, warnings, errors, host facts) may come from an imported file: it is drawn through `plain`."""
    withheld = verdict_withheld(result)
    if withheld is not None:
        st.error(f"No verdicts for this run: {plain(withheld)}.", icon=":material/block:")
    if result.disturbance is not None:
        st.caption(disturbance.describe(result.disturbance, result.disturbed))
    came_back = gil_came_back_text(result)
    if came_back is not None:
        # It quotes the worker's warning (a module's name, a path): escaped, so it is drawn as plain text.
        st.warning(plain(came_back), icon=":material/lock:")
        st.caption(f"{fact('gil_reenabled_by_extension').statement} ({fact('gil_reenabled_by_extension').citation})")
    # Warnings, labels and errors come from the result, which may be an imported file: text, never Markdown.
    for warning in warnings_for(result):
        st.warning(plain(warning), icon=":material/warning:")
    for note in unavailable_notes(result):
        st.info(f"Not run: {plain(note)}", icon=":material/block:")
    if preset is not None and preset.expect:
        st.markdown("**What this run showed**")
        for finding in judge(preset, result):
            icon = {True: ":material/check_circle:", False: ":material/cancel:", None: ":material/help:"}[finding.met]
            st.markdown(f"{icon} {plain(finding.sentence)}")
    st.markdown("**Verdicts** (the lesson's interpretation table)")
    st.markdown("\n".join(f"- {plain(line)}" for line in verdicts(result)))
    specs = _chart_specs(fingerprint(result), chart_size(), result)
    speedups = bench_charts.speedup_frame(result)
    if "speedup" in specs:
        _draw_chart(specs["speedup"], width="stretch", key=f"{key}_speedup")
        st.caption(
            f"Rules at 1.0x, 1.2x and 2.0x mark the interpretation bands; the blue line is this host's limit, "
            f"the most CPU work can gain here ({plain(limit_text(result.host))}). Each black bar is the speedup's "
            f"{LEVEL_TEXT} interval: a band is given only when the whole interval lies in it. "
            f"{plain(stopped_text(result)) or 'This run predates intervals: they were computed from its repeats.'} "
            "The same figures:"
        )
        st.dataframe(speedups, hide_index=True, key=f"{key}_speedup_table")
    costs = bench_charts.memory_setup_frame(result)
    if not costs.empty:
        st.caption(bench_charts.MEMORY_SETUP_CAPTION)
        st.dataframe(costs, hide_index=True, key=f"{key}_memory_setup_table")
    timeline = bench_charts.timeline_frame(result)
    if "timeline" in specs:
        with st.expander("What ran where and when (one lane per worker, one bar per task)"):
            _draw_chart(specs["timeline"], key=f"{key}_timeline")
            lanes = timeline.groupby("executor", sort=False)["worker"].nunique()
            st.caption("Lanes used: " + ", ".join(f"{plain(name)} {count}" for name, count in lanes.items()) + ".")
    cpu = bench_charts.cpu_frame(result)
    if "cpu" in specs:
        with st.expander("CPU per core over time (the whole host: other programs count too)"):
            _draw_chart(specs["cpu"], width="stretch", key=f"{key}_cpu")
            busy = cpu.groupby(["executor", "core"], sort=False)["cpu_percent"].mean().round(0).unstack()
            st.caption("Mean CPU busy per core of the whole host (%) while each executor ran:")
            st.dataframe(busy, key=f"{key}_cpu_table")
    memory = bench_charts.memory_frame(result)
    if "memory" in specs:
        with st.expander("Peak memory per executor"):
            _draw_chart(specs["memory"], width="stretch", key=f"{key}_memory")
            st.dataframe(memory, hide_index=True, key=f"{key}_memory_table")


def draw_sweep(results: list[BenchResult], preset: Preset, key: str = "sweep") -> None:
    """A size sweep with its crossovers, or a worker sweep with the ideal line and the fitted Amdahl curve."""
    by = preset.sweep
    points = sweep_points(results, by=by)
    fit: AmdahlFit | None = None
    sentences: list[str] = []
    executors = list(dict.fromkeys(point.executor for point in points))
    if by == "workers" and executors:
        fit = fit_amdahl(points, executors[-1], usable_cores=bench_charts.usable_cores(results[0]))
        sentences.append(fit.sentence)
    elif by == "size":
        sentences += sweep_sentences(preset, results)
    frame = bench_charts.sweep_frame(points, fit)
    x_title = "Task size" if by == "size" else "Workers"
    chart = bench_charts.sweep_chart(frame, x_title, log_x=by == "size", size=chart_size())
    st.altair_chart(style_chart(chart), width="stretch", key=f"{key}_chart")
    for sentence in sentences:
        st.markdown(f"- {plain(sentence)}")
    st.dataframe(frame.rename(columns={"x": x_title.lower()}), hide_index=True, key=f"{key}_table")


def draw_comparison(comparison: Comparison, preset: Preset | None = None, key: str = "comparison") -> None:
    """One comparison across interpreters: what each variant shows, the findings, the side-by-side chart with
    its table, the single-thread cost beside the documented figure, then each variant's full result."""
    st.caption(
        f"{len(comparison.variants)} interpreters, run in turn in {comparison.rounds} rounds of "
        f"{comparison.repeats_per_round} repeats each, so a change in the host's load fell on them all; "
        f"{plain(stopped_text(comparison.runs[0]) or '')}"
    )
    if comparison.disturbed:
        st.error(
            "No verdicts for this comparison: other programs used the cores while it ran "
            "(each variant's disturbance is below).",
            icon=":material/block:",
        )
    shows = {variant.id: variant.shows for variant in preset.variants} if preset is not None else {}
    # Paths come from the file (an import, perhaps): drawn as a table, plain text, never as markdown.
    variants = pd.DataFrame(
        [
            {
                "interpreter and GIL": variant.label,
                "path": variant.python,
                "GIL asked": variant.gil,
                "GIL measured": {True: "on", False: "off", None: "unknown"}[variant.gil_enabled],
                "what it shows": shows.get(variant.role, ""),
            }
            for variant in comparison.variants
        ]
    )
    st.dataframe(variants, hide_index=True, key=f"{key}_variants_list")
    for warning in comparison.warnings:
        st.warning(plain(warning), icon=":material/warning:")
    if preset is not None and preset.expect:
        st.markdown("**What this comparison showed**")
        for finding in judge_comparison(preset, comparison):
            icon = {True: ":material/check_circle:", False: ":material/cancel:", None: ":material/help:"}[finding.met]
            st.markdown(f"{icon} {plain(finding.sentence)}")
    frame = bench_charts.variants_frame(comparison)
    cores = bench_charts.usable_cores(comparison.runs[0])
    st.altair_chart(
        style_chart(bench_charts.variants_chart(frame, cores, chart_size())), width="stretch", key=f"{key}_variants"
    )
    st.caption(
        "Each bar is a speedup against that interpreter's own sequential baseline, its black bar the "
        f"{CONFIDENCE:.0%} interval; "
        "dashed rules at 1.0x, 1.2x and 2.0x, the blue line this host's limit "
        f"({plain(limit_text(comparison.runs[0].host))}). The same figures:"
    )
    st.dataframe(frame, hide_index=True, key=f"{key}_variants_table")
    cost = comparison.single_thread_cost()
    if cost is not None:
        st.markdown("**The single-thread cost of free-threading**")
        st.markdown(plain(cost.sentence))
        if cost.documented_url:
            # From the facts table (the cost is recomputed on load, never read from the file).
            st.caption(f"Source of the documented figure: [{plain(cost.documented_source)}]({cost.documented_url})")
        if cost.noise_wider:
            st.warning(
                "This host's noise is wider than the effect: the interval cannot tell the cost here.",
                icon=":material/blur_on:",
            )
        st.dataframe(bench_charts.cost_frame(comparison), hide_index=True, key=f"{key}_cost_table")
    tabs = st.tabs([plain(variant.label) for variant in comparison.variants])
    for index, (tab, run) in enumerate(zip(tabs, comparison.runs, strict=True)):
        with tab:
            draw_result(run, None, key=f"{key}_run_{index}")


def dask_scheduler_setting(plan: RunPlan, public: bool) -> str | None:
    """The Dask scheduler setting, drawn when the plan runs a dask executor: the address typed (local mode), or None.

    Local mode: a text input (blank: a LocalCluster, or the owner's LAB_DASK_SCHEDULER when set), checked as
    it is typed. Public mode: no input at all; the page says which cluster runs and why a visitor cannot choose."""
    if not any(name in DASK_EXECUTORS for spec in plan.specs for name in spec.executors):
        return None
    warning = (
        "Dask workers run any code the scheduler sends them, so a real cluster's address belongs to its owner alone. "
        "The LocalCluster started here listens on loopback (127.0.0.1) only, with its dashboard off."
    )
    try:
        configured = owner_scheduler(os.environ)
    except InputError as error:
        st.error(
            f"The server's setting is wrong, so a LocalCluster is used: {plain(str(error))}",
            icon=":material/error:",
        )
        configured = None
    if public:
        where = (
            f"the server owner's cluster ({SCHEDULER_ENV})" if configured else "a LocalCluster within the limits above"
        )
        st.caption(f"Dask runs on {where}; on a shared deployment a visitor cannot point it elsewhere. {warning}")
        return None
    typed = st.text_input(
        "Dask scheduler address (blank: a LocalCluster on this host)",
        key="bench_scheduler",
        placeholder=configured or "tcp://HOST:PORT",
        help=f"A running scheduler, tcp://HOST:PORT. Blank uses {SCHEDULER_ENV} when the server sets it, else a "
        "LocalCluster of the run's workers. dask_threads always runs in the benchmark's worker process.",
    ).strip()
    if typed:
        try:
            check_address(typed)
        except InputError as error:
            st.error(plain(str(error)), icon=":material/error:")  # the typed text is plain text
    elif configured:
        st.caption(f"Blank: the server's {SCHEDULER_ENV}, {plain(configured)}.")
    st.caption(warning)
    return typed or None
