"""Home in real Chromium: the table, the host facts and presentation mode from the address."""

import pytest
from playwright.sync_api import expect

from tests.conftest import wait_for_app

pytestmark = pytest.mark.browser


def test_home_shows_table_tree_and_host(page, screenshot):
    page.goto("/")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="The decision table")).to_be_visible()
    expect(main.get_by_role("heading", name="What this host can show")).to_be_visible()
    expect(main.get_by_text("Usable CPUs (affinity)")).to_be_visible()
    expect(page.get_by_test_id("stGraphVizChart")).to_be_visible()
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
