"""What no repr, log line, message or error body shows: session tokens, and the signatures of real
requests.  They are replaced by ``<masked>`` and the text keeps its structure, so a masked
canonical request still lines up with the server's:

- the value of ``X-Amz-Security-Token`` / ``x-amz-security-token`` (a header line ``name:value``,
  a header pair, or a query parameter) and of SigV2's ``SecurityToken`` parameter;
- the signature in ``Signature=...`` (an Authorization header's part, SigV2's parameter),
  ``X-Amz-Signature=...`` and S3's legacy ``AWS <access key>:<signature>``.

Access key ids stay (AWS shows them in its own answers); secret keys never reach any text.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see signers/__init__)
if TYPE_CHECKING:
    from typing import Iterable, List, Match, Optional, Pattern, Tuple

__all__ = ["MASK", "redact", "redact_headers", "SECRET_HEADERS", "state_repr"]

MASK = "<masked>"

#: Header names whose whole value is secret (the Authorization header keeps its structure).
SECRET_HEADERS = frozenset({"x-amz-security-token", "x-amz-s3session-token"})

_PATTERNS: Optional[Tuple[Pattern[str], Pattern[str], Pattern[str]]] = None


def _patterns() -> Tuple[Pattern[str], Pattern[str], Pattern[str]]:
    # Compiled on first use: ``re`` stays off the signing path (reprs and errors are not on it).
    global _PATTERNS
    if _PATTERNS is None:
        import re

        _PATTERNS = (
            # a parameter or Authorization part: Signature=, X-Amz-Signature=, tokens
            re.compile(
                r"(?i)(?<![\w-])((?:x-amz-)?signature|x-amz-security-token|securitytoken)="
                r"[^&\s,#]*"
            ),
            # a header line of a canonical request or a raw request: x-amz-security-token:value
            re.compile(r"(?im)^(x-amz-security-token|x-amz-s3session-token)[ \t]*:[^\r\n]*"),
            # S3's legacy header: AWS AKID:signature
            re.compile(r"(?<![\w-])(AWS [^\s:]+):[A-Za-z0-9+/=]+"),
        )
    return _PATTERNS


def redact(text: str, *, signatures: bool = True) -> str:
    """``text`` with tokens (and, unless ``signatures=False``, signatures) replaced by
    ``<masked>`` (see the module).  ``signatures=False`` serves the explanations a user asks for
    about their own signature (``explain``), where the signature is the point."""
    if not text:
        return text
    parameters, header_lines, legacy = _patterns()

    def parameter(match: Match[str]) -> str:
        name = match.group(1)
        if not signatures and name.lower().endswith("signature"):
            return match.group(0)
        return name + "=" + MASK

    text = parameters.sub(parameter, text)
    text = header_lines.sub(lambda m: m.group(1) + ":" + MASK, text)
    if not signatures:
        return text
    return legacy.sub(lambda m: m.group(1) + ":" + MASK, text)


def redact_headers(
    headers: Iterable[Tuple[str, str]], *, signatures: bool = True
) -> List[Tuple[str, str]]:
    """``(name, value)`` pairs with secret values masked (of the Authorization header, the
    signature only: its credential and signed headers are kept)."""
    out = []
    for name, value in headers:
        lowered = name.lower()
        if lowered in SECRET_HEADERS:
            value = MASK
        elif lowered == "authorization" and signatures:
            value = redact(value)
        out.append((name, value))
    return out


def state_repr(obj: object, *names: str) -> str:
    """``Name(field=value, ...)``, the repr of an object holding state: the attributes ``names``
    of ``obj``, each as its ``repr``, a private one (``_region``) under its public name
    (``region``).  The caller names only attributes that hold no secret."""
    shown = ", ".join(f"{name.lstrip('_')}={getattr(obj, name)!r}" for name in names)
    return f"{type(obj).__name__}({shown})"
