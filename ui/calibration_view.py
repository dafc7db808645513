"""The host calibration panel: what the recommendation's models are fed, and a button that measures it.

The measurement takes the server's one-run slot (or waits in its queue), so it never runs beside (and spoils)
a benchmark.
"""

from __future__ import annotations

import streamlit as st

from engine.bench.calibrate import Calibration, calibrate, load_calibration
from engine.bench.slot import QueueRefused, RunPlan
from engine.errors import InputError
from ui.bench_view import draw_queue_place, submit_run
from ui.safe import code, plain

# What a calibration costs in the queue's wait estimate: "a few seconds" measured, rounded up generously.
CALIBRATION_ESTIMATE_S = 15.0
CALIBRATION_TIMEOUT_S = 180.0
JOB_STATE = "rec_calibration_job"


def describe(calibration: Calibration) -> str:
    """The measured figures, each with the estimate it feeds (app-written Markdown; the file's strings escaped)."""
    overheads = ", ".join(
        f"{plain(name)} {seconds * 1e6:.0f} µs" for name, seconds in calibration.task_overhead_s.items()
    )
    lines = [
        f"Measured {plain(calibration.measured_at)} under Python {plain(calibration.python_version)} "
        f"({code(calibration.python)}):",
        f"- a bare interpreter, no imports: {calibration.bare_interpreter_rss_mb:.1f} MiB resident "
        "(the floor named beside every process worker's memory);",
        f"- the Lab's benchmark worker after its imports: {calibration.worker_rss_mb:.1f} MiB "
        "(the per-worker memory of processes and subinterpreters, unless you give your own figure);",
        f"- one more idle thread: {calibration.thread_rss_mb * 1024:.0f} KiB resident "
        "(the memory of thread approaches);",
        f"- per-task hand-off: {overheads} (the hand-off in every speedup and latency estimate).",
    ]
    if calibration.request_cpu_s is not None:
        lines.append(
            f"- one loopback HTTP request: {calibration.request_cpu_s * 1000:.2f} ms (the CPU of a request when you "
            "do not give io_cpu_ms)."
        )
    return "\n".join(lines)


def calibration_panel() -> None:
    """Say whether this interpreter was calibrated on this host, and offer to measure it now (through the queue,
    as this browser's owner key)."""
    try:
        calibration = load_calibration()
    except InputError as error:
        st.error(plain(error), icon=":material/error:")
        calibration = None
    title = (
        "This host's measured costs"
        if calibration
        else "This host is not calibrated for this interpreter: estimates use documented defaults"
    )
    with st.expander(title):
        if calibration is None:
            st.markdown(
                "The memory and overhead figures come from documented defaults, measured on the development host "
                "and labelled as such beside each estimate. Measure this host (a few seconds: empty tasks through "
                "every executor, a bare interpreter's and the Lab's worker's memory, idle threads) and every "
                "estimate will use its own figures, labelled with when they were measured."
            )
        else:
            st.markdown(describe(calibration))
        job = st.session_state.get(JOB_STATE)
        if job is not None and not job.done.is_set():
            _draw_calibration_job(job)
            return
        if job is not None and job.error:
            st.error(f"The calibration failed: {plain(job.error)}", icon=":material/error:")
        if st.button("Measure this host now", key="rec_calibrate"):
            try:
                job = submit_run(
                    RunPlan("host calibration", ()),
                    lambda job: calibrate(),
                    kind="calibration",
                    estimate_s=CALIBRATION_ESTIMATE_S,
                )
            except QueueRefused as refused:
                st.warning(plain(refused), icon=":material/block:")
                return
            st.session_state[JOB_STATE] = job
            if job.state == "running":  # the slot was free: a few seconds, waited for here as before
                with st.spinner("Measuring this host..."):
                    job.done.wait(CALIBRATION_TIMEOUT_S)
            st.rerun()


def _draw_calibration_job(job) -> None:
    """The calibration's place in the queue, or that it measures now; the page reruns once it is done."""

    @st.fragment(run_every=0.5)
    def calibration_progress() -> None:
        if job.done.is_set():
            st.rerun(scope="app")
        if job.state == "queued":
            draw_queue_place(job, key="rec_calibration_leave")
        else:
            st.info("Measuring this host (a few seconds)...", icon=":material/hourglass_top:")

    calibration_progress()
