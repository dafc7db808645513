"""Runs across interpreters (engine.bench.variants): rounds, merging, the comparison file, the store, the
single-thread cost's interval, and a real comparison where this host has a free-threaded build."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import pytest

from engine.bench.intervals import MIN_INTERVAL_REPEATS
from engine.bench.presets import get_preset, judge_comparison, resolve_variants
from engine.bench.results import SCHEMA, BenchResult, BenchSpec, Disturbance
from engine.bench.store import ResultStore, measured_here, parse_result_file
from engine.bench.variants import (
    Comparison,
    Variant,
    check_variants,
    merge_rounds,
    parse_variant,
    run_variants,
    single_thread_cost,
)
from engine.errors import InputError
from engine.host import Interpreter, discover_interpreters
from tests.bench_fakes import make_comparison, make_result

FT = "/opt/python3.14t"
GIL = "/opt/python3.14"
SPEC = BenchSpec("primes", ("sequential", "threads"), tasks=4, size=2000, repeats=6, warmups=1)


class FakeRunner:
    """Stands in for runner.run_benchmark: records each call and returns a result whose times say which call
    made it (round and variant), so the merged order can be read back."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int]] = []

    def __call__(self, spec: BenchSpec, python: str, **kwargs: object) -> BenchResult:
        self.calls.append((python, spec.gil, spec.repeats))
        call = len(self.calls)
        free = python == FT
        result = make_result(
            {"sequential": 1.0, "threads": 0.5 if free and spec.gil != "on" else 1.0},
            gil_enabled=not free or spec.gil == "on",
            python_version="3.14.7",
        )
        executors = tuple(
            dataclasses.replace(entry, times_s=tuple(call + repeat / 10 for repeat in range(spec.repeats)))
            for entry in result.executors
        )
        host = {**result.host, "free_threaded_build": free, "executable": python}
        return dataclasses.replace(result, executors=executors, host=host, spec=spec)


def test_rounds_run_every_variant_in_turn_with_a_few_repeats_each() -> None:
    runner = FakeRunner()
    comparison = run_variants(SPEC, [Variant(FT, "off"), Variant(FT, "on"), Variant(GIL)], run=runner, max_rounds=3)
    assert [(python, gil) for python, gil, _ in runner.calls] == [(FT, "off"), (FT, "on"), (GIL, "default")] * 3
    assert {repeats for _, _, repeats in runner.calls} == {2}
    assert comparison.rounds == 3 and comparison.repeats_per_round == 2
    assert [variant.gil for variant in comparison.variants] == ["off", "on", "default"]


def test_each_variants_times_are_its_rounds_concatenated_in_round_order() -> None:
    runner = FakeRunner()
    comparison = run_variants(SPEC, [Variant(FT), Variant(GIL)], run=runner, max_rounds=3)
    # Calls 1, 3, 5 were the free-threaded build's rounds; 2, 4, 6 the GIL build's: round r pairs with round r.
    free, gil = comparison.runs
    assert free.executors[0].times_s == (1.0, 1.1, 3.0, 3.1, 5.0, 5.1)
    assert gil.executors[0].times_s == (2.0, 2.1, 4.0, 4.1, 6.0, 6.1)
    assert free.executors[0].repeats == 6 and free.executors[0].median_s == pytest.approx(3.05)
    assert free.spec.repeats == 6


def test_rounds_stop_at_the_budget_once_the_minimum_is_done() -> None:
    runner = FakeRunner()
    ticks = iter(range(0, 10_000, 5))  # every clock reading 5 s later: one round is 10 s
    comparison = run_variants(
        SPEC, [Variant(FT), Variant(GIL)], run=runner, budget_s=30, clock=lambda: float(next(ticks))
    )
    assert comparison.rounds * comparison.repeats_per_round >= MIN_INTERVAL_REPEATS
    assert comparison.stopped_by == "budget"
    assert len(runner.calls) == 2 * comparison.rounds


def test_only_the_first_worker_looks_at_the_load_beforehand() -> None:
    looks: list[float] = []

    def run(spec: BenchSpec, python: str, **kwargs: object) -> BenchResult:
        looks.append(float(kwargs["look_before_s"]))
        return FakeRunner()(spec, python)

    run_variants(SPEC, [Variant(FT), Variant(GIL)], run=run, max_rounds=3)
    assert looks[0] > 0 and set(looks[1:]) == {0.0}


