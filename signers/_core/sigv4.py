"""AWS Signature Version 4 (and 4A) as the specification states it, one function a stage:

1. canonical request = method, canonical URI, canonical query string, canonical headers, signed
   headers and the payload hash, joined by newlines (:func:`canonical_request`);
2. string to sign = the algorithm, the request time (``YYYYMMDDTHHMMSSZ``), the credential scope
   and the hex SHA-256 of the canonical request (:func:`string_to_sign`);
3. signature = hex HMAC-SHA256 of the string to sign under the signing key derived from the secret
   and the scope (:func:`signers._crypto.sigv4_signature`, with the key cached; SigV4A signs with
   ECDSA instead, see :mod:`signers._ecdsa`).

Every SigV4 and SigV4A path goes through these functions: header and presigned forms, bulk
presigning, verification, the one-pass paths and the general ones.  The canonicalization of each
part (paths, queries, headers) is :mod:`signers._encoding`'s.
"""

from __future__ import annotations

from hashlib import sha256 as _sha256
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Sequence, Tuple

from .. import _crypto
from .._encoding import HEADER_BLANKS, bad_escape, merge_headers
from ..errors import AlreadySigned, InvalidRequest
from ..model import STREAM_BODY_MESSAGE, PayloadHash, _UnsignedPayload

if TYPE_CHECKING:
    from ..model import Body, Request

Header = Tuple[str, str]

__all__ = [
    "ALGORITHM",
    "ECDSA_ALGORITHM",
    "UNSIGNED_PAYLOAD_VALUE",
    "STREAMING_PREFIX",
    "STREAMING_SIGNED",
    "STREAMING_SIGNED_TRAILER",
    "STREAMING_UNSIGNED_TRAILER",
    "STREAMING_ECDSA_SIGNED",
    "STREAMING_ECDSA_SIGNED_TRAILER",
    "STREAMING_EVENTS",
    "STREAMING_PAYLOADS",
    "TERMINATOR",
    "credential_scope",
    "region_set_scope",
    "canonical_request",
    "string_to_sign",
    "authorization_header",
    "body_hash",
    "stream_body_refused",
    "is_streaming_payload",
    "declared_payload_hash",
    "signing_headers",
    "is_hex_sha256",
    "refuse_signed",
    "check_query",
    "headers_to_sign",
    "mentions_signing_query",
]

ALGORITHM = "AWS4-HMAC-SHA256"
#: SigV4A's algorithm (ECDSA P-256).
ECDSA_ALGORITHM = "AWS4-ECDSA-P256-SHA256"
UNSIGNED_PAYLOAD_VALUE = "UNSIGNED-PAYLOAD"
#: The payload hashes of aws-chunked and event-stream bodies all start with this.
STREAMING_PREFIX = "STREAMING-"
# The streaming declarations AWS defines (S3 API reference, "Authenticating Requests: Using the
# Authorization Header", the x-amz-content-sha256 values; event streams: Transcribe's guide).
# Any other STREAMING-* value is refused: no server could check such a body.
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
STREAMING_ECDSA_SIGNED = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
STREAMING_ECDSA_SIGNED_TRAILER = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
STREAMING_EVENTS = "STREAMING-AWS4-HMAC-SHA256-EVENTS"
STREAMING_PAYLOADS = frozenset(
    {
        STREAMING_SIGNED,
        STREAMING_SIGNED_TRAILER,
        STREAMING_UNSIGNED_TRAILER,
        STREAMING_ECDSA_SIGNED,
        STREAMING_ECDSA_SIGNED_TRAILER,
        STREAMING_EVENTS,
    }
)
TERMINATOR = "aws4_request"

# Headers and query parameters that signing adds: a request that already carries one is refused
# rather than silently re-signed.
_REFUSED_HEADERS = ("authorization", "x-amz-date")
_REFUSED_QUERY = ("x-amz-signature", "x-amz-credential")

_HEX_DIGITS = b"0123456789abcdef"


def credential_scope(date: str, region: str, service: str) -> str:
    """``date/region/service/aws4_request``."""
    return f"{date}/{region}/{service}/{TERMINATOR}"


def region_set_scope(date: str, service: str) -> str:
    """SigV4A's scope, ``date/service/aws4_request``: the region set travels beside it."""
    return f"{date}/{service}/{TERMINATOR}"


def canonical_request(
    method: str,
    canonical_uri: str,
    canonical_query_string: str,
    canonical_headers_block: str,
    signed_headers: str,
    payload_hash: str,
) -> str:
    """Join the six parts of the canonical request.

    ``canonical_headers_block`` is the ``name:value\\n`` lines (each line newline-terminated, as
    the spec has it, so the block is followed by an empty line).
    """
    return (
        f"{method}\n{canonical_uri}\n{canonical_query_string}\n{canonical_headers_block}\n"
        f"{signed_headers}\n{payload_hash}"
    )


def string_to_sign(
    request_time: str, scope: str, canonical_request_text: str, algorithm: str = ALGORITHM
) -> str:
    """``<algorithm>\\n<time>\\n<scope>\\n<hex sha256 of the canonical request>``."""
    # (surrogateescape: a path or query carrying bytes that are not UTF-8 hashes as those bytes;
    # ASCII text, the usual, is the same bytes either way: encode() names no codec, measured)
    text = canonical_request_text
    raw = text.encode() if text.isascii() else text.encode("utf-8", "surrogateescape")
    digest = _sha256(raw).hexdigest()
    return f"{algorithm}\n{request_time}\n{scope}\n{digest}"


