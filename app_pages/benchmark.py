"""The benchmark runner: pick a preset (or build a custom run), run it in a worker, read the charts.

Other pages link here with ?preset=id in the address. The run happens in a
background thread that holds the server's one-run slot; a fragment polls it for the progress bar and cancel.
"""

import os
import uuid

import streamlit as st

from engine.bench.presets import PRESET_IDS, get_preset, presets, resolve_variants
from engine.bench.results import DEFAULT_REPEATS, EXECUTORS, GIL_SETTINGS, START_METHODS, BenchSpec
from engine.bench.runner import max_size
from engine.bench.slot import (
    RunPlan,
    SlotBusy,
    checked_plan,
    comparison_work,
    limits_for,
    plan_work,
    scheduler_for,
    with_scheduler,
)
from engine.bench.variants import Comparison
from engine.errors import InputError
from kernels import REGISTRY
from ui.bench_view import (
    bench_interpreters,
    dask_scheduler_setting,
    draw_comparison,
    draw_result,
    draw_sweep,
    gil_help,
    public_requested,
    result_store,
    run_slot,
)
from ui.safe import code, plain, prose

CUSTOM = "custom"

public = public_requested()
limits = limits_for(public)
slot = run_slot()

st.session_state.setdefault("bench_owner", uuid.uuid4().hex)
st.session_state.setdefault("bench_preset", PRESET_IDS[0])
# A reloaded page (a new session) finds its run again from the address.
if "bench_job" not in st.session_state and (found := slot.job(st.query_params.get("run", ""))) is not None:
    st.session_state["bench_job"] = found
# Messages go into fixed containers: a conditional element above the polling fragment would shift it.
address_notice = st.container()
query_preset = st.query_params.get("preset")
if query_preset and query_preset != st.session_state.get("bench_query_applied"):
    st.session_state["bench_query_applied"] = query_preset
    if query_preset in (*PRESET_IDS, CUSTOM):
        st.session_state["bench_preset"] = query_preset
    else:
        unknown = InputError("preset", f"unknown preset {query_preset!r} in the address", ", ".join(PRESET_IDS))
        address_notice.error(plain(unknown), icon=":material/error:")

st.title("Benchmark")
st.markdown(
    "Prove a choice on this host's own cores: every run happens in a separate worker process, where the "
    "sequential baseline and each approach run the same tasks, their repeats taken in turn so a change in the "
    "machine's load touches them all alike. Speedup = baseline median / approach median, with a 95% interval: "
    "a paired bootstrap over the interleaved repeats (whole rounds resampled, the ratio of medians in each, a "
    "fixed seed). Repeats are added until every interval is within +-10% of its speedup or the time budget is "
    "spent; a verdict is given only where the whole interval lies in one band, and none at all for a run that "
    "other programs disturbed (the app's own server counts: a server busy with many visitors disturbs it too)."
)
if public:
    st.info(
        f"Shared deployment: runs are limited to {limits.max_tasks} tasks, {limits.max_workers} workers, "
        f"sizes up to {limits.size_factor}x a kernel's ~50 ms task, and {limits.max_run_s:.0f} s of run time "
        "(estimated, and the budget for adding repeats); interpreters only from the discovered list.",
        icon=":material/lock:",
    )
else:
    st.caption(
        f"Local mode limits: {limits.max_tasks} tasks, {limits.max_workers} workers, {limits.max_repeats} repeats, "
        f"{limits.max_run_s:.0f} s of estimated run time."
    )

choice = st.selectbox(
    "What to run",
    (*PRESET_IDS, CUSTOM),
    key="bench_preset",
    format_func=lambda preset_id: "Custom run" if preset_id == CUSTOM else presets()[preset_id].title,
)
if st.query_params.get("preset") != choice:
    st.query_params["preset"] = choice
    st.session_state["bench_query_applied"] = choice

