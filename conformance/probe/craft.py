"""Hand-made SigV4 signatures: requests a well-behaved signer refuses to make.

Spec: AWS Signature Version 4 ("Create a signed AWS API request"; S3's "Authenticating Requests:
Using the Authorization Header" and "Using Query Parameters").  The probe needs signatures that
are *valid* over requests a signer will not build -- an ``Expect`` header signed, ``X-Amz-Expires``
beyond a week, a credential scope for another region, a ``Host`` with its default port, a URL
signed just before midnight -- so that a refusal tests the check, not the signature.  It signs
them here, independently of the signers:

1. canonical URI: S3 URI-encodes the decoded path once and never normalizes it; the other
   services take the normalized path and encode it twice (the probe only sends ``/`` to those);
2. canonical query: each name and value decoded, then URI-encoded (RFC 3986 unreserved kept),
   sorted by name then value;
3. canonical headers: names lower-cased, values trimmed with inner runs of spaces folded to one,
   repeated names joined with ``,`` in the order sent;
4. the canonical request and string to sign through the public stage functions of
   :mod:`signers.sigv4`; the signing key is the HMAC chain ``AWS4+secret`` -> date -> region ->
   service -> ``aws4_request``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple
from urllib.parse import quote, unquote

from signers import Credentials
from signers.sigv4 import (
    ALGORITHM,
    authorization_header,
    canonical_request,
    credential_scope,
    string_to_sign,
)

__all__ = [
    "Crafted",
    "encode_key",
    "amz_date",
    "sha256_hex",
    "signature",
    "canonical_uri",
    "canonical_query",
    "canonical_headers",
    "sign",
]

Pair = Tuple[str, str]
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class Crafted(NamedTuple):
    """A hand-signed request's parts: the query and headers to send, and the artifacts."""

    query: str
    headers: Tuple[Pair, ...]
    canonical_request: str
    string_to_sign: str
    signature: str


def encode_key(key: str, safe: str = "/~") -> str:
    """An object key as S3 SDKs put it in a path: UTF-8, everything but unreserved and ``safe``
    percent-encoded (botocore's ``quote(key, safe='/~')``)."""
    return quote(key, safe=safe)


def amz_date(at: _dt.datetime) -> str:
    return at.astimezone(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signature(secret: str, date: str, region: str, service: str, sts: str) -> str:
    """The hex SigV4 signature of ``sts`` under the key derived for (date, region, service)."""
    key = _hmac(("AWS4" + secret).encode("utf-8"), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return hmac.new(key, sts.encode("utf-8"), hashlib.sha256).hexdigest()


def _rfc3986(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_uri(path: str, *, s3: bool) -> str:
    """S3: each segment decoded and encoded once, no normalization.  Others: only ``/`` and
    plain segments are sent by the probe; they encode twice."""
    segments = [_rfc3986(unquote(segment)) for segment in (path or "/").split("/")]
    uri = "/".join(segments)
    if not s3:
        uri = "/".join(_rfc3986(segment) for segment in uri.split("/"))
    return uri


def canonical_query(pairs: Sequence[Pair]) -> str:
    """``pairs`` (as sent, still encoded) decoded, encoded per RFC 3986, sorted."""
    encoded = sorted((_rfc3986(unquote(n)), _rfc3986(unquote(v))) for n, v in pairs)
    return "&".join(f"{n}={v}" for n, v in encoded)


def _fold(value: str) -> str:
    return " ".join(value.strip().split())


def canonical_headers(headers: Sequence[Pair], names: Sequence[str]) -> Tuple[str, str]:
    """The canonical header block (each line ending in a newline) and the signed-headers list
    of ``names`` (lower-case), from ``headers`` as they will be sent."""
    merged: Dict[str, List[str]] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered in names:
            merged.setdefault(lowered, []).append(_fold(value))
    wanted = sorted(set(names))
    block = "".join(f"{n}:{','.join(merged.get(n, []))}\n" for n in wanted)
    return block, ";".join(wanted)


def split_query(query: str) -> List[Pair]:
    pairs = []
    for piece in query.split("&") if query else []:
        name, _, value = piece.partition("=")
        pairs.append((name, value))
    return pairs


def sign(
    method: str,
    path: str,
    query: str,
    headers: Sequence[Pair],
    credentials: Credentials,
    at: _dt.datetime,
    *,
    region: str,
    service: str,
    placement: str = "header",
    payload_hash: str = UNSIGNED_PAYLOAD,
    expires: str = "",
    signed: Optional[Sequence[str]] = None,
    s3: bool = True,
    scope_date: Optional[str] = None,
    date_header: bool = True,
    content_sha256: bool = True,
    separator: str = ", ",
) -> Crafted:
    """Sign in the Authorization header (``placement="header"``) or as a presigned URL's query
    (``"query"``: ``query`` first, then the X-Amz-* parameters for any ``expires`` text, in range
    or not, the signature last; a service but S3 signs the empty payload).

    ``headers`` must include ``Host``.  In the header, X-Amz-Date (unless ``date_header`` is
    false), x-amz-content-sha256 (S3, ``content_sha256``) and the session token are added, and
    ``separator`` goes between the Authorization components.  ``signed`` names the headers to
    sign (default: all sent); ``scope_date`` puts another date in the credential scope."""
    if placement not in ("header", "query"):
        raise ValueError(f"placement must be 'header' or 'query', not {placement!r}")
    presigned = placement == "query"
    stamp = amz_date(at)
    date = scope_date or stamp[:8]
    scope = credential_scope(date, region, service)
    sent = list(headers)
    params = split_query(query)
    if presigned:
        params += [
            ("X-Amz-Algorithm", ALGORITHM),
            ("X-Amz-Credential", _rfc3986(f"{credentials.access_key}/{scope}")),
            ("X-Amz-Date", stamp),
            ("X-Amz-Expires", _rfc3986(expires)),
        ]
        if not s3:
            payload_hash = EMPTY_SHA256
    else:
        if date_header:
            sent.append(("X-Amz-Date", stamp))
        if s3 and content_sha256:
            sent.append(("x-amz-content-sha256", payload_hash))
        if credentials.token is not None:
            sent.append(("X-Amz-Security-Token", credentials.token))
    names = [n.lower() for n, _ in sent] if signed is None else [n.lower() for n in signed]
    block, signed_headers = canonical_headers(sent, names)
    if presigned:
        params.append(("X-Amz-SignedHeaders", _rfc3986(signed_headers)))
        if credentials.token is not None:
            params.append(("X-Amz-Security-Token", _rfc3986(credentials.token)))
    creq = canonical_request(
        method,
        canonical_uri(path, s3=s3),
        canonical_query(params),
        block,
        signed_headers,
        payload_hash,
    )
    sts = string_to_sign(stamp, scope, creq)
    sig = signature(credentials.secret_key, date, region, service, sts)
    if presigned:
        params.append(("X-Amz-Signature", sig))
        return Crafted("&".join(f"{n}={v}" for n, v in params), tuple(sent), creq, sts, sig)
    value = authorization_header(credentials.access_key, scope, signed_headers, sig)
    if separator != ", ":
        value = value.replace(", ", separator)
    sent.append(("Authorization", value))
    return Crafted(query, tuple(sent), creq, sts, sig)
