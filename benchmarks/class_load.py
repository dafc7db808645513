"""Class-scale load: 30 browser sessions on one Streamlit server; the server's own CPU per page view and its RSS.

    .venv/bin/python benchmarks/class_load.py            (about 5 minutes on 2 cores; --help for the knobs)

Starts `streamlit run app.py` on 127.0.0.1 (tests/conftest.py's start_server, its own LAB_DATA_DIR in a temporary
folder) and system Chromium through Playwright. Browser contexts (each one Streamlit session) are opened in
batches: each opens the app, visits every page through the sidebar and stays connected. On 2 cores the browsers
cost more than the server, so nothing here is a time in the browser: the figures are the SERVER's CPU seconds
(psutil user+system of its pid, read before and after each batch and each view, a view counted done when the
app's `data-test-script-state` says its script stopped) and its RSS (sampled every 0.2 s from its pid).

Phases, all with the same sessions connected:
  1. idle: the sessions open the app and visit the seven pages, a batch at a time;
  2. run: the same visits again while a preset runs (started from the Benchmark page in one more context,
     started again whenever it ends);
  3. parked: every session sits on the Benchmark page during a run (each one's progress panel polls);
  4. many saved runs: the data folder filled to --saved runs (ResultStore.save of tests/data/sample_result.json),
     then every session opens Results (a page of the history, not the whole table).
At the end the server is stopped and every process seen in its tree is checked gone (psutil).
Prints a Markdown table; measures and reports, never fails on a number (exit 1 only if something was left behind).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from engine.bench.results import BenchResult  # noqa: E402 - after the project root is on sys.path
from engine.bench.store import DB_NAME, HISTORY_PAGE, ResultStore  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server  # noqa: E402

SAMPLE = ROOT / "tests" / "data" / "sample_result.json"
# (sidebar link text, the page's title): the order a student clicks through them.
PAGES = (
    ("Home", "Concurrency Lab"),
    ("Quiz", "Quiz"),
    ("Recommend", "Get a recommendation"),
    ("Benchmark", "Benchmark"),
    ("Results", "Results"),
    ("What's new in 3.13/3.14", "What's new"),
    ("Class", "Class"),
)
GOAL_CPU_S = 0.3
GOAL_RSS_MB = 500.0
TIMEOUT_MS = 120_000  # a busy 2-core host with 30 browsers: generous, the figures are not times
CLICK_WAIT_MS = 40_000
ARTIFACTS = ROOT / "test-artifacts"
PARKED_S = 10.0
# The page's script has stopped and its title is the one asked for (the title arrives while the script runs).
SETTLED = """(title) => {
    const app = document.querySelector("[data-testid='stApp']");
    const h1 = document.querySelector("[data-testid='stMain'] h1");
    return app !== null && app.getAttribute("data-test-script-state") === "notRunning"
        && h1 !== null && h1.textContent.trim().startsWith(title);
}"""


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


class ServerWatch:
    """The server's CPU and memory from its pid; a thread samples RSS and remembers every process of its tree."""

    def __init__(self, pid: int) -> None:
        self.server = psutil.Process(pid)
        self.seen: dict[int, psutil.Process] = {pid: self.server}
        self.peak_rss = 0
        self.peak_tree_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def cpu_s(self) -> float:
        """The server process's own CPU seconds (user + system, all its threads)."""
        times = self.server.cpu_times()
        return times.user + times.system

    def children_cpu_s(self) -> float:
        """CPU of the processes it started: the ended (reaped) ones and the live ones (the runs' workers)."""
        times = self.server.cpu_times()
        total = times.children_user + times.children_system
        for child in self._children():
            try:
                child_times = child.cpu_times()
            except psutil.Error:
                continue
            total += child_times.user + child_times.system
        return total

    def rss_mb(self) -> float:
        return self.server.memory_info().rss / 2**20

    def reset_peak(self) -> None:
        self.peak_rss = self.peak_tree_rss = 0

    def _children(self) -> list[psutil.Process]:
        try:
            return self.server.children(recursive=True)
        except psutil.Error:
            return []

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            try:
                rss = self.server.memory_info().rss
            except psutil.Error:
                return
            tree = rss
            for child in self._children():
                self.seen.setdefault(child.pid, child)
                with contextlib.suppress(psutil.Error):
                    tree += child.memory_info().rss
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_tree_rss = max(self.peak_tree_rss, tree)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def left_behind(self) -> list[str]:
        """Every process once seen in the server's tree that still runs (is_running also checks the start time)."""
        return [f"{p.pid} {p.name()}" for p in self.seen.values() if p.is_running() and p.status() != "zombie"]


