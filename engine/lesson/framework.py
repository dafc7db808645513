"""The decision framework: workload kinds, approaches, the decision table and tree, as data.

Owns the identifiers of DESIGN.md and the walk through the lesson's decision
tree. Every figure and versioned claim in the table quotes the facts table by id (engine.lesson.facts).
Pure data and pure functions: no I/O beyond the facts table's loader, no streamlit.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

from engine.errors import InputError
from engine.lesson.approaches import APPROACH_IDS, ids_where
from engine.lesson.approaches import APPROACHES as APPROACH_RECORDS
from engine.lesson.facts import fact

WORKLOAD_KINDS: tuple[str, ...] = (
    "cpu_sequential",
    "cpu_parallel_shared",
    "cpu_parallel_isolated",
    "io_bound",
    "hybrid",
)

WORKLOAD_TITLES: dict[str, str] = {
    "cpu_sequential": "CPU-bound, sequential",
    "cpu_parallel_shared": "CPU-bound, parallel with shared state",
    "cpu_parallel_isolated": "CPU-bound, parallel and isolated",
    "io_bound": "I/O-bound",
    "hybrid": "Hybrid: CPU and I/O",
}

# The approaches, derived from their records (engine/lesson/approaches.py): no second list of names.
APPROACHES: tuple[str, ...] = APPROACH_IDS
APPROACH_TITLES: dict[str, str] = {record.id: record.title for record in APPROACH_RECORDS.values()}
# Approaches that run pure-Python CPU work on more than one core at once.
PARALLEL_CPU_APPROACHES: frozenset[str] = ids_where(lambda record: record.parallel_cpu)


@dataclass(frozen=True)
class TableRow:
    """One row of the decision table: a workload kind and what fits it.

    `facts` are the ids of the facts table the row's texts quote; `sources` links each to its CPython doc or PEP.
    """

    kind: str
    nature: str
    approach: str
    why: str
    notes_314: str
    facts: tuple[str, ...] = ()

    @property
    def sources(self) -> tuple[tuple[str, str], ...]:
        """(document and section, link) for each fact the row quotes, in order, each once."""
        seen: dict[str, tuple[str, str]] = {}
        for fact_id in self.facts:
            quoted = fact(fact_id)
            seen.setdefault(quoted.url, (quoted.source, quoted.url))
        return tuple(seen.values())


def _statements(*fact_ids: str) -> str:
    return " ".join(fact(fact_id).statement for fact_id in fact_ids)


DECISION_TABLE: tuple[TableRow, ...] = (
    TableRow(
        kind="cpu_sequential",
        nature="Computation whose steps depend on each other: nothing to run at the same time.",
        approach="single_threaded",
        why="No part can run in parallel, so every pool only adds start-up and hand-off costs.",
        notes_314=(
            f"{_statements('ft_cost_314', 'ft_cost_313')} With nothing to run in parallel that cost buys nothing: "
            "stay on the default GIL build."
        ),
        facts=("ft_cost_314", "ft_cost_313"),
    ),
    TableRow(
        kind="cpu_parallel_shared",
        nature="Computation that splits into parallel parts which read and write shared objects.",
        approach="free_threaded",
        why=(
            "Threads share memory for free and, without the GIL, run Python code on every core; "
            "processes would have to copy or serialise the shared state."
        ),
        notes_314=(
            f"{_statements('ft_supported_314', 'gil_reenabled_by_extension')} Contention on shared objects takes "
            f"the speedup away too: measure. {_statements('interpreters_no_shared_mutable')} On a GIL build the "
            "fallback is processes that exchange explicit messages (a multiprocessing Queue or Pipe) or share only "
            "read-only data (or a shared_memory buffer), with the shared state redesigned to fit."
        ),
        facts=("ft_supported_314", "gil_reenabled_by_extension", "interpreters_no_shared_mutable"),
    ),
    TableRow(
        kind="cpu_parallel_isolated",
        nature="Computation that splits into independent parts that share nothing.",
        approach="multiprocessing",
        why=(
            "Each process has its own interpreter and GIL, so the parts run on every core. "
            f"{_statements('broken_process_pool')}"
        ),
        notes_314=_statements(
            "forkserver_default_314", "main_reimported", "process_interrupt_314", "pool_terminate_workers_314"
        )
        + " InterpreterPoolExecutor is a lighter in-process alternative for pure-Python work: "
        + _statements("interpreter_pool_314"),
        facts=(
            "broken_process_pool",
            "forkserver_default_314",
            "main_reimported",
            "process_interrupt_314",
            "pool_terminate_workers_314",
            "interpreter_pool_314",
        ),
    ),
    TableRow(
        kind="io_bound",
        nature="Work that mostly waits: network, disk, databases, other services.",
        approach="asyncio",
        why=(
            "One thread with an event loop overlaps thousands of waits cheaply; threads cost a "
            "stack and a context switch each, and the CPU is idle anyway."
        ),
        notes_314=_statements("asyncio_314_task_speedup", "asyncio_introspection_314", "asyncio_not_thread_safe"),
        facts=("asyncio_314_task_speedup", "asyncio_introspection_314", "asyncio_not_thread_safe"),
    ),
    TableRow(
        kind="hybrid",
        nature="Work that waits on I/O and then computes on what arrived (fetch, then parse).",
        approach="free_threaded_asyncio",
        why=(
            "The event loop overlaps the waits; on a free-threaded build, threads run the CPU part "
            "on every core without leaving the process."
        ),
        notes_314=(
            f"{_statements('asyncio_free_threaded_314')} The loop can also hand CPU work to threads that truly run "
            "in parallel. On a GIL build the fallback is asyncio with a process pool (loop.run_in_executor)."
        ),
        facts=("asyncio_free_threaded_314",),
    ),
)


def table_row(kind: str) -> TableRow:
    """The decision table's row for a workload kind."""
    for row in DECISION_TABLE:
        if row.kind == kind:
            return row
    raise InputError("workload", f"unknown kind {kind!r}", ", ".join(WORKLOAD_KINDS))


