"""`python -m engine results`: list, show, export, a teacher's bulk import, delete; LAB_DATA_DIR is the store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.bench.store import ResultStore
from engine.cli import main
from tests.bench_fakes import make_comparison, make_result

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "sample_result.json"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ResultStore:
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "lab"))
    return ResultStore()


def test_bulk_import_saves_the_good_files_names_each_bad_one_and_exits_2(
    store: ResultStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = store.save(make_result(), preset="gil_cpu")
    evil = json.loads(SAMPLE.read_text())
    evil["executors"][1]["band"] = "evil"
    (tmp_path / "evil.json").write_text(json.dumps(evil))
    (tmp_path / "deep.json").write_text("[" * 100_000)
    (tmp_path / "nan.json").write_text(SAMPLE.read_text().replace('"median_s": 0.38', '"median_s": NaN', 1))
    files = [
        str(SAMPLE),
        str(tmp_path / "evil.json"),
        str(tmp_path / "deep.json"),
        str(tmp_path / "nan.json"),
        str(tmp_path),
    ]
    assert main(["results", "import", *files]) == 2
    out, err = capsys.readouterr()
    assert out == f"{SAMPLE}: imported as run #2 (primes - Python 3.11.7 (GIL))\n"
    lines = err.splitlines()
    assert len(lines) == 4 and all(line.startswith("python -m engine results import: error: ") for line in lines)
    assert f"{tmp_path / 'evil.json'}: executors.1.band: got 'evil'" in lines[0]
    assert f"{tmp_path / 'deep.json'}: file: nests deeper than 32 levels" in lines[1]
    assert f"{tmp_path / 'nan.json'}: file: holds NaN" in lines[2]
    assert f"{tmp_path}: file: is not a regular file" in lines[3]
    assert [record.id for record in store.runs()] == [2, kept], "nothing else saved is touched"
    assert main(["results", "import", str(SAMPLE)]) == 0
    assert capsys.readouterr().out == f"{SAMPLE}: already saved as run #2 (primes - Python 3.11.7 (GIL))\n"


def test_import_json_lists_imported_and_refused(store: ResultStore, tmp_path: Path, capsys) -> None:
    (tmp_path / "bad.json").write_text("{}")
    assert main(["results", "import", "--json", str(SAMPLE), str(tmp_path / "bad.json")]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [(item["run_id"], item["duplicate"]) for item in report["imported"]] == [(1, False)]
    assert report["refused"] == [
        {
            "file": str(tmp_path / "bad.json"),
            "error": "schema: got None; accepted: 'concurrency-lab/bench-result' or 'concurrency-lab/bench-export'",
        }
    ]


def test_list_show_export_and_delete(store: ResultStore, tmp_path: Path, capsys) -> None:
    first = store.save(make_result(), preset="gil_cpu")
    second = store.save(make_result(python_version="3.13.0"), title="Bench 7 \x1b[31m")
    assert main(["results", "list", "--json"]) == 0
    assert [(run["id"], run["label"]) for run in json.loads(capsys.readouterr().out)] == [
        (second, "Bench 7 \x1b[31m"),
        (first, "The GIL and CPU work - Python 3.11.7 (GIL)"),
    ]
    assert main(["results", "list"]) == 0
    listing = capsys.readouterr().out
    assert "\x1b" not in listing and "Bench 7 \\x1b[31m" in listing, "control characters are escaped"
    assert main(["results", "show", str(first)]) == 0
    assert "processes" in capsys.readouterr().out
    assert main(["results", "show", str(first), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"] == store.load(first).to_dict()
    bundle = tmp_path / "bundle.json"
    assert main(["results", "export", str(first), str(second), "-o", str(bundle)]) == 0
    assert [run["preset"] for run in json.loads(bundle.read_text())["runs"]] == ["gil_cpu", None]
    assert main(["results", "delete", str(first), "999"]) == 2
    assert "no saved run has id 999" in capsys.readouterr().err
    assert len(store.runs()) == 2, "a delete naming an unknown id deletes nothing"
    assert main(["results", "delete", str(first)]) == 0
    assert [record.id for record in store.runs()] == [second]
    assert main(["results", "import", str(bundle)]) == 0
    out = capsys.readouterr().out
    assert "imported as run #3" in out and f"already saved as run #{second}" in out
    assert store.runs()[0].preset == "gil_cpu"


def test_the_command_is_registered_and_fails_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "evil.json").write_text(
        '{"schema": "concurrency-lab/bench-result", "version": 2, "spec": ' + "[" * 50_000
    )
    completed = subprocess.run(
        [sys.executable, "-m", "engine", "results", "import", str(tmp_path / "evil.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"LAB_DATA_DIR": str(tmp_path / "lab"), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1 and "Traceback" not in completed.stderr
    assert "nests deeper than 32 levels" in completed.stderr


def test_a_saved_comparison_is_shown_and_exported_and_imported_again(
    store: ResultStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id = store.save_comparison(make_comparison(), preset="free_threading")
    assert main(["results", "show", str(run_id)]) == 0
    shown = capsys.readouterr().out
    assert "== Python 3.14.7 free-threaded, GIL off" in shown and "== Python 3.14.7 GIL build" in shown
    assert "Single-threaded, the free-threaded build took" in shown
    bundle = tmp_path / "bundle.json"
    assert main(["results", "export", str(run_id), "--output", str(bundle)]) == 0
    assert main(["results", "delete", str(run_id)]) == 0
    capsys.readouterr()
    assert main(["results", "import", str(bundle)]) == 0
    (record,) = store.runs()
    assert (record.kind, record.preset) == ("comparison", "free_threading")
