"""`python -m engine bench`: the DESIGN.md JSON keys, the readable table, and one-line exit-2 errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["--tasks", "4", "--size", "3000", "--repeats", "1", "--warmups", "0", "--budget-s", "0"]
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
    "band_range",
    "speedup_ci",
    "repeats",
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
        assert len(entry["times_s"]) == entry["repeats"] == 1
        # One repeat gives no interval, so no band; the baseline's own ratio is exactly 1.
        assert entry["speedup_ci"] == ([1.0, 1.0] if entry["name"] == "sequential" else None)
        assert entry["band"] is None
        assert {"task", "worker", "start_s", "end_s"} == set(entry["spans"][0])
    assert result["version"] == 4 and result["stopped_by"] == "budget"
    # Whether this busy host disturbed the run is measured, not assumed; the figures behind it are reported.
    assert isinstance(result["disturbed"], bool)
    disturbance_keys = {"other_cores_mean", "other_cores_peak", "throttled_s", "load_before", "source"}
    assert disturbance_keys <= set(result["disturbance"])


def test_json_gives_every_speedup_an_interval_that_holds_it(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bench", "--kernel", "primes", "--executors", "sequential,threads,processes", "--workers", "2"]
    small = ["--tasks", "4", "--size", "2000", "--warmups", "0", "--budget-s", "2", "--json"]
    assert main(argv + small) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["stopped_by"] in ("target", "budget", "max_repeats")
    for entry in result["executors"]:
        low, high = entry["speedup_ci"]
        assert low <= entry["speedup"] <= high
        assert entry["repeats"] >= 6 and len(entry["times_s"]) == entry["repeats"]
        assert entry["band_range"] is not None or entry["name"] == "sequential"


def test_table_shows_bands_and_the_usable_core_limit(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bench", "--kernel", "sleep_io", "--executors", "threads", "--size", "5", "--tasks", "4", "--budget-s", "3"]
    assert main(argv) == 0
    table = capsys.readouterr().out
    assert "95% interval" in table and "Repeats stopped because" in table
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
        (["--kernel", "primes", "--budget-s", "soon"], "budget_s"),
        (["--kernel", "primes", "--budget-s", "-1"], "budget_s"),
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


@pytest.mark.parametrize(
    ("variants", "named"),
    [
        ([f"{sys.executable}:gil=maybe", sys.executable], "variant: is"),
        ([f"{sys.executable}:gil=off", sys.executable], "variant: '"),  # the venv is 3.11: runner.gil_rule refuses
        ([f"{sys.executable}:gil=off", sys.executable], "has no GIL switch"),
        ([sys.executable], "is given once"),
        (["--gil", "on", sys.executable, sys.executable], "gil: is given with --variant"),
    ],
)
def test_bad_variants_exit_2_with_one_line(variants: list[str], named: str, capsys: pytest.CaptureFixture[str]) -> None:
    options = variants[:2] if variants[0] == "--gil" else []
    variants = variants[2:] if options else variants
    argv = ["bench", "--kernel", "primes", *options, *(part for text in variants for part in ("--variant", text))]
    assert main(argv + SMALL) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and named in error


def test_two_variants_print_one_comparison_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    # Two variants of one interpreter (no second one needed): the file's shape is what is checked here.
    argv = ["bench", "--kernel", "primes", "--executors", "sequential,threads", "--json"]
    argv += ["--variant", sys.executable, "--variant", sys.executable]
    assert main(argv + SMALL) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["kind"], document["version"], len(document["runs"]), len(document["variants"])) == (
        "comparison",
        4,
        2,
        2,
    )
    assert all(run["executors"][0]["repeats"] == 6 for run in document["runs"])
