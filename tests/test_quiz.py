"""QuizSession and the quiz's rules: selection and filters, options, grading with partial credit, predictions,
the withheld verdict of a disturbed run, presentation state, the review, and scores as fractions."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pytest

from engine.bench.presets import get_preset, presets
from engine.bench.verdicts import verdict_withheld
from engine.errors import InputError
from engine.lesson import quiz, recommend
from engine.lesson.quiz import QuizSession, format_points, format_score
from engine.lesson.scenarios import load_bank
from tests.bench_fakes import make_result

FIXTURE_BANK = Path(__file__).resolve().parent / "data" / "quiz_bank.toml"


@pytest.fixture(scope="module")
def bank():
    return load_bank(FIXTURE_BANK)


@pytest.fixture(autouse=True)
def _no_host_calibration(tmp_path, monkeypatch):
    # Today's recommend reads a saved calibration from the data folder: the path must not depend on this host.
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))


def by_id(bank, scenario_id):
    return next(scenario for scenario in bank if scenario.id == scenario_id)


# ---------------------------------------------------------------- scores as a person reads them


@pytest.mark.parametrize(
    ("points", "shown"),
    [(0, "0"), (1.0, "1"), (0.5, "1/2"), (2.5, "2 1/2"), (2 + 1 / 6, "2 1/6"), (0.75, "3/4"), (1 / 3 * 3, "1")],
)
def test_points_print_as_whole_numbers_and_fractions(points, shown):
    assert format_points(points) == shown


def test_a_score_sums_thirds_exactly_and_prints_no_decimals():
    thirds = [quiz.Grade("q", "predict", "", "", 1 / 3, "partial", "", "", (), ("t",)) for _ in range(7)]
    score = quiz.total(thirds)
    assert format_score(score.credit, score.questions) == score.text == "2 1/3 of 7"
    assert "." not in score.text


# ---------------------------------------------------------------- choosing questions


def test_same_seed_gives_the_class_the_same_order(bank):
    first = [s.id for s in QuizSession.start("classify", seed=7, bank=bank).questions]
    assert first == [s.id for s in QuizSession.start("classify", seed=7, bank=bank).questions]
    assert sorted(first) == sorted(s.id for s in bank)
    orders = {tuple(s.id for s in quiz.select(bank, seed=seed)) for seed in range(10)}
    assert len(orders) > 1, "the seed changes the order"


def test_filters_keep_only_matching_difficulty_tags_and_source(bank):
    assert {s.id for s in quiz.select(bank, seed=1, difficulties=["hard"])} == {"zlib_compression"}
    assert {s.id for s in quiz.select(bank, seed=1, tags=["io", "gil-release"])} == {
        "web_scraper_100_pages",
        "zlib_compression",
    }
    assert {s.id for s in quiz.select(bank, seed=1, sources=["edge"])} == {"edge_crashing_decoder"}
    assert quiz.select(bank, seed=1, difficulties=["easy"], sources=["edge"]) == ()


def test_count_cuts_the_shuffled_order(bank):
    assert quiz.select(bank, seed=3, count=2) == quiz.select(bank, seed=3)[:2]


def test_select_refuses_unknown_filters_and_zero_count(bank):
    with pytest.raises(InputError, match="difficulty: unknown extreme"):
        quiz.select(bank, seed=1, difficulties=["extreme"])
    with pytest.raises(InputError, match="source: unknown blog"):
        quiz.select(bank, seed=1, sources=["blog"])
    with pytest.raises(InputError, match="count"):
        quiz.select(bank, seed=1, count=0)
    with pytest.raises(InputError, match="mode"):
        QuizSession.start("guess", seed=1, bank=bank)


# ---------------------------------------------------------------- grading


def test_best_answer_earns_full_credit(bank):
    result = quiz.grade(by_id(bank, "zlib_compression"), "approach", "threads")
    assert (result.credit, result.verdict) == (1.0, "correct")


def test_acceptable_alternative_earns_half_a_point(bank):
    result = quiz.grade(by_id(bank, "zlib_compression"), "approach", "multiprocessing")
    assert (result.credit, result.verdict) == (quiz.ACCEPTABLE_CREDIT, "partial") == (0.5, "partial")
    assert "fits better" in result.feedback


def test_a_wrong_option_gets_why_it_tempts_and_why_it_is_wrong_here(bank):
    zlib = by_id(bank, "zlib_compression")
    result = quiz.grade(zlib, "approach", "asyncio")
    assert (result.credit, result.verdict) == (0.0, "wrong")
    assert zlib.feedback["asyncio"].tempts in result.feedback
    assert zlib.feedback["asyncio"].wrong in result.feedback
    assert result.explanation == zlib.explanation


def test_classify_has_no_partial_credit(bank):
    scraper = by_id(bank, "web_scraper_100_pages")
    assert quiz.grade(scraper, "classify", "io_bound").credit == 1.0
    wrong = quiz.grade(scraper, "classify", "hybrid")
    assert wrong.credit == 0.0 and scraper.feedback["hybrid"].wrong in wrong.feedback


def test_grade_refuses_options_the_question_does_not_show(bank):
    scraper = by_id(bank, "web_scraper_100_pages")
    with pytest.raises(InputError, match="answer: got 'asyncio'"):
        quiz.grade(scraper, "classify", "asyncio")
    with pytest.raises(InputError, match="answer: got 'cpu_parallel_shared'"):
        quiz.grade(scraper, "classify", "cpu_parallel_shared")
    with pytest.raises(InputError, match="mode"):
        quiz.grade(scraper, "predict", "asyncio")


def test_an_answer_is_a_shown_options_number_or_its_id(bank):
    options = by_id(bank, "edge_crashing_decoder").options("approach")
    assert quiz.parse_answer(options, "1") == options[0]
    assert quiz.parse_answer(options, f" {len(options)} ") == options[-1]
    assert quiz.parse_answer(options, " Threads ") == "threads"
    for typed in ("0", "5", "asyncio", ""):
        with pytest.raises(InputError, match=r"answer: got .*; accepted: 1-4 or free_threaded, multiprocessing"):
            quiz.parse_answer(options, typed)


def test_the_drawn_path_is_the_recommendations_own(bank, monkeypatch):
    seen = []

    def fake_recommend(profile, *args, **kwargs):
        seen.append(profile)
        return SimpleNamespace(decision_path=["first step", "-> the recommendation's leaf"])

    quiz._decision_path.cache_clear()
    monkeypatch.setattr(recommend, "recommend", fake_recommend)
    scenario = by_id(bank, "pdf_text_extraction")
    try:
        graded = quiz.grade(scenario, "approach", "threads")
    finally:
        quiz._decision_path.cache_clear()
    assert graded.decision_path == ("first step", "-> the recommendation's leaf")
    assert seen[0].workload == scenario.kind and seen[0].cores == scenario.profile.cores


# ---------------------------------------------------------------- a whole session


def test_a_session_runs_from_the_first_question_to_the_review(bank):
    first, second, third = (
        by_id(bank, name) for name in ("pdf_text_extraction", "zlib_compression", "edge_crashing_decoder")
    )
    session = QuizSession(mode="approach", seed=0, questions=(first, second, third))
    assert (session.count, session.number, session.progress, session.answered) == (3, 1, 0.0, False)
    started = session
    session = session.answer("multiprocessing")
    assert started.grades == () and not started.answered, "a session is a value: answering returns a new one"
    assert session.answered and session.current_grade.verdict == "correct"
    with pytest.raises(InputError, match="already answered"):
        session.answer("multiprocessing")
    session = session.next().answer("free_threaded").next().answer("subinterpreters").next()
    assert session.finished and session.current is None and session.progress == 1.0
    assert session.score().credit == 1.5
    assert session.score().text == "1 1/2 of 3"
    reviews = session.mistakes()
    assert [review.grade.verdict for review in reviews] == ["partial", "wrong"]
    assert [review.question for review in reviews] == [second.prompt, third.prompt]
    with pytest.raises(dataclasses.FrozenInstanceError):
        session.position = 0


def test_topic_scores_count_each_tag_and_put_the_weakest_first(bank):
    session = QuizSession(mode="approach", seed=0, questions=(by_id(bank, "zlib_compression"),))
    session = session.answer("multiprocessing")
    scraper = by_id(bank, "web_scraper_100_pages")
    session = dataclasses.replace(session.next(), questions=(*session.questions, scraper)).answer("asyncio")
    topics = {topic.topic: topic for topic in session.topic_scores()}
    assert (topics["lesson"].questions, topics["lesson"].credit) == (2, 1.5)
    assert (topics["gil-release"].questions, topics["gil-release"].credit) == (1, 0.5)
    assert session.topic_scores()[0].topic in ("cpu-parallel", "gil-release")


def test_presentation_reveal_and_countdown_reset_on_the_next_question(bank):
    session = QuizSession.start("classify", seed=1, bank=bank)
    assert not session.revealed and session.seconds_left(now=100.0) is None
    session = session.start_countdown(now=100.0, seconds=30)
    assert session.seconds_left(now=100.0) == 30
    assert session.seconds_left(now=118.6) == 11
    assert session.seconds_left(now=200.0) == 0
    session = session.reveal()
    assert session.revealed
    moved = session.next()
    assert (moved.position, moved.revealed, moved.deadline) == (1, False, None)
    with pytest.raises(InputError, match="countdown"):
        session.start_countdown(now=0.0, seconds=0)


# ---------------------------------------------------------------- predict mode


def test_prediction_in_the_measured_band_earns_full_credit():
    result = quiz.grade_prediction(
        "gil_cpu", {"threads": 1.05, "processes": 1.7}, {"threads": 0.95, "processes": 1.8}, explanation="e", topic="t"
    )
    # threads: 1.05 is "not justified", 0.95 "don't use": one band apart -> half; processes same band -> full.
    assert result.credit == pytest.approx(0.75)
    assert format_points(result.credit) == "3/4"
    assert result.verdict == "partial"
    assert "you predicted 1.05x, measured 0.95x" in result.feedback


def test_prediction_far_off_earns_nothing():
    result = quiz.grade_prediction("io_wait", {"asyncio": 0.5}, {"asyncio": 8.0}, explanation="e", topic="t")
    assert (result.credit, result.verdict) == (0.0, "wrong")


def test_prediction_needs_a_positive_guess_per_executor():
    with pytest.raises(InputError, match="prediction"):
        quiz.grade_prediction("x", {}, {"threads": 1.0}, explanation="e", topic="t")
    with pytest.raises(InputError, match=r"prediction\.threads"):
        quiz.grade_prediction("x", {"threads": 0}, {"threads": 1.0}, explanation="e", topic="t")


def test_predict_questions_are_the_single_run_presets_in_seeded_order():
    shipped = list(presets().values())
    session = QuizSession.start("predict", seed=4, presets=shipped)
    assert {p.id for p in session.questions} == {p.id for p in shipped if p.sweep == "none"}
    assert session.questions == QuizSession.start("predict", seed=4, presets=shipped).questions
    assert QuizSession.start("predict", seed=4, presets=shipped, count=2).count == 2


def gil_cpu_session() -> QuizSession:
    return QuizSession(mode="predict", seed=0, questions=(get_preset("gil_cpu"),))


def test_a_live_run_grades_the_prediction():
    result = make_result({"sequential": 1.0, "threads": 1.0, "processes": 0.5})
    session = gil_cpu_session().answer_prediction({"threads": 1.0, "processes": 2.0}, result)
    graded = session.current_grade
    assert (graded.mode, graded.credit, graded.verdict) == ("predict", 1.0, "correct")
    assert session.mistakes() == ()
    assert quiz.measured_speedups(get_preset("gil_cpu"), result) == pytest.approx({"threads": 1.0, "processes": 2.0})


def test_a_disturbed_run_is_not_graded_and_says_why():
    result = make_result({"sequential": 1.0, "threads": 1.0, "processes": 0.5}, disturbed=True)
    session = gil_cpu_session()
    with pytest.raises(InputError) as refused:
        session.answer_prediction({"threads": 1.0, "processes": 2.0}, result)
    assert refused.value.problem == verdict_withheld(result) is not None
    assert refused.value.accepted == "an undisturbed run"
    assert not session.answered


def test_a_scenario_session_refuses_predictions_and_a_predict_session_refuses_options(bank):
    with pytest.raises(InputError, match="question"):
        QuizSession.start("classify", seed=1, bank=bank).answer_prediction({}, make_result())
    with pytest.raises(InputError, match="question"):
        gil_cpu_session().options()
