"""The house rules of the code, read from the source: no import circle in signers/ and
conformance/ (imports inside functions, under TYPE_CHECKING and through ``lazy_module`` count),
no module over 700 lines, no function over 80 lines."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

# heavy: botocore/hypothesis runs or whole-suite scans, left out of the quick loop
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("signers", "conformance")


def _modules() -> Dict[str, Path]:
    found: Dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _absolute(current: str, is_package: bool, level: int, module: str) -> str:
    if level == 0:
        return module
    parts = current.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: -(level - 1)]
    return ".".join(parts + ([module] if module else []))


def _targets(name: str, path: Path, tree: ast.AST) -> Iterator[str]:
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = _absolute(name, is_package, node.level, node.module or "")
            for alias in node.names:
                yield f"{base}.{alias.name}"
                yield base
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "lazy_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            text = node.args[0].value
            dots = len(text) - len(text.lstrip("."))
            yield _absolute(name, is_package, dots, text.lstrip("."))


def _graph() -> Dict[str, Set[str]]:
    modules = _modules()
    edges: Dict[str, Set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target in _targets(name, path, tree):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            # a package's own __init__ is not an edge from its modules (Python runs it first)
            if target and target != name and not name.startswith(target + "."):
                edges[name].add(target)
    return edges


def _circles(edges: Dict[str, Set[str]]) -> List[List[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work: List[Tuple[str, Iterator[str]]] = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_circle_finder_finds_a_circle() -> None:
    # the check itself must be able to fail
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle() -> None:
    edges = _graph()
    assert sum(len(targets) for targets in edges.values()) > 100  # the graph was read
    assert _circles(edges) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_and_functions_stay_short(package: str) -> None:
    long_modules, long_functions = [], []
    for path in sorted((ROOT / package).rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n") + (not text.endswith("\n"))
        relative = path.relative_to(ROOT).as_posix()
        if lines > 700:
            long_modules.append(f"{relative} ({lines})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > 80:
                    long_functions.append(f"{relative}:{node.lineno} {node.name} ({size})")
    assert long_modules == []
    assert long_functions == []
