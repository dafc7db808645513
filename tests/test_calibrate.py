"""Calibration: measured in worker processes, saved under LAB_DATA_DIR, loaded back strictly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.bench.calibrate import CALIBRATION_FILE, Calibration, calibrate, load_calibration, measure_rss_mb
from engine.errors import InputError


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    return tmp_path


def test_calibrate_measures_saves_and_loads_back(data_dir: Path) -> None:
    assert load_calibration() is None
    calibration = calibrate()
    assert load_calibration() == calibration
    assert json.loads((data_dir / CALIBRATION_FILE).read_text())["python_version"] == calibration.python_version
    overhead = calibration.task_overhead_s
    assert {"sequential", "threads", "processes", "asyncio"} <= set(overhead)
    # Handing a task to another process (pickle, pipe, wake-up) costs more than a plain call, measured together.
    assert overhead["processes"] > overhead["sequential"] > 0
    assert calibration.pool_startup_s["processes"] > calibration.pool_startup_s["sequential"]


def test_a_thread_costs_far_less_memory_than_a_process() -> None:
    thread_mb, process_mb = measure_rss_mb()
    assert process_mb > 5
    assert thread_mb < process_mb / 10


def test_a_damaged_calibration_file_is_refused_by_name(data_dir: Path) -> None:
    (data_dir / CALIBRATION_FILE).write_text("{not json")
    with pytest.raises(InputError, match="calibrate again"):
        load_calibration()
    (data_dir / CALIBRATION_FILE).write_text(json.dumps({"python_version": "3.11"}))
    with pytest.raises(InputError, match="calibration"):
        load_calibration()


def test_from_dict_refuses_an_unknown_executor() -> None:
    good = {
        "python_version": "3.11.7",
        "usable_cores": 2,
        "task_overhead_s": {"threads": 1e-5},
        "pool_startup_s": {"threads": 1e-3},
        "thread_rss_mb": 0.02,
        "process_rss_mb": 12.0,
        "measured_at": "2026-01-01T00:00:00+00:00",
    }
    assert Calibration.from_dict(good).to_dict() == good
    with pytest.raises(InputError, match="task_overhead_s"):
        Calibration.from_dict({**good, "task_overhead_s": {"fibers": 1.0}})
