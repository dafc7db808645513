"""Facts about this host and the Python interpreters found on it.

HostInfo describes the running interpreter and the machine (psutil for memory
and physical cores). Discovery probes each candidate interpreter in a
subprocess with a timeout; a broken candidate is listed with its reason and
never stops discovery.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

from engine.bench import probe

LAB_PYTHONS_ENV = "LAB_PYTHONS"
PROBE_TIMEOUT_S = 10.0
PYENV_ROOT_DEFAULT = Path.home() / ".pyenv"
# The oldest Python the benchmark worker supports.
MIN_VERSION = (3, 10)
# Minor versions whose `python3.N` / `python3.Nt` names are looked up on PATH.
_MINORS = range(8, 20)


@dataclass(frozen=True)
class Interpreter:
    """One candidate interpreter: its facts when the probe worked, else why not."""

    path: str
    source: str  # where it was found: running, PATH, pyenv, LAB_PYTHONS
    ok: bool
    reason: str = ""
    version: str = ""
    implementation: str = ""
    free_threaded_build: bool = False
    gil_enabled: bool = True
    default_start_method: str = ""
    start_methods: tuple[str, ...] = ()
    interpreter_pool: bool = False

    @property
    def build(self) -> str:
        return "free-threaded" if self.free_threaded_build else "GIL"

    @property
    def supported(self) -> bool:
        """Whether the benchmark worker can run under it (Python 3.10 or newer)."""
        if not self.ok:
            return False
        major, minor = (int(part) for part in self.version.split(".")[:2])
        return (major, minor) >= MIN_VERSION

    @property
    def label(self) -> str:
        """A short name for menus: version, build and path."""
        if not self.ok:
            return f"{self.path} (broken: {self.reason})"
        return f"Python {self.version} ({self.build}) - {self.path}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["start_methods"] = list(self.start_methods)
        data["build"] = self.build
        return data


@dataclass(frozen=True)
class HostInfo:
    """The running interpreter and the machine it runs on."""

    python_version: str
    implementation: str
    executable: str
    free_threaded_build: bool
    gil_enabled: bool
    logical_cpus: int
    usable_cpus: int  # cores this process may run on (affinity)
    physical_cpus: int | None
    memory_total_mb: float
    memory_available_mb: float
    default_start_method: str
    start_methods: tuple[str, ...]
    interpreter_pool: bool
    platform: str
    interpreters: tuple[Interpreter, ...] = field(default=())
    cpu_quota: float | None = None  # cores the cgroup allows (quota / period), None without a quota
    speedup_limit: float = 0.0  # the most CPU work can gain: min(usable_cpus, cpu_quota), at least 1.0
    speedup_limited_by: str = "affinity"  # "affinity" or "quota"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["start_methods"] = list(self.start_methods)
        data["interpreters"] = [interpreter.to_dict() for interpreter in self.interpreters]
        return data


def cgroup_limits(
    usable: int, cgroup_root: str = probe.CGROUP_ROOT, self_cgroup: str = probe.SELF_CGROUP
) -> dict[str, Any]:
    """cpu_quota, speedup_limit and speedup_limited_by for a process that may run on `usable` cores, read
    from the cgroups under `cgroup_root` (v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us; the smallest
    along the nested path that `self_cgroup` names)."""
    quota = probe.cpu_quota(cgroup_root, self_cgroup)
    limit, limited_by = probe.speedup_limit(usable, quota)
    return {"cpu_quota": quota, "speedup_limit": limit, "speedup_limited_by": limited_by}


def speedup_limit_of(host: dict[str, Any]) -> float:
    """The speedup limit of a result's host (results saved before the quota existed: the usable cores)."""
    return probe.speedup_limit_of(host)


def limit_text(host: dict[str, Any]) -> str:
    """What bounds a CPU speedup on a result's host, in words ("CPU-bound work cannot go past 2.00x: ...")."""
    return probe.limit_text(host)


