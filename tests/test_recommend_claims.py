"""The issue's false claims, each guarded: every test here fails on the old engine's text or figure.

Also the done-when checks of the recommendation: the bounded overlap for 10 000 connections recomputed from
the costs passed in, and the one-core path that ends where the answer does.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.bench.calibrate import Calibration, host_fd_limit
from engine.lesson import framework
from engine.lesson.approaches import APPROACHES
from engine.lesson.costs import costs_from, default_costs
from engine.lesson.profile import WorkloadProfile
from engine.lesson.recommend import overlap_speedup, recommend

ROOT = Path(__file__).resolve().parent.parent


def profile(**values: object) -> WorkloadProfile:
    base = {"workload": "cpu_parallel_isolated", "memory_mb": 4096, "cores": 4, "expensive_startup": False}
    return WorkloadProfile.from_mapping({**base, **values})


def cli_json(*args: str, data_dir: Path) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "engine", "recommend", *args, "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "LAB_DATA_DIR": str(data_dir)},
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


TEN_THOUSAND = (
    "--workload io_bound --io-concurrency 10000 --cores 4 --latency-ms 100 --memory-mb 512 --expensive-startup no"
)


def test_ten_thousand_connections_expect_the_bounded_overlap_not_ten_thousand(tmp_path: Path) -> None:
    # Old engine: "Expected 10000.00x" with low == value (point 6).
    data = cli_json(*TEN_THOUSAND.split(), data_dir=tmp_path)
    speedup = data["expected_speedup"]
    costs = default_costs(host_fd_limit())
    in_flight = 10000 if costs.fd_limit is None else min(10000, costs.fd_limit - 3)
    handoff, request = costs.task_overhead_s["asyncio"], costs.request_cpu_s
    # The stated model: W is the deadline (io_wait_ms unsaid), C a small request's CPU, h the per-task cost.
    expected = overlap_speedup(in_flight, 0.100, request.value, handoff.value)
    assert speedup["value"] == pytest.approx(expected, abs=1e-4)
    assert speedup["value"] < 10000 / 10
    assert speedup["low"] < speedup["value"] < speedup["high"] <= speedup["ideal"] == 10000
    assert "per-task cost" in speedup["basis"] and "file-descriptor limit" in speedup["basis"]
    assert not any("10000.00x" in reason for reason in data["reasoning"])


def test_the_overlap_is_bounded_by_the_descriptor_limit_passed_in() -> None:
    many = profile(workload="io_bound", io_concurrency=10000, io_wait_ms=100, io_cpu_ms=0)
    answer = recommend(many, default_costs(1024))
    assert "cut to 1021" in answer.expected_speedup.basis
    notes = [reason for reason in answer.reasoning if "RLIMIT_NOFILE soft limit 1024" in reason]
    assert notes and "more than it allows" in notes[0]
    assert answer.expected_speedup.high <= 1021


def test_a_thread_pool_bounds_the_overlap_by_its_size() -> None:
    answer = recommend(profile(workload="io_bound", io_concurrency=8, io_wait_ms=50, io_cpu_ms=0, async_client=False))
    assert answer.approach == "threads"
    assert "the thread pool's size, 8 thread(s)" in answer.expected_speedup.basis
    assert answer.expected_speedup.high < 8


def test_cpu_per_request_serialises_on_one_loop() -> None:
    light = recommend(profile(workload="io_bound", io_concurrency=1000, io_wait_ms=100, io_cpu_ms=0.1))
    heavy = recommend(profile(workload="io_bound", io_concurrency=1000, io_wait_ms=100, io_cpu_ms=10))
    # 10 ms of CPU per request on one loop: at most (100 + 10) / 10 = 11x, whatever the concurrency.
    assert heavy.expected_speedup.value < 11 < light.expected_speedup.value


def test_one_core_path_ends_with_single_threaded_and_why(tmp_path: Path) -> None:
    data = cli_json(
        "--workload",
        "cpu_parallel_isolated",
        "--cores",
        "1",
        "--memory-mb",
        "512",
        "--expensive-startup",
        "no",
        data_dir=tmp_path,
    )
    last = data["decision_path"][-1]
    assert data["approach"] == "single_threaded"
    assert "cores = 1" in last and last.endswith("-> Single-threaded Python.")


@pytest.mark.parametrize(
    ("values", "approach"),
    [
        ({"cores": 1}, "single_threaded"),
        ({"memory_mb": 20, "cores": 8}, "free_threaded"),
        ({"workload": "cpu_parallel_shared", "python_build": "gil"}, "multiprocessing"),
        ({"workload": "io_bound", "async_client": False, "io_concurrency": 20}, "threads"),
        ({"python_build": "subinterpreters"}, "subinterpreters"),
        ({"releases_gil": True}, "threads"),
    ],
)
def test_every_refinement_that_changes_the_leaf_is_the_last_step(values: dict, approach: str) -> None:
    answer = recommend(profile(**values))
    assert answer.approach == approach
    assert answer.decision.approach != approach
    assert answer.decision_path[-1].endswith(f"-> {framework.APPROACH_TITLES[approach]}.")


def test_a_blocking_sdk_is_not_told_to_use_async_client_libraries() -> None:
    # Old guide: "Make the I/O path async end to end with async client libraries" for every asyncio answer (12).
    for workload in ("io_bound", "hybrid"):
        answer = recommend(profile(workload=workload, async_client=False, io_concurrency=10))
        text = " ".join(answer.migration_guide)
        assert "async client libraries" not in text
        assert "to_thread" in text or "ThreadPoolExecutor" in text


def test_isolated_cpu_work_with_subinterpreters_available_gets_them() -> None:
    # Old engine: multiprocessing for a user who said they can run 3.14 subinterpreters (12).
    answer = recommend(profile(python_build="subinterpreters"))
    assert answer.approach == "subinterpreters"
    assert answer.alternatives[0].approach == "multiprocessing"
    crash = recommend(profile(python_build="subinterpreters", isolation=True))
    assert crash.approach == "multiprocessing"


def test_no_text_offers_a_process_as_a_sandbox_for_untrusted_code() -> None:
    # Old engine and CLI help: multiprocessing for "crash containment, untrusted code" (point 2).
    help_text = subprocess.run(
        [sys.executable, "-m", "engine", "recommend", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60
    ).stdout
    assert "no process sandboxes untrusted code" in " ".join(help_text.split())
    answer = recommend(profile(isolation=True))
    assert any("not an attacker" in reason for reason in answer.reasoning)
    for record in APPROACHES.values():
        assert "untrusted" not in (record.when + record.fits).lower()


def test_buffersize_is_never_said_to_batch_and_chunksize_is_for_process_pools_only() -> None:
    # Old note: "batch them (chunksize=, or buffersize= in 3.14's Executor.map)", shown for subinterpreters too (5).
    processes = recommend(profile(latency_ms=20, task_ms=0.5))
    interpreters = recommend(profile(latency_ms=20, task_ms=0.5, python_build="subinterpreters"))
    for answer in (processes, interpreters):
        note = next(reason for reason in answer.reasoning if reason.startswith("Pickling cost"))
        assert "bounds how many submitted tasks are in flight; it does not batch" in note
        assert not re.search(r"buffersize=[^.;]*batch(?!es, and only)", note.replace("it does not batch", ""))
    assert "batch them with chunksize=" in " ".join(processes.reasoning)
    assert "batch them with chunksize=" not in " ".join(interpreters.reasoning)


def test_no_headline_equals_its_ideal_bound_and_no_range_is_zero_width_by_default() -> None:
    # Old engine: the value was the cores (or the waits) themselves, and io ranges had low == value (6).
    for kind in framework.WORKLOAD_KINDS:
        answer = recommend(profile(workload=kind, io_concurrency=50, io_wait_ms=20, task_ms=5))
        speedup = answer.expected_speedup
        if answer.approach == "single_threaded" or speedup.value is None:
            continue
        assert speedup.low < speedup.high, kind
        assert speedup.value < speedup.ideal, kind


def test_the_template_is_not_said_to_prove_the_estimate() -> None:
    # Old reason: "the benchmark template proves it on your N core(s)" for a 16-task stand-in (6).
    for kind in framework.WORKLOAD_KINDS:
        text = json.dumps(recommend(profile(workload=kind, io_concurrency=10)).reasoning)
        assert "proves" not in text


def test_a_default_is_never_labelled_as_this_hosts_measurement() -> None:
    # Old engine: 170 ms "measured on this host (Python 3.11.7)" for InterpreterPoolExecutor's start-up (7).
    calibration = Calibration(
        python="/usr/bin/python3.11",
        python_version="3.11.7",
        usable_cores=2,
        task_overhead_s={"processes": 0.0001},
        task_overhead_low_s={"processes": 0.0001},
        task_overhead_high_s={"processes": 0.0001},
        pool_startup_s={"processes": 0.01},
        thread_rss_mb=0.016,
        bare_interpreter_rss_mb=8.0,
        worker_rss_mb=27.0,
        measured_at="2026-11-25T10:00:00",
    )
    costs = costs_from(calibration)
    answer = recommend(profile(python_build="subinterpreters", latency_ms=50), costs)
    note = next(reason for reason in answer.reasoning if "starting the pool takes" in reason)
    assert "a default measured on the development host, not this one" in note and "CPython 3.14" in note
    assert "Python 3.11.7" not in note
    assert costs.pool_startup_s["processes"].measured_here


def test_latency_is_checked_against_a_task_and_its_handoff() -> None:
    fits = recommend(profile(latency_ms=100, task_ms=20))
    late = recommend(profile(latency_ms=10, task_ms=20))
    unsaid = recommend(profile(task_ms=20))
    assert fits.latency.fits is True and late.latency.fits is False
    assert unsaid.latency.fits is None and "no latency requirement" in unsaid.latency.basis
    assert "does NOT fit the 10 ms budget" in late.latency.basis


def test_no_answer_cites_facts_md_or_the_benchmark_page_for_calibration() -> None:
    # Old texts: "FACTS.md's figure" and "run the calibration on the Benchmark page" (point 15).
    for kind in framework.WORKLOAD_KINDS:
        for extra in ({}, {"latency_ms": 5, "task_ms": 0.1}):
            text = json.dumps(recommend(profile(workload=kind, io_concurrency=10, **extra)).to_dict())
            assert "FACTS.md" not in text
            assert "Benchmark page" not in text


@pytest.mark.parametrize("kind", framework.WORKLOAD_KINDS)
@pytest.mark.parametrize(
    "values",
    [{}, {"cores": 1}, {"python_build": "gil"}, {"python_build": "subinterpreters"}, {"memory_mb": 30, "cores": 8}],
)
def test_the_path_always_ends_where_the_answer_does(kind: str, values: dict) -> None:
    answer = recommend(profile(workload=kind, **values))
    assert answer.decision_path[-1].endswith(f"{framework.APPROACH_TITLES[answer.approach]}.")
