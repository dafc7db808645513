"""Ownership under AppTest, two visitors in public mode: B sees A's run without a Cancel and cannot delete A's
saved run; the teacher key lets B do both; its attempts are rate-limited. Local mode: everyone owns everything."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.bench.access import ATTEMPTS_PER_VISITOR
from engine.bench.results import BenchSpec
from engine.bench.runner import RunCancelled
from engine.bench.slot import RunPlan
from engine.bench.store import ResultStore
from tests.bench_fakes import make_result
from ui.bench_view import run_slot
from ui.owner import OWNER_STATE

ROOT = Path(__file__).resolve().parent.parent
BENCHMARK = str(ROOT / "app_pages" / "benchmark.py")
RESULTS = str(ROOT / "app_pages" / "results.py")
A, B = "a" * 32, "b" * 32


@pytest.fixture
def teacher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Public mode with a fresh teacher key (each key gets its own gate, so no test sees another's attempts)."""
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAB_PUBLIC", "1")
    key = secrets.token_hex(8)
    monkeypatch.setenv("LAB_TEACHER_KEY", key)
    return key


def _visit(page: str, visitor: str, **query: str) -> AppTest:
    at = AppTest.from_file(page, default_timeout=60)
    at.session_state[OWNER_STATE] = visitor
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def _sign_in(at: AppTest, key: str) -> AppTest:
    at.sidebar.text_input(key="owner_teacher_key").input(key)
    return at.sidebar.button[0].click().run()


@pytest.fixture
def a_run():
    """A's run holding the slot until the test ends."""
    release = threading.Event()

    def work(job) -> None:
        while not release.wait(0.02):
            if job.cancel.is_set():
                raise RunCancelled("cancelled")

    job = run_slot().start(A, RunPlan("A's run", (BenchSpec("noop", ("sequential",)),)), work)
    yield job
    release.set()
    assert job.done.wait(10)


def test_b_sees_a_run_from_its_address_without_cancel_and_a_teacher_can_cancel_it(teacher: str, a_run) -> None:
    owner_page = _visit(BENCHMARK, A, run=a_run.run_id)
    assert owner_page.button(key="bench_cancel") is not None
    other = _visit(BENCHMARK, B, run=a_run.run_id)
    assert not other.exception
    assert other.get("progress")[0].proto.text.startswith("A's run:")
    assert "bench_cancel" not in {button.key for button in other.button}
    assert "Another visitor's run: only they, or the teacher, can cancel it." in [c.value for c in other.caption]
    other = _sign_in(other, teacher)
    assert not other.exception
    assert other.sidebar.success[0].value.startswith("Teacher:")
    other.button(key="bench_cancel").click().run()
    assert a_run.done.wait(10) and a_run.cancelled


def test_b_cannot_delete_a_saved_run_but_the_teacher_can(teacher: str, tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "results.sqlite3")
    run_id = store.save(make_result(), preset="gil_cpu")
    store.set_owner(run_id, A)
    other = _visit(RESULTS, B)
    assert other.button(key="results_delete").disabled
    assert f"Only your own runs can be deleted: #{run_id} is another visitor's" in " ".join(
        c.value for c in other.caption
    )
    assert [record.id for record in store.runs()] == [run_id]
    assert not _visit(RESULTS, A).button(key="results_delete").disabled
    other = _sign_in(other, teacher)
    assert not other.button(key="results_delete").disabled
    other.button(key="results_delete").click().run()
    # The question asked as the teacher is checked again when answered: signed out meanwhile, nothing goes.
    other.sidebar.button(key="owner_teacher_leave").click().run()
    other.button(key="results_delete_confirm").click().run()
    assert [record.id for record in store.runs()] == [run_id]
    assert other.error[0].value.startswith(f"Nothing was deleted: #{run_id} is another visitor's")
    other = _sign_in(other, teacher)
    other.button(key="results_delete").click().run()
    other.button(key="results_delete_confirm").click().run()
    assert store.runs() == []


def test_an_import_belongs_to_its_importer(teacher: str, tmp_path: Path) -> None:
    at = _visit(RESULTS, B)
    sample = (ROOT / "tests" / "data" / "sample_result.json").read_bytes()
    at.get("file_uploader")[0].set_value(("sample.json", sample, "application/json"))
    at.run()
    (record,) = ResultStore(tmp_path / "results.sqlite3").runs()
    assert ResultStore(tmp_path / "results.sqlite3").owners([record.id]) == {record.id: B}
    assert not at.button(key="results_delete").disabled


def test_teacher_key_attempts_are_rate_limited(teacher: str) -> None:
    at = _visit(RESULTS, B)
    for _ in range(ATTEMPTS_PER_VISITOR):
        at = _sign_in(at, "wrong")
        assert at.sidebar.error[0].value == "That is not the teacher key."
    at = _sign_in(at, teacher)
    assert at.sidebar.error[0].value.startswith("Too many attempts at the teacher key from this browser")
    assert not at.sidebar.success, "the right key past the limit signs nobody in"


def test_local_mode_has_no_owners(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, a_run) -> None:
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LAB_PUBLIC", raising=False)
    store = ResultStore(tmp_path / "results.sqlite3")
    store.set_owner(store.save(make_result()), A)
    assert not _visit(RESULTS, B).button(key="results_delete").disabled
    assert _visit(BENCHMARK, B, run=a_run.run_id).button(key="bench_cancel") is not None
