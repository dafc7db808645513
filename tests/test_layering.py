"""The house rules that keep layers apart, checked on the source."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Allowed outside the standard library on the worker side: dask only inside its own executor module.
WORKER_ENTRY = "engine.bench.worker"
THIRD_PARTY_EXEMPT = {"engine.bench.dask_executor"}


def module_path(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def imported_names(path: Path, package: str) -> set[str]:
    """Every module `path` imports, at any depth (functions, TYPE_CHECKING blocks), fully qualified."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names.add(base)
            # `from engine.bench import worker` imports the submodule engine.bench.worker.
            names.update(f"{base}.{alias.name}" for alias in node.names if module_path(f"{base}.{alias.name}"))
    return names


def project_modules() -> dict[str, Path]:
    modules = {}
    for top in ("engine", "kernels"):
        for path in (ROOT / top).rglob("*.py"):
            relative = path.relative_to(ROOT).with_suffix("")
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            modules[".".join(parts)] = path
    return modules


def project_imports(name: str, path: Path) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for imported in imported_names(path, package):
        if module_path(imported) and imported.split(".")[0] in {"engine", "kernels"}:
            found.add(imported)
            # Importing a.b.c runs the __init__ of a and a.b first.
            parts = imported.split(".")
            found.update(".".join(parts[:i]) for i in range(1, len(parts)))
    found.discard(name)
    return found


def test_engine_never_imports_streamlit_or_altair():
    offenders = {
        name: {n.split(".")[0] for n in imported_names(path, name)} & {"streamlit", "altair"}
        for name, path in project_modules().items()
        if name.startswith("engine")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_importing_every_engine_module_loads_no_ui_library():
    code = (
        "import importlib, pkgutil, sys, engine\n"
        "for module in pkgutil.walk_packages(engine.__path__, 'engine.'):\n"
        "    if not module.name.endswith('__main__'): importlib.import_module(module.name)\n"
        "print(sorted(m for m in ('streamlit', 'altair') if m in sys.modules))"
    )
    completed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


def test_walk_reaches_the_subpackages():
    names = project_modules()
    assert {"engine.lesson.recommend", "engine.bench.worker", "engine.cli.bench"} <= names.keys()


def test_no_import_circle_in_engine():
    modules = {name: path for name, path in project_modules().items() if name.startswith("engine")}
    graph = {name: {m for m in project_imports(name, path) if m in modules} for name, path in modules.items()}
    # A package's __init__ importing its own children is not a circle of the code; none of ours does.
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name)
            assert cycle is None, " -> ".join(cycle)


def test_the_worker_import_closure_uses_the_standard_library_alone():
    modules = project_modules()
    allowed = set(sys.stdlib_module_names) | {"engine", "kernels"}
    closure, todo = set(), [WORKER_ENTRY]
    while todo:
        name = todo.pop()
        if name in closure or name in THIRD_PARTY_EXEMPT:
            continue
        closure.add(name)
        path = modules[name]
        outside = {n.split(".")[0] for n in imported_names(path, name)} - allowed
        assert outside == set(), f"{name} imports {outside}"
        todo.extend(project_imports(name, path))
    assert {"engine.bench.executors", "engine.bench.measure", "engine.bench.results", "kernels.cpu"} <= closure
