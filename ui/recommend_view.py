"""Drawing a Recommendation on the recommend page: panels for the answer, its path, numbers and guide.

Streamlit only: every figure drawn here comes from engine.lesson.recommend with its basis. Its sentences can
name a calibration's interpreter path and version (from a file), so they are drawn through `prose`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.lesson import framework
from engine.lesson.recommend import Recommendation
from ui.safe import prose

TRI_STATE: dict[str, bool | None] = {"unsaid": None, "yes": True, "no": False}


def draw_answer(recommendation: Recommendation) -> None:
    """The recommendation with its reasoning, then the other panels in tabs."""
    st.success(f"**{recommendation.title}** (`{recommendation.approach}`)", icon=":material/recommend:")
    st.markdown("\n".join(f"- {prose(reason)}" for reason in recommendation.reasoning))
    path_tab, numbers_tab, alternatives_tab, template_tab, guide_tab = st.tabs(
        ["Decision path", "Estimates", "Alternatives", "Benchmark template", "Migration guide"]
    )
    with path_tab:
        st.graphviz_chart(framework.tree_dot(recommendation.decision), width="stretch")
        st.markdown("\n".join(f"1. {prose(step)}" for step in recommendation.decision_path))
    with numbers_tab:
        draw_estimates(recommendation)
    with alternatives_tab:
        table = pd.DataFrame(
            [
                {
                    "Approach": framework.APPROACH_TITLES[alternative.approach],
                    "When it wins": alternative.when,
                    "Trade-off": alternative.tradeoff,
                }
                for alternative in recommendation.alternatives
            ],
            columns=["Approach", "When it wins", "Trade-off"],
        )
        st.table(table.set_index("Approach"))
    with template_tab:
        st.download_button(
            "Download the benchmark template",
            data=recommendation.benchmark_template,
            file_name=f"bench_{recommendation.approach}.py",
            mime="text/x-python",
            icon=":material/download:",
            key="rec_download",
        )
        st.caption("Standard library only. Put your work in fetch/compute, then run it; --quick for a tiny run.")
        st.code(recommendation.benchmark_template, language="python")
    with guide_tab:
        effort = recommendation.migration_effort
        st.markdown(f"**Migration effort: {prose(effort.level)}.** {prose(effort.why)}.")
        guide = enumerate(recommendation.migration_guide, 1)
        st.markdown("\n".join(f"{number}. {prose(step)}" for number, step in guide))


def draw_estimates(recommendation: Recommendation) -> None:
    """Expected speedup and memory against the budget, each with the basis it was computed from."""
    speedup = recommendation.expected_speedup
    memory = recommendation.memory
    speed_col, memory_col = st.columns(2)
    with speed_col:
        expected, ideal = st.columns(2)
        if speedup.value is None:
            expected.metric("Expected speedup", "not estimated")
        else:
            expected.metric(
                "Expected speedup", f"{speedup.value:.2f}x", help=f"range {speedup.low:.2f}x to {speedup.high:.2f}x"
            )
        ideal.metric(
            "Ideal bound",
            "none" if speedup.ideal is None else f"{speedup.ideal:g}x",
            help="With no costs at all: the cores for CPU work, the waits in flight for I/O. Not the expectation.",
        )
        if speedup.value is not None:
            st.caption(f"Range {speedup.low:.2f}x to {speedup.high:.2f}x.")
        st.caption(f"Basis: {prose(speedup.basis)}.")
        if recommendation.latency is not None:
            st.caption(f"Latency: {prose(recommendation.latency.basis)}.")
    with memory_col:
        st.metric("Memory added by the workers", f"{memory.total_mb:.3f} MB")
        verdict = "fits" if memory.fits else "does NOT fit"
        st.caption(
            f"{memory.workers} worker(s) x {memory.per_worker_mb:.3f} MB: {verdict} the {memory.budget_mb:g} MB "
            f"budget. Basis: {prose(memory.basis)}."
        )
