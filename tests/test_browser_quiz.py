"""The quiz in real Chromium: a wrong answer shows the feedback written for it; a bad upload is named."""

import pytest
from playwright.sync_api import expect

from engine.lesson import quiz
from engine.lesson.scenarios import builtin_bank
from tests.conftest import wait_for_app

pytestmark = pytest.mark.browser

# The page's defaults: seed 1, ten questions, all difficulties and topics.
FIRST = quiz.select(builtin_bank(), seed=1, count=10)[0]


def test_a_wrong_answer_shows_the_feedback_for_that_answer(page, screenshot):
    wrong, why = FIRST.wrong_options("approach")[0]
    page.goto("/quiz")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    main.get_by_text("Choose the approach", exact=True).click()
    wait_for_app(page)
    main.get_by_role("button", name="Start quiz").click()
    expect(main.get_by_text(FIRST.prompt)).to_be_visible()
    main.get_by_text(quiz.answer_title(wrong), exact=True).click()
    check = main.get_by_role("button", name="Check")
    expect(check).to_be_enabled()
    check.click()
    expect(main.get_by_text(why.wrong)).to_be_visible()
    expect(main.get_by_text(f"Best answer: {quiz.answer_title(FIRST.best)}.")).to_be_visible()
    expect(main.get_by_role("button", name="Next question")).to_be_visible()
    screenshot(page, "quiz-wrong-answer")


def test_a_bad_uploaded_bank_is_named_and_the_builtin_bank_stays(page, screenshot, tmp_path):
    bad = tmp_path / "class.toml"
    bad.write_text('[[scenario]]\nid = "oops"\nkind = "io"\n')
    page.goto("/quiz")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    main.get_by_text("Question bank").click()
    main.locator('input[type="file"]').set_input_files(str(bad))
    expect(main.get_by_text("This bank was not loaded; the built-in bank still works.")).to_be_visible()
    expect(main.get_by_text("class.toml: scenario 'oops': kind: got 'io'", exact=False)).to_be_visible()
    expect(main.get_by_role("button", name="Start quiz")).to_be_visible()
    screenshot(page, "quiz-bad-bank")
