"""Result version 4: memory RSS cannot show (uss_mb, pss_mb) and the shared state's transfer (setup_s, setup_how),
measured in real runs; a version-3 file migrating with nulls; the import validator's bounds on the new fields;
and the shared_state preset, loaded and run end to end in a tiny version."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import multiprocessing
import os
import sys
from pathlib import Path

import pytest

from engine.bench.presets import judge, load_presets
from engine.bench.result_import import read_results
from engine.bench.results import SETUP_HOWS, VERSION, BenchResult, BenchSpec
from engine.bench.runner import PUBLIC_LIMITS, run_benchmark, validate_spec
from engine.bench.worker import run_bench, unique_and_proportional_bytes
from engine.errors import InputError
from tests.bench_fakes import make_result

LINUX_SMAPS = Path(f"/proc/{os.getpid()}/smaps_rollup").exists()
needs_smaps = pytest.mark.skipif(not LINUX_SMAPS, reason="USS/PSS are read from Linux's /proc/PID/smaps_rollup")


def _quiet(_: dict) -> None:
    pass


def _run(kernel: str, executors: tuple[str, ...], size: int, start_method: str | None = None) -> BenchResult:
    spec = BenchSpec(
        kernel=kernel, executors=executors, tasks=2, size=size, repeats=1, warmups=0, start_method=start_method
    )
    return run_bench(spec, emit=_quiet)


@needs_smaps
def test_smaps_rollup_reads_this_process_with_uss_at_most_pss_at_most_rss() -> None:
    found = unique_and_proportional_bytes(os.getpid())
    assert found is not None
    uss, pss = found
    with open(f"/proc/{os.getpid()}/statm") as handle:
        rss = int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    assert 0 < uss <= pss <= rss * 1.01  # read a moment apart: a page may come between the two readings


def test_a_process_that_is_not_there_has_no_uss() -> None:
    assert unique_and_proportional_bytes(2**22 + 12345) is None


@needs_smaps
def test_a_real_run_reports_uss_and_pss_no_larger_than_rss() -> None:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    result = _run("primes", ("sequential", "threads", "processes"), 2_000, method)
    for entry in result.executors:
        assert entry.uss_mb is not None and entry.pss_mb is not None and entry.peak_rss_mb is not None, entry.name
        assert 0 < entry.uss_mb <= entry.pss_mb <= entry.peak_rss_mb * 1.01, entry.name
    processes = next(entry for entry in result.executors if entry.name == "processes")
    sequential = next(entry for entry in result.executors if entry.name == "sequential")
    assert processes.pss_mb > sequential.pss_mb  # the pool's processes are counted with the worker
    assert all(entry.setup_s is None and entry.setup_how is None for entry in result.executors)  # no shared state


@pytest.mark.slow
def test_shared_read_under_spawn_reports_each_workers_setup_apart_from_the_work() -> None:
    result = _run("shared_read", ("sequential", "threads", "processes"), 5, "spawn")
    by_name = {entry.name: entry for entry in result.executors}
    processes = by_name["processes"]
    assert processes.correct is True
    assert processes.setup_how == ("loaded", "loaded")  # each spawn worker unpickled the initializer's payload
    assert processes.setup_s is not None and len(processes.setup_s) == 2 and all(s > 0 for s in processes.setup_s)
    assert processes.startup_s is not None and max(processes.setup_s) <= processes.startup_s  # part of start-up
    for name in ("sequential", "threads"):  # one copy, built once in the worker
        assert by_name[name].setup_how == ("built",) and by_name[name].setup_s == by_name["sequential"].setup_s
    if LINUX_SMAPS:  # two more copies of the graph: the pool's unique memory is above the worker's alone
        # (by how much varies: the worker's own figure also holds what its other executors left in it)
        assert processes.uss_mb > by_name["threads"].uss_mb


@pytest.mark.slow
@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="this platform has no fork")
def test_shared_read_under_fork_is_inherited_and_rss_overcounts_it() -> None:
    result = _run("shared_read", ("sequential", "processes"), 5, "fork")
    processes = result.executors[1]
    assert processes.setup_how == ("inherited", "inherited") and processes.setup_s == (0.0, 0.0)
    if LINUX_SMAPS:  # RSS counts the inherited pages in all three processes; PSS splits them
        assert processes.pss_mb < processes.peak_rss_mb


def test_shared_write_has_no_setup_report() -> None:
    result = _run("shared_write", ("sequential", "threads"), 100)
    assert all(entry.setup_s is None and entry.setup_how is None for entry in result.executors)


def _version_3(document: dict) -> dict:
    old = copy.deepcopy(document)
    old["version"] = 3
    for executor in old["executors"]:
        for name in ("uss_mb", "pss_mb", "setup_s", "setup_how"):
            executor.pop(name, None)
    return old


def _with_new_fields() -> dict:
    result = make_result()
    entries = tuple(
        dataclasses.replace(entry, uss_mb=40.0, pss_mb=45.0, setup_s=(0.1, 0.2), setup_how=("loaded", "loaded"))
        for entry in result.executors
    )
    return dataclasses.replace(result, executors=entries).to_dict()


def test_a_version_3_file_migrates_to_version_4_with_the_new_fields_null() -> None:
    old = _version_3(_with_new_fields())
    for loaded in (BenchResult.from_dict(old), read_results(json.dumps(old).encode())[0].result):
        assert loaded.version == VERSION == 4
        for entry in loaded.executors:
            assert (entry.uss_mb, entry.pss_mb, entry.setup_s, entry.setup_how) == (None, None, None, None)


def test_the_import_validator_accepts_the_new_fields_and_round_trips_them() -> None:
    document = _with_new_fields()
    (imported,) = read_results(json.dumps(document).encode())
    entry = imported.result.executors[0]
    assert (entry.uss_mb, entry.pss_mb, entry.setup_s, entry.setup_how) == (40.0, 45.0, (0.1, 0.2), ("loaded",) * 2)
    assert imported.result.to_dict() == BenchResult.from_dict(document).to_dict()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("uss_mb", -1.0),
        ("pss_mb", -0.5),
        ("uss_mb", "40"),
        ("setup_s", [0.1, -0.2]),
        ("setup_s", [0.1] * 2000),
        ("setup_how", ["teleported"]),
        ("setup_how", "loaded"),
    ],
)
def test_the_import_validator_refuses_bad_new_fields(field: str, value: object) -> None:
    document = _with_new_fields()
    document["executors"][1][field] = value
    with pytest.raises(InputError, match=field):
        read_results(json.dumps(document).encode())


@pytest.mark.parametrize("field", ["uss_mb", "pss_mb", "setup_s"])
def test_the_import_validator_refuses_nan(field: str) -> None:
    document = _with_new_fields()
    document["executors"][1][field] = [math.nan] if field == "setup_s" else math.nan
    with pytest.raises(InputError, match="NaN"):
        read_results(json.dumps(document).encode())


def test_the_shared_state_preset_loads_and_fits_the_public_limits() -> None:
    preset = load_presets()["shared_state"]
    assert preset.kernel == "shared_read" and preset.start_method == "spawn"
    assert preset.executors == ("sequential", "threads", "processes") and preset.optional_executors == ("interpreters",)
    spec = preset.spec(available=("interpreters",))
    assert spec.start_method == "spawn" and spec.executors[-1] == "interpreters"
    validate_spec(spec, PUBLIC_LIMITS)
    assert {expectation.executor for expectation in preset.expect} == {"processes", "threads"}


def test_a_preset_with_an_unknown_start_method_is_refused(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parent.parent / "engine/bench/data/presets.toml").read_text()
    broken = tmp_path / "presets.toml"
    broken.write_text(text.replace('start_method = "spawn"', 'start_method = "teleport"'))
    with pytest.raises(InputError, match=r"shared_state\] start_method"):
        load_presets(broken)


@pytest.mark.slow
def test_a_tiny_shared_state_preset_runs_end_to_end_through_the_runner() -> None:
    preset = load_presets()["shared_state"]
    spec = dataclasses.replace(preset.spec(), tasks=2, size=5, repeats=1, warmups=0, max_repeats=1, budget_s=None)
    result = run_benchmark(spec, sys.executable, timeout_s=120)
    by_name = {entry.name: entry for entry in result.executors}
    assert set(by_name) == {"sequential", "threads", "processes"}
    assert all(entry.correct is True for entry in result.executors)
    assert by_name["processes"].setup_how == ("loaded", "loaded") and by_name["processes"].start_method == "spawn"
    assert all(how in SETUP_HOWS for entry in result.executors for how in entry.setup_how or ())
    assert len(judge(preset, result)) == len(preset.expect)


def test_the_memory_and_setup_table_sits_beside_the_speedup_for_version_4_results_only() -> None:
    from ui.bench_charts import memory_setup_frame

    frame = memory_setup_frame(BenchResult.from_dict(_with_new_fields()))
    assert list(frame["uss_mb"]) == [40.0] * len(frame) and list(frame["setup"]) == ["loaded"] * len(frame)
    assert list(frame["setup_s_max"]) == [0.2] * len(frame) and "speedup" in frame.columns
    assert memory_setup_frame(BenchResult.from_dict(_version_3(_with_new_fields()))).empty
