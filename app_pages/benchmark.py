"""The benchmark runner: pick a preset (or build a custom run), run it in a worker, read the charts.

Other pages link here with ?preset=id in the address. The run happens in a
background thread that holds the server's one-run slot, or waits in its queue; a fragment polls it for the
queue position, the progress bar and cancel (cancel only for the run's owner, or a teacher, in public mode).
"""

import os

import streamlit as st

from engine.bench.intervals import LEVEL_TEXT, MIN_INTERVAL_REPEATS, TARGET_TEXT
from engine.bench.presets import PRESET_IDS, get_preset, presets, resolve_variants
from engine.bench.results import DEFAULT_REPEATS, EXECUTORS, GIL_SETTINGS, START_METHODS, BenchSpec
from engine.bench.runner import max_size
from engine.bench.slot import (
    QueueRefused,
    RunPlan,
    checked_plan,
    comparison_estimate_s,
    comparison_work,
    limits_for,
    plan_work,
    scheduler_for,
    with_scheduler,
)
from engine.bench.variants import Comparison
from engine.errors import InputError
from kernels import REGISTRY, SIZED_TASK_MS
from ui import owner
from ui.bench_view import (
    bench_interpreters,
    dask_scheduler_setting,
    draw_comparison,
    draw_queue_place,
    draw_result,
    draw_sweep,
    gil_help,
    may_stop,
    public_requested,
    result_store,
    run_slot,
    same_run_wording,
    submit_run,
)
from ui.safe import code, plain, prose

CUSTOM = "custom"

public = public_requested()
limits = limits_for(public)
slot = run_slot()

