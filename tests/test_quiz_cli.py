"""`python -m engine quiz` in a subprocess with answers on stdin: scoring, feedback, asking again, seeds, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main
from engine.lesson import quiz
from engine.lesson.scenarios import load_bank

ROOT = Path(__file__).resolve().parent.parent

FIXTURE_BANK = ROOT / "tests" / "data" / "quiz_bank.toml"
FIXTURE = ["--bank", str(FIXTURE_BANK)]

# A teacher's bank of one scenario whose words the tests can find in the output.
TEACHER_BANK = """
[[scenario]]
id = "teacher_thumbnails"
prompt = "Make thumbnails of 5,000 photos with a pure-Python resizer on 8 cores."
kind = "cpu_parallel_isolated"
best = "multiprocessing"
acceptable = ["free_threaded"]
explanation = "Each photo is independent CPU work: one process per core."
difficulty = "easy"
tags = ["teacher", "cpu-parallel"]
source = "edge"
[scenario.feedback.io_bound]
tempts = "TEACHER-TEMPTS: the photos are files on a disk."
wrong = "TEACHER-NOTE: reading a photo takes milliseconds, resizing it takes seconds."
[scenario.feedback.cpu_sequential]
tempts = "Resizing one photo is a sequence of steps."
wrong = "The 5,000 photos do not depend on each other."
[scenario.feedback.cpu_parallel_shared]
tempts = "All thumbnails go to one folder."
wrong = "Writing files to one folder is not state the resizers share."
[scenario.feedback.asyncio]
tempts = "An event loop runs thousands of tasks at once."
wrong = "TEACHER-NOTE: an event loop overlaps waits, and resizing does not wait."
[scenario.feedback.threads]
tempts = "Threads are cheap and share the photo list."
wrong = "On a GIL build pure-Python resizing in threads runs on one core at a time."
[scenario.profile]
workload = "cpu_parallel_isolated"
memory_mb = 2048.0
cores = 8
expensive_startup = false
"""


def run_quiz(args: list[str], answers: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine", "quiz", *args],
        input=answers,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def flat(text: str) -> str:
    """The text with every run of whitespace made one space: the CLI wraps lines to the terminal's width."""
    return " ".join(text.split())


@pytest.fixture
def teacher_bank(tmp_path: Path) -> Path:
    path = tmp_path / "teacher.toml"
    path.write_text(TEACHER_BANK)
    return path


def test_a_right_answer_by_number_or_id_scores() -> None:
    first, second = quiz.select(load_bank(FIXTURE_BANK), seed=5, count=2)
    by_number = str(first.options("classify").index(first.kind) + 1)
    completed = run_quiz([*FIXTURE, "--seed", "5", "--count", "2"], f"{by_number}\n{second.kind}\n")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.count("Correct (1 of 1 point)") == 2
    assert "Score: 2 of 2 (100%)" in completed.stdout
    assert "Mistakes to review (0)" in completed.stdout


def test_a_wrong_answer_prints_that_answers_feedback_and_the_explanation(teacher_bank: Path) -> None:
    completed = run_quiz(["--bank", str(teacher_bank)], "io_bound\n")
    assert completed.returncode == 0, completed.stderr
    feedback, end = flat(completed.stdout).split("Score:")
    assert "Wrong (0 of 1 point). Why it tempts: TEACHER-TEMPTS: the photos are files on a disk." in feedback
    assert "Why it is wrong here: TEACHER-NOTE: reading a photo takes milliseconds" in feedback
    assert "Each photo is independent CPU work" in feedback
    assert "an event loop overlaps waits" not in completed.stdout
    review = end.split("Mistakes to review (1):")[1]
    assert "You answered I/O-bound (wrong)" in review
    assert "TEACHER-NOTE: reading a photo" in review


def test_an_acceptable_approach_earns_half_a_point_and_json_reports_it(teacher_bank: Path) -> None:
    completed = run_quiz(["--bank", str(teacher_bank), "--mode", "approach", "--json"], "free_threaded\n")
    assert completed.returncode == 0, completed.stderr
    assert "Acceptable, for partial credit (1/2 of 1 point)" in flat(completed.stderr)
    results = json.loads(completed.stdout)
    assert results["answers"] == [
        {
            "question_id": "teacher_thumbnails",
            "given": "free_threaded",
            "expected": "multiprocessing",
            "verdict": "partial",
            "points": 0.5,
            "feedback": results["answers"][0]["feedback"],
            "topics": ["teacher", "cpu-parallel"],
        }
    ]
    assert results["score"] == {"points": 0.5, "questions": 1, "text": "1/2 of 1", "percent": 50.0}
    assert {row["topic"]: row["points"] for row in results["by_topic"]} == {"teacher": 0.5, "cpu-parallel": 0.5}
    assert results["complete"] is True


