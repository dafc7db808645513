"""Facts about the running interpreter, with the standard library alone.

Run as a script (`python -I -S engine/bench/probe.py`) it prints them as one JSON
object: host discovery runs it under every candidate interpreter, and the
benchmark worker imports it for the `host` part of a result. It must never
import anything outside the standard library, nor anything from this project.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import sys
import sysconfig


def free_threaded_build() -> bool:
    """True for a free-threaded (PEP 703) build: Py_GIL_DISABLED set at compile time."""
    return sysconfig.get_config_var("Py_GIL_DISABLED") == 1


def gil_enabled() -> bool:
    """Whether the GIL is on right now (always True before 3.13 and on GIL builds)."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return True if is_enabled is None else bool(is_enabled())


def gil_state() -> bool | None:
    """sys._is_gil_enabled() now, where it exists (3.13+); None before 3.13, where nothing can be measured."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return None if is_enabled is None else bool(is_enabled())


def usable_cpus() -> int:
    """CPUs this process may run on: affinity honoured (os.process_cpu_count on 3.13+)."""
    process_cpu_count = getattr(os, "process_cpu_count", None)
    if process_cpu_count is not None:
        return process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


# Where the cgroup file systems are mounted, and where the kernel says which cgroup this process is in.
CGROUP_ROOT = "/sys/fs/cgroup"
SELF_CGROUP = "/proc/self/cgroup"


def _read(path: str) -> str | None:
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return None


def cgroup_cpu_dirs(root: str = CGROUP_ROOT, self_cgroup: str = SELF_CGROUP) -> list[tuple[int, str]]:
    """(cgroup version, folder) for every cgroup from the mount down to this process's own, outermost first.

    v2: one line "0::/a/b" and the unified mount at `root`; v1: the line whose controllers include "cpu",
    mounted at `root`/cpu,cpuacct (or `root`/cpu). A container without its own cgroup namespace sees its
    cgroup's path from the host while the mount holds only its own cgroup: then the folders that exist are
    the ones listed (the mount itself among them).
    """
    text = _read(self_cgroup)
    if text is None:
        return []
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        names = controllers.split(",")
        if controllers == "" and os.path.exists(os.path.join(root, "cgroup.controllers")):
            version, mount = 2, root
        elif "cpu" in names:
            version = 1
            candidates = [os.path.join(root, controllers), os.path.join(root, "cpu,cpuacct"), os.path.join(root, "cpu")]
            mount = next((folder for folder in candidates if os.path.isdir(folder)), "")
            if not mount:
                continue
        else:
            continue
        folders = [mount]
        steps = [step for step in path.split("/") if step]
        for index in range(1, len(steps) + 1):
            folders.append(os.path.join(mount, *steps[:index]))
        return [(version, folder) for folder in dict.fromkeys(folders) if os.path.isdir(folder)]
    return []


def _cgroup_quota(version: int, folder: str) -> float | None:
    """Cores this one cgroup may use (quota / period), None when it sets no limit."""
    if version == 2:
        text = _read(os.path.join(folder, "cpu.max"))
        parts = (text or "").split()
        if len(parts) != 2 or parts[0] == "max":
            return None
        quota, period = parts
    else:
        quota = _read(os.path.join(folder, "cpu.cfs_quota_us")) or "-1"
        period = _read(os.path.join(folder, "cpu.cfs_period_us")) or "0"
    try:
        quota_us, period_us = int(quota), int(period)
    except ValueError:
        return None
    if quota_us <= 0 or period_us <= 0:
        return None
    return quota_us / period_us


def cpu_limit_cgroup(root: str = CGROUP_ROOT, self_cgroup: str = SELF_CGROUP) -> tuple[int, str, float] | None:
    """(version, folder, cores) of the cgroup with the smallest CPU quota on this process's path, or None.

    Nested cgroups each cap their children, so the tightest one along the path is the one that binds.
    """
    # No walrus here: host discovery runs this file under old interpreters too, to name them as too old.
    quotas = [
        (_cgroup_quota(version, folder), version, folder) for version, folder in cgroup_cpu_dirs(root, self_cgroup)
    ]
    limits = [(quota, version, folder) for quota, version, folder in quotas if quota is not None]
    if not limits:
        return None
    quota, version, folder = min(limits)
    return version, folder, quota


def cpu_quota(root: str = CGROUP_ROOT, self_cgroup: str = SELF_CGROUP) -> float | None:
    """The cores this process's cgroups allow it (a float: 0.5 is half a core), None without a quota."""
    found = cpu_limit_cgroup(root, self_cgroup)
    return None if found is None else round(found[2], 4)


def speedup_limit(usable: int, quota: float | None) -> tuple[float, str]:
    """(the most CPU work can gain here, what sets it): the smaller of the usable cores ("affinity") and the
    cgroup's quota ("quota"); a tie is named by the affinity.

    A speedup is a ratio against a baseline that runs under the same quota, so a quota below one core
    slows both alike: the limit is then 1.0 (no parallel speedup), never a ratio below 1.
    """
    if quota is not None and quota < usable:
        return max(1.0, quota), "quota"
    return float(usable), "affinity"


def speedup_limit_of(facts: dict) -> float:
    """The speedup limit from interpreter_facts() or a result's host; hosts saved before the quota was
    recorded have none, so their limit is their usable cores."""
    usable = facts.get("usable_cpus") or facts.get("logical_cpus") or 1
    return speedup_limit(usable, facts.get("cpu_quota"))[0]


def _cores(value: float) -> str:
    return f"{value:g} {'core' if value == 1 else 'cores'}"


def limit_text(facts: dict) -> str:
    """What bounds a CPU speedup here, in words, from interpreter_facts() (or a result's host)."""
    usable = facts.get("usable_cpus") or facts.get("logical_cpus") or 1
    quota = facts.get("cpu_quota")
    limit, limited_by = speedup_limit(usable, quota)
    if limited_by == "quota" and quota is not None:
        source = f"this container's CPU quota of {_cores(quota)} (on {_cores(usable)} it may run on)"
    else:
        quota_note = "no container CPU quota was found" if quota is None else f"its CPU quota allows {_cores(quota)}"
        source = f"the {_cores(usable)} this process may use (its CPU affinity; {quota_note})"
    if limit <= 1.0:
        return f"no parallel speedup is possible here: {source} leaves CPU work nothing to run in parallel on"
    return f"CPU-bound work cannot go past {limit:.2f}x: {source}"


def has_interpreter_pool() -> bool:
    """Whether concurrent.futures.InterpreterPoolExecutor exists (3.14+)."""
    import concurrent.futures

    return hasattr(concurrent.futures, "InterpreterPoolExecutor")


def interpreter_facts() -> dict:
    """The running interpreter and what it can do, as plain JSON-ready values."""
    usable = usable_cpus()
    quota = cpu_quota()
    limit, limited_by = speedup_limit(usable, quota)
    return {
        "executable": sys.executable,
        "python_version": platform.python_version(),
        "version_info": list(sys.version_info[:3]),
        "implementation": platform.python_implementation(),
        "free_threaded_build": free_threaded_build(),
        "gil_enabled": gil_enabled(),
        "logical_cpus": os.cpu_count() or 1,
        "usable_cpus": usable,
        "cpu_quota": quota,
        "speedup_limit": limit,
        "speedup_limited_by": limited_by,
        "default_start_method": multiprocessing.get_start_method(allow_none=False),
        "start_methods": multiprocessing.get_all_start_methods(),
        "interpreter_pool": has_interpreter_pool(),
        "platform": sys.platform,
    }


if __name__ == "__main__":
    print(json.dumps(interpreter_facts()))
