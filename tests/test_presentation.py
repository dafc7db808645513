"""Presentation mode: the charts' specs fit their labels at the large font, and the address carries the mode.

Vega draws chart labels into the chart (on a canvas past 2000 marks), out of reach of a DOM check, so overlap is
checked here on the specs the ui/ builders return: each bar's band holds a line of its label font, every label
limit is wider than the widest label, and legends sit under the plot. The browser test
(test_browser_presentation.py) checks the rendered heights and the DOM's own labels.
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from engine.bench.sweeps import fit_amdahl, sweep_points
from tests.bench_fakes import make_result
from ui import bench_charts, presentation
from ui.presentation import LARGE, NORMAL, ChartSize, style_chart
from ui.quiz_view import topic_chart

# Average glyph width of the chart font (Source Sans) is about 0.5 em: 0.6 em over-estimates every label's width.
GLYPH_EM = 0.6
LINE_EM = 1.2  # a label's line height
MIN_PLOT_PX = 120  # no chart's plot is thinner than this (the projector bug drew the CPU chart at ~30 px)

MANY = {
    "sequential": 1.0,
    "threads": 0.95,
    "processes": 0.55,
    "asyncio": 1.1,
    "asyncio_threads": 0.8,
    "asyncio_processes": 0.6,
    "interpreters": 0.5,
}


def _text_px(text: str, font_px: int) -> float:
    return len(text) * GLYPH_EM * font_px


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec.get("layer", [spec])


def _legends(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        channel["legend"]
        for layer in _layers(spec)
        for channel in layer.get("encoding", {}).values()
        if isinstance(channel, dict) and isinstance(channel.get("legend"), dict)
    ]


def _y_labels(spec: dict[str, Any]) -> list[str]:
    for layer in _layers(spec):
        y = layer.get("encoding", {}).get("y", {})
        if y.get("type") == "nominal":
            domain = y.get("scale", {}).get("domain")
            if domain:
                return list(domain)
            return [str(row[y["field"]]) for rows in spec["datasets"].values() for row in rows if y["field"] in row]
    return []


@functools.cache
def _charts(size: ChartSize) -> dict[str, tuple[dict[str, Any], int, list[str]]]:
    """Every builder's chart at `size`: (chart, rows of bars or lanes (0: a line chart), the legend labels)."""
    many = make_result(MANY, spread=0.2, workers=4, tasks=8)
    speedups = bench_charts.speedup_frame(many)
    timeline = bench_charts.timeline_frame(many)
    cpu = bench_charts.cpu_frame(many)
    memory = bench_charts.memory_frame(many)
    sweep_results = [make_result({"sequential": 1.0, "processes": 0.5}, workers=w) for w in (1, 2, 3, 4)]
    points = sweep_points(sweep_results, by="workers")
    sweep = bench_charts.sweep_frame(points, fit_amdahl(points, "processes", usable_cores=2))
    runs = [(f"#{n} gil_cpu - Python 3.1{n}.0 (GIL)", make_result(MANY, python_version=f"3.1{n}.0")) for n in (1, 3, 4)]
    compared = bench_charts.compare_frame(runs)
    topics = pd.DataFrame(
        {
            "Topic": ["asyncio and the event loop", "processes", "free-threading"],
            "Questions": [3, 2, 1],
            "Points": ["1.2", "1.5", "1"],
            "Score %": [40.0, 75.0, 100.0],
        }
    )
    band_labels = [bench_charts.BAND_LABELS[band] for band in set(speedups["band"])]
    lanes = int(timeline.groupby("executor")["worker"].nunique().sum())
    cpu_labels = [*cpu["executor"].unique(), *cpu["core"].unique()]
    return {
        "speedup": (bench_charts.speedup_chart(speedups, 2, "usable cores: 2", size), len(speedups), band_labels),
        "timeline": (bench_charts.timeline_chart(timeline, size), lanes, []),
        "cpu": (bench_charts.cpu_chart(cpu, size), 0, cpu_labels),
        "memory": (bench_charts.memory_chart(memory, size), len(memory), []),
        "sweep": (bench_charts.sweep_chart(sweep, "Workers", False, size), 0, list(sweep["series"].unique())),
        "compare": (bench_charts.compare_chart(compared, size), compared["executor"].nunique(), [r for r, _ in runs]),
        "topic": (topic_chart(topics, size), len(topics), []),
    }


@pytest.mark.parametrize("size", [NORMAL, LARGE], ids=["normal", "large"])
@pytest.mark.parametrize("name", ["speedup", "timeline", "cpu", "memory", "sweep", "compare", "topic"])
def test_every_chart_is_as_tall_as_its_rows_need_at_its_font(name: str, size: ChartSize) -> None:
    chart, rows, _ = _charts(size)[name]
    spec = chart.to_dict()
    # Streamlit fits a chart's whole drawing (title, axes, legends) into its height unless autosize is set; with
    # fit-x the height is the plot's alone and the width is the container's, so nothing runs off the card.
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert spec["width"] == "container"
    assert spec["height"] >= MIN_PLOT_PX
    if rows:
        band = spec["height"] / rows
        assert band >= size.row_px
        # A band holds its label's line with as much again to spare: neighbouring labels cannot touch.
        assert band >= 2 * LINE_EM * size.label_px * 0.8