def test_a_bad_entry_is_asked_again_with_what_is_accepted() -> None:
    (first,) = quiz.select(load_bank(FIXTURE_BANK), seed=2, count=1)
    hidden = next(kind for kind in quiz.WORKLOAD_TITLES if kind not in first.options("classify"))
    completed = run_quiz([*FIXTURE, "--seed", "2", "--count", "1"], f"gpu\n0\n{hidden}\n{first.kind}\n")
    assert completed.returncode == 0, completed.stderr
    assert "answer: got 'gpu'; accepted: 1-4 or cpu_sequential" in completed.stderr
    assert "answer: got '0'; accepted: 1-4" in completed.stderr
    assert f"answer: got '{hidden}'; accepted: 1-4" in completed.stderr, "an option not shown is not an answer"
    assert completed.stdout.count("Your answer (1-4 or an id):") == 4
    assert "Score: 1 of 1 (100%)" in completed.stdout


def test_end_of_input_ends_early_and_still_prints_the_review() -> None:
    first, *_ = quiz.select(load_bank(FIXTURE_BANK), seed=4, count=3)
    wrong = next(kind for kind in first.options("classify") if kind != first.kind)
    completed = run_quiz([*FIXTURE, "--seed", "4", "--count", "3"], f"{wrong}\n")
    assert completed.returncode == 0, completed.stderr
    assert "Score: 0 of 1 (0%)" in completed.stdout
    assert "Ended early: 1 of 3 questions answered." in completed.stdout
    assert f"1. {first.id}" in completed.stdout.split("Mistakes to review (1):")[1]
    table = completed.stdout.split("Score by topic (weakest first):")[1]
    assert all(topic in table for topic in first.tags)


def test_the_same_seed_gives_the_same_order() -> None:
    runs = [run_quiz([*FIXTURE, "--seed", "11", "--count", "3", "--json"]) for _ in range(2)]
    orders = [json.loads(completed.stdout)["order"] for completed in runs]
    assert orders[0] == orders[1] == [s.id for s in quiz.select(load_bank(FIXTURE_BANK), seed=11, count=3)]
    assert "--seed 11 repeats this order" in runs[0].stderr


def test_a_bad_bank_exits_2_with_one_line_naming_file_scenario_and_field(teacher_bank: Path) -> None:
    bad = TEACHER_BANK.replace('kind = "cpu_parallel_isolated"', 'kind = "gpu"')
    teacher_bank.write_text(bad + bad.replace("teacher_thumbnails", "teacher_second"))
    completed = run_quiz(["--bank", str(teacher_bank)], "1\n")
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.count("\n") == 1
    assert f"{teacher_bank}: scenario 'teacher_thumbnails': kind: got 'gpu'" in completed.stderr
    assert "(and 1 more: `python -m engine scenarios check" in completed.stderr


def test_a_bad_mode_exits_2_with_one_line() -> None:
    completed = run_quiz(["--mode", "predict"], "1\n")
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1
    assert "python -m engine quiz: error: argument --mode: invalid choice: 'predict'" in completed.stderr


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["--bank", "no-such-bank.toml"], "no-such-bank.toml: cannot read"),
        ([*FIXTURE, "--difficulty", "easy,extreme"], "difficulty: unknown extreme"),
        ([*FIXTURE, "--source", "blog"], "source: unknown blog"),
        ([*FIXTURE, "--tag", "nope"], f"tag: {FIXTURE_BANK} has no 'nope'; accepted: cpu-parallel, gil-release"),
        ([*FIXTURE, "--count", "0"], "count: got 0"),
        ([*FIXTURE, "--difficulty", "medium", "--tag", "io,lesson", "--tag", "gil-release"], "filters: no scenario"),
        ([*FIXTURE, "--difficulty", "easy", "--source", "edge"], "has difficulty easy and source edge"),
    ],
)
def test_bad_options_exit_2_with_one_line_before_any_question(
    arguments: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # In-process: the same parser and exit codes as the subprocess, without paying an interpreter start each.
    assert main(["quiz", *arguments]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("python -m engine quiz: error:")
    assert named in captured.err
