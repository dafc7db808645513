"""Home: the decision framework, what this host can and cannot show, and where to start."""

import pandas as pd
import streamlit as st

from engine.bench.store import measured_here
from engine.host import capabilities
from engine.lesson import framework
from ui import nav
from ui.bench_view import result_store
from ui.host_badge import host
from ui.presentation import presenting
from ui.safe import code, plain

st.title("Concurrency Lab")
st.markdown(
    "Choose a Python concurrency approach for a workload, then **prove the choice with a benchmark on this "
    "host's own cores**. Every number here is measured or computed from a stated model."
)

st.header("Where to start")
learner, teacher, practitioner = st.columns(3)
with learner:
    st.subheader("Learning")
    st.markdown("Classify workloads and pick approaches in the quiz; each wrong answer says why.")
    nav.page_link("quiz", "Start the quiz", icon=":material/quiz:")
    nav.page_link("whats-new", "What changed in 3.13 and 3.14", icon=":material/new_releases:")
with teacher:
    st.subheader("Teaching")
    st.markdown(
        "Turn on **Presentation mode** in the sidebar for large text and charts on a projector "
        "(bookmark it with `?present=1`), then run the GIL demo live."
    )
    nav.page_link("benchmark", "Run the GIL demo", icon=":material/speed:")
with practitioner:
    st.subheader("Deciding")
    st.markdown("Describe your workload, get a recommendation with its reasoning, then measure it here.")
    nav.page_link("recommend", "Get a recommendation", icon=":material/recommend:")
    nav.page_link("results", "Saved benchmark runs", icon=":material/history:")
    nav.page_link("class", "Pool a class's results from every machine", icon=":material/groups:")

st.header("The decision table")
table = pd.DataFrame(
    [
        {
            "Workload": framework.WORKLOAD_TITLES[row.kind],
            "Nature": row.nature,
            "Best approach": framework.APPROACH_TITLES[row.approach],
            "Why": row.why,
            "3.13 / 3.14 notes": row.notes_314,
        }
        for row in framework.DECISION_TABLE
    ]
)
if presenting():
    # Five wide columns do not fit a projector's large type: one card per row reads from the back of the room.
    for row in framework.DECISION_TABLE:
        with st.container(border=True):
            st.markdown(f"#### {framework.WORKLOAD_TITLES[row.kind]} → {framework.APPROACH_TITLES[row.approach]}")
            st.markdown(f"{row.nature} {row.why}")
            st.caption(f"3.13 / 3.14: {row.notes_314}")
else:
    st.table(table.set_index("Workload"))
with st.expander("Where the notes come from"):
    st.markdown(
        "\n".join(
            f"- **{framework.WORKLOAD_TITLES[row.kind]}**: "
            + "; ".join(f"[{title}]({url})" for title, url in row.sources)
            for row in framework.DECISION_TABLE
        )
    )

st.header("The decision tree")
st.caption("Answer from the top; each leaf is a row of the table above.")
st.graphviz_chart(framework.tree_dot(), width="stretch")
st.markdown(
    "\n".join(
        f"- **{question.text}** Yes: {framework.branch_title(question.yes)} No: {framework.branch_title(question.no)}"
        for question in framework.QUESTIONS.values()
    )
)

st.header("What this host can show")
info = host()
facts = pd.DataFrame(
    [
        ("Python", f"{info.python_version} ({info.implementation})"),
        ("Build", "free-threaded" if info.free_threaded_build else "GIL (default build)"),
        ("GIL now", "enabled" if info.gil_enabled else "disabled"),
        ("Logical CPUs", str(info.logical_cpus)),
        ("Usable CPUs (affinity)", str(info.usable_cpus)),
        ("Physical cores", str(info.physical_cpus) if info.physical_cpus is not None else "unknown"),
        ("Memory", f"{info.memory_total_mb:,.0f} MB total, {info.memory_available_mb:,.0f} MB available"),
        ("Default start method", info.default_start_method),
        ("Available start methods", ", ".join(info.start_methods)),
    ],
    columns=["Fact", "Value"],
)
st.table(facts.set_index("Fact"))

st.subheader("Interpreters found")
st.dataframe(
    pd.DataFrame(
        [
            {
                "Path": interpreter.path,
                "Found in": interpreter.source,
                "Version": interpreter.version or "-",
                "Build": interpreter.build if interpreter.ok else "-",
                "GIL": ("on" if interpreter.gil_enabled else "off") if interpreter.ok else "-",
                "Default start method": interpreter.default_start_method or "-",
                "InterpreterPoolExecutor": "yes" if interpreter.interpreter_pool else "no",
                "Status": "ok" if interpreter.supported else (interpreter.reason or "older than 3.10: no benchmarks"),
            }
            for interpreter in info.interpreters
        ]
    ),
    hide_index=True,
    width="stretch",
)

st.subheader("What it can and cannot show")
for capability in capabilities(info):
    # The paths come from the disk and LAB_PYTHONS: drawn as code spans, never as Markdown.
    paths = f" {', '.join(code(path) for path in capability.paths)}." if capability.paths else ""
    if capability.available:
        st.success(f"**{capability.topic}**: {capability.text}{paths}", icon=":material/check_circle:")
    else:
        st.warning(f"**{capability.topic}**: {capability.text}{paths}", icon=":material/info:")
# The line is the store's own wording around saved rows' dates: drawn as plain text all the same.
if (measured := measured_here(result_store().runs())) is not None:
    st.success(plain(measured), icon=":material/speed:")