def test_the_large_size_has_larger_fonts_and_rows_than_the_normal_one() -> None:
    assert LARGE.label_px > NORMAL.label_px and LARGE.title_px > NORMAL.title_px
    assert LARGE.row_px / LARGE.label_px >= 2 and NORMAL.row_px / NORMAL.label_px >= 2
    large, normal = _charts(LARGE), _charts(NORMAL)
    assert all(large[name][0].to_dict()["height"] > normal[name][0].to_dict()["height"] for name in large)


def test_compare_bars_stay_visible_with_several_runs_per_executor() -> None:
    chart, executors, runs = _charts(LARGE)["compare"]
    spec = chart.to_dict()
    # yOffset splits each executor's band into one bar per run: each keeps at least a label's height.
    assert spec["height"] / executors / len(runs) >= LARGE.min_bar_px


@pytest.mark.parametrize("name", ["speedup", "timeline", "memory", "compare", "topic"])
def test_bar_labels_fit_their_limit_so_none_is_cut(name: str) -> None:
    spec = _charts(LARGE)[name][0].to_dict()
    labels = _y_labels(spec)
    assert labels, "a chart of bars names its rows"
    limits = [
        layer["encoding"]["y"]["axis"]["labelLimit"]
        for layer in _layers(spec)
        if "axis" in layer.get("encoding", {}).get("y", {})
    ]
    assert limits and min(limits) >= max(_text_px(label, LARGE.label_px) for label in labels)


@pytest.mark.parametrize("name", ["speedup", "cpu", "sweep", "compare"])
def test_legends_sit_under_the_plot_with_whole_labels(name: str) -> None:
    chart, _, labels = _charts(LARGE)[name]
    legends = _legends(chart.to_dict())
    assert legends
    for legend in legends:
        assert legend["orient"] == "bottom"
        assert legend["labelLimit"] >= max(_text_px(label, LARGE.label_px) for label in labels)


def test_style_chart_sets_the_fonts_limits_and_overlap_rule_of_the_mode() -> None:
    frame = bench_charts.memory_frame(make_result(MANY))
    config = style_chart(bench_charts.memory_chart(frame, LARGE), LARGE).to_dict()["config"]
    assert config["axis"]["labelFontSize"] == LARGE.label_px
    assert config["axis"]["titleFontSize"] == LARGE.title_px
    assert config["axis"]["labelLimit"] == LARGE.label_limit_px
    assert config["legend"]["labelFontSize"] == LARGE.label_px
    assert config["legend"]["labelLimit"] == LARGE.legend_limit_px
    # Numbers along an axis that would overlap are thinned out rather than drawn over each other.
    assert config["axisQuantitative"]["labelOverlap"] == "greedy"
    assert config["axisX"]["labelAngle"] == 0


def test_the_speedup_axis_labels_do_not_crowd_the_width() -> None:
    # At 1280x720 the main column is about 900 px; the x axis's labels at the large font must fit it side by side
    # once Vega has thinned them (labelOverlap); the widest speedup label ("10.0") is 4 glyphs.
    assert _text_px("10.0", LARGE.label_px) * 10 < 900


# The toggle and the address, through AppTest.


def _app(**query: str) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=60)
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def test_turning_the_toggle_on_writes_present_1_into_the_address_and_off_removes_it() -> None:
    app = _app()
    assert app.query_params.get(presentation.QUERY_KEY) is None
    app.sidebar.toggle(key=presentation.STATE_KEY).set_value(True).run()
    assert app.query_params[presentation.QUERY_KEY] == "1"
    app.run()  # a later run keeps it
    assert app.query_params[presentation.QUERY_KEY] == "1"
    app.sidebar.toggle(key=presentation.STATE_KEY).set_value(False).run()
    assert presentation.QUERY_KEY not in app.query_params
    assert not any("font-size: 22px" in markdown.value for markdown in app.markdown)


def test_a_reload_with_present_1_keeps_the_mode_and_one_without_it_leaves_it() -> None:
    # A reload is a new session that starts from the address the toggle wrote.
    first = _app()
    first.sidebar.toggle(key=presentation.STATE_KEY).set_value(True).run()
    reloaded = _app(**{key: str(value) for key, value in first.query_params.items()})
    assert reloaded.sidebar.toggle(key=presentation.STATE_KEY).value is True
    assert any("font-size: 22px" in markdown.value for markdown in reloaded.markdown)
    assert reloaded.query_params[presentation.QUERY_KEY] == "1"
    without = _app()
    assert without.sidebar.toggle(key=presentation.STATE_KEY).value is False
    assert not any("font-size: 22px" in markdown.value for markdown in without.markdown)


def test_the_address_value_is_normalised_to_1() -> None:
    app = _app(present="true")
    assert app.sidebar.toggle(key=presentation.STATE_KEY).value is True
    assert app.query_params[presentation.QUERY_KEY] == "1"
    off = _app(present="0")
    assert off.sidebar.toggle(key=presentation.STATE_KEY).value is False
    assert presentation.QUERY_KEY not in off.query_params