@dataclass(frozen=True)
class Question:
    """A yes/no node of the decision tree; each branch names another node or a leaf kind."""

    id: str
    text: str
    yes: str
    no: str


# The lesson's tree. A branch names either another question or a workload kind (a leaf);
# question ids and kind ids never overlap.
ROOT = "waits_on_io"
QUESTIONS: dict[str, Question] = {
    question.id: question
    for question in (
        Question(
            "waits_on_io",
            "Is the work I/O-bound (does it spend most of its time waiting)?",
            yes="cpu_too",
            no="needs_parallelism",
        ),
        Question("cpu_too", "Does it also do heavy CPU work on what it receives?", yes="hybrid", no="io_bound"),
        Question(
            "needs_parallelism",
            "Is it CPU-bound work that splits into parts worth running in parallel?",
            yes="shared_state",
            no="cpu_sequential",
        ),
        Question(
            "shared_state",
            "Do the parallel parts need to share mutable state?",
            yes="isolation",
            no="cpu_parallel_isolated",
        ),
        Question(
            "isolation",
            "Must the parts be isolated, each in its own process, so that no part can corrupt another's memory?",
            yes="cpu_parallel_isolated",
            no="cpu_parallel_shared",
        ),
    )
}


@dataclass(frozen=True)
class Step:
    """One answered question on the way through the tree."""

    question: str
    text: str
    answer: bool


@dataclass(frozen=True)
class DecisionPath:
    """The path taken through the tree and where it ends."""

    steps: tuple[Step, ...]
    kind: str
    approach: str

    def describe(self) -> list[str]:
        """The path as sentences: each question with its answer, then the leaf."""
        lines = [f"{step.text} {'Yes' if step.answer else 'No'}." for step in self.steps]
        lines.append(f"-> {WORKLOAD_TITLES[self.kind]}: {APPROACH_TITLES[self.approach]}.")
        return lines


def walk(answers: Mapping[str, bool]) -> DecisionPath:
    """Walk the tree from the root with answers keyed by question id; return the path taken.

    Only the questions on the path need answers; a missing one raises InputError naming it.
    """
    steps: list[Step] = []
    node = ROOT
    while node in QUESTIONS:
        question = QUESTIONS[node]
        if question.id not in answers:
            raise InputError(question.id, f"no answer to {question.text!r}", "yes or no")
        answer = bool(answers[question.id])
        steps.append(Step(question.id, question.text, answer))
        node = question.yes if answer else question.no
    return DecisionPath(tuple(steps), node, table_row(node).approach)


def answers_for_kind(kind: str) -> dict[str, bool]:
    """The answers that lead the tree to a workload kind by its shortest path."""
    table_row(kind)
    frontier: list[tuple[str, dict[str, bool]]] = [(ROOT, {})]
    while frontier:
        node, answers = frontier.pop(0)
        if node == kind:
            return answers
        if node in QUESTIONS:
            question = QUESTIONS[node]
            frontier.append((question.yes, {**answers, question.id: True}))
            frontier.append((question.no, {**answers, question.id: False}))
    raise AssertionError(f"the decision tree has no leaf {kind}")


def branch_title(target: str) -> str:
    """What a branch leads to, in words: the next question, or the leaf's workload and approach."""
    if target in QUESTIONS:
        return f"next, {QUESTIONS[target].text}"
    return f"{WORKLOAD_TITLES[target]}: {APPROACH_TITLES[table_row(target).approach]}."


def tree_dot(path: DecisionPath | None = None) -> str:
    """The tree as Graphviz DOT text; the taken branch, if given, is highlighted."""
    taken_edges = set()
    taken_nodes = {ROOT} if path else set()
    if path:
        for step in path.steps:
            question = QUESTIONS[step.question]
            target = question.yes if step.answer else question.no
            taken_edges.add((step.question, target))
            taken_nodes.add(target)
    lines = [
        "digraph decision {",
        '  graph [rankdir=TB, nodesep=0.25, ranksep=0.35, bgcolor="transparent", fontname="Helvetica"];',
        # Streamlit's renderer draws labels at its own text size: small layout sizes keep the boxes snug around it.
        '  node [fontname="Helvetica", fontsize=10, margin="0.25,0.08"];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for question in QUESTIONS.values():
        style = ', penwidth=3, color="#0072B2"' if question.id in taken_nodes else ""
        label = "\\n".join(textwrap.wrap(question.text, 22))
        lines.append(f'  {question.id} [shape=box, style=rounded, label="{label}"{style}];')
    for row in DECISION_TABLE:
        style = ', penwidth=3, color="#0072B2", fontcolor="#0072B2"' if row.kind in taken_nodes else ""
        label = "\\n".join(
            [*textwrap.wrap(WORKLOAD_TITLES[row.kind], 22), "->", *textwrap.wrap(APPROACH_TITLES[row.approach], 22)]
        )
        lines.append(f'  {row.kind} [shape=ellipse, label="{label}"{style}];')
    for question in QUESTIONS.values():
        for answer, target in (("yes", question.yes), ("no", question.no)):
            style = ', penwidth=3, color="#0072B2"' if (question.id, target) in taken_edges else ""
            lines.append(f'  {question.id} -> {target} [label="{answer}"{style}];')
    lines.append("}")
    return "\n".join(lines)
