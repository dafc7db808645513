"""Home through AppTest: the decision table, the host facts and the presentation toggle."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.bench.store import ResultStore
from engine.lesson import framework
from tests.bench_fakes import make_comparison, make_result


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Home reads the saved runs: each test gets its own empty store, never the user's.
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    return tmp_path


def run_app(**query: str) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=60)
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def test_home_shows_every_row_of_the_decision_table():
    app = run_app()
    assert not app.exception
    table = app.table[0].value
    assert list(table["Best approach"]) == [framework.APPROACH_TITLES[row.approach] for row in framework.DECISION_TABLE]
    assert list(table.index) == [framework.WORKLOAD_TITLES[row.kind] for row in framework.DECISION_TABLE]


def test_home_lists_host_facts_and_interpreters():
    app = run_app()
    facts = app.table[1].value
    assert "Usable CPUs (affinity)" in facts.index
    assert "Default start method" in facts.index
    interpreters = app.dataframe[0].value
    assert len(interpreters) >= 1
    assert "Build" in interpreters.columns


def test_home_says_whether_free_threaded_figures_can_be_measured_here():
    # The host decides: with a free-threaded interpreter the page names it, without one it says so.
    app = run_app()
    warnings = " ".join(warning.value for warning in app.warning)
    successes = " ".join(success.value for success in app.success)
    assert ("Free-threaded interpreter found" in successes) != (
        "free-threaded figures are not measured on this host" in warnings
    )


def test_presentation_toggle_enlarges_text_and_stays_on():
    app = run_app()
    assert not any("font-size: 22px" in markdown.value for markdown in app.markdown)
    app.sidebar.toggle(key="present").set_value(True).run()
    assert any("font-size: 22px" in markdown.value for markdown in app.markdown)
    app.run()
    assert app.session_state["present"] is True


def test_present_query_parameter_turns_presentation_on():
    app = run_app(present="1")
    assert app.sidebar.toggle(key="present").value is True
    assert any("font-size: 22px" in markdown.value for markdown in app.markdown)


def test_presentation_mode_shows_the_decision_table_as_one_card_per_row():
    app = run_app(present="1")
    cards = [m.value for m in app.markdown if m.value.startswith("#### ")]
    assert cards == [
        f"#### {framework.WORKLOAD_TITLES[row.kind]} → {framework.APPROACH_TITLES[row.approach]}"
        for row in framework.DECISION_TABLE
    ]


def test_home_links_each_rows_sources():
    app = run_app()
    markdown = " ".join(m.value for m in app.markdown)
    for row in framework.DECISION_TABLE:
        for title, url in row.sources:
            assert f"[{title}]({url})" in markdown, row.kind
    assert "FACTS.md" not in markdown


def test_home_calls_the_core_count_affinity_and_names_container_quotas():
    # Issue 10 #14: the count is the CPUs this process may use (affinity); a container's quota may be lower.
    app = run_app()
    shown = " ".join(element.value for element in (*app.success, *app.warning))
    assert "physical limit" not in shown
    badge = " ".join(caption.value for caption in app.sidebar.caption)
    assert "usable cores" not in badge and "affinity" in badge and "quota" in badge
    if any("Parallel speedup" in success.value for success in app.success):
        assert "affinity" in shown and "quota" in shown


def test_home_says_free_threaded_figures_were_measured_once_such_a_run_is_saved(data_dir: Path):
    store = ResultStore(data_dir / "results.sqlite3")
    store.save(make_result())
    assert not any("were measured on this host" in s.value for s in run_app().success)
    run_id = store.save_comparison(make_comparison(), preset="free_threading")
    line = next(s.value for s in run_app().success if "were measured on this host" in s.value)
    assert line.startswith("Free-threaded figures were measured on this host: 1 saved run with the GIL off")
    assert f"#{run_id}" in line
