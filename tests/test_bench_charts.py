"""Benchmark charts read from their Vega-Lite specs: bands, rules, the core line, lanes and sweeps."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from engine.bench.sweeps import fit_amdahl, sweep_points
from tests.bench_fakes import make_comparison, make_result
from ui import bench_charts
from ui.presentation import NORMAL


def _datasets(spec: dict[str, Any]) -> list[list[dict[str, Any]]]:
    return list(spec["datasets"].values())


def _rows_with(spec: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [row for rows in _datasets(spec) for row in rows if key in row]


def test_speedup_bars_are_coloured_by_band_with_okabe_ito_colours() -> None:
    result = make_result({"sequential": 1.0, "threads": 1.1, "processes": 0.45, "asyncio": 1.3})
    frame = bench_charts.speedup_frame(result)
    assert dict(zip(frame["executor"], frame["band"], strict=True)) == {
        "sequential": "baseline",
        "threads": "dont_use",
        "processes": "clear_winner",
        "asyncio": "dont_use",
    }
    spec = bench_charts.speedup_chart(frame, cores=2).to_dict()
    colour = spec["layer"][0]["encoding"]["color"]
    assert colour["field"] == "band_label"
    assert dict(zip(colour["scale"]["domain"], colour["scale"]["range"], strict=True)) == {
        "baseline": "#999999",
        "< 1.0x slower than baseline: don't use": "#D55E00",
        "> 2.0x clear winner": "#009E73",
    }
    assert set(colour["scale"]["range"]) <= {*bench_charts.OKABE_ITO.values(), "#999999"}


def test_speedup_chart_draws_each_interval_as_an_error_bar_and_the_table_shows_it() -> None:
    result = make_result({"sequential": 1.0, "threads": 1.0, "processes": 0.8}, spread=0.3)
    frame = bench_charts.speedup_frame(result)
    processes = frame[frame["executor"] == "processes"].iloc[0]
    assert processes["low"] <= processes["speedup"] <= processes["high"]
    assert processes["interval"] == f"{processes['low']:.2f}-{processes['high']:.2f}x"
    assert processes["band"] == "between" and "between 'don't use' and 'worth considering'" in processes["verdict"]
    spec = bench_charts.speedup_chart(frame, cores=2).to_dict()
    bars = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "errorbar"]
    assert len(bars) == 1
    assert (bars[0]["encoding"]["x"]["field"], bars[0]["encoding"]["x2"]["field"]) == ("low", "high")


def test_a_disturbed_run_shows_no_band_in_the_chart() -> None:
    frame = bench_charts.speedup_frame(make_result(disturbed=True))
    assert set(frame["band"]) == {"baseline", "none"}
    assert (frame["verdict"][1:] == "withheld: the run was disturbed").all()


def test_speedup_chart_has_band_rules_and_the_usable_core_line() -> None:
    frame = bench_charts.speedup_frame(make_result(usable_cpus=4))
    spec = bench_charts.speedup_chart(frame, cores=4).to_dict()
    rule_values = sorted(row["speedup"] for row in _rows_with(spec, "label") if row["label"].endswith("x"))
    assert rule_values == [1.0, 1.2, 2.0]
    (core_row,) = [row for row in _rows_with(spec, "label") if row["label"].startswith("usable cores")]
    assert core_row == {"speedup": 4.0, "label": "usable cores: 4"}
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"][1] >= 4.0
    # The plot is one row per executor tall; the legend and title are added around it (autosize fits the width).
    assert spec["height"] == max(NORMAL.row_px * len(frame), NORMAL.plot_px // 2)
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}


def test_speedup_frame_carries_the_lessons_wording() -> None:
    frame = bench_charts.speedup_frame(make_result({"sequential": 1.0, "processes": 0.4}))
    assert frame.loc[1, "verdict"] == "> 2.0x clear winner"
    assert frame.loc[1, "speedup"] == pytest.approx(2.5)


def test_timeline_has_one_lane_per_worker_and_one_bar_per_task_per_executor() -> None:
    result = make_result({"sequential": 1.0, "processes": 0.5}, tasks=6, workers=3)
    frame = bench_charts.timeline_frame(result)
    assert len(frame) == 12
    assert frame.groupby("executor")["worker"].nunique().to_dict() == {"sequential": 1, "processes": 3}
    spec = bench_charts.timeline_chart(frame).to_dict()
    # One view (a facet cannot fit its container): a lane per executor's worker, the run's executors in order.
    lanes = ["sequential w0", "processes w0", "processes w1", "processes w2"]
    assert spec["encoding"]["y"]["field"] == "lane"
    assert spec["encoding"]["y"]["scale"]["domain"] == lanes
    assert spec["transform"] == [{"calculate": "datum.executor + ' ' + datum.worker", "as": "lane"}]
    assert (spec["encoding"]["x"]["field"], spec["encoding"]["x2"]["field"]) == ("start_s", "end_s")
    assert spec["width"] == "container" and spec["height"] == max(NORMAL.row_px * len(lanes), NORMAL.plot_px // 2)


def test_cpu_chart_draws_one_line_per_core_over_stretches_of_each_executor() -> None:
    frame = bench_charts.cpu_frame(make_result())
    assert sorted(frame["core"].unique()) == ["core 0", "core 1"]
    spec = bench_charts.cpu_chart(frame).to_dict()
    shading, lines = spec["layer"]
    assert lines["mark"]["type"] == "line"
    assert lines["encoding"]["strokeDash"]["field"] == "core"
    assert lines["encoding"]["y"]["scale"]["domain"] == [0, 100]
    assert shading["encoding"]["color"]["field"] == "executor"


def test_cpu_phases_follow_interleaved_repeats() -> None:
    frame = pd.DataFrame(
        {
            "t_s": [0.1, 0.2, 0.3, 0.4, 0.5],
            "core": ["core 0"] * 5,
            "cpu_percent": [50.0] * 5,
            "executor": ["(starting)", "sequential", "threads", "threads", "sequential"],
        }
    )
    phases = bench_charts.cpu_phases(frame)
    assert phases.to_dict("records") == [
        {"executor": "(starting)", "from_s": 0.0, "to_s": 0.1},
        {"executor": "sequential", "from_s": 0.1, "to_s": 0.2},
        {"executor": "threads", "from_s": 0.2, "to_s": 0.4},
        {"executor": "sequential", "from_s": 0.4, "to_s": 0.5},
    ]


def test_memory_chart_shows_peak_rss_per_executor() -> None:
    frame = bench_charts.memory_frame(make_result())
    assert frame.set_index("executor")["peak_rss_mb"].to_dict() == {
        "sequential": 12.0,
        "threads": 12.0,
        "processes": 30.0,
    }
    assert bench_charts.memory_chart(frame).to_dict()["encoding"]["x"]["field"] == "peak_rss_mb"


def test_worker_sweep_chart_has_measured_ideal_and_amdahl_series() -> None:
    results = [make_result({"sequential": 1.0, "processes": 1.0 / min(n, 2) * 1.05}, workers=n) for n in (1, 2, 3)]
    points = sweep_points(results, by="workers")
    fit = fit_amdahl(points, "processes", usable_cores=2)
    frame = bench_charts.sweep_frame(points, fit)
    series = list(dict.fromkeys(frame["series"]))
    assert series[0] == "processes"
    assert series[1] == "ideal (one per worker)"
    assert series[2].startswith("Amdahl fit, p = ")
    # One per worker up to the host's 2 cores, then flat: the text says "ideal: 2.00x".
    assert frame[frame["series"] == series[1]]["speedup"].tolist() == [1.0, 2.0, 2.0]
    assert "ideal: 2.00x" in fit.sentence
    spec = bench_charts.sweep_chart(frame, "Workers", log_x=False).to_dict()
    assert spec["layer"][0]["encoding"]["strokeDash"]["field"] == "basis"


def test_size_sweep_chart_uses_a_log_axis() -> None:
    results = [
        make_result({"sequential": size / 1e4, "processes": size / 2e4 + 0.05}, size=size) for size in (100, 10000)
    ]
    frame = bench_charts.sweep_frame(sweep_points(results, by="size"))
    assert set(frame["basis"]) == {"measured"}
    spec = bench_charts.sweep_chart(frame, "Task size", log_x=True).to_dict()
    assert spec["layer"][0]["encoding"]["x"]["scale"]["type"] == "log"


def test_compare_puts_each_run_beside_the_others_per_executor() -> None:
    runs = [
        ("#1 gil_cpu - Python 3.11.7 (GIL)", make_result(python_version="3.11.7")),
        ("#2 gil_cpu - Python 3.13.0 (GIL off)", make_result({"sequential": 1.0, "threads": 0.5}, gil_enabled=False)),
    ]
    frame = bench_charts.compare_frame(runs)
    assert frame.groupby("run", sort=False)["executor"].apply(list).to_dict() == {
        runs[0][0]: ["sequential", "threads", "processes"],
        runs[1][0]: ["sequential", "threads (free-threaded)"],
    }
    spec = bench_charts.compare_chart(frame).to_dict()
    assert spec["layer"][0]["encoding"]["yOffset"]["field"] == "run"
    assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == [runs[0][0], runs[1][0]]


def test_a_comparison_is_drawn_side_by_side_with_each_variants_intervals() -> None:
    comparison = make_comparison({"sequential": 1.08, "threads": 0.56}, {"sequential": 1.0, "threads": 1.04})
    frame = bench_charts.variants_frame(comparison)
    assert list(frame["variant"]) == ["Python 3.14.7 free-threaded, GIL off"] * 2 + ["Python 3.14.7 GIL build"] * 2
    threads = frame[frame["executor"] != "sequential"]
    assert threads["speedup"].round(2).tolist() == [round(1.08 / 0.56, 2), round(1.0 / 1.04, 2)]
    spec = bench_charts.variants_chart(frame, 2.0).to_dict()
    layers = spec["layer"]
    assert layers[0]["encoding"]["yOffset"]["field"] == "variant"
    assert layers[1]["mark"]["type"] == "errorbar" and layers[1]["encoding"]["x2"]["field"] == "high"
    cost = bench_charts.cost_frame(comparison)
    assert cost["ratio"].tolist() == [pytest.approx(1.08, abs=0.01), 1.0]


def test_a_comparison_takes_part_in_compare_as_each_of_its_runs() -> None:
    frame = bench_charts.compare_frame([("#1", make_comparison()), ("#2", make_result())])
    assert list(dict.fromkeys(frame["run"])) == [
        "#1: Python 3.14.7 free-threaded, GIL off",
        "#1: Python 3.14.7 GIL build",
        "#2",
    ]
