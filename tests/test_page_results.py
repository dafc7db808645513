"""The Results page under AppTest: import of a good and a bad file, history, compare, delete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.bench.store import ResultStore
from tests.bench_fakes import make_comparison, make_result

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "app_pages" / "results.py")
SAMPLE = ROOT / "tests" / "data" / "sample_result.json"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ResultStore:
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    return ResultStore(tmp_path / "results.sqlite3")


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.get("file_uploader")[0].set_value((name, data, "application/json"))
    return at.run()


def test_empty_history_says_where_runs_come_from(store: ResultStore) -> None:
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception
    assert "No saved runs yet" in at.info[0].value


def test_importing_the_sample_file_saves_it_and_draws_it(store: ResultStore) -> None:
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    at = _upload(at, "sample_result.json", SAMPLE.read_bytes())
    assert not at.exception and not at.error
    assert at.success[0].value == "sample_result.json imported as run #1."
    (record,) = store.runs()
    assert (record.source, record.kernel) == ("import", "primes")
    assert at.multiselect(key="results_chosen").value == [1]
    assert '"field": "verdict"' in at.get("vega_lite_chart")[0].proto.spec
    at.run()
    assert len(store.runs()) == 1, "a rerun must not import the same upload twice"


def test_a_bad_file_gets_one_clear_message_and_nothing_is_saved(store: ResultStore) -> None:
    kept = store.save(make_result(), preset="gil_cpu")
    document = json.loads(SAMPLE.read_text())
    document["version"] = 99
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    at = _upload(at, "future.json", json.dumps(document).encode())
    assert [error.value for error in at.error] == [
        "future.json was not imported: version: is 99; accepted: 1 or 2 or 3"
    ]
    assert [record.id for record in store.runs()] == [kept]
    at = _upload(at, "not-json.json", b"{half a document")
    assert at.error[0].value.startswith("not-json.json was not imported: file: is not JSON")
    assert [record.id for record in store.runs()] == [kept]


def test_compare_two_runs_side_by_side(store: ResultStore) -> None:
    first = store.save(make_result(python_version="3.11.7"), preset="gil_cpu")
    second = store.save(make_result({"sequential": 1.0, "threads": 0.6, "processes": 0.55}, python_version="3.13.0"))
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    at.multiselect(key="results_chosen").set_value([first, second]).run()
    assert not at.exception
    table_columns = [f"#{first} gil_cpu - Python 3.11.7 (GIL)", f"#{second} primes - Python 3.13.0 (GIL)"]
    assert [header.value for header in at.subheader] == ["History", "Side by side", *table_columns]
    compare = at.get("vega_lite_chart")[0].proto.spec
    assert "Chosen runs side by side" in compare and '"yOffset"' in compare
    table = at.dataframe[1].value
    assert list(table.columns) == table_columns
    assert table.loc["threads"].round(2).tolist() == [0.98, 1.67]


def test_delete_removes_only_the_chosen_runs(store: ResultStore) -> None:
    first = store.save(make_result())
    second = store.save(make_result())
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    at.multiselect(key="results_chosen").set_value([second]).run()
    at.button(key="results_delete").click().run()
    assert not at.exception
    assert [record.id for record in store.runs()] == [first]
    assert at.multiselect(key="results_chosen").value == [first]


def test_a_run_from_a_sweep_draws_its_whole_sweep(store: ResultStore) -> None:
    for workers in (1, 2, 3):
        median = 1.0 / min(workers, 2)
        store.save(
            make_result({"sequential": 1.0, "processes": median}, workers=workers),
            preset="scaling_workers",
            sweep_group="g",
        )
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception
    assert "**The sweep this run belongs to** (Scaling with workers)" in [markdown.value for markdown in at.markdown]
    assert "Speedup along the sweep" in at.get("vega_lite_chart")[0].proto.spec
    assert any("parallel fraction 100%" in markdown.value for markdown in at.markdown)


def test_a_saved_comparison_is_drawn_as_one_comparison(store: ResultStore) -> None:
    run_id = store.save_comparison(make_comparison(), preset="free_threading")
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception
    assert at.multiselect(key="results_chosen").value == [run_id]
    specs = [chart.proto.spec for chart in at.get("vega_lite_chart")]
    side_by_side = next(spec for spec in specs if "under each interpreter and GIL" in spec)
    assert '"field": "variant"' in side_by_side and "errorbar" in side_by_side
    text = " ".join(str(element.value) for element in at.markdown)
    assert "The single-thread cost of free-threading" in text and "about 5-10%" in text
    assert [tab.label for tab in at.tabs] == [
        "Python 3.14.7 free-threaded, GIL off",
        "Python 3.14.7 GIL build",
    ]
