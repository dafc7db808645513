"""Disturbance: what everything but the worker used during a run. The quiet case and the threshold on
synthetic readings (a real "quiet" assertion would flake on a shared host), the cgroup source on fake
cgroup folders, and a real run beside two busy loops that must come out disturbed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.bench import disturbance
from engine.bench.disturbance import CpuReading
from engine.bench.results import BenchResult, Disturbance

ROOT = Path(__file__).resolve().parent.parent


def _readings(other_cores: list[float], tree_cores: float = 1.0, step_s: float = 0.1, throttled: float = 0.0):
    """Cumulative readings where, in each step, everything else used `other_cores[i]` cores."""
    t = used = tree = thr = 0.0
    found = [CpuReading(t, used, tree, thr)]
    for other in other_cores:
        t += step_s
        tree += tree_cores * step_s
        used += (tree_cores + other) * step_s
        thr += throttled * step_s
        found.append(CpuReading(t, used, tree, thr))
    return found


def test_a_quiet_run_is_not_disturbed() -> None:
    # Clock ticks: the worker's tree sometimes reads a little above what the host saw.
    found, disturbed = disturbance.summarize(_readings([0.02, -0.01, 0.05, 0.0] * 10), 0.03, "host", cores=2)
    assert not disturbed
    assert found.other_cores_mean == pytest.approx(0.015, abs=0.01)
    assert found.source == "host" and found.throttled_s is None and found.run_s == pytest.approx(4.0)
    assert found.threshold == {"other_cores_mean": 0.25, "throttled_fraction": 0.05}
    assert "remote cluster" in found.not_measured


def test_the_threshold_is_a_quarter_core_on_average() -> None:
    assert not disturbance.summarize(_readings([0.24] * 20), 0.0, "host")[1]
    assert disturbance.summarize(_readings([0.26] * 20), 0.0, "host")[1]


def test_a_short_burst_shows_in_the_peak_not_the_mean() -> None:
    # 0.6 s of two busy cores in a 6 s run: mean 0.2 (quiet), peak 2 (over a half-second window).
    found, disturbed = disturbance.summarize(_readings([0.0] * 27 + [2.0] * 6 + [0.0] * 27), 0.0, "host", cores=2)
    assert not disturbed
    assert found.other_cores_mean == pytest.approx(0.2, abs=0.01)
    assert found.other_cores_peak == pytest.approx(2.0, abs=0.01)


def test_figures_are_capped_at_the_cores_the_source_has() -> None:
    found, _ = disturbance.summarize(_readings([2.3] * 10), 0.0, "host", cores=2)
    assert found.other_cores_mean == 2.0 and found.other_cores_peak == 2.0 and found.cores == 2.0


def test_throttling_counts_only_when_the_run_alone_fits_the_quota() -> None:
    throttled = _readings([0.0] * 20, throttled=0.1)  # throttled 10% of the time
    found, disturbed = disturbance.summarize(throttled, 0.0, "cgroup", cores=2.0, throttling_counts=True)
    assert disturbed and found.throttled_s == pytest.approx(0.2) and found.throttling_counted
    # Workers past the quota throttle themselves: that is the limit, not a disturbance.
    assert not disturbance.summarize(throttled, 0.0, "cgroup", cores=1.0, throttling_counts=False)[1]
    slightly = _readings([0.0] * 20, throttled=0.04)
    assert not disturbance.summarize(slightly, 0.0, "cgroup", throttling_counts=True)[1]


def test_one_reading_or_none_is_no_evidence() -> None:
    found, disturbed = disturbance.summarize([CpuReading(0.0, 5.0, 1.0)], 0.0, "host")
    assert not disturbed and found.other_cores_mean == 0.0 and found.run_s == 0.0


def test_the_description_names_the_apps_own_server_and_what_is_not_seen() -> None:
    found, disturbed = disturbance.summarize(_readings([1.4] * 20), 0.1, "host", cores=2)
    text = disturbance.describe(found, disturbed)
    assert "1.40 of the 2 cores" in text and "this app's own server included" in text
    assert "DISTURBED" in text and "remote cluster" in text


def test_the_disturbance_round_trips_through_a_result() -> None:
    found, _ = disturbance.summarize(_readings([0.5] * 5), 0.2, "cgroup", cores=1.5)
    assert Disturbance.from_dict(json.loads(json.dumps(found.to_dict()))) == found


def _v2_container(tmp_path: Path, usage_usec: int, throttled_usec: int) -> tuple[str, str]:
    root = tmp_path / "cgroup"
    (root / "app").mkdir(parents=True)
    (root / "cgroup.controllers").write_text("cpu\n")
    (root / "app" / "cpu.max").write_text("150000 100000\n")
    (root / "app" / "cpu.stat").write_text(
        f"usage_usec {usage_usec}\nuser_usec 1\nsystem_usec 1\nnr_periods 9\nnr_throttled 2\n"
        f"throttled_usec {throttled_usec}\n"
    )
    self_cgroup = tmp_path / "self"
    self_cgroup.write_text("0::/app\n")
    return str(root), str(self_cgroup)


def test_a_container_with_a_quota_is_measured_from_its_own_cgroup(tmp_path: Path) -> None:
    root, self_cgroup = _v2_container(tmp_path, 2_500_000, 300_000)
    source = disturbance.detect_source(root, self_cgroup)
    assert source.name == "cgroup" and source.cores == 1.5
    assert source.read() == (2.5, 0.3)


def test_a_v1_container_reads_cpuacct_usage_and_throttled_time(tmp_path: Path) -> None:
    root = tmp_path / "cgroup"
    cpu = root / "cpu" / "docker"
    cpuacct = root / "cpuacct" / "docker"
    cpu.mkdir(parents=True)
    cpuacct.mkdir(parents=True)
    (cpu / "cpu.cfs_quota_us").write_text("100000\n")
    (cpu / "cpu.cfs_period_us").write_text("100000\n")
    (cpu / "cpu.stat").write_text("nr_periods 5\nnr_throttled 1\nthrottled_time 250000000\n")
    (cpuacct / "cpuacct.usage").write_text("4000000000\n")
    self_cgroup = tmp_path / "self"
    self_cgroup.write_text("3:cpuacct:/docker\n2:cpu:/docker\n")
    source = disturbance.detect_source(str(root), str(self_cgroup))
    assert source.name == "cgroup" and source.read() == (4.0, 0.25)


def test_without_a_quota_the_host_is_measured(tmp_path: Path) -> None:
    root = tmp_path / "cgroup"
    (root / "app").mkdir(parents=True)
    (root / "cgroup.controllers").write_text("cpu\n")
    (root / "app" / "cpu.max").write_text("max 100000\n")
    (root / "app" / "cpu.stat").write_text("usage_usec 5\n")
    self_cgroup = tmp_path / "self"
    self_cgroup.write_text("0::/app\n")
    assert disturbance.detect_source(str(root), str(self_cgroup)).name == "host"


BUSY_LOOP = "import time\nend = time.monotonic() + 60\nwhile time.monotonic() < end:\n    pass\n"


@pytest.mark.timeout(120)
def test_two_busy_loops_beside_a_run_make_it_disturbed() -> None:
    loops = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(2)]
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "engine", "bench", "--kernel", "primes", "--executors",
             "sequential,threads,processes", "--workers", "2", "--tasks", "8", "--size", "8000",
             "--repeats", "2", "--warmups", "0", "--json"],
            capture_output=True, text=True, timeout=100, cwd=ROOT,
        )  # fmt: skip
    finally:
        for loop in loops:
            loop.kill()
        for loop in loops:
            loop.wait(timeout=10)
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert data["disturbed"] is True
    found = data["disturbance"]
    # Two loops on a 2-core host: well past the quarter-core threshold whatever else runs.
    assert found["other_cores_mean"] > 0.5
    assert found["load_before"] > 0.5
    assert set(found) >= {"other_cores_mean", "other_cores_peak", "throttled_s", "load_before", "source", "threshold"}
    assert BenchResult.from_dict(data).disturbed is True
