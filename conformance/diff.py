"""Differences between expected and computed text, with whitespace and newlines made visible.

Signing bugs hide in characters nobody can see: a trailing space, a tab, a CR, a missing final
newline.  Every character that does not print as itself is shown by a one-character symbol:

    ``␠`` space   ``␉`` tab   ``␍`` carriage return   ``⏎`` line feed (end of line)
    ``␀`` NUL     ``⍽`` no-break space   other invisible characters as ``<U+XXXX>``

so the lines of a diff can be compared by eye.
"""

from __future__ import annotations

import difflib
import unicodedata
from typing import List, Optional, Tuple

__all__ = ["visible", "first_difference", "text_diff"]

_CONTROL_NAMES = {"\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\t": "TAB", "\0": "NUL"}
_SYMBOLS = {" ": "␠", "\t": "␉", "\r": "␍", "\n": "⏎", "\0": "␀", "\u00a0": "⍽"}


def _symbol(ch: str) -> str:
    symbol = _SYMBOLS.get(ch)
    if symbol is not None:
        return symbol
    if ch.isprintable() and not ch.isspace() and unicodedata.category(ch) != "Cf":
        return ch
    return f"<U+{ord(ch):04X}>"


def visible(text: str) -> str:
    """``text`` with every space, tab, CR, LF and other invisible character shown as a symbol."""
    if text.isprintable() and " " not in text:
        return text
    return "".join(_symbol(ch) for ch in text)


def _describe(ch: Optional[str]) -> str:
    if ch is None:
        return "end of text"
    name = unicodedata.name(ch, "") or _CONTROL_NAMES.get(ch, "control character")
    return f"{_symbol(ch)!r} (U+{ord(ch):04X} {name})"


def first_difference(expected: str, actual: str) -> Optional[Tuple[int, int, str]]:
    """``(line, column, what)`` of the first differing character (1-based), ``None`` if equal."""
    if expected == actual:
        return None
    limit = min(len(expected), len(actual))
    i = 0
    while i < limit and expected[i] == actual[i]:
        i += 1
    line = expected.count("\n", 0, i) + 1
    column = i - (expected.rfind("\n", 0, i) + 1) + 1
    want = expected[i] if i < len(expected) else None
    got = actual[i] if i < len(actual) else None
    return line, column, f"expected {_describe(want)}, got {_describe(got)}"


def text_diff(expected: str, actual: str, *, context: int = 2) -> str:
    """A unified diff of ``expected`` (-) against ``actual`` (+), whitespace made visible.

    The first line says where the first difference is; an empty string means no difference.
    """
    where = first_difference(expected, actual)
    if where is None:
        return ""
    line, column, what = where
    want = [visible(s) for s in expected.splitlines(keepends=True)] or [""]
    got = [visible(s) for s in actual.splitlines(keepends=True)] or [""]
    body: List[str] = []
    for row in difflib.unified_diff(want, got, "expected", "actual", n=context, lineterm=""):
        body.append(row)
    return "\n".join([f"first difference at line {line}, column {column}: {what}", *body])
