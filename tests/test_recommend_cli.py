"""`python -m engine recommend`: flags, the lesson's prompts, --json and one-line errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main
from engine.recommend_cli import ask

ROOT = Path(__file__).resolve().parent.parent
FLAGS = [
    "--workload",
    "hybrid",
    "--latency-ms",
    "100",
    "--memory-mb",
    "256",
    "--cores",
    "4",
    "--expensive-startup",
    "no",
]


def run_cli(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine", "recommend", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_flags_ask_nothing_and_json_has_designs_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", *FLAGS, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["approach"] == "free_threaded_asyncio"
    assert data["memory"]["budget_mb"] == 256
    assert "def compute(data)" in data["benchmark_template"]


def test_optional_flags_change_the_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", *FLAGS, "--python-build", "gil", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["approach"] == "asyncio_multiprocessing"


def test_a_wrong_flag_exits_2_with_one_line() -> None:
    completed = run_cli([*FLAGS[:-1], "perhaps"])
    assert completed.returncode == 2
    assert completed.stderr.strip().count("\n") == 0
    assert "expensive_startup" in completed.stderr and "yes or no" in completed.stderr


def test_a_wrong_answer_is_asked_again_with_what_is_accepted() -> None:
    completed = run_cli([], stdin="gpu\nhybrid\nsoon\n100\n256\n4\nn\n")
    assert completed.returncode == 0, completed.stderr
    assert "workload: got 'gpu'; accepted: cpu_sequential" in completed.stderr
    assert "latency_ms: got 'soon'" in completed.stderr
    assert "Recommendation: Free-threaded Python + asyncio" in completed.stdout


def test_end_of_input_at_a_prompt_exits_2_naming_the_question() -> None:
    completed = run_cli([], stdin="hybrid\n100\n")
    assert completed.returncode == 2
    assert "memory_mb: no answer (end of input)" in completed.stderr


def test_prompts_come_in_the_lessons_order() -> None:
    asked: list[str] = []
    answers = io.StringIO("4\n")

    def read(prompt: str) -> str:
        asked.append(prompt)
        return answers.readline()

    assert ask("cores", read) == 4
    assert asked == ["CPU cores [a whole number >= 1]: "]
    completed = run_cli([], stdin="io_bound\n50\n64\n2\ny\n")
    order = ["Workload type", "Latency requirement", "Memory budget", "CPU cores", "Expensive start-up"]
    positions = [completed.stdout.index(prompt) for prompt in order]
    assert positions == sorted(positions)


def test_template_out_writes_a_runnable_script(tmp_path: Path) -> None:
    target = tmp_path / "bench.py"
    assert main(["recommend", *FLAGS, "--template-out", str(target)]) == 0
    compile(target.read_text(), str(target), "exec")
