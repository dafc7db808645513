"""Recommend: describe a workload, get an approach with its reasoning, numbers, template and guide."""

import streamlit as st

from engine.bench.calibrate import load_costs
from engine.errors import InputError
from engine.host import current_host
from engine.lesson import framework
from engine.lesson.profile import PYTHON_BUILDS, WorkloadProfile
from engine.lesson.recommend import CURRENT_APPROACHES, WAIT_SHARES, classify_workload, recommend
from ui.calibration_view import calibration_panel
from ui.recommend_view import TRI_STATE, draw_answer
from ui.safe import plain

host = current_host()
st.session_state.setdefault("rec_workload", "hybrid")
st.session_state.setdefault("rec_cores", host.usable_cpus)
# Half of what is free now: a budget that leaves room for the rest of the machine.
st.session_state.setdefault("rec_memory", float(max(int(host.memory_available_mb // 2), 1)))
st.session_state.setdefault("rec_profile", None)

st.title("Get a recommendation")
st.markdown(
    "Describe the workload. The answer follows the lesson's decision tree, corrected where the facts say so, "
    f"and every number says where it came from. The form starts from this host: {host.usable_cpus} usable "
    f"core(s), {host.memory_available_mb:,.0f} MB free."
)


def use_classified_kind() -> None:
    st.session_state["rec_workload"] = st.session_state["rec_classified"]


with st.expander("Unsure of the workload type? Answer three questions", icon=":material/help:"):
    wait_share = st.radio(
        "How does it spend its time?", list(WAIT_SHARES), format_func=WAIT_SHARES.get, key="rec_wait_share"
    )
    splits = st.checkbox("The computing splits into parts that could run at the same time", key="rec_splits")
    shares = st.checkbox("Those parts read and write shared objects", key="rec_shares")
    kind, why = classify_workload(wait_share, splits, shares)
    st.session_state["rec_classified"] = kind
    st.info(f"**{framework.WORKLOAD_TITLES[kind]}** (`{kind}`). {why}")
    st.button("Use this workload type", on_click=use_classified_kind, key="rec_use_kind")

with st.form("rec_form"):
    st.selectbox(
        "Workload type", framework.WORKLOAD_KINDS, format_func=framework.WORKLOAD_TITLES.get, key="rec_workload"
    )
    left, middle, right = st.columns(3)
    left.number_input(
        "Latency requirement, ms (0: none)",
        min_value=0.0,
        value=0.0,
        key="rec_latency",
        help="The deadline one task or request must meet. 0: no latency requirement.",
    )
    middle.number_input("Memory budget (MB)", min_value=0.001, key="rec_memory")
    right.number_input("CPU cores", min_value=1, step=1, key="rec_cores")
    left.radio("Expensive start-up?", ["no", "yes"], horizontal=True, key="rec_startup")
    middle.selectbox("What runs now", CURRENT_APPROACHES, format_func=framework.APPROACH_TITLES.get, key="rec_current")
    with st.expander("Optional details"):
        first, second, third = st.columns(3)
        first.radio("Shared state needed?", list(TRI_STATE), horizontal=True, key="rec_shared")
        second.radio(
            "Crash containment needed?",
            list(TRI_STATE),
            horizontal=True,
            key="rec_isolation",
            help="A crash must stay inside its worker. A process contains a crash, not an attacker: no sandbox.",
        )
        third.radio("C code that releases the GIL?", list(TRI_STATE), horizontal=True, key="rec_releases_gil")
        first.number_input("Concurrent I/O operations (0: unsaid)", min_value=0, step=1, key="rec_io")
        second.number_input("CPU time of one task, ms (0: unsaid)", min_value=0.0, key="rec_task_ms")
        third.selectbox("Python you can run", ["unsaid", *PYTHON_BUILDS], key="rec_build")
        first.number_input("How long one I/O task waits, ms (0: unsaid)", min_value=0.0, key="rec_io_wait")
        second.number_input("CPU one I/O task spends in Python, ms (0: unsaid)", min_value=0.0, key="rec_io_cpu")
        third.radio("An async client exists for the I/O?", list(TRI_STATE), horizontal=True, key="rec_async_client")
        first.number_input(
            "Memory per worker with your imports, MB (0: unsaid)",
            min_value=0.0,
            key="rec_worker_memory",
            help=(
                "What one worker process needs once it has loaded what your program imports, as you measured it "
                "(its RSS). Unsaid, the Lab's own worker's figure is used: this host's calibration, or a labelled "
                "default."
            ),
        )
        second.radio(
            "Outgrows one machine?",
            list(TRI_STATE),
            horizontal=True,
            key="rec_beyond",
            help=(
                "Yes when the data or the computing is more than one machine's cores, memory or disk can handle in "
                "the time allowed: the answer then spreads the work over machines."
            ),
        )
    submitted = st.form_submit_button("Recommend", type="primary")

if submitted:
    state = st.session_state
    try:
        state["rec_profile"] = WorkloadProfile.from_mapping(
            {
                "workload": state["rec_workload"],
                "latency_ms": state["rec_latency"] or None,
                "memory_mb": state["rec_memory"],
                "cores": state["rec_cores"],
                "expensive_startup": state["rec_startup"],
                "shared_state": TRI_STATE[state["rec_shared"]],
                "isolation": TRI_STATE[state["rec_isolation"]],
                "releases_gil": TRI_STATE[state["rec_releases_gil"]],
                "io_concurrency": state["rec_io"] or None,
                "task_ms": state["rec_task_ms"] or None,
                "io_wait_ms": state["rec_io_wait"] or None,
                "io_cpu_ms": state["rec_io_cpu"] or None,
                "async_client": TRI_STATE[state["rec_async_client"]],
                "python_build": None if state["rec_build"] == "unsaid" else state["rec_build"],
                "worker_memory_mb": state["rec_worker_memory"] or None,
                "beyond_one_machine": TRI_STATE[state["rec_beyond"]],
            }
        )
    except InputError as error:
        state["rec_profile"] = None
        st.error(plain(error), icon=":material/error:")

calibration_panel()

profile = st.session_state["rec_profile"]
if profile is not None:
    # Answered on every run, so a calibration measured a moment ago feeds the estimates at once.
    try:
        answer = recommend(profile, load_costs(), current=st.session_state["rec_current"])
    except InputError as error:
        answer = None
        st.error(plain(error), icon=":material/error:")
    if answer is not None:
        draw_answer(answer)
        st.subheader("Prove it here")
        if st.button(f"Open the benchmark page with the `{answer.preset}` preset", key="rec_open_bench"):
            st.switch_page("app_pages/benchmark.py", query_params={"preset": answer.preset})
