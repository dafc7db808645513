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


def usable_cpus() -> int:
    """CPUs this process may run on: affinity honoured (os.process_cpu_count on 3.13+)."""
    process_cpu_count = getattr(os, "process_cpu_count", None)
    if process_cpu_count is not None:
        return process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def has_interpreter_pool() -> bool:
    """Whether concurrent.futures.InterpreterPoolExecutor exists (3.14+)."""
    import concurrent.futures

    return hasattr(concurrent.futures, "InterpreterPoolExecutor")


def interpreter_facts() -> dict:
    """The running interpreter and what it can do, as plain JSON-ready values."""
    return {
        "executable": sys.executable,
        "python_version": platform.python_version(),
        "version_info": list(sys.version_info[:3]),
        "implementation": platform.python_implementation(),
        "free_threaded_build": free_threaded_build(),
        "gil_enabled": gil_enabled(),
        "logical_cpus": os.cpu_count() or 1,
        "usable_cpus": usable_cpus(),
        "default_start_method": multiprocessing.get_start_method(allow_none=False),
        "start_methods": multiprocessing.get_all_start_methods(),
        "interpreter_pool": has_interpreter_pool(),
        "platform": sys.platform,
    }


if __name__ == "__main__":
    print(json.dumps(interpreter_facts()))
