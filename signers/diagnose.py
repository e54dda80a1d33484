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

import difflib
from typing import Any, Dict, List, NamedTuple, Optional, Tuple, Union

from ._encoding import percent_decode_str, remove_dot_segments
from .model import Artifacts, SignedRequest

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

_CANONICAL_NAMES = ("HTTP method", "canonical URI", "canonical query string")
_TOKEN_HEADER = "x-amz-security-token"
_STS_NAMES = ("algorithm", "request time", "credential scope", "hash of the canonical request")


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


class Cause(NamedTuple):
    """A likely cause: a short name (``scope``, ``path-encoding`` ...) and an explanation."""

    name: str
    explanation: str


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

    def as_dict(self) -> Dict[str, Any]:
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


class _Canonical:
    """A canonical request cut into its parts (when it has the expected shape)."""

    __slots__ = ("headers", "lines", "method", "ok", "payload", "query", "signed", "uri")

    def __init__(self, text: str) -> None:
        lines = text.split("\n")
        self.lines = lines
        # method, URI, query, >= 0 header lines, "", signed headers, payload hash
        self.ok = len(lines) >= 6 and lines[-3] == ""
        self.method = lines[0] if lines else ""
        self.uri = lines[1] if len(lines) > 1 else ""
        self.query = lines[2] if len(lines) > 2 else ""
        self.headers: Dict[str, str] = {}
        if self.ok:
            for line in lines[3:-3]:
                name, _, value = line.partition(":")
                self.headers[name] = value
        self.signed = lines[-2] if self.ok else ""
        self.payload = lines[-1] if self.ok else ""

    def label(self, index: int) -> str:
        if index < 3:
            return _CANONICAL_NAMES[index]
        if not self.ok:
            return ""
        n = len(self.lines)
        if index == n - 1:
            return "payload hash"
        if index == n - 2:
            return "signed headers"
        if index == n - 3:
            return "end of the canonical headers"
        return "canonical header"


def _hunks(section: str, ours: str, theirs: str, labels: Any) -> List[Hunk]:
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


def _query_names(query: str) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for piece in query.split("&") if query else []:
        name, _, value = piece.partition("=")
        out[percent_decode_str(name)] = value
    return out


