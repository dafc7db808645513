"""What's new in 3.13/3.14 for concurrency: the changes with their sources, where the lesson is wrong, and
what this host's interpreters show. Every text comes from the facts table (engine.lesson.facts) via whats_new."""

import pandas as pd
import streamlit as st

from engine.bench.store import measured_here
from engine.lesson import whats_new
from ui.bench_view import result_store
from ui.host_badge import interpreters
from ui.safe import plain

VERDICT_LABEL = {"true": "True", "partly": "Partly true", "false": "False", "not found": "Not found"}


def sources_caption(sources: tuple[tuple[str, str], ...]) -> None:
    st.caption("Source: " + "; ".join(f"[{title}]({url})" for title, url in sources))


st.title("What's new in 3.13 and 3.14")
st.markdown(
    "The changes that matter when you choose a concurrency approach, each with a link to where it is documented."
)

for version in ("3.14", "3.13"):
    st.header(f"Python {version}")
    for change in (change for change in whats_new.CHANGES if change.version == version):
        with st.container(border=True):
            st.markdown(f"**{change.title}**")
            st.markdown(change.what)
            sources_caption(change.sources)

st.header("The lesson says / what holds")
st.markdown("The lesson this app grew from gets some of these wrong. Here is each claim checked against its source.")
for correction in whats_new.CORRECTIONS:
    with st.container(border=True):
        says, holds = st.columns(2)
        says.markdown(f"**The lesson says:** {correction.lesson_says}")
        holds.markdown(f"**What holds ({VERDICT_LABEL[correction.verdict]}):** {correction.what_holds}")
        sources_caption(correction.sources)

st.header("On this host")
st.markdown(
    "Each Python found here, probed in its own process: its build, whether the GIL is on, the start method "
    "multiprocessing uses by default, and whether InterpreterPoolExecutor exists."
)
rows = whats_new.live_facts(interpreters())
if rows:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Python": row.version,
                    "Build": row.build,
                    "GIL on now": row.gil_enabled,
                    "Default start method": row.default_start_method,
                    "InterpreterPoolExecutor": row.interpreter_pool,
                    "Note": row.note,
                    "Path": row.label,
                }
                for row in rows
            ]
        ),
        hide_index=True,
    )
else:
    st.warning("No working Python interpreter was found on this host.")
if (measured := measured_here(result_store().runs())) is not None:
    st.success(plain(measured), icon=":material/speed:")
elif not any(row.build == "free-threaded" for row in rows):
    st.info(
        "No free-threaded build was found here, so the free-threading facts above are from the sources, not "
        "measured on this host."
    )

st.header("Try `python -m asyncio ps` and `pstree`")
st.markdown("\n".join(f"1. {step}" for step in whats_new.ASYNCIO_PS_STEPS))
st.code("python3.14 -m asyncio ps 12345\npython3.14 -m asyncio pstree 12345", language="bash")
sources_caption(whats_new.asyncio_ps_sources())