usable = bench_interpreters()
python_path = st.selectbox(
    "Interpreter",
    [interpreter.path for interpreter in usable],
    key="bench_python",
    format_func=lambda path: next(i.label for i in usable if i.path == path),
    help="Found on this host. A free-threaded build, where one exists, runs threads without the GIL.",
)
chosen = next((interpreter for interpreter in usable if interpreter.path == python_path), None)
free_threaded = [interpreter.label for interpreter in usable if interpreter.free_threaded_build]
if free_threaded:
    st.caption(f"Free-threaded builds found: {plain('; '.join(free_threaded))}. Their threads can run without the GIL.")
else:
    st.caption("No free-threaded build was found on this host, so free-threaded figures were not measured here.")

preset = None if choice == CUSTOM else get_preset(choice)
resolved = None
if preset is not None:
    st.subheader(plain(preset.title), anchor=False)
    st.markdown(f"**What it should show.** {plain(preset.should_show)}")
    sweep = "" if preset.sweep == "none" else f", one run per {preset.sweep} value in {list(preset.sweep_values)}"
    st.caption(
        f"Kernel `{preset.kernel}` ({REGISTRY[preset.kernel].description}) · executors "
        f"{', '.join(preset.executors)} · {preset.workers} workers · {preset.tasks} tasks · "
        f"at least {preset.repeats} repeats after {preset.warmups} warm-up"
        f"{f', more within {preset.budget_s:g} s' if preset.budget_s else ''}{sweep}."
    )
    available = {"interpreters"} if chosen is not None and chosen.interpreter_pool else set()
    plan = RunPlan(preset.title, preset.specs(available), python_path, preset.id)
    resolved = resolve_variants(preset, usable, python_path) if preset.variants else None
    if resolved is not None and resolved.how_to:
        st.info(prose(resolved.how_to), icon=":material/download:")
        plan = None
    elif resolved is not None:
        st.markdown(
            "\n".join(
                f"- {code(variant.text())}: {plain(shows)}"
                for variant, shows in zip(resolved.variants, resolved.shows, strict=True)
            )
        )
        for note in resolved.skipped:
            st.caption(f"Not run: {plain(note)}.")
else:
    st.subheader("Custom run")
    left, right = st.columns(2)
    kernel_name = left.selectbox(
        "Kernel",
        list(REGISTRY),
        key="bench_kernel",
        format_func=lambda name: f"{name}: {REGISTRY[name].description}",
    )
    kernel = REGISTRY[kernel_name]
    size = left.number_input(
        f"Size ({kernel.size_unit or 'units'}; ~50 ms per task at {kernel.task_50ms_size})",
        min_value=kernel.min_size,
        max_value=max_size(kernel, limits),
        value=kernel.default_size,
        key=f"bench_size_{kernel_name}",
    )
    tasks = left.number_input("Tasks", min_value=1, max_value=limits.max_tasks, value=8, key="bench_tasks")
    repeats = left.number_input(
        "Repeats (the fewest; 6 give a 95% interval)",
        min_value=1,
        max_value=limits.max_repeats,
        value=DEFAULT_REPEATS,
        key="bench_repeats",
    )
    budget_s = left.number_input(
        "Time budget for more repeats (s)",
        min_value=0.0,
        max_value=float(limits.max_run_s),
        value=min(15.0, float(limits.max_run_s)),
        key="bench_budget",
        help="Repeats are added until every interval is within +-10% of its speedup or this time is spent.",
    )
    executors = right.multiselect(
        "Executors (sequential is always the baseline)",
        EXECUTORS,
        default=["sequential", "threads", "processes"],
        key="bench_executors",
    )
    workers = right.number_input("Workers", min_value=1, max_value=limits.max_workers, value=2, key="bench_workers")
    start_method = right.selectbox("Start method", ("default", *START_METHODS), key="bench_start_method")
    # Only a free-threaded build can turn its GIL off or on; elsewhere the run keeps the interpreter's own.
    gil = "default"
    if chosen is not None and chosen.free_threaded_build:
        gil = right.radio("GIL", GIL_SETTINGS, key="bench_gil", horizontal=True, help=gil_help())
    spec = BenchSpec(
        kernel=kernel_name,
        executors=tuple(executors),
        workers=int(workers),
        tasks=int(tasks),
        size=int(size),
        repeats=int(repeats),
        start_method=None if start_method == "default" else start_method,
        max_repeats=limits.max_repeats,
        budget_s=float(budget_s),
        gil=gil,
    )
    plan = RunPlan(f"custom: {kernel_name}", (spec,), python_path)