def authorization_header(
    access_key: str, scope: str, signed_headers: str, signature: str, algorithm: str = ALGORITHM
) -> str:
    """The Authorization value, comma and one space between the parts, exactly as AWS sends it."""
    return (
        f"{algorithm} Credential={access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )


def body_hash(body: Body) -> str:
    """The payload hash of a body: hex SHA-256 of bytes, a :class:`PayloadHash` as given, or
    ``UNSIGNED-PAYLOAD``.  A file object (an aws-chunked stream) has none: refused."""
    if type(body) is bytes or isinstance(body, bytes):  # (the usual type first: no call)
        return _sha256(body).hexdigest() if body else _crypto.EMPTY_SHA256
    if isinstance(body, PayloadHash):
        return body.hex
    if isinstance(body, _UnsignedPayload):
        return UNSIGNED_PAYLOAD_VALUE
    raise stream_body_refused()


def stream_body_refused() -> InvalidRequest:
    """The error for a file-object body where a whole body is needed (signing, hashing)."""
    return InvalidRequest(STREAM_BODY_MESSAGE, field="body")


def is_streaming_payload(value: str) -> bool:
    """Whether ``value`` is one of the STREAMING-* declarations AWS defines."""
    return value in STREAMING_PAYLOADS


def is_hex_sha256(value: str) -> bool:
    """64 characters, all lower-case hex digits (deleting them leaves nothing, in one C pass)."""
    return (
        len(value) == 64
        and value.isascii()
        and not value.encode("ascii").translate(None, _HEX_DIGITS)
    )


def declared_payload_hash(request: Request, header_value: Optional[str]) -> str:
    """The hex SHA-256 the canonical request ends with (or ``UNSIGNED-PAYLOAD``).

    ``header_value`` is an ``x-amz-content-sha256`` the caller already set: it is taken as the
    payload hash (S3 also accepts ``UNSIGNED-PAYLOAD`` and ``STREAMING-...`` there), and it must
    agree with the body when the body is known.
    """
    body = request.body
    if header_value is None:
        return body_hash(body)
    if not isinstance(body, (bytes, PayloadHash, _UnsignedPayload)):
        raise stream_body_refused()
    declared = header_value.strip(HEADER_BLANKS)
    lowered = declared.lower()
    is_hex = is_hex_sha256(lowered)
    if not (is_hex or declared == UNSIGNED_PAYLOAD_VALUE or declared in STREAMING_PAYLOADS):
        raise InvalidRequest(
            f"header 'x-amz-content-sha256': {declared[:80]!r} is neither a hex SHA-256, "
            "UNSIGNED-PAYLOAD nor one of the STREAMING- values AWS defines",
            field="x-amz-content-sha256",
            stage="payload-hash",
        )
    if is_hex:
        if isinstance(body, bytes) and body and _crypto.sha256_hex(body) != lowered:
            raise InvalidRequest(
                "header 'x-amz-content-sha256' does not match the SHA-256 of the body",
                field="x-amz-content-sha256",
                stage="payload-hash",
            )
        if isinstance(body, PayloadHash) and body.hex != lowered:
            raise InvalidRequest(
                "header 'x-amz-content-sha256' disagrees with the PayloadHash body",
                field="x-amz-content-sha256",
                stage="payload-hash",
            )
    return declared


def signing_headers(
    request: Request, exclude: FrozenSet[str], stop: FrozenSet[str] = frozenset()
) -> Optional[Dict[str, str]]:
    """The request's headers to sign (:func:`~signers._encoding.merge_headers`), with ``host``
    from the URL when the request has no Host header; ``None`` when a header in ``stop`` is
    present."""
    merged = merge_headers(request.headers, exclude, stop)
    if merged is not None and "host" not in merged:
        authority = request.authority
        merged["host"] = request.host_header if ":" in authority else authority
    return merged


def check_query(query: str) -> None:
    """Refuse a query with a malformed escape (``?a=%zz``), as AWS's own signer does (aws-c-auth
    answers ``AWS_ERROR_MALFORMED_INPUT_STRING``): a server decodes the query before it checks
    the signature, and no canonical form of ``%zz`` is one it would compute (botocore signs it as
    sent).  ``%`` itself is sent as ``%25``."""
    if "%" in query:
        found = bad_escape(query)
        if found is not None:
            raise InvalidRequest(
                f"query: {found!r} is not a percent-escape (two hex digits); send '%' as '%25'",
                field="query",
                stage="canonical-request",
            )


def refuse_signed(request: Request, scheme: str, *, extra_query: Sequence[str] = ()) -> None:
    """Refuse a request that already carries what SigV4 adds (header or query parameter), or a
    query no server reads as signed (:func:`check_query`)."""
    check_query(request.query)
    for name, _ in request.headers:
        lowered = name.lower()
        if lowered in _REFUSED_HEADERS:
            raise AlreadySigned(
                f"header {lowered!r} already present; {scheme} adds it", field=lowered
            )
    if request.query:
        refused = _REFUSED_QUERY + tuple(extra_query)
        for name, _ in request.query_pairs():
            lowered = name.lower()
            if lowered in refused:
                raise AlreadySigned(
                    f"query parameter {name!r} already present; {scheme} adds it", field=name
                )


def headers_to_sign(request: Request) -> List[Header]:
    """The request's headers, with ``host`` from the URL when the request has no Host header."""
    headers = list(request.headers)
    if not request.has_header("host"):
        headers.append(("host", request.host_header))
    return headers


def mentions_signing_query(query: str) -> bool:
    # Any X-Amz-* parameter may be one sigv4 refuses: leave the judgement to the general path.
    return "x-amz-" in query.lower()