def current_host(
    interpreters: Iterable[Interpreter] = (),
    *,
    cgroup_root: str = probe.CGROUP_ROOT,
    self_cgroup: str = probe.SELF_CGROUP,
) -> HostInfo:
    """Facts about this process's interpreter and machine (discovery is the caller's choice); the cgroup
    files are read under `cgroup_root` (tests pass a fake folder)."""
    facts = probe.interpreter_facts()
    facts.update(cgroup_limits(facts["usable_cpus"], cgroup_root, self_cgroup))
    memory = psutil.virtual_memory()
    return HostInfo(
        python_version=facts["python_version"],
        implementation=facts["implementation"],
        executable=facts["executable"],
        free_threaded_build=facts["free_threaded_build"],
        gil_enabled=facts["gil_enabled"],
        logical_cpus=facts["logical_cpus"],
        usable_cpus=facts["usable_cpus"],
        physical_cpus=psutil.cpu_count(logical=False),
        memory_total_mb=round(memory.total / 2**20, 1),
        memory_available_mb=round(memory.available / 2**20, 1),
        default_start_method=facts["default_start_method"],
        start_methods=tuple(facts["start_methods"]),
        interpreter_pool=facts["interpreter_pool"],
        platform=facts["platform"],
        interpreters=tuple(interpreters),
        cpu_quota=facts["cpu_quota"],
        speedup_limit=facts["speedup_limit"],
        speedup_limited_by=facts["speedup_limited_by"],
    )


