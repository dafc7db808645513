"""The quiz's rules: choosing questions (filters, seeded shuffle), grading answers, and the score by topic.

Pure logic over engine.lesson.scenarios and engine.bench.presets values, so the page, the terminal quiz and the tests
share one set of rules. No streamlit, no I/O.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from engine.bench.presets import Preset
from engine.bench.results import BANDS, BenchResult, band_wording, speedup_band
from engine.errors import InputError
from engine.lesson.framework import (
    APPROACH_TITLES,
    APPROACHES,
    DECISION_TABLE,
    WORKLOAD_KINDS,
    WORKLOAD_TITLES,
    table_row,
)
from engine.lesson.scenarios import DIFFICULTIES, Scenario

MODES: dict[str, str] = {
    "classify": "Classify the workload",
    "approach": "Choose the approach",
    "predict": "Predict the speedup",
}
# An acceptable alternative is right in practice but not the best fit: half a point.
ACCEPTABLE_CREDIT = 0.5
# A prediction one interpretation band away from the measurement: half a point.
NEAR_BAND_CREDIT = 0.5

# What each approach is for, used when the bank has no note on a wrong answer.
APPROACH_FITS: dict[str, str] = {
    **{row.approach: f"the lesson's answer for {WORKLOAD_TITLES[row.kind].lower()} work" for row in DECISION_TABLE},
    "threads": "blocking I/O, or C code that releases the GIL (zlib, hashlib, NumPy)",
    "asyncio_multiprocessing": "hybrid work on a GIL build: the loop waits, a process pool computes",
    "subinterpreters": "isolated pure-Python CPU work in one process on 3.14 (InterpreterPoolExecutor)",
    "distributed": "work that one machine cannot finish in time",
}


@dataclass(frozen=True)
class Grade:
    """One answered question: what was given, what was expected, the credit and the words that teach."""

    question_id: str
    mode: str
    given: str
    expected: str
    credit: float
    verdict: str  # correct | partial | wrong
    feedback: str
    explanation: str
    decision_path: tuple[str, ...]
    topics: tuple[str, ...]


@dataclass(frozen=True)
class Score:
    credit: float
    questions: int

    @property
    def percent(self) -> float:
        return 100.0 * self.credit / self.questions if self.questions else 0.0


@dataclass(frozen=True)
class TopicScore:
    """How a learner did on the questions carrying one tag."""

    topic: str
    questions: int
    credit: float

    @property
    def percent(self) -> float:
        return 100.0 * self.credit / self.questions if self.questions else 0.0


def choices(mode: str) -> tuple[str, ...]:
    """The answer ids a learner picks from in a scenario mode."""
    if mode == "classify":
        return WORKLOAD_KINDS
    if mode == "approach":
        return APPROACHES
    raise InputError("mode", f"{mode!r} has no fixed choices", "classify, approach")


def tempting_answers(scenario: Scenario, mode: str) -> tuple[tuple[str, str], ...]:
    """The scenario's tempting wrong answers for this mode, each with why it is wrong (kinds or approaches)."""
    offered = set(choices(mode))
    return tuple((wrong, why) for wrong, why in scenario.feedback if wrong in offered)


def answer_title(answer: str) -> str:
    """The human title of a kind or approach id."""
    return WORKLOAD_TITLES.get(answer) or APPROACH_TITLES.get(answer) or answer


def parse_answer(mode: str, entry: str) -> str:
    """The answer id a learner typed: a choice's number (1-based, in the order of `choices`) or its id.

    Case and surrounding spaces do not matter; anything else raises InputError listing what is accepted.
    """
    allowed = choices(mode)
    typed = entry.strip().lower()
    if typed.isdigit() and 1 <= int(typed) <= len(allowed):
        return allowed[int(typed) - 1]
    if typed in allowed:
        return typed
    raise InputError("answer", f"got {entry.strip()!r}", f"1-{len(allowed)} or {', '.join(allowed)}")


def select(
    bank: Sequence[Scenario],
    *,
    seed: int,
    difficulties: Iterable[str] = (),
    tags: Iterable[str] = (),
    count: int | None = None,
) -> tuple[Scenario, ...]:
    """The quiz's questions: filtered (any chosen difficulty, any chosen tag), shuffled by seed, cut to count.

    The same bank, filters and seed give the same order, so a class shares one quiz.
    """
    wanted_difficulties = set(difficulties)
    unknown = wanted_difficulties - set(DIFFICULTIES)
    if unknown:
        raise InputError("difficulty", f"unknown {', '.join(sorted(unknown))}", ", ".join(DIFFICULTIES))
    wanted_tags = set(tags)
    chosen = [
        scenario
        for scenario in bank
        if (not wanted_difficulties or scenario.difficulty in wanted_difficulties)
        and (not wanted_tags or wanted_tags.intersection(scenario.tags))
    ]
    random.Random(seed).shuffle(chosen)
    if count is not None:
        if count < 1:
            raise InputError("count", f"got {count}", "a whole number >= 1")
        chosen = chosen[:count]
    return tuple(chosen)


