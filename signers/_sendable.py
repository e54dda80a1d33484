"""A request in the form it must take on the wire (RFC 3986 for the URL, RFC 9110 for headers).

Signers canonicalize the URL *as sent*: S3 decodes each path segment and encodes it again, every
other SigV4 service encodes the path once more, SigV2 signs the path as it is.  A URL typed with
a raw space or ``ü`` cannot be sent as it is (HTTP/1.1 forbids both in a request line, and
``http.client`` refuses them), so the URL to sign must already be the one to send: otherwise the
server's double encoding (``%20`` -> ``%2520``) no longer matches the signature.

:func:`sendable_url` percent-encodes (UTF-8, upper-case hex) every character the path or query
may not hold -- controls, space, ``"<>\\^`{|}``, non-ASCII -- and keeps what is legal as
written (``/a+b:c@d``, ``?x=1&y=%2F``).  A ``%`` is kept as typed: an escape stays an escape,
and a malformed one (``?a=%zz``) is left to the signer, which refuses it in the query.
Encoding a character the canonical forms encode anyway changes nothing the S3, SigV2 and query
canonicalizations compute; for the double-encoding services it is the fix.  What no encoding
can rescue is refused: a host that is not ASCII (give its ``xn--`` form) and header values
carrying control characters.
"""

from __future__ import annotations

from typing import FrozenSet, Iterable, Tuple

from .errors import InvalidRequest
from .model import Request

__all__ = ["sendable_url", "sendable", "check_headers"]

_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
# RFC 3986 pchar (unreserved, sub-delims, ":", "@", "%" escapes) and "/"; the query adds "?".
_PATH_SAFE = frozenset(_UNRESERVED + b"!$&'()*+,;=:@/%")
_QUERY_SAFE = frozenset(_PATH_SAFE | frozenset(b"?"))


def _encode(text: str, safe: FrozenSet[int]) -> str:
    raw = text.encode("utf-8", "surrogateescape")
    if all(b in safe for b in raw):
        return text
    return "".join([chr(b) if b in safe else "%%%02X" % b for b in raw])


def sendable_url(url: str) -> str:
    """``url`` with its path and query percent-encoded where HTTP requires it (see the module
    docstring); a URL that is already sendable comes back unchanged.  The URL must be one
    :class:`~signers.model.Request` accepts."""
    request = Request("GET", url)
    host = request.host
    if not host.isascii():
        raise InvalidRequest(
            f"url: host {host!r} is not ASCII; give its IDNA form (xn--...)", field="url"
        )
    path = _encode(request.path, _PATH_SAFE)
    query = _encode(request.query, _QUERY_SAFE)
    if path == request.path and query == request.query:
        return url
    rebuilt = f"{request.scheme}://{request.authority}{path}"
    return rebuilt + ("?" + query if query or url.endswith("?") else "")


def check_headers(headers: Iterable[Tuple[str, str]]) -> None:
    """Refuse header values HTTP cannot carry: control characters other than tab."""
    for name, value in headers:
        for char in value:
            code = ord(char)
            if (code < 0x20 and char != "\t") or code == 0x7F:
                raise InvalidRequest(
                    f"header {name!r}: value contains the control character {code:#04x}, "
                    "which HTTP does not allow",
                    field=f"header {name!r}",
                )


def sendable(request: Request) -> Request:
    """``request`` with a :func:`sendable_url`, after :func:`check_headers`."""
    check_headers(request.headers)
    url = sendable_url(request.url)
    return request if url == request.url else request.replace(url=url)
