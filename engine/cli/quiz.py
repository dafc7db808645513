"""`python -m engine quiz`: the scenario quiz in a terminal, one question at a time, then the review.

Owns the dialogue only (prompts, asking again, feedback, review, topic table, --json); every rule (selection,
reading an answer, grading, scores) is engine/lesson/quiz.py's, so the terminal and the page never disagree.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TextIO

from engine.errors import InputError
from engine.lesson import quiz
from engine.lesson.scenarios import (
    DIFFICULTIES,
    SCENARIO_MODES,
    SOURCES,
    BankError,
    Scenario,
    all_tags,
    builtin_bank,
    load_bank,
)

PROG = "python -m engine quiz"
# Predict mode runs live benchmarks through the app's one-run slot: it stays on the page.
VERDICT_WORDS: dict[str, str] = {
    "correct": "Correct",
    "partial": "Acceptable, for partial credit",
    "wrong": "Wrong",
}
MAX_WIDTH = 100


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "quiz",
        help="take the scenario quiz in the terminal",
        description=(
            "Classify workloads or choose approaches, one scenario at a time: answer with a choice's number or id. "
            "End of input (Ctrl-D) ends the quiz early; the review still follows."
        ),
    )
    parser.add_argument(
        "--mode", choices=list(SCENARIO_MODES), default="classify", help="classify the workload, or choose the approach"
    )
    parser.add_argument(
        "--seed", type=int, help="shuffle seed: the same seed gives a class the same order (default: random, printed)"
    )
    parser.add_argument("--count", type=int, default=10, help="questions to ask (default 10)")
    parser.add_argument(
        "--difficulty",
        action="append",
        default=[],
        metavar="LEVEL",
        help=f"only these difficulties ({', '.join(DIFFICULTIES)}); repeat or comma-separate (default: all)",
    )
    parser.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="only scenarios with any of these tags; repeat or comma-separate (default: all)",
    )
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="SOURCE",
        help=f"only scenarios from these sources ({', '.join(SOURCES)}); repeat or comma-separate (default: all)",
    )
    parser.add_argument("--bank", metavar="FILE", help="a teacher's bank (.toml or .json; default: the built-in one)")
    parser.add_argument(
        "--json", action="store_true", help="print the results as JSON at the end; the dialogue goes to stderr"
    )
    parser.set_defaults(run=run)


@dataclass(frozen=True)
class Run:
    """What the quiz was asked to be, enough to repeat and report it, and the session that holds the answers."""

    bank: str
    difficulties: tuple[str, ...]
    tags: tuple[str, ...]
    sources: tuple[str, ...]
    session: quiz.QuizSession


def run(args: argparse.Namespace) -> int:
    try:
        bank = builtin_bank() if args.bank is None else load_bank(args.bank)
    except BankError as error:
        print(f"{PROG}: error: {bank_error_line(error)}", file=sys.stderr)
        return 2
    chosen = choose(args, bank)
    out = sys.stderr if args.json else sys.stdout
    finished = take(chosen, read_line(out), out)
    print(render_end(finished), file=out)
    if args.json:
        print(json.dumps(results_json(finished), indent=2))
    return 0


def bank_error_line(error: BankError) -> str:
    """A bad bank in one line: its first problem (file, scenario, field, what is accepted) and how many more."""
    first, more = error.errors[0], len(error.errors) - 1
    if not more:
        return str(first)
    return f"{first} (and {more} more: `python -m engine scenarios check {error.source}` lists them all)"


def _listed(values: Sequence[str]) -> tuple[str, ...]:
    """Repeated and comma-separated option values, in order, without blanks or repeats."""
    items = (item.strip() for value in values for item in value.split(","))
    return tuple(dict.fromkeys(item for item in items if item))


def choose(args: argparse.Namespace, bank: Sequence[Scenario]) -> Run:
    """The quiz's questions from the options; filters that name nothing or match nothing raise InputError."""
    bank_label = args.bank or "the built-in bank"
    difficulties, tags, sources = _listed(args.difficulty), _listed(args.tag), _listed(args.source)
    known_tags = all_tags(tuple(bank))
    unknown = [tag for tag in tags if tag not in known_tags]
    if unknown:
        raise InputError("tag", f"{bank_label} has no {', '.join(map(repr, unknown))}", ", ".join(known_tags))
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10_000)
    session = quiz.QuizSession.start(
        args.mode, seed=seed, bank=bank, difficulties=difficulties, tags=tags, sources=sources, count=args.count
    )
    if not session.questions:
        wanted = [f"difficulty {' or '.join(difficulties)}"] if difficulties else []
        wanted += [f"tag {' or '.join(tags)}"] if tags else []
        wanted += [f"source {' or '.join(sources)}"] if sources else []
        raise InputError(
            "filters", f"no scenario in {bank_label} has {' and '.join(wanted)}", "filters some scenario matches"
        )
    return Run(args.bank or "built-in", difficulties, tags, sources, session)


def read_line(out: TextIO) -> Callable[[str], str]:
    """A reader that writes the prompt to `out` and reads one line from stdin; end of input raises EOFError.

    Piped answers are echoed after the prompt, so a transcript reads like the session did.
    """
    echo = not sys.stdin.isatty()

    def read(prompt: str) -> str:
        out.write(prompt)
        out.flush()
        line = sys.stdin.readline()
        if not line:
            out.write("\n")
            raise EOFError
        if echo:
            out.write(line if line.endswith("\n") else line + "\n")
        return line

    return read


