"""Past one machine (issue 13): the dask preset (loads, fits the public limits, runs end to end), its near-processes
crossover and per-task cost, the scheduler setting (LAB_DASK_SCHEDULER; a visitor never chooses an address), the
distributed approach's template (needs dask, says so, runs) and its migration guide."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.bench.presets import PRESETS_FILE, get_preset, load_presets, sweep_sentences
from engine.bench.runner import PUBLIC_LIMITS, run_benchmark, validate_spec
from engine.bench.slot import SCHEDULER_ENV, QueueFull, RunPlan, RunSlot, scheduler_for, with_scheduler
from engine.bench.sweeps import SweepPoint, near_crossover, task_overhead
from engine.errors import InputError
from engine.lesson.facts import fact
from engine.lesson.profile import WorkloadProfile
from engine.lesson.recommend import recommend
from engine.lesson.templates import NEEDS_DASK, benchmark_template
from tests.bench_fakes import make_result

PAGE = str(Path(__file__).resolve().parent.parent / "app_pages" / "benchmark.py")
OWNER = "tcp://127.0.0.1:8786"


def test_the_preset_sweeps_a_cpu_kernel_through_sequential_processes_and_dask() -> None:
    preset = get_preset("dask_task_cost")
    assert preset.title == "Past one machine: what a distributed task costs"
    assert preset.executors == ("sequential", "processes", "dask") and preset.sweep == "size"
    assert preset.near == ("dask", "processes") and preset.task_cost == "dask"
    assert preset.task_cost_fact == "dask_task_overhead"
    # Dask's documented figure is quoted from the facts table, and which kernels run remotely is said.
    assert fact("dask_task_overhead").value in preset.should_show and "{fact:" not in preset.should_show
    assert "http_local" in preset.should_show and "primes" in preset.should_show
    specs = preset.specs()
    assert [spec.size for spec in specs] == list(preset.sweep_values)
    for spec in specs:
        assert validate_spec(spec, PUBLIC_LIMITS) == spec
        assert spec.budget_s is not None and spec.scheduler is None
    # The page's 15 s: the budgets for adding repeats leave room for the clusters' start-up.
    assert sum(spec.budget_s or 0 for spec in specs) <= 8


def test_a_near_field_naming_the_baseline_is_refused_by_name(tmp_path: Path) -> None:
    text = PRESETS_FILE.read_text()
    edited = tmp_path / "presets.toml"
    edited.write_text(text.replace('near = ["dask", "processes"]', 'near = ["dask", "sequential"]', 1))
    with pytest.raises(InputError) as raised:
        load_presets(edited)
    assert raised.value.field == "presets.toml [dask_task_cost] near"
    edited.write_text(text.replace('task_cost_fact = "dask_task_overhead"', 'task_cost_fact = "dask_is_free"', 1))
    with pytest.raises(InputError, match="a fact id"):
        load_presets(edited)


def _point(x: int, name: str, speedup: float, width: float) -> SweepPoint:
    return SweepPoint(x, name, name, 1.0 / speedup, speedup, speedup * (1 - width), speedup * (1 + width))


def test_near_is_where_the_intervals_reach_the_references_low_end() -> None:
    processes = {100: 0.5, 1000: 1.5, 10000: 1.9, 100000: 1.95}
    dask = {100: 0.05, 1000: 0.6, 10000: 1.6, 100000: 2.0}
    points = [_point(x, "processes", s, 0.05) for x, s in processes.items()]
    points += [_point(x, "dask", s, 0.05) for x, s in dask.items()]
    found = near_crossover(points, "dask", "processes", unit="n")
    assert found.size_range is not None
    earliest, surely = found.size_range
    assert earliest is not None and surely is not None and found.size is not None
    # Up to 10000 even dask's high end is below processes' low end; at 100000 its low end is above it.
    assert 10000 < earliest <= found.size <= surely <= 100000
    assert "dask comes near processes somewhere between" in found.sentence
    behind = near_crossover(
        [_point(x, "processes", 2.0, 0.01) for x in (1, 10)] + [_point(x, "dask", 1.0, 0.01) for x in (1, 10)],
        "dask",
        "processes",
    )
    assert behind.size is None and "stays behind processes" in behind.sentence


def test_the_cost_per_task_is_measured_at_the_smallest_size_with_an_interval() -> None:
    # 8 tasks: dask's median is 16 ms over the baseline's, so 2 ms a task.
    small = make_result({"sequential": 0.001, "processes": 0.004, "dask": 0.017}, size=100, tasks=8)
    large = make_result({"sequential": 1.0, "processes": 0.55, "dask": 0.6}, size=24000, tasks=8)
    found = task_overhead([large, small], "dask")
    assert found.size == 100
    assert found.per_task_s == pytest.approx(0.002)
    assert found.interval_s is not None and found.interval_s[0] <= 0.002 <= found.interval_s[1]
    assert "2.00 ms a task here (95% interval" in found.sentence
    disturbed = task_overhead([make_result({"sequential": 0.001, "dask": 0.017}, size=100, disturbed=True)], "dask")
    assert disturbed.per_task_s is None and "not claimed" in disturbed.sentence


def test_the_sweep_sentences_put_the_measured_cost_beside_the_documented_one() -> None:
    preset = get_preset("dask_task_cost")
    results = [
        make_result({"sequential": 0.008 * size / 100, "processes": 0.01, "dask": 0.02 + 0.002 * size / 100}, size=size)
        for size in (100, 3000, 10000, 24000)
    ]
    sentences = sweep_sentences(preset, results)
    assert sentences[0].startswith("processes") and sentences[1].startswith("dask")
    assert (
        "near processes" in sentences[2] or "comes near processes" in sentences[2] or "behind processes" in sentences[2]
    )
    assert "a task" in sentences[3]
    assert sentences[4].startswith(f"Documented, for comparison: {fact('dask_task_overhead').statement}")
    assert fact("dask_task_overhead").url in sentences[4]


def test_lab_dask_scheduler_is_the_default_and_a_visitor_never_chooses_an_address() -> None:
    env = {SCHEDULER_ENV: OWNER}
    assert scheduler_for(False, {}, None) is None
    assert scheduler_for(False, env, "") == OWNER
    assert scheduler_for(False, env, "tcp://10.1.2.3:8786") == "tcp://10.1.2.3:8786"
    with pytest.raises(InputError) as raised:
        scheduler_for(False, {}, "http://example.org")
    assert raised.value.field == "scheduler"
    assert scheduler_for(True, env, None) == OWNER and scheduler_for(True, {}, None) is None
    with pytest.raises(InputError, match="a visitor cannot choose a Dask scheduler") as refused:
        scheduler_for(True, env, "tcp://10.1.2.3:8786")
    assert refused.value.field == "scheduler"
    with pytest.raises(InputError) as bad_owner:
        scheduler_for(True, {SCHEDULER_ENV: "localhost"}, None)
    assert bad_owner.value.field == SCHEDULER_ENV
    plan = RunPlan("p", get_preset("dask_task_cost").specs() + get_preset("gil_cpu").specs())
    pointed = with_scheduler(plan, OWNER)
    assert [spec.scheduler for spec in pointed.specs] == [OWNER] * 4 + [None]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[RunPlan]:
    """The plans the page hands to the run queue; none runs (the queue answers full)."""
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LAB_PUBLIC", raising=False)
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    plans: list[RunPlan] = []

    def record(self: RunSlot, owner: str, plan: RunPlan, work: object, **options: object) -> None:
        plans.append(plan)
        raise QueueFull(30)

    monkeypatch.setattr(RunSlot, "submit", record)
    return plans


def _dask_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["preset"] = "dask_task_cost"
    return at.run()


def test_public_mode_has_no_address_input_and_runs_only_the_owners_cluster(
    started: list[RunPlan], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAB_PUBLIC", "1")
    at = _dask_page()
    assert not at.exception
    assert "bench_scheduler" not in [element.key for element in at.text_input]
    captions = " ".join(caption.value for caption in at.caption)
    assert "a visitor cannot point it elsewhere" in captions
    assert "Dask workers run any code the scheduler sends them" in captions and "loopback" in captions
    # A visitor's session holding an address (as a widget would leave it) changes nothing.
    at.session_state["bench_scheduler"] = "tcp://10.1.2.3:8786"
    at.button(key="bench_run").click().run()
    assert [spec.scheduler for spec in started[-1].specs] == [None] * 4
    monkeypatch.setenv(SCHEDULER_ENV, OWNER)
    at = _dask_page()
    at.session_state["bench_scheduler"] = "tcp://10.1.2.3:8786"
    at.button(key="bench_run").click().run()
    assert [spec.scheduler for spec in started[-1].specs] == [OWNER] * 4
    assert "the server owner's cluster (LAB_DASK_SCHEDULER)" in " ".join(caption.value for caption in at.caption)


def test_local_mode_offers_a_checked_address_with_lab_dask_scheduler_as_its_default(
    started: list[RunPlan], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _dask_page()
    assert at.text_input(key="bench_scheduler").value == ""
    assert "Dask workers run any code the scheduler sends them" in " ".join(c.value for c in at.caption)
    at.button(key="bench_run").click().run()
    assert [spec.scheduler for spec in started[-1].specs] == [None] * 4
    at.text_input(key="bench_scheduler").set_value("localhost:8786").run()
    assert at.error[0].value.startswith("scheduler: 'localhost:8786' is not a scheduler address")
    at.text_input(key="bench_scheduler").set_value("tcp://127.0.0.1:9999").run()
    assert not at.error
    at.button(key="bench_run").click().run()
    assert [spec.scheduler for spec in started[-1].specs] == ["tcp://127.0.0.1:9999"] * 4
    monkeypatch.setenv(SCHEDULER_ENV, OWNER)
    at = _dask_page()
    at.button(key="bench_run").click().run()
    assert [spec.scheduler for spec in started[-1].specs] == [OWNER] * 4
    # A preset without dask has no scheduler setting.
    at.selectbox(key="bench_preset").set_value("gil_cpu").run()
    assert "bench_scheduler" not in [element.key for element in at.text_input]


def _distributed_profile() -> WorkloadProfile:
    return WorkloadProfile.from_mapping(
        {
            "workload": "cpu_parallel_isolated",
            "latency_ms": 1000.0,
            "memory_mb": 4096.0,
            "cores": 2,
            "expensive_startup": False,
            "beyond_one_machine": True,
        }
    )


def test_only_the_distributed_template_needs_a_package_and_says_so_at_its_top() -> None:
    answer = recommend(_distributed_profile())
    assert answer.benchmark_template.startswith(NEEDS_DASK)
    assert "RECOMMENDED = 'dask'" in answer.benchmark_template
    assert "COMPARE = ['processes'" in answer.benchmark_template
    assert not benchmark_template("multiprocessing", _distributed_profile(), []).startswith("# Needs a package")
    guide = " ".join(answer.migration_guide)
    for needed in (
        "client.get_executor(",
        "client.map(",
        "cluster.scale(",
        "pickle",
        "client.scatter(",
        "KilledWorker",
    ):
        assert needed in guide, needed
    assert fact("broken_process_pool").statement in guide and "safe to repeat" in guide


@pytest.mark.slow
def test_the_distributed_template_runs_and_a_bad_address_is_reported_in_seconds(tmp_path: Path) -> None:
    script = tmp_path / "bench_distributed.py"
    script.write_text(recommend(_distributed_profile()).benchmark_template)
    env = {key: value for key, value in os.environ.items() if key != "LAB_BENCH_QUICK"}
    run = subprocess.run(
        [sys.executable, "-I", str(script), "--quick"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env=env,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    line = next(line for line in run.stdout.splitlines() if line.startswith("dask "))
    assert line.endswith("*") and "start-up" in line and "RESULT DIFFERS" not in line
    refused = subprocess.run(
        [sys.executable, "-I", str(script), "--quick", "--scheduler", "tcp://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert refused.returncode == 0, refused.stderr[-2000:]
    assert any(line.startswith("dask") and "unavailable" in line for line in refused.stdout.splitlines())


@pytest.mark.slow
def test_the_preset_runs_end_to_end_small() -> None:
    preset = get_preset("dask_task_cost")
    specs = [replace(spec, repeats=1, max_repeats=1, budget_s=0, warmups=0) for spec in preset.specs()[:2]]
    results = [run_benchmark(spec, timeout_s=180) for spec in specs]
    for result in results:
        dask = next(entry for entry in result.executors if entry.name == "dask")
        assert dask.correct is True and dask.startup_s is not None and dask.startup_s > 0
        assert len({span.worker for span in dask.spans}) >= 1
    sentences = sweep_sentences(replace(preset, sweep_values=(100, 3000)), results)
    assert any(sentence.startswith("dask") and "a task" in sentence for sentence in sentences)
    assert sentences[-1].startswith("Documented, for comparison")
