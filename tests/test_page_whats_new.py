"""The whats-new page under AppTest: sources linked, corrections shown, live facts for this host."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.bench.store import ResultStore
from engine.lesson import whats_new
from tests.bench_fakes import make_result

PAGE = str(Path(__file__).resolve().parent.parent / "app_pages" / "whats_new.py")


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The page reads the saved runs: each test gets its own empty store, never the user's.
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    return tmp_path


def test_page_shows_every_change_with_its_source_and_the_live_table():
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not app.exception
    captions = " ".join(c.value for c in app.caption)
    for item in (*whats_new.CHANGES, *whats_new.CORRECTIONS):
        for title, url in item.sources:
            assert f"[{title}]({url})" in captions, item.id
    markdown = " ".join(m.value for m in app.markdown)
    assert '**The lesson says:** 3.14 "guarantees thread-safe event loop access".' in markdown
    thread_safe = next(c for c in whats_new.CORRECTIONS if c.id == "thread_safe_loop")
    assert f"**What holds (False):** {thread_safe.what_holds}" in markdown
    assert "Almost no asyncio object is thread-safe" in thread_safe.what_holds
    table = app.dataframe[0].value
    assert {"Python", "Build", "Default start method", "InterpreterPoolExecutor"} <= set(table.columns)
    assert len(table) >= 1
    assert "CAP_SYS_PTRACE" in markdown
    assert "FACTS.md" not in markdown + captions


def test_page_shows_the_corrected_claims():
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    markdown = " ".join(m.value for m in app.markdown)
    assert "inherit nothing" not in markdown
    assert "re-import the main module" in markdown
    assert "when no loop is running" not in markdown
    assert "when there is no current event loop" in markdown
    captions = " ".join(c.value for c in app.caption)
    assert "(https://docs.python.org/3.13/howto/free-threading-python.html#single-threaded-performance)" in captions


def test_page_says_free_threaded_figures_were_measured_here_once_a_run_is_saved(data_dir: Path):
    store = ResultStore(data_dir / "results.sqlite3")
    store.save(make_result(gil_enabled=True))
    store.save(make_result(gil_enabled=False), source="import")  # an import was measured elsewhere
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not any("were measured on this host" in s.value for s in app.success)
    run_id = store.save(make_result(gil_enabled=False))
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    line = next(s.value for s in app.success if "were measured on this host" in s.value)
    assert f"the latest #{run_id}" in line
