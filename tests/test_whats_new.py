"""The whats-new facts: every item has a source, nothing FACTS.md marks false is taught, live facts per interpreter."""

from __future__ import annotations

import re

from engine.host import Interpreter
from engine.lesson import whats_new

ALLOWED_SOURCES = (
    "https://docs.python.org/3/",
    "https://peps.python.org/pep-0703/",
    "https://peps.python.org/pep-0734/",
    "https://peps.python.org/pep-0779/",
)


def all_taught_text() -> str:
    changes = [f"{c.title} {c.what}" for c in whats_new.CHANGES]
    holds = [c.what_holds for c in whats_new.CORRECTIONS]
    return " ".join(changes + holds + list(whats_new.ASYNCIO_PS_STEPS))


def test_every_item_links_to_python_docs_or_the_peps():
    for item in (*whats_new.CHANGES, *whats_new.CORRECTIONS):
        assert item.source_url.startswith(ALLOWED_SOURCES), item.id
        assert item.source_title


def test_ids_are_unique():
    ids = [c.id for c in whats_new.CHANGES] + [c.id for c in whats_new.CORRECTIONS]
    assert len(ids) == len(set(ids))


def test_nothing_that_facts_marks_false_is_taught_as_true():
    taught = all_taught_text().lower()
    # The lesson's false claims, phrased as the app would have to state them to teach them.
    assert "guarantees thread-safe" not in taught
    assert "80 mb" not in taught and "80mb" not in taught
    assert "context inheritance" not in taught
    assert not re.search(r"forkserver[^.]*default[^.]*(macos|windows)", taught.replace("other than macos", ""))


def test_the_corrections_say_false_where_facts_does():
    verdicts = {c.id: c.verdict for c in whats_new.CORRECTIONS}
    assert verdicts["thread_safe_loop"] == "false"
    assert verdicts["thread_memory"] == "false"
    assert verdicts["task_errors"] == "false"
    assert verdicts["context_inheritance"] == "not found"
    assert verdicts["loop_faster"] == "partly"


def test_asyncio_ps_steps_name_the_permissions_per_platform():
    steps = " ".join(whats_new.ASYNCIO_PS_STEPS)
    for need in ("CAP_SYS_PTRACE", "ptrace_scope", "macOS: run it as root", "administrator", "same free-threading"):
        assert need in steps


def interpreter(version: str, **facts) -> Interpreter:
    base = dict(
        path=f"/py/{version}",
        source="test",
        ok=True,
        version=version,
        implementation="CPython",
        default_start_method="fork",
        start_methods=("fork", "spawn", "forkserver"),
    )
    return Interpreter(**{**base, **facts})


def test_live_facts_one_row_per_working_interpreter_sorted_by_version():
    rows = whats_new.live_facts(
        [
            interpreter("3.14.0", default_start_method="forkserver", interpreter_pool=True),
            interpreter("3.12.1"),
            Interpreter(path="/broken", source="test", ok=False, reason="not found"),
        ]
    )
    assert [row.version for row in rows] == ["3.12.1", "3.14.0"]
    old, new = rows
    assert (old.interpreter_pool, new.interpreter_pool) == ("no", "yes")
    assert "no InterpreterPoolExecutor before 3.14" in old.note
    assert "forkserver default" in new.note


def test_live_facts_flag_a_free_threaded_build_with_the_gil_back_on():
    (row,) = whats_new.live_facts([interpreter("3.14.0", free_threaded_build=True, gil_enabled=True)])
    assert row.build == "free-threaded"
    assert "GIL is on now" in row.note
