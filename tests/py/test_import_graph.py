"""The package's modules import one another one way: no module reaches back, not even from
inside a function (a lazy import hides a cycle; it does not remove it)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import carrierdb

PACKAGE = Path(carrierdb.__file__).parent


def modules() -> dict[str, Path | None]:
    """Every module of the package, with its source (None for the compiled ``_core``, which an
    editable install may keep outside the package folder)."""
    found: dict[str, Path | None] = {"carrierdb": PACKAGE / "__init__.py", "carrierdb._core": None}
    for source in sorted(PACKAGE.glob("*.py")):
        if source.stem != "__init__":
            found[f"carrierdb.{source.stem}"] = source
    return found


def imports_of(name: str, path: Path | None, known: set[str]) -> set[str]:
    """Every carrierdb module ``name`` imports, at module level or in any function."""
    out: set[str] = set()
    if path is None:
        return out
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = "carrierdb" + ("." + base if base else "")
            if base == "carrierdb":
                # `from . import x` imports the submodule x when there is one, else reads the package.
                out |= {f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names}
            else:
                out.add(base)
    out.discard(name)
    return out & known


def test_every_module_imports():
    for name in modules():
        importlib.import_module(name)


def test_the_import_graph_has_no_cycle():
    found = modules()
    graph = {name: imports_of(name, path, set(found)) for name, path in found.items()}
    assert graph["carrierdb.database"] >= {"carrierdb.migrate", "carrierdb.seeds"}  # the parser sees real edges
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == [], " ; ".join(" -> ".join(c) for c in cycles)