@dataclass
class Tally:
    """Server CPU over a phase's views: per batch (the figure) and per page (where it goes)."""

    views: int = 0
    cpu_s: float = 0.0
    wall_s: float = 0.0
    per_page: dict[str, list[float]] = field(default_factory=dict)
    running_views: int = 0  # views during which a run was in progress from start to end

    def add(self, page: str, cpu_s: float) -> None:
        self.per_page.setdefault(page, []).append(cpu_s)

    @property
    def per_view(self) -> float:
        return self.cpu_s / max(1, self.views)


STATE = """() => [location.pathname, document.querySelector("[data-testid='stApp']")?.getAttribute(
    "data-test-script-state"), document.querySelector("[data-testid='stMain'] h1")?.textContent]"""
RETRIES: list[str] = []  # views whose first click was not answered within CLICK_WAIT_MS, and what the page showed


def settle(page: Page, title: str, timeout_ms: float = TIMEOUT_MS) -> None:
    page.wait_for_function(SETTLED, arg=title, timeout=timeout_ms, polling=100)


def visit(page: Page, link: str, title: str) -> None:
    """Go to a page through the sidebar, as a student does (the session stays the same), and wait for its script.

    A click that the page has not answered within CLICK_WAIT_MS is made again (and counted), at most twice."""
    for attempt in range(3):
        page.locator("[data-testid='stSidebarNav'] a").filter(has_text=link).first.click()
        try:
            settle(page, title, CLICK_WAIT_MS)
            return
        except PlaywrightTimeout:
            RETRIES.append(f"{link}: {page.evaluate(STATE)}")
            print(f"  no answer to the click on {link} yet: {RETRIES[-1]}", file=sys.stderr)
            if attempt == 2:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "class_load_stuck.png"))
                raise


class Teacher:
    """One more context that keeps a preset running from the Benchmark page."""

    def __init__(self, page: Page, base_url: str, preset: str) -> None:
        self.page = page
        self.started = 0
        page.goto(f"{base_url}/benchmark?preset={preset}")
        settle(page, "Benchmark")

    def running(self) -> bool:
        return self.page.locator("[data-testid='stProgress']").count() > 0

    def ensure_running(self) -> None:
        """Press Run when no run is in progress (the last one ended); wait until its progress shows."""
        if self.running():
            return
        settle(self.page, "Benchmark")
        self.page.locator("[data-testid='stMain'] button").filter(has_text="Run").first.click()
        # The same preset run a moment ago is offered instead of a copy: this load wants a new run anyway.
        progress = self.page.locator("[data-testid='stProgress']").first
        again = self.page.locator("[data-testid='stMain'] button").filter(has_text="Queue anyway").first
        progress.or_(again).wait_for(timeout=TIMEOUT_MS)
        if not self.running():
            again.click()
            progress.wait_for(timeout=TIMEOUT_MS)
        self.started += 1

    def wait_idle(self) -> None:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while self.running() and time.monotonic() < deadline:
            self.page.wait_for_timeout(500)


def visit_round(batches: list[list[Page]], watch: ServerWatch, tally: Tally, teacher: Teacher | None) -> None:
    """Each batch's sessions visit the pages in turn: CPU read around each view and around each batch."""
    for batch in batches:
        if teacher is not None:
            teacher.ensure_running()
        batch_start, wall_start = watch.cpu_s(), time.monotonic()
        for link, title in PAGES:
            for page in batch:
                if teacher is not None:
                    teacher.ensure_running()
                before_running = teacher is not None and teacher.running()
                before = watch.cpu_s()
                visit(page, link, title)
                tally.add(link, watch.cpu_s() - before)
                tally.running_views += before_running and teacher.running()
        tally.cpu_s += watch.cpu_s() - batch_start
        tally.wall_s += time.monotonic() - wall_start
        tally.views += len(batch) * len(PAGES)
        print(f"  {tally.views} views, {tally.per_view:.3f} s each, load {load()}", file=sys.stderr)


def open_sessions(browser, base_url: str, count: int, batch: int, watch: ServerWatch, tally: Tally) -> list[Page]:
    """Open `count` sessions, `batch` at a time: each opens the app (Home) and visits the other pages."""
    pages: list[Page] = []
    for first in range(0, count, batch):
        opened = []
        batch_start = watch.cpu_s()
        for _ in range(first, min(count, first + batch)):
            context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=base_url)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            before = watch.cpu_s()
            page.goto(base_url)
            settle(page, PAGES[0][1])
            tally.add(PAGES[0][0], watch.cpu_s() - before)
            opened.append(page)
        for link, title in PAGES[1:]:
            for page in opened:
                before = watch.cpu_s()
                visit(page, link, title)
                tally.add(link, watch.cpu_s() - before)
        tally.cpu_s += watch.cpu_s() - batch_start
        tally.views += len(opened) * len(PAGES)
        pages += opened
        print(f"  {len(pages)} sessions connected, server RSS {watch.rss_mb():.0f} MB, load {load()}", file=sys.stderr)
    return pages


