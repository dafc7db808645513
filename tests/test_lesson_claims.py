"""What the app teaches holds: none of the claims the review found false comes back, in any text it shows.

The texts: the question bank (every string), the facts table's statements, the decision table and tree,
What's new, the approach records, and every recommendation the bank's profiles produce (reasoning, path,
alternatives, migration guide, template). Each pattern is one claim CPython's docs contradict; the last
test shows each pattern catches the sentence the app once carried, so this test would have failed then.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import astuple

import pytest

from engine.lesson import approaches, framework, whats_new
from engine.lesson.costs import default_costs
from engine.lesson.facts import facts
from engine.lesson.recommend import recommend
from engine.lesson.scenarios import builtin_bank

# (what the docs say instead, pattern of the false claim)
FALSE_CLAIMS: dict[str, re.Pattern[str]] = {
    "one dead worker breaks a ProcessPoolExecutor": re.compile(
        r"pool keeps going|notices and carries on|crash stays inside its process|takes down one worker, not the job",
        re.I,
    ),
    "spawn/forkserver children re-import the main module": re.compile(
        r"nothing is inherited|inherit nothing|no longer inherit the parent's memory|(is|are) empty on 3\.14", re.I
    ),
    "pools pickle the callable under every start method": re.compile(
        r"lambda[^.;]*works (on Linux|with fork)[^.;]*fails", re.I
    ),
    "asyncio.to_thread uses the loop's default executor": re.compile(r"the same thread pool", re.I),
    "an idle thread costs about 16 KiB resident": re.compile(r"\b80 ?MB (per|a|each) thread", re.I),
    "buffersize bounds the tasks in flight; chunksize batches": re.compile(r"buffersize[^.]*\bbatch", re.I),
    "get_event_loop raises when there is no current loop": re.compile(
        r"raises[^.]*when no (event )?loop is running", re.I
    ),
    "the 40% figure is the 3.13 HOWTO's": re.compile(r"40%.{0,40}PEP 703|PEP 703.{0,40}40%"),
    "calibration is on the Recommend page": re.compile(r"calibrat\w+ on the Benchmark page", re.I),
    "a process is not a security boundary": re.compile(
        r"(processes|a process|multiprocessing)[^.]*(sandbox(es)? untrusted|safe for untrusted|secure against)",
        re.I,
    ),
    "the app cites CPython's docs, not a file outside the repository": re.compile(r"FACTS\.md"),
}
# A claim the app quotes in order to correct it ("The lesson says ...; what holds: ...") is allowed.
QUOTED = re.compile(r"\blesson says\b|\bthe lesson's\b", re.I)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)
    elif hasattr(value, "__dataclass_fields__"):
        yield from _strings(astuple(value))


def taught_texts() -> Iterator[tuple[str, str]]:
    """(where, text) of everything the lesson shows."""
    for scenario in builtin_bank():
        yield f"bank {scenario.id}", scenario.prompt
        yield f"bank {scenario.id}", scenario.explanation
        for option, feedback in scenario.feedback.items():
            yield f"bank {scenario.id} {option}", f"{feedback.tempts} {feedback.wrong}"
        recommendation = recommend(scenario.profile, default_costs())
        for text in (
            *recommendation.reasoning,
            *recommendation.decision_path,
            *recommendation.migration_guide,
            *(alternative.tradeoff for alternative in recommendation.alternatives),
            recommendation.expected_speedup.basis,
            recommendation.benchmark_template,
        ):
            yield f"recommendation for {scenario.id}", text
    for item in facts().values():
        if item.id != "lesson_thread_memory_claim":  # the lesson's false figure, kept to be corrected
            yield f"fact {item.id}", item.statement
    for row in framework.DECISION_TABLE:
        yield f"table {row.kind}", " ".join(_strings(row))
    for question_id, question in framework.QUESTIONS.items():
        yield f"tree {question_id}", " ".join(_strings(question))
    for change in (*whats_new.CHANGES, *whats_new.CORRECTIONS):
        yield "what's new", " ".join(_strings(change))
    for record in approaches.APPROACHES.values():
        yield f"approach {record.id}", approaches.text(" ".join(_strings(record)))


TEXTS = list(taught_texts())


@pytest.mark.parametrize("holds", list(FALSE_CLAIMS))
def test_no_text_the_app_teaches_makes_a_claim_the_docs_contradict(holds: str) -> None:
    pattern = FALSE_CLAIMS[holds]
    found = [
        f"{where}: {text[max(0, m.start() - 60) : m.end() + 60]!r}"
        for where, text in TEXTS
        for sentence in re.split(r"(?<=[.!?])\s+", text)
        if (m := pattern.search(sentence)) and not QUOTED.search(sentence)
        for text in [sentence]
    ]
    assert not found, f"what holds: {holds}; found:\n" + "\n".join(found)


def test_the_scan_reads_every_kind_of_text() -> None:
    kinds = {where.split()[0] for where, _ in TEXTS}
    assert {"bank", "recommendation", "fact", "table", "tree", "what's", "approach"} <= kinds
    assert len(TEXTS) > 500


# Sentences the app once showed (before the review), one per claim: each pattern must catch its own.
ONCE_SHOWN: dict[str, str] = {
    "one dead worker breaks a ProcessPoolExecutor": "A crash in a worker process kills that worker; the parent "
    "notices and carries on.",
    "spawn/forkserver children re-import the main module": "With processes on 3.14's Linux default, forkserver, "
    "nothing is inherited: each worker would need its own copy.",
    "pools pickle the callable under every start method": "A lambda works on Linux with fork but fails on a MacBook.",
    "asyncio.to_thread uses the loop's default executor": "asyncio.to_thread is the same thread pool of 20-50.",
    "an idle thread costs about 16 KiB resident": "Each worker needs ~80 MB per thread.",
    "buffersize bounds the tasks in flight; chunksize batches": "Pass buffersize= to batch the tasks.",
    "get_event_loop raises when there is no current loop": "get_event_loop() raises when no loop is running.",
    "the 40% figure is the 3.13 HOWTO's": "It cost about 40% in 3.13 (PEP 703).",
    "calibration is on the Recommend page": "Run the calibration on the Benchmark page.",
    "a process is not a security boundary": "Multiprocessing is safe for untrusted plugins.",
    "the app cites CPython's docs, not a file outside the repository": "FACTS.md's figure, an idle thread ...",
}


@pytest.mark.parametrize("holds", list(FALSE_CLAIMS))
def test_each_pattern_catches_the_sentence_the_app_once_showed(holds: str) -> None:
    assert FALSE_CLAIMS[holds].search(ONCE_SHOWN[holds])
