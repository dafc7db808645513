"""Presets: the shipped file loads, bad entries are named, and a run is judged against what it should show."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from engine.bench.presets import (
    PRESET_IDS,
    PRESETS_FILE,
    get_preset,
    judge,
    load_presets,
    presets,
    unavailable_notes,
    verdicts,
    warnings_for,
)
from engine.bench.results import BANDS, Disturbance
from engine.bench.runner import PUBLIC_LIMITS
from engine.bench.slot import RunPlan, checked_plan, limits_for, public_mode
from engine.bench.verdicts import verdict_withheld, withheld_reason
from engine.errors import InputError
from engine.lesson.quiz import predict_questions
from kernels import REGISTRY
from tests.bench_fakes import make_result


def test_shipped_presets_are_the_lessons_with_valid_kernels() -> None:
    loaded = presets()
    assert tuple(loaded) == PRESET_IDS
    for preset in loaded.values():
        assert preset.kernel in REGISTRY
        assert preset.executors[0] == "sequential"
        assert preset.should_show
    assert loaded["gil_cpu"].title == "The GIL and CPU work"
    assert loaded["overhead_size"].sweep == "size" and len(loaded["overhead_size"].specs()) >= 3
    assert [spec.workers for spec in loaded["scaling_workers"].specs()] == list(loaded["scaling_workers"].sweep_values)
    free_threading = loaded["free_threading"]
    assert [(v.build, v.gil, v.optional) for v in free_threading.variants] == [
        ("free-threaded", "off", False),
        ("free-threaded", "on", False),
        ("gil", "default", True),
    ]
    assert [(e.variant, e.min, e.max) for e in free_threading.expect] == [
        ("ft_gil_off", 1.7, None),
        ("ft_gil_on", None, 1.2),
    ]
    assert [v.build for v in loaded["hybrid"].variants] == ["chosen", "free-threaded"]


def test_interpreters_join_the_gil_preset_only_where_the_interpreter_has_them() -> None:
    preset = get_preset("gil_cpu")
    assert preset.spec().executors == ("sequential", "threads", "processes")
    assert preset.specs(available={"interpreters"})[0].executors == (
        "sequential",
        "threads",
        "processes",
        "interpreters",
    )


def test_unknown_preset_names_accepted_ids() -> None:
    with pytest.raises(InputError, match="gil_cpu"):
        get_preset("nope")


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = PRESETS_FILE.read_text()
    assert old in text
    path = tmp_path / "presets.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "field", "accepted"),
    [
        ('kernel = "primes"', 'kernel = "quicksort"', "presets.toml [gil_cpu] kernel", "primes"),
        (
            'executors = ["sequential", "threads", "processes"]',
            'executors = ["sequential", "greenlets"]',
            "presets.toml [gil_cpu] executors",
            "processes",
        ),
        ("tasks = 8", "tasks = 0", "presets.toml [gil_cpu] tasks", "1 or more"),
        ("workers = 2", 'workers = "two"', "presets.toml [gil_cpu] workers", "int"),
        (
            'sweep = "size"\nsweep_values',
            'sweep = "colour"\nsweep_values',
            "presets.toml [overhead_size] sweep",
            "workers",
        ),
        ("min = 1.5", "minimum = 1.5", "presets.toml [gil_cpu] expect[0]", "executor"),
        ('id = "io_wait"', 'id = "gil_cpu"', "presets.toml [gil_cpu] id", "each id once"),
        ('build = "gil"', 'build = "nogil"', "presets.toml [free_threading] variant[2].build", "free-threaded"),
        ('gil = "on"', 'gil = "maybe"', "presets.toml [free_threading] variant[1].gil", "default"),
        (
            'variant = "ft_gil_on"',
            'variant = "ft_gil_sideways"',
            "presets.toml [free_threading] expect[1].variant",
            "ft_gil_off",
        ),
    ],
)
def test_bad_entry_error_names_file_entry_and_field(tmp_path: Path, old: str, new: str, field: str, accepted: str):
    with pytest.raises(InputError) as raised:
        load_presets(_edited(tmp_path, old, new))
    assert raised.value.field == field
    assert accepted in raised.value.accepted


def test_size_outside_kernel_range_is_refused(tmp_path: Path) -> None:
    path = _edited(tmp_path, "size = 20", "size = 99999999")
    with pytest.raises(InputError, match=r"\[io_wait\] size.*0 to 10000"):
        load_presets(path)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("workers = 4\n", "workers = 8\n", "presets.toml [io_wait] workers"),
        ("sweep_values = [1, 2, 3, 4]", "sweep_values = [1, 2, 4, 8]", "presets.toml [scaling_workers] workers"),
        ("tasks = 40", "tasks = 400", "presets.toml [io_wait] tasks"),
        # Across interpreters: the budget of all the variants, and the rounds each must run before it can stop.
        ("budget_s = 13\n", "budget_s = 45\n", "presets.toml [free_threading] budget_s"),
        ("round_repeats = 3\n", "round_repeats = 12\n", "presets.toml [hybrid] variant"),
    ],
)
def test_a_preset_over_the_public_limits_is_refused_at_load(tmp_path: Path, old: str, new: str, field: str) -> None:
    # A shared deployment runs the same presets: one that public mode would refuse must not load at all.
    with pytest.raises(InputError, match="over the public mode's limits") as raised:
        load_presets(_edited(tmp_path, old, new))
    assert raised.value.field == field


def test_every_shipped_preset_runs_in_public_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    # Loaded with public mode on, every run of every preset (optional executors too) passes the public limits,
    # through the same checks the Benchmark page and the Predict quiz make before they start a run.
    monkeypatch.setenv("LAB_PUBLIC", "1")
    limits = limits_for(public_mode(os.environ))
    assert limits == PUBLIC_LIMITS
    loaded = load_presets()
    assert tuple(loaded) == PRESET_IDS
    for preset in loaded.values():
        plan = RunPlan(preset.title, preset.specs(available=preset.optional_executors), None, preset.id)
        assert checked_plan(plan, limits).specs == plan.specs
        for spec in plan.specs:
            assert spec.workers <= limits.max_workers and spec.tasks <= limits.max_tasks
            assert spec.budget_s is None or spec.budget_s <= limits.max_run_s
        assert preset.budget_s is None or preset.budget_s <= limits.max_run_s


def test_the_predict_quiz_starts_every_preset_question_in_public_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    # The quiz's own path (quiz_view.start_live_run) with public mode on, the queue replaced by one that records
    # what it was asked to run: no question is refused by the public limits.
    from ui import quiz_view

    monkeypatch.setenv("LAB_PUBLIC", "1")
    started: list[RunPlan] = []

    class RecordingSlot:
        def same_run(self, plan: RunPlan) -> None:
            return None

    def record(plan: RunPlan, work: object, *, kind: str) -> RunPlan:
        started.append(plan)
        return plan

    monkeypatch.setattr(quiz_view, "run_slot", RecordingSlot)
    monkeypatch.setattr(quiz_view, "submit_run", record)
    monkeypatch.setattr(quiz_view, "result_store", lambda: None)
    questions = predict_questions(list(presets().values()), seed=1)
    assert "io_wait" in {question.id for question in questions}
    for question in questions:
        quiz_view.start_live_run(question)
    assert [plan.preset for plan in started] == [question.id for question in questions]


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "presets.toml"
    path.write_text("[[preset]\n")
    with pytest.raises(InputError, match=r"presets\.toml: is not valid TOML"):
        load_presets(path)


def test_gil_preset_judged_as_expected_on_a_gil_build() -> None:
    findings = judge(get_preset("gil_cpu"), make_result({"sequential": 1.0, "threads": 1.01, "processes": 0.55}))
    assert [(finding.executor, finding.met) for finding in findings] == [("processes", True), ("threads", True)]
    assert "1.82x (95% interval 1.82-1.82x), as expected (at least 1.5x" in findings[0].sentence


def test_a_finding_is_judged_on_the_whole_interval() -> None:
    # processes at about 1.8x with a wide interval that reaches below 1.5x: the expectation is not judged.
    wide = make_result({"sequential": 1.0, "threads": 1.0, "processes": 0.55}, spread=0.3)
    processes = judge(get_preset("gil_cpu"), wide)[0]
    assert processes.met is None and "the interval reaches both sides" in processes.sentence
    assert "between 'worth considering' and 'clear winner'" in processes.sentence


def test_a_disturbed_run_is_shown_but_not_judged_and_says_why() -> None:
    result = make_result({"sequential": 1.0, "threads": 1.0, "processes": 0.55}, disturbed=True)
    assert verdict_withheld(result) is not None
    assert all(finding.met is None for finding in judge(get_preset("gil_cpu"), result))
    lines = verdicts(result)
    assert lines[0].startswith("No verdicts: other programs")
    assert "run again when the host is quieter" in lines[0]
    assert not any(wording in line for line in lines for _, _, wording in BANDS)


def test_the_withheld_reason_gives_the_disturbance_figure() -> None:
    measured = Disturbance(
        other_cores_mean=1.4,
        other_cores_peak=1.9,
        throttled_s=None,
        load_before=0.2,
        source="host",
        threshold={"other_cores_mean": 0.25},
        cores=2.0,
    )
    reason = withheld_reason(measured, 2)
    assert reason.startswith("other programs used 1.4 of the 2 cores during this run: these speedups do not measure")


def test_gil_preset_judged_not_as_expected_when_processes_do_not_scale() -> None:
    findings = judge(get_preset("gil_cpu"), make_result({"sequential": 1.0, "threads": 1.0, "processes": 0.9}))
    assert findings[0].met is False
    assert "not as expected" in findings[0].sentence


def test_threads_expectation_does_not_apply_when_the_gil_is_off() -> None:
    result = make_result({"sequential": 1.0, "threads": 0.52, "processes": 0.55}, gil_enabled=False)
    threads = judge(get_preset("gil_cpu"), result)[1]
    assert threads.met is None
    assert "threads (free-threaded): 1.92x (95% interval 1.92-1.92x) with the GIL off" in threads.sentence


def test_missing_executor_is_not_judged() -> None:
    findings = judge(get_preset("gil_cpu"), make_result({"sequential": 1.0, "threads": 1.0}))
    assert findings[0].met is None and "did not run" in findings[0].sentence


def test_verdicts_use_the_lessons_wording_and_the_core_limit() -> None:
    lines = verdicts(make_result({"sequential": 1.0, "threads": 1.0, "processes": 0.45}))
    assert lines[0] == "sequential: the baseline (1 s median)."
    assert lines[1].startswith("threads: 1.00x (95% interval 1.00-1.00x, 7 repeats), 1.0-1.2x overhead not justified")
    assert (
        lines[2] == "processes: 2.22x (95% interval 2.22-2.22x, 7 repeats), > 2.0x clear winner (limit here: 2 cores)."
    )


def test_a_verdict_across_a_band_edge_names_both_bands() -> None:
    lines = verdicts(make_result({"sequential": 1.0, "threads": 1.0, "processes": 0.8}, spread=0.3))
    assert "0.97-1.79x: between 'don't use' and 'worth considering'" in lines[2]
    assert "use if the workload is large" not in lines[2]


def test_warnings_keep_the_workers_and_add_failed_or_unavailable_executors() -> None:
    result = make_result()
    failed = replace(result.executors[1], error="ZeroDivisionError: division by zero", speedup=None, band=None)
    missing = replace(result.executors[2], unavailable="InterpreterPoolExecutor needs Python 3.14")
    result = replace(result, executors=(result.executors[0], failed, missing), warnings=("processes: noisy",))
    assert warnings_for(result) == ("processes: noisy", "threads failed: ZeroDivisionError: division by zero")
    assert unavailable_notes(result) == ("processes: InterpreterPoolExecutor needs Python 3.14",)
    assert warnings_for(make_result()) == ()
