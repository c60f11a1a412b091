"""The package's layers, read from its imports (an `ast` walk, every import, module-level or
inside a function; `if TYPE_CHECKING:` blocks excepted, as they never run).

- no upward import: core imports no other layer; store imports only core; planner neither
  cli nor server; nothing but cli (and the entry point) imports cli;
- no import cycle between modules;
- no module imports another module's private (`_name`) names.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import arangetram_cli

ROOT = Path(arangetram_cli.__file__).parent
PKG = "arangetram_cli"

# layer -> layers it must not import (the entry point __main__ may import cli)
FORBIDDEN = {
    "core": {"store", "planner", "server", "cli", "ai", "media", "config", "credentials"},
    "store": {"planner", "server", "cli", "ai", "media"},
    "planner": {"cli", "server"},
    "server": {"cli"},
    "ai": {"cli", "server"},
    "media": {"cli", "server", "planner"},
}
ENTRY_POINTS = {f"{PKG}.__main__"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def _nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and _type_checking(child):
            for other in child.orelse:
                yield other
                yield from _nodes(other)
            continue
        yield child
        yield from _nodes(child)


def imports(module: str) -> Iterator[tuple[str, str | None]]:
    """(imported module, name imported from it or None) for every first-party import."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in _nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PKG:
                    yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != PKG:
                continue
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                yield (sub, None) if sub in MODULES else (source, alias.name)


GRAPH = {m: sorted({target for target, _ in imports(m)}) for m in MODULES}


def test_the_walk_sees_the_package():
    assert len(MODULES) > 50
    assert f"{PKG}.core.errors" in GRAPH[f"{PKG}.core.refs"]
    assert f"{PKG}.planner.local.planner" in GRAPH[f"{PKG}.planner.local"]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_upward_import(module):
    bad = [
        t
        for t in GRAPH[module]
        if layer(t) in FORBIDDEN.get(layer(module), set())
        or (layer(t) == "cli" and layer(module) != "cli" and module not in ENTRY_POINTS)
    ]
    assert not bad, f"{module} imports {bad}"


def test_no_import_cycle():
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in MODULES or w == v:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for m in MODULES:
        if m not in index:
            visit(m)
    assert not cycles, cycles


def test_no_module_imports_another_modules_private_names():
    private = {
        (m, source, name)
        for m in MODULES
        for source, name in imports(m)
        if name and name.startswith("_") and not name.startswith("__")
    }
    assert not private, sorted(private)


def test_the_checks_can_fail(tmp_path):
    """The walk finds what the rules look for, in source written to fail them."""
    code = "from arangetram_cli.store.base import _x\nimport arangetram_cli.cli.app\n"
    tree = ast.parse(code)
    found = [n for n in _nodes(tree) if isinstance(n, ast.ImportFrom | ast.Import)]
    assert len(found) == 2
    guarded = ast.parse("if TYPE_CHECKING:\n    import arangetram_cli.cli.app\n")
    assert not [n for n in _nodes(guarded) if isinstance(n, ast.Import)]
