"""AWS's error answers on the wire: the bytes a server sends for a failed verification.

One rendering for every server sigbridge ships (``sigbridge serve``, the WSGI and ASGI
middleware): the protocol is read from the request as AWS's front ends read it
(:func:`protocol_of`), and the error is rendered in it (:func:`error_response`):

- ``json``: ``{"__type": code, "message": ...}`` (``Content-Type: application/x-amz-json-1.1``),
  for requests sent as ``application/x-amz-json-*`` / ``application/json`` or with
  ``X-Amz-Target``;
- ``query``: ``<ErrorResponse><Error><Type>Sender</Type><Code>...`` (SigV2, form posts,
  ``?Action=``);
- ``s3``: ``<Error><Code>...`` with S3's extra elements (``StringToSign``, ``CanonicalRequest``
  and their bytes in hex, ``HeadersNotSigned`` ...).

Query and JSON services spell the server's canonical request and string to sign out in the
message itself; S3 gives them as elements.  Nothing here carries a secret: the errors do not hold
one.
"""

from __future__ import annotations

import json
from typing import Mapping, Optional, Tuple
from xml.sax.saxutils import escape

from ..errors import SigningError, VerificationError
from ..model import Request
from .answers import S3_SERVICES
from .detect import detect

__all__ = [
    "JSON_TYPES",
    "coral_message",
    "error_response",
    "hex_bytes",
    "protocol_of",
    "xml_text",
]

#: Content types that make a request (and so its error answer) JSON-protocol.
JSON_TYPES = ("application/x-amz-json", "application/json")


def xml_text(value: str) -> str:
    """``value`` escaped for XML 1.0 text: characters XML cannot carry at all become visible
    escapes; CR survives as ``&#13;``."""
    out = []
    for c in value:
        code = ord(c)
        if (
            (code < 0x20 and c not in "\t\n\r")
            or 0xD800 <= code <= 0xDFFF
            or code in (0xFFFE, 0xFFFF)
        ):
            out.append(f"\\x{code & 0xFF:02x}" if code >= 0xDC80 else f"\\u{code:04x}")
        else:
            out.append(c)
    return escape("".join(out)).replace("\r", "&#13;")


def hex_bytes(text: str) -> str:
    """The UTF-8 bytes of ``text`` as S3 shows them (``StringToSignBytes``), in hex."""
    return " ".join(f"{b:02x}" for b in text.encode("utf-8", "surrogateescape"))


def coral_message(err: VerificationError) -> str:
    """The message query and JSON services send: the server's artifacts spelled out in it.

    SigV2 has no canonical request: its string to sign is given alone, in the same words, so
    that ``signers.diagnose`` (and a reader) can compare it."""
    message = err.message
    if err.string_to_sign is None:
        return message
    if err.canonical_request is not None:
        message += (
            "\n\nThe Canonical String for this request should have been\n'"
            + err.canonical_request
            + "'"
        )
    return message + "\n\nThe String-to-Sign should have been\n'" + err.string_to_sign + "'\n"


def error_response(
    err: VerificationError, protocol: str, request_id: str
) -> Tuple[int, str, bytes]:
    """``(status, content type, body)`` of AWS's answer to ``err`` in ``protocol``."""
    code = err.code_for(protocol)
    if protocol == "json":
        body = json.dumps({"__type": code, "message": coral_message(err)})
        return (
            err.http_status,
            "application/x-amz-json-1.1",
            body.encode("utf-8", "backslashreplace"),
        )
    if protocol == "query":
        text = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type>'
            f"<Code>{xml_text(code)}</Code><Message>{xml_text(coral_message(err))}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return err.http_status, "text/xml", text.encode("utf-8", "backslashreplace")
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>',
        f"<Code>{xml_text(code)}</Code><Message>{xml_text(err.message)}</Message>",
    ]
    parts.extend(f"<{name}>{xml_text(value)}</{name}>" for name, value in err.details)
    if err.string_to_sign is not None:
        parts.append(f"<StringToSign>{xml_text(err.string_to_sign)}</StringToSign>")
        parts.append(f"<StringToSignBytes>{hex_bytes(err.string_to_sign)}</StringToSignBytes>")
    if err.canonical_request is not None:
        parts.append(f"<CanonicalRequest>{xml_text(err.canonical_request)}</CanonicalRequest>")
        parts.append(
            f"<CanonicalRequestBytes>{hex_bytes(err.canonical_request)}</CanonicalRequestBytes>"
        )
    parts.append(f"<RequestId>{request_id}</RequestId><HostId>sigbridge</HostId></Error>")
    return err.http_status, "application/xml", "".join(parts).encode("utf-8", "backslashreplace")


def protocol_of(request: Optional[Request], headers: Mapping[str, str]) -> str:
    """``json`` / ``s3`` / ``query``, read from the request as AWS front ends would.

    ``headers`` maps lower-case names to values (the request's, or what could be read of them
    when ``request`` could not be built)."""
    content_type = (headers.get("content-type") or "").lower()
    if content_type.startswith(JSON_TYPES) or "x-amz-target" in headers:
        return "json"
    if request is not None:
        try:
            detected = detect(request)
        except (SigningError, ValueError):
            detected = None
        if detected is not None and (
            detected.scheme.startswith("s3-") or detected.service in S3_SERVICES
        ):
            return "s3"
        if detected is not None and detected.scheme == "sigv2":
            return "query"  # SigV2 is the query APIs' scheme, whatever the path or method
        if content_type.startswith("application/x-www-form-urlencoded") or any(
            name == "Action" for name, _ in request.query_pairs()
        ):
            return "query"
    return "s3"
