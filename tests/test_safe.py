"""Text from outside the app is drawn as text: ui.safe's escaping, and pages drawing crafted strings through it.

Streamlit's Markdown is rendered in the browser (tests/test_browser_plaintext.py looks at the DOM); here the
Markdown source each element receives is checked: every Markdown or HTML character of a crafted string is
escaped, no bare address is left for GitHub-flavoured Markdown to turn into a link, and resolving the escapes
gives back exactly the string that came in.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from engine.bench.presets import PRESET_IDS
from engine.errors import InputError
from engine.lesson import quiz, scenarios
from engine.lesson.scenarios import load_bank
from ui.safe import code, plain, prose

ROOT = Path(__file__).resolve().parent.parent
BENCHMARK = str(ROOT / "app_pages" / "benchmark.py")
QUIZ = str(ROOT / "app_pages" / "quiz.py")
FIXTURE_BANK = ROOT / "tests" / "data" / "quiz_bank.toml"

IMAGE = "![x](http://127.0.0.1:9/x.png)"
HTML = "<img src=http://127.0.0.1:9/y.png>"
LINK = "[Sign in again](http://127.0.0.1:9/z)"
CRAFTED = (IMAGE, HTML, LINK, "www.example.org", "mail me@example.org", "**bold** _it_ `code` ~~gone~~ $x$ a|b &amp;")
# The patterns Streamlit's Markdown (mdast-util-gfm-autolink-literal) links in a text after escapes are resolved.
GFM_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE)
GFM_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)")
# What CommonMark gives a special meaning to when it stands unescaped (block markers are checked apart).
ACTIVE = set("\\`*[]<>&~$|")


def resolved(markdown: str) -> str:
    """The text a CommonMark renderer keeps from `markdown` made only of text and backslash escapes."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def unescaped_active(markdown: str) -> list[str]:
    """The Markdown-active characters of `markdown` that no backslash escapes."""
    found, index = [], 0
    while index < len(markdown):
        char = markdown[index]
        if char == "\\" and index + 1 < len(markdown):
            index += 2
            continue
        if char in ACTIVE:
            found.append(char)
        index += 1
    return found


@pytest.mark.parametrize("text", CRAFTED)
def test_plain_escapes_every_markdown_and_html_character_and_breaks_bare_links(text: str) -> None:
    escaped = plain(text)
    assert unescaped_active(escaped) == []
    shown = resolved(escaped)
    assert not GFM_URL.search(shown) and not GFM_EMAIL.search(shown), "a bare address would become a link"
    assert shown.replace("\u2060", "") == text


def test_plain_shows_the_crafted_link_and_image_as_their_characters() -> None:
    assert plain(LINK) == "\\[Sign in again\\](http:\u2060//127.0.0.1:9/z)"
    assert plain(IMAGE) == "!\\[x\\](http:\u2060//127.0.0.1:9/x.png)"
    assert plain(HTML) == "\\<img src=http:\u2060//127.0.0.1:9/y.png\\>"


def test_plain_leaves_ordinary_sentences_as_written() -> None:
    for text in ("Hybrid: fetch then process", "io_wait: 3.97x (95% interval 3.85-4.09x)", "gil_cpu, c_releases_gil"):
        assert plain(text) == text


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("# Heading", "\\# Heading"),
        ("> quote", "\\> quote"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("1. first", "1\\. first"),
        ("12) first", "12\\) first"),
        ("a\n===", "a\n\\==="),
        ("a\n  ---", "a\n  \\---"),
        ("_emphasis_", "\\_emphasis\\_"),
        ("a\r# b\r\n- c", "a\r\\# b\r\n\\- c"),
    ],
)
def test_plain_escapes_what_starts_a_block_at_the_start_of_each_line(text: str, escaped: str) -> None:
    assert plain(text) == escaped
    assert resolved(plain(text)) == text


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\u2060"), max_size=60))
def test_plain_gives_back_the_text_once_the_escapes_are_resolved(text: str) -> None:
    escaped = plain(text)
    assert resolved(escaped).replace("\u2060", "") == text
    assert unescaped_active(escaped) == []
    assert not GFM_URL.search(resolved(escaped)) and not GFM_EMAIL.search(resolved(escaped))


