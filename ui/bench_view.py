"""What the benchmark and results pages share: the server-wide resources, the queue's drawing, and one result.

The run slot (with its queue), the result store and the interpreter list live in st.cache_resource (one per
server); every page that runs something (Benchmark, the quiz's live runs, calibration) submits through
`submit_run` and draws its queued job with `draw_queue_place`. A result is drawn as verdicts, warnings, then
each chart beside the table that says the same.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from engine.bench.presets import Preset, judge, unavailable_notes, verdicts, warnings_for
from engine.bench.results import BenchResult
from engine.bench.slot import Job, RunPlan, RunSlot, public_mode, queue_bounds
from engine.bench.store import ResultStore, default_path
from engine.bench.sweeps import AmdahlFit, crossover, fit_amdahl, sweep_points
from engine.bench.verdicts import stopped_text, verdict_withheld
from engine.host import Interpreter, limit_text
from kernels import get_kernel
from ui import bench_charts, owner
from ui.host_badge import interpreters
from ui.presentation import style_chart


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
        f"{job.plan.label}: queued, position {position} of {len(slot.queued())}. Estimated wait "
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


def result_store() -> ResultStore:
    """The results history in LAB_DATA_DIR (cached per folder, so a changed folder gets its own store)."""
    return _store_at(str(default_path()))


def run_label(result: BenchResult, run_id: int | None = None, preset: str | None = None) -> str:
    """A short name for a run: id, preset or kernel, interpreter and build."""
    host = result.host
    build = "GIL" if host.get("gil_enabled", True) else "GIL off"
    prefix = f"#{run_id} " if run_id is not None else ""
    return f"{prefix}{preset or result.spec.kernel} - Python {host.get('python_version', '?')} ({build})"


def draw_result(result: BenchResult, preset: Preset | None = None, key: str = "result") -> None:
    """Verdicts, warnings, what the preset showed, then the charts each with its table.

    A disturbed run is shown, but its verdicts are withheld and the reason comes first."""
    withheld = verdict_withheld(result)
    if withheld is not None:
        st.error(f"No verdicts for this run: {withheld}.", icon=":material/block:")
    for warning in warnings_for(result):
        st.warning(warning, icon=":material/warning:")
    for note in unavailable_notes(result):
        st.info(f"Not run: {note}", icon=":material/block:")
    if preset is not None and preset.expect:
        st.markdown("**What this run showed**")
        for finding in judge(preset, result):
            icon = {True: ":material/check_circle:", False: ":material/cancel:", None: ":material/help:"}[finding.met]
            st.markdown(f"{icon} {finding.sentence}")
    st.markdown("**Verdicts** (the lesson's interpretation table)")
    st.markdown("\n".join(f"- {line}" for line in verdicts(result)))
    cores = bench_charts.usable_cores(result)
    speedups = bench_charts.speedup_frame(result)
    if not speedups.empty:
        chart = bench_charts.speedup_chart(speedups, cores, bench_charts.limit_label(result))
        st.altair_chart(style_chart(chart), width="stretch", key=f"{key}_speedup")
        st.caption(
            f"Rules at 1.0x, 1.2x and 2.0x mark the interpretation bands; the blue line is this host's limit, "
            f"the most CPU work can gain here ({limit_text(result.host)}). Each black bar is the speedup's 95% "
            "interval: a band is given only when the whole interval lies in it. "
            f"{stopped_text(result) or 'This run predates intervals: they were computed from its repeats.'} "
            "The same figures:"
        )
        st.dataframe(speedups, hide_index=True, key=f"{key}_speedup_table")
    timeline = bench_charts.timeline_frame(result)
    if not timeline.empty:
        with st.expander("What ran where and when (one lane per worker, one bar per task)"):
            st.altair_chart(style_chart(bench_charts.timeline_chart(timeline)), key=f"{key}_timeline")
            lanes = timeline.groupby("executor", sort=False)["worker"].nunique()
            st.caption("Lanes used: " + ", ".join(f"{name} {count}" for name, count in lanes.items()) + ".")
    cpu = bench_charts.cpu_frame(result)
    if not cpu.empty:
        with st.expander("CPU per core over time (the whole host: other programs count too)"):
            st.altair_chart(style_chart(bench_charts.cpu_chart(cpu)), width="stretch", key=f"{key}_cpu")
            busy = cpu.groupby(["executor", "core"], sort=False)["cpu_percent"].mean().round(0).unstack()
            st.caption("Mean CPU busy per core of the whole host (%) while each executor ran:")
            st.dataframe(busy, key=f"{key}_cpu_table")
    memory = bench_charts.memory_frame(result)
    if not memory.empty:
        with st.expander("Peak memory per executor"):
            st.altair_chart(style_chart(bench_charts.memory_chart(memory)), width="stretch", key=f"{key}_memory")
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
        unit = get_kernel(preset.kernel).size_unit
        sentences += [crossover(points, executor, unit=unit).sentence for executor in executors]
    frame = bench_charts.sweep_frame(points, fit)
    x_title = "Task size" if by == "size" else "Workers"
    st.altair_chart(
        style_chart(bench_charts.sweep_chart(frame, x_title, log_x=by == "size")), width="stretch", key=f"{key}_chart"
    )
    for sentence in sentences:
        st.markdown(f"- {sentence}")
    st.dataframe(frame.rename(columns={"x": x_title.lower()}), hide_index=True, key=f"{key}_table")
