"""Requests flow one way, web/sparql → guard → engines, and no module imports itself back
through another: read from the source files' top-level imports, as Python runs them."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def module_imports() -> dict[str, set[str]]:
    """Each cmikg module and the cmikg modules its top-level statements import."""
    files = {}
    for path in SRC.rglob("*.py"):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
        files[name] = path
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target.startswith("cmikg") and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back():
    graph = module_imports()
    assert len(graph) > 90, "the scan must see the package"
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_engines_and_guard_never_reach_up_the_request_flow():
    upward = {
        "cmikg.engines": ("cmikg.guard", "cmikg.web", "cmikg.service", "cmikg.sparql.protocol", "cmikg.reconcile"),
        "cmikg.guard": ("cmikg.web", "cmikg.service", "cmikg.sparql.protocol", "cmikg.reconcile"),
    }
    wrong = [
        f"{module} imports {target}"
        for module, targets in module_imports().items()
        for layer, above in upward.items()
        if module.startswith(layer + ".")
        for target in targets
        if target.startswith(above)
    ]
    assert wrong == []
