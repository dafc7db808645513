"""The results history: saving, listing, deleting, import checks, export, and surviving a new process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.bench.results import VERSION, BenchResult
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
    assert (original["version"], exported["version"]) == (1, VERSION)
    assert [e["times_s"] for e in exported["executors"]] == [e["times_s"] for e in original["executors"]]
    assert exported == BenchResult.from_dict(original).to_dict()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda doc: doc.update(schema="something-else"), "schema"),
        (lambda doc: doc.update(version=99), "version"),
        (lambda doc: doc["executors"][0].update(median_s="fast"), "executors.0.median_s"),
        (lambda doc: doc["spec"].pop("kernel"), "spec.kernel"),
        (lambda doc: doc["executors"][1]["spans"][0].update(worker=3), "executors.1.spans.0.worker"),
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


def test_an_export_bundle_keeps_preset_and_title_and_reimports_as_the_same_runs(tmp_path: Path) -> None:
    source = ResultStore(tmp_path / "a.sqlite3")
    first = source.save(make_result(), preset="gil_cpu")
    second = source.save(make_result({"sequential": 2.0, "asyncio": 0.5}, kernel="sleep_io"), title="Lab 3, bench 2")
    bundle = source.export_bundle([first, second])
    document = json.loads(bundle)
    assert (document["schema"], document["version"]) == ("concurrency-lab/bench-export", 1)
    assert [(run["preset"], run["title"]) for run in document["runs"]] == [
        ("gil_cpu", "The GIL and CPU work - Python 3.11.7 (GIL)"),
        (None, "Lab 3, bench 2"),
    ]
    target = ResultStore(tmp_path / "b.sqlite3")
    outcomes = target.import_runs(bundle.encode())
    assert [outcome.duplicate for outcome in outcomes] == [False, False]
    assert [(r.preset, r.label, r.source) for r in reversed(target.runs())] == [
        ("gil_cpu", "The GIL and CPU work - Python 3.11.7 (GIL)", "import"),
        (None, "Lab 3, bench 2", "import"),
    ]
    assert [target.load(outcome.run_id) for outcome in outcomes] == [source.load(first), source.load(second)]
    again = target.import_runs(bundle.encode())
    assert [(outcome.run_id, outcome.duplicate) for outcome in again] == [(o.run_id, True) for o in outcomes]
    assert len(target.runs()) == 2


def test_reimporting_a_saved_run_says_so_instead_of_saving_it_twice(store: ResultStore) -> None:
    run_id = store.save(make_result(), preset="gil_cpu")
    (outcome,) = store.import_runs(store.export_json(run_id).encode())
    assert (outcome.run_id, outcome.duplicate) == (run_id, True)
    # A version-1 file is migrated before its fingerprint is taken: importing it twice finds the first copy.
    first = store.import_runs(SAMPLE.read_bytes())[0]
    assert not first.duplicate
    assert store.import_runs(SAMPLE.read_bytes())[0].run_id == first.run_id
    assert len(store.runs()) == 2


def test_rows_saved_before_fingerprints_get_them_on_open(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, saved_at TEXT NOT NULL, created_at TEXT NOT NULL,"
            " source TEXT NOT NULL, preset TEXT, sweep_group TEXT, kernel TEXT NOT NULL, python_version TEXT NOT NULL,"
            " gil_enabled INTEGER, executable TEXT NOT NULL, result_json TEXT NOT NULL)"
        )
        connection.execute(
            "INSERT INTO runs (saved_at, created_at, source, kernel, python_version, executable, result_json)"
            " VALUES ('t', 't', 'run', 'primes', '3.11.7', 'python', ?)",
            (SAMPLE.read_text(),),
        )
    store = ResultStore(path)
    (outcome,) = store.import_runs(SAMPLE.read_bytes())
    assert (outcome.run_id, outcome.duplicate) == (1, True)
    assert store.runs()[0].title is None


def test_history_pages_and_records_by_id(store: ResultStore) -> None:
    ids = [store.save(make_result()) for _ in range(7)]
    assert store.count() == 7
    assert [record.id for record in store.runs(limit=3)] == ids[::-1][:3]
    assert [record.id for record in store.runs(limit=3, offset=6)] == [ids[0]]
    assert [record.id for record in store.records([ids[2], 999, ids[0]])] == [ids[2], ids[0]]


def test_a_bad_run_in_a_bundle_saves_nothing_of_it(store: ResultStore) -> None:
    good = make_result().to_dict()
    bad = {**make_result().to_dict(), "baseline": "gpu"}
    bundle = {"schema": "concurrency-lab/bench-export", "version": 1, "runs": [{"result": good}, {"result": bad}]}
    with pytest.raises(InputError) as raised:
        store.import_runs(json.dumps(bundle).encode())
    assert raised.value.field == "runs.1.result.baseline"
    assert store.runs() == []


def test_a_stored_row_that_no_longer_reads_is_an_input_error(store: ResultStore) -> None:
    import sqlite3

    run_id = store.save(make_result())
    with sqlite3.connect(store.path) as connection:
        connection.execute("UPDATE runs SET result_json = ? WHERE id = ?", ('{"schema": 1}', run_id))
    with pytest.raises(InputError, match=f"run {run_id}: cannot be read"):
        store.load(run_id)
