"""Presentation mode for projectors: larger text and charts on every page.

The toggle lives in app.py's sidebar (key `present`), so it survives page
switches; `?present=1` in the address turns it on for a bookmarked link.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

STATE_KEY = "present"

_LARGE_TEXT_CSS = """
<style>
html { font-size: 22px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.15rem; }
[data-testid="stDataFrame"], [data-testid="stTable"] { font-size: 1.1rem; }
/* Diagrams drawn at their natural size stay small: let them fill the width. */
[data-testid="stGraphVizChart"] svg { width: 100% !important; height: auto !important; }
</style>
"""


def init_from_query() -> None:
    """Seed the toggle from `?present=1` the first time a session sees it."""
    if STATE_KEY not in st.session_state:
        st.session_state[STATE_KEY] = st.query_params.get("present") in ("1", "true", "yes")


def presenting() -> bool:
    """Whether presentation mode is on for this session."""
    return bool(st.session_state.get(STATE_KEY, False))


def apply_large_text() -> None:
    """Enlarge the page's text when presenting (called once per run by app.py)."""
    if presenting():
        st.markdown(_LARGE_TEXT_CSS, unsafe_allow_html=True)


def style_chart(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """A chart with fonts sized for the current mode (larger when presenting)."""
    label, title = (18, 22) if presenting() else (12, 14)
    return (
        chart.configure_axis(labelFontSize=label, titleFontSize=title)
        .configure_legend(labelFontSize=label, titleFontSize=title)
        .configure_title(fontSize=title + 2)
        .configure_header(labelFontSize=label, titleFontSize=title)
    )
