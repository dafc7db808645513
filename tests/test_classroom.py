"""The class board's engine: the class-result subset, upload checks and bounds, grouping and spread, codes apart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.bench import classroom
from engine.bench.classroom import ClassBoard, check_class_code, check_nickname, read_upload
from engine.bench.results import BenchResult, ExecutorResult
from engine.errors import InputError
from engine.lesson.profile import WorkloadProfile
from engine.lesson.templates import benchmark_template
from tests.bench_fakes import make_result

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "sample_result.json"


def result_bytes(**values: object) -> bytes:
    return json.dumps(make_result(**values).to_dict()).encode()


def class_document(**changes: object) -> dict:
    """A valid class result as the template writes it, with top-level fields changed."""
    document = {
        "schema": classroom.CLASS_SCHEMA,
        "version": 1,
        "created_at": "2026-12-01T10:00:00+00:00",
        "kernel": "custom",
        "work": "cpu",
        "size": 60000,
        "tasks": 16,
        "quick": False,
        "baseline": "sequential",
        "interval": "round_range",
        "host": {
            "python_version": "3.14.0",
            "implementation": "CPython",
            "free_threaded_build": True,
            "gil_enabled": False,
            "usable_cpus": 4,
            "logical_cpus": 8,
            "platform": "darwin",
        },
        "executors": [
            {
                "name": "sequential",
                "executor": "sequential",
                "workers": 1,
                "times_s": [1.0, 1.1],
                "median_s": 1.05,
                "speedup": 1.0,
                "speedup_interval": [1.0, 1.0],
            },
            {
                "name": "threads",
                "executor": "threads",
                "workers": 4,
                "times_s": [0.3, 0.31],
                "median_s": 0.305,
                "speedup": 3.4,
                "speedup_interval": [3.3, 3.5],
            },
        ],
    }
    document.update(changes)
    return document


def refusal(data: bytes) -> str:
    with pytest.raises(InputError) as caught:
        read_upload(data)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_the_template_json_is_a_class_result_the_board_reads(tmp_path: Path) -> None:
    profile = WorkloadProfile.from_mapping(
        {"workload": "cpu_parallel_isolated", "latency_ms": 1000.0, "memory_mb": 4096.0, "cores": 2}
        | {"expensive_startup": False}
    )
    script = tmp_path / "bench.py"
    script.write_text(benchmark_template("multiprocessing", profile, ["threads"]))
    to_stdout = subprocess.run(
        [sys.executable, "-I", str(script), "--quick", "--json"], capture_output=True, text=True, timeout=180
    )
    assert to_stdout.returncode == 0, to_stdout.stderr[-2000:]
    assert "(baseline)" in to_stdout.stderr, "the report goes to stderr when stdout holds the JSON"
    (result,) = read_upload(to_stdout.stdout.encode())
    assert (result.kernel, result.work, result.quick, result.baseline) == ("custom", "cpu", True, "sequential")
    assert [entry.executor for entry in result.executors] == ["sequential", "processes", "threads"]
    assert result.host.usable_cpus >= 1 and result.host.python_version == ".".join(map(str, sys.version_info[:3]))
    assert result.interval == "round_range" and all(entry.speedup_interval for entry in result.executors)
    to_file = subprocess.run(
        [sys.executable, "-I", str(script), "--quick", "--json", "out.json"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert to_file.returncode == 0 and "(baseline)" in to_file.stdout
    assert read_upload((tmp_path / "out.json").read_bytes())[0].kernel == "custom"


def test_an_app_result_is_reduced_to_the_subset() -> None:
    (result,) = read_upload(result_bytes(usable_cpus=8, gil_enabled=False, python_version="3.13.1"))
    assert result.kernel == "primes" and result.size == 20000 and result.interval == "ci95"
    assert (result.host.usable_cpus, result.host.free_threaded_build, result.host.gil_enabled) == (8, True, False)
    threads = next(entry for entry in result.executors if entry.executor == "threads")
    assert threads.name == "threads (free-threaded)" and threads.speedup == pytest.approx(1 / 1.02)
    assert read_upload(SAMPLE.read_bytes())[0].host.platform == "linux", "a version-1 file of the app still reads"


def test_unavailable_executors_are_left_out() -> None:
    result = make_result()
    missing = ExecutorResult(
        name="interpreters", label="interpreters", workers=2, start_method=None, times_s=(), median_s=None,
        min_s=None, max_s=None, spread=None, noisy=False, startup_s=None, speedup=None, band=None, correct=None,
        spans=(), unavailable="InterpreterPoolExecutor needs Python 3.14",
    )  # fmt: skip
    document = BenchResult(**{**result.__dict__, "executors": (*result.executors, missing)}).to_dict()
    (reduced,) = read_upload(json.dumps(document).encode())
    assert "interpreters" not in [entry.executor for entry in reduced.executors]


def test_an_export_bundle_gives_each_run() -> None:
    runs = [{"result": make_result(usable_cpus=cpus).to_dict(), "preset": None, "title": None} for cpus in (2, 4)]
    bundle = {"schema": classroom.BUNDLE_SCHEMA, "version": 1, "runs": runs}
    assert [result.host.usable_cpus for result in read_upload(json.dumps(bundle).encode())] == [2, 4]
    runs[1]["result"]["host"]["usable_cpus"] = "abc"
    assert refusal(json.dumps(bundle).encode()).startswith("runs.1: class result: host.usable_cpus: got 'abc'")


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (b"x" * (2**20 + 1), "file: is 1,048,577 bytes; accepted: a JSON result of at most 1 MB"),
        (b"[" * 40 + b"]" * 40, "file: nests deeper than 32 levels"),
        (b'{"schema": "concurrency-lab/class-result", "version": NaN}', "file: holds NaN; accepted: finite numbers"),
        (b"{half", "file: is not JSON"),
        (b"[1, 2]", "file: holds a JSON list"),
        (b"\xff\xfe", "file: is not UTF-8 text"),
        (b'{"schema": "mine"}', "schema: is not one the class board reads; accepted: 'concurrency-lab/class-result'"),
        (json.dumps(class_document(kernel="evil")).encode(), "class result: kernel: got 'evil'; accepted: one of"),
        (json.dumps(class_document(version=2)).encode(), "class result: version: got 2"),
        (json.dumps(class_document(baseline="threads") | {"executors": []}).encode(), "class result: executors"),
    ],
)
def test_bad_uploads_are_refused_in_one_line(data: bytes, start: str) -> None:
    assert refusal(data).startswith(start)


def test_fields_of_each_executor_are_checked() -> None:
    document = class_document()
    document["executors"][1]["speedup"] = "fast"
    assert refusal(json.dumps(document).encode()).startswith("class result: executors.1.speedup: got 'fast'")
    document = class_document()
    document["executors"][1]["executor"] = "sequential"
    assert refusal(json.dumps(document).encode()).startswith("class result: executors: name an executor twice")
    document = class_document(baseline="processes")
    assert refusal(json.dumps(document).encode()).startswith("class result: baseline: is not among the executors")
    document = class_document()
    document["host"]["usable_cpus"] = 0
    assert "host.usable_cpus: got 0; accepted: a number >= 1" in refusal(json.dumps(document).encode())


def test_an_overflowing_number_in_an_app_result_is_refused() -> None:
    document = make_result().to_dict()
    document["executors"][1]["speedup"] = 1e400  # json writes Infinity; 1e400 parses as inf, not as a constant
    assert "speedup" in refusal(json.dumps(document).encode().replace(b"Infinity", b"1e400"))


@pytest.mark.parametrize("code", ["cs-101", "A", "x" * 24, "2026-autumn"])
def test_class_codes_that_fit(code: str) -> None:
    assert check_class_code(f" {code} ") == code.upper()


@pytest.mark.parametrize("code", ["", "  ", "x" * 25, "cs 101", "cs_101", "ü", "[a](http://x)", None, 7])
def test_class_codes_that_do_not_fit(code: object) -> None:
    with pytest.raises(InputError, match=r"^class code: does not fit; accepted: letters, digits and dashes"):
        check_class_code(code)


def test_nicknames_are_bounded_and_kept_as_written() -> None:
    assert check_nickname("  ![x](http://e/x.png) ") == "![x](http://e/x.png)"
    for bad in ("", "n" * 33, "two\nlines", "bidi\u202eevil", None):
        with pytest.raises(InputError, match=r"^nickname: "):
            check_nickname(bad)


def entries_of(*results: classroom.ClassResult, nickname: str = "ada") -> list[classroom.ClassEntry]:
    return [
        classroom.ClassEntry(index, "CS", f"{nickname}{index}", "", "f.json", classroom.CLASS_SCHEMA, result)
        for index, result in enumerate(results, start=1)
    ]


def test_grouping_by_kernel_and_size_keeps_the_baseline_off_the_points() -> None:
    primes = [classroom.from_bench_result(make_result(usable_cpus=cpus)) for cpus in (2, 4, 8)]
    other = classroom.from_bench_result(make_result(size=5000))
    custom = classroom.check_class_result(class_document())
    groups = classroom.group_entries(entries_of(*primes, other, custom))
    assert [group.label for group in groups] == [
        "primes, size 20000",
        "custom (cpu work), size 60000",
        "primes, size 5000",
    ]
    first = groups[0]
    assert len(first.entries) == 3
    assert sorted({point.executor for point in first.points}) == ["processes", "threads"]
    assert [point.usable_cpus for point in first.points if point.executor == "threads"] == [2, 4, 8]


def test_spread_gives_median_quartiles_and_range() -> None:
    spread = classroom.spread("threads", [1.0, 2.0, 4.0, 3.0, 5.0])
    assert (spread.machines, spread.median, spread.low, spread.high) == (5, 3.0, 1.0, 5.0)
    assert (spread.q1, spread.q3) == (2.0, 4.0)
    alone = classroom.spread("threads", [1.5])
    assert (alone.median, alone.q1, alone.q3) == (1.5, None, None)


def test_spread_per_executor_in_a_group() -> None:
    results = [
        classroom.from_bench_result(make_result({"sequential": 1.0, "threads": 1.0 / speedup}, usable_cpus=cpus))
        for speedup, cpus in ((1.5, 2), (3.0, 4), (6.0, 8))
    ]
    (group,) = classroom.group_entries(entries_of(*results))
    (threads,) = group.spreads
    assert threads.executor == "threads" and threads.median == pytest.approx(3.0)
    assert (threads.low, threads.high) == (pytest.approx(1.5), pytest.approx(6.0))


@pytest.fixture
def board(tmp_path: Path) -> ClassBoard:
    return ClassBoard(tmp_path / "results.sqlite3")


def test_class_codes_keep_two_classes_apart(board: ClassBoard) -> None:
    board.add_file("cs-101", "o1", "ada", "a.json", result_bytes(), public=False)
    board.add_file("CS-101", "o2", "bob", "b.json", result_bytes(usable_cpus=4), public=False)
    board.add_file("bio-7", "o3", "cy", "c.json", result_bytes(usable_cpus=8), public=False)
    assert [entry.nickname for entry in board.entries("cs-101")] == ["ada", "bob"]
    assert [entry.nickname for entry in board.entries("BIO-7")] == ["cy"]
    assert board.clear("cs-101") == 2
    assert board.entries("cs-101") == [] and len(board.entries("bio-7")) == 1
    exported = json.loads(board.export_json("bio-7"))
    assert exported["schema"] == classroom.BOARD_SCHEMA and exported["class"] == "BIO-7"
    assert exported["entries"][0]["result"]["host"]["usable_cpus"] == 8


def test_public_mode_bounds_files_per_visitor_and_size(board: ClassBoard) -> None:
    for _ in range(classroom.PUBLIC_FILES_PER_VISITOR):
        board.add_file("cs", "ada-key", "ada", "a.json", result_bytes(), public=True)
    with pytest.raises(InputError, match=r"^file: would make 11 results of yours; accepted: at most 10 a class$"):
        board.add_file("cs", "ada-key", "ada", "a.json", result_bytes(), public=True)
    board.add_file("other", "ada-key", "ada", "a.json", result_bytes(), public=True)  # another class counts apart
    board.add_file("cs", "bob-key", "bob", "b.json", result_bytes(), public=True)
    assert board.count_for("cs", "ada-key") == 10 and board.count_for("cs", "bob-key") == 1
    big = json.dumps(class_document(), indent=2).encode() + b" " * classroom.PUBLIC_UPLOAD_BYTES
    with pytest.raises(InputError, match="at most 1 MB"):
        board.add_file("cs", "bob-key", "bob", "big.json", big, public=True)
    assert len(board.add_file("cs", "bob-key", "bob", "big.json", big, public=False)) == 1, "local mode: 5 MB"


def test_a_class_is_bounded_and_a_refused_upload_saves_nothing(
    board: ClassBoard, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classroom, "MAX_ENTRIES_PER_CLASS", 2)
    runs = [{"result": make_result().to_dict()} for _ in range(3)]
    bundle = json.dumps({"schema": classroom.BUNDLE_SCHEMA, "version": 1, "runs": runs}).encode()
    with pytest.raises(InputError, match=r"^class: has 0 results; accepted: at most 2 in one class$"):
        board.add_file("cs", "o", "ada", "bundle.json", bundle, public=False)
    assert board.entries("cs") == []
    with pytest.raises(InputError, match=r"^nickname: "):
        board.add_file("cs", "o", "", "a.json", result_bytes(), public=False)
    assert board.entries("cs") == []


def test_the_join_link_is_the_apps_address_and_the_class_page() -> None:
    assert classroom.join_link("http://127.0.0.1:8501/class", "cs-1") == "http://127.0.0.1:8501/class?class=CS-1"
    assert classroom.join_link("https://lab.streamlit.app/", "a") == "https://lab.streamlit.app/class?class=A"
    assert classroom.join_link("https://host/lab/results", "a") == "https://host/lab/results/class?class=A"
    assert classroom.join_link("https://host/lab/class/", "a") == "https://host/lab/class?class=A"
    with pytest.raises(InputError, match=r"^app address: "):
        classroom.join_link("javascript:alert(1)", "a")
    with pytest.raises(InputError, match=r"^class code: "):
        classroom.join_link("https://host/", "a b")


def test_the_address_from_headers() -> None:
    assert classroom.app_url_from_headers({"Host": "lab.example:8501"}) == "http://lab.example:8501/"
    assert classroom.app_url_from_headers({"host": "h", "X-Forwarded-Proto": "https"}) == "https://h/"
    assert classroom.app_url_from_headers({}) is None
    assert classroom.app_url_from_headers({"Host": "evil/path?x"}) is None


def test_the_teacher_key_comparison() -> None:
    assert classroom.teacher_key_matches("s3cret", "s3cret")
    assert not classroom.teacher_key_matches("s3cre", "s3cret")
    assert not classroom.teacher_key_matches("", "")
    assert not classroom.teacher_key_matches("anything", None)
