"""Imports that cannot poison a page: every crafted file is refused with one line, or renders on Results.

The cases are built here from the sample (a version-1 file) and a version-2 result; each is imported through
engine.bench.result_import, and every accepted one is drawn by the Results page under AppTest.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from engine.bench import results as schema
from engine.bench.probe import interpreter_facts
from engine.bench.result_import import MAX_DEPTH, MAX_IMPORT_BYTES, read_results
from engine.bench.runner import LOCAL_LIMITS, SAMPLE_INTERVAL_S
from engine.bench.store import ResultStore
from engine.errors import InputError
from engine.lesson.scenarios import BankError, parse_bank
from engine.validation import check_depth
from tests.bench_fakes import make_result

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = json.loads((ROOT / "tests" / "data" / "sample_result.json").read_text())
V2 = make_result().to_dict()
PAGE = str(ROOT / "app_pages" / "results.py")


def crafted(base: dict[str, Any], change: Callable[[dict[str, Any]], object]) -> bytes:
    document = copy.deepcopy(base)
    change(document)
    return json.dumps(document).encode()


def _span(index: int) -> dict[str, Any]:
    return {"task": index, "worker": "w0", "start_s": 0.0, "end_s": 0.001}


# (case, file bytes, the field a refusal names; None: accepted)
CASES: list[tuple[str, bytes, str | None]] = [
    ("valid version 1", crafted(SAMPLE, lambda d: None), None),
    ("valid version 2", crafted(V2, lambda d: None), None),
    ("without the optional warnings", crafted(SAMPLE, lambda d: d.pop("warnings")), None),
    ("without the optional samples", crafted(V2, lambda d: d.pop("samples")), None),
    ("markdown in warnings", crafted(V2, lambda d: d.update(warnings=["![x](http://127.0.0.1:9/x.png)"])), None),
    ("a band named evil", crafted(V2, lambda d: d["executors"][1].update(band="evil")), "executors.1.band"),
    ("usable_cpus abc", crafted(SAMPLE, lambda d: d["host"].update(usable_cpus="abc")), "host.usable_cpus"),
    ("NaN", crafted(SAMPLE, lambda d: None).replace(b'"median_s": 0.38', b'"median_s": NaN', 1), "file"),
    ("Infinity", crafted(V2, lambda d: None).replace(b'"speedup": 1.0', b'"speedup": Infinity', 1), "file"),
    (
        "a string in the CPU samples",
        crafted(SAMPLE, lambda d: d["samples"][0]["cpu_percent_per_core"].__setitem__(0, "100")),
        "samples.0.cpu_percent_per_core.0",
    ),
    ("10^5 brackets", b"[" * 100_000 + b"]" * 100_000, "file"),
    ("10^5 open brackets", b'{"a": ' + b"[" * 100_000, "file"),
    (
        "50 000 spans",
        crafted(V2, lambda d: d["executors"][1].update(spans=[_span(i) for i in range(50_000)])),
        "executors.1.spans",
    ),
    (
        "ragged samples",
        crafted(SAMPLE, lambda d: d["samples"][3]["cpu_percent_per_core"].append(50.0)),
        "samples.3.cpu_percent_per_core",
    ),
    ("unknown executor", crafted(V2, lambda d: d["executors"][1].update(name="gpu")), "executors.1.name"),
    ("the same executor twice", crafted(V2, lambda d: d["executors"].append(d["executors"][1])), "executors.3.name"),
    ("unknown kernel", crafted(V2, lambda d: d["spec"].update(kernel="evil")), "spec.kernel"),
    ("unknown start method", crafted(V2, lambda d: d["spec"].update(start_method="vfork")), "spec.start_method"),
    ("unknown stopped_by", crafted(V2, lambda d: d.update(stopped_by="boredom")), "stopped_by"),
    (
        "negative time",
        crafted(V2, lambda d: d["executors"][0]["times_s"].__setitem__(0, -1.0)),
        "executors.0.times_s.0",
    ),
    ("a span ending first", crafted(V2, lambda d: d["executors"][0]["spans"][0].update(end_s=0.0, start_s=1.0)), None),
    ("a 1 MB label", crafted(V2, lambda d: d["executors"][0].update(label="x" * 2**20)), "executors.0.label"),
    ("a 6 MB file", b" " * (MAX_IMPORT_BYTES + 1), "file"),
    ("wrong schema", crafted(V2, lambda d: d.update(schema="someone-else/result")), "schema"),
    ("wrong version", crafted(V2, lambda d: d.update(version=99)), "version"),
    ("a number as text", crafted(V2, lambda d: d["spec"].update(tasks="8")), "spec.tasks"),
    ("true as a number", crafted(V2, lambda d: d["spec"].update(workers=True)), "spec.workers"),
    ("an unknown field", crafted(V2, lambda d: d.update(evil=1)), "evil"),
    (
        "a CPU percent over 100",
        crafted(SAMPLE, lambda d: d["samples"][0]["cpu_percent_per_core"].__setitem__(0, 1e9)),
        "samples.0.cpu_percent_per_core.0",
    ),
    ("not an object", b"[1, 2]", "file"),
    ("not UTF-8", b"\xff\xfe{}", "file"),
    (
        "a bundle with a bad run",
        json.dumps(
            {"schema": "concurrency-lab/bench-export", "version": 1, "runs": [{"result": {"schema": 1}}]}
        ).encode(),
        "runs.0.result.schema",
    ),
]
# The span case above is refused too: its field is named by the check across fields.
CASES = [
    (name, data, "executors.0.spans.0.end_s" if name == "a span ending first" else field) for name, data, field in CASES
]


@pytest.mark.parametrize(("case", "data", "field"), CASES, ids=[case for case, _, _ in CASES])
def test_each_crafted_file_is_refused_in_one_line_naming_its_field_or_accepted(case: str, data: bytes, field) -> None:
    if field is None:
        assert read_results(data)
        return
    with pytest.raises(InputError) as raised:
        read_results(data)
    message = str(raised.value)
    assert raised.value.field == field, message
    assert "\n" not in message and len(message) < 400 and "; accepted: " in message


def test_every_accepted_crafted_file_renders_on_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    store = ResultStore(tmp_path / "results.sqlite3")
    accepted = [(case, data) for case, data, field in CASES if field is None]
    for _, data in accepted:
        store.import_runs(data)
    run_ids = [record.id for record in store.runs()]
    assert len(run_ids) >= 3
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    for run_id in run_ids:
        at.multiselect(key="results_chosen").set_value([run_id]).run()
        assert not at.exception, run_id
        assert not at.error, [error.value for error in at.error]
    at.multiselect(key="results_chosen").set_value(run_ids).run()
    assert not at.exception


def test_caps_are_no_lower_than_what_a_local_run_makes() -> None:
    assert LOCAL_LIMITS.max_tasks <= schema.MAX_TASKS
    assert LOCAL_LIMITS.max_repeats <= schema.MAX_REPEATS
    # One sample per interval through the longest local run, and one per step boundary, with room to spare.
    steps = len(schema.EXECUTORS) * (LOCAL_LIMITS.max_repeats + LOCAL_LIMITS.max_warmups)
    assert LOCAL_LIMITS.max_run_s / SAMPLE_INTERVAL_S + steps <= schema.MAX_SAMPLES
    assert len(schema.EXECUTORS) == schema.MAX_EXECUTORS


def test_a_result_as_big_as_a_local_run_makes_is_accepted() -> None:
    result = make_result(tasks=LOCAL_LIMITS.max_tasks).to_dict()
    assert len(result["executors"][1]["spans"]) == LOCAL_LIMITS.max_tasks
    assert read_results(json.dumps(result).encode())[0].result.spec.tasks == LOCAL_LIMITS.max_tasks


def test_host_field_table_has_every_key_the_probe_writes() -> None:
    """HostFacts is the one list of host keys: a key the probe adds must be added there, or imports refuse it."""
    assert set(interpreter_facts()) == {field.name for field in schema.dataclasses.fields(schema.HostFacts)}


def test_a_later_field_is_checked_from_the_field_table_alone() -> None:
    """The import check reads the dataclass annotations: a bound stated there is enforced with no second list."""
    document = crafted(V2, lambda d: d["spec"].update(max_repeats=schema.MAX_REPEATS + 1))
    with pytest.raises(InputError, match=r"spec\.max_repeats: got 1001; accepted: a number <= 1000"):
        read_results(document)


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        ("[" * 33 + "]" * 33, True),
        ("[" * 32 + "]" * 32, False),
        ('{"a": "' + "[" * 100 + '"}', False),
        ("# " + "[" * 100 + "\nx = 1", False),
        ("x = '''\n" + "{" * 100 + "\n'''", False),
        ("a = " + "[" * 100_000, True),
    ],
)
def test_check_depth_counts_brackets_outside_strings_and_comments(text: str, deep: bool) -> None:
    if deep:
        with pytest.raises(InputError, match=f"nests deeper than {MAX_DEPTH} levels"):
            check_depth(text, MAX_DEPTH)
    else:
        check_depth(text, MAX_DEPTH)


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_a_deeply_nested_bank_is_refused_in_one_line(suffix: str) -> None:
    data = b"[" * 100_000 if suffix == ".json" else b"x = " + b"[" * 100_000
    with pytest.raises(BankError) as raised:
        parse_bank(data, f"deep{suffix}")
    (error,) = raised.value.errors
    assert "nests deeper than 32 levels" in str(error) and error.field == f"deep{suffix}"
