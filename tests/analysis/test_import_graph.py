"""The pure packages import at module level, one way, with no cycle hidden inside a function.

Read from the source (no import runs), the way import-linter builds its graph: ``from pkg import
mod`` is an edge to the submodule ``pkg.mod``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import countyhub

SRC = Path(countyhub.__file__).resolve().parent
PACKAGES = ("countyhub.analysis", "countyhub.gs1")
# The one edge that exists for annotations only: a fitted result keeps the model it came from,
# and the model's fit() builds the result.
TYPE_ONLY_CYCLES = [{"countyhub.analysis.plssem.model", "countyhub.analysis.plssem.results"}]


def modules(package: str) -> dict[str, Path]:
    root = SRC.parent / package.replace(".", "/")
    out = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imported_names(node: ast.Import | ast.ImportFrom, known: dict[str, Path]) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        yield submodule if submodule in known else base


def is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in (
        "TYPE_CHECKING",
        "typing.TYPE_CHECKING",
    )


def walk(tree: ast.AST) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    """Every import with (inside a function, inside an ``if TYPE_CHECKING:`` block)."""

    def visit(node: ast.AST, in_function: bool, type_only: bool) -> Iterator:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, in_function, type_only
            yield from visit(
                child,
                in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef),
                type_only or is_type_checking_block(child),
            )

    yield from visit(tree, False, False)


def graph(package: str, *, with_type_only: bool) -> dict[str, set[str]]:
    known = modules(package)
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for node, _, type_only in walk(ast.parse(path.read_text(encoding="utf-8"))):
            if type_only and not with_type_only:
                continue
            edges[name] |= {t for t in imported_names(node, known) if t in known and t != name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle(package):
    assert cycles(graph(package, with_type_only=False)) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_annotations_add_only_the_documented_cycle(package):
    expected = [c for c in TYPE_ONLY_CYCLES if next(iter(c)).startswith(package + ".")]
    assert cycles(graph(package, with_type_only=True)) == expected


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_inside_functions_are_deliberately_lazy_third_party_ones(package):
    """Own modules are imported at the top; a heavy library may wait, with its reason noted."""
    offenders = []
    for name, path in modules(package).items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node, in_function, _ in walk(ast.parse("\n".join(lines))):
            if not in_function:
                continue
            own = any(t.startswith("countyhub") for t in imported_names(node, {}))
            if own or "lazy" not in lines[node.lineno - 1]:
                offenders.append(f"{name}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert offenders == []
