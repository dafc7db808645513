"""`python -m engine bench`: the DESIGN.md JSON keys, the readable table, and one-line exit-2 errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["--tasks", "4", "--size", "3000", "--repeats", "1", "--warmups", "0"]
EXECUTOR_KEYS = {
    "name",
    "workers",
    "start_method",
    "times_s",
    "median_s",
    "min_s",
    "max_s",
    "startup_s",
    "speedup",
    "band",
    "correct",
    "spans",
    "peak_rss_mb",
    "cpu_percent_per_core",
}


def test_json_output_has_the_design_keys(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bench", "--kernel", "primes", "--executors", "sequential,threads,processes", "--workers", "2", "--json"]
    assert main(argv + SMALL) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"spec", "host", "baseline", "executors"} <= set(result)
    assert "gil_enabled" in result["host"]
    assert result["baseline"] == "sequential"
    assert [entry["name"] for entry in result["executors"]] == ["sequential", "threads", "processes"]
    for entry in result["executors"]:
        assert set(entry) >= EXECUTOR_KEYS
        assert entry["correct"] is True
        assert len(entry["times_s"]) == 1
        assert {"task", "worker", "start_s", "end_s"} == set(entry["spans"][0])


def test_table_shows_bands_and_the_usable_core_limit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--kernel", "sleep_io", "--executors", "threads", "--size", "5", "--tasks", "4"]) == 0
    table = capsys.readouterr().out
    assert "usable cores:" in table
    assert "the baseline" in table
    assert "threads (GIL)" in table or "threads (free-threaded)" in table
    assert "sequential was added" in table


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (["--kernel", "nope"], "kernel"),
        (["--kernel", "primes", "--workers", "0"], "workers"),
        (["--kernel", "primes", "--workers", "two"], "workers"),
        (["--kernel", "primes", "--size", "-5"], "size"),
        (["--kernel", "primes", "--size", "999999999"], "size"),
        (["--kernel", "primes", "--executors", "sequential,fibers"], "executors"),
        (["--kernel", "primes", "--start-method", "teleport"], "start_method"),
        (["--kernel", "primes", "--python", "/bin/ls"], "python"),
        (["--kernel", "primes", "--timeout", "0"], "timeout"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_field(
    arguments: list[str], field: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", *arguments]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert f"error: {field}:" in lines[0] and "accepted:" in lines[0]


def test_the_module_entry_point_dispatches_bench() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "engine", "bench", "--kernel", "primes", "--tasks", "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        "python -m engine bench: error: tasks: is 0; accepted: a whole number from 1 to 1000"
    )
