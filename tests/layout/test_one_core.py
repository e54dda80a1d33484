"""One home for each signing stage, read from the source.

Every SigV4 and SigV4A path (header, presigned, bulk, verification, fast and general) builds the
canonical request, the credential scope and the string to sign through the functions of
``signers/_core/sigv4.py``, and trims header values through ``_encoding.trim_header_value``; the
legacy schemes' strings to sign live in ``signers/_core/sigv2.py`` and ``signers/_core/s3_v2.py``.
A copy written out elsewhere is how a fix lands in one place and not the other, so these checks
look for the shapes such a copy has: an f-string of three or more newline-separated lines, an
f-string ending in the scope's ``aws4_request``, the trim rule's test for a vertical tab.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

# heavy: whole-tree scans, left out of the quick loop
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "signers" / "_core"
TRIM_HOME = (ROOT / "signers" / "_encoding.py", "trim_header_value")


def _literal_parts(node: ast.JoinedStr) -> Iterator[str]:
    for value in node.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            yield value.value


def _stage_copies(source: str) -> List[Tuple[int, str]]:
    """``(line, what)`` for each written-out stage in ``source``."""
    found: List[Tuple[int, str]] = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(_literal_parts(node))
            # (HTTP's CRLF lines are framing, not a string to sign)
            if text.replace("\r\n", "").count("\n") >= 3:
                found.append((node.lineno, "lines of a string to sign or canonical request"))
            last = node.values[-1] if node.values else None
            # (the scope's tail after an interpolated service; a message naming the form is not)
            if isinstance(last, ast.Constant) and last.value == "/aws4_request":
                found.append((node.lineno, "a credential scope"))
    return found


def _trim_tests(source: str) -> List[Tuple[int, str]]:
    """``(line, enclosing function)`` of each ``"\\x0b" in ...`` test (the trim rule's)."""
    found: List[Tuple[int, str]] = []
    tree = ast.parse(source)
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Compare)
                and isinstance(node.left, ast.Constant)
                and node.left.value == "\x0b"
            ):
                found.append((node.lineno, function.name))
    return found


def _sources() -> Iterator[Path]:
    for package in ("signers", "conformance"):
        yield from sorted((ROOT / package).rglob("*.py"))


def test_the_finders_find_a_written_out_copy() -> None:
    planted = (
        "def sign(method, uri, query, block, signed, payload, date, region, service):\n"
        "    creq = f'{method}\\n{uri}\\n{query}\\n{block}\\n{signed}\\n{payload}'\n"
        "    scope = f'{date}/{region}/{service}/aws4_request'\n"
        "    if '\\x0b' in block:\n"
        "        return None\n"
        "    return creq, scope\n"
    )
    assert [what for _, what in _stage_copies(planted)] == [
        "lines of a string to sign or canonical request",
        "a credential scope",
    ]
    assert _trim_tests(planted) == [(4, "sign")]
    framing = "def head(n):\n    return f'HTTP/1.1 200 OK\\r\\nA: 1\\r\\nB: {n}\\r\\n\\r\\n'\n"
    assert _stage_copies(framing) == []


def test_stages_are_written_only_in_the_core() -> None:
    copies = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in _sources()
        if CORE not in path.parents
        for line, what in _stage_copies(path.read_text(encoding="utf-8"))
    ]
    assert copies == []


def test_the_core_holds_the_stages_the_scan_looks_for() -> None:
    # (the scan above passes vacuously if the core's own shapes changed: it must see them here)
    for name in ("sigv4.py", "sigv2.py", "s3_v2.py"):
        assert _stage_copies((CORE / name).read_text(encoding="utf-8")), name


def test_header_values_are_trimmed_by_one_function() -> None:
    home, function = TRIM_HOME
    places = [
        (path.relative_to(ROOT).as_posix(), name)
        for path in _sources()
        for _, name in _trim_tests(path.read_text(encoding="utf-8"))
    ]
    assert places == [(home.relative_to(ROOT).as_posix(), function)]
