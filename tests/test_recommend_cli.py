"""`python -m engine recommend`: flags, the lesson's prompts, --json and one-line errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main
from engine.cli.recommend import ask

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


@pytest.fixture(autouse=True)
def _no_host_calibration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI loads this interpreter's calibration from the data folder: the answers must not depend on it.
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))


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


TIGHT_MEMORY_FLAGS = [
    "--workload",
    "cpu_parallel_isolated",
    "--latency-ms",
    "1000",
    "--memory-mb",
    "300",
    "--cores",
    "8",
    "--expensive-startup",
    "no",
]


def test_worker_memory_flag_sizes_the_workers_with_the_users_figure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", *TIGHT_MEMORY_FLAGS, "--worker-memory-mb", "60", "--json"]) == 0
    memory = json.loads(capsys.readouterr().out)["memory"]
    assert (memory["per_worker_mb"], memory["workers"]) == (60.0, 5)
    assert "your figure" in memory["basis"]


def test_beyond_one_machine_flag_gives_distributed_in_the_same_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", *FLAGS, "--json"]) == 0
    one_machine = json.loads(capsys.readouterr().out)
    assert main(["recommend", *FLAGS, "--beyond-one-machine", "yes", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["approach"] == "distributed"
    assert data["alternatives"][0]["approach"] == one_machine["approach"]
    assert set(data) == set(one_machine)
    assert set(data["expected_speedup"]) == set(one_machine["expected_speedup"])
    assert set(data["memory"]) == set(one_machine["memory"])
    assert main(["recommend", *FLAGS, "--beyond-one-machine", "no", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == one_machine


@pytest.mark.parametrize(
    ("flag", "value", "field"),
    [
        ("--worker-memory-mb", "0", "worker_memory_mb"),
        ("--worker-memory-mb", "-60", "worker_memory_mb"),
        ("--worker-memory-mb", "lots", "worker_memory_mb"),
        ("--beyond-one-machine", "maybe", "beyond_one_machine"),
    ],
)
def test_a_bad_new_flag_exits_2_with_one_line(flag: str, value: str, field: str) -> None:
    completed = run_cli([*FLAGS, f"{flag}={value}"])
    assert completed.returncode == 2
    assert completed.stderr.strip().count("\n") == 0
    assert field in completed.stderr


def test_a_wrong_answer_is_asked_again_with_what_is_accepted() -> None:
    completed = run_cli([], stdin="gpu\nhybrid\nsoon\n100\n256\n4\nn\n")
    assert completed.returncode == 0, completed.stderr
    assert "workload: got 'gpu'; accepted: one of 'cpu_sequential'" in completed.stderr
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
    # The new optional facts are flags only: the prompts stay the lesson's five.
    asked_part = completed.stdout.split("Recommendation:")[0]
    assert asked_part.count("]: ") == len(order)


def test_template_out_writes_a_runnable_script(tmp_path: Path) -> None:
    target = tmp_path / "bench.py"
    assert main(["recommend", *FLAGS, "--template-out", str(target)]) == 0
    compile(target.read_text(), str(target), "exec")


IO_FLAGS = ["--workload", "io_bound", "--memory-mb", "512", "--cores", "4", "--expensive-startup", "no"]


def test_io_flags_feed_the_overlap_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["recommend", *IO_FLAGS, "--io-concurrency", "100", "--io-wait-ms", "50", "--io-cpu-ms", "5", "--json"])
        == 0
    )
    speedup = json.loads(capsys.readouterr().out)["expected_speedup"]
    # 5 ms of CPU per request on one loop: at most (50 + 5) / 5 = 11x however many are in flight.
    assert speedup["value"] < 11 < speedup["ideal"]
    assert "W = 50 ms (io_wait_ms)" in speedup["basis"] and "C = 5 ms" in speedup["basis"]


def test_async_client_no_gives_threads(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", *IO_FLAGS, "--io-concurrency", "20", "--async-client", "no", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["approach"] == "threads"
    assert "async_client = no" in data["decision_path"][-1]


def test_no_latency_flag_means_no_requirement(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", *IO_FLAGS, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["latency"]["basis"] == "no latency requirement (latency_ms unsaid)"


def test_none_at_the_latency_prompt_means_no_requirement() -> None:
    completed = run_cli(["--json"], stdin="io_bound\nnone\n64\n2\ny\n")
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout.split("]: ")[-1])["latency"]["budget_ms"] is None


def test_a_bad_async_client_answer_exits_2_naming_the_field() -> None:
    completed = run_cli([*IO_FLAGS, "--async-client", "maybe"])
    assert completed.returncode == 2
    assert "async_client" in completed.stderr and completed.stderr.strip().count("\n") == 0
