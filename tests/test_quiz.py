"""Quiz rules: seeded selection and filters, grading with partial credit, predictions, review and topics."""

from __future__ import annotations

import pytest

from engine.errors import InputError
from engine.lesson import quiz
from engine.lesson.scenarios import builtin_bank


@pytest.fixture(scope="module")
def bank():
    return builtin_bank()


def by_id(bank, scenario_id):
    return next(scenario for scenario in bank if scenario.id == scenario_id)


def test_same_seed_gives_the_class_the_same_order(bank):
    first = [s.id for s in quiz.select(bank, seed=7)]
    assert first == [s.id for s in quiz.select(bank, seed=7)]
    assert first != [s.id for s in quiz.select(bank, seed=8)]
    assert sorted(first) == sorted(s.id for s in bank)


def test_filters_keep_only_matching_difficulty_and_tags(bank):
    chosen = quiz.select(bank, seed=1, difficulties=["hard"], tags=["memory", "gil-release"])
    assert chosen
    assert all(s.difficulty == "hard" and {"memory", "gil-release"} & set(s.tags) for s in chosen)
    expected = {s.id for s in bank if s.difficulty == "hard" and {"memory", "gil-release"} & set(s.tags)}
    assert {s.id for s in chosen} == expected


def test_count_cuts_the_shuffled_order(bank):
    assert [s.id for s in quiz.select(bank, seed=3, count=5)] == [s.id for s in quiz.select(bank, seed=3)][:5]


def test_select_refuses_unknown_difficulty_and_zero_count(bank):
    with pytest.raises(InputError, match="difficulty"):
        quiz.select(bank, seed=1, difficulties=["extreme"])
    with pytest.raises(InputError, match="count"):
        quiz.select(bank, seed=1, count=0)


def test_best_answer_earns_full_credit(bank):
    zlib = by_id(bank, "zlib_compression")
    result = quiz.grade(zlib, "approach", "threads")
    assert (result.credit, result.verdict) == (1.0, "correct")


def test_acceptable_alternative_earns_partial_credit(bank):
    zlib = by_id(bank, "zlib_compression")
    result = quiz.grade(zlib, "approach", "multiprocessing")
    assert (result.credit, result.verdict) == (quiz.ACCEPTABLE_CREDIT, "partial")
    assert "fits better" in result.feedback


def test_wrong_answer_gets_the_banks_feedback_for_that_answer(bank):
    zlib = by_id(bank, "zlib_compression")
    result = quiz.grade(zlib, "approach", "asyncio")
    assert (result.credit, result.verdict) == (0.0, "wrong")
    assert result.feedback == zlib.feedback_for("asyncio")
    assert result.explanation == zlib.explanation
    assert result.decision_path[-1].startswith("-> CPU-bound, parallel and isolated")


def test_wrong_answer_without_a_note_gets_words_from_the_framework(bank):
    zlib = by_id(bank, "zlib_compression")
    assert zlib.feedback_for("distributed") is None
    result = quiz.grade(zlib, "approach", "distributed")
    assert "one machine cannot finish" in result.feedback
    kind_result = quiz.grade(zlib, "classify", "hybrid")
    assert kind_result.feedback.startswith("Hybrid: CPU and I/O means:")


def test_classify_has_no_partial_credit(bank):
    scraper = by_id(bank, "web_scraper_100_pages")
    assert quiz.grade(scraper, "classify", "io_bound").credit == 1.0
    wrong = quiz.grade(scraper, "classify", "hybrid")
    assert wrong.credit == 0.0 and wrong.feedback == scraper.feedback_for("hybrid")


def test_grade_refuses_answers_outside_the_mode(bank):
    with pytest.raises(InputError, match="answer"):
        quiz.grade(bank[0], "classify", "asyncio")
    with pytest.raises(InputError, match="mode"):
        quiz.grade(bank[0], "predict", "asyncio")


def test_an_answer_is_a_choice_number_or_its_id():
    assert quiz.parse_answer("classify", "1") == quiz.choices("classify")[0]
    assert quiz.parse_answer("approach", f" {len(quiz.APPROACHES)} ") == quiz.APPROACHES[-1]
    assert quiz.parse_answer("classify", " IO_Bound ") == "io_bound"
    for typed in ("0", "6", "gpu", "asyncio", ""):
        with pytest.raises(InputError, match=r"answer: got .*; accepted: 1-5 or cpu_sequential"):
            quiz.parse_answer("classify", typed)


def test_score_review_and_topics(bank):
    zlib, scraper = by_id(bank, "zlib_compression"), by_id(bank, "web_scraper_100_pages")
    grades = [
        quiz.grade(zlib, "approach", "multiprocessing"),
        quiz.grade(scraper, "approach", "asyncio"),
        quiz.grade(scraper, "approach", "multiprocessing"),
    ]
    score = quiz.total(grades)
    assert (score.credit, score.questions) == (1.5, 3)
    assert score.percent == pytest.approx(50.0)
    assert [g.given for g in quiz.mistakes(grades)] == ["multiprocessing", "multiprocessing"]
    topics = {t.topic: t for t in quiz.topic_scores(grades)}
    assert (topics["io"].questions, topics["io"].credit) == (2, 1.0)
    assert (topics["gil-release"].questions, topics["gil-release"].credit) == (1, 0.5)
    assert topics["lesson"].questions == 3
    assert quiz.topic_scores(grades)[0].percent <= quiz.topic_scores(grades)[-1].percent


def test_prediction_in_the_measured_band_earns_full_credit():
    result = quiz.grade_prediction(
        "gil_cpu", {"threads": 1.05, "processes": 1.7}, {"threads": 0.95, "processes": 1.8}, explanation="e", topic="t"
    )
    # threads: 1.05 is "not justified", 0.95 "don't use": one band apart -> half; processes same band -> full.
    assert result.credit == pytest.approx(0.75)
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
    from engine.bench.presets import presets

    shipped = list(presets().values())
    chosen = quiz.predict_questions(shipped, seed=4)
    assert {p.id for p in chosen} == {p.id for p in shipped if p.sweep == "none"}
    assert [p.id for p in chosen] == [p.id for p in quiz.predict_questions(shipped, seed=4)]
    assert len(quiz.predict_questions(shipped, seed=4, count=2)) == 2


def test_measured_speedups_leave_out_the_baseline():
    from engine.bench.presets import get_preset
    from tests.bench_fakes import make_result

    result = make_result({"sequential": 1.0, "threads": 1.0, "processes": 0.5})
    assert quiz.measured_speedups(get_preset("gil_cpu"), result) == pytest.approx({"threads": 1.0, "processes": 2.0})


def test_tempting_answers_are_those_of_the_mode(bank):
    scenario = next(s for s in bank if any(wrong in quiz.choices("classify") for wrong, _ in s.feedback))
    kinds = quiz.tempting_answers(scenario, "classify")
    approaches = quiz.tempting_answers(scenario, "approach")
    assert kinds and all(wrong in quiz.choices("classify") for wrong, _ in kinds)
    assert all(wrong in quiz.choices("approach") for wrong, _ in approaches)
    assert len(kinds) + len(approaches) == len(scenario.feedback)
