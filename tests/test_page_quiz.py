"""The quiz page under Streamlit's AppTest: full quizzes to the review screen, feedback, banks, presentation."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.bench.presets import get_preset, presets
from engine.bench.verdicts import verdict_withheld
from engine.lesson import quiz, scenarios
from engine.lesson.scenarios import load_bank
from tests.bench_fakes import make_result
from ui.safe import plain

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "app_pages" / "quiz.py")
TIMEOUT_S = 30
FIXTURE_BANK = ROOT / "tests" / "data" / "quiz_bank.toml"


@pytest.fixture(autouse=True)
def _fixture_bank_is_built_in(monkeypatch, tmp_path):
    # The page draws whatever bank ships; a small bank in the bank's format keeps these tests about the page.
    monkeypatch.setattr(scenarios, "BUILTIN_BANK", FIXTURE_BANK)
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))


def builtin_bank():
    return load_bank(FIXTURE_BANK)


def fresh(**state) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT_S)
    for key, value in state.items():
        app.session_state[key] = value
    return app.run()


def start(app: AppTest, mode: str, count: int, seed: int = 1) -> AppTest:
    app.radio(key="quiz_mode").set_value(mode)
    app.number_input(key="quiz_seed").set_value(seed)
    app.run()
    app.number_input(key="quiz_count").set_value(count)
    app.button(key="quiz_start").click()
    return app.run()


def answer(app: AppTest, position: int, choice: str) -> AppTest:
    app.radio(key=f"quiz_answer_{position}").set_value(choice)
    app.run()
    app.button(key="quiz_check").click()
    return app.run()


def texts(app: AppTest) -> str:
    parts = [m.value for m in app.markdown] + [e.value for e in app.error] + [s.value for s in app.success]
    return "\n".join(parts + [w.value for w in app.warning] + [c.value for c in app.caption])


@pytest.mark.parametrize("mode", ["classify", "approach"])
def test_a_full_quiz_reaches_the_review_with_score_chart_and_mistakes(mode):
    app = start(fresh(), mode, count=3, seed=5)
    order = quiz.select(builtin_bank(), seed=5, count=3)
    for position, scenario in enumerate(order):
        assert any(scenario.prompt in m.value for m in app.markdown)
        right = scenario.kind if mode == "classify" else scenario.best
        wrong = next(c for c in scenario.options(mode) if c not in scenario.right_answers(mode))
        app = answer(app, position, wrong if position == 0 else right)
        assert not app.exception
        app.button(key="quiz_next").click()
        app.run()
    assert app.header[0].value == "Review"
    assert app.metric[0].value == "2 of 3"
    chart = app.get("vega_lite_chart")
    assert chart, "the score by topic is drawn as a chart"
    table = app.dataframe[0].value
    assert set(order[0].tags) <= set(table["Topic"])
    assert "Mistakes to review (1)" in [s.value for s in app.subheader]
    assert order[0].prompt in texts(app)


def test_a_wrong_answer_shows_the_banks_feedback_for_that_answer():
    app = start(fresh(), "approach", count=1, seed=2)
    (scenario,) = quiz.select(builtin_bank(), seed=2, count=1)
    assert app.radio(key="quiz_answer_0").options == [quiz.answer_title(o) for o in scenario.options("approach")]
    wrong, why = scenario.wrong_options("approach")[0]
    app = answer(app, 0, wrong)
    assert any(why.tempts in e.value and why.wrong in e.value for e in app.error)
    assert scenario.explanation in texts(app)


def test_an_acceptable_answer_earns_partial_credit_on_the_page():
    bank = builtin_bank()
    seed = next(s for s in range(200) if quiz.select(bank, seed=s, count=1)[0].acceptable)
    (scenario,) = quiz.select(bank, seed=seed, count=1)
    app = answer(start(fresh(), "approach", count=1, seed=seed), 0, scenario.acceptable[0])
    assert any("Partial." in w.value for w in app.warning)
    app.button(key="quiz_next").click()
    app.run()
    assert app.metric[0].value == "1/2 of 1"


def test_filters_limit_the_questions():
    app = fresh()
    app.multiselect(key="quiz_difficulty").set_value(["easy"])
    app.multiselect(key="quiz_tags").set_value(["isolation"])
    app.run()
    expected = len(quiz.select(builtin_bank(), seed=1, difficulties=["easy"], tags=["isolation"]))
    assert expected == 1
    assert f"{expected} scenarios match; the quiz asks {min(10, expected)}." in [c.value for c in app.caption]


def test_a_bad_bank_from_lab_scenarios_is_named_and_the_builtin_bank_still_works(tmp_path, monkeypatch):
    bad = tmp_path / "class.json"
    bad.write_text(json.dumps([{"id": "oops", "kind": "io"}]))
    monkeypatch.setenv("LAB_SCENARIOS", str(bad))
    app = fresh()
    message = app.error[0].value
    assert f"{bad}: scenario 'oops': kind: got 'io'" in message
    assert "built-in bank still works" in message
    assert app.selectbox(key="quiz_bank").options == ["Built-in bank"]
    app = start(app, "classify", count=1)
    assert app.radio(key="quiz_answer_0")


def test_a_good_bank_from_lab_scenarios_can_be_chosen(tmp_path, monkeypatch):
    extra = tmp_path / "class.toml"
    extra.write_text(FIXTURE_BANK.read_text())
    monkeypatch.setenv("LAB_SCENARIOS", str(extra))
    app = fresh()
    assert app.selectbox(key="quiz_bank").options == ["Built-in bank", "LAB_SCENARIOS: class.toml"]
    assert not app.error


def test_presentation_mode_hides_the_answer_until_revealed():
    app = start(fresh(present=True), "approach", count=1, seed=3)
    (scenario,) = quiz.select(builtin_bank(), seed=3, count=1)
    assert any(m.value == f"## {scenario.prompt}" for m in app.markdown)
    assert not any(m.value.startswith("## Answer:") for m in app.markdown)
    assert not app.radio, "no answer widget for the class: the teacher reveals"
    app.button(key="quiz_reveal").click()
    app.run()
    assert any(m.value == f"## Answer: {quiz.answer_title(scenario.best)}" for m in app.markdown)
    app.button(key="quiz_next").click()
    app.run()
    assert app.header[0].value == "Review"


def test_presentation_countdown_shows_the_time_left():
    app = start(fresh(present=True), "classify", count=1)
    app.number_input(key="quiz_countdown").set_value(30)
    app.run()
    app.button(key="quiz_timer").click()
    app.run()
    assert any(m.value in ("## ⏱ 30 s", "## ⏱ 29 s") for m in app.markdown)


def test_predict_mode_runs_the_preset_live_and_grades_the_prediction_to_the_review(tmp_path, monkeypatch, quiet_host):
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    shipped = list(presets().values())
    seed = next(s for s in range(100) if quiz.predict_questions(shipped, seed=s)[0].id == "io_wait")
    app = start(fresh(), "predict", count=1, seed=seed)
    for executor in ("threads", "asyncio"):
        app.number_input(key=f"quiz_predict_0_{executor}").set_value(4.0)
    app.run()
    app.button(key="quiz_run").click()
    app.run()
    job = app.session_state["quiz_job"]
    assert job is not None, [e.value for e in app.error]
    assert job.done.wait(timeout=90), "the io_wait preset finishes well within its limit"
    app.run()
    assert not app.exception
    graded = app.session_state["quiz_session"].grades[0]
    assert graded.mode == "predict" and "you predicted 4.00x, measured" in graded.feedback
    assert any(plain(graded.feedback) in box.value for box in (*app.success, *app.warning, *app.error))
    app.button(key="quiz_next").click()
    app.run()
    assert app.header[0].value == "Review"
    assert app.dataframe[0].value["Topic"].tolist() == ["Waiting on I/O"]


class FinishedJob:
    """A run the slot has finished, as the page sees it (no worker started)."""

    def __init__(self, result) -> None:
        self.done = threading.Event()
        self.done.set()
        self.error, self.cancelled, self.results = None, False, [result]


def predict_page(result) -> AppTest:
    session = quiz.QuizSession(mode="predict", seed=0, questions=(get_preset("gil_cpu"),))
    return fresh(quiz_session=session, quiz_job=FinishedJob(result))


def test_a_disturbed_live_run_is_not_graded_and_can_run_again():
    result = make_result({"sequential": 1.0, "threads": 1.0, "processes": 0.5}, disturbed=True)
    app = predict_page(result)
    assert not app.exception
    assert any(f"Not graded: {verdict_withheld(result)}" in w.value for w in app.warning)
    assert app.button(key="quiz_rerun").label == "Run it again"
    assert app.session_state["quiz_session"].grades == ()


def test_an_undisturbed_live_run_is_graded():
    app = predict_page(make_result({"sequential": 1.0, "threads": 1.0, "processes": 0.5}))
    assert not app.exception
    (graded,) = app.session_state["quiz_session"].grades
    assert graded.question_id == "gil_cpu" and "measured 2.00x" in graded.feedback
