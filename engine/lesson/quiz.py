"""The quiz: QuizSession, an immutable value whose methods return the next state, and the rules it applies.

Choosing questions (filters, seeded shuffle), the options a question shows, grading (partial credit for an
acceptable approach; predictions by interpretation band), the score as a fraction a person reads, the review,
and the presentation mode's reveal and countdown. The page and the terminal quiz only draw it and call its
methods, so they never disagree. Pure: no streamlit, no I/O (the clock is passed in).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cache

from engine.bench.presets import Preset
from engine.bench.results import BANDS, BenchResult, band_wording, speedup_band
from engine.bench.verdicts import verdict_withheld
from engine.errors import InputError
from engine.lesson import recommend
from engine.lesson.costs import default_costs
from engine.lesson.framework import APPROACH_TITLES, WORKLOAD_TITLES
from engine.lesson.profile import WorkloadProfile
from engine.lesson.scenarios import DIFFICULTIES, SCENARIO_MODES, SOURCES, Scenario

MODES: dict[str, str] = {
    "classify": "Classify the workload",
    "approach": "Choose the approach",
    "predict": "Predict the speedup",
}
# An acceptable alternative is right in practice but not the best fit: half a point.
ACCEPTABLE_CREDIT = 0.5
# A prediction one interpretation band away from the measurement: half a point.
NEAR_BAND_CREDIT = 0.5
# Credits are sums of halves and of per-executor shares: no fraction in a score needs a larger denominator.
MAX_DENOMINATOR = 120

Question = Scenario | Preset


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
    """Credit earned out of the questions answered."""

    credit: float
    questions: int

    @property
    def percent(self) -> float:
        return 100.0 * self.credit / self.questions if self.questions else 0.0

    @property
    def text(self) -> str:
        """The score as a person reads it: "2 1/2 of 4"."""
        return format_score(self.credit, self.questions)


@dataclass(frozen=True)
class TopicScore:
    """How a learner did on the questions carrying one tag."""

    topic: str
    questions: int
    credit: float

    @property
    def percent(self) -> float:
        return 100.0 * self.credit / self.questions if self.questions else 0.0


@dataclass(frozen=True)
class Review:
    """One answer to look at again: the question's text and its grade."""

    question: str
    grade: Grade


def format_points(points: float) -> str:
    """Points as a person reads them: 2, 1/2, 2 1/2, 2 1/6 (never 2.16667)."""
    exact = Fraction(points).limit_denominator(MAX_DENOMINATOR)
    whole, part = divmod(exact, 1)
    if not part:
        return str(whole)
    fraction = f"{part.numerator}/{part.denominator}"
    return fraction if not whole else f"{whole} {fraction}"


def format_score(credit: float, questions: int) -> str:
    """A score as a person reads it: "2 1/2 of 4"."""
    return f"{format_points(credit)} of {questions}"


def answer_title(answer: str) -> str:
    """The human title of a kind or approach id."""
    return WORKLOAD_TITLES.get(answer) or APPROACH_TITLES.get(answer) or answer


def question_text(question: Question) -> str:
    """What a question asks, in words: a scenario's prompt or a preset's title."""
    return question.prompt if isinstance(question, Scenario) else question.title


def parse_answer(options: Sequence[str], entry: str) -> str:
    """The option a learner typed: its number (1-based, in the order shown) or its id.

    Case and surrounding spaces do not matter; anything else raises InputError listing what is accepted.
    """
    typed = entry.strip().lower()
    if typed.isdigit() and 1 <= int(typed) <= len(options):
        return options[int(typed) - 1]
    if typed in options:
        return typed
    raise InputError("answer", f"got {entry.strip()!r}", f"1-{len(options)} or {', '.join(options)}")


def select(
    bank: Sequence[Scenario],
    *,
    seed: int,
    difficulties: Iterable[str] = (),
    tags: Iterable[str] = (),
    sources: Iterable[str] = (),
    count: int | None = None,
) -> tuple[Scenario, ...]:
    """The quiz's questions: filtered (any chosen difficulty, tag, source), shuffled by seed, cut to count.

    The same bank, filters and seed give the same order, so a class shares one quiz.
    """
    wanted_difficulties, wanted_tags, wanted_sources = set(difficulties), set(tags), set(sources)
    for name, wanted, known in (("difficulty", wanted_difficulties, DIFFICULTIES), ("source", wanted_sources, SOURCES)):
        if wanted - set(known):
            raise InputError(name, f"unknown {', '.join(sorted(wanted - set(known)))}", ", ".join(known))
    chosen = [
        scenario
        for scenario in bank
        if (not wanted_difficulties or scenario.difficulty in wanted_difficulties)
        and (not wanted_tags or wanted_tags.intersection(scenario.tags))
        and (not wanted_sources or scenario.source in wanted_sources)
    ]
    random.Random(seed).shuffle(chosen)
    return tuple(chosen if count is None else chosen[: _checked_count(count)])


