"""The cores a container really has: cgroup v1 and v2 CPU quotas read from fake cgroup folders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.bench import probe
from engine.host import capabilities, cgroup_limits, current_host, limit_text


def _v2(tmp_path: Path, path: str, limits: dict[str, str]) -> tuple[str, str]:
    """A cgroup v2 mount under tmp_path with cpu.max per folder; (root, /proc/self/cgroup file)."""
    root = tmp_path / "cgroup"
    root.mkdir()
    (root / "cgroup.controllers").write_text("cpu memory\n")
    folder = root
    for step in [step for step in path.split("/") if step]:
        folder = folder / step
        folder.mkdir()
    for relative, value in limits.items():
        (root / relative / "cpu.max").write_text(value + "\n")
    self_cgroup = tmp_path / "self_cgroup"
    self_cgroup.write_text(f"0::{path}\n")
    return str(root), str(self_cgroup)


def _v1(tmp_path: Path, path: str, limits: dict[str, tuple[int, int]], mount: str = "cpu,cpuacct") -> tuple[str, str]:
    root = tmp_path / "cgroup"
    folder = root / mount
    folder.mkdir(parents=True)
    for step in [step for step in path.split("/") if step]:
        folder = folder / step
        folder.mkdir()
    for relative, (quota, period) in limits.items():
        (root / mount / relative / "cpu.cfs_quota_us").write_text(f"{quota}\n")
        (root / mount / relative / "cpu.cfs_period_us").write_text(f"{period}\n")
    self_cgroup = tmp_path / "self_cgroup"
    self_cgroup.write_text(f"12:memory:/other\n4:{mount}:{path}\n1:name=systemd:/\n")
    return str(root), str(self_cgroup)


def test_v2_max_means_no_quota(tmp_path: Path) -> None:
    root, self_cgroup = _v2(tmp_path, "/app", {"app": "max 100000"})
    assert probe.cpu_quota(root, self_cgroup) is None
    assert cgroup_limits(2, root, self_cgroup) == {
        "cpu_quota": None,
        "speedup_limit": 2.0,
        "speedup_limited_by": "affinity",
    }


def test_v2_the_smallest_quota_along_the_nested_path_binds(tmp_path: Path) -> None:
    root, self_cgroup = _v2(
        tmp_path,
        "/kubepods/pod1/app",
        {"kubepods": "400000 100000", "kubepods/pod1": "150000 100000", "kubepods/pod1/app": "max 100000"},
    )
    assert probe.cpu_quota(root, self_cgroup) == 1.5
    assert cgroup_limits(2, root, self_cgroup) == {
        "cpu_quota": 1.5,
        "speedup_limit": 1.5,
        "speedup_limited_by": "quota",
    }
    # A quota above the usable cores does not raise the limit: affinity binds then.
    assert cgroup_limits(1, root, self_cgroup)["speedup_limited_by"] == "affinity"


def test_v1_cfs_quota_and_period(tmp_path: Path) -> None:
    root, self_cgroup = _v1(tmp_path, "/docker/abc", {"docker": (-1, 100000), "docker/abc": (50000, 100000)})
    assert probe.cpu_quota(root, self_cgroup) == 0.5
    root2, self_cgroup2 = _v1(tmp_path / "b", "/", {"": (-1, 100000)}, mount="cpu")
    assert probe.cpu_quota(root2, self_cgroup2) is None


def test_v1_container_without_a_cgroup_namespace_reads_its_own_mount(tmp_path: Path) -> None:
    # The path names the host's cgroup, but only the container's own cgroup is mounted.
    root, self_cgroup = _v1(tmp_path, "/", {"": (200000, 100000)})
    Path(self_cgroup).write_text("4:cpu,cpuacct:/docker/0123abcd\n")
    assert probe.cpu_quota(root, self_cgroup) == 2.0


def test_no_cgroup_files_means_no_quota(tmp_path: Path) -> None:
    assert probe.cpu_quota(str(tmp_path / "missing"), str(tmp_path / "missing_self")) is None


def test_a_tiny_quota_says_no_parallel_speedup_is_possible(tmp_path: Path) -> None:
    root, self_cgroup = _v2(tmp_path, "/app", {"app": "7800 100000"})
    host = current_host(cgroup_root=root, self_cgroup=self_cgroup)
    assert host.cpu_quota == pytest.approx(0.078)
    assert host.speedup_limit == 1.0 and host.speedup_limited_by == "quota"
    text = limit_text(host.to_dict())
    assert "no parallel speedup is possible" in text and "0.078 cores" in text
    parallel = next(c for c in capabilities(host) if c.topic == "Parallel speedup")
    assert not parallel.available and "0.078" in parallel.text


def test_the_limit_text_uses_the_quota_when_it_binds() -> None:
    assert "cannot go past 1.50x" in probe.limit_text({"usable_cpus": 2, "cpu_quota": 1.5})
    assert "cannot go past 2.00x" in probe.limit_text({"usable_cpus": 2, "cpu_quota": None})
    # A result saved before the quota was recorded: its usable cores are its limit.
    assert probe.speedup_limit_of({"usable_cpus": 4}) == 4.0


def test_host_json_and_the_results_host_carry_the_quota_and_limit() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "engine", "host", "--json"], capture_output=True, text=True, timeout=60, check=True
    )
    data = json.loads(completed.stdout)
    assert {"cpu_quota", "speedup_limit", "speedup_limited_by"} <= set(data)
    facts = probe.interpreter_facts()
    assert facts["speedup_limit"] <= facts["usable_cpus"]
    assert facts["speedup_limited_by"] in ("affinity", "quota")
