"""Presentation mode for projectors: larger text and charts on every page.

The toggle lives in app.py's sidebar (key `present`), so it survives page switches. The address carries the
mode: `?present=1` turns it on when a session starts (a bookmark, a reload), and the toggle writes it back on
every run (Streamlit clears query parameters on a page switch), so the address always says what is shown.

Charts are sized here too: `chart_size()` gives the fonts and the room per bar for the current mode, and the
builders in ui/bench_charts.py and ui/quiz_view.py take it, so a chart's height grows with its bars and its
font instead of squeezing the bars into a fixed height.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import streamlit as st

STATE_KEY = "present"
QUERY_KEY = "present"
QUERY_ON = "1"
_ON_VALUES = ("1", "true", "yes")


@dataclass(frozen=True)
class ChartSize:
    """Fonts and space of a chart in one mode, in CSS pixels.

    `row_px` is the height of one bar (or one lane of the timeline) with its gap: at least twice the label
    font, so a label never reaches its neighbour's. `plot_px` is the plot height of a chart without rows (a
    line over time). `label_limit_px` is where an axis label would be cut; labels are shorter than it.
    """

    label_px: int
    title_px: int
    row_px: int
    plot_px: int
    label_limit_px: int
    legend_limit_px: int

    @property
    def min_bar_px(self) -> int:
        """The thinnest bar a grouped chart draws (one run of several in an executor's row)."""
        return self.label_px

    def rows_height(self, rows: int) -> int:
        """The plot height for `rows` bars or lanes (never below half a line chart's)."""
        return max(rows * self.row_px, self.plot_px // 2)


# Streamlit fits a chart's whole drawing into its height unless the spec sets autosize: fit the width only, so
# the plot keeps its height and the title, axes and legends are added around it.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")

NORMAL = ChartSize(label_px=12, title_px=14, row_px=28, plot_px=260, label_limit_px=300, legend_limit_px=500)
LARGE = ChartSize(label_px=18, title_px=22, row_px=44, plot_px=340, label_limit_px=480, legend_limit_px=900)

# Presentation mode's CSS: Streamlit sizes in rem, so the root font enlarges everything; the rest keeps what
# grew from being cut: side padding (rem too) shrinks back, and buttons, page links and the sidebar's page
# names wrap instead of ending in "...".
_LARGE_TEXT_CSS = """
<style>
html { font-size: 22px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.15rem; }
[data-testid="stDataFrame"], [data-testid="stTable"] { font-size: 1.1rem; }
[data-testid="stMainBlockContainer"] { padding-left: 1.5rem; padding-right: 1.5rem; max-width: 100%; }
/* Diagrams drawn at their natural size stay small: let them fill the width. */
[data-testid="stGraphVizChart"] svg { width: 100% !important; height: auto !important; }
/* Labels wrap rather than end in an ellipsis. */
[data-testid="stButton"] button, [data-testid="stDownloadButton"] button,
[data-testid="stFormSubmitButton"] button, [data-testid="stPageLink"] a {
  height: auto; max-width: 100%; text-align: left;
}
[data-testid="stButton"] button *, [data-testid="stDownloadButton"] button *,
[data-testid="stFormSubmitButton"] button *, [data-testid="stPageLink"] a *,
[data-testid="stSidebarNavLink"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere;
}
[data-testid="stSidebarNavLink"] { height: auto; }
</style>
"""


def init_from_query() -> None:
    """Seed the toggle from the address when a session starts: `?present=1` on, anything else off."""
    if STATE_KEY not in st.session_state:
        st.session_state[STATE_KEY] = st.query_params.get(QUERY_KEY) in _ON_VALUES


def sync_query() -> None:
    """Write the mode into the address (called by app.py after the toggle): `?present=1` when on, none when off.

    A reload then starts the new session in the same mode; a page switch, which clears the address, gets it back.
    """
    if presenting():
        if st.query_params.get(QUERY_KEY) != QUERY_ON:
            st.query_params[QUERY_KEY] = QUERY_ON
    elif QUERY_KEY in st.query_params:
        del st.query_params[QUERY_KEY]


def presenting() -> bool:
    """Whether presentation mode is on for this session."""
    return bool(st.session_state.get(STATE_KEY, False))


def chart_size() -> ChartSize:
    """The chart sizes for the current mode."""
    return LARGE if presenting() else NORMAL


def apply_large_text() -> None:
    """Enlarge the page's text when presenting (called once per run by app.py)."""
    if presenting():
        st.markdown(_LARGE_TEXT_CSS, unsafe_allow_html=True)


def style_chart(chart: alt.TopLevelMixin, size: ChartSize | None = None) -> alt.TopLevelMixin:
    """A chart with fonts sized for the current mode (larger when presenting): axis labels kept whole up to
    the mode's limit, and x labels that would overlap thinned out (Vega-Lite's labelOverlap)."""
    size = size or chart_size()
    label, title = size.label_px, size.title_px
    return (
        chart.configure_axis(
            labelFontSize=label, titleFontSize=title, labelLimit=size.label_limit_px, titleLimit=size.legend_limit_px
        )
        .configure_axisQuantitative(labelOverlap="greedy", labelFlush=True)
        .configure_axisX(labelAngle=0)
        .configure_legend(
            labelFontSize=label,
            titleFontSize=title,
            labelLimit=size.legend_limit_px,
            symbolSize=label * label,
            rowPadding=label // 3,
        )
        .configure_title(fontSize=title + 2, limit=size.legend_limit_px)
        .configure_header(labelFontSize=label, titleFontSize=title, labelLimit=size.label_limit_px)
    )
