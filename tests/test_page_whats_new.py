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
        assert f"]({item.source_url})" in captions, item.id
    markdown = " ".join(m.value for m in app.markdown)
    assert '**The lesson says:** 3.14 "guarantees thread-safe event loop access".' in markdown
    assert "**What holds (False):** Almost no asyncio object is thread-safe." in markdown
    table = app.dataframe[0].value
    assert {"Python", "Build", "Default start method", "InterpreterPoolExecutor"} <= set(table.columns)
    assert len(table) >= 1
    assert "CAP_SYS_PTRACE" in markdown
