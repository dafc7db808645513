"""Text is text, in real Chromium: crafted links and images in a result, a bank and the address stay characters.

A tiny HTTP server of the test's own on 127.0.0.1 records every request. A result whose warnings, executor label
and executor error hold a Markdown image, an HTML image and a Markdown link to it is saved in a fresh data
folder; a bank with such a prompt and feedback is uploaded on the Quiz page; the Benchmark page is opened with
such a ?preset=. On Results, Quiz and Benchmark no <img> or <a> points at the recording server, the strings are
shown as written, the browser asks nothing of the recording server (it records none) and nothing of any other
address but the app and the Material Symbols of the app's own page icons.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from engine.bench.store import ResultStore
from engine.lesson import quiz
from engine.lesson.scenarios import load_bank
from tests.bench_fakes import make_result
from tests.conftest import start_server, stop_server, wait_for_app

pytestmark = pytest.mark.browser

FIXTURE_BANK = Path(__file__).parent / "data" / "quiz_bank.toml"
MATERIAL_ICONS = "https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/"
INVISIBLE = "\u2060"  # ui.safe's word joiner, which keeps a bare address from becoming a link


class Recorder(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that answers 404 to everything and keeps every path it was asked for."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.requests.append(self.path)
                self.send_response(404)
                self.end_headers()

            do_POST = do_HEAD = do_GET

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def crafted(port: int) -> dict[str, str]:
    base = f"http://127.0.0.1:{port}"
    return {
        "image": f"![x]({base}/x.png)",
        "html": f"<img src={base}/y.png>",
        "link": f"[Sign in again]({base}/z)",
    }


def _save_crafted_result(data_dir: Path, strings: dict[str, str]) -> None:
    result = make_result()
    executors = tuple(
        replace(executor, label=f"processes {strings['image']}", error=strings["link"])
        if executor.name == "processes"
        else executor
        for executor in result.executors
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    ResultStore(data_dir / "results.sqlite3").save(
        replace(result, warnings=(strings["image"], strings["html"], strings["link"]), executors=executors),
        preset="gil_cpu",
    )


def _crafted_bank(path: Path, strings: dict[str, str]) -> Path:
    payload = f"{strings['image']} {strings['html']}"
    text = FIXTURE_BANK.read_text()
    text = text.replace('prompt = "', f'prompt = "{payload} ').replace('wrong = "', f'wrong = "{strings["link"]} ')
    path.write_text(text)
    return path


def _assert_nothing_points_at(page: Page, port: int) -> None:
    for selector in (f"img[src*='127.0.0.1:{port}']", f"a[href*='127.0.0.1:{port}']", f"[srcset*='127.0.0.1:{port}']"):
        assert page.locator(selector).count() == 0, selector


def _shown(page: Page) -> str:
    """The main area's text as the reader sees it (the invisible word joiner taken out)."""
    return page.get_by_test_id("stMain").inner_text().replace(INVISIBLE, "")


@pytest.fixture
def own_page(browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def test_crafted_links_and_images_render_as_text_and_fetch_nothing(
    own_page: Page, recorder: Recorder, tmp_path: Path, screenshot
) -> None:
    port = recorder.server_address[1]
    strings = crafted(port)
    data_dir = tmp_path / "lab-data"
    _save_crafted_result(data_dir, strings)
    bank = _crafted_bank(tmp_path / "crafted.toml", strings)
    bad_bank = tmp_path / "bad.toml"
    bad_bank.write_text(f'[[scenario]]\nid = "oops"\nkind = "{strings["link"]}"\n')
    url, server = start_server(data_dir, tmp_path / "streamlit.log")
    requested: list[str] = []
    own_page.on("request", lambda request: requested.append(request.url))
    try:
        own_page.goto(f"{url}/results")
        wait_for_app(own_page)
        expect(own_page.get_by_text("Verdicts", exact=True)).to_be_visible()
        own_page.get_by_test_id("stAlertContainer").first.wait_for()
        _assert_nothing_points_at(own_page, port)
        shown = _shown(own_page)
        for text in (strings["image"], strings["html"], f"processes {strings['image']} failed: {strings['link']}"):
            assert text in shown
        screenshot(own_page, "plaintext-results")

        own_page.goto(f"{url}/benchmark?preset={urllib.parse.quote(strings['link'])}")
        wait_for_app(own_page)
        expect(own_page.get_by_text("unknown preset", exact=False)).to_be_visible()
        _assert_nothing_points_at(own_page, port)
        assert f"unknown preset '{strings['link']}' in the address" in _shown(own_page)
        screenshot(own_page, "plaintext-benchmark")

        own_page.goto(f"{url}/quiz")
        wait_for_app(own_page)
        main = own_page.get_by_test_id("stMain")
        main.get_by_text("Question bank").click()
        main.locator('input[type="file"]').set_input_files(str(bad_bank))
        expect(main.get_by_text("This bank was not loaded", exact=False)).to_be_visible()
        _assert_nothing_points_at(own_page, port)
        assert f"kind: got '{strings['link']}'" in _shown(own_page)
        main.locator('input[type="file"]').set_input_files(str(bank))
        # The upload's rerun may start after the page looked idle: open the bank list until it offers the file.
        uploaded = own_page.get_by_role("option", name="Uploaded: crafted.toml")
        deadline = time.monotonic() + 60
        while True:
            wait_for_app(own_page)
            main.get_by_test_id("stSelectbox").first.click()
            if uploaded.count() or time.monotonic() > deadline:
                break
            own_page.keyboard.press("Escape")
            own_page.wait_for_timeout(500)
        uploaded.click()
        wait_for_app(own_page)
        main.get_by_text(quiz.MODES["classify"], exact=True).click()
        wait_for_app(own_page)
        main.get_by_role("button", name="Start quiz").click()
        first = quiz.select(load_bank(bank), seed=1, count=10)[0]
        expect(main.get_by_role("button", name="Check")).to_be_visible()
        assert first.prompt in _shown(own_page)
        wrong, why = first.wrong_options("classify")[0]
        main.get_by_text(quiz.answer_title(wrong), exact=True).click()
        check = main.get_by_role("button", name="Check")
        expect(check).to_be_enabled()
        check.click()
        expect(main.get_by_role("button", name="Next question")).to_be_visible()
        _assert_nothing_points_at(own_page, port)
        assert why.wrong in _shown(own_page)
        screenshot(own_page, "plaintext-quiz")
        own_page.wait_for_load_state("networkidle")
    finally:
        stop_server(server)
    assert recorder.requests == [], "the recording server was asked for something"
    assert not [address for address in requested if f"127.0.0.1:{port}" in address]
    # Streamlit fetches the app's own page icons (":material/speed:") from Google's Material Symbols; nothing
    # else leaves the app.
    elsewhere = [address for address in requested if not address.startswith((url, "data:", "blob:", MATERIAL_ICONS))]
    assert elsewhere == [], "every other request the page made goes to the app"