visitor = owner.owner_key()
owner.teacher_panel(public)
st.session_state.setdefault("bench_preset", PRESET_IDS[0])
# A reloaded page (a new session) finds its run again from the address, else this browser's newest run or place
# in the queue (by its owner key).
if "bench_job" not in st.session_state:
    found = slot.job(st.query_params.get("run", ""))
    mine = slot.jobs_of(visitor, kind="benchmark")
    found = found or next((job for job in mine if not job.done.is_set()), mine[-1] if mine else None)
    if found is not None:
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
    "machine's load touches them all alike. Speedup = baseline median / approach median, with a "
    f"{LEVEL_TEXT} interval: a paired bootstrap over the interleaved repeats (whole rounds resampled, the ratio "
    f"of medians in each, a fixed seed). Repeats are added until every interval is within {TARGET_TEXT} of its "
    "speedup or the time budget is spent; a verdict is given only where the whole interval lies in one band, and "
    "none at all for a run that other programs disturbed (the app's own server counts: a server busy with many "
    "visitors disturbs it too)."
)
if public:
    st.info(
        f"Shared deployment: runs are limited to {limits.max_tasks} tasks, {limits.max_workers} workers, "
        f"sizes up to {limits.size_factor}x a kernel's ~{SIZED_TASK_MS} ms task, and {limits.max_run_s:.0f} s of run "
        "time (estimated, and the budget for adding repeats); interpreters only from the discovered list.",
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
        f"Size ({kernel.size_unit or 'units'}; ~{SIZED_TASK_MS} ms per task at {kernel.task_50ms_size})",
        min_value=kernel.min_size,
        max_value=max_size(kernel, limits),
        value=kernel.default_size,
        key=f"bench_size_{kernel_name}",
    )
    tasks = left.number_input("Tasks", min_value=1, max_value=limits.max_tasks, value=8, key="bench_tasks")
    repeats = left.number_input(
        f"Repeats (the fewest; {MIN_INTERVAL_REPEATS} give a {LEVEL_TEXT} interval)",
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
        help=f"Repeats are added until every interval is within {TARGET_TEXT} of its speedup or this time is spent.",
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


def follow(job) -> None:
    """Show `job` on this page (its progress or its result) and put it in the address."""
    st.session_state["bench_job"] = job
    st.session_state.pop("bench_offer", None)
    st.query_params["run"] = job.run_id


def run_work(checked: RunPlan):
    """What a press runs, and its estimate (None: the plan's own): the plan's specs in turn, or, for a preset whose
    variants resolved to more than one interpreter or GIL setting, one comparison across them. Either goes through
    the same queue and hand-off."""
    if resolved is not None and len(resolved.variants) > 1:
        budget = min(preset.budget_s or limits.max_run_s, limits.max_run_s)
        work = comparison_work(
            result_store(), resolved.variants, budget, limits.max_run_s, preset.id, preset.round_repeats
        )
        return work, comparison_estimate_s(checked, len(resolved.variants), budget, preset.round_repeats)
    return plan_work(result_store(), limits, limits.max_run_s), None


def submit(checked: RunPlan, work, estimate_s: float | None) -> None:
    st.session_state.pop("bench_offer", None)
    try:
        follow(submit_run(checked, work, kind="benchmark", estimate_s=estimate_s))
    except QueueRefused as refused:
        st.session_state["bench_refused"] = str(refused)


run_notice = st.container()
if st.button("Run", type="primary", key="bench_run", icon=":material/play_arrow:", disabled=plan is None):
    try:
        # Public mode: only the owner's LAB_DASK_SCHEDULER or a LocalCluster, whatever the session holds.
        checked = checked_plan(with_scheduler(plan, scheduler_for(public, os.environ, typed_scheduler)), limits)
    except InputError as error:
        run_notice.error(plain(error), icon=":material/error:")
    else:
        same = slot.same_run(checked)
        current = st.session_state.get("bench_job")
        if same is not None and same is current and current.state != "done":
            pass  # this session already follows that very run (a press seen twice, as when a rerun restarts it)
        elif same is not None:
            # The same run, just finished or on its way: offered instead of another copy in the queue.
            st.session_state["bench_offer"] = (plan, same, checked, *run_work(checked))
        else:
            submit(checked, *run_work(checked))
if (refused := st.session_state.pop("bench_refused", None)) is not None:
    run_notice.warning(f"Your run was not queued. {plain(refused)}", icon=":material/block:")
if (offer := st.session_state.get("bench_offer")) is not None and offer[0] == plan:
    _, same, checked, work, estimate_s = offer
    with run_notice:
        st.info(plain(same_run_wording(same, slot)), icon=":material/history:")
        see, again = st.columns(2)
        see.button(
            "See its result" if same.state == "done" else "Follow it",
            key="bench_see_same",
            on_click=follow,
            args=(same,),
        )
        if not public:
            again.button("Queue anyway", key="bench_queue_anyway", on_click=submit, args=(checked, work, estimate_s))


def slot_state() -> tuple[str | None, str | None]:
    """What the page is drawn for: the state of this session's job (queued, running, done), and which run holds
    the slot."""
    job = st.session_state.get("bench_job")
    holder = slot.holder()
    return None if job is None else job.state, None if holder is None else holder.run_id


drawn_for = slot_state()
# A visitor following their own run (or place in the queue) sees it move twice a second; one who only sees that
# another visitor's run holds the slot is told when it ends, every few seconds: with a class of thirty on one
# server, their polls would otherwise cost the server the CPU the run is measured on.
OWN_POLL_S, OTHERS_POLL_S = 0.5, 3.0
poll_s = OWN_POLL_S if drawn_for[0] in ("queued", "running") else OTHERS_POLL_S if drawn_for[1] is not None else None


@st.fragment(run_every=poll_s)
def progress_panel(drawn_for: tuple[str | None, str | None]) -> None:
    """The run's place in the queue or its progress, with leave or cancel for its owner; another visitor's run is
    named with its start time.

    Polls while a run holds the slot or this one waits; when that changes (a run ended, or another began), the
    page is redrawn once.
    """
    if slot_state() != drawn_for:
        st.rerun(scope="app")
    job = st.session_state.get("bench_job")
    if job is not None and job.state == "running":
        st.progress(job.fraction, text=f"{plain(job.plan.label)}: {plain(job.status)}")
        if not may_stop(job):
            st.caption("Another visitor's run: only they, or the teacher, can cancel it.")
        elif st.button("Cancel", key="bench_cancel", icon=":material/stop:"):
            job.cancel.set()
            st.caption("Cancelling: stopping the worker and every process it started.")
        return
    if job is not None and job.state == "queued":
        draw_queue_place(job, key="bench_leave")
    holder = slot.holder()
    if holder is not None:
        st.info(plain(holder.wording()), icon=":material/hourglass_top:")


progress_panel(drawn_for)

job = st.session_state.get("bench_job")
if job is not None and job.done.is_set():
    st.subheader(f"Last run: {plain(job.plan.label)}, started {job.holder.since:%H:%M:%S}", anchor=False)
    if job.status == "left the queue":
        st.info("This run left the queue before it started: nothing ran.", icon=":material/logout:")
    elif job.cancelled:
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
