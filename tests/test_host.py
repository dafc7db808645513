"""Interpreter discovery: real interpreters are found; broken candidates are listed, never fatal."""

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from engine import host
from engine.host import capabilities, current_host, discover_interpreters, probe_interpreter


def fake_python(folder: Path, name: str, body: str) -> str:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_running_interpreter_is_probed_with_its_facts():
    found = probe_interpreter(sys.executable, "running")
    assert found.ok
    assert found.version == ".".join(map(str, sys.version_info[:3]))
    assert found.build in ("GIL", "free-threaded")


def test_hanging_candidate_times_out_with_a_reason(tmp_path):
    hanging = fake_python(tmp_path, "python-hangs", "sleep 30")
    found = probe_interpreter(hanging, "LAB_PYTHONS", timeout_s=0.5)
    assert not found.ok
    assert "no answer within 0.5 s" in found.reason


def test_garbage_printing_candidate_is_not_a_python(tmp_path):
    garbage = fake_python(tmp_path, "python-garbage", "echo 'hello {not json'")
    found = probe_interpreter(garbage, "LAB_PYTHONS")
    assert not found.ok
    assert "not a Python" in found.reason


def test_missing_candidate_is_reported(tmp_path):
    found = probe_interpreter(str(tmp_path / "nope" / "python3"), "LAB_PYTHONS")
    assert (found.ok, found.reason) == (False, "not found")


def test_bad_lab_pythons_entries_are_listed_and_discovery_goes_on(tmp_path):
    garbage = fake_python(tmp_path, "python-garbage", "echo garbage")
    environ = {"PATH": "", "PYENV_ROOT": str(tmp_path / "no-pyenv"), "LAB_PYTHONS": os.pathsep.join([garbage, "/nope"])}
    found = discover_interpreters(environ, timeout_s=5)
    by_path = {interpreter.path: interpreter for interpreter in found}
    assert by_path[sys.executable].ok
    assert not by_path[garbage].ok and not by_path["/nope"].ok


def test_symlinks_to_one_binary_appear_once(tmp_path):
    link = tmp_path / "python3.99"
    link.symlink_to(os.path.realpath(sys.executable))
    environ = {"PATH": str(tmp_path), "PYENV_ROOT": str(tmp_path / "no-pyenv"), "LAB_PYTHONS": str(link)}
    found = discover_interpreters(environ, timeout_s=10)
    assert len([i for i in found if os.path.realpath(i.path) == os.path.realpath(sys.executable)]) == 1


def test_pyenv_versions_are_found(tmp_path):
    version_bin = tmp_path / "pyenv" / "versions" / "3.99.0" / "bin"
    version_bin.mkdir(parents=True)
    (version_bin / "python3").symlink_to(os.path.realpath(sys.executable))
    environ = {"PATH": "", "PYENV_ROOT": str(tmp_path / "pyenv"), "LAB_PYTHONS": ""}
    candidates = host.candidate_paths(environ)
    assert (str(version_bin / "python3"), "pyenv") in candidates


@pytest.mark.skipif(not Path.home().joinpath(".pyenv/versions").exists(), reason="no pyenv on this machine")
def test_this_machines_pyenv_interpreters_are_discovered():
    versions = {i.version.rsplit(".", 1)[0] for i in discover_interpreters() if i.ok}
    expected = {p.name.rsplit(".", 1)[0] for p in Path.home().joinpath(".pyenv/versions").glob("3.1[0-3].*")}
    assert expected <= versions


def test_free_threaded_candidate_is_labelled_and_changes_what_the_host_can_show(tmp_path):
    facts = {
        "python_version": "3.14.0",
        "implementation": "CPython",
        "free_threaded_build": True,
        "gil_enabled": False,
        "default_start_method": "forkserver",
        "start_methods": ["fork", "spawn", "forkserver"],
        "interpreter_pool": True,
    }
    fake = fake_python(tmp_path, "python3.14t", f"cat > /dev/null; echo '{json.dumps(facts)}'")
    found = probe_interpreter(fake, "LAB_PYTHONS")
    assert (found.ok, found.build, found.gil_enabled, found.supported) == (True, "free-threaded", False, True)
    without = {c.topic: c.available for c in capabilities(current_host())}
    with_it = {c.topic: c.available for c in capabilities(current_host([found]))}
    assert without["Free-threaded Python"] is False and with_it["Free-threaded Python"] is True
    assert with_it["Subinterpreters"] is True


def test_one_usable_core_cannot_show_parallel_speedup():
    single = current_host().__class__(**{**current_host().__dict__, "usable_cpus": 1})
    parallel = next(c for c in capabilities(single) if c.topic == "Parallel speedup")
    assert not parallel.available


def test_host_cli_json_has_design_keys():
    import subprocess

    completed = subprocess.run(
        [sys.executable, "-m", "engine", "host", "--json"], capture_output=True, text=True, timeout=60, check=True
    )
    data = json.loads(completed.stdout)
    for key in (
        "python_version",
        "implementation",
        "free_threaded_build",
        "gil_enabled",
        "logical_cpus",
        "usable_cpus",
        "physical_cpus",
        "memory_total_mb",
        "default_start_method",
        "start_methods",
        "interpreters",
    ):
        assert key in data


def test_bad_cli_command_exits_2_with_one_line():
    import subprocess

    completed = subprocess.run([sys.executable, "-m", "engine", "nonsense"], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert len(completed.stderr.strip().splitlines()) == 1
