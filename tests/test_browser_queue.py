"""Public mode in real Chromium, on a server this module starts (LAB_PUBLIC=1, a teacher key): owners and the queue.

Visitor B opens A's run from its address and sees it without Cancel, and cannot delete A's saved run; the teacher
key lets a visitor do both; A's owner key survives a reload (the cookie). Three visitors pressing Run at once:
one runs, two wait at positions 1 and 2, each starts in turn by itself, and no worker process is left.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import Page, expect

from engine.bench.store import ResultStore
from tests.bench_fakes import make_result
from tests.conftest import run_processes, start_server, stop_server, wait_for_app

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 120_000
TEACHER_KEY = secrets.token_hex(8)


@pytest.fixture(scope="module")
def public_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, psutil.Process, Path]]:
    data_dir = tmp_path_factory.mktemp("public-data")
    log = tmp_path_factory.mktemp("public-server") / "streamlit.log"
    url, process = start_server(data_dir, log, {"LAB_PUBLIC": "1", "LAB_TEACHER_KEY": TEACHER_KEY})
    yield url, psutil.Process(process.pid), data_dir
    stop_server(process)


def _visitors(browser, url: str, count: int) -> list[Page]:
    pages = []
    for _ in range(count):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=url)
        context.set_default_timeout(30_000)
        pages.append(context.new_page())
    return pages


def _close(pages: list[Page]) -> None:
    for visitor in pages:
        visitor.context.close()


def _owner_cookie(visitor: Page) -> str:
    """The owner key the app wrote into this browser's cookie (waited for: the component writes it)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = [cookie["value"] for cookie in visitor.context.cookies() if cookie["name"] == "lab_owner"]
        if found:
            return found[0]
        visitor.wait_for_timeout(200)
    raise AssertionError("the app never wrote the lab_owner cookie")


def _open(visitor: Page, path: str) -> None:
    visitor.goto(path)
    wait_for_app(visitor)
    _owner_cookie(visitor)  # a first visit reruns once when its owner cookie is written: let that rerun end
    wait_for_app(visitor)


def _sign_in_as_teacher(visitor: Page) -> None:
    sidebar = visitor.get_by_test_id("stSidebar")
    sidebar.get_by_text("Teacher", exact=True).click()
    sidebar.get_by_label("Teacher key").fill(TEACHER_KEY)
    sidebar.get_by_role("button", name="Sign in as teacher").click()
    expect(sidebar.get_by_text("Teacher: you may cancel and delete every visitor's runs.")).to_be_visible()


