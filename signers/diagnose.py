"""Diagnostics: explain a signature, and diff our canonical request against the server's.

``explain`` shows what a signer computed (canonical request, string to sign, credential scope,
signature) with invisible characters made visible.  ``diff`` takes our canonical request (or a
signed request) and the server's answer -- S3's XML error with ``<CanonicalRequest>`` /
``<StringToSign>`` (or their ``...Bytes`` forms), or the JSON/XML message "The Canonical String
for this request should have been '...' The String-to-Sign should have been '...'" -- and reports
the differing lines and the likely causes.  The legacy schemes (``sigv2``, ``s3-v2``) have no
canonical request: their string to sign is compared, each line named (S3's Content-MD5,
Content-Type, Date, x-amz-* headers and resource; SigV2's method, host, path and query).

Visible form (:func:`visible`): every line ends in ``$`` (so trailing spaces and empty lines
show), a tab is ``\\t``, a carriage return ``\\r``, a backslash ``\\\\``, other control characters
and every non-ASCII character a ``\\xNN`` / ``\\uNNNN`` escape.
"""

from __future__ import annotations

import datetime as _dt
import difflib
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple, Union

from ._diagnose_causes import (
    CanonicalParts,
    Cause,
    canonical_causes,
    dedupe,
    legacy_causes,
    legacy_labels,
    string_to_sign_causes,
    string_to_sign_label,
)
from .model import Artifacts, Credentials, Request, SignedRequest
from .protocols import Signer

__all__ = [
    "visible",
    "visible_lines",
    "explain",
    "ServerError",
    "parse_server_error",
    "Hunk",
    "Cause",
    "DiffReport",
    "diff_canonical",
    "diff",
    "diff_request",
]

# -- visible text ------------------------------------------------------------------------------


def _visible_char(c: str) -> str:
    if c == "\t":
        return "\\t"
    if c == "\r":
        return "\\r"
    if c == "\\":
        return "\\\\"
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # a raw byte that was not UTF-8 (surrogate escape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x20 or code == 0x7F or (0x80 <= code < 0xA0):
        return f"\\x{code:02x}"
    if code > 0x7E:
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return c


def _escape(line: str) -> str:
    if line.isascii() and line.isprintable() and "\\" not in line:
        return line
    return "".join(_visible_char(c) for c in line)


def visible_lines(text: str) -> List[str]:
    """``text`` split on LF, each line in the visible form and ending in ``$``."""
    return [_escape(line) + "$" for line in text.split("\n")]


def visible(text: str) -> str:
    """``text`` with invisible characters made visible (see the module docstring)."""
    return "\n".join(visible_lines(text))


def _numbered(text: str, indent: str = "  ") -> List[str]:
    lines = visible_lines(text)
    width = len(str(len(lines)))
    return [f"{indent}{i:>{width}}  {line}" for i, line in enumerate(lines, 1)]


# -- explain -----------------------------------------------------------------------------------


def explain(
    signed: Union[SignedRequest, Artifacts, object], *, scheme: Optional[str] = None
) -> str:
    """A readable account of a signature: scope, signed headers, canonical request, string to
    sign (numbered, invisible characters shown) and signature."""
    if isinstance(signed, SignedRequest):
        artifacts = signed.artifacts
        scheme = scheme or signed.scheme
    elif isinstance(signed, Artifacts):
        artifacts = signed
    else:
        from .errors import InvalidRequest

        raise InvalidRequest(
            f"explain: expected a SignedRequest or Artifacts, got {type(signed).__name__}",
            field="signed",
        )
    out: List[str] = []
    if scheme:
        out.append(f"Scheme: {scheme}")
    if artifacts.credential_scope is not None:
        out.append(f"Credential scope: {artifacts.credential_scope}")
    if artifacts.signed_headers is not None:
        out.append(f"Signed headers: {artifacts.signed_headers}")
    if artifacts.payload_hash is not None:
        out.append(f"Payload hash: {artifacts.payload_hash}")
    out.append("Canonical request:")
    if artifacts.canonical_request is None:
        out.append("  (none: this scheme signs the string to sign directly)")
    else:
        out.extend(_numbered(artifacts.canonical_request))
    out.append("String to sign:")
    out.extend(_numbered(artifacts.string_to_sign))
    out.append(f"Signature: {artifacts.signature}")
    if isinstance(signed, SignedRequest):
        if signed.added_headers:
            out.append("Added headers:")
            out.extend(f"  {_escape(n)}: {_escape(v)}" for n, v in signed.added_headers)
        if signed.added_query:
            out.append("Added query parameters:")
            out.extend(f"  {_escape(n)}={_escape(v)}" for n, v in signed.added_query)
        out.append(f"URL: {_escape(signed.url)}")
    return "\n".join(out)