def run_background(watch: ServerWatch, teacher: Teacher) -> float:
    """The server's CPU per second while the teacher's run goes on and no session visits anything."""
    teacher.ensure_running()
    start, deadline = watch.cpu_s(), time.monotonic() + PARKED_S
    while time.monotonic() < deadline:
        teacher.ensure_running()
        time.sleep(0.2)
    return (watch.cpu_s() - start) / PARKED_S


def warm_up(browser, base_url: str) -> None:
    """One session visits every page once and leaves: a class meets a server the teacher has opened already."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=base_url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(base_url)
    settle(page, PAGES[0][1])
    for link, title in PAGES[1:]:
        visit(page, link, title)
    context.close()


def fill_store(data_dir: Path, total: int) -> int:
    """Save the sample result until the history holds `total` runs; returns how many there are."""
    store = ResultStore(data_dir / DB_NAME)
    sample = BenchResult.from_dict(json.loads(SAMPLE.read_text()))
    for _ in range(max(0, total - store.count())):
        store.save(sample)
    return store.count()


def results_views(pages: list[Page], watch: ServerWatch) -> tuple[float, str]:
    """Every session opens Results (from Home); the server CPU per Results view and the history's caption."""
    spent, caption = 0.0, ""
    for page in pages:
        visit(page, "Home", "Concurrency Lab")
        before = watch.cpu_s()
        visit(page, "Results", "Results")
        spent += watch.cpu_s() - before
        caption = page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").first.inner_text()
    return spent / len(pages), caption


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sessions", type=int, default=30, help="browser sessions kept connected (30)")
    parser.add_argument("--batch", type=int, default=5, help="sessions opened and driven at a time (5)")
    parser.add_argument("--saved", type=int, default=500, help="saved runs for the Results phase (500)")
    parser.add_argument("--preset", default="gil_cpu", help="the preset kept running in phases 2 and 3 (gil_cpu)")
    args = parser.parse_args()
    command = " ".join([".venv/bin/python", "benchmarks/class_load.py", *sys.argv[1:]])
    rows: list[tuple[str, str, str, str]] = []
    loads = {"start": load()}

    def row(figure: str, goal: str, measured: str, holds: bool | None) -> None:
        rows.append((figure, goal, measured, {True: "yes", False: "NO", None: "-"}[holds]))
        print(f"  {figure}: {measured}", file=sys.stderr)

    workdir = Path(tempfile.mkdtemp(prefix="class-load-"))
    data_dir = workdir / "data"
    data_dir.mkdir()
    fill_store(data_dir, 1)  # Results draws a saved run from the start, as in phase 4
    url, process = start_server(data_dir, workdir / "streamlit.log")
    watch = ServerWatch(process.pid)
    idle, busy = Tally(), Tally()
    left: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            warm_up(browser, url)  # the server's first visit imports and caches what every later one uses
            print(f"server {url} pid {process.pid}; phase 1: {args.sessions} sessions, idle", file=sys.stderr)
            loads["idle before"] = load()
            pages = open_sessions(browser, url, args.sessions, args.batch, watch, idle)
            loads["idle after"] = load()
            idle_peak = watch.peak_rss / 2**20
            quiet_start = watch.cpu_s()
            time.sleep(PARKED_S)
            quiet = (watch.cpu_s() - quiet_start) / PARKED_S
            batches = [pages[i : i + args.batch] for i in range(0, len(pages), args.batch)]

            print(f"phase 2: the same visits while {args.preset} runs", file=sys.stderr)
            teacher_context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=url)
            teacher_context.set_default_timeout(TIMEOUT_MS)
            teacher = Teacher(teacher_context.new_page(), url, args.preset)
            watch.reset_peak()
            children_start = watch.children_cpu_s()
            background = run_background(watch, teacher)
            loads["run before"] = load()
            visit_round(batches, watch, busy, teacher)
            loads["run after"] = load()
            run_peak = watch.peak_rss / 2**20

            print("phase 3: every session parked on Benchmark during a run", file=sys.stderr)
            for page in pages:
                visit(page, "Benchmark", "Benchmark")
            teacher.ensure_running()
            parked_start, parked_runs = watch.cpu_s(), teacher.started
            deadline = time.monotonic() + PARKED_S
            while time.monotonic() < deadline:
                teacher.ensure_running()
                time.sleep(0.2)
            parked = (watch.cpu_s() - parked_start) / PARKED_S
            parked_restarts = teacher.started - parked_runs
            children_cpu = watch.children_cpu_s() - children_start
            teacher.wait_idle()
            parked_peak = watch.peak_rss / 2**20

            print(f"phase 4: Results with {args.saved} saved runs", file=sys.stderr)
            few = idle.per_page.get("Results", [0.0])
            saved = fill_store(data_dir, args.saved)
            watch.reset_peak()
            many_cpu, caption = results_views(pages, watch)
            many_peak = watch.peak_rss / 2**20
            loads["end"] = load()
            final_rss = watch.rss_mb()
            browser.close()
    finally:
        watch.stop()
        stop_server(process)
        time.sleep(0.5)
        left = watch.left_behind()
        shutil.rmtree(workdir, ignore_errors=True)

    n = args.sessions
    row(
        f"server CPU per page view, {n} sessions, idle",
        f"<= {GOAL_CPU_S} s",
        f"{idle.per_view:.3f} s ({idle.views} views; load {loads['idle before']} -> {loads['idle after']})",
        idle.per_view <= GOAL_CPU_S,
    )
    row(
        f"server CPU per page view, {n} sessions, a `{args.preset}` run in progress",
        f"<= {GOAL_CPU_S} s",
        f"{busy.per_view:.3f} s ({busy.views} views, {busy.running_views} of them wholly during a run, "
        f"{teacher.started} runs; load {loads['run before']} -> {loads['run after']})",
        busy.per_view <= GOAL_CPU_S,
    )
    net = busy.per_view - background * busy.wall_s / max(1, busy.views)
    row(
        "the same, net of the run's background (its CPU per second with no visits x wall seconds per view)",
        f"<= {GOAL_CPU_S} s",
        f"{net:.3f} s (background {background:.2f} s/s, {busy.wall_s / max(1, busy.views):.2f} s of wall per view)",
        net <= GOAL_CPU_S,
    )
    peak = max(idle_peak, run_peak, parked_peak, many_peak)
    row(
        f"server peak RSS, {n} sessions (idle / run / parked / {saved} saved)",
        f"<= {GOAL_RSS_MB:.0f} MB",
        f"{peak:.0f} MB ({idle_peak:.0f} / {run_peak:.0f} / {parked_peak:.0f} / {many_peak:.0f}); "
        f"with its workers {watch.peak_tree_rss / 2**20:.0f} MB in phase 4; {final_rss:.0f} MB at the end",
        peak <= GOAL_RSS_MB,
    )
    few_s = sum(few) / len(few)
    row(
        f"server CPU per Results view, {saved} saved runs",
        f"<= {GOAL_CPU_S} s, and not growing with the history (<= 1.5x the view with 1 saved run)",
        f"{many_cpu:.3f} s, against {few_s:.3f} s with 1 saved run (phase 1); the history shows: {caption!r}",
        many_cpu <= GOAL_CPU_S and many_cpu <= 1.5 * few_s,
    )
    row(f"server CPU per second, {n} sessions idle on Class", "measured", f"{quiet:.3f} s/s", None)
    row(f"server CPU per second, a run in progress, {n} sessions on Class", "measured", f"{background:.2f} s/s", None)
    row(
        f"server CPU per second, {n} sessions parked on Benchmark during a run",
        "measured",
        f"{parked:.2f} s/s (each session's progress panel polls every 3 s while another's run holds the slot; "
        f"{parked_restarts} restarts)",
        None,
    )
    row("CPU of the runs' worker processes (phases 2-3)", "measured", f"{children_cpu:.1f} s", None)
    row("clicks made again (no answer within 40 s)", "none", f"{len(RETRIES)}: {'; '.join(RETRIES)}", None)
    row("processes of the server's tree left after the stop", "none", ", ".join(left) or "none", not left)

    print(f"\nCommand: `{command}`; {n} sessions in batches of {args.batch}, {HISTORY_PAGE} runs per history page.")
    print(f"Load average (1/5 min): start {loads['start']}, end {loads['end']}.\n")
    print("| figure | goal | measured | holds |\n|---|---|---|---|")
    for figure, goal, measured, holds in rows:
        print(f"| {figure} | {goal} | {measured} | {holds} |")
    print("\nServer CPU per view by page (mean s, idle / run in progress):\n")
    print("| page | idle | run |\n|---|---|---|")
    for link, _ in PAGES:
        means = [sum(t.per_page[link]) / len(t.per_page[link]) for t in (idle, busy)]
        print(f"| {link} | {means[0]:.3f} | {means[1]:.3f} |")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
