"""The Benchmark page under AppTest: presets, the custom form, a real small run, bad input, the busy slot."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.bench.results import EXECUTORS, BenchSpec
from engine.bench.runner import LOCAL_LIMITS
from engine.bench.slot import RunPlan, plan_work
from engine.bench.store import ResultStore
from engine.host import discover_interpreters
from ui.bench_view import run_slot

PAGE = str(Path(__file__).resolve().parent.parent / "app_pages" / "benchmark.py")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LAB_PUBLIC", raising=False)
    return tmp_path


def _page(**query: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def _markdown(at: AppTest) -> str:
    return "\n".join(str(element.value) for element in at.markdown)


def test_default_preset_says_what_it_should_show(data_dir: Path) -> None:
    at = _page()
    assert not at.exception
    assert at.selectbox(key="bench_preset").value == "gil_cpu"
    assert [header.value for header in at.subheader] == ["The GIL and CPU work"]
    assert "threads take turns holding the GIL" in _markdown(at)
    captions = " ".join(caption.value for caption in at.caption)
    free_threaded = [found for found in discover_interpreters() if found.free_threaded_build and found.ok]
    if free_threaded:
        assert "Free-threaded builds found" in captions and "without the GIL" in captions
    else:
        assert "free-threaded figures were not measured here" in captions


def test_custom_form_offers_every_field(data_dir: Path) -> None:
    at = _page()
    at.selectbox(key="bench_preset").set_value("custom").run()
    assert {element.key for element in at.selectbox} >= {"bench_kernel", "bench_start_method", "bench_python"}
    assert {element.key for element in at.number_input} >= {"bench_tasks", "bench_repeats", "bench_workers"}
    assert at.multiselect(key="bench_executors").value == ["sequential", "threads", "processes"]


def test_preset_from_the_address_or_from_another_page(data_dir: Path) -> None:
    assert _page(preset="io_wait").selectbox(key="bench_preset").value == "io_wait"
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["bench_preset"] = "hybrid"
    at.run()
    assert [header.value for header in at.subheader] == ["Hybrid: fetch then process"]


def test_unknown_preset_in_the_address_names_the_accepted_ids(data_dir: Path) -> None:
    at = _page(preset="quantum")
    assert "preset: unknown preset 'quantum' in the address; accepted: gil_cpu" in at.error[0].value
    assert at.selectbox(key="bench_preset").value == "gil_cpu"


def test_small_custom_run_draws_verdicts_and_charts_and_is_saved(data_dir: Path, quiet_host: None) -> None:
    at = _page()
    at.selectbox(key="bench_preset").set_value("custom").run()
    at.selectbox(key="bench_kernel").set_value("sleep_io").run()
    at.number_input(key="bench_size_sleep_io").set_value(20)
    at.number_input(key="bench_tasks").set_value(4)
    at.number_input(key="bench_repeats").set_value(1)
    at.multiselect(key="bench_executors").set_value(["sequential", "threads"])
    at.button(key="bench_run").click().run()
    job = at.session_state["bench_job"]
    assert job.done.wait(timeout=60)
    at.run()
    assert not at.exception and not at.error
    assert "Saved as run #1" in at.success[0].value
    text = _markdown(at)
    assert "threads (GIL): " in text
    # The run's disturbance is stated on the page, the app's own server counted among the others.
    assert any("this app's own server included" in caption.value for caption in at.caption)
    assert f"(limit here: {job.results[0].host['usable_cpus']} cores)" in text
    speedup = at.get("vega_lite_chart")[0].proto.spec
    assert '"field": "verdict"' in speedup and "Speedup against the interpretation table" in speedup
    threads = next(executor for executor in job.results[0].executors if executor.name == "threads")
    # Four 20 ms sleeps on two threads overlap: the measured speedup must show it.
    assert threads.speedup > 1.3
    assert [record.kernel for record in ResultStore(data_dir / "results.sqlite3").runs()] == ["sleep_io"]


def test_bad_input_names_the_field_and_starts_nothing(data_dir: Path) -> None:
    at = _page()
    at.selectbox(key="bench_preset").set_value("custom").run()
    at.multiselect(key="bench_executors").set_value([])
    at.button(key="bench_run").click().run()
    assert at.error[0].value == "executors: is empty; accepted: " + ", ".join(EXECUTORS)
    assert "sequential" in EXECUTORS
    assert "bench_job" not in at.session_state
    assert at.selectbox(key="bench_preset").value == "custom"


def test_run_pressed_while_another_session_runs_joins_the_queue_and_the_page_keeps_working(data_dir: Path) -> None:
    at = _page()
    release = threading.Event()
    slot = run_slot()
    other = slot.start(
        "another-session",
        RunPlan("The GIL and CPU work", (BenchSpec("noop", ("sequential",)),)),
        lambda job: release.wait(60),
    )
    try:
        at.button(key="bench_run").click().run()
        # The press is answered while the other run still holds the slot: the page does not redraw itself in a
        # loop until that run ends (it did once, and the notice of the press was lost in the redraws).
        assert not other.done.is_set()
        mine = at.session_state["bench_job"]
        assert mine.state == "queued" and slot.queued() == [mine]
        assert not at.exception and not at.error and not at.warning
        infos = [info.value for info in at.info]
        assert infos[0].startswith("The GIL and CPU work: queued, position 1 of 1. Estimated wait about ")
        assert infos[1] == other.holder.wording()
        at.selectbox(key="bench_preset").set_value("io_wait").run()
        assert not other.done.is_set()
        assert [header.value for header in at.subheader] == ["Waiting on I/O"]
        assert mine.state == "queued"
        at.button(key="bench_leave").click().run()
        assert mine.done.is_set() and mine.cancelled and slot.queued() == []
        assert "This run left the queue before it started: nothing ran." in [info.value for info in at.info]
    finally:
        for job in slot.queued():
            slot.leave(job)
        release.set()
    assert other.done.wait(timeout=10)


def test_public_mode_states_its_limits_and_caps_the_form(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_PUBLIC", "1")
    at = _page(preset="custom")
    assert "Shared deployment: runs are limited to 200 tasks, 4 workers, sizes up to" in at.info[0].value
    assert at.number_input(key="bench_workers").max == 4


def test_a_reloaded_page_finds_its_run_from_the_address(data_dir: Path, quiet_host: None) -> None:
    spec = BenchSpec("noop", ("sequential", "threads"), tasks=2, repeats=1, warmups=0)
    store = ResultStore(data_dir / "results.sqlite3")
    job = run_slot().start("gone-session", RunPlan("custom: noop", (spec,)), plan_work(store, LOCAL_LIMITS, 60))
    assert job.done.wait(timeout=30)
    at = _page(run=job.holder.run_id)
    assert not at.exception
    assert at.session_state["bench_job"] is job
    assert any(header.value.startswith("Last run: custom: noop") for header in at.subheader)
    assert at.success[0].value == f"Saved as run #{job.run_ids[0]} in Results."


def test_the_free_threading_preset_is_offered_with_what_each_variant_shows(data_dir: Path) -> None:
    at = _page(preset="free_threading")
    assert not at.exception
    assert at.selectbox(key="bench_preset").value == "free_threading"
    assert [header.value for header in at.subheader] == ["Free-threading: the same threads with and without the GIL"]
    found = [one for one in discover_interpreters() if one.ok and one.free_threaded_build]
    if not found:
        assert "uv python install 3.14t" in at.info[0].value
        return
    text = _markdown(at)
    assert f"`{found[0].path}:gil=off`" in text and f"`{found[0].path}:gil=on`" in text
    assert "forced on" in text
    assert not at.button(key="bench_run").disabled


def test_without_a_free_threaded_build_the_page_says_how_to_get_one(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.host_badge

    # No interpreter found at all: the preset stays on the menu, with the ways to get a free-threaded build.
    monkeypatch.setattr(ui.host_badge, "discover_interpreters", lambda *args, **kwargs: [])
    ui.host_badge.interpreters.clear()
    try:
        at = _page(preset="free_threading")
    finally:
        ui.host_badge.interpreters.clear()
    assert not at.exception
    assert "Free-threading: the same threads with and without the GIL" in at.selectbox(key="bench_preset").options
    how_to = " ".join(info.value for info in at.info)
    for way in ("uv python install 3.14t", "python.org installer", "./configure --disable-gil"):
        assert way in how_to
    assert at.button(key="bench_run").disabled
