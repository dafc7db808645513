"""Calibration: measured in worker processes, saved per interpreter under LAB_DATA_DIR, loaded back strictly."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from engine.bench.calibrate import (
    CALIBRATION_FILE,
    Calibration,
    calibrate,
    host_fd_limit,
    interpreter_key,
    load_calibration,
    load_costs,
    measure_rss_mb,
)
from engine.errors import InputError


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    return tmp_path


GOOD = {
    "python": "/usr/bin/python3.11",
    "python_version": "3.11.7",
    "usable_cores": 2,
    "task_overhead_s": {"threads": 1e-5},
    "task_overhead_low_s": {"threads": 0.9e-5},
    "task_overhead_high_s": {"threads": 1.2e-5},
    "pool_startup_s": {"threads": 1e-3},
    "thread_rss_mb": 0.02,
    "bare_interpreter_rss_mb": 8.0,
    "worker_rss_mb": 27.0,
    "measured_at": "2026-01-01T00:00:00+00:00",
    "request_cpu_s": None,
}


def save(data_dir: Path, *entries: dict) -> None:
    document = {
        "schema": "concurrency-lab/calibration",
        "version": 2,
        "interpreters": {interpreter_key(entry["python"], entry["python_version"]): entry for entry in entries},
    }
    (data_dir / CALIBRATION_FILE).write_text(json.dumps(document))


def test_calibrate_measures_saves_and_loads_back(data_dir: Path) -> None:
    assert load_calibration() is None
    calibration = calibrate()
    assert load_calibration() == calibration
    overhead = calibration.task_overhead_s
    assert {"sequential", "threads", "processes", "asyncio"} <= set(overhead)
    # Handing a task to another process (pickle, pipe, wake-up) costs more than a plain call, measured together.
    assert overhead["processes"] > overhead["sequential"] > 0
    assert calibration.task_overhead_low_s["processes"] <= overhead["processes"]
    assert overhead["processes"] <= calibration.task_overhead_high_s["processes"]
    assert calibration.pool_startup_s["processes"] > calibration.pool_startup_s["sequential"]
    assert load_costs().worker_rss_mb.measured_here


def test_a_bare_interpreter_is_measured_apart_from_the_labs_worker() -> None:
    # Old probe: "a bare worker process" was the Lab's worker after its imports (issue point 8).
    thread_mb, bare_mb, worker_mb = measure_rss_mb()
    assert worker_mb > bare_mb * 1.5
    assert thread_mb < bare_mb / 10


def test_calibrations_are_kept_per_interpreter(data_dir: Path) -> None:
    other = {**GOOD, "python": "/usr/bin/python3.14", "python_version": "3.14.0", "worker_rss_mb": 30.0}
    save(data_dir, GOOD, other)
    assert load_calibration("/usr/bin/python3.11", "3.11.7").worker_rss_mb == 27.0
    assert load_calibration("/usr/bin/python3.14").worker_rss_mb == 30.0
    assert load_calibration("/usr/bin/python3.14", "3.14.1") is None
    if sys.executable not in ("/usr/bin/python3.11", "/usr/bin/python3.14"):
        assert load_calibration() is None


def test_load_costs_labels_what_this_interpreter_did_not_measure_as_defaults(data_dir: Path) -> None:
    save(data_dir, GOOD)
    costs = load_costs("/usr/bin/python3.11", "3.11.7")
    assert costs.task_overhead_s["threads"].measured_here
    assert "measured on this host" in costs.task_overhead_s["threads"].basis
    assert not costs.pool_startup_s["interpreters"].measured_here
    assert "measured on this host" not in costs.pool_startup_s["interpreters"].basis
    assert costs.fd_limit == host_fd_limit()


def test_a_damaged_calibration_file_is_refused_by_name(data_dir: Path) -> None:
    (data_dir / CALIBRATION_FILE).write_text("{not json")
    with pytest.raises(InputError, match="calibrate again"):
        load_calibration()
    (data_dir / CALIBRATION_FILE).write_text(json.dumps({"python_version": "3.11"}))
    with pytest.raises(InputError, match=CALIBRATION_FILE):
        load_calibration()
    (data_dir / CALIBRATION_FILE).write_text(json.dumps({"schema": "concurrency-lab/calibration", "version": 1}))
    with pytest.raises(InputError, match="calibrate again"):
        load_calibration()


def test_validation_refuses_an_unknown_executor_or_a_negative_figure() -> None:
    assert Calibration.from_dict(GOOD).to_dict() == GOOD
    with pytest.raises(InputError, match="task_overhead_s"):
        Calibration.from_dict({**GOOD, "task_overhead_s": {"fibers": 1.0}})
    with pytest.raises(InputError, match="worker_rss_mb"):
        Calibration.from_dict({**GOOD, "worker_rss_mb": -1})
    assert replace(Calibration.from_dict(GOOD), worker_rss_mb=1.0).worker_rss_mb == 1.0
