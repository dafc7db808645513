"""A result's charts are built once per server, not once per visit: a class opening Results pays for them once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.bench.results import BenchResult
from engine.bench.store import ResultStore
from ui import bench_charts, bench_view

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "app_pages" / "results.py")
SAMPLE = ROOT / "tests" / "data" / "sample_result.json"


def test_a_second_session_draws_the_same_charts_without_building_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    ResultStore(tmp_path / "results.sqlite3").save(BenchResult.from_dict(json.loads(SAMPLE.read_text())))
    if hasattr(bench_view, "_chart_specs"):  # another test's charts must not count here
        bench_view._chart_specs.clear()
    built = []
    speedup_chart = bench_charts.speedup_chart

    def counted(*args: object, **kwargs: object) -> object:
        built.append(1)
        return speedup_chart(*args, **kwargs)

    monkeypatch.setattr(bench_charts, "speedup_chart", counted)
    first = AppTest.from_file(PAGE, default_timeout=30).run()
    second = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not first.exception and not second.exception
    specs = [[chart.proto.spec for chart in at.get("vega_lite_chart")] for at in (first, second)]
    assert len(specs[0]) == 4 and specs[0] == specs[1], "the second visit must draw the same four charts"
    assert '"field": "verdict"' in specs[1][0]
    assert len(built) == 1, "the speedup chart must be built once, not once per visit"
