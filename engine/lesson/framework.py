"""The decision framework: workload kinds, approaches, the decision table and tree, as data.

Owns the identifiers of DESIGN.md and the walk through the lesson's decision
tree. Every claim in the table's notes holds per shared/FACTS.md. Pure data and
pure functions: no I/O, no streamlit.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

from engine.errors import InputError
from engine.lesson.approaches import APPROACH_IDS, ids_where
from engine.lesson.approaches import APPROACHES as APPROACH_RECORDS

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
    """One row of the decision table: a workload kind and what fits it."""

    kind: str
    nature: str
    approach: str
    why: str
    notes_314: str


DECISION_TABLE: tuple[TableRow, ...] = (
    TableRow(
        kind="cpu_sequential",
        nature="Computation whose steps depend on each other: nothing to run at the same time.",
        approach="single_threaded",
        why="No part can run in parallel, so every pool only adds start-up and hand-off costs.",
        notes_314=(
            "A free-threaded build runs single-threaded code about 5-10% slower in 3.14 "
            "(about 40% in 3.13, where it was experimental): stay on the default GIL build."
        ),
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
            "3.14 supports the free-threaded build officially but as an option (PEP 779): install "
            "python3.14t. Contention on shared objects, and C extensions that turn the GIL back on, "
            "take the speedup away: measure. On a GIL build the fallback is multiprocessing, or "
            "subinterpreters (InterpreterPoolExecutor) in 3.14."
        ),
    ),
    TableRow(
        kind="cpu_parallel_isolated",
        nature="Computation that splits into independent parts that share nothing.",
        approach="multiprocessing",
        why=(
            "Each process has its own interpreter and GIL, so the parts run on every core, and a "
            "crash stays inside its process."
        ),
        notes_314=(
            "3.14 makes forkserver the default start method on Unix other than macOS (macOS and "
            "Windows use spawn): functions and arguments must pickle. New in 3.14: "
            "Process.interrupt(), ProcessPoolExecutor.terminate_workers() and kill_workers(); "
            "InterpreterPoolExecutor is a lighter in-process alternative for pure-Python work."
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
        notes_314=(
            "3.14 keeps tasks in a per-thread list (10-20% faster on standard benchmarks, less "
            "memory), adds asyncio.capture_call_graph() and `python -m asyncio ps/pstree`. Asyncio "
            "objects are still not thread-safe: from other threads use call_soon_threadsafe() or "
            "run_coroutine_threadsafe()."
        ),
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
            "3.14's asyncio supports free-threaded builds, so the loop can hand CPU work to threads "
            "that truly run in parallel (or run one loop per thread). On a GIL build the fallback "
            "is asyncio with a process pool (loop.run_in_executor)."
        ),
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
            "Must the parts be isolated (crash containment, untrusted code)?",
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
