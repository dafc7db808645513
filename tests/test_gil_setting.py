"""The GIL as a run setting (BenchSpec.gil, -X gil on the worker) and the GIL coming back during a run.

The rules, the result format and the page are tested with fakes; the real free-threaded build, where
discovery finds one (engine.host.discover_interpreters, free_threaded_build), is run for real: the GIL state
the worker measured, -X gil reaching it, a GIL build and a pre-3.13 refused, and a C extension built here
without Py_mod_gil turning the GIL back on. Each real test skips with its reason where it cannot run.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import threading
import warnings
from functools import cache
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.bench import probe, worker
from engine.bench.results import VERSION, BenchResult, BenchSpec, GilReenabled, gil_came_back_text
from engine.bench.runner import (
    LOCAL_LIMITS,
    PUBLIC_LIMITS,
    check_gil,
    gil_rule,
    run_benchmark,
    validate_spec,
    worker_command,
)
from engine.cli.bench import format_table
from engine.errors import InputError
from engine.host import Interpreter, discover_interpreters
from tests.bench_fakes import make_result

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "app_pages" / "benchmark.py")
TINY = {"kernel": "primes", "size": 2000, "tasks": 2, "repeats": 1, "warmups": 0, "budget_s": 0.0}


# The rule, decided from the probe's facts --------------------------------------------------------------------


def test_off_on_a_gil_build_is_refused_naming_gil() -> None:
    with pytest.raises(InputError, match=r"^gil: Python 3.14.7 here is a GIL build, which cannot run without"):
        gil_rule("off", "3.14.7", free_threaded_build=False)


@pytest.mark.parametrize("version", ["3.10.13", "3.11.7", "3.12.1"])
@pytest.mark.parametrize("gil", ["on", "off"])
def test_on_or_off_before_3_13_is_refused_whatever_the_build(version: str, gil: str) -> None:
    with pytest.raises(InputError, match=rf"^gil: Python {version} has no GIL switch"):
        gil_rule(gil, version, free_threaded_build=False)


def test_on_on_a_gil_build_is_accepted_with_a_note_that_the_gil_is_always_on() -> None:
    note = gil_rule("on", "3.13.0", free_threaded_build=False)
    assert note is not None and "GIL build, where the GIL is always on" in note


@pytest.mark.parametrize("gil", ["default", "on", "off"])
def test_a_free_threaded_build_takes_every_setting_without_a_note(gil: str) -> None:
    assert gil_rule(gil, "3.14.7", free_threaded_build=True) is None


def test_default_needs_no_probe_and_an_unknown_setting_is_refused() -> None:
    assert check_gil("default", "/no/such/python") is None
    with pytest.raises(InputError, match=r"^gil: is 'maybe'; accepted: default, on, off"):
        validate_spec(BenchSpec("primes", ("sequential",), gil="maybe"))
    with pytest.raises(InputError, match=r"^spec.gil"):
        BenchSpec.from_dict({**BenchSpec("primes", ("sequential",)).to_dict(), "gil": "maybe"})


def test_the_setting_is_decided_from_the_probe_of_this_interpreter() -> None:
    # The venv's 3.11 accepts -X gil=0 silently: only the probe's version can refuse it.
    if sys.version_info >= (3, 13):
        pytest.skip("the test interpreter is 3.13+: the refusal before 3.13 is tested with the pyenv interpreters")
    with pytest.raises(InputError, match=r"^gil: Python 3.1[012]"):
        check_gil("off", sys.executable)


def test_worker_command_passes_x_gil_under_isolated_mode() -> None:
    for gil, option in (("on", "gil=1"), ("off", "gil=0")):
        command = worker_command("py", gil=gil)
        assert command[:5] == ["py", "-I", "-S", "-X", option] and command[5] == "-c"
    assert "-X" not in worker_command("py")


def test_preload_is_refused_on_a_shared_deployment_and_checked_for_names() -> None:
    spec = BenchSpec("primes", ("sequential",), preload=("json",))
    assert validate_spec(spec, LOCAL_LIMITS) == spec
    with pytest.raises(InputError, match=r"^preload: is not allowed on a shared deployment"):
        validate_spec(spec, PUBLIC_LIMITS)
    with pytest.raises(InputError, match=r"^preload: 'os; rm' is not a module name"):
        validate_spec(BenchSpec("primes", ("sequential",), preload=("os; rm",)))
    with pytest.raises(InputError, match=r"^preload_path"):
        validate_spec(BenchSpec("primes", ("sequential",), preload=("json",), preload_path="/no/such/folder"))


def test_a_preloaded_module_that_cannot_be_imported_is_refused_naming_preload() -> None:
    spec = BenchSpec("noop", ("sequential",), tasks=1, repeats=1, warmups=0, preload=("no_such_module_here",))
    with pytest.raises(InputError, match=r"^preload: cannot import 'no_such_module_here' \(ModuleNotFoundError"):
        worker.run_bench(spec, emit=lambda event: None)


# The result format ---------------------------------------------------------------------------------------------


def test_a_version_2_file_loads_with_gil_default_and_the_gil_not_measured() -> None:
    document = make_result().to_dict()
    document["version"] = 2
    for key in ("gil_at_start", "gil_at_end", "gil_reenabled"):
        del document[key]
    for key in ("gil", "preload", "preload_path"):
        del document["spec"][key]
    result = BenchResult.from_dict(document)
    assert result.version == VERSION == 4
    assert (result.spec.gil, result.spec.preload, result.spec.preload_path) == ("default", (), None)
    assert (result.gil_at_start, result.gil_at_end, result.gil_reenabled) == (None, None, None)


def test_version_3_round_trips_the_gil_fields() -> None:
    result = dataclasses.replace(
        make_result(gil_enabled=False),
        **{
            "spec": BenchSpec("primes", ("sequential", "threads"), gil="off", preload=("m",), preload_path="/tmp"),
            "gil_at_start": False,
            "gil_at_end": True,
            "gil_reenabled": GilReenabled(at="threads, repeat 2 of 6", warning="RuntimeWarning: x", source="f:1"),
        },
    )
    document = json.loads(json.dumps(result.to_dict()))
    assert document["gil_reenabled"] == {
        "at": "threads, repeat 2 of 6",
        "warning": "RuntimeWarning: x",
        "source": "f:1",
    }
    assert BenchResult.from_dict(document) == result
    document["gil_at_start"] = "no"
    with pytest.raises(InputError, match=r"^result.gil_at_start"):
        BenchResult.from_dict(document)


# The worker's own view of the GIL (fakes for the state, the real warnings machinery) ----------------------------


def test_the_watch_catches_the_gil_warning_from_any_thread_with_its_step(monkeypatch: pytest.MonkeyPatch) -> None:
    states = iter([False, False, True, True])
    monkeypatch.setattr(probe, "gil_state", lambda: next(states))
    with worker.watching_gil() as watch:
        watch.step("threads, repeat 1 of 6")
        # A RuntimeWarning as CPython raises it, from a pool thread; another warning joins the result's warnings.
        thread = threading.Thread(
            target=lambda: (
                warnings.warn(
                    "The global interpreter lock (GIL) has been enabled to load 'x'", RuntimeWarning, stacklevel=2
                ),
                warnings.warn("something else", UserWarning, stacklevel=2),
            )
        )
        thread.start()
        thread.join()
        watch.step("threads, repeat 2 of 6")
        at_end, came_back, others = watch.finish()
    assert watch.at_start is False and at_end is True
    assert came_back is not None and came_back.at == "threads, repeat 1 of 6"
    assert came_back.warning is not None and came_back.warning.startswith("RuntimeWarning: The global interpreter")
    assert len(others) == 1 and "UserWarning: something else" in others[0]


def test_the_watch_reports_a_change_of_state_without_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    states = iter([False, False, True, True])
    monkeypatch.setattr(probe, "gil_state", lambda: next(states))
    with worker.watching_gil() as watch:
        watch.step("sequential, repeat 1 of 6")
        watch.step("threads, repeat 1 of 6")
        at_end, came_back, _ = watch.finish()
    assert at_end is True and came_back == GilReenabled(at="sequential, repeat 1 of 6")


def test_the_gil_coming_back_is_said_plainly_in_the_table() -> None:
    result = make_result({"sequential": 1.0, "threads": 0.9}, gil_enabled=False)
    came_back = GilReenabled(at="the import of the preloaded modules (ext)", warning="RuntimeWarning: GIL on")
    result = dataclasses.replace(result, gil_at_start=False, gil_at_end=True, gil_reenabled=came_back)
    text = gil_came_back_text(result)
    assert text is not None and text.startswith("The GIL came back on during this run, at the import of")
    assert "these threads (threads) ran with the GIL" in text
    assert text in format_table(result)
    assert gil_came_back_text(make_result()) is None


# The page -----------------------------------------------------------------------------------------------------


def _fake_interpreter(path: str, free_threaded: bool) -> Interpreter:
    return Interpreter(
        path, "PATH", ok=True, version="3.11.7", implementation="CPython", free_threaded_build=free_threaded
    )


@pytest.fixture
def page_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LAB_PUBLIC", raising=False)

    def open_page(found: list[Interpreter]) -> AppTest:
        monkeypatch.setattr("ui.bench_view.interpreters", lambda: found)
        at = AppTest.from_file(PAGE, default_timeout=60).run()
        at.selectbox(key="bench_preset").set_value("custom").run()
        return at

    return open_page


def test_the_gil_control_shows_only_for_a_free_threaded_interpreter(page_with) -> None:
    at = page_with([_fake_interpreter("/fake/python3.14", False), _fake_interpreter(sys.executable, True)])
    assert at.selectbox(key="bench_python").value == "/fake/python3.14"
    assert not [radio for radio in at.radio if radio.key == "bench_gil"]
    at.selectbox(key="bench_python").set_value(sys.executable).run()
    control = at.radio(key="bench_gil")
    assert list(control.options) == ["default", "on", "off"] and control.value == "default"
    assert "-I" in control.help and "RuntimeWarning" in control.help and "docs.python.org" in control.help


def test_the_page_passes_gil_into_the_spec_and_the_probe_refuses_it(page_with) -> None:
    # Labelled free-threaded, but really the test's own 3.11: the runner's probe refuses gil off, the page says so.
    if sys.version_info >= (3, 13):
        pytest.skip("the test interpreter is 3.13+: this fake needs one older than 3.13")
    at = page_with([_fake_interpreter(sys.executable, True)])
    at.radio(key="bench_gil").set_value("off").run()
    at.button(key="bench_run").click().run()
    job = at.session_state["bench_job"]
    assert job.done.wait(timeout=60)
    assert job.plan.specs[0].gil == "off"
    assert job.error is not None and job.error.startswith("gil: Python 3.11") and "\n" not in job.error


def test_the_result_says_the_gil_came_back(tmp_path: Path) -> None:
    def draw() -> None:
        import dataclasses

        from engine.bench.results import GilReenabled
        from tests.bench_fakes import make_result
        from ui.bench_view import draw_result

        result = make_result({"sequential": 1.0, "threads": 0.9}, gil_enabled=False)
        came_back = GilReenabled(at="threads, repeat 2 of 6", warning="RuntimeWarning: module '_x_y_' *GIL*")
        draw_result(dataclasses.replace(result, gil_at_start=False, gil_at_end=True, gil_reenabled=came_back))

    at = AppTest.from_function(draw, default_timeout=60).run()
    assert not at.exception
    shown = [w.value for w in at.warning if "GIL came back on" in w.value]
    assert len(shown) == 1 and "these threads (threads) ran with the GIL" in shown[0].replace("\\", "")
    # The worker's text is escaped, never markup (an underscore between two letters cannot open emphasis: kept).
    assert r"\_x_y\_" in shown[0] and r"\*GIL\*" in shown[0]


# The real free-threaded build, where there is one -----------------------------------------------------------


@cache
def _found() -> tuple[Interpreter, ...]:
    return tuple(found for found in discover_interpreters() if found.ok)


def _minor(interpreter: Interpreter) -> tuple[int, int]:
    major, minor = interpreter.version.split(".")[:2]
    return int(major), int(minor)


def _free_threaded() -> Interpreter:
    found = [i for i in _found() if i.free_threaded_build and _minor(i) >= (3, 13)]
    if not found:
        pytest.skip("no free-threaded CPython 3.13+ was found by discovery (python3.13t/python3.14t on PATH)")
    return found[0]


def _run(python: str, **fields: object) -> BenchResult:
    spec = BenchSpec(executors=("sequential", "threads"), **{**TINY, **fields})
    return run_benchmark(spec, python, timeout_s=120, look_before_s=0)


def test_real_free_threaded_worker_measures_the_gil_off_and_forced_on() -> None:
    python = _free_threaded().path
    off, on, default = _run(python, gil="off"), _run(python, gil="on"), _run(python)
    # -X gil=0 / -X gil=1 reached the worker: it measured the state itself, at the start and at the end.
    assert (off.gil_at_start, off.gil_at_end, off.spec.gil) == (False, False, "off")
    assert (on.gil_at_start, on.gil_at_end, on.spec.gil) == (True, True, "on")
    assert (default.gil_at_start, default.gil_at_end) == (False, False)
    assert [entry.label for entry in off.executors] == ["sequential", "threads (free-threaded)"]
    assert [entry.label for entry in on.executors] == ["sequential", "threads (GIL)"]
    assert off.gil_reenabled is None and on.gil_reenabled is None
    assert not [w for w in (*off.warnings, *on.warnings) if "was asked" in w]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "engine", "bench", "--kernel", "primes", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_real_gil_build_refuses_gil_off_with_exit_2_and_one_line() -> None:
    found = [i for i in _found() if not i.free_threaded_build and _minor(i) >= (3, 13)]
    if not found:
        pytest.skip("no GIL build of CPython 3.13+ was found by discovery")
    completed = _cli("--python", found[0].path, "--gil", "off")
    assert completed.returncode == 2 and completed.stdout == ""
    assert len(completed.stderr.strip().splitlines()) == 1 and "GIL build, which cannot run without" in completed.stderr


def test_real_pre_3_13_refuses_gil_with_exit_2_and_one_line() -> None:
    found = [i for i in _found() if (3, 10) <= _minor(i) <= (3, 12)]
    if not found:
        pytest.skip("no CPython 3.10-3.12 was found by discovery")
    for gil in ("on", "off"):
        completed = _cli("--python", found[0].path, "--gil", gil)
        assert completed.returncode == 2, completed.stderr
        assert len(completed.stderr.strip().splitlines()) == 1 and "has no GIL switch" in completed.stderr


# A C extension without Py_mod_gil, built here: importing it turns the GIL back on ---------------------------------

EXTENSION_SOURCE = """
#include <Python.h>
/* No Py_mod_gil slot, no PyUnstable_Module_SetGIL: the module has not declared free-threading support. */
static PyObject *answer(PyObject *self, PyObject *unused) { return PyLong_FromLong(42); }
static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, "The answer."}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "nogilsafe", NULL, -1, methods};
PyMODINIT_FUNC PyInit_nogilsafe(void) { return PyModule_Create(&module); }
"""


def _build_extension(python: str, folder: Path) -> None:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler (cc or gcc) on PATH to build the test extension")
    where = "import sysconfig; print(sysconfig.get_path('include')); print(sysconfig.get_config_var('EXT_SUFFIX'))"
    include, suffix = subprocess.run(
        [python, "-I", "-S", "-c", where], capture_output=True, text=True, check=True, timeout=30
    ).stdout.split()
    if not (Path(include) / "Python.h").exists():
        pytest.skip(f"{python} has no C headers ({include}/Python.h) to build an extension against")
    (folder / "nogilsafe.c").write_text(EXTENSION_SOURCE)
    subprocess.run(
        [compiler, "-shared", "-fPIC", f"-I{include}", "nogilsafe.c", "-o", f"nogilsafe{suffix}"],
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_real_extension_without_py_mod_gil_turns_the_gil_back_on_and_the_result_says_so(tmp_path: Path) -> None:
    python = _free_threaded().path
    _build_extension(python, tmp_path)
    result = _run(python, preload=("nogilsafe",), preload_path=str(tmp_path))
    assert (result.gil_at_start, result.gil_at_end) == (False, True)
    came_back = result.gil_reenabled
    assert came_back is not None and came_back.at == "the import of the preloaded modules (nogilsafe)"
    assert came_back.warning is not None and came_back.warning.startswith("RuntimeWarning: The global interpreter lock")
    assert "'nogilsafe'" in came_back.warning
    assert [entry.label for entry in result.executors] == ["sequential", "threads (GIL)"]
    assert "The GIL came back on during this run" in format_table(result)
    # -X gil=0 keeps it off (at the user's own risk): no warning, no change.
    kept_off = _run(python, gil="off", preload=("nogilsafe",), preload_path=str(tmp_path))
    assert (kept_off.gil_at_start, kept_off.gil_at_end, kept_off.gil_reenabled) == (False, False, None)