# -- the server's answer -----------------------------------------------------------------------


class ServerError(NamedTuple):
    """What a server's error answer says: code, message and (when given) its artifacts."""

    canonical_request: Optional[str]
    string_to_sign: Optional[str]
    code: Optional[str]
    message: Optional[str]


def _from_hex_bytes(text: str) -> Optional[str]:
    # S3's <CanonicalRequestBytes>: space-separated hex bytes, exact where XML text may not be.
    try:
        raw = bytes(int(b, 16) for b in text.split())
    except ValueError:
        return None
    return raw.decode("utf-8", "surrogateescape")


def _xml_fields(text: str) -> Optional[Dict[str, str]]:
    """Leaf elements of an XML document by local name (first wins), or None if not XML."""
    import xml.etree.ElementTree as ET

    start = text.find("<")
    if start == -1:
        return None
    try:
        root = ET.fromstring(text[start:].strip())
    except ET.ParseError:
        return _xml_fields_loose(text[start:])
    fields: Dict[str, str] = {}
    for element in root.iter():
        name = element.tag.rpartition("}")[2]
        if len(element) == 0 and name not in fields:
            fields[name] = element.text or ""
    return fields


def _xml_fields_loose(text: str) -> Dict[str, str]:
    # A pasted answer is often cut or wrapped; read <Tag>text</Tag> pairs without a parser.
    import html

    fields: Dict[str, str] = {}
    for name in (
        "Code",
        "Message",
        "CanonicalRequest",
        "CanonicalRequestBytes",
        "StringToSign",
        "StringToSignBytes",
    ):
        start = text.find(f"<{name}>")
        end = text.find(f"</{name}>", start + 1)
        if start != -1 and end != -1:
            fields[name] = html.unescape(text[start + len(name) + 2 : end])
    return fields


def _quoted_after(message: str, marker: str, stop: Optional[str]) -> Optional[str]:
    """The ``'...'`` text after ``marker`` in an AWS message, up to ``stop`` (or the end)."""
    at = message.find(marker)
    if at == -1:
        return None
    rest = message[at + len(marker) :].lstrip(" \n\r\t:")
    if not rest.startswith("'"):
        return None
    rest = rest[1:]
    if stop is not None:
        end = rest.find(stop)
        if end != -1:
            rest = rest[:end]
    rest = rest.rstrip()
    return rest[:-1] if rest.endswith("'") else rest


def _from_message(message: str) -> Tuple[Optional[str], Optional[str]]:
    canonical = _quoted_after(
        message, "The Canonical String for this request should have been", "The String-to-Sign"
    )
    sts = _quoted_after(message, "The String-to-Sign should have been", None)
    return canonical, sts