def _wrap(text: str, indent: str = "  ") -> str:
    width = min(MAX_WIDTH, shutil.get_terminal_size().columns)
    return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False)


def render_question(session: quiz.QuizSession) -> str:
    """The current scenario's prompt and the numbered options it shows."""
    scenario, options = session.current, session.options()
    id_width = max(map(len, options))
    lines = [
        f"Question {session.number} of {session.count} ({scenario.difficulty}; {', '.join(scenario.tags)})",
        _wrap(scenario.prompt),
        "",
        f"{quiz.MODES[session.mode]}:",
    ]
    lines += [
        f"  {index:>2}. {option:<{id_width}}  {quiz.answer_title(option)}" for index, option in enumerate(options, 1)
    ]
    return "\n".join(lines)


def render_feedback(session: quiz.QuizSession) -> str:
    """What the answer earned and why: the verdict, that option's feedback, the best answer and its explanation."""
    graded, scenario = session.current_grade, session.current
    points = quiz.format_points(graded.credit)
    lines = [
        _wrap(f"{VERDICT_WORDS[graded.verdict]} ({points} of 1 point). {graded.feedback}", ""),
        _wrap(f"Best answer: {quiz.answer_title(graded.expected)} ({graded.expected}). {graded.explanation}", ""),
    ]
    others = scenario.right_answers(session.mode)[1:]
    if others:
        titles = ", ".join(quiz.answer_title(answer) for answer in others)
        lines.append(
            _wrap(f"Also acceptable, for {quiz.format_points(quiz.ACCEPTABLE_CREDIT)} of 1 point: {titles}.", "")
        )
    if graded.verdict != "correct":
        lines.append("The decision path:")
        lines += [_wrap(f"{index}. {step}") for index, step in enumerate(graded.decision_path, 1)]
    return "\n".join(lines)


def take(chosen: Run, read: Callable[[str], str], out: TextIO) -> Run:
    """Ask every question in order, asking again after an entry that is not an option; end of input stops early."""
    session = chosen.session
    print(
        f"{quiz.MODES[session.mode]}: {session.count} scenarios from {chosen.bank} "
        f"(seed {session.seed}: --seed {session.seed} repeats this order).\n",
        file=out,
    )
    while not session.finished:
        print(render_question(session), file=out)
        options = session.options()
        prompt = f"Your answer (1-{len(options)} or an id): "
        while True:
            try:
                entry = read(prompt)
            except EOFError:
                return replace(chosen, session=session)
            try:
                option = quiz.parse_answer(options, entry)
                break
            except InputError as error:
                print(f"  {error}", file=sys.stderr)
        session = session.answer(option)
        print(render_feedback(session) + "\n", file=out)
        session = session.next()
    return replace(chosen, session=session)


def render_topics(scores: Sequence[quiz.TopicScore]) -> str:
    """The score by topic as a text table, weakest topic first."""
    header = ("Topic", "Questions", "Points", "Score")
    rows = [(s.topic, str(s.questions), quiz.format_points(s.credit), f"{s.percent:.0f}%") for s in scores]
    topic_width = max(len(row[0]) for row in [header, *rows])
    return "\n".join(f"  {row[0]:<{topic_width}}  {row[1]:>9}  {row[2]:>6}  {row[3]:>5}" for row in [header, *rows])


def render_end(finished: Run) -> str:
    """The score, the review of every answer short of full credit, and the score by topic."""
    session = finished.session
    if not session.grades:
        return f"Quiz ended before any answer (0 of {session.count} questions)."
    score = session.score()
    lines = [f"Score: {score.text} ({score.percent:.0f}%)"]
    if len(session.grades) < session.count:
        lines.append(f"Ended early: {len(session.grades)} of {session.count} questions answered.")
    to_review = session.mistakes()
    lines += ["", f"Mistakes to review ({len(to_review)}):"]
    if not to_review:
        lines.append("  None: every answer was the best one.")
    for index, review in enumerate(to_review, 1):
        graded = review.grade
        lines += [
            f"{index}. {graded.question_id}",
            _wrap(review.question, "   "),
            _wrap(
                f"You answered {quiz.answer_title(graded.given)} ({graded.verdict}); "
                f"best: {quiz.answer_title(graded.expected)}.",
                "   ",
            ),
            _wrap(graded.feedback, "   "),
            _wrap(graded.explanation, "   "),
        ]
    lines += ["", "Score by topic (weakest first):", render_topics(session.topic_scores())]
    return "\n".join(lines)


def results_json(finished: Run) -> dict[str, Any]:
    """The quiz for scripts: what was asked, every answer with its points, the score and the score by topic."""
    session = finished.session
    score = session.score()
    return {
        "mode": session.mode,
        "seed": session.seed,
        "bank": finished.bank,
        "difficulty": list(finished.difficulties),
        "tag": list(finished.tags),
        "source": list(finished.sources),
        "order": [scenario.id for scenario in session.questions],
        "complete": len(session.grades) == session.count,
        "answers": [
            {
                "question_id": graded.question_id,
                "given": graded.given,
                "expected": graded.expected,
                "verdict": graded.verdict,
                "points": graded.credit,
                "feedback": graded.feedback,
                "topics": list(graded.topics),
            }
            for graded in session.grades
        ],
        "score": {
            "points": score.credit,
            "questions": score.questions,
            "text": score.text,
            "percent": round(score.percent, 1),
        },
        "by_topic": [
            {
                "topic": topic.topic,
                "questions": topic.questions,
                "points": topic.credit,
                "percent": round(topic.percent, 1),
            }
            for topic in session.topic_scores()
        ],
    }
