"""The Results page in real Chromium: a result imported, the server restarted, the run still in the history.

Starts its own server (not the shared app_url one) so that it can stop and restart it on the same data folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import start_server, stop_server, wait_for_app

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).parent / "data" / "sample_result.json"


def _open_results(page, url: str) -> None:
    page.goto(f"{url}/results")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Results", exact=True)).to_be_visible()


def test_an_imported_run_survives_a_server_restart(browser, tmp_path: Path, screenshot) -> None:
    data_dir = tmp_path / "lab-data"
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    url, server = start_server(data_dir, tmp_path / "first.log")
    try:
        _open_results(page, url)
        expect(page.get_by_text("No saved runs yet")).to_be_visible()
        page.get_by_text("Import a result (JSON").click()
        page.locator("input[type='file']").set_input_files(str(SAMPLE))
        expect(page.get_by_text("sample_result.json imported as run #1.")).to_be_visible()
    finally:
        stop_server(server)

    url, server = start_server(data_dir, tmp_path / "second.log")
    try:
        _open_results(page, url)
        history = page.get_by_test_id("stDataFrame").first
        expect(history).to_be_visible()
        expect(page.get_by_text("Verdicts")).to_be_visible()
        expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
        screenshot(page, "results-after-restart")
    finally:
        stop_server(server)
        context.close()


def test_a_run_made_on_the_benchmark_page_survives_a_server_restart(browser, tmp_path: Path, screenshot) -> None:
    data_dir = tmp_path / "lab-data"
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    url, server = start_server(data_dir, tmp_path / "first.log")
    try:
        page.goto(f"{url}/benchmark?preset=io_wait")
        wait_for_app(page)
        page.get_by_role("button", name="Run", exact=True).click()
        expect(page.get_by_text("Saved as run #1 in Results.")).to_be_visible(timeout=60_000)
    finally:
        stop_server(server)

    url, server = start_server(data_dir, tmp_path / "second.log")
    try:
        _open_results(page, url)
        history = page.get_by_test_id("stDataFrame").first
        expect(history).to_be_visible()
        expect(page.get_by_text("No saved runs yet")).to_have_count(0)
        screenshot(page, "results-after-restart-own-run")
    finally:
        stop_server(server)
        context.close()
