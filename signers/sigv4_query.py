"""AWS Signature Version 4, presigned-URL (query string) form.

Same canonical request as the header form (:mod:`signers.sigv4`), except that the authentication
parameters travel in the query and are themselves part of the canonical query string:
``X-Amz-Algorithm``, ``X-Amz-Credential``, ``X-Amz-Date``, ``X-Amz-SignedHeaders``,
``X-Amz-Expires`` (1 ... 604800 s) and, with a session token, ``X-Amz-Security-Token``; the
signature is appended last as ``X-Amz-Signature``.  No header is added.  S3 presigned URLs sign
``UNSIGNED-PAYLOAD``; other services hash the (usually empty) body.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, FrozenSet, List, Optional

from . import _crypto
from ._encoding import canonical_headers, canonical_query, uri_encode
from ._time import amz_date, resolve_time, short_date
from .errors import AlreadySigned, InvalidRequest
from .model import Artifacts, Credentials, Header, Request, SignedRequest
from .options import DEFAULT_EXPIRES, check_expires
from .sigv4 import (
    ALGORITHM,
    UNSIGNED_PAYLOAD_VALUE,
    SigV4Signer,
    canonical_request,
    credential_scope,
    headers_to_sign,
    payload_hash,
    refuse_signed,
    string_to_sign,
)

__all__ = ["SigV4QuerySigner", "s3v4_query"]

_QUERY_PARAMS = (
    "x-amz-algorithm",
    "x-amz-date",
    "x-amz-signedheaders",
    "x-amz-expires",
)


class SigV4QuerySigner(SigV4Signer):
    """``sigv4-query``: a presigned URL.  The SigV4 options plus ``expires`` (seconds)."""

    name = "sigv4-query"
    description = "SigV4 presigned URL (X-Amz-* query parameters)"
    features: FrozenSet[str] = frozenset(
        {
            "sigv4:query",
            "normalize-path",
            "no-normalize-path",
            "sign-body",
            "session-token",
            "session-token-unsigned",
        }
    )

    __slots__ = ("expires",)

    def __init__(self, *, expires: int = DEFAULT_EXPIRES, **options: Any) -> None:
        super().__init__(**options)
        self.expires = check_expires(expires)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.options!r}, expires={self.expires})"

    def sign(
        self,
        request: Request,
        credentials: Credentials,
        at: Optional[_dt.datetime] = None,
    ) -> SignedRequest:
        """Presign ``request``: the result's ``url`` carries the signature."""
        if not isinstance(request, Request):
            raise InvalidRequest(
                f"request: expected signers.Request, got {type(request).__name__}", field="request"
            )
        if not isinstance(credentials, Credentials):
            raise InvalidRequest(
                f"credentials: expected signers.Credentials, got {type(credentials).__name__}",
                field="credentials",
            )
        time = resolve_time(at)
        opts = self.options
        refuse_signed(request, self.name, extra_query=_QUERY_PARAMS)
        token = credentials.token
        if token is not None and any(
            n.lower() == "x-amz-security-token" for n, _ in request.query_pairs()
        ):
            raise AlreadySigned(
                "query parameter 'X-Amz-Security-Token' already present; sigv4-query adds it "
                "from the credentials' session token",
                field="X-Amz-Security-Token",
            )
        if opts.s3:
            declared = request.header("x-amz-content-sha256")
            body_hash = declared.strip() if declared is not None else UNSIGNED_PAYLOAD_VALUE
        else:
            body_hash = payload_hash(request, header_value=request.header("x-amz-content-sha256"))
        date = short_date(time)
        request_time = amz_date(time)
        scope = credential_scope(date, opts.region, opts.service)
        block, signed = canonical_headers(headers_to_sign(request), opts.unsigned_headers)
        added: List[Header] = [
            ("X-Amz-Algorithm", ALGORITHM),
            ("X-Amz-Credential", f"{credentials.access_key}/{scope}"),
            ("X-Amz-Date", request_time),
            ("X-Amz-SignedHeaders", signed),
            ("X-Amz-Expires", str(self.expires)),
        ]
        if token is not None and opts.session_token == "signed":
            added.append(("X-Amz-Security-Token", token))
        encoded = [(n, uri_encode(v)) for n, v in added]
        creq = canonical_request(
            request.method,
            self.canonical_uri(request),
            canonical_query(request.query_pairs() + encoded),
            block,
            signed,
            body_hash,
        )
        sts = string_to_sign(request_time, scope, creq)
        key = _crypto.derive_signing_key(credentials.secret_key, date, opts.region, opts.service)
        signature = _crypto.hmac_sha256_hex(key, sts.encode("utf-8"))
        if token is not None and opts.session_token == "unsigned":
            added.append(("X-Amz-Security-Token", token))
            encoded.append(("X-Amz-Security-Token", uri_encode(token)))
        added.append(("X-Amz-Signature", signature))
        encoded.append(("X-Amz-Signature", signature))
        url = request.url
        extra = "&".join([n + "=" + v for n, v in encoded])
        if not request.query:
            url = url + extra if url.endswith("?") else url + "?" + extra
        else:
            url = url + "&" + extra
        artifacts = Artifacts(
            canonical_request=creq,
            string_to_sign=sts,
            signature=signature,
            credential_scope=scope,
            signed_headers=signed,
            payload_hash=body_hash,
        )
        return SignedRequest(
            request=request._evolve(url, request.headers),
            artifacts=artifacts,
            scheme=self.name,
            added_query=tuple(added),
        )

    def verify(
        self,
        request: Request,
        credentials: Credentials,
        now: Optional[_dt.datetime] = None,
        max_skew: float = 900,
    ) -> Artifacts:
        """Verify a presigned URL, as the server would (expiry, skew, scope, signature)."""
        from ._verify_sigv4 import verify_query

        return verify_query(self, request, credentials, now=now, max_skew=max_skew)


def s3v4_query(**options: Any) -> SigV4QuerySigner:
    """``s3v4-query``: botocore's name for a SigV4 presigned URL with the S3 preset."""
    options.setdefault("s3", True)
    options.setdefault("service", "s3")
    return SigV4QuerySigner(**options)


s3v4_query.name = "sigv4-query"  # type: ignore[attr-defined]
s3v4_query.description = "sigv4-query with the S3 preset (s3=True)"  # type: ignore[attr-defined]
s3v4_query.features = SigV4QuerySigner.features  # type: ignore[attr-defined]