def test_b_cannot_cancel_or_delete_a_run_of_a_and_the_teacher_can(browser, public_server, screenshot) -> None:
    url, server, data_dir = public_server
    a, b, teacher = _visitors(browser, url, 3)
    try:
        # A's browser gets its owner key as a cookie on its first visit; a run saved by that key is A's. (Saved
        # here, not run: a whole run on this loaded host may outlast public mode's 30 s; the run below is live.)
        _open(a, "/benchmark?preset=scaling_workers")  # a sweep: long enough to be seen, then cancelled
        owner = _owner_cookie(a)
        store = ResultStore(data_dir / "results.sqlite3")
        saved = store.save(make_result(), preset="gil_cpu")
        store.set_owner(saved, owner)

        # A's run, opened by B from A's address: progress, no Cancel.
        a.get_by_role("button", name="Run", exact=True).click()
        expect(a.get_by_role("button", name="Cancel")).to_be_visible(timeout=30_000)
        address = a.url
        assert "run=" in address and "owner" not in address and TEACHER_KEY not in address
        # The owner key lives in the browser, not the address: a reload keeps A the owner.
        a.reload()
        wait_for_app(a)
        expect(a.get_by_role("button", name="Cancel")).to_be_visible(timeout=30_000)
        b.goto(address)
        wait_for_app(b)
        expect(b.get_by_test_id("stProgress")).to_be_visible()
        expect(b.get_by_text("Another visitor's run: only they, or the teacher, can cancel it.")).to_be_visible()
        expect(b.get_by_role("button", name="Cancel")).to_have_count(0)
        screenshot(b, "queue-public-b-sees-a-run")

        # The teacher, signed in once, cancels A's run.
        teacher.goto(address)
        wait_for_app(teacher)
        _sign_in_as_teacher(teacher)
        teacher.get_by_role("button", name="Cancel").click()
        expect(a.get_by_text("The run was cancelled")).to_be_visible(timeout=30_000)

        # Results (the newest run chosen, A's: the seeded one, or a run of the sweep that finished before the
        # cancel): B cannot delete it, A can, and so can the teacher.
        kept = [record.id for record in store.runs()]
        assert saved in kept and set(store.owners(kept).values()) == {owner}
        _open(b, "/results")
        expect(b.get_by_text(f"Only your own runs can be deleted: #{kept[0]} is another visitor's")).to_be_visible()
        expect(b.get_by_role("button", name="Delete…")).to_be_disabled()
        screenshot(b, "queue-public-b-cannot-delete")
        _open(a, "/results")
        expect(a.get_by_role("button", name="Delete…")).to_be_enabled()
        _open(teacher, "/results")
        teacher.get_by_role("button", name="Delete…").click()
        teacher.get_by_role("button", name="Delete them").click()  # the confirmation, checked again for owners
        expect(teacher.get_by_text("Deleted 1 run.")).to_be_visible(timeout=10_000)
        assert [record.id for record in store.runs()] == kept[1:]
    finally:
        _close([a, b, teacher])
    psutil.wait_procs(run_processes(server), timeout=5)
    assert run_processes(server) == []


def test_three_visitors_press_run_at_once_one_runs_two_queue_and_each_starts_in_turn(
    browser, public_server, screenshot
) -> None:
    url, server, _ = public_server
    visitors = _visitors(browser, url, 3)
    try:
        for visitor, preset in zip(visitors, ("hybrid", "gil_cpu", "scaling_workers"), strict=True):
            _open(visitor, f"/benchmark?preset={preset}")
        for visitor in visitors:
            visitor.get_by_role("button", name="Run", exact=True).click()
        queued = re.compile(r"queued, position (\d) of 2\. Estimated wait about \d+ s")
        positions: dict[int, Page] = {}
        runner = None
        for visitor in visitors:
            # The one that runs may have finished already on a quiet host: progress, or its result's heading.
            place = visitor.get_by_text(queued).or_(visitor.get_by_test_id("stProgress"))
            place = place.or_(visitor.get_by_role("heading", name=re.compile(r"^Last run: ")))
            expect(place.first).to_be_visible(timeout=30_000)
            found = queued.search(visitor.get_by_test_id("stMain").inner_text())
            if found:
                positions[int(found[1])] = visitor
            else:
                runner = visitor
        assert runner is not None and sorted(positions) == [1, 2], "one runs, two wait at positions 1 and 2"
        expect(positions[1].get_by_role("button", name="Leave the queue")).to_be_visible()
        screenshot(positions[2], "queue-three-visitors-position-2")
        # Each run starts by itself when the one before ends, with no press from its idle visitor, and ends (saved,
        # or failed: on a host this loaded a run may outlast public mode's 30 s, which is not the queue's doing).
        ended = re.compile(r"Last run: .+, started (\d\d:\d\d:\d\d)")
        starts = []
        for visitor in (runner, positions[1], positions[2]):
            heading = visitor.get_by_role("heading", name=ended)
            expect(heading).to_be_visible(timeout=RUN_TIMEOUT_MS)
            starts.append(ended.search(heading.inner_text())[1])
            expect(visitor.get_by_text(re.compile(r"Saved as run #[\d, #]+ in Results|RunFailed"))).to_be_visible()
        assert starts == sorted(starts), f"the runs started in the queue's order: {starts}"
        screenshot(positions[2], "queue-three-visitors-last-done")
    finally:
        _close(visitors)
    psutil.wait_procs(run_processes(server), timeout=5)
    assert run_processes(server) == []
