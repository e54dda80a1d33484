"""The token pass of the SigV2 scan (:mod:`signers._tools.scan`), for files that do not parse.

A Python 2 script from boto 2's era does not parse as Python 3; :mod:`tokenize` still reads its
strings and names (comments never count, and a bare string statement -- a docstring -- is left
out), and the scan's rules apply to what it sees: the string rules as they are, the code rules
by name (``signature_version=`` / ``:`` followed by a string, ``import boto``, a ``connect_*``
call on a ``boto`` chain, botocore's legacy signers, ``S3Connection``, ``calling_format``), and
``hmac`` with a SHA digest and base64 in a file that mentions AWS.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Iterator, List, Optional, Sequence, Tuple

from . import scan_rules as rules
from .scan_rules import (
    Collector,
    Finding,
    botocore_finding,
    mentions_aws,
    sdk_finding,
    string_findings,
)

__all__ = ["scan_tokens"]


_PREFIX = re.compile(r"^[A-Za-z]*")


def _literal_body(token_text: str) -> str:
    body = _PREFIX.sub("", token_text, count=1)
    for quote in ('"""', "'''", '"', "'"):
        if body.startswith(quote) and body.endswith(quote) and len(body) >= 2 * len(quote):
            return body[len(quote) : -len(quote)]
    return body


def _tokens(text: str) -> Iterator[tokenize.TokenInfo]:
    try:
        yield from tokenize.generate_tokens(io.StringIO(text).readline)
    except (tokenize.TokenError, SyntaxError):
        return


_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT}
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_MIDDLE = getattr(tokenize, "FSTRING_MIDDLE", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


def _significant(text: str) -> List[Tuple[int, str, int, str]]:
    """``(type, text, line, kind)`` of the tokens that matter, f-strings joined into one STRING."""
    out: List[Tuple[int, str, int, str]] = []
    fstring: Optional[List[str]] = None
    depth = 0
    start_line = 0
    for tok in _tokens(text):
        if tok.type in _SKIPPED:
            continue
        if _FSTRING_START is not None and tok.type == _FSTRING_START:
            fstring, depth, start_line = [], 0, tok.start[0]
            continue
        if fstring is not None:
            if tok.type == _FSTRING_END:
                out.append((tokenize.STRING, '"' + "".join(fstring) + '"', start_line, "f"))
                fstring = None
            elif tok.type == _FSTRING_MIDDLE:
                if depth == 0:
                    fstring.append(tok.string)
            elif tok.type == tokenize.OP and tok.string == "{":
                if depth == 0:
                    fstring.append("{}")
                depth += 1
            elif tok.type == tokenize.OP and tok.string == "}":
                depth -= 1
            continue
        out.append((tok.type, tok.string, tok.start[0], ""))
    return out


def _root(tokens: Sequence[Tuple[int, str, int, str]], index: int) -> str:
    """The first name of the dotted chain that ends at ``tokens[index]``."""
    while index >= 2 and tokens[index - 1][1] == "." and tokens[index - 2][0] == tokenize.NAME:
        index -= 2
    return tokens[index][1]


def _bare(tokens: Sequence[Tuple[int, str, int, str]], index: int) -> bool:
    """Whether the string ``tokens[index]`` is a statement of its own (a docstring)."""
    before = tokens[index - 1][0] if index else tokenize.NEWLINE
    after = tokens[index + 1][0] if index + 1 < len(tokens) else tokenize.NEWLINE
    return before == tokenize.NEWLINE and after in (tokenize.NEWLINE, tokenize.ENDMARKER)


def scan_tokens(text: str, path: str) -> List[Finding]:
    """The findings of a file read token by token (strings and names; comments never count)."""
    collector = Collector(path)
    tokens = _significant(text)
    names = {t[1] for t in tokens if t[0] == tokenize.NAME}
    strings = {
        _literal_body(t[1]).lower()
        for i, t in enumerate(tokens)
        if t[0] == tokenize.STRING and not _bare(tokens, i)
    }
    hand_rolled = (
        mentions_aws(names | strings)
        and "hmac" in names
        and bool(rules.HMAC_DIGESTS & (names | strings))
        and bool(rules.B64_FUNCTIONS & names or "base64" in strings)
    )
    for i, (kind, value, line, _) in enumerate(tokens):
        previous = tokens[i - 1] if i else (tokenize.NEWLINE, "", 0, "")
        following = tokens[i + 1] if i + 1 < len(tokens) else (tokenize.NEWLINE, "", 0, "")
        if kind == tokenize.STRING:
            if _bare(tokens, i):
                continue  # a docstring or bare string statement
            body = _literal_body(value)
            for offset, code, message, replacement in string_findings(body):
                at = line + (body.count("\n", 0, offset) if offset else 0)
                collector.add(at, code, message, replacement)
        elif kind == tokenize.NAME:
            if value == "signature_version" and following[1] in ("=", ":"):
                nxt = tokens[i + 2] if i + 2 < len(tokens) else None
                if nxt is not None and nxt[0] == tokenize.STRING:
                    literal = _literal_body(nxt[1])
                    if literal in rules.LEGACY_VERSIONS:
                        collector.add(nxt[2], *sdk_finding(literal))
            elif value in ("import", "from") and following[1] == "boto":
                collector.add(
                    line,
                    "boto2",
                    "boto 2 signs query APIs with SigV2 and S3 with its legacy scheme by default",
                    rules.R_BOTO2,
                )
            elif value.startswith("connect_") and previous[1] == "." and _root(tokens, i) == "boto":
                collector.add(
                    line,
                    "boto2",
                    f"boto 2 connection ({value}): SigV2 / S3 legacy signing by default",
                    rules.R_BOTO2,
                )
            elif value in rules.BOTOCORE_V4:
                imported = any(t[1] == "import" for t in tokens[max(0, i - 8) : i])
                collector.add(line, *botocore_finding(value, imported=imported))
            elif value in ("S3Connection", "calling_format"):
                collector.add(
                    line,
                    "boto2",
                    f"boto 2 ({value}): S3's legacy signature by default",
                    rules.R_BOTO2,
                )
            elif value == "hmac" and hand_rolled and following[1] == ".":
                collector.add(
                    line,
                    "hand-rolled-hmac",
                    "hand-rolled legacy signature (hmac + base64)",
                    rules.R_QUERY,
                )
    return collector.results()
