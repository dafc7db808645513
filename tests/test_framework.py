"""The decision framework: the table's identifiers, the tree's walk and its DOT drawing."""

import pytest

from engine.errors import InputError
from engine.lesson import framework


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
