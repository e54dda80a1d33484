"""Which test modules a ``-m`` expression leaves out whole, found without importing them.

pytest imports every test module before ``-m`` deselects anything, so the quick loop
(``-m "not slow"``) paid for importing the server modules' moto, aiohttp, httpx, dask ... though
none of their tests run (about a second per pytest process; with ``-n 2`` each worker pays it).
A module whose ``pytestmark`` puts every one of its tests under marks that the expression rejects,
whatever marks a test adds, need not be imported at all.

Both halves are read conservatively: ``pytestmark`` only when it is a plain ``pytest.mark.NAME``
(called or not) or a list or tuple of them, the expression only when it is made of names,
``and``, ``or``, ``not`` and parentheses.  Anything else leaves the module to pytest.
"""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path
from typing import Callable, FrozenSet, List, Optional

__all__ = ["module_marks", "rejects_every_test"]

_ASSIGNMENT = re.compile(r"^pytestmark\s*[:=]", re.M)
_EXPRESSION = re.compile(r"^[A-Za-z0-9_()\s]*$")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYWORDS = frozenset({"and", "or", "not"})
# an expression naming more marks than this is left to pytest (2**n evaluations)
_MOST_FREE_NAMES = 6


def _mark_name(node: ast.expr) -> Optional[str]:
    """``NAME`` of ``pytest.mark.NAME`` or ``pytest.mark.NAME(...)``, else None."""
    if isinstance(node, ast.Call):
        node = node.func
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "mark"
        and isinstance(node.value.value, ast.Name)
        and node.value.value.id == "pytest"
    ):
        return node.attr
    return None


def _statement(text: str, start: int) -> Optional[ast.stmt]:
    """The one statement that begins at ``start`` (it may go on over a few lines)."""
    lines = text[start:].split("\n")
    for count in range(1, min(len(lines), 40) + 1):
        try:
            body = ast.parse("\n".join(lines[:count])).body
        except SyntaxError:
            continue
        return body[0] if len(body) == 1 else None
    return None


def module_marks(path: Path) -> FrozenSet[str]:
    """The marks a module's ``pytestmark`` gives every test in it (empty when unsure)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return frozenset()
    found = list(_ASSIGNMENT.finditer(text))
    if len(found) != 1:
        return frozenset()
    statement = _statement(text, found[0].start())
    value = getattr(statement, "value", None)
    if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or value is None:
        return frozenset()
    items: List[ast.expr] = (
        list(value.elts) if isinstance(value, (ast.List, ast.Tuple)) else [value]
    )
    names = [_mark_name(item) for item in items]
    if any(name is None for name in names):
        return frozenset()
    return frozenset(name for name in names if name is not None)


def _compile(expression: str) -> Optional[Callable[[Callable[[str], bool]], bool]]:
    if not _EXPRESSION.match(expression):
        return None
    python = _NAME.sub(
        lambda m: m.group(0) if m.group(0) in _KEYWORDS else f"marked({m.group(0)!r})",
        expression,
    )
    try:
        code = compile(python, "<-m>", "eval")
    except SyntaxError:
        return None
    return lambda marked: bool(eval(code, {"__builtins__": {}}, {"marked": marked}))


def rejects_every_test(expression: str, marks: FrozenSet[str]) -> bool:
    """Whether ``-m expression`` deselects every test that carries ``marks``, whichever other
    marks the test has (each mark the expression names and ``marks`` lacks is tried both ways)."""
    if not expression.strip() or not marks:
        return False
    evaluate = _compile(expression)
    if evaluate is None:
        return False
    free = sorted({n for n in _NAME.findall(expression) if n not in _KEYWORDS} - marks)
    if len(free) > _MOST_FREE_NAMES:
        return False
    for values in itertools.product((False, True), repeat=len(free)):
        extra = {name for name, on in zip(free, values) if on}
        if evaluate(lambda name, extra=extra: name in marks or name in extra):
            return False
    return True
