"""`python -m engine calibrate`: measures this host, saves the figures, refuses a bad --python in one line."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine", "calibrate", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "LAB_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_calibrate_prints_and_saves_the_measured_figures(tmp_path: Path) -> None:
    completed = run_cli("--json", data_dir=tmp_path)
    assert completed.returncode == 0, completed.stderr
    printed = json.loads(completed.stdout)
    saved = json.loads((tmp_path / "calibration.json").read_text())
    assert saved["schema"] == "concurrency-lab/calibration"
    assert list(saved["interpreters"].values()) == [printed]
    assert next(iter(saved["interpreters"])).endswith(printed["python_version"])
    # The Lab's worker has imported modules a bare interpreter never loads (issue point 8).
    assert printed["worker_rss_mb"] > printed["bare_interpreter_rss_mb"] > printed["thread_rss_mb"] > 0
    assert {"sequential", "threads", "processes"} <= set(printed["task_overhead_s"])


def test_calibrate_refuses_what_is_not_a_python(tmp_path: Path) -> None:
    completed = run_cli("--python", "/etc/passwd", data_dir=tmp_path)
    assert completed.returncode == 2
    assert len(completed.stderr.strip().splitlines()) == 1
    assert "python" in completed.stderr
    assert not (tmp_path / "calibration.json").exists()
