"""cli/ stays a tree a newcomer can follow: no module imports another's private names, and
the modules' top-level imports of each other form no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import arangetram_cli.cli as cli_pkg

CLI = Path(cli_pkg.__file__).parent


def cli_imports() -> dict[str, list[tuple[str, str]]]:
    """module -> [(imported cli module, name)] for its top-level imports."""
    out: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(CLI.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found: list[tuple[str, str]] = []
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "arangetram_cli.cli"
            ):
                for alias in node.names:
                    if node.module == "arangetram_cli.cli":
                        found.append((alias.name, ""))
                    else:
                        found.append((node.module.rsplit(".", 1)[1], alias.name))
        out[path.stem] = found
    return out


def test_no_module_imports_a_private_name_of_another() -> None:
    bad = [
        (module, f"{source}.{name}")
        for module, names in cli_imports().items()
        for source, name in names
        if name.startswith("_")
    ]
    assert bad == []


def test_cli_modules_import_each_other_without_a_cycle() -> None:
    graph = {m: {src for src, _ in names} for m, names in cli_imports().items()}
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        assert node not in path, " -> ".join([*path, node])
        if node in done:
            return
        for nxt in graph.get(node, ()):
            visit(nxt, [*path, node])
        done.add(node)

    for module in graph:
        visit(module, [])
    assert "params" in graph["recommend"] and "events" not in graph["recommend"]
