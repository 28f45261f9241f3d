"""The package's layout: one direction of data flow, no import cycle, a torch-free front end."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import sklearn_mirencoder

PACKAGE = Path(sklearn_mirencoder.__file__).parent
MODULES = sorted(m.name for m in pkgutil.walk_packages([str(PACKAGE)], prefix="sklearn_mirencoder."))


def _module_file(name: str) -> Path:
    rel = Path(*name.split(".")[1:])
    return PACKAGE / rel / "__init__.py" if (PACKAGE / rel).is_dir() else PACKAGE / rel.with_suffix(".py")


def _resolve(current: str, node: ast.ImportFrom) -> list[str]:
    """The package modules an ``import`` statement names (relative or absolute)."""
    is_pkg = _module_file(current).name == "__init__.py"
    if node.level:
        parts = current.split(".")
        base = parts[: len(parts) - node.level + (1 if is_pkg else 0)]
        stem = ".".join(base + ([node.module] if node.module else []))
    else:
        stem = node.module or ""
    found = [f"{stem}.{a.name}" for a in node.names if f"{stem}.{a.name}" in MODULES]
    return found or ([stem] if stem in MODULES else [])


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports anywhere in its body (lazy imports too)."""
    graph = {}
    for name in MODULES:
        tree = ast.parse(_module_file(name).read_text(encoding="utf-8"))
        deps: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                deps.update(_resolve(name, node))
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in MODULES)
        deps.discard(name)
        deps.discard("sklearn_mirencoder")  # __version__ only
        graph[name] = deps
    return graph


def test_the_layout_has_a_frontend_and_a_model_package():
    assert "sklearn_mirencoder.frontend.compile" in MODULES
    assert "sklearn_mirencoder.model.encoder" in MODULES
    assert "sklearn_mirencoder.transformer" in MODULES
    assert "sklearn_mirencoder.embedding.frontend_stage" in MODULES


def test_no_import_cycle():
    graph = import_graph()
    state: dict[str, int] = {}

    def visit(node, path):
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                pytest.fail(f"import cycle: {' -> '.join(path[path.index(dep):] + [dep])}")
            if dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for name in MODULES:
        if name not in state:
            visit(name, [name])


def test_the_front_end_never_imports_the_model_or_the_estimator():
    """frontend <- model <- embedding (the stages of ``transform``) <- transformer <- cli."""
    graph = import_graph()
    for name, deps in graph.items():
        if name.startswith("sklearn_mirencoder.frontend"):
            above = [d for d in deps if not d.startswith("sklearn_mirencoder.frontend") and d != "sklearn_mirencoder.errors"]
            assert not above, f"{name} imports {above}"
        if name.startswith("sklearn_mirencoder.model"):
            above = [d for d in deps if d.split(".")[1] in ("transformer", "embedding", "cache", "cli", "datasets")]
            assert not above, f"{name} imports {above}"
        if name.startswith("sklearn_mirencoder.embedding"):  # the estimator's stages, below the estimator
            above = [d for d in deps if d.split(".")[1] in ("transformer", "cli", "datasets")]
            assert not above, f"{name} imports {above}"


@pytest.mark.parametrize("name", MODULES)
def test_each_module_imports_alone(name):
    subprocess.run([sys.executable, "-c", f"import {name}"], check=True, timeout=120)


@pytest.mark.parametrize("name", ["sklearn_mirencoder.frontend", "sklearn_mirencoder.model.config",
                                  "sklearn_mirencoder.model.featurize", "sklearn_mirencoder.model.hub"])
def test_torch_free_modules(name):
    code = f"import sys, {name}; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
