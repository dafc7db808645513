"""results.py version 2: intervals and bands assigned by the parent, and version-1 files migrated on load."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from engine.bench.results import VERSION, BenchResult, assess
from engine.errors import InputError

SAMPLE = Path(__file__).parent / "data" / "sample_result.json"


def _v1_with_repeats(count: int) -> dict:
    """The version-1 sample with `count` repeats per executor (processes about 1.7x, with noise)."""
    data = json.loads(SAMPLE.read_text())
    for entry in data["executors"]:
        base = entry["median_s"]
        entry["times_s"] = [base * (1 + 0.03 * ((i * 7) % 5 - 2)) for i in range(count)]
    return data


def test_a_version_1_file_migrates_with_intervals_and_bands_assigned_afresh() -> None:
    data = _v1_with_repeats(7)
    assert data["version"] == 1 and "speedup_ci" not in data["executors"][0]
    result = BenchResult.from_dict(data)
    assert result.version == VERSION == 4
    baseline, _, processes = result.executors
    assert baseline.band is None  # version 1 gave the baseline a band; it is what the bands compare against
    assert processes.speedup_ci is not None and processes.repeats == 7
    low, high = processes.speedup_ci
    assert low <= processes.speedup <= high
    assert processes.band_range is not None and processes.band in (None, processes.band_range[0])
    assert result.stopped_by is None and result.disturbed is False


def test_a_version_1_file_with_too_few_repeats_has_no_interval_and_no_band() -> None:
    result = BenchResult.from_dict(json.loads(SAMPLE.read_text()))
    assert all(entry.band is None for entry in result.executors)
    assert [entry.speedup_ci is None for entry in result.executors[1:]] == [True, True]


def test_version_2_round_trips_and_checks_its_new_fields() -> None:
    result = BenchResult.from_dict(_v1_with_repeats(6))
    document = json.loads(json.dumps(result.to_dict()))
    assert BenchResult.from_dict(document) == result
    assert isinstance(document["executors"][2]["speedup_ci"], list)
    for mutate, field in (
        (lambda d: d["executors"][2].update(speedup_ci=[2.0, 1.0]), "speedup_ci"),
        (lambda d: d["executors"][2].update(band_range=["fast", "faster"]), "band_range"),
        (lambda d: d.update(stopped_by="tired"), "stopped_by"),
        (lambda d: d.update(version=99), "version"),
    ):
        broken = copy.deepcopy(document)
        mutate(broken)
        with pytest.raises(InputError, match=field):
            BenchResult.from_dict(broken)


def test_assess_is_idempotent() -> None:
    result = BenchResult.from_dict(_v1_with_repeats(8))
    assert assess(result) == result
