"""Shared fixtures: a real Streamlit server and system Chromium driven by Playwright.

Browser tests are marked `browser`. Without /usr/bin/chromium they are skipped,
unless LAB_REQUIRE_BROWSER=1 (CI sets it), which turns a missing browser into a
failure. Every page a browser test visits is saved under test-artifacts/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("LAB_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
SERVER_START_TIMEOUT_S = 60.0
# Flags for a root, sandboxed, offline machine: no background traffic that the closed network would refuse.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _browser_required() -> bool:
    return os.environ.get("LAB_REQUIRE_BROWSER") == "1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"streamlit did not answer within {SERVER_START_TIMEOUT_S:g} s: {log_path.read_text()[-2000:]}")


def start_server(
    data_dir: Path, log_path: Path, extra_env: dict[str, str] | None = None
) -> tuple[str, subprocess.Popen]:
    """Start `streamlit run app.py` headless on a free port; return its URL and process."""
    port = _free_port()
    env = {**os.environ, "LAB_DATA_DIR": str(data_dir), **(extra_env or {})}
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--browser.gatherUsageStats=false",
            "--server.fileWatcherType=none",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url, process, log_path)
    return url, process


def stop_server(process: subprocess.Popen) -> None:
    """Stop the server and everything it started."""
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(timeout=10)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run browser tests last: Playwright's sync API keeps an event loop running in the main thread for as
    long as the browser is open, and in-process tests that call asyncio.run() cannot run beside it."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def app_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lab-data")


@pytest.fixture(scope="session")
def app_url(app_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a real `streamlit run app.py`, shared by the session's browser tests."""
    url, process = start_server(app_data_dir, tmp_path_factory.mktemp("server") / "streamlit.log")
    yield url
    stop_server(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """System Chromium under Playwright; skipped when absent unless LAB_REQUIRE_BROWSER=1."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if _browser_required():
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api") if not _browser_required() else None
    if sync_api is None:
        from playwright import sync_api
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object, app_url: str) -> Iterator[object]:
    """A fresh page in its own browser context (a new Streamlit session), downloads accepted."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True, base_url=app_url)
    context.set_default_timeout(30_000)
    new_page = context.new_page()
    yield new_page
    context.close()


def wait_for_app(page: object, timeout_ms: float = 30_000) -> None:
    """Wait until Streamlit has finished running the page's script."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms)
    page.wait_for_selector("[data-testid='stMain']", timeout=timeout_ms)


@pytest.fixture
def screenshot() -> Callable[[object, str], Path]:
    """Save a full-page screenshot under test-artifacts/<name>.png; the pictures are part of review."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(target_page: object, name: str) -> Path:
        # Streamlit scrolls inside its own container, so a full-page shot needs a viewport as tall as the content.
        path = ARTIFACTS / f"{name}.png"
        viewport = target_page.viewport_size
        height = target_page.evaluate(
            "Math.max(...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stAppViewContainer]')]"
            ".map(e => e.scrollHeight), document.body.scrollHeight)"
        )
        target_page.set_viewport_size({"width": viewport["width"], "height": min(int(height) + 50, 8000)})
        target_page.screenshot(path=str(path), full_page=True)
        target_page.set_viewport_size(viewport)
        return path

    return take


@pytest.fixture
def quiet_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs made in this test count as undisturbed, whatever else loads this shared host.

    For tests of what a page draws from a quiet run's verdicts; the detection itself is tested on
    synthetic readings and real busy loops in tests/test_disturbance.py.
    """
    from engine.bench import disturbance

    measured = disturbance.summarize

    def summarize_as_quiet(*args: object, **kwargs: object) -> tuple[object, bool]:
        found, _ = measured(*args, **kwargs)
        return found, False

    monkeypatch.setattr(disturbance, "summarize", summarize_as_quiet)


def run_processes(server: psutil.Process) -> list[psutil.Process]:
    """A server's benchmark workers and everything they started (the browser tests check none is left)."""
    import psutil

    found = []
    for child in server.children(recursive=True):
        try:
            if "engine.bench.worker" in " ".join(child.cmdline()):
                found += [child, *child.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
    return found


@pytest.fixture(autouse=True)
def _keep_the_main_module() -> Iterator[None]:
    """Put back the interpreter's __main__ after each test.

    Streamlit's script runner (AppTest) installs the page it runs as sys.modules["__main__"]; a spawn or
    forkserver child started later in this process would then re-import that page as its main module and
    die, failing every process pool and Dask cluster of the tests that follow.
    """
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main