def parse_server_error(text: str) -> ServerError:
    """Read a server's error answer: S3/query XML, JSON (``__type``/``message``), or the bare
    message.  Missing parts are ``None``."""
    text = text.strip().lstrip("\ufeff")
    code: Optional[str] = None
    message: Optional[str] = None
    canonical: Optional[str] = None
    sts: Optional[str] = None
    if text.startswith("{"):
        import json

        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            raw_code = data.get("__type") or data.get("code") or data.get("Code")
            if isinstance(raw_code, str):
                code = raw_code.rpartition("#")[2]
            raw_message = data.get("message") or data.get("Message")
            if isinstance(raw_message, str):
                message = raw_message
    elif "<" in text and ">" in text:
        fields = _xml_fields(text) or {}
        code = fields.get("Code") or None
        message = fields.get("Message")
        if "CanonicalRequestBytes" in fields:
            canonical = _from_hex_bytes(fields["CanonicalRequestBytes"])
        if canonical is None and "CanonicalRequest" in fields:
            canonical = fields["CanonicalRequest"]
        if "StringToSignBytes" in fields:
            sts = _from_hex_bytes(fields["StringToSignBytes"])
        if sts is None and "StringToSign" in fields:
            sts = fields["StringToSign"]
    else:
        message = text
    if message is not None:
        from_canonical, from_sts = _from_message(message)
        canonical = canonical if canonical is not None else from_canonical
        sts = sts if sts is not None else from_sts
    if canonical is not None:
        canonical = canonical.replace("\r\n", "\n")
    if sts is not None:
        sts = sts.replace("\r\n", "\n")
    return ServerError(canonical, sts, code, message)


# -- diff --------------------------------------------------------------------------------------


class Hunk(NamedTuple):
    """A run of differing lines: 1-based start line and the lines on each side."""

    section: str  # "canonical request" or "string to sign"
    ours_start: int
    ours: Tuple[str, ...]
    theirs_start: int
    theirs: Tuple[str, ...]
    label: str  # what the lines are (e.g. "canonical URI"), "" when mixed


class DiffReport:
    """Differences between our artifacts and the server's, with the likely causes."""

    __slots__ = ("causes", "code", "hunks", "message")

    def __init__(
        self,
        hunks: List[Hunk],
        causes: List[Cause],
        *,
        code: Optional[str] = None,
        message: Optional[str] = None,
    ) -> None:
        # (Plain attribute assignments: like registry.SchemeInfo's in shape only.)
        self.hunks = hunks
        self.causes = causes
        self.code = code
        self.message = message

    @property
    def equal(self) -> bool:
        return not self.hunks

    @property
    def cause_names(self) -> List[str]:
        return [c.name for c in self.causes]

    def as_dict(self) -> Dict[str, object]:
        return {
            "equal": self.equal,
            "code": self.code,
            "hunks": [h._asdict() for h in self.hunks],
            "causes": [c._asdict() for c in self.causes],
        }

    def __str__(self) -> str:
        out: List[str] = []
        if self.code:
            out.append(f"Server answered: {self.code}")
        if self.equal:
            out.append("No difference: the server computed what we computed.")
            if self.causes:
                out.append("Likely causes:")
                out.extend(f"  - {c.name}: {c.explanation}" for c in self.causes)
            return "\n".join(out)
        for hunk in self.hunks:
            head = f"{hunk.section}, line {hunk.ours_start}"
            if hunk.theirs_start != hunk.ours_start:
                head += f" (server's line {hunk.theirs_start})"
            out.append(head + (f": {hunk.label}" if hunk.label else ""))
            for line in hunk.ours:
                out.append("  ours:   " + visible(line))
            if not hunk.ours:
                out.append("  ours:   (no such line)")
            for line in hunk.theirs:
                out.append("  theirs: " + visible(line))
            if not hunk.theirs:
                out.append("  theirs: (no such line)")
        if self.causes:
            out.append("Likely causes:")
            out.extend(f"  - {c.name}: {c.explanation}" for c in self.causes)
        return "\n".join(out)

    def __repr__(self) -> str:
        return f"DiffReport(hunks={len(self.hunks)}, causes={self.cause_names!r})"