def test_merging_a_disturbed_round_weighs_it_by_its_time() -> None:
    quiet = make_result()
    busy = make_result()
    found = quiet.disturbance or _disturbance(0.0, 9.0)
    quiet = dataclasses.replace(quiet, disturbance=dataclasses.replace(found, other_cores_mean=0.0, run_s=9.0))
    busy = dataclasses.replace(busy, disturbance=_disturbance(2.0, 1.0), disturbed=True)
    merged = merge_rounds([quiet, busy])
    assert merged.disturbance is not None and merged.disturbance.other_cores_mean == pytest.approx(0.2)
    assert merged.disturbed is False  # 0.2 cores on average is under the 0.25 threshold


def _disturbance(mean: float, run_s: float) -> Disturbance:
    return Disturbance(mean, mean, None, 0.0, "host", {"other_cores_mean": 0.25}, run_s=run_s, cores=2.0)


def test_the_comparison_file_round_trips_and_is_checked() -> None:
    comparison = run_variants(SPEC, [Variant(FT, "off"), Variant(GIL)], run=FakeRunner(), max_rounds=3)
    document = json.loads(json.dumps(comparison.to_dict()))
    assert (document["schema"], document["version"], document["kind"]) == (SCHEMA, 4, "comparison")
    assert [variant["build"] for variant in document["variants"]] == ["free-threaded", "GIL"]
    assert len(document["runs"]) == 2 and document["runs"][0]["spec"]["gil"] == "off"
    assert document["single_thread_cost"]["ratio"] == pytest.approx(comparison.single_thread_cost().ratio)
    again = Comparison.from_dict(document)
    assert again.to_dict() == document
    document["variants"] = document["variants"][:1]
    with pytest.raises(InputError, match="variants"):
        Comparison.from_dict(document)


def test_an_imported_variant_label_is_made_by_the_app_not_taken_from_the_file() -> None:
    document = make_comparison().to_dict()
    document["variants"][0]["label"] = "[click me](http://example.com)"
    assert Comparison.from_dict(document).variants[0].label == "Python 3.14.7 free-threaded, GIL off"
    document["variants"][0]["version"] = "3.14 <b>"
    with pytest.raises(InputError, match=r"variants\.version"):
        Comparison.from_dict(document)


def test_the_store_saves_a_comparison_as_one_run(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "results.sqlite3")
    comparison = make_comparison()
    run_id = store.save_comparison(comparison, preset="free_threading")
    (record,) = store.runs()
    assert (record.id, record.kind, record.preset) == (run_id, "comparison", "free_threading")
    assert "free-threaded, GIL off" in record.interpreter and "GIL build" in record.interpreter
    assert store.load(run_id).to_dict() == comparison.to_dict()
    assert isinstance(parse_result_file(store.export_json(run_id).encode()), Comparison)
    (again,) = store.import_runs(store.export_json(run_id).encode())
    assert (again.run_id, again.duplicate) == (run_id, True), "the same comparison is known by its fingerprint"
    csv_rows = store.export_csv([run_id]).splitlines()
    assert len(csv_rows) == 1 + 4 and csv_rows[0].endswith(",variant")
    assert measured_here(store.runs()).startswith("Free-threaded figures were measured on this host: 1 saved run")


def test_an_exported_comparison_round_trips_through_the_strict_import(tmp_path: Path) -> None:
    first = ResultStore(tmp_path / "first.sqlite3")
    comparison = make_comparison()
    run_id = first.save_comparison(comparison, preset="free_threading")
    for name, text, preset in (
        ("result", first.export_json(run_id), None),
        ("bundle", first.export_bundle([run_id]), "free_threading"),  # a bundle keeps the preset
    ):
        second = ResultStore(tmp_path / f"{name}.sqlite3")
        (outcome,) = second.import_runs(text.encode())
        assert second.load(outcome.run_id).to_dict() == comparison.to_dict()
        (record,) = second.runs()
        assert (record.kind, record.source, record.preset) == ("comparison", "import", preset)


def test_the_strict_import_refuses_a_comparison_past_its_caps(tmp_path: Path) -> None:
    document = make_comparison().to_dict()
    store = ResultStore(tmp_path / "results.sqlite3")
    nine = {**document, "runs": document["runs"] * 5, "variants": document["variants"] * 5}
    with pytest.raises(InputError, match=r"^variants: has 10 items; accepted: at most 8 items"):
        store.import_runs(json.dumps(nine).encode())
    unmatched = {**document, "variants": document["variants"][:1]}
    with pytest.raises(InputError, match=r"^variants: has 1 items for 2 runs"):
        store.import_runs(json.dumps(unmatched).encode())
    bad_run = json.loads(json.dumps(document))
    bad_run["runs"][1]["executors"][0]["times_s"] = ["1.0"]
    with pytest.raises(InputError, match=r"^runs\.1\.executors\.0\.times_s\.0"):
        store.import_runs(json.dumps(bad_run).encode())
    extra = {**document, "kind": "comparison", "secret": 1}
    with pytest.raises(InputError, match=r"^secret: is not a known field"):
        store.import_runs(json.dumps(extra).encode())
    assert store.runs() == [], "nothing refused is saved"