def _canonical_causes(ours: _Canonical, theirs: _Canonical) -> List[Cause]:
    causes: List[Cause] = []
    if ours.method != theirs.method:
        causes.append(
            Cause(
                "method",
                f"line 1: we signed method {ours.method!r}, the server received "
                f"{theirs.method!r} (a redirect or a proxy may have changed it)",
            )
        )
    if ours.uri != theirs.uri:
        if ours.uri.replace("%25", "%") == theirs.uri:
            causes.append(
                Cause(
                    "path-encoding",
                    "line 2 differs by %25 encodings: we double-encoded the path, the server "
                    "encodes it once (S3 encodes once and does not normalize; sign with s3=True "
                    "or double_encode=False)",
                )
            )
        elif theirs.uri.replace("%25", "%") == ours.uri:
            causes.append(
                Cause(
                    "path-encoding",
                    "line 2 differs by %25 encodings: we encoded the path once, the server "
                    "encodes it twice (every service but S3 does; sign with double_encode=True)",
                )
            )
        elif remove_dot_segments(ours.uri) == theirs.uri or ours.uri == remove_dot_segments(
            theirs.uri
        ):
            causes.append(
                Cause(
                    "path-normalization",
                    "line 2 differs by dot segments or repeated slashes: one side normalized the "
                    "path (S3 does not; other services do)",
                )
            )
        else:
            causes.append(
                Cause(
                    "path",
                    "line 2: the server received another path than the one we signed "
                    "(a proxy prefix, a rewrite, or virtual-hosted vs path-style addressing)",
                )
            )
    if ours.query != theirs.query:
        a, b = _query_names(ours.query), _query_names(theirs.query)
        token = [n for n in ("X-Amz-Security-Token",) if (n in a) != (n in b)]
        if token:
            side = "our" if token[0] in a else "the server's"
            causes.append(
                Cause(
                    "session-token",
                    f"X-Amz-Security-Token is in {side} canonical query only: the token was "
                    "signed on one side and added after signing on the other (session_token "
                    "'signed' vs 'unsigned')",
                )
            )
        only_ours = sorted(set(a) - set(b) - set(token))
        only_theirs = sorted(set(b) - set(a) - set(token))
        changed = sorted(n for n in set(a) & set(b) if a[n] != b[n])
        parts = []
        if only_ours:
            parts.append(f"only we signed {', '.join(only_ours)}")
        if only_theirs:
            parts.append(f"only the server saw {', '.join(only_theirs)}")
        if changed:
            parts.append(f"values differ for {', '.join(changed)}")
        if parts or not token:
            causes.append(
                Cause(
                    "query",
                    "line 3: "
                    + ("; ".join(parts) or "the query is encoded or ordered differently"),
                )
            )
    if ours.ok and theirs.ok:
        signed_a = set(ours.signed.split(";")) if ours.signed else set()
        signed_b = set(theirs.signed.split(";")) if theirs.signed else set()
        if signed_a != signed_b:
            only_a = sorted(signed_a - signed_b)
            only_b = sorted(signed_b - signed_a)
            if "x-amz-security-token" in only_a + only_b:
                causes.append(
                    Cause(
                        "session-token",
                        "x-amz-security-token is signed on one side only: the token header was "
                        "added after signing, or signed where the service expects it unsigned",
                    )
                )
            detail = []
            if only_a:
                detail.append(f"we signed {', '.join(only_a)} which the server did not count")
            if only_b:
                detail.append(f"the server counts {', '.join(only_b)} which we did not sign")
            causes.append(
                Cause(
                    "signed-headers",
                    "signed headers differ: " + "; ".join(detail) + " (a header was added, "
                    "dropped or renamed between signing and sending)",
                )
            )
        for name in sorted(set(ours.headers) & set(theirs.headers)):
            if ours.headers[name] == theirs.headers[name]:
                continue
            if name == "x-amz-date":
                causes.append(
                    Cause(
                        "clock-skew",
                        f"x-amz-date differs ({ours.headers[name]} vs {theirs.headers[name]}): "
                        "the request time changed after signing",
                    )
                )
            elif name == "host":
                causes.append(
                    Cause(
                        "host",
                        f"host differs ({ours.headers[name]!r} vs {theirs.headers[name]!r}): a "
                        "port, a proxy, or virtual-hosted vs path-style addressing",
                    )
                )
            elif name == "x-amz-content-sha256":
                causes.append(
                    Cause(
                        "payload-hash",
                        "x-amz-content-sha256 differs: the body changed after signing",
                    )
                )
            else:
                causes.append(
                    Cause(
                        "header-value",
                        f"header {name!r} has another value on the server (changed in transit, "
                        "or whitespace/folding canonicalized differently)",
                    )
                )
        if ours.payload != theirs.payload:
            from ._crypto import EMPTY_SHA256

            hint = ""
            if "UNSIGNED-PAYLOAD" in (ours.payload, theirs.payload):
                hint = " (UNSIGNED-PAYLOAD on one side: S3 presigned URLs sign UNSIGNED-PAYLOAD)"
            elif theirs.payload == EMPTY_SHA256:
                hint = " (the server hashed an empty body: the body was not sent)"
            causes.append(
                Cause(
                    "payload-hash",
                    "last line: the payload hash differs; the body sent is not the body signed"
                    + hint,
                )
            )
    return causes


def _sts_causes(ours: str, theirs: str) -> List[Cause]:
    a, b = ours.split("\n"), theirs.split("\n")
    causes: List[Cause] = []
    if len(a) >= 3 and len(b) >= 3 and a[0].startswith("AWS4") and b[0].startswith("AWS4"):
        if a[1] != b[1]:
            causes.append(
                Cause(
                    "clock-skew",
                    f"request time differs ({a[1]} vs {b[1]}): the time was changed or re-read "
                    "between signing and sending",
                )
            )
        scope_a, scope_b = a[2].split("/"), b[2].split("/")
        if a[2] != b[2] and len(scope_a) == 4 and len(scope_b) == 4:
            names = ("date", "region", "signing name (service)", "terminator")
            for name, x, y in zip(names, scope_a, scope_b):
                if x != y:
                    cause = "scope" if name != "date" else "clock-skew"
                    causes.append(
                        Cause(
                            cause,
                            f"credential scope {name}: we used {x!r}, the server expects {y!r}",
                        )
                    )
        elif a[2] != b[2]:
            causes.append(Cause("scope", f"credential scope differs ({a[2]!r} vs {b[2]!r})"))
    return causes


# -- the legacy schemes' string to sign ---------------------------------------------------------

_S3_STS_NAMES = ("HTTP method", "Content-MD5", "Content-Type", "Date (Expires when presigned)")
_SIGV2_STS_NAMES = ("HTTP method", "host", "path", "canonical query string")


