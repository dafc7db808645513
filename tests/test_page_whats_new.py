"""The whats-new page under AppTest: sources linked, corrections shown, live facts for this host."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from engine.lesson import whats_new

PAGE = str(Path(__file__).resolve().parent.parent / "app_pages" / "whats_new.py")


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
