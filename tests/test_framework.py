"""The decision framework: the table's identifiers, the tree's walk and its DOT drawing, and what its texts claim."""

import re

import pytest

from engine.errors import InputError
from engine.lesson import framework
from engine.lesson.facts import fact


def test_table_has_one_row_per_workload_kind_with_known_approaches():
    assert [row.kind for row in framework.DECISION_TABLE] == list(framework.WORKLOAD_KINDS)
    assert all(row.approach in framework.APPROACHES for row in framework.DECISION_TABLE)


@pytest.mark.parametrize(
    ("kind", "approach"),
    [
        ("cpu_sequential", "single_threaded"),
        ("cpu_parallel_shared", "free_threaded"),
        ("cpu_parallel_isolated", "multiprocessing"),
        ("io_bound", "asyncio"),
        ("hybrid", "free_threaded_asyncio"),
    ],
)
def test_walk_reaches_each_rows_approach(kind, approach):
    path = framework.walk(framework.answers_for_kind(kind))
    assert (path.kind, path.approach) == (kind, approach)
    assert path.steps[0].question == framework.ROOT


def test_walk_records_the_answers_it_used():
    path = framework.walk({"waits_on_io": False, "needs_parallelism": True, "shared_state": False, "cpu_too": True})
    assert [(step.question, step.answer) for step in path.steps] == [
        ("waits_on_io", False),
        ("needs_parallelism", True),
        ("shared_state", False),
    ]
    assert path.approach == "multiprocessing"


def test_isolation_outweighs_shared_state():
    path = framework.walk({"waits_on_io": False, "needs_parallelism": True, "shared_state": True, "isolation": True})
    assert path.approach == "multiprocessing"


def test_missing_answer_names_the_question():
    with pytest.raises(InputError) as raised:
        framework.walk({"waits_on_io": True})
    assert raised.value.field == "cpu_too"


def test_question_ids_never_collide_with_leaf_kinds():
    assert not set(framework.QUESTIONS) & set(framework.WORKLOAD_KINDS)
    for question in framework.QUESTIONS.values():
        for target in (question.yes, question.no):
            assert target in framework.QUESTIONS or target in framework.WORKLOAD_KINDS


def test_dot_highlights_only_the_taken_branch():
    path = framework.walk(framework.answers_for_kind("io_bound"))
    dot = framework.tree_dot(path)
    highlighted = [line for line in dot.splitlines() if "penwidth=3" in line]
    assert any(line.strip().startswith("waits_on_io -> cpu_too") for line in highlighted)
    assert any(line.strip().startswith("cpu_too -> io_bound") for line in highlighted)
    assert not any("needs_parallelism ->" in line for line in highlighted)
    assert "penwidth" not in framework.tree_dot()


def test_notes_say_nothing_facts_mark_false():
    notes = " ".join(row.notes_314 + row.why for row in framework.DECISION_TABLE).lower()
    assert "80mb" not in notes.replace(" ", "")
    assert "thread-safe event loop" not in notes
    assert "forkserver the default start method on unix other than macos" in notes


def row_text(kind: str) -> str:
    row = framework.table_row(kind)
    return f"{row.nature} {row.why} {row.notes_314}"


def test_isolated_row_says_one_dead_worker_breaks_the_pool():
    # Issue 10 #1: the old note said "a crash stays inside its process", which a ProcessPoolExecutor denies.
    text = row_text("cpu_parallel_isolated")
    assert "stays inside its process" not in text
    assert "BrokenProcessPool" in text
    assert "broken_process_pool" in framework.table_row("cpu_parallel_isolated").facts


def test_no_question_or_row_offers_processes_for_untrusted_code():
    # Issue 10 #2: a process is no security boundary, so the tree must not route untrusted code to multiprocessing.
    for question in framework.QUESTIONS.values():
        assert "untrusted" not in question.text.lower(), question.id
    assert "untrusted" not in framework.tree_dot().lower()
    for row in framework.DECISION_TABLE:
        assert "untrusted" not in row_text(row.kind).lower(), row.kind


def test_isolated_row_says_the_main_module_is_re_imported_not_that_children_inherit_nothing():
    # Issue 10 #4: spawn/forkserver children re-import __main__, so import-time state is rebuilt.
    text = row_text("cpu_parallel_isolated")
    assert "inherit nothing" not in text
    assert "re-import the main module" in text
    assert fact("main_reimported").statement in text


def test_shared_state_row_never_falls_back_to_subinterpreters():
    # Issue 10 #13: interpreters cannot share mutable objects; the GIL-build fallback is processes with channels.
    notes = framework.table_row("cpu_parallel_shared").notes_314
    fallback = notes[notes.index("On a GIL build the fallback") :]
    assert "subinterpreter" not in fallback.lower() and "InterpreterPoolExecutor" not in fallback
    assert "cannot share mutable objects" in notes
    assert "processes" in fallback and ("Queue" in fallback or "Pipe" in fallback)
    assert "read-only" in fallback


def test_figures_in_the_table_are_the_facts_values_and_their_sources_are_linked():
    # Issue 10 #15: 40% is the 3.13 HOWTO's figure, not PEP 703's; every figure is a fact's and its source is cited.
    for row in framework.DECISION_TABLE:
        text = row_text(row.kind)
        for figure in re.findall(r"\d+(?:-\d+)?%", text):
            owners = [fact_id for fact_id in row.facts if figure in fact(fact_id).value]
            assert owners, f"{row.kind}: {figure} quotes no fact of the row"
        assert [url for _, url in row.sources] == list(dict.fromkeys(fact(fact_id).url for fact_id in row.facts))
    sequential = framework.table_row("cpu_sequential")
    assert fact("ft_cost_313").value in sequential.notes_314
    assert any("3.13/howto/free-threading-python" in url for _, url in sequential.sources)
    assert not any("pep-0703" in url for _, url in sequential.sources)