def test_a_store_file_from_before_comparisons_stays_readable(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    old_schema = (
        "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, saved_at TEXT NOT NULL, created_at TEXT NOT NULL,"
        " source TEXT NOT NULL, preset TEXT, sweep_group TEXT, kernel TEXT NOT NULL, python_version TEXT NOT NULL,"
        " gil_enabled INTEGER, executable TEXT NOT NULL, result_json TEXT NOT NULL)"
    )
    result = make_result()
    with sqlite3.connect(path) as connection:
        connection.execute(old_schema)
        connection.execute(
            "INSERT INTO runs (saved_at, created_at, source, kernel, python_version, gil_enabled, executable,"
            " result_json) VALUES ('x', 'x', 'run', 'primes', '3.11.7', 1, '/usr/bin/python3.11', ?)",
            (json.dumps(result.to_dict()),),
        )
    store = ResultStore(path)
    (record,) = store.runs()
    assert record.kind == "result" and store.load(record.id).to_dict() == result.to_dict()
    store.save_comparison(make_comparison())
    assert [record.kind for record in store.runs()] == ["comparison", "result"]


def _synthetic(cost: float, noise: float, rounds: int, seed: int) -> Comparison:
    """Two variants whose sequential times share each round's load factor; the free-threaded one `cost` slower."""
    rng = random.Random(seed)
    loads = [1 + rng.uniform(-0.3, 0.3) for _ in range(rounds)]
    free_times = tuple(cost * load * (1 + rng.gauss(0, noise)) for load in loads)
    gil_times = tuple(load * (1 + rng.gauss(0, noise)) for load in loads)
    comparison = make_comparison()
    runs = []
    for run, times in zip(comparison.runs, (free_times, gil_times), strict=True):
        base = dataclasses.replace(run.executors[0], times_s=times, median_s=sorted(times)[len(times) // 2])
        runs.append(dataclasses.replace(run, executors=(base, *run.executors[1:])))
    return dataclasses.replace(comparison, runs=tuple(runs))


def test_the_single_thread_cost_has_a_paired_interval_around_the_true_ratio() -> None:
    cost = single_thread_cost(_synthetic(1.08, 0.005, 12, seed=3))
    assert cost is not None and cost.interval is not None
    assert cost.interval[0] <= 1.08 <= cost.interval[1]
    assert cost.interval[0] > 1.0 and not cost.noise_wider
    assert cost.documented == "about 5-10%" and "What's New In Python 3.14" in cost.documented_source
    assert "Documented for 3.14: about 5-10% slower" in cost.sentence
    assert "noise is wider" not in cost.sentence


def test_noise_wider_than_the_effect_is_said_plainly() -> None:
    cost = single_thread_cost(_synthetic(1.05, 0.25, 8, seed=5))
    assert cost is not None and cost.interval is not None and cost.noise_wider
    assert "This host's noise is wider than the effect" in cost.sentence


def test_no_cost_without_a_gil_build_of_the_same_version() -> None:
    comparison = make_comparison()
    other = dataclasses.replace(comparison.variants[1], version="3.13.5")
    assert single_thread_cost(dataclasses.replace(comparison, variants=(comparison.variants[0], other))) is None


def test_variant_text_is_parsed_and_checked_from_the_probe() -> None:
    assert parse_variant("/a/python3.14t:gil=on") == Variant("/a/python3.14t", "on")
    assert parse_variant("/a/python3.14") == Variant("/a/python3.14", "default")
    with pytest.raises(InputError, match="variant"):
        parse_variant("/a/python:gil=maybe")

    def probe(path: str, source: str) -> Interpreter:
        version = "3.12.1" if "3.12" in path else "3.14.7"
        return Interpreter(path, source, ok=True, version=version, free_threaded_build=path.endswith("t"))

    assert check_variants([Variant(FT, "off"), Variant(GIL, "on")], probe=probe)
    with pytest.raises(InputError, match=r"^variant: .*cannot run without the GIL"):
        check_variants([Variant(GIL, "off")], probe=probe)
    with pytest.raises(InputError, match=r"^variant: .*has no GIL switch"):
        check_variants([Variant("/opt/python3.12", "on")], probe=probe)


def test_the_free_threading_preset_judges_each_variant_by_its_own_expectations() -> None:
    preset = get_preset("free_threading")
    comparison = make_comparison({"sequential": 1.0, "threads": 0.52}, {"sequential": 0.95, "threads": 0.93})
    comparison = dataclasses.replace(
        comparison, variants=(comparison.variants[0], dataclasses.replace(comparison.variants[1], role="ft_gil_on"))
    )
    findings = judge_comparison(preset, comparison)
    assert [(finding.executor, finding.met) for finding in findings] == [("threads", True), ("threads", True)]
    assert findings[0].sentence.startswith("Python 3.14.7 free-threaded, GIL off: ")


def test_preset_variants_resolve_from_the_interpreters_found() -> None:
    def found(path: str, version: str, free: bool) -> Interpreter:
        return Interpreter(path, "PATH", ok=True, version=version, free_threaded_build=free)

    host = [found("/v/python3.11", "3.11.7", False), found(GIL, "3.14.7", False), found(FT, "3.14.7", True)]
    resolved = resolve_variants(get_preset("free_threading"), host, "/v/python3.11")
    assert resolved.variants == (
        Variant(FT, "off", "ft_gil_off"),
        Variant(FT, "on", "ft_gil_on"),
        Variant(GIL, role="gil_build"),
    )
    without_gil_build = resolve_variants(get_preset("free_threading"), host[::2], "/v/python3.11")
    assert len(without_gil_build.variants) == 2 and without_gil_build.how_to is None
    assert "gil_build: no GIL build of Python 3.14 was found" in without_gil_build.skipped
    assert "uv python install 3.14t" in (resolve_variants(get_preset("free_threading"), host[:2]).how_to or "")
    hybrid = resolve_variants(get_preset("hybrid"), host, "/v/python3.11")
    assert [variant.python for variant in hybrid.variants] == ["/v/python3.11", FT]


def _free_threaded_build() -> tuple[Interpreter, Interpreter | None] | None:
    """The free-threaded build the app finds, and the GIL build of its version, if any."""
    found = [one for one in discover_interpreters() if one.supported]
    free = next((one for one in found if one.free_threaded_build), None)
    if free is None:
        return None
    minor = free.version.split(".")[:2]
    gil = next((one for one in found if not one.free_threaded_build and one.version.split(".")[:2] == minor), None)
    return free, gil


def test_a_real_comparison_of_two_variants_in_one_result(tmp_path: Path) -> None:
    builds = _free_threaded_build()
    if builds is None:
        pytest.skip("no free-threaded interpreter found on PATH, pyenv or LAB_PYTHONS (the app's discovery)")
    free, gil = builds
    second = Variant(gil.path) if gil is not None else Variant(free.path, "on")
    spec = BenchSpec("primes", ("sequential", "threads"), tasks=2, size=500, repeats=2, warmups=0)
    comparison = run_variants(spec, [Variant(free.path), second], budget_s=0.0)
    assert comparison.rounds == 3 and len(comparison.runs) == 2
    first_host = comparison.runs[0].host
    assert first_host["free_threaded_build"] is True and comparison.variants[0].gil_enabled is False
    for run in comparison.runs:
        assert all(entry.correct is not False and entry.repeats == 6 for entry in run.executors)
    if gil is not None:
        assert comparison.variants[1].build == "GIL"
        cost = comparison.single_thread_cost()
        assert cost is not None and cost.interval is not None
    store = ResultStore(tmp_path / "results.sqlite3")
    run_id = store.save_comparison(comparison)
    assert store.load(run_id).to_dict() == comparison.to_dict()


def test_the_pages_run_saves_one_comparison(tmp_path: Path) -> None:
    import sys

    from engine.bench.slot import RunPlan, RunSlot, comparison_work

    store = ResultStore(tmp_path / "results.sqlite3")
    spec = BenchSpec("primes", ("sequential", "threads"), tasks=2, size=300, repeats=2, warmups=0)
    plan = RunPlan("two variants", (spec,), sys.executable, "free_threading")
    variants = [Variant(sys.executable, role="ft_gil_off"), Variant(sys.executable, role="gil_build")]
    job = RunSlot().start("owner", plan, comparison_work(store, variants, 0.0, 60.0, "free_threading"))
    assert job.done.wait(60) and job.error is None
    (record,) = store.runs()
    assert (record.kind, record.preset, job.run_ids, len(job.results)) == ("comparison", "free_threading", [1], 2)
    assert job.fraction == 1.0