def test_code_spans_hold_any_backticks_and_prose_keeps_only_the_apps_code_spans() -> None:
    assert code("/usr/bin/python3") == "`/usr/bin/python3`"
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    sentence = "run `python -m engine calibrate` for Python 3.13 (/opt/[x](http://127.0.0.1:9/z))"
    assert prose(sentence) == (
        "run `python -m engine calibrate` for Python 3.13 (/opt/\\[x\\](http:\u2060//127.0.0.1:9/z))"
    )


def test_the_benchmark_page_draws_a_crafted_preset_from_the_address_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(BENCHMARK, default_timeout=60)
    at.query_params["preset"] = LINK
    at.run()
    assert not at.exception
    message = str(InputError("preset", f"unknown preset {LINK!r} in the address", ", ".join(PRESET_IDS)))
    (error,) = at.error
    assert error.value == plain(message)
    assert "[Sign in again](" not in error.value and "http://" not in error.value
    assert resolved(error.value).replace("\u2060", "") == message


def _draw_crafted_result() -> None:
    from dataclasses import replace

    from tests.bench_fakes import make_result
    from ui.bench_view import draw_result

    result = make_result()
    crafted = "![x](http://127.0.0.1:9/x.png)"
    executors = tuple(
        replace(executor, label=f"{executor.name} {crafted}", error="[Sign in again](http://127.0.0.1:9/z)")
        if executor.name == "processes"
        else executor
        for executor in result.executors
    )
    draw_result(replace(result, warnings=(crafted, "<img src=http://127.0.0.1:9/y.png>"), executors=executors))


def test_a_crafted_results_warnings_labels_and_errors_are_drawn_as_text() -> None:
    at = AppTest.from_function(_draw_crafted_result, default_timeout=30).run()
    assert not at.exception
    warnings = [warning.value for warning in at.warning]
    assert warnings[:2] == [plain(IMAGE), plain(HTML)]
    assert f"processes {plain(IMAGE)} failed: {plain(LINK)}" in warnings
    drawn = "\n".join(str(element.value) for element in (*at.markdown, *at.warning, *at.error, *at.caption))
    for raw in (IMAGE, HTML, LINK, "http://"):
        assert raw not in drawn


def _crafted_bank(tmp_path: Path) -> Path:
    text = (
        FIXTURE_BANK.read_text()
        .replace('prompt = "', f'prompt = "{IMAGE} {HTML} ')
        .replace('wrong = "', f'wrong = "{LINK} ')
    )
    path = tmp_path / "class.toml"
    path.write_text(text)
    return path


def test_a_crafted_banks_prompt_and_feedback_are_drawn_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenarios, "BUILTIN_BANK", FIXTURE_BANK)
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    bank_path = _crafted_bank(tmp_path)
    monkeypatch.setenv("LAB_SCENARIOS", str(bank_path))
    at = AppTest.from_file(QUIZ, default_timeout=30).run()
    at.selectbox(key="quiz_bank").set_value("LAB_SCENARIOS: class.toml")
    at.radio(key="quiz_mode").set_value("classify")
    at.run()
    at.number_input(key="quiz_count").set_value(1)
    at.button(key="quiz_start").click()
    at.run()
    (scenario,) = quiz.select(load_bank(bank_path), seed=1, count=1)
    assert f"### {plain(scenario.prompt)}" in [markdown.value for markdown in at.markdown]
    wrong, why = scenario.wrong_options("classify")[0]
    at.radio(key="quiz_answer_0").set_value(wrong)
    at.run()
    at.button(key="quiz_check").click()
    at.run()
    assert not at.exception
    (box,) = at.error
    assert plain(why.wrong) in box.value and LINK not in box.value
    drawn = "\n".join(str(element.value) for element in (*at.markdown, *at.error, *at.caption))
    for raw in (IMAGE, HTML, LINK, "http://"):
        assert raw not in drawn


def test_a_bad_banks_error_echoing_a_crafted_value_is_drawn_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scenarios, "BUILTIN_BANK", FIXTURE_BANK)
    bad = tmp_path / "bad.toml"
    bad.write_text(FIXTURE_BANK.read_text().replace('kind = "cpu_parallel_isolated"', f'kind = "{LINK}"', 1))
    monkeypatch.setenv("LAB_SCENARIOS", str(bad))
    at = AppTest.from_file(QUIZ, default_timeout=30).run()
    (error,) = at.error
    assert "kind" in error.value and plain(LINK) in error.value
    assert LINK not in error.value and "http://" not in error.value
