"""What the Class page draws and asks: the board's frames and chart, the join link's QR code, who the visitor is.

Frames are built from engine.bench.classroom's groups (the page shows each chart beside a table of the same
figures); the visitor is this browser's owner key and the teacher check the server's rate-limited teacher gate
(both ui.owner). Text from uploads reaches the page only through DataFrames (drawn as text) or ui.safe.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import altair as alt
import pandas as pd
import segno
import streamlit as st

from engine.bench.classroom import ClassBoard, ClassEntry, Group, app_url_from_headers, build_of
from engine.bench.results import EXECUTORS
from engine.bench.store import default_path
from ui import owner
from ui.bench_charts import SERIES_COLOURS

POINT_COLUMNS = ["machine", "executor", "usable cores", "speedup", "low", "high", "build", "python"]
# One colour per executor on every board and group, so a colour means the same executor everywhere (the usual
# baseline, sequential, is grey: it is drawn only when a result's baseline is another executor).
_PALETTE = [*SERIES_COLOURS, "#777777"]
EXECUTOR_COLOURS: dict[str, str] = {
    "sequential": "#999999",
    **{name: _PALETTE[index % len(_PALETTE)] for index, name in enumerate(n for n in EXECUTORS if n != "sequential")},
}


@st.cache_resource
def _board_at(path: str) -> ClassBoard:
    return ClassBoard(path)


def class_board() -> ClassBoard:
    """The class boards in the results database of LAB_DATA_DIR (one per folder)."""
    return _board_at(str(default_path()))


def visitor_owner() -> str:
    """The key a visitor's uploads are counted under (for the per-visitor bound): this browser's owner key
    (ui.owner, kept in its cookie, so a reload keeps it). The nickname is only the name shown on the board."""
    return owner.owner_key()


def is_teacher(entered: str) -> bool:
    """Whether this browser is the teacher: signed in already (the sidebar's form, or this page before), else
    `entered` is the teacher key, checked by the server's one rate-limited gate (ui.owner, engine.bench.access).
    A rerun with the same wrong key is not another attempt; TooManyAttempts when attempts come too fast."""
    gate = owner.teacher_gate()
    if gate.is_teacher(owner.owner_key()):
        return True
    wrong = st.session_state.setdefault("class_teacher_wrong", set())
    if not entered or entered in wrong:
        return False
    if gate.attempt(owner.owner_key(), entered):
        return True
    wrong.add(entered)
    return False


def app_address() -> str | None:
    """The app's address as the visitor's browser shows it (st.context.url), else from the request's Host header."""
    url = st.context.url
    if url:
        return url
    try:
        headers = dict(st.context.headers)
    except (AttributeError, RuntimeError):
        headers = {}
    return app_url_from_headers(headers)


def qr_png(payload: str, scale: int = 8) -> bytes:
    """A QR code of `payload` as PNG bytes (segno, error correction M, the standard four-module quiet zone)."""
    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def machine_label(entry_id: int, nickname: str) -> str:
    """A machine's name on the board: the nickname and the entry id (two students may pick one nickname)."""
    return f"{nickname} (#{entry_id})"


def points_frame(group: Group) -> pd.DataFrame:
    """One row per machine and executor: its usable cores and speedup (the chart's points)."""
    rows = [
        {
            "machine": machine_label(point.entry_id, point.nickname),
            "executor": point.executor,
            "usable cores": point.usable_cpus,
            "speedup": round(point.speedup, 3),
            "low": None if point.low is None else round(point.low, 3),
            "high": None if point.high is None else round(point.high, 3),
            "build": point.build,
            "python": point.python_version,
        }
        for point in group.points
    ]
    return pd.DataFrame(rows, columns=POINT_COLUMNS)


def spread_frame(group: Group) -> pd.DataFrame:
    """The class's spread per executor: machines, median, quartiles and range of the speedups."""
    return pd.DataFrame(
        [
            {
                "executor": item.executor,
                "machines": item.machines,
                "median": round(item.median, 3),
                "quartile 1": None if item.q1 is None else round(item.q1, 3),
                "quartile 3": None if item.q3 is None else round(item.q3, 3),
                "lowest": round(item.low, 3),
                "highest": round(item.high, 3),
            }
            for item in group.spreads
        ]
    )


def builds_frame(entries: Sequence[ClassEntry]) -> pd.DataFrame:
    """Who ran which build: each machine's interpreter, build, GIL state and cores."""
    return pd.DataFrame(
        [
            {
                "machine": machine_label(entry.id, entry.nickname),
                "python": entry.result.host.python_version,
                "implementation": entry.result.host.implementation or "not recorded",
                "build": build_of(entry.result.host),
                "GIL": "enabled" if entry.result.host.gil_enabled else "disabled",
                "usable cores": entry.result.host.usable_cpus,
                "logical cores": entry.result.host.logical_cpus,
                "platform": entry.result.host.platform or "not recorded",
                "file": entry.file_name,
            }
            for entry in entries
        ]
    )


def class_chart(frame: pd.DataFrame) -> alt.FacetChart:
    """Per executor side by side: each machine's speedup against its usable cores, and the ideal line y = x.

    Points are coloured by executor and shaped by build; a vertical bar is the machine's interval, if it gave one.
    """
    top = max(2, int(frame["usable cores"].max()) + 1) if not frame.empty else 2
    executors = list(dict.fromkeys(frame["executor"]))
    ideal = pd.DataFrame(
        [{"executor": name, "usable cores": cores, "ideal": cores} for name in executors for cores in (0, top)]
    )
    data = pd.concat([frame.assign(series="machine"), ideal.assign(series="ideal")], ignore_index=True)
    x = alt.X("usable cores:Q", title="Usable cores", scale=alt.Scale(domain=[0, top]))
    colour = alt.Color(
        "executor:N",
        title="Executor",
        scale=alt.Scale(domain=executors, range=[EXECUTOR_COLOURS[name] for name in executors]),
        legend=alt.Legend(orient="bottom"),
    )
    ideal_line = (
        alt.Chart()
        .transform_filter("datum.series == 'ideal'")
        .mark_line(strokeDash=[6, 4], color="#555555")
        .encode(x=x, y=alt.Y("ideal:Q", title="Speedup (x)"))
    )
    intervals = (
        alt.Chart()
        .transform_filter("datum.series == 'machine' && isValid(datum.low)")
        .mark_rule(strokeWidth=2)
        .encode(x=x, y="low:Q", y2="high:Q", color=colour)
    )
    points = (
        alt.Chart()
        .transform_filter("datum.series == 'machine'")
        .mark_point(filled=True, size=110, opacity=0.85)
        .encode(
            x=x,
            y=alt.Y("speedup:Q", title="Speedup (x)"),
            color=colour,
            shape=alt.Shape("build:N", title="Build", legend=alt.Legend(orient="bottom")),
            tooltip=["machine", "executor", "usable cores", "speedup", "build", "python"],
        )
    )
    return (
        alt.layer(ideal_line, intervals, points, data=data)
        .properties(width=220, height=220)
        .facet(facet=alt.Facet("executor:N", title=None, sort=executors), columns=3)
        .properties(title="Speedup against usable cores, per executor")
    )
