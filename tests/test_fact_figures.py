"""Every figure the app teaches is written once, in the facts table; everything else quotes it by id.

A figure is a number with a unit or a percent sign ("5-10%", "16 KiB", "170 ms"). The tests read the string
literals of app.py, app_pages/, ui/ and engine/ with `ast` (constants and the literal parts of f-strings; not
docstrings or comments, which the user never sees) and the texts of the question bank (explanations and
feedback; a prompt describes its scenario and may carry the scenario's own numbers) and of the presets. One
test per file, so a failure names the file and each offending line. A second check: no figure that is a fact's
`value` is copied anywhere else. A third: no text the app shows or prints cites FACTS.md, a file outside the
repository (the app cites CPython's docs and PEPs by link).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomllib
from streamlit.testing.v1 import AppTest

from engine.lesson.facts import facts

ROOT = Path(__file__).resolve().parent.parent
FIGURE = re.compile(
    r"(?<![\w.])\d+(?:[.,]\d+)?(?:\s*(?:-|–|to)\s*\d+(?:[.,]\d+)?)?\s*(?:%|KiB|MiB|GiB|KB|MB|GB|kB|ms|µs|us)(?!\w)"
)
BANK = ROOT / "engine" / "lesson" / "data" / "scenarios.toml"
PRESETS = ROOT / "engine" / "bench" / "data" / "presets.toml"
# Bank fields that are the lesson's own words (a prompt states its scenario, with the scenario's numbers).
BANK_TEXT_FIELDS = ("explanation", "feedback")


def python_files() -> list[Path]:
    files = [ROOT / "app.py"]
    for folder in ("app_pages", "ui", "engine"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


def literals(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every string literal the code can show: constants and f-string parts, not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if "<style" in node.value:
                continue  # a stylesheet's sizes are layout, not something taught
            yield node.lineno, node.value


def _line_of(raw_lines: list[str], text: str) -> int:
    probe = text.strip().splitlines()[0][:40] if text.strip() else ""
    for number, line in enumerate(raw_lines, start=1):
        if probe and probe in line:
            return number
    return 0


def toml_texts(path: Path) -> Iterator[tuple[int, str, frozenset[str]]]:
    """(line, text, figures it may repeat) of the lesson texts of the bank or the presets.

    A bank text may repeat a figure its own scenario's prompt states (the scenario's numbers, not a fact).
    """
    raw_lines = path.read_text(encoding="utf-8").splitlines()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    texts: list[tuple[str, frozenset[str]]] = []
    if path == BANK:
        for scenario in data.get("scenario", []):
            stated = frozenset(match.group(0) for match in FIGURE.finditer(scenario.get("prompt", "")))
            for field in BANK_TEXT_FIELDS:
                texts += [(text, stated) for text in _strings(scenario.get(field))]
    else:
        texts += [(text, frozenset()) for text in _strings(data)]
    for text, stated in texts:
        yield _line_of(raw_lines, text), text, stated


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def texts_of(path: Path) -> Iterator[tuple[int, str, frozenset[str]]]:
    if path.suffix == ".toml":
        return toml_texts(path)
    return ((line, text, frozenset()) for line, text in literals(path))


ALL_FILES = [*python_files(), BANK, PRESETS]
FILE_IDS = [str(path.relative_to(ROOT)) for path in ALL_FILES]


def offences(path: Path) -> list[str]:
    """Each figure written outside the facts table, and each copy of a fact's value, as 'file:line: ...'."""
    values = {item.id: item.value for item in facts().values() if any(ch.isdigit() for ch in item.value)}
    where = path.relative_to(ROOT)
    found = []
    for line, text, stated in texts_of(path):
        for match in FIGURE.finditer(text):
            if match.group(0) in stated:
                continue
            found.append(f"{where}:{line}: figure {match.group(0)!r} (quote a fact by id instead)")
        for fact_id, value in values.items():
            if value in text:
                found.append(f"{where}:{line}: copy of fact {fact_id}'s value {value!r}")
    return found


@pytest.mark.parametrize("path", ALL_FILES, ids=FILE_IDS)
def test_figures_are_written_only_in_the_facts_table(path: Path) -> None:
    found = offences(path)
    assert not found, "figures outside engine/lesson/data/facts.toml:\n" + "\n".join(found)


def test_the_pattern_finds_the_figures_the_issue_names() -> None:
    for figure in ("5-10%", "about 40%", "16 KiB", "170 ms", "10-15 MiB", "80 MB", "~80MB", "1% to 8%", "310 ms"):
        assert FIGURE.search(figure), figure
    for not_a_figure in ("3.14", "python3.14t", "pep-0703", "{fact:ft_cost_314}", "2 cores", "x86-64"):
        assert not FIGURE.search(not_a_figure), not_a_figure


def test_the_check_flags_a_figure_in_a_string_but_not_in_a_docstring(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text('"""About 5-10% slower."""\nNOTE = f"costs {1} but 16 KiB here"\n', encoding="utf-8")
    assert [text for _, text in literals(module) if FIGURE.search(text)] == [" but 16 KiB here"]


# ---------------------------------------------------------------- no text the app shows cites FACTS.md


@pytest.mark.parametrize("path", python_files(), ids=[str(p.relative_to(ROOT)) for p in python_files()])
def test_no_shown_or_printed_string_cites_facts_md(path: Path) -> None:
    cited = [f"{path.relative_to(ROOT)}:{line}: {text!r}" for line, text in literals(path) if "FACTS.md" in text]
    assert not cited, "texts that cite FACTS.md:\n" + "\n".join(cited)


def rendered_text(app: AppTest) -> str:
    elements = [*app.markdown, *app.caption, *app.title, *app.header, *app.subheader, *app.info, *app.warning]
    elements += [*app.success, *app.error, *app.sidebar.caption]
    texts = [str(element.value) for element in elements]
    texts += [table.value.to_string() for table in app.table]
    return "\n".join(texts)


@pytest.mark.parametrize("page", ["home", "whats_new"])
def test_pages_never_cite_facts_md_and_link_cpython_docs(page: str) -> None:
    if page == "home":
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    else:
        app = AppTest.from_file(str(ROOT / "app_pages" / f"{page}.py"), default_timeout=60).run()
    assert not app.exception
    text = rendered_text(app)
    assert "FACTS.md" not in text
    assert "](https://docs.python.org/" in text
