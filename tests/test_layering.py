"""The house rules that keep layers apart, checked on the source."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STDLIB_ONLY = [
    "engine/worker.py",
    "engine/executors.py",
    "engine/measure.py",
    "engine/probe.py",
    "engine/errors.py",
    "engine/results.py",
]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_engine_never_imports_streamlit_or_altair():
    offenders = {
        str(path.relative_to(ROOT)): imported_modules(path) & {"streamlit", "altair"}
        for path in (ROOT / "engine").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_importing_the_engine_loads_no_ui_library():
    code = (
        "import importlib, pkgutil, sys, engine\n"
        "for module in pkgutil.iter_modules(engine.__path__):\n"
        "    if module.name != '__main__': importlib.import_module('engine.' + module.name)\n"
        "print(sorted(m for m in ('streamlit', 'altair') if m in sys.modules))"
    )
    completed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


def test_worker_side_modules_use_the_standard_library_alone():
    allowed = set(sys.stdlib_module_names) | {"engine", "kernels"}
    for relative in STDLIB_ONLY + [str(p.relative_to(ROOT)) for p in (ROOT / "kernels").glob("*.py")]:
        path = ROOT / relative
        if path.exists():
            assert imported_modules(path) <= allowed, relative