def candidate_paths(environ: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(path, source) for every place an interpreter may be, in order, before de-duplication."""
    environ = dict(os.environ if environ is None else environ)
    candidates: list[tuple[str, str]] = [(sys.executable, "running")]
    search_path = environ.get("PATH", "")
    for minor in _MINORS:
        for suffix in ("", "t"):
            found = shutil.which(f"python3.{minor}{suffix}", path=search_path)
            if found:
                candidates.append((found, "PATH"))
    pyenv_root = Path(environ.get("PYENV_ROOT", PYENV_ROOT_DEFAULT))
    for found in sorted(glob.glob(str(pyenv_root / "versions" / "*" / "bin" / "python3"))):
        candidates.append((found, "pyenv"))
    for extra in environ.get(LAB_PYTHONS_ENV, "").split(os.pathsep):
        if extra.strip():
            candidates.append((extra.strip(), LAB_PYTHONS_ENV))
    return candidates


def probe_interpreter(path: str, source: str, timeout_s: float = PROBE_TIMEOUT_S) -> Interpreter:
    """Run engine/bench/probe.py under `path` in isolated mode; a failure becomes the reason."""
    probe_source = Path(probe.__file__).read_text()
    try:
        completed = subprocess.run(
            [path, "-I", "-S", "-"],
            input=probe_source,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    except FileNotFoundError:
        return Interpreter(path, source, ok=False, reason="not found")
    except PermissionError:
        return Interpreter(path, source, ok=False, reason="not executable")
    except subprocess.TimeoutExpired:
        return Interpreter(path, source, ok=False, reason=f"no answer within {timeout_s:g} s")
    except OSError as error:
        return Interpreter(path, source, ok=False, reason=f"cannot run: {error.strerror or error}")
    if completed.returncode != 0:
        last_line = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        return Interpreter(path, source, ok=False, reason=f"exit code {completed.returncode}: {last_line[:200]}")
    try:
        facts = json.loads(completed.stdout.strip().splitlines()[-1])
        return Interpreter(
            path=path,
            source=source,
            ok=True,
            version=str(facts["python_version"]),
            implementation=str(facts["implementation"]),
            free_threaded_build=bool(facts["free_threaded_build"]),
            gil_enabled=bool(facts["gil_enabled"]),
            default_start_method=str(facts["default_start_method"]),
            start_methods=tuple(facts["start_methods"]),
            interpreter_pool=bool(facts["interpreter_pool"]),
        )
    except (ValueError, KeyError, IndexError, TypeError):
        return Interpreter(path, source, ok=False, reason="not a Python: its answer to the probe was not understood")


def _identity(path: str) -> str:
    """The binary a path ends at, so symlinks to one interpreter count once."""
    try:
        return os.path.realpath(path)
    except OSError:
        return path


def _is_pyenv_shim(path: str, environ: dict[str, str]) -> bool:
    """pyenv's shims are wrappers that fail unless their version is active; pyenv's versions are probed directly."""
    shims = Path(environ.get("PYENV_ROOT", PYENV_ROOT_DEFAULT)) / "shims"
    return Path(path).parent == shims


def discover_interpreters(
    environ: dict[str, str] | None = None, timeout_s: float = PROBE_TIMEOUT_S
) -> list[Interpreter]:
    """Every interpreter found, probed in parallel, each once; broken candidates listed with their reasons."""
    environ = dict(os.environ if environ is None else environ)
    seen: set[str] = set()
    unique: list[tuple[str, str]] = []
    for path, source in candidate_paths(environ):
        identity = _identity(path)
        if identity in seen or _is_pyenv_shim(path, environ):
            continue
        seen.add(identity)
        unique.append((path, source))
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda candidate: probe_interpreter(*candidate, timeout_s=timeout_s), unique))


@dataclass(frozen=True)
class Capability:
    """One thing this host can or cannot demonstrate, and what to do about it.

    `text` is the app's own words (Markdown); `paths` are the interpreters it names, found on disk or in
    LAB_PYTHONS, kept apart so a page draws them as text ("found: " followed by the paths)."""

    topic: str
    available: bool
    text: str
    paths: tuple[str, ...] = ()


def capabilities(host: HostInfo) -> list[Capability]:
    """What this host's cores and interpreters can show, and honestly what they cannot."""
    working = [interpreter for interpreter in host.interpreters if interpreter.supported]
    free_threaded = [interpreter for interpreter in working if interpreter.free_threaded_build]
    has_314 = [interpreter for interpreter in working if interpreter.interpreter_pool]
    found: list[Capability] = []
    facts = {"usable_cpus": host.usable_cpus, "cpu_quota": host.cpu_quota}
    limit, _ = probe.speedup_limit(host.usable_cpus, host.cpu_quota)
    text = probe.limit_text(facts)
    if limit > 1.0:
        found.append(
            Capability(
                "Parallel speedup",
                True,
                f"{text}, so no approach can beat {limit:.2f}x on CPU work here: that is the limit every chart shows.",
            )
        )
    else:
        found.append(
            Capability(
                "Parallel speedup",
                False,
                f"{text[0].upper()}{text[1:]}. I/O overlap still shows.",
            )
        )
    if free_threaded:
        found.append(
            Capability(
                "Free-threaded Python",
                True,
                "Free-threaded interpreter found:",
                tuple(i.path for i in free_threaded),
            )
        )
    else:
        found.append(
            Capability(
                "Free-threaded Python",
                False,
                "No free-threaded interpreter was found, so free-threaded figures are not measured on this host. "
                "To get one: `uv python install 3.14t` (or the free-threaded option of the python.org installer), "
                f"then add its path to the {LAB_PYTHONS_ENV} environment variable and restart the app.",
            )
        )
    if has_314:
        found.append(
            Capability(
                "Subinterpreters",
                True,
                "Python 3.14 found: InterpreterPoolExecutor (one interpreter per worker, each with its own GIL) "
                "can be measured:",
                tuple(i.path for i in has_314),
            )
        )
    else:
        found.append(
            Capability(
                "Subinterpreters",
                False,
                "No Python 3.14 was found, so InterpreterPoolExecutor and 3.14's forkserver default cannot be shown. "
                f"Install 3.14 (for example `uv python install 3.14`) and add it to {LAB_PYTHONS_ENV}.",
            )
        )
    return found