def _generic_feedback(mode: str, given: str, scenario: Scenario) -> str:
    if mode == "classify":
        return f"{WORKLOAD_TITLES[given]} means: {table_row(given).nature}"
    return (
        f"{APPROACH_TITLES[given]} fits {APPROACH_FITS[given]}; this is {WORKLOAD_TITLES[scenario.kind].lower()} work."
    )


def grade(scenario: Scenario, mode: str, given: str) -> Grade:
    """Grade a classify or approach answer: full credit, partial for an acceptable alternative, or none."""
    allowed = choices(mode)
    if given not in allowed:
        raise InputError("answer", f"got {given!r}", ", ".join(allowed))
    expected = scenario.kind if mode == "classify" else scenario.best
    if given == expected:
        credit, verdict, feedback = 1.0, "correct", f"Right: {answer_title(expected)}."
    elif mode == "approach" and given in scenario.acceptable:
        credit, verdict = ACCEPTABLE_CREDIT, "partial"
        feedback = f"{answer_title(given)} works here, but {answer_title(expected)} fits better."
    else:
        credit, verdict = 0.0, "wrong"
        feedback = scenario.feedback_for(given) or _generic_feedback(mode, given, scenario)
    return Grade(
        question_id=scenario.id,
        mode=mode,
        given=given,
        expected=expected,
        credit=credit,
        verdict=verdict,
        feedback=feedback,
        explanation=scenario.explanation,
        decision_path=tuple(scenario.decision_path()),
        topics=scenario.tags,
    )


def _band_index(speedup: float) -> int:
    return [band for band, _, _ in BANDS].index(speedup_band(speedup))


def grade_prediction(
    question_id: str,
    predicted: Mapping[str, float],
    measured: Mapping[str, float],
    *,
    explanation: str,
    topic: str,
) -> Grade:
    """Grade predicted speedups per executor against measured ones, by the lesson's interpretation bands.

    Each executor earns 1 when the prediction lands in the measured band, NEAR_BAND_CREDIT one band away.
    """
    if not measured:
        raise InputError("measured", "no measured speedups", "at least one executor's speedup")
    missing = sorted(set(measured) - set(predicted))
    if missing:
        raise InputError("prediction", f"none for {', '.join(missing)}", "a speedup > 0 for every executor")
    credits, lines = [], []
    for executor, speedup in measured.items():
        guess = predicted[executor]
        if guess <= 0:
            raise InputError(f"prediction.{executor}", f"got {guess}", "a speedup > 0")
        distance = abs(_band_index(guess) - _band_index(speedup))
        credits.append(1.0 if distance == 0 else NEAR_BAND_CREDIT if distance == 1 else 0.0)
        lines.append(
            f"{executor}: you predicted {guess:.2f}x, measured {speedup:.2f}x ({band_wording(speedup_band(speedup))})."
        )
    credit = sum(credits) / len(credits)
    verdict = "correct" if credit == 1.0 else "partial" if credit > 0 else "wrong"
    return Grade(
        question_id=question_id,
        mode="predict",
        given=", ".join(f"{executor} {predicted[executor]:.2f}x" for executor in measured),
        expected=", ".join(f"{executor} {speedup:.2f}x" for executor, speedup in measured.items()),
        credit=credit,
        verdict=verdict,
        feedback=" ".join(lines),
        explanation=explanation,
        decision_path=(),
        topics=(topic,),
    )


def total(grades: Sequence[Grade]) -> Score:
    """The quiz's score: credit earned out of the questions answered."""
    return Score(credit=sum(grade.credit for grade in grades), questions=len(grades))


def topic_scores(grades: Sequence[Grade]) -> tuple[TopicScore, ...]:
    """The score per topic (tag): a question counts once toward each of its tags. Weakest topics first."""
    questions: dict[str, int] = {}
    credit: dict[str, float] = {}
    for answered in grades:
        for topic in answered.topics:
            questions[topic] = questions.get(topic, 0) + 1
            credit[topic] = credit.get(topic, 0.0) + answered.credit
    scores = [TopicScore(topic, questions[topic], credit[topic]) for topic in questions]
    return tuple(sorted(scores, key=lambda score: (score.percent, score.topic)))


def mistakes(grades: Sequence[Grade]) -> tuple[Grade, ...]:
    """The answers to review: every one that did not earn full credit, in quiz order."""
    return tuple(answered for answered in grades if answered.credit < 1.0)


def predict_questions(presets: Sequence[Preset], *, seed: int, count: int | None = None) -> tuple[Preset, ...]:
    """The presets a learner can predict then run: single runs (sweeps draw curves, not one speedup), shuffled."""
    chosen = [preset for preset in presets if preset.sweep == "none"]
    random.Random(seed).shuffle(chosen)
    return tuple(chosen if count is None else chosen[:count])


def measured_speedups(preset: Preset, result: BenchResult) -> dict[str, float]:
    """Each non-baseline executor's measured speedup in a run of the preset."""
    return {entry.name: entry.speedup for entry in result.executors if entry.name != preset.executors[0]}