typed_scheduler = None if plan is None else dask_scheduler_setting(plan, public)
run_notice = st.container()
if st.button("Run", type="primary", key="bench_run", icon=":material/play_arrow:", disabled=plan is None):
    try:
        # Public mode: only the owner's LAB_DASK_SCHEDULER or a LocalCluster, whatever the session holds.
        plan = with_scheduler(plan, scheduler_for(public, os.environ, typed_scheduler))
        checked = checked_plan(plan, limits)
        work = plan_work(result_store(), limits, limits.max_run_s)
        if resolved is not None and len(resolved.variants) > 1:
            budget = min(preset.budget_s or limits.max_run_s, limits.max_run_s)
            work = comparison_work(
                result_store(), resolved.variants, budget, limits.max_run_s, preset.id, preset.round_repeats
            )
        started = slot.start(st.session_state["bench_owner"], checked, work)
        st.session_state["bench_job"] = started
        st.query_params["run"] = started.holder.run_id
    except InputError as error:
        run_notice.error(plain(error), icon=":material/error:")
    except SlotBusy:
        # The live "in progress since" line below names the run; this says what happened to the press.
        run_notice.warning(
            "Your run did not start: two runs at once would spoil both measurements. Run again when it ends."
        )


def slot_state() -> tuple[bool, str | None]:
    """What the page is drawn for: whether this session's run is going, and which run holds the slot."""
    job = st.session_state.get("bench_job")
    holder = slot.holder()
    return job is not None and not job.done.is_set(), None if holder is None else holder.run_id


drawn_for = slot_state()


@st.fragment(run_every=0.5 if drawn_for != (False, None) else None)
def progress_panel(drawn_for: tuple[bool, str | None]) -> None:
    """The run's progress and cancel button; another visitor's run is named with its start time.

    Polls while a run holds the slot; when that changes (a run ended, or another began), the page is redrawn once.
    """
    if slot_state() != drawn_for:
        st.rerun(scope="app")
    job = st.session_state.get("bench_job")
    if job is not None and not job.done.is_set():
        st.progress(job.fraction, text=f"{plain(job.plan.label)}: {plain(job.status)}")
        if st.button("Cancel", key="bench_cancel", icon=":material/stop:"):
            job.cancel.set()
            st.caption("Cancelling: stopping the worker and every process it started.")
        return
    holder = slot.holder()
    if holder is not None:
        st.info(plain(holder.wording()), icon=":material/hourglass_top:")


progress_panel(drawn_for)

job = st.session_state.get("bench_job")
if job is not None and job.done.is_set():
    st.subheader(f"Last run: {plain(job.plan.label)}, started {job.holder.since:%H:%M:%S}", anchor=False)
    if job.cancelled:
        saved = f"runs {', '.join(f'#{run_id}' for run_id in job.run_ids)} of the sweep, finished before, were saved"
        st.warning(
            "The run was cancelled: its worker and every process it started were stopped; "
            f"{saved if job.run_ids else 'nothing was saved'}."
        )
    elif job.error:
        st.error(plain(job.error), icon=":material/error:")
    else:
        shown = None if job.plan.preset is None else get_preset(job.plan.preset)
        st.success(f"Saved as run {', '.join(f'#{run_id}' for run_id in job.run_ids)} in Results.")
        if shown is not None and shown.sweep != "none":
            draw_sweep(job.results, shown, key="bench_sweep")
            st.markdown("**Each run of the sweep**")
            axis = "size" if shown.sweep == "size" else "workers"
            tabs = st.tabs([f"{axis} {getattr(result.spec, axis)}" for result in job.results])
            for index, (tab, result) in enumerate(zip(tabs, job.results, strict=True)):
                with tab:
                    draw_result(result, None, key=f"bench_sweep_{index}")
        elif isinstance(saved := result_store().load(job.run_ids[0]), Comparison):
            draw_comparison(saved, shown, key="bench_comparison")
        else:
            draw_result(job.results[0], shown, key="bench_result")
