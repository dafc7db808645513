"""The Results page under AppTest: imports (good, bad, duplicate), paged history, compare, delete that asks first."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.bench.store import HISTORY_PAGE, ResultStore
from tests.bench_fakes import make_comparison, make_result

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "app_pages" / "results.py")
SAMPLE = ROOT / "tests" / "data" / "sample_result.json"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ResultStore:
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    return ResultStore(tmp_path / "results.sqlite3")


def shown(text: str) -> str:
    """What a reader sees of an escaped Markdown string (ui.safe escapes with backslashes)."""
    return re.sub(r"\\(.)", r"\1", text)


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.get("file_uploader")[0].set_value((name, data, "application/json"))
    return at.run()


def _page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=30).run()


def test_empty_history_says_where_runs_come_from(store: ResultStore) -> None:
    at = _page()
    assert not at.exception
    assert "No saved runs yet" in at.info[0].value


def test_importing_the_sample_file_saves_it_draws_it_and_knows_it_again(store: ResultStore) -> None:
    at = _upload(_page(), "sample_result.json", SAMPLE.read_bytes())
    assert not at.exception and not at.error
    assert shown(at.success[0].value) == "sample_result.json: primes - Python 3.11.7 (GIL) imported as run #1."
    (record,) = store.runs()
    assert (record.source, record.kernel) == ("import", "primes")
    assert at.multiselect(key="results_chosen").value == [1]
    assert '"field": "verdict"' in at.get("vega_lite_chart")[0].proto.spec
    at.run()
    assert len(store.runs()) == 1, "a rerun must not import the same upload twice"
    at = _upload(at, "copy.json", SAMPLE.read_bytes())
    assert shown(at.info[0].value) == "copy.json: primes - Python 3.11.7 (GIL) is already saved as run #1."
    assert len(store.runs()) == 1, "the same run uploaded again must not be saved twice"


def test_a_bad_file_gets_one_clear_message_and_nothing_is_saved(store: ResultStore) -> None:
    kept = store.save(make_result(), preset="gil_cpu")
    document = json.loads(SAMPLE.read_text())
    document["version"] = 99
    at = _upload(_page(), "future.json", json.dumps(document).encode())
    assert [shown(error.value) for error in at.error] == [
        "future.json was not imported: version: got 99; accepted: 1 or 2 or 3 or 4"
    ]
    assert [record.id for record in store.runs()] == [kept]
    at = _upload(at, "not-json.json", b"{half a document")
    assert shown(at.error[0].value).startswith("not-json.json was not imported: file: is not JSON")
    assert [record.id for record in store.runs()] == [kept]


def test_compare_two_runs_side_by_side(store: ResultStore) -> None:
    first = store.save(make_result(python_version="3.11.7"), preset="gil_cpu")
    second = store.save(make_result({"sequential": 1.0, "threads": 0.6, "processes": 0.55}, python_version="3.13.0"))
    at = _page()
    at.multiselect(key="results_chosen").set_value([first, second]).run()
    assert not at.exception
    table_columns = [f"#{first} The GIL and CPU work - Python 3.11.7 (GIL)", f"#{second} primes - Python 3.13.0 (GIL)"]
    assert [shown(header.value) for header in at.subheader] == ["History", "Side by side", *table_columns]
    compare = at.get("vega_lite_chart")[0].proto.spec
    assert "Chosen runs side by side" in compare and '"yOffset"' in compare
    table = at.dataframe[1].value
    assert list(table.columns) == table_columns
    assert table.loc["threads"].round(2).tolist() == [0.98, 1.67]


def test_delete_asks_first_and_deletes_exactly_the_runs_it_listed(store: ResultStore) -> None:
    first = store.save(make_result())
    second = store.save(make_result())
    at = _page()
    at.multiselect(key="results_chosen").set_value([second]).run()
    at.button(key="results_delete").click().run()
    assert [record.id for record in store.runs()] == [second, first], "the first press only asks"
    assert at.text[0].value == f"#{second} primes - Python 3.11.7 (GIL)"
    at.button(key="results_delete_confirm").click().run()
    assert not at.exception
    assert [record.id for record in store.runs()] == [first]
    selector = at.multiselect(key="results_chosen")
    assert selector.value == [], "after a delete nothing is chosen: a second press has nothing to act on"
    assert [option for option in selector.options if option.startswith(f"#{second} ")] == []
    assert "results_pending_delete" not in at.session_state
    assert shown(at.success[0].value) == "Deleted 1 run."


def test_a_question_about_other_runs_is_dropped_when_the_choice_changes(store: ResultStore) -> None:
    first = store.save(make_result())
    second = store.save(make_result())
    at = _page()
    at.multiselect(key="results_chosen").set_value([second]).run()
    at.button(key="results_delete").click().run()
    at.multiselect(key="results_chosen").set_value([first]).run()
    assert "results_pending_delete" not in at.session_state
    assert [button.key for button in at.button if button.key == "results_delete_confirm"] == []
    assert len(store.runs()) == 2


def test_history_is_paged(store: ResultStore) -> None:
    result = make_result()
    for _ in range(HISTORY_PAGE + 5):
        store.save(result)
    at = _page()
    assert not at.exception
    assert len(at.dataframe[0].value) == HISTORY_PAGE
    assert at.number_input(key="results_page").set_value(2).run().dataframe[0].value["run"].tolist() == [5, 4, 3, 2, 1]


def test_text_from_an_imported_file_is_drawn_as_text(store: ResultStore) -> None:
    document = json.loads(SAMPLE.read_text())
    document["warnings"] = ["![x](http://127.0.0.1:9/x.png) [Sign in again](http://127.0.0.1:9/)"]
    document["executors"][1]["label"] = "threads <img src=x> :red[evil]"
    at = _upload(_page(), "crafted.json", json.dumps(document).encode())
    assert not at.exception
    markup = re.compile(r"(?<!\\)(!\[|\]\(|<img|:red\[)")
    drawn = [
        element.value for kind in ("warning", "markdown", "subheader", "success", "info") for element in at.get(kind)
    ]
    assert any("Sign in again" in value for value in drawn)
    assert [value for value in drawn if markup.search(value)] == []


def test_a_saved_comparison_is_drawn_as_one_comparison(store: ResultStore) -> None:
    run_id = store.save_comparison(make_comparison(), preset="free_threading")
    at = _page()
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
