"""The recommendation engine: the lesson's table, the refinements FACTS.md calls for, and every figure's basis."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.lesson import framework
from engine.lesson.costs import costs_from
from engine.lesson.facts import number
from engine.lesson.profile import WorkloadProfile
from engine.lesson.recommend import WAIT_SHARES, amdahl, classify_workload, migration_effort, recommend

ROOT = Path(__file__).resolve().parent.parent
DESIGN_KEYS = {
    "approach",
    "title",
    "reasoning",
    "decision_path",
    "expected_speedup",
    "memory",
    "migration_effort",
    "alternatives",
    "benchmark_template",
    "migration_guide",
    "latency",
}


@dataclass(frozen=True)
class FakeCalibration:
    """The shape engine.bench.calibrate.Calibration promises, with figures a test can recognise."""

    python: str = "/usr/bin/python3.11"
    python_version: str = "3.11.7"
    usable_cores: int = 2
    task_overhead_s: dict[str, float] = field(default_factory=lambda: {"processes": 0.002, "threads": 0.0001})
    task_overhead_low_s: dict[str, float] = field(default_factory=lambda: {"processes": 0.002, "threads": 0.0001})
    task_overhead_high_s: dict[str, float] = field(default_factory=lambda: {"processes": 0.002, "threads": 0.0001})
    pool_startup_s: dict[str, float] = field(default_factory=lambda: {"processes": 0.05})
    thread_rss_mb: float = 0.125
    bare_interpreter_rss_mb: float = 9.0
    worker_rss_mb: float = 40.0
    measured_at: str = "2026-11-25T10:00:00"
    request_cpu_s: float | None = None


MEASURED = costs_from(FakeCalibration())
WORKER_MB = number("lab_worker_rss")


def profile(**overrides) -> WorkloadProfile:
    values = {"workload": "cpu_parallel_isolated", "latency_ms": 1000.0, "memory_mb": 4096.0, "cores": 4}
    return WorkloadProfile(**{**values, "expensive_startup": False, **overrides})


@pytest.mark.parametrize("row", framework.DECISION_TABLE, ids=lambda row: row.kind)
def test_every_table_row_gets_its_approach(row: framework.TableRow) -> None:
    answer = recommend(profile(workload=row.kind))
    assert answer.approach == row.approach
    assert answer.decision.kind == row.kind


def test_done_when_hybrid_on_stdin_recommends_free_threaded_asyncio_with_derived_memory(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "engine", "recommend"],
        input="hybrid\n100\n256\n4\nn\n",
        env={**os.environ, "LAB_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert "(free_threaded_asyncio)" in completed.stdout
    assert "Memory: 4 worker(s) x 0.016 MB = 0.064 MB of a 256 MB budget (fits)" in completed.stdout
    assert "16 KiB" in completed.stdout.split("Memory:")[1]


def test_to_dict_has_exactly_designs_keys() -> None:
    data = recommend(profile(workload="hybrid")).to_dict()
    assert set(data) == DESIGN_KEYS
    assert set(data["expected_speedup"]) == {"value", "low", "high", "ideal", "basis"}
    assert set(data["memory"]) == {"per_worker_mb", "workers", "total_mb", "budget_mb", "fits", "basis"}
    assert all(set(item) == {"approach", "when", "tradeoff"} for item in data["alternatives"])


def test_one_core_gets_no_parallel_cpu_approach_and_says_why() -> None:
    for kind in framework.WORKLOAD_KINDS:
        answer = recommend(profile(workload=kind, cores=1))
        assert answer.approach not in framework.PARALLEL_CPU_APPROACHES
    answer = recommend(profile(workload="cpu_parallel_shared", cores=1))
    assert answer.approach == "single_threaded"
    assert any("cores = 1" in reason for reason in answer.reasoning)


def test_code_that_releases_the_gil_makes_threads_enough() -> None:
    answer = recommend(profile(workload="cpu_parallel_isolated", releases_gil=True))
    assert answer.approach == "threads"
    assert any("releases_gil = yes" in reason for reason in answer.reasoning)
    assert answer.preset == "c_releases_gil"


def test_isolation_keeps_processes_even_when_c_code_releases_the_gil() -> None:
    answer = recommend(profile(workload="cpu_parallel_isolated", releases_gil=True, isolation=True))
    assert answer.approach == "multiprocessing"


@pytest.mark.parametrize(
    ("kind", "fallback"), [("cpu_parallel_shared", "multiprocessing"), ("hybrid", "asyncio_multiprocessing")]
)
def test_gil_build_gets_the_fallback_and_how_to_get_free_threading(kind: str, fallback: str) -> None:
    answer = recommend(profile(workload=kind, python_build="gil"))
    assert answer.approach == fallback
    assert any("--disable-gil" in reason for reason in answer.reasoning)
    assert not any(alternative.approach.startswith("free_threaded") for alternative in answer.alternatives)


def test_unsaid_build_follows_the_tree_and_names_the_fallback_first() -> None:
    answer = recommend(profile(workload="cpu_parallel_shared"))
    assert answer.approach == "free_threaded"
    assert answer.alternatives[0].approach == "multiprocessing"


def test_subinterpreters_are_no_fallback_for_shared_state() -> None:
    # Old engine: subinterpreters for shared mutable state, which interpreters cannot share (issue point 13).
    answer = recommend(profile(workload="cpu_parallel_shared", python_build="subinterpreters"))
    assert answer.approach == "multiprocessing"
    assert "cannot share mutable objects" in answer.decision_path[-1]


def test_small_budget_lowers_the_process_count() -> None:
    budget = WORKER_MB * 3
    answer = recommend(profile(cores=8, memory_mb=budget))
    assert answer.approach == "multiprocessing"
    assert answer.memory.workers == 3
    assert answer.memory.fits
    assert any("lowered to 3 workers" in reason for reason in answer.reasoning)


def test_budget_too_small_for_two_processes_turns_to_threads() -> None:
    answer = recommend(profile(cores=8, memory_mb=WORKER_MB))
    assert answer.approach == "free_threaded"
    assert answer.decision_path[-1].startswith("Memory budget (memory_mb)")
    answer = recommend(profile(cores=8, memory_mb=WORKER_MB, python_build="gil"))
    assert answer.approach == "single_threaded"


def test_expensive_startup_means_a_long_lived_pool_with_an_initializer() -> None:
    answer = recommend(profile(expensive_startup=True))
    assert any("initializer=" in reason and "set_forkserver_preload" in reason for reason in answer.reasoning)
    assert any("initializer=" in step for step in answer.migration_guide)


def test_tight_latency_with_small_tasks_warns_of_pickling() -> None:
    calm = recommend(profile(latency_ms=5000.0))
    tight = recommend(profile(latency_ms=20.0, task_ms=1.0))
    assert not any("Pickling cost" in reason for reason in calm.reasoning)
    assert any("Pickling cost" in reason for reason in tight.reasoning)


def test_calibration_figures_are_used_and_labelled_measured() -> None:
    answer = recommend(profile(cores=4, task_ms=2.0), MEASURED)
    assert answer.memory.per_worker_mb == 40.0
    assert "measured on this host" in answer.memory.basis
    # 2 ms tasks with 2 ms of measured hand-off: half the ideal four-fold speedup.
    assert answer.expected_speedup.high == pytest.approx(2.0)
    assert "measured on this host" in answer.expected_speedup.basis


def test_without_calibration_figures_say_they_are_defaults() -> None:
    answer = recommend(profile(workload="cpu_parallel_shared", task_ms=5.0))
    assert "a default measured on the development host, not this one" in answer.memory.basis
    assert "a default measured on the development host, not this one" in answer.expected_speedup.basis
    assert "FACTS.md" not in str(answer.to_dict())


def test_free_threaded_estimate_carries_the_single_thread_cost() -> None:
    answer = recommend(profile(workload="cpu_parallel_shared", cores=4))
    serial = number("amdahl_serial_share_measured")
    assert answer.expected_speedup.high == pytest.approx(4 / 1.05, abs=0.01)
    assert answer.expected_speedup.low == pytest.approx(amdahl(1 - serial, 4) / 1.10, abs=0.01)
    assert answer.expected_speedup.value < answer.expected_speedup.ideal == 4


def test_io_speedup_needs_the_number_of_concurrent_waits() -> None:
    assert recommend(profile(workload="io_bound")).expected_speedup.value is None
    assert recommend(profile(workload="io_bound", io_concurrency=50)).expected_speedup.ideal == 50


def test_the_lessons_80mb_per_thread_never_appears() -> None:
    for kind in framework.WORKLOAD_KINDS:
        text = str(recommend(profile(workload=kind)).to_dict())
        assert "80MB" not in text.replace(" ", "")


@pytest.mark.parametrize(
    ("data", "field_name"),
    [
        ({"workload": "gpu"}, "workload"),
        ({"latency_ms": "-1"}, "latency_ms"),
        ({"memory_mb": "lots"}, "memory_mb"),
        ({"cores": "2.5"}, "cores"),
        ({"expensive_startup": "maybe"}, "expensive_startup"),
        ({"python_build": "pypy"}, "python_build"),
        ({"worker_memory_mb": "0"}, "worker_memory_mb"),
        ({"worker_memory_mb": "sixty"}, "worker_memory_mb"),
        ({"beyond_one_machine": "perhaps"}, "beyond_one_machine"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_from_mapping_names_the_field_that_does_not_fit(data: dict, field_name: str) -> None:
    base = {"workload": "hybrid", "latency_ms": 100, "memory_mb": 256, "cores": 4, "expensive_startup": "no"}
    with pytest.raises(InputError) as raised:
        WorkloadProfile.from_mapping({**base, **data})
    assert raised.value.field == field_name


def test_from_mapping_reads_cli_strings() -> None:
    parsed = WorkloadProfile.from_mapping(
        {"workload": "hybrid", "latency_ms": "100", "memory_mb": "256", "cores": "4", "expensive_startup": "y"}
    )
    assert parsed == WorkloadProfile(
        workload="hybrid", latency_ms=100.0, memory_mb=256.0, cores=4, expensive_startup=True
    )


def test_from_mapping_reads_the_worker_figure_and_beyond_one_machine() -> None:
    base = {"workload": "hybrid", "latency_ms": 100, "memory_mb": 256, "cores": 4, "expensive_startup": "no"}
    parsed = WorkloadProfile.from_mapping({**base, "worker_memory_mb": "60", "beyond_one_machine": "yes"})
    assert (parsed.worker_memory_mb, parsed.beyond_one_machine) == (60.0, True)
    unsaid = WorkloadProfile.from_mapping({**base, "worker_memory_mb": None, "beyond_one_machine": None})
    assert (unsaid.worker_memory_mb, unsaid.beyond_one_machine) == (None, None)


@pytest.mark.parametrize(
    ("name", "value"), [("worker_memory_mb", 0.0), ("worker_memory_mb", -60.0), ("beyond_one_machine", "perhaps")]
)
def test_profile_refuses_a_bad_worker_figure_or_machine_answer(name: str, value: object) -> None:
    base = {"workload": "hybrid", "memory_mb": 256, "cores": 4, "expensive_startup": False}
    with pytest.raises(InputError) as raised:
        WorkloadProfile.from_mapping({**base, name: value})
    assert raised.value.field == name


def test_users_worker_figure_lowers_the_process_count_and_is_the_basis() -> None:
    answer = recommend(profile(cores=8, memory_mb=300.0, worker_memory_mb=60.0))
    assert answer.approach == "multiprocessing"
    assert (answer.memory.per_worker_mb, answer.memory.workers) == (60.0, 5)
    assert answer.memory.fits
    assert "your figure" in answer.memory.basis
    assert any("60.0 MB each would not fit (your figure" in reason for reason in answer.reasoning)


def test_users_worker_figure_turns_to_threads_when_two_workers_do_not_fit() -> None:
    answer = recommend(profile(cores=8, memory_mb=100.0, worker_memory_mb=60.0))
    assert answer.approach == "free_threaded"
    assert any("not even two workers of 60.0 MB fit 100 MB (your figure" in reason for reason in answer.reasoning)
    answer = recommend(profile(cores=8, memory_mb=100.0, worker_memory_mb=60.0, python_build="gil"))
    assert answer.approach == "single_threaded"


def test_users_worker_figure_on_a_free_threaded_build_keeps_every_core_with_threads() -> None:
    answer = recommend(profile(cores=8, memory_mb=300.0, worker_memory_mb=60.0, python_build="free-threaded"))
    assert answer.approach == "free_threaded"
    assert answer.memory.workers == 8
    assert answer.memory.fits
    assert any("would be cut to 5" in reason for reason in answer.reasoning)


def test_isolation_keeps_processes_when_the_users_worker_figure_is_tight() -> None:
    tight = {"cores": 8, "memory_mb": 300.0, "worker_memory_mb": 60.0, "python_build": "free-threaded"}
    answer = recommend(profile(**tight, isolation=True))
    assert answer.approach == "multiprocessing"
    assert answer.memory.workers == 5


def test_users_worker_figure_replaces_the_calibrations() -> None:
    answer = recommend(profile(cores=2, worker_memory_mb=60.0), MEASURED)
    assert answer.memory.per_worker_mb == 60.0
    assert "your figure" in answer.memory.basis
    assert "Lab's benchmark worker" not in answer.memory.basis


def test_users_worker_figure_sizes_whole_interpreters_not_threads() -> None:
    answer = recommend(profile(workload="cpu_parallel_shared", worker_memory_mb=60.0))
    assert answer.approach == "free_threaded"
    assert answer.memory.per_worker_mb == number("thread_idle_rss")
    answer = recommend(profile(workload="cpu_parallel_isolated", python_build="subinterpreters", worker_memory_mb=60.0))
    assert answer.approach == "subinterpreters"
    assert answer.memory.per_worker_mb == 60.0
    assert "your figure" in answer.memory.basis


@pytest.mark.parametrize("kind", framework.WORKLOAD_KINDS)
def test_beyond_one_machine_gives_distributed_with_the_single_machine_answer_first(kind: str) -> None:
    one_machine = recommend(profile(workload=kind))
    answer = recommend(profile(workload=kind, beyond_one_machine=True))
    assert answer.approach == "distributed"
    assert answer.alternatives[0].approach == one_machine.approach
    assert "each machine" in answer.alternatives[0].when
    assert "distributed" not in [alternative.approach for alternative in answer.alternatives]
    assert answer.reasoning[0].startswith("beyond_one_machine = yes")
    # The tree's walk, then the refinement.
    assert answer.decision == one_machine.decision
    assert answer.decision_path[: len(one_machine.decision_path)] == one_machine.decision_path
    assert answer.decision_path[-1].startswith("Beyond one machine (beyond_one_machine = yes)")
    assert (
        f"-> {framework.APPROACH_TITLES['distributed']}, with {one_machine.title} on each machine."
        in (answer.decision_path[-1])
    )
    assert answer.expected_speedup.value is None
    assert "machines you add" in answer.expected_speedup.basis
    assert answer.memory.basis.startswith("on each machine")
    assert any("Spread the work over machines" in step for step in answer.migration_guide)
    assert answer.migration_effort.level == "high"
    assert set(answer.to_dict()) == DESIGN_KEYS
    compile(answer.benchmark_template, "bench_distributed.py", "exec")


def test_beyond_one_machine_names_the_refined_single_machine_answer() -> None:
    answer = recommend(profile(workload="cpu_parallel_shared", cores=1, beyond_one_machine=True))
    assert answer.approach == "distributed"
    assert answer.alternatives[0].approach == "single_threaded"
    answer = recommend(profile(cores=8, memory_mb=300.0, worker_memory_mb=60.0, beyond_one_machine=True))
    assert answer.alternatives[0].approach == "multiprocessing"
    assert answer.memory.workers == 5


@pytest.mark.parametrize("kind", framework.WORKLOAD_KINDS)
@pytest.mark.parametrize("overrides", [{}, {"cores": 1}, {"memory_mb": 20.0, "cores": 8}, {"python_build": "gil"}])
def test_beyond_one_machine_no_answers_as_unsaid(kind: str, overrides: dict) -> None:
    unsaid = profile(workload=kind, **overrides)
    assert recommend(replace(unsaid, beyond_one_machine=False)).to_dict() == recommend(unsaid).to_dict()


def test_current_approach_outside_the_select_is_refused() -> None:
    with pytest.raises(InputError) as raised:
        recommend(profile(), current="fibers")
    assert raised.value.field == "current"


def test_migration_effort_grows_with_what_changes() -> None:
    assert migration_effort("multiprocessing", "multiprocessing").level == "none"
    assert migration_effort("single_threaded", "multiprocessing").level == "medium"
    assert migration_effort("single_threaded", "free_threaded_asyncio").level == "high"
    assert "async" in migration_effort("threads", "asyncio").why


@pytest.mark.parametrize(
    ("wait_share", "splits", "shares", "kind"),
    [
        ("mostly_waiting", False, False, "io_bound"),
        ("both", True, True, "hybrid"),
        ("mostly_computing", False, True, "cpu_sequential"),
        ("mostly_computing", True, True, "cpu_parallel_shared"),
        ("mostly_computing", True, False, "cpu_parallel_isolated"),
    ],
)
def test_helper_questions_classify_the_workload(wait_share: str, splits: bool, shares: bool, kind: str) -> None:
    assert classify_workload(wait_share, splits, shares)[0] == kind


def test_helper_refuses_an_unknown_wait_share() -> None:
    with pytest.raises(InputError, match="wait_share"):
        classify_workload("sometimes", True, True)
    assert set(WAIT_SHARES) == {"mostly_waiting", "both", "mostly_computing"}
