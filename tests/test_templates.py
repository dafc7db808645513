"""The benchmark template runs for every approach, and the migration guide names the pitfalls that apply."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine.bench.results import BANDS
from engine.lesson import framework
from engine.lesson.recommend import WorkloadProfile, recommend
from engine.lesson.templates import APPROACH_EXECUTOR, benchmark_template, migration_guide

# Workloads that lead to each approach, so every template is generated the way the app generates it.
PROFILE_FOR: dict[str, dict] = {
    "single_threaded": {"workload": "cpu_sequential"},
    "free_threaded": {"workload": "cpu_parallel_shared"},
    "multiprocessing": {"workload": "cpu_parallel_isolated"},
    "asyncio": {"workload": "io_bound", "io_concurrency": 8},
    "free_threaded_asyncio": {"workload": "hybrid"},
    "threads": {"workload": "cpu_parallel_shared", "releases_gil": True},
    "asyncio_multiprocessing": {"workload": "hybrid", "python_build": "gil"},
    "subinterpreters": {"workload": "cpu_parallel_shared", "python_build": "subinterpreters"},
}


def make_profile(**values) -> WorkloadProfile:
    return WorkloadProfile(
        **{"latency_ms": 1000.0, "memory_mb": 4096.0, "cores": 2, "expensive_startup": False, **values}
    )


def run_quick(script: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=120, cwd=script.parent
    )


def test_every_approach_is_reached_and_every_template_runs(tmp_path: Path) -> None:
    scripts = []
    for approach, values in PROFILE_FOR.items():
        answer = recommend(make_profile(**values))
        assert answer.approach == approach
        script = tmp_path / f"bench_{approach}.py"
        script.write_text(answer.benchmark_template)
        scripts.append(script)
    distributed = tmp_path / "bench_distributed.py"
    distributed.write_text(benchmark_template("distributed", make_profile(workload="cpu_parallel_isolated"), []))
    scripts.append(distributed)
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(run_quick, scripts))
    for script, completed in zip(scripts, runs, strict=True):
        assert completed.returncode == 0, f"{script.name}: {completed.stderr[-2000:]}"
        executor = APPROACH_EXECUTOR[script.stem.removeprefix("bench_")]
        recommended_line = next(line for line in completed.stdout.splitlines() if line.startswith(f"{executor} "))
        assert recommended_line.endswith("*") or "unavailable" in recommended_line, completed.stdout
        assert "RESULT DIFFERS" not in completed.stdout
        assert "sequential" in completed.stdout and "(baseline)" in completed.stdout


def test_template_prints_the_lessons_band_wording(tmp_path: Path) -> None:
    script = tmp_path / "bench.py"
    script.write_text(recommend(make_profile(workload="io_bound", io_concurrency=8)).benchmark_template)
    output = run_quick(script).stdout
    assert any(wording in output for _, _, wording in BANDS)


def test_template_on_a_python_without_interpreter_pools_says_so(tmp_path: Path) -> None:
    if sys.version_info >= (3, 14):
        pytest.skip("this interpreter has InterpreterPoolExecutor")
    script = tmp_path / "bench.py"
    script.write_text(benchmark_template("subinterpreters", make_profile(workload="cpu_parallel_shared"), []))
    assert "interpreters       unavailable: InterpreterPoolExecutor needs Python 3.14" in run_quick(script).stdout


def test_guide_to_processes_names_the_main_guard_picklability_and_shutdown() -> None:
    steps = "\n".join(
        migration_guide("single_threaded", "multiprocessing", make_profile(workload="cpu_parallel_isolated"))
    )
    assert 'if __name__ == "__main__":' in steps
    assert "picklable" in steps
    assert "Process.interrupt()" in steps and "terminate_workers()" in steps


def test_guide_to_threads_asks_for_a_thread_safety_review() -> None:
    steps = migration_guide("single_threaded", "free_threaded", make_profile(workload="cpu_parallel_shared"))
    assert any("thread-safety" in step for step in steps)
    assert any("Py_GIL_DISABLED" in step for step in steps)


def test_guide_to_asyncio_warns_of_blocking_calls_only_when_moving_to_it() -> None:
    profile = make_profile(workload="io_bound")
    assert any("blocking" in step for step in migration_guide("threads", "asyncio", profile))
    assert not any("Never call a blocking" in step for step in migration_guide("asyncio", "asyncio", profile))


def test_guide_with_expensive_startup_uses_pool_initializers() -> None:
    steps = migration_guide(
        "single_threaded", "multiprocessing", make_profile(workload="cpu_parallel_isolated", expensive_startup=True)
    )
    assert any("initializer=" in step and "set_forkserver_preload" in step for step in steps)


@pytest.mark.parametrize("approach", framework.APPROACHES)
def test_every_approach_has_an_executor_to_benchmark(approach: str) -> None:
    assert approach in APPROACH_EXECUTOR
