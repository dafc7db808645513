"""Home in real Chromium: the table, the host facts and presentation mode from the address."""

import pytest
from playwright.sync_api import expect

from engine.host import discover_interpreters
from tests.conftest import start_server, stop_server, wait_for_app

pytestmark = pytest.mark.browser


def test_home_shows_table_tree_and_host(page, screenshot):
    page.goto("/")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="The decision table")).to_be_visible()
    expect(main.get_by_role("heading", name="What this host can show")).to_be_visible()
    expect(main.get_by_text("Usable CPUs (affinity)")).to_be_visible()
    expect(page.get_by_test_id("stGraphVizChart")).to_be_visible()
    if any(found.free_threaded_build and found.ok for found in discover_interpreters()):
        expect(main.get_by_text("Free-threaded interpreter found").first).to_be_visible()
    else:
        expect(page.get_by_text("free-threaded figures are not measured on this host").first).to_be_visible()
    screenshot(page, "home")


def test_present_query_parameter_turns_on_presentation_mode(page, screenshot):
    page.goto("/?present=1")
    wait_for_app(page)
    toggle = page.get_by_role("switch", name="Presentation mode")
    expect(toggle).to_be_checked()
    font_size = page.evaluate("getComputedStyle(document.documentElement).fontSize")
    assert font_size == "22px"
    screenshot(page, "home-presentation")


def test_a_deep_link_to_a_fresh_server_gets_the_whole_app(browser, tmp_path, screenshot):
    # A shared classroom link often opens a page's own address first. With page scripts in a folder named
    # pages/, Streamlit 1.67 would run that script alone (no app.py: no navigation, no presentation toggle).
    url, server = start_server(tmp_path / "data", tmp_path / "streamlit.log")
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        deep = context.new_page()
        deep.goto(f"{url}/quiz?present=1")
        wait_for_app(deep, timeout_ms=120_000)
        sidebar = deep.get_by_test_id("stSidebar")
        expect(sidebar.get_by_role("link", name="Quiz", exact=True)).to_be_visible()
        expect(sidebar.get_by_role("link", name="app")).to_have_count(0)
        expect(sidebar.get_by_role("switch", name="Presentation mode")).to_be_checked()
        screenshot(deep, "deep-link-quiz")
        context.close()
    finally:
        stop_server(server)
