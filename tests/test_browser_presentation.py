"""Presentation mode in real Chromium at a projector's 1280x720 and 1920x1080: every page, screenshotted.

A server of its own starts on a data folder holding three kinds of saved run (an imported result, a run of seven
executors, a worker sweep), so Results draws every chart the app has. On each page, with every expander open:
each chart is drawn at least MIN_CHART_PX tall (its plot MIN_PLOT_PX) and no wider than its card; no two of the
page's labels (buttons, links, headings) overlap and none is cut short with an ellipsis; no two texts of one
chart overlap (Vega draws these as SVG text below 2000 marks; test_presentation.py checks the same on the specs,
which also covers charts drawn on canvas). Screenshots: test-artifacts/present-<page>-<width>x<height>.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from engine.bench.store import DB_NAME, ResultStore
from tests.bench_fakes import make_result
from tests.conftest import start_server, stop_server, wait_for_app

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).parent / "data" / "sample_result.json"
SIZES = [(1280, 720), (1920, 1080)]
PAGES = {"home": "", "quiz": "quiz", "recommend": "recommend", "benchmark": "benchmark", "results": "results"}
PAGES["whats-new"] = "whats-new"
MIN_CHART_PX = 150  # a whole chart: plot, axes, legend
MIN_PLOT_PX = 100  # its plot alone (the projector bug drew the CPU chart's plot at ~30 px)
SEVEN = {
    "sequential": 1.0,
    "threads": 0.95,
    "processes": 0.55,
    "asyncio": 1.1,
    "asyncio_threads": 0.8,
    "asyncio_processes": 0.6,
    "interpreters": 0.5,
}

# Boxes of the labels the page draws as HTML, and of each chart's SVG texts, in page coordinates.
_LABEL_BOXES = """() => {
  const selectors = ['[data-testid=stMain] button', '[data-testid=stPageLink] a', '[data-testid=stSidebarNavLink]',
                     '[data-testid=stMain] h1', '[data-testid=stMain] h2', '[data-testid=stMain] h3',
                     '[data-testid=stMain] h4'];
  const seen = new Set();
  const boxes = [];
  for (const element of document.querySelectorAll(selectors.join(','))) {
    if (seen.has(element) || element.closest('[data-testid=stVegaLiteChart]')) continue;
    seen.add(element);
    const r = element.getBoundingClientRect();
    // Icon-only buttons without text (a table's toolbar, shown over its corner on hover) carry no label.
    if (r.width < 1 || r.height < 1 || !element.innerText.trim()) continue;
    boxes.push({text: element.innerText.trim().slice(0, 60), x: r.x, y: r.y + window.scrollY, w: r.width, h: r.height});
  }
  return boxes;
}"""
_CUT_LABELS = """() => [...document.querySelectorAll(
    '[data-testid=stMain] button p, [data-testid=stPageLink] p, [data-testid=stSidebarNavLink] p')]
  .filter(p => p.getBoundingClientRect().width > 0 && p.scrollWidth > p.clientWidth + 1)
  .map(p => p.innerText)"""
_CHARTS = """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart]')].map(chart => {
  const drawn = chart.querySelector('svg.marks, canvas.marks');
  const card = chart.closest('[data-testid=stExpanderDetails], [data-testid=stVerticalBlockBorderWrapper],'
                             + ' [data-testid=stMainBlockContainer]');
  const r = drawn ? drawn.getBoundingClientRect() : {width: 0, height: 0, right: 0};
  const texts = drawn && drawn.tagName === 'svg' ? [...drawn.querySelectorAll('text')]
    // Vega's labelOverlap hides a label by its opacity: only the drawn ones count.
    .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0
                 && Number(t.getAttribute('opacity') ?? 1) > 0 && getComputedStyle(t).opacity !== '0')
    .map(t => {
      const b = t.getBoundingClientRect();
      return {text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height};
    })
    : [];
  // The plot area: the background of Vega's root frame (SVG only; a canvas keeps it to itself).
  const frame = drawn && drawn.tagName === 'svg'
    ? drawn.querySelector('.role-frame.root > g > path.background') : null;
  const plot = frame ? frame.getBoundingClientRect().height : null;
  return {height: r.height, plot, right: r.right, card_right: card.getBoundingClientRect().right, texts};
})"""


def _overlaps(boxes: list[dict], tolerance: float = 1.0) -> list[tuple[str, str]]:
    found = []
    for index, a in enumerate(boxes):
        for b in boxes[index + 1 :]:
            width = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            height = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if width > tolerance and height > tolerance:
                found.append((a["text"], b["text"]))
    return found


def _seed(data_dir: Path) -> None:
    store = ResultStore(data_dir / DB_NAME)
    store.import_file(SAMPLE.read_bytes())
    store.save(make_result(SEVEN, spread=0.2, workers=4, tasks=8))
    for workers in (1, 2, 3, 4):
        result = make_result({"sequential": 1.0, "processes": 1.05 / min(workers, 2)}, workers=workers, tasks=8)
        store.save(result, preset="scaling_workers", sweep_group="present-sweep")


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("present")
    _seed(folder / "data")
    url, server = start_server(folder / "data", folder / "streamlit.log")
    yield url
    stop_server(server)


def _open_everything(page: Page) -> None:
    """Open every expander, and on Results also choose the run of seven executors to draw the side-by-side chart."""
    if page.get_by_role("heading", name="Results", exact=True).count():
        combobox = page.get_by_test_id("stMultiSelect").get_by_role("combobox")
        combobox.click()
        combobox.press_sequentially("#2 primes")
        page.get_by_role("option").filter(has_text="#2 primes").click()
        page.keyboard.press("Escape")
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Side by side")).to_be_visible()
    expanders = page.locator("[data-testid=stExpander] details")
    for index in range(expanders.count()):
        expander = expanders.nth(index)
        if expander.get_attribute("open") is None:
            expander.locator("> summary").click()
            expect(expander).to_have_attribute("open", "")
    wait_for_app(page)
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts.locator("svg.marks, canvas.marks")).to_have_count(charts.count(), timeout=30_000)
    # Clicks scrolled Streamlit's own container: back to the top, so the full-page screenshot starts there.
    page.evaluate(
        "document.querySelectorAll('[data-testid=stMain], [data-testid=stAppViewContainer]')"
        ".forEach(e => e.scrollTo(0, 0))"
    )


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_page_in_presentation_mode_keeps_charts_tall_and_labels_whole(browser, seeded_url, screenshot, size):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=seeded_url)
    context.set_default_timeout(60_000)
    page = context.new_page()
    problems: list[str] = []
    charts_seen = 0
    try:
        for name, path in PAGES.items():
            page.goto(f"/{path}?present=1")
            wait_for_app(page)
            expect(page.get_by_role("switch", name="Presentation mode")).to_be_checked()
            _open_everything(page)
            screenshot(page, f"present-{name}-{width}x{height}")
            for overlap in _overlaps(page.evaluate(_LABEL_BOXES)):
                problems.append(f"{name}: labels overlap: {overlap}")
            problems += [f"{name}: label cut short: {text!r}" for text in page.evaluate(_CUT_LABELS)]
            for index, chart in enumerate(page.evaluate(_CHARTS)):
                charts_seen += 1
                if chart["height"] < MIN_CHART_PX:
                    problems.append(f"{name}: chart {index} is {chart['height']:.0f} px tall")
                if chart["plot"] is not None and chart["plot"] < MIN_PLOT_PX:
                    problems.append(f"{name}: chart {index}'s plot is {chart['plot']:.0f} px tall")
                if (overrun := chart["right"] - chart["card_right"]) > 1:
                    problems.append(f"{name}: chart {index} runs {overrun:.0f} px off its card")
                for overlap in _overlaps(chart["texts"]):
                    problems.append(f"{name}: chart {index} texts overlap: {overlap}")
    finally:
        context.close()
    assert charts_seen >= 7, "Results should draw the sweep, speedup, timeline, CPU, memory and side-by-side charts"
    assert not problems, "\n".join(problems)


def test_the_toggle_keeps_present_1_in_the_address_across_pages_and_a_reload(browser, seeded_url, screenshot):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=seeded_url)
    page = context.new_page()
    try:
        page.goto("/")
        wait_for_app(page)
        toggle = page.get_by_role("switch", name="Presentation mode")
        expect(toggle).not_to_be_checked()
        page.get_by_test_id("stSidebar").get_by_text("Presentation mode").click()
        expect(page).to_have_url(re.compile(r"\?present=1$"))
        # A page switch clears Streamlit's query parameters; the toggle writes the mode back.
        page.get_by_test_id("stSidebarNavLink").filter(has_text="Recommend").click()
        expect(page).to_have_url(re.compile(r"/recommend\?present=1$"))
        page.reload()
        wait_for_app(page)
        expect(page.get_by_role("switch", name="Presentation mode")).to_be_checked()
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "22px"
        page.get_by_test_id("stSidebar").get_by_text("Presentation mode").click()
        expect(page).to_have_url(re.compile(r"/recommend$"))
        wait_for_app(page)
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") != "22px"
        screenshot(page, "present-toggled-off")
    finally:
        context.close()
