"""Diagnostics: explain a signature, and diff our canonical request against the server's.

``explain`` shows what a signer computed (canonical request, string to sign, credential scope,
signature) with invisible characters made visible.  ``diff`` takes our canonical request (or a
signed request) and the server's answer -- S3's XML error with ``<CanonicalRequest>`` /
``<StringToSign>`` (or their ``...Bytes`` forms), or the JSON/XML message "The Canonical String
for this request should have been '...' The String-to-Sign should have been '...'" -- and reports
the differing lines and the likely causes.  An answer without artifacts is read for what its
words name (the credential scope it refused, the clock); text that is no AWS answer at all
(empty, an HTML page) is refused with :class:`~signers.errors.InvalidRequest`.  The legacy
schemes (``sigv2``, ``s3-v2``) have no canonical request: their string to sign is compared, each
line named (S3's Content-MD5, Content-Type, Date, x-amz-* headers and resource; SigV2's method,
host, path and query).

Visible form (:func:`visible`): every line ends in ``$`` (so trailing spaces and empty lines
show), a tab is ``\\t``, a carriage return ``\\r``, a backslash ``\\\\``, other control characters
and every non-ASCII character a ``\\xNN`` / ``\\uNNNN`` escape.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple, Union

from ._diagnose_causes import (
    CanonicalParts,
    Cause,
    answer_causes,
    canonical_causes,
    dedupe,
    legacy_causes,
    legacy_labels,
    string_to_sign_causes,
    string_to_sign_label,
)
from ._redact import MASK, SECRET_HEADERS, redact, redact_headers
from .errors import InvalidRequest, SigningError
from .model import Artifacts, Credentials, Request, SignedRequest
from .protocols import Signer

__all__ = [
    "visible",
    "visible_lines",
    "explain",
    "ServerError",
    "parse_server_error",
    "server_time",
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
    else:  # (a session token is masked, wherever it shows: explanations end up in tickets)
        out.extend(_numbered(redact(artifacts.canonical_request, signatures=False)))
    out.append("String to sign:")
    out.extend(_numbered(artifacts.string_to_sign))
    out.append(f"Signature: {artifacts.signature}")
    if isinstance(signed, SignedRequest):
        if signed.added_headers:
            out.append("Added headers:")
            out.extend(
                f"  {_escape(n)}: {_escape(v)}"
                for n, v in redact_headers(signed.added_headers, signatures=False)
            )
        if signed.added_query:
            out.append("Added query parameters:")
            out.extend(
                f"  {_escape(n)}={_escape(MASK if n.lower() in SECRET_HEADERS else v)}"
                for n, v in signed.added_query
            )
        out.append(f"URL: {_escape(redact(signed.url, signatures=False))}")
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


# The error text SDKs print: botocore's "An error occurred (Code) when calling the Op operation:
# message", the Go SDK's "api error Code: message" and "Code: message\n\tstatus code: 400, ...".
_SDK_TEXT = re.compile(r"An error occurred \((\w+)\) when calling the \w+ operation: ?(.*)", re.S)
_CODE_TEXT = re.compile(r"(?:api error )?([A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+): (.*)", re.S)
_SDK_STATUS = re.compile(r"\n\s*status code: \d+.*", re.S)
# Words only an answer about a signature holds (a bare message without a code must show one).
_SIGNATURE_WORDS = re.compile(r"signature|credential|canonical string|string-to-sign", re.I)


def _from_text(text: str) -> Tuple[Optional[str], str]:
    """The code and message of an answer given as text (an SDK's error line, or the message)."""
    found = _SDK_TEXT.search(text) or _CODE_TEXT.match(text)
    if found is None:
        return None, text
    return found.group(1), _SDK_STATUS.sub("", found.group(2)).strip()


def _refuse_non_answer(text: str, server: ServerError) -> None:
    """Refuse ``text`` when what was read from it (``server``) is no AWS answer at all."""
    if server.code or server.canonical_request is not None or server.string_to_sign is not None:
        return
    message = server.message
    if message and (text.startswith(("{", "<")) or _SIGNATURE_WORDS.search(message)):
        return
    reason = (
        "it is empty"
        if not text
        else "no error code, message, canonical request or string to sign in it"
    )
    raise InvalidRequest(
        f"answer: not an AWS error answer ({reason}); give the XML or JSON body, or the error text",
        field="answer",
    )


def parse_server_error(text: str, *, strict: bool = False) -> ServerError:
    """Read a server's error answer: S3/query XML, JSON (``__type``/``message``), an SDK's
    error text (``An error occurred (Code) ...``, ``Code: message``), or the bare message.
    Missing parts are ``None``.  ``strict``: text that is no AWS answer (empty, an HTML page,
    words without an error code, a message or artifacts) raises :class:`InvalidRequest`."""
    text = text.strip().lstrip("\ufeff").strip()
    server = _parse(text)
    if strict:
        _refuse_non_answer(text, server)
    return server


def _parse(text: str) -> ServerError:
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
        code, message = _from_text(text)
    if message is not None:
        from_canonical, from_sts = _from_message(message)
        canonical = canonical if canonical is not None else from_canonical
        sts = sts if sts is not None else from_sts
    if canonical is not None:
        canonical = canonical.replace("\r\n", "\n")
    if sts is not None:
        sts = sts.replace("\r\n", "\n")
    return ServerError(canonical, sts, code, message)


# -- the time the server read --------------------------------------------------------------------


def _sigv2_timestamp(value: str) -> Optional[_dt.datetime]:
    from ._encoding import percent_decode_str
    from ._time import UTC

    text = percent_decode_str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _http_date(value: str) -> Optional[_dt.datetime]:
    from email.utils import parsedate_to_datetime

    from ._time import UTC, http_date_instant

    found = http_date_instant(value.strip())
    if found is not None:
        return found
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _time_in_string_to_sign(text: str) -> Optional[_dt.datetime]:
    from ._time import amz_instant

    lines = text.split("\n")
    if lines[0].startswith("AWS4") and len(lines) > 1:  # SigV4 / SigV4A: the request time
        return amz_instant(lines[1].strip())
    if len(lines) == 4 and lines[2].startswith("/"):  # SigV2: the Timestamp parameter
        for piece in lines[3].split("&"):
            name, _, value = piece.partition("=")
            if name == "Timestamp":
                return _sigv2_timestamp(value)
        return None
    if len(lines) >= 5 and lines[-1].startswith("/"):  # S3's legacy scheme
        for line in lines[4:-1]:
            if line.startswith("x-amz-date:"):
                value = line[len("x-amz-date:") :]
                return _http_date(value) or amz_instant(value.strip())
        if lines[3] and not lines[3].isdigit():  # (digits: a presigned URL's Expires)
            return _http_date(lines[3])
    return None


def _time_in_canonical_request(text: str) -> Optional[_dt.datetime]:
    from ._time import amz_instant

    lines = text.split("\n")
    for line in lines[3:]:
        if line.startswith("x-amz-date:"):
            return amz_instant(line[len("x-amz-date:") :].strip())
    if len(lines) > 2:
        for piece in lines[2].split("&"):
            name, _, value = piece.partition("=")
            if name == "X-Amz-Date":
                return amz_instant(value)
    return None


def server_time(server_answer: Union[str, ServerError]) -> Optional[_dt.datetime]:
    """The request time the server read, from its answer: the string to sign (SigV4's second
    line, SigV2's ``Timestamp``, S3's ``x-amz-date`` or ``Date`` line) or the canonical request
    (``x-amz-date`` header, ``X-Amz-Date`` parameter); ``None`` when it shows none.  Signing
    again at that time reproduces what the server computed, whatever the clock says now."""
    server = (
        server_answer
        if isinstance(server_answer, ServerError)
        else parse_server_error(server_answer)
    )
    found = None
    if server.string_to_sign is not None:
        found = _time_in_string_to_sign(server.string_to_sign)
    if found is None and server.canonical_request is not None:
        found = _time_in_canonical_request(server.canonical_request)
    return found


# -- diff --------------------------------------------------------------------------------------


class Hunk(NamedTuple):
    """A run of differing lines: 1-based start line and the lines on each side."""

    section: str  # "canonical request" or "string to sign"
    ours_start: int
    ours: Tuple[str, ...]
    theirs_start: int
    theirs: Tuple[str, ...]
    label: str  # what the lines are (e.g. "canonical URI"), "" when mixed


class DiffReport(NamedTuple):
    """Differences between our artifacts and the server's, with the likely causes.

    ``compared`` is false when the answer carried nothing to compare with (no canonical request
    or string to sign): the report is then never :attr:`equal`, and its causes are what the
    answer's words name.
    """

    hunks: List[Hunk]
    causes: List[Cause]
    code: Optional[str] = None
    message: Optional[str] = None
    compared: bool = True

    @property
    def equal(self) -> bool:
        """Whether both sides were compared and computed the same thing."""
        return self.compared and not self.hunks

    @property
    def cause_names(self) -> List[str]:
        return [c.name for c in self.causes]

    def as_dict(self) -> Dict[str, object]:
        # (field by field, like signers.Verified.as_dict by shape only: {**self._asdict()}
        # would reorder the keys `sigbridge diff --json` prints)
        return {
            "equal": self.equal,
            "compared": self.compared,
            "code": self.code,
            "message": self.message,
            "hunks": [h._asdict() for h in self.hunks],
            "causes": [c._asdict() for c in self.causes],
        }

    def __str__(self) -> str:
        out: List[str] = []
        if not self.compared:
            answered = ": ".join(p for p in (self.code, _one_line(self.message)) if p)
            if answered:
                out.append(f"Server answered: {answered}")
            out.append(
                "Nothing compared: the answer carries no canonical request or string to sign."
            )
            if self.causes:
                out.append("Likely causes:")
                out.extend(f"  - {c.name}: {c.explanation}" for c in self.causes)
            return "\n".join(out)
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


def _one_line(text: Optional[str]) -> str:
    return " ".join(text.split()) if text else ""


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
    """Compare two canonical requests (and string to signs when both are given).

    A session token is masked in both first (a server's answer carries it masked, and what is
    compared is shown): its value is not what tells two canonical requests apart.
    """
    ours, theirs = redact(ours, signatures=False), redact(theirs, signatures=False)
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
    server's answer (its error text, or an already parsed :class:`ServerError`).

    Text that is no AWS answer raises :class:`~signers.errors.InvalidRequest`.  An answer
    without artifacts gives a report that compared nothing (never :attr:`DiffReport.equal`),
    whose causes are what the answer's words name (a refused credential scope, the clock)."""
    host_region: Optional[str] = None
    if isinstance(ours, SignedRequest):
        host_region = _host_region(ours.request)
        ours = ours.artifacts
    ours_sts: Optional[str]
    ours_creq: Optional[str]
    ours_scope: Optional[str] = None
    if isinstance(ours, Artifacts):
        ours_sts = ours.string_to_sign
        ours_creq = ours.canonical_request
        ours_scope = ours.credential_scope
    else:
        ours_sts, ours_creq = ours_string_to_sign, ours
    if ours_scope is None and ours_sts is not None and ours_sts.startswith("AWS4"):
        ours_scope = [*ours_sts.split("\n"), "", "", ""][2]
    server = (
        server_answer
        if isinstance(server_answer, ServerError)
        else parse_server_error(server_answer, strict=True)
    )
    hunks, causes, compared = _compare(ours_creq, ours_sts, server)
    said = answer_causes(
        server.code, server.message, ours_scope=ours_scope, host_region=host_region
    )
    if not compared and not said:
        causes = [
            Cause(
                "no-artifacts",
                "the server's answer carries no canonical request or string to sign to compare"
                + (f" ({server.code}: {_one_line(server.message)})" if server.code else ""),
            )
        ]
    causes = said + causes
    if compared and not hunks and server.code in _MISMATCH_CODES:
        causes.append(
            Cause(
                "secret",
                "the server computed the same canonical request and string to sign: the secret "
                "key (or the session token) differs",
            )
        )
    return DiffReport(
        hunks, dedupe(causes), code=server.code, message=server.message, compared=compared
    )


# The codes of a signature that does not match (query/S3 protocols, JSON protocols).
_MISMATCH_CODES = ("SignatureDoesNotMatch", "InvalidSignatureException")


def _host_region(request: Request) -> Optional[str]:
    from .endpoints import infer_scope

    try:
        return infer_scope(request.host).region
    except (SigningError, ValueError):
        return None


def _compare(
    ours_creq: Optional[str], ours_sts: Optional[str], server: ServerError
) -> Tuple[List[Hunk], List[Cause], bool]:
    """``(hunks, causes, whether anything was compared)``."""
    if ours_creq is not None and server.canonical_request is not None:
        report = diff_canonical(
            ours_creq,
            server.canonical_request,
            ours_string_to_sign=ours_sts,
            theirs_string_to_sign=server.string_to_sign,
        )
        return report.hunks, report.causes, True
    if ours_sts is not None and server.string_to_sign is not None:
        # The legacy schemes (sigv2, s3-v2) have no canonical request, and an answer may carry
        # only the string to sign: it is compared line by line, each line named.
        theirs = server.string_to_sign
        if ours_sts.startswith("AWS4"):
            labels: Callable[[int], str] = string_to_sign_label
        else:
            labels = legacy_labels(ours_sts)
        hunks = _hunks("string to sign", ours_sts, theirs, labels)
        causes = string_to_sign_causes(ours_sts, theirs) + legacy_causes(ours_sts, theirs)
        return hunks, causes, True
    return [], [], False


def diff_request(
    server_answer: Union[str, ServerError],
    request: Request,
    signer: Signer,
    credentials: Credentials,
    at: Optional[_dt.datetime] = None,
) -> DiffReport:
    """Sign ``request`` with ``signer`` at ``at`` and diff the result against the answer.

    Without ``at`` the request is signed at the time the answer shows (:func:`server_time`),
    else now: signed at another time, a wrong secret would show only as a changed date."""
    server = (
        server_answer
        if isinstance(server_answer, ServerError)
        else parse_server_error(server_answer, strict=True)
    )
    if at is None:
        at = server_time(server)
    return diff(signer.sign(request, credentials, at), server)