def _hunks(section: str, ours: str, theirs: str, labels: Callable[[int], str]) -> List[Hunk]:
    a, b = ours.split("\n"), theirs.split("\n")
    out = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            names = {labels(i) for i in range(i1, i2)}
        else:  # lines only the server has: name them by where they would sit on our side
            names = {labels(i1) if i1 < len(a) else ""}
        out.append(
            Hunk(
                section,
                i1 + 1,
                tuple(a[i1:i2]),
                j1 + 1,
                tuple(b[j1:j2]),
                names.pop() if len(names) == 1 else "",
            )
        )
    return out


def diff_canonical(
    ours: str,
    theirs: str,
    *,
    ours_string_to_sign: Optional[str] = None,
    theirs_string_to_sign: Optional[str] = None,
) -> DiffReport:
    """Compare two canonical requests (and string to signs when both are given)."""
    a, b = CanonicalParts(ours), CanonicalParts(theirs)
    hunks = _hunks("canonical request", ours, theirs, a.label)
    causes = canonical_causes(a, b) if ours != theirs else []
    if ours_string_to_sign is not None and theirs_string_to_sign is not None:
        hunks += _hunks(
            "string to sign", ours_string_to_sign, theirs_string_to_sign, string_to_sign_label
        )
        named = {c.name for c in causes}
        for cause in string_to_sign_causes(ours_string_to_sign, theirs_string_to_sign):
            # The canonical request already explains a changed time; the scope only shows here.
            if cause.name not in named or cause.name == "scope":
                causes.append(cause)
    return DiffReport(hunks, dedupe(causes))


def diff(
    ours: Union[str, Artifacts, SignedRequest],
    server_answer: Union[str, ServerError],
    *,
    ours_string_to_sign: Optional[str] = None,
) -> DiffReport:
    """Diff our side (a canonical request, or the artifacts of a signed request) against the
    server's answer (its error text, or an already parsed :class:`ServerError`)."""
    if isinstance(ours, SignedRequest):
        ours = ours.artifacts
    ours_sts: Optional[str]
    ours_creq: Optional[str]
    if isinstance(ours, Artifacts):
        ours_sts = ours.string_to_sign
        ours_creq = ours.canonical_request
    else:
        ours_sts, ours_creq = ours_string_to_sign, ours
    server = (
        server_answer
        if isinstance(server_answer, ServerError)
        else (parse_server_error(server_answer))
    )
    hunks: List[Hunk] = []
    causes: List[Cause] = []
    if ours_creq is not None and server.canonical_request is not None:
        report = diff_canonical(
            ours_creq,
            server.canonical_request,
            ours_string_to_sign=ours_sts,
            theirs_string_to_sign=server.string_to_sign,
        )
        hunks, causes = report.hunks, report.causes
    elif ours_sts is not None and server.string_to_sign is not None:
        # The legacy schemes (sigv2, s3-v2) have no canonical request: the string to sign is
        # compared line by line, each line named.
        theirs_sts = server.string_to_sign
        hunks = _hunks("string to sign", ours_sts, theirs_sts, legacy_labels(ours_sts))
        causes = string_to_sign_causes(ours_sts, theirs_sts) + legacy_causes(ours_sts, theirs_sts)
    else:
        causes = [
            Cause(
                "no-artifacts",
                "the server's answer carries no canonical request or string to sign to compare"
                + (f" ({server.code}: {server.message})" if server.code else ""),
            )
        ]
    compared = ours_creq is not None or (ours_sts is not None and server.string_to_sign is not None)
    if not hunks and server.code == "SignatureDoesNotMatch" and compared:
        causes.append(
            Cause(
                "secret",
                "the server computed the same canonical request and string to sign: the secret "
                "key (or the session token) differs",
            )
        )
    return DiffReport(hunks, dedupe(causes), code=server.code, message=server.message)


def diff_request(
    server_answer: Union[str, ServerError],
    request: Request,
    signer: Signer,
    credentials: Credentials,
    at: Optional[_dt.datetime] = None,
) -> DiffReport:
    """Sign ``request`` with ``signer`` at ``at`` and diff the result against the answer."""
    return diff(signer.sign(request, credentials, at), server_answer)
