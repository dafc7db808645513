"""Home through AppTest: the decision table, the host facts and the presentation toggle."""

from streamlit.testing.v1 import AppTest

from engine.lesson import framework


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


def test_home_says_free_threaded_figures_are_not_measured_without_such_an_interpreter():
    app = run_app()
    warnings = " ".join(warning.value for warning in app.warning)
    assert "free-threaded figures are not measured on this host" in warnings


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
