"""The benchmark template: a real file whose header the Lab fills; it runs for every approach; the guide's pitfalls."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine.bench.results import BANDS
from engine.lesson import benchmark_template as template_module
from engine.lesson.approaches import APPROACHES
from engine.lesson.profile import WorkloadProfile
from engine.lesson.recommend import recommend
from engine.lesson.templates import TEMPLATE_FILE, benchmark_template, migration_guide

# Workloads that lead to each approach, so every template is generated the way the app generates it.
PROFILE_FOR: dict[str, dict] = {
    "single_threaded": {"workload": "cpu_sequential"},
    "free_threaded": {"workload": "cpu_parallel_shared"},
    "multiprocessing": {"workload": "cpu_parallel_isolated"},
    "asyncio": {"workload": "io_bound", "io_concurrency": 8},
    "free_threaded_asyncio": {"workload": "hybrid"},
    "threads": {"workload": "cpu_parallel_shared", "releases_gil": True},
    "asyncio_multiprocessing": {"workload": "hybrid", "python_build": "gil"},
    "subinterpreters": {"workload": "cpu_parallel_isolated", "python_build": "subinterpreters"},
}


def python_314() -> str | None:
    """A 3.14 interpreter on this machine, for the InterpreterPoolExecutor template."""
    if sys.version_info >= (3, 14):
        return sys.executable
    found = [shutil.which("python3.14"), *glob.glob(os.path.expanduser("~/.pyenv/versions/3.14*/bin/python3"))]
    return next((path for path in found if path), None)


def make_profile(**values) -> WorkloadProfile:
    base = {
        "workload": "cpu_parallel_isolated",
        "latency_ms": 1000.0,
        "memory_mb": 4096.0,
        "cores": 2,
        "expensive_startup": False,
    }
    return WorkloadProfile.from_mapping({**base, **values})


def run_quick(script: Path, python: str = sys.executable) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, "-I", str(script), "--quick"], capture_output=True, text=True, timeout=180, cwd=script.parent
    )


def test_the_generator_only_fills_the_header() -> None:
    source = TEMPLATE_FILE.read_text()
    filled = recommend(make_profile(workload="io_bound", io_concurrency=8)).benchmark_template
    body = source.split("# --- end of header ---")[1]
    assert filled.split("# --- end of header ---")[1] == body
    assert 'RECOMMENDED = "asyncio"' in filled.split("# --- end of header ---")[0].replace("'", '"')


def test_every_approach_is_reached_and_every_template_runs(tmp_path: Path) -> None:
    scripts = []
    for approach, values in PROFILE_FOR.items():
        answer = recommend(make_profile(**values))
        assert answer.approach == approach
        script = tmp_path / f"bench_{approach}.py"
        script.write_text(answer.benchmark_template)
        scripts.append((approach, script))
    distributed = tmp_path / "bench_distributed.py"
    distributed.write_text(benchmark_template("distributed", make_profile(workload="cpu_parallel_isolated"), []))
    scripts.append(("distributed", distributed))
    runnable = [(approach, script) for approach, script in scripts if approach != "subinterpreters"]
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda item: run_quick(item[1]), runnable))
    for (approach, script), completed in zip(runnable, runs, strict=True):
        assert completed.returncode == 0, f"{script.name}: {completed.stderr[-2000:]}"
        executor = APPROACHES[approach].executor
        recommended_line = next(line for line in completed.stdout.splitlines() if line.startswith(f"{executor} "))
        assert recommended_line.endswith("*"), completed.stdout
        assert "RESULT DIFFERS" not in completed.stdout
        assert "(baseline)" in completed.stdout
        assert "gives no verdict" in completed.stdout
        assert not any(wording in completed.stdout for _, _, wording in BANDS)


def test_the_subinterpreters_template_runs_on_314(tmp_path: Path) -> None:
    python = python_314()
    if python is None:
        pytest.skip("no Python 3.14 on this machine: InterpreterPoolExecutor is new in 3.14")
    script = tmp_path / "bench_subinterpreters.py"
    script.write_text(recommend(make_profile(**PROFILE_FOR["subinterpreters"])).benchmark_template)
    completed = run_quick(script, python)
    assert completed.returncode == 0, completed.stderr[-2000:]
    line = next(line for line in completed.stdout.splitlines() if line.startswith("interpreters "))
    assert line.endswith("*") and "unavailable" not in line, completed.stdout


def test_template_on_a_python_without_interpreter_pools_says_so(tmp_path: Path) -> None:
    if sys.version_info >= (3, 14):
        pytest.skip("this interpreter has InterpreterPoolExecutor")
    script = tmp_path / "bench.py"
    script.write_text(benchmark_template("subinterpreters", make_profile(workload="cpu_parallel_isolated"), []))
    assert "interpreters       unavailable: InterpreterPoolExecutor needs Python 3.14" in run_quick(script).stdout


def test_startup_is_timed_apart_with_a_noop_per_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    # Old template: "start-up" was the time of the first WORKERS tasks' real work (point 9).
    handed: list[object] = []
    monkeypatch.setattr(template_module, "noop", lambda item: handed.append(item) or item)
    monkeypatch.setattr(template_module, "work", lambda item: pytest.fail("start-up ran real work"))
    runner = template_module.Runner("threads")
    runner.start()
    runner.stop()
    assert sorted(handed) == list(range(template_module.WORKERS))


def test_repeats_are_interleaved_across_the_approaches(monkeypatch: pytest.MonkeyPatch) -> None:
    # Old template: every repeat of one approach, then every repeat of the next (point 9).
    order: list[str] = []
    monkeypatch.setattr(template_module.Runner, "start", lambda self: None)
    monkeypatch.setattr(template_module.Runner, "run", lambda self, items: order.append(self.name) or items)
    monkeypatch.setattr(template_module, "REPEATS", 2)
    monkeypatch.setattr(template_module, "WARMUPS", 0)
    template_module.measure(["sequential", "threads"], [1, 2])
    assert order == ["sequential", "threads", "sequential", "threads"]


def test_a_range_across_bands_says_so() -> None:
    assert template_module.band_range(2.5, 3.0) == "clear winner"
    assert "between" in template_module.band_range(1.1, 1.5)


def test_guide_to_processes_names_the_main_guard_picklability_and_shutdown() -> None:
    guide = " ".join(migration_guide("single_threaded", "multiprocessing", make_profile()))
    for needed in ('if __name__ == "__main__"', "picklable", "shutdown", "BrokenProcessPool"):
        assert needed in guide


def test_guide_to_threads_asks_for_a_thread_safety_review() -> None:
    guide = " ".join(migration_guide("single_threaded", "threads", make_profile()))
    assert "thread-safety" in guide


def test_guide_to_asyncio_warns_of_blocking_calls_only_when_moving_to_it() -> None:
    moving = " ".join(migration_guide("threads", "asyncio", make_profile()))
    staying = " ".join(migration_guide("asyncio", "asyncio", make_profile()))
    assert "blocking" in moving and "blocking function" not in staying


def test_guide_with_expensive_startup_uses_pool_initializers() -> None:
    guide = " ".join(migration_guide("single_threaded", "multiprocessing", make_profile(expensive_startup=True)))
    assert "initializer=" in guide and "set_forkserver_preload" in guide