def _legacy_kind(text: str) -> Optional[str]:
    """``"sigv2"`` or ``"s3-v2"`` when ``text`` has the shape of their string to sign."""
    lines = text.split("\n")
    if lines[0].startswith("AWS4"):
        return None
    if len(lines) == 4 and lines[2].startswith("/") and "SignatureVersion=2" in lines[3]:
        return "sigv2"
    if len(lines) >= 5 and lines[-1].startswith("/"):
        return "s3-v2"
    return None


def _legacy_labels(text: str) -> Any:
    lines = text.split("\n")
    kind = _legacy_kind(text)

    def label(index: int) -> str:
        if kind == "sigv2":
            return _SIGV2_STS_NAMES[index] if index < 4 else ""
        if kind == "s3-v2":
            if index < 4:
                return _S3_STS_NAMES[index]
            if index == len(lines) - 1:
                return "canonical resource"
            return "x-amz-* header" if index < len(lines) else ""
        return ""

    return label


def _amz_lines(lines: List[str]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for line in lines[4:-1]:
        name, _, value = line.partition(":")
        out[name] = value
    return out


def _s3_sts_causes(a: List[str], b: List[str]) -> List[Cause]:
    causes: List[Cause] = []
    if a[0] != b[0]:
        causes.append(
            Cause("method", f"line 1: we signed method {a[0]!r}, the server received {b[0]!r}")
        )
    for index, name in ((1, "Content-MD5"), (2, "Content-Type")):
        if a[index] != b[index]:
            causes.append(
                Cause(
                    "header-value",
                    f"line {index + 1}: {name} {a[index]!r} signed, {b[index]!r} received (a "
                    "client or proxy set or changed it; a presigned URL must be used with the "
                    f"{name} it was signed with)",
                )
            )
    if a[3] != b[3]:
        causes.append(
            Cause(
                "clock-skew",
                f"line 4: Date (Expires when presigned) {a[3]!r} signed, {b[3]!r} on the server: "
                "the date header was replaced after signing, or x-amz-date was sent on one side "
                "only (it empties this line)",
            )
        )
    amz_a, amz_b = _amz_lines(a), _amz_lines(b)
    if amz_a != amz_b:
        if (_TOKEN_HEADER in amz_a) != (_TOKEN_HEADER in amz_b):
            causes.append(
                Cause(
                    "session-token",
                    "x-amz-security-token is signed on one side only: the token was added after "
                    "signing (or dropped on the way)",
                )
            )
        only_a = sorted(set(amz_a) - set(amz_b) - {_TOKEN_HEADER})
        only_b = sorted(set(amz_b) - set(amz_a) - {_TOKEN_HEADER})
        changed = sorted(n for n in set(amz_a) & set(amz_b) if amz_a[n] != amz_b[n])
        parts = []
        if only_a:
            parts.append(f"only we signed {', '.join(only_a)}")
        if only_b:
            parts.append(f"the server also counts {', '.join(only_b)}")
        if changed:
            parts.append(f"values differ for {', '.join(changed)}")
        if parts:
            causes.append(
                Cause(
                    "signed-headers",
                    "x-amz-* headers differ (S3 signs every x-amz-* header sent): "
                    + "; ".join(parts),
                )
            )
    resource_a, resource_b = a[-1], b[-1]
    if resource_a != resource_b:
        path_a, _, sub_a = resource_a.partition("?")
        path_b, _, sub_b = resource_b.partition("?")
        if path_a != path_b:
            if path_a.endswith(path_b) or path_b.endswith(path_a):
                causes.append(
                    Cause(
                        "host",
                        f"canonical resource {path_a!r} vs {path_b!r}: the bucket from a "
                        "virtual-hosted Host is counted on one side only (virtual-hosted vs "
                        "path-style addressing; sign with addressing= or bucket=)",
                    )
                )
            else:
                causes.append(
                    Cause(
                        "path",
                        f"canonical resource {path_a!r} vs {path_b!r}: the server received "
                        "another path (S3 signs the path as sent, not decoded or normalized)",
                    )
                )
        if sub_a != sub_b:
            causes.append(
                Cause(
                    "query",
                    f"signed sub-resources differ ({sub_a!r} vs {sub_b!r}): a sub-resource such "
                    "as ?acl or ?versionId was added, dropped or changed, or one side signs a "
                    "parameter the other does not count",
                )
            )
    return causes


def _sigv2_sts_causes(a: List[str], b: List[str]) -> List[Cause]:
    causes: List[Cause] = []
    if a[0] != b[0]:
        causes.append(
            Cause("method", f"line 1: we signed method {a[0]!r}, the server received {b[0]!r}")
        )
    if a[1] != b[1]:
        causes.append(
            Cause(
                "host",
                f"host differs ({a[1]!r} vs {b[1]!r}): a port, a proxy, or the endpoint the "
                "request was signed for",
            )
        )
    if a[2] != b[2]:
        causes.append(Cause("path", f"path differs ({a[2]!r} vs {b[2]!r})"))
    if a[3] != b[3]:
        ours, theirs = _query_names(a[3]), _query_names(b[3])
        if ("SecurityToken" in ours) != ("SecurityToken" in theirs):
            causes.append(
                Cause(
                    "session-token",
                    "SecurityToken is signed on one side only: the token was added after "
                    "signing (or dropped on the way)",
                )
            )
        for name in ("Timestamp", "Expires"):
            if name in ours and name in theirs and ours[name] != theirs[name]:
                causes.append(
                    Cause(
                        "clock-skew",
                        f"{name} differs ({percent_decode_str(ours[name])} vs "
                        f"{percent_decode_str(theirs[name])}): the time was changed after signing",
                    )
                )
        only_a = sorted(set(ours) - set(theirs) - {"SecurityToken"})
        only_b = sorted(set(theirs) - set(ours) - {"SecurityToken"})
        changed = sorted(
            n
            for n in set(ours) & set(theirs)
            if ours[n] != theirs[n] and n not in ("Timestamp", "Expires")
        )
        parts = []
        if only_a:
            parts.append(f"only we signed {', '.join(only_a)}")
        if only_b:
            parts.append(f"only the server saw {', '.join(only_b)}")
        if changed:
            parts.append(f"values differ for {', '.join(changed)}")
        if parts or not causes:
            causes.append(
                Cause(
                    "query",
                    "line 4: "
                    + ("; ".join(parts) or "the parameters are encoded or ordered differently")
                    + " (SigV2 signs every parameter sent, URL query and form body)",
                )
            )
    return causes


def _legacy_sts_causes(ours: str, theirs: str) -> List[Cause]:
    kind = _legacy_kind(ours)
    if kind is None or kind != _legacy_kind(theirs) or ours == theirs:
        return []
    a, b = ours.split("\n"), theirs.split("\n")
    return _sigv2_sts_causes(a, b) if kind == "sigv2" else _s3_sts_causes(a, b)


def diff_canonical(
    ours: str,
    theirs: str,
    *,
    ours_string_to_sign: Optional[str] = None,
    theirs_string_to_sign: Optional[str] = None,
) -> DiffReport:
    """Compare two canonical requests (and string to signs when both are given)."""
    a, b = _Canonical(ours), _Canonical(theirs)
    hunks = _hunks("canonical request", ours, theirs, a.label)
    causes = _canonical_causes(a, b) if ours != theirs else []
    if ours_string_to_sign is not None and theirs_string_to_sign is not None:

        def sts_label(i: int) -> str:
            return _STS_NAMES[i] if i < len(_STS_NAMES) else ""

        hunks += _hunks("string to sign", ours_string_to_sign, theirs_string_to_sign, sts_label)
        named = {c.name for c in causes}
        for cause in _sts_causes(ours_string_to_sign, theirs_string_to_sign):
            # The canonical request already explains a changed time; the scope only shows here.
            if cause.name not in named or cause.name == "scope":
                causes.append(cause)
    return DiffReport(hunks, _dedupe(causes))


def _dedupe(causes: List[Cause]) -> List[Cause]:
    seen = set()
    out = []
    for cause in causes:
        if cause not in seen:
            seen.add(cause)
            out.append(cause)
    return out


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
        hunks = _hunks("string to sign", ours_sts, server.string_to_sign, _legacy_labels(ours_sts))
        causes = _sts_causes(ours_sts, server.string_to_sign) + _legacy_sts_causes(
            ours_sts, server.string_to_sign
        )
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
    return DiffReport(hunks, _dedupe(causes), code=server.code, message=server.message)


def diff_request(
    server_answer: Union[str, ServerError],
    request: Any,
    signer: Any,
    credentials: Any,
    at: Any = None,
) -> DiffReport:
    """Sign ``request`` with ``signer`` at ``at`` and diff the result against the answer."""
    return diff(signer.sign(request, credentials, at), server_answer)
