"""What's new: each item rendered from facts with their sources, nothing false taught, live facts per interpreter."""

from __future__ import annotations

import re

from engine.host import Interpreter
from engine.lesson import whats_new
from engine.lesson.facts import fact

ALLOWED_SOURCES = ("https://docs.python.org/", "https://peps.python.org/")


def item_text(item) -> str:
    if isinstance(item, whats_new.Change):
        return f"{item.title} {item.what}"
    return item.what_holds


def all_taught_text() -> str:
    texts = [item_text(item) for item in (*whats_new.CHANGES, *whats_new.CORRECTIONS)]
    return " ".join(texts + list(whats_new.ASYNCIO_PS_STEPS))


def test_every_item_links_to_python_docs_or_the_peps():
    for item in (*whats_new.CHANGES, *whats_new.CORRECTIONS):
        assert item.facts, item.id
        assert item.sources, item.id
        for title, url in item.sources:
            assert url.startswith(ALLOWED_SOURCES), item.id
            assert title


def test_every_item_is_the_statements_of_the_facts_it_names():
    for item in whats_new.CHANGES:
        assert item.what == " ".join(fact(fact_id).statement for fact_id in item.facts)
    for item in whats_new.CORRECTIONS:
        for fact_id in item.facts:
            assert fact(fact_id).statement in item.what_holds


def test_forkserver_children_re_import_the_main_module():
    # Issue 10 #4: the old text said forkserver workers "inherit nothing".
    taught = all_taught_text()
    assert "inherit nothing" not in taught
    forkserver = next(c for c in whats_new.CHANGES if c.id == "forkserver_default")
    assert "re-import the main module" in forkserver.what
    assert "state built at import time is rebuilt" in forkserver.what


def test_get_event_loop_raises_only_without_a_current_loop():
    # Issue 10 #15: it raises when there is no current event loop, not whenever no loop is running.
    taught = all_taught_text()
    assert "when no loop is running" not in taught
    assert "when there is no current event loop" in taught
    assert "set with set_event_loop() but not running is returned" in taught


def test_the_40_percent_cost_cites_the_313_howto_not_pep_703():
    # Issue 10 #15: "about 40%" is the 3.13 free-threading HOWTO's figure.
    figure = fact("ft_cost_313").value
    quoting = [item for item in (*whats_new.CHANGES, *whats_new.CORRECTIONS) if figure in item_text(item)]
    assert quoting
    for item in quoting:
        urls = [url for _, url in item.sources]
        assert any("3.13/howto/free-threading-python.html" in url for url in urls), item.id


def test_thread_and_process_memory_figures_are_the_facts_measured_values():
    # The old note said a bare worker process costs "10-15 MiB"; the facts measure a bare interpreter and the
    # Lab's worker apart.
    thread_memory = next(c for c in whats_new.CORRECTIONS if c.id == "thread_memory")
    assert "10-15" not in thread_memory.what_holds
    for fact_id in ("thread_idle_rss", "bare_interpreter_rss", "lab_worker_rss"):
        assert fact(fact_id).value in thread_memory.what_holds
    assert fact("lesson_thread_memory_claim").value in thread_memory.lesson_says
    cost = next(c for c in whats_new.CHANGES if c.id == "free_threading_supported")
    assert fact("ft_cost_314_howto").value in cost.what


def test_ids_are_unique():
    ids = [c.id for c in whats_new.CHANGES] + [c.id for c in whats_new.CORRECTIONS]
    assert len(ids) == len(set(ids))


def test_nothing_that_facts_marks_false_is_taught_as_true():
    taught = all_taught_text().lower()
    # The lesson's false claims, phrased as the app would have to state them to teach them.
    assert "guarantees thread-safe" not in taught
    assert "80 mb" not in taught and "80mb" not in taught
    assert "context inheritance" not in taught
    stays_on_spawn = taught.replace("other than macos", "").replace("macos and windows stay on spawn", "")
    assert not re.search(r"forkserver[^.]*default[^.]*(macos|windows)", stays_on_spawn)


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