def predict_questions(presets: Sequence[Preset], *, seed: int, count: int | None = None) -> tuple[Preset, ...]:
    """The presets a learner can predict then run: single runs (sweeps draw curves, not one speedup), shuffled."""
    chosen = [preset for preset in presets if preset.sweep == "none"]
    random.Random(seed).shuffle(chosen)
    return tuple(chosen if count is None else chosen[: _checked_count(count)])


def _checked_count(count: int) -> int:
    if count < 1:
        raise InputError("count", f"got {count}", "a whole number >= 1")
    return count


@cache
def _decision_path(profile: WorkloadProfile) -> tuple[str, ...]:
    # The documented default costs: a quiz's path must not change with the host that serves it.
    return tuple(recommend.recommend(profile, default_costs()).decision_path)


def decision_path_for(scenario: Scenario) -> tuple[str, ...]:
    """The decision path the quiz draws: the recommendation's own path for the scenario's profile, not a second walk."""
    return _decision_path(scenario.profile)


def grade(scenario: Scenario, mode: str, given: str) -> Grade:
    """Grade a classify or approach answer among the options the question shows.

    Full credit for the best answer, ACCEPTABLE_CREDIT for an acceptable approach, none for a wrong option,
    whose feedback says why it tempts and why it is wrong here.
    """
    if mode not in SCENARIO_MODES:
        raise InputError("mode", f"got {mode!r}", ", ".join(SCENARIO_MODES))
    shown = scenario.options(mode)
    if given not in shown:
        raise InputError("answer", f"got {given!r}", ", ".join(shown))
    expected = scenario.expected(mode)
    if given == expected:
        credit, verdict, feedback = 1.0, "correct", f"Right: {answer_title(expected)}."
    elif given in scenario.right_answers(mode):
        credit, verdict = ACCEPTABLE_CREDIT, "partial"
        feedback = f"{answer_title(given)} works here, but {answer_title(expected)} fits better."
    else:
        why = scenario.feedback[given]
        credit, verdict = 0.0, "wrong"
        feedback = f"Why it tempts: {why.tempts} Why it is wrong here: {why.wrong}"
    return Grade(
        question_id=scenario.id,
        mode=mode,
        given=given,
        expected=expected,
        credit=credit,
        verdict=verdict,
        feedback=feedback,
        explanation=scenario.explanation,
        decision_path=decision_path_for(scenario),
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

    Each executor earns 1 when the prediction lands in the measured band, NEAR_BAND_CREDIT one band away;
    the question's credit is their mean.
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
        credits.append(Fraction(1) if distance == 0 else Fraction(NEAR_BAND_CREDIT) if distance == 1 else Fraction(0))
        lines.append(
            f"{executor}: you predicted {guess:.2f}x, measured {speedup:.2f}x ({band_wording(speedup_band(speedup))})."
        )
    credit = float(sum(credits) / len(credits))
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


def measured_speedups(preset: Preset, result: BenchResult) -> dict[str, float]:
    """Each non-baseline executor's measured speedup in a run of the preset."""
    return {entry.name: entry.speedup for entry in result.executors if entry.name != preset.executors[0]}


def total(grades: Sequence[Grade]) -> Score:
    """The score: credit earned out of the questions answered."""
    return Score(credit=float(sum(Fraction(answered.credit) for answered in grades)), questions=len(grades))


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


@dataclass(frozen=True)
class QuizSession:
    """A quiz in progress: its questions, where the learner is, the answers graded so far and the reveal state.

    Immutable: every method returns the next session, so a page keeps one value in its state and a test can
    follow a whole quiz without a screen. Questions are scenarios (classify, approach) or presets (predict).
    """

    mode: str
    seed: int
    questions: tuple[Question, ...]
    position: int = 0
    grades: tuple[Grade, ...] = ()
    # Presentation mode: the teacher has shown the answer to the class.
    revealed: bool = False
    # Presentation mode: when the countdown ends (the caller's clock, in seconds), or None.
    deadline: float | None = None

    @classmethod
    def start(
        cls,
        mode: str,
        *,
        seed: int,
        bank: Sequence[Scenario] = (),
        presets: Sequence[Preset] = (),
        difficulties: Iterable[str] = (),
        tags: Iterable[str] = (),
        sources: Iterable[str] = (),
        count: int | None = None,
    ) -> QuizSession:
        """A new quiz: the bank's scenarios chosen by the filters (predict mode: the single-run presets)."""
        if mode not in MODES:
            raise InputError("mode", f"got {mode!r}", ", ".join(MODES))
        if mode == "predict":
            questions: tuple[Question, ...] = predict_questions(presets, seed=seed, count=count)
        else:
            questions = select(bank, seed=seed, difficulties=difficulties, tags=tags, sources=sources, count=count)
        return cls(mode=mode, seed=seed, questions=questions)

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def finished(self) -> bool:
        return self.position >= len(self.questions)

    @property
    def current(self) -> Question | None:
        """The question on screen, or None once the quiz is over."""
        return None if self.finished else self.questions[self.position]

    @property
    def number(self) -> int:
        """The current question's number, from 1."""
        return self.position + 1

    @property
    def progress(self) -> float:
        """The share of the quiz behind the learner, 0 to 1."""
        return self.position / len(self.questions) if self.questions else 1.0

    @property
    def current_grade(self) -> Grade | None:
        """The grade of the question on screen, once it is answered."""
        current = self.current
        if current is None:
            return None
        return next((answered for answered in self.grades if answered.question_id == current.id), None)

    @property
    def answered(self) -> bool:
        return self.current_grade is not None

    def options(self) -> tuple[str, ...]:
        """The options the current question shows (classify and approach modes)."""
        return self._scenario().options(self.mode)

    def _scenario(self) -> Scenario:
        current = self.current
        if not isinstance(current, Scenario):
            raise InputError("question", "none to answer" if current is None else "asks for a prediction", self.mode)
        return current

    def _unanswered(self) -> None:
        if self.answered:
            raise InputError("answer", "this question is already answered", "the next question")

    def answer(self, option: str) -> QuizSession:
        """The session with the current question graded for this option (one of `options()`)."""
        scenario = self._scenario()
        self._unanswered()
        return replace(self, grades=(*self.grades, grade(scenario, self.mode, option)))

    def answer_prediction(self, predicted: Mapping[str, float], result: BenchResult) -> QuizSession:
        """The session with the current preset's prediction graded against a live run of it.

        A run whose verdicts are withheld (engine.bench.verdicts.verdict_withheld: another program disturbed it)
        raises InputError saying why: run it again.
        """
        preset = self.current
        if not isinstance(preset, Preset):
            raise InputError("question", "has no preset to predict", "predict mode")
        self._unanswered()
        reason = verdict_withheld(result)
        if reason is not None:
            raise InputError("run", reason, "an undisturbed run")
        graded = grade_prediction(
            preset.id,
            predicted,
            measured_speedups(preset, result),
            explanation=preset.should_show,
            topic=preset.title,
        )
        return replace(self, grades=(*self.grades, graded))

    def reveal(self) -> QuizSession:
        """Presentation mode: the answer shown to the class."""
        return replace(self, revealed=True)

    def start_countdown(self, now: float, seconds: float) -> QuizSession:
        """Presentation mode: a countdown of `seconds` from `now` before the reveal."""
        if seconds <= 0:
            raise InputError("countdown", f"got {seconds}", "a number of seconds > 0")
        return replace(self, deadline=now + seconds)

    def seconds_left(self, now: float) -> int | None:
        """Whole seconds left on the countdown (0 when time is up), or None without one."""
        return None if self.deadline is None else max(0, round(self.deadline - now))

    def next(self) -> QuizSession:
        """The next question, its answer hidden and no countdown running."""
        return replace(self, position=min(self.position + 1, len(self.questions)), revealed=False, deadline=None)

    def score(self) -> Score:
        return total(self.grades)

    def topic_scores(self) -> tuple[TopicScore, ...]:
        return topic_scores(self.grades)

    def mistakes(self) -> tuple[Review, ...]:
        """The answers to review: every one short of full credit, in quiz order."""
        by_id = {question.id: question for question in self.questions}
        return tuple(
            Review(question_text(by_id[answered.question_id]), answered)
            for answered in self.grades
            if answered.credit < 1.0
        )
