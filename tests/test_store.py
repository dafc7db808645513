"""The results history: saving, listing, deleting, import checks, export, and surviving a new process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.bench.results import BenchResult
from engine.bench.store import MAX_IMPORT_BYTES, ResultStore, parse_result_file
from engine.errors import InputError
from tests.bench_fakes import make_result

SAMPLE = Path(__file__).parent / "data" / "sample_result.json"
ROOT = Path(__file__).parent.parent


@pytest.fixture
def store(tmp_path: Path) -> ResultStore:
    return ResultStore(tmp_path / "results.sqlite3")


def test_saved_result_loads_back_equal(store: ResultStore) -> None:
    result = make_result()
    run_id = store.save(result, preset="gil_cpu")
    assert store.load(run_id) == result
    (record,) = store.runs()
    assert (record.id, record.preset, record.kernel, record.python_version) == (run_id, "gil_cpu", "primes", "3.11.7")
    assert record.interpreter == "Python 3.11.7 (GIL)"


def test_history_is_newest_first_and_delete_removes_only_chosen(store: ResultStore) -> None:
    first = store.save(make_result(python_version="3.11.7"))
    second = store.save(make_result(python_version="3.13.0"))
    third = store.save(make_result(python_version="3.12.1"))
    assert [record.id for record in store.runs()] == [third, second, first]
    assert store.delete([second]) == 1
    assert [record.id for record in store.runs()] == [third, first]
    with pytest.raises(InputError, match="run"):
        store.load(second)


def test_sweep_group_loads_in_run_order(store: ResultStore) -> None:
    sizes = [100, 1000, 10000]
    for size in sizes:
        store.save(make_result(size=size), preset="overhead_size", sweep_group="g1")
    store.save(make_result(size=5), sweep_group="other")
    assert [result.spec.size for result in store.load_group("g1")] == sizes


def test_history_survives_a_new_process(tmp_path: Path) -> None:
    """A server restart is a new process opening the same file: the run must still be there."""
    path = tmp_path / "results.sqlite3"
    script = (
        "import sys; sys.path.insert(0, sys.argv[2])\n"
        "from tests.bench_fakes import make_result\nfrom engine.bench.store import ResultStore\n"
        "print(ResultStore(sys.argv[1]).save(make_result(), preset='gil_cpu'))"
    )
    saved = subprocess.run(
        [sys.executable, "-c", script, str(path), str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
    )
    run_id = int(saved.stdout)
    reopened = ResultStore(path)
    assert [record.id for record in reopened.runs()] == [run_id]
    assert reopened.load(run_id) == make_result()


def test_default_path_follows_lab_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "lab"))
    store = ResultStore()
    assert store.path == tmp_path / "lab" / "results.sqlite3"
    assert store.path.exists()


def test_sample_file_is_a_real_result_and_round_trips(store: ResultStore) -> None:
    data = SAMPLE.read_bytes()
    run_id = store.import_file(data)
    assert store.runs()[0].source == "import"
    # The sample is a version-1 file: it is migrated on load, so it exports as the current version with the same times.
    exported = json.loads(store.export_json(run_id))
    original = json.loads(data)
    assert (original["version"], exported["version"]) == (1, 3)
    assert [e["times_s"] for e in exported["executors"]] == [e["times_s"] for e in original["executors"]]
    assert exported == BenchResult.from_dict(original).to_dict()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda doc: doc.update(schema="something-else"), "schema"),
        (lambda doc: doc.update(version=99), "version"),
        (lambda doc: doc["executors"][0].update(median_s="fast"), "executor.median_s"),
        (lambda doc: doc["spec"].pop("kernel"), "spec.kernel"),
        (lambda doc: doc["executors"][1]["spans"][0].update(worker=3), "span.worker"),
    ],
)
def test_bad_import_names_the_field_and_saves_nothing(store: ResultStore, mutate, field: str) -> None:
    document = json.loads(SAMPLE.read_text())
    mutate(document)
    with pytest.raises(InputError) as raised:
        store.import_file(json.dumps(document).encode())
    assert raised.value.field == field
    assert store.runs() == []


def test_import_refuses_non_json_and_oversized_files(store: ResultStore) -> None:
    with pytest.raises(InputError, match="not JSON"):
        store.import_file(b"\x89PNG not a result")
    with pytest.raises(InputError, match="at most 5 MB"):
        store.import_file(b" " * (MAX_IMPORT_BYTES + 1))
    assert store.runs() == []


def test_parse_result_file_accepts_exported_json() -> None:
    result = make_result()
    assert parse_result_file(json.dumps(result.to_dict()).encode()) == result


def test_csv_export_has_one_row_per_executor_with_measured_values(store: ResultStore) -> None:
    first = store.save(make_result(), preset="gil_cpu")
    second = store.save(make_result({"sequential": 2.0, "asyncio": 0.5}, kernel="sleep_io"))
    rows = list(csv.DictReader(io.StringIO(store.export_csv([first, second]))))
    assert [(row["run_id"], row["executor"]) for row in rows] == [
        (str(first), "sequential"),
        (str(first), "threads"),
        (str(first), "processes"),
        (str(second), "sequential"),
        (str(second), "asyncio"),
    ]
    assert rows[0]["preset"] == "gil_cpu"
    assert float(rows[4]["speedup"]) == pytest.approx(4.0)
    assert rows[4]["band"] == "clear_winner"
