"""The host calibration panel: what the recommendation's models are fed, and a button that measures it.

The measurement takes the server's one-run slot, so it never runs beside (and spoils) a benchmark.
"""

from __future__ import annotations

import streamlit as st

from engine.bench.calibrate import calibrate, load_calibration
from engine.bench.slot import RunPlan, SlotBusy
from engine.errors import InputError
from ui.bench_view import run_slot

CALIBRATION_TIMEOUT_S = 120.0


def calibration_panel(owner: str) -> None:
    """Say whether this host was calibrated, and offer to measure it now."""
    try:
        calibration = load_calibration()
    except InputError as error:
        st.error(str(error), icon=":material/error:")
        calibration = None
    with st.expander(
        "This host's measured costs" if calibration else "This host is not calibrated: estimates use stated defaults"
    ):
        if calibration is None:
            st.markdown(
                "The memory and overhead figures below are stated defaults, each labelled with its source. Measure "
                "this host "
                "(a few seconds: empty tasks through every executor, and the memory of a bare worker and of idle "
                "threads) and every estimate will use its own figures, labelled with when they were measured."
            )
        else:
            st.markdown(
                f"Measured {calibration.measured_at} under Python {calibration.python_version}: an idle thread adds "
                f"{calibration.thread_rss_mb * 1024:.0f} KiB resident, a bare worker process holds "
                f"{calibration.process_rss_mb:.1f} MiB; per task hand-off "
                + ", ".join(f"{name} {seconds * 1e6:.0f} us" for name, seconds in calibration.task_overhead_s.items())
                + "."
            )
        if st.button("Measure this host now", key="rec_calibrate"):
            try:
                job = run_slot().start(owner, RunPlan("host calibration", ()), lambda job: calibrate())
            except SlotBusy as busy:
                st.warning(str(busy), icon=":material/hourglass_top:")
                return
            with st.spinner("Measuring this host..."):
                job.done.wait(CALIBRATION_TIMEOUT_S)
            if job.error:
                st.error(f"The calibration failed: {job.error}", icon=":material/error:")
            else:
                st.rerun()
