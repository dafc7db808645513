"""When the process that runs a benchmark dies, even by SIGKILL, its worker and every process the worker
made (pool processes, the forkserver, the resource tracker) are gone within 2 s."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _alive(process: psutil.Process) -> bool:
    # A killed orphan may wait as a zombie until init reaps it: it runs nothing and holds no memory.
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL and the forkserver are POSIX")
@pytest.mark.timeout(120)
def test_sigkill_of_the_bench_process_leaves_no_worker_or_pool_process() -> None:
    # Each sequential repeat waits 8 s without a word to its parent, so a worker that only noticed its
    # parent's death on its next write (a broken pipe) would still be running 2 s after the kill.
    bench = subprocess.Popen(
        [sys.executable, "-m", "engine", "bench", "--kernel", "sleep_io", "--executors", "sequential,processes",
         "--start-method", "forkserver", "--workers", "2", "--tasks", "4", "--size", "2000", "--repeats", "2",
         "--warmups", "1", "--timeout", "100"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    recorded: dict[int, psutil.Process] = {}
    try:
        parent = psutil.Process(bench.pid)
        deadline = time.monotonic() + 60
        # Wait until the pool is up: the worker, the forkserver, the resource tracker and two pool processes.
        while time.monotonic() < deadline:
            with contextlib.suppress(psutil.Error):
                recorded.update({child.pid: child for child in parent.children(recursive=True)})
            names = " ".join(" ".join(p.cmdline()) for p in recorded.values() if _alive(p))
            if len(recorded) >= 5 and "forkserver" in names and "resource_tracker" in names:
                break
            time.sleep(0.05)
        assert len(recorded) >= 5, [p.cmdline() for p in recorded.values()]
        time.sleep(1.0)  # into the first silent 8 s repeat, past the progress event that starts it
        assert bench.poll() is None, "the run ended before it could be killed mid-run"
        os.kill(bench.pid, signal.SIGKILL)
        bench.wait(timeout=10)
        gone_by = time.monotonic() + 2.0
        while time.monotonic() < gone_by and any(_alive(p) for p in recorded.values()):
            time.sleep(0.05)
        left = [p.pid for p in recorded.values() if _alive(p)]
        assert left == [], f"still running 2 s after the SIGKILL: {left}"
    finally:
        for process in [*recorded.values()]:
            with contextlib.suppress(psutil.Error):
                process.kill()
        with contextlib.suppress(ProcessLookupError):
            bench.kill()
        bench.wait(timeout=10)
