"""The Results page in real Chromium: a result imported, the server restarted, the run still in the history.

Starts its own server (not the shared app_url one) so that it can stop and restart it on the same data folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import start_server, stop_server, wait_for_app

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).parent / "data" / "sample_result.json"


def _open_results(page, url: str) -> None:
    page.goto(f"{url}/results")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Results", exact=True)).to_be_visible()


@contextmanager
def _server(data_dir: Path, log: Path) -> Iterator[str]:
    """A server of our own on `data_dir`, stopped on leaving: the next one finds only what was saved."""
    url, server = start_server(data_dir, log)
    try:
        yield url
    finally:
        stop_server(server)


@pytest.fixture
def own_page(browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


def test_an_imported_run_survives_a_server_restart(own_page: Page, tmp_path: Path, screenshot) -> None:
    data_dir = tmp_path / "lab-data"
    with _server(data_dir, tmp_path / "first.log") as url:
        _open_results(own_page, url)
        expect(own_page.get_by_text("No saved runs yet")).to_be_visible()
        own_page.get_by_text("Import results (JSON").click()
        own_page.locator("input[type='file']").set_input_files(str(SAMPLE))
        # "sample_result.json: <its label> imported as run #1." (the label is the run's own)
        expect(own_page.get_by_text(re.compile(r"^sample_result\.json: .+ imported as run #1\.$"))).to_be_visible()

    with _server(data_dir, tmp_path / "second.log") as url:
        _open_results(own_page, url)
        expect(own_page.get_by_test_id("stDataFrame").first).to_be_visible()
        expect(own_page.get_by_text("Verdicts")).to_be_visible()
        expect(own_page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
        screenshot(own_page, "results-after-restart")


def test_a_run_made_on_the_benchmark_page_survives_a_server_restart(own_page: Page, tmp_path: Path, screenshot) -> None:
    data_dir = tmp_path / "lab-data"
    with _server(data_dir, tmp_path / "first.log") as url:
        own_page.goto(f"{url}/benchmark?preset=io_wait")
        wait_for_app(own_page)
        own_page.get_by_role("button", name="Run", exact=True).click()
        expect(own_page.get_by_text("Saved as run #1 in Results.")).to_be_visible(timeout=60_000)

    with _server(data_dir, tmp_path / "second.log") as url:
        _open_results(own_page, url)
        expect(own_page.get_by_test_id("stDataFrame").first).to_be_visible()
        expect(own_page.get_by_text("No saved runs yet")).to_have_count(0)
        screenshot(own_page, "results-after-restart-own-run")
