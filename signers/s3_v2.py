"""Amazon S3's legacy scheme (HMAC-SHA1, "Signature Version 2" for REST), header and query forms.

The algorithm, in the spec's words ("Signing and Authenticating REST Requests"):

1. string to sign = verb, ``Content-MD5``, ``Content-Type``, ``Date`` (the empty string when
   ``x-amz-date`` is sent; the ``Expires`` epoch seconds in the presigned form), each followed by
   a newline, then the canonicalized ``x-amz-*`` headers, then the canonicalized resource;
2. canonicalized amz headers = every ``x-amz-*`` header, name lower-cased, sorted by name, the
   values of a repeated name joined with ``,`` (no spaces), each value trimmed and unfolded, one
   ``name:value\\n`` line each;
3. canonicalized resource = ``/bucket`` when the Host names the bucket (virtual-hosted style or a
   CNAME), then the path exactly as sent (not decoded; S3 does not normalize it), then ``?`` and
   the signed sub-resources (:data:`SUB_RESOURCES` and the ``response-*`` overrides) sorted by
   name, with their decoded values, joined with ``&``;
4. signature = base64 of HMAC-SHA1 of the string to sign under the secret key, sent as
   ``Authorization: AWS <access key>:<signature>`` or, presigned, as the ``AWSAccessKeyId``,
   ``Expires`` and ``Signature`` query parameters.

Bucket addressing (option ``addressing``):

- ``"auto"`` (default): ``bucket=`` given -> the Host addresses that bucket; a host of the form
  ``<bucket>.s3.amazonaws.com``, ``<bucket>.s3.<region>.amazonaws.com``,
  ``<bucket>.s3-<region>.amazonaws.com`` (also ``.amazonaws.com.cn`` and ``s3.dualstack``) or
  ``<bucket>.<virtual_host_suffix>`` -> virtual-hosted; anything else (``s3.amazonaws.com``,
  custom endpoints, IP addresses) -> path-style, the bucket being part of the path;
- ``"virtual"``: the Host must name the bucket (through the rules above or ``bucket=``), else
  the request is refused naming ``bucket``;
- ``"path"``: always path-style;
- ``"cname"``: the whole host name is the bucket (``static.example.com`` pointing at S3).

The pure functions (:func:`canonical_amz_headers`, :func:`canonical_resource`,
:func:`string_to_sign`, :func:`bucket_from_host`, :func:`parse_authorization`) are shared with
verification and migration.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, FrozenSet, List, Optional, Sequence, Tuple

from . import _crypto
from ._core.s3_v2 import (
    ADDRESSING_MODES,
    QUERY_AUTH_PARAMETERS,
    RESPONSE_OVERRIDES,
    SUB_RESOURCES,
    S3V2Options,
    authorization_header,
    bucket_from_host,
    canonical_amz_headers,
    canonical_resource,
    compute_signature,
    host_name,
    parse_authorization,
    single_header,
    split_query_auth,
    string_to_sign,
)
from ._encoding import percent_decode, uri_encode
from ._lazy import lazy_module
from ._time import (
    epoch_seconds,
    parse_amz_date,
    request_http_date,
    request_time,
    resolve_time,
    rfc1123,
)
from .errors import AlreadySigned, InvalidOption, InvalidRequest, InvalidTime, SigningError
from .model import Artifacts, Credentials, Header, Request, SignedRequest

__all__ = [
    "S3V2Signer",
    "S3V2QuerySigner",
    "S3V2Options",
    "SUB_RESOURCES",
    "RESPONSE_OVERRIDES",
    "ADDRESSING_MODES",
    "QUERY_AUTH_PARAMETERS",
    "bucket_from_host",
    "canonical_amz_headers",
    "canonical_resource",
    "string_to_sign",
    "compute_signature",
    "authorization_header",
    "parse_authorization",
    "split_query_auth",
    "host_name",
    "single_header",
]

Pair = Tuple[str, str]

_AMZ_PREFIX = "x-amz-"
_TOKEN = "x-amz-security-token"
# Headers that send signing down the general path (a refusal, a caller's date, a Host to read).
_GENERAL_HEADERS = frozenset({"authorization", "date", "x-amz-date", "host"})
_tuple_new = tuple.__new__
_DEFAULT_EXPIRES = 3600


# -- signers -----------------------------------------------------------------------------------


_verifier = lazy_module("._verify_legacy")


# The last Expires base computed, swapped in whole: (amz date, Unix seconds).
_last_epoch: Tuple[str, int] = ("", 0)


def _epoch_of(amz: str) -> int:
    """Unix seconds of an amz date from :func:`~signers._time.request_time` (the last kept)."""
    global _last_epoch
    cached = _last_epoch
    if cached[0] == amz:
        return cached[1]
    seconds = epoch_seconds(parse_amz_date(amz))
    _last_epoch = (amz, seconds)
    return seconds


def _host_name(request: Request) -> str:
    return host_name(request, request.header("host"))


def _check_args(request: object, credentials: object) -> None:
    if not isinstance(request, Request):
        raise InvalidRequest(
            f"request: expected signers.Request, got {type(request).__name__}", field="request"
        )
    if not isinstance(credentials, Credentials):
        raise InvalidRequest(
            f"credentials: expected signers.Credentials, got {type(credentials).__name__}",
            field="credentials",
        )


def _refuse_signed(request: Request, scheme: str, refused_query: Sequence[str]) -> None:
    if request.has_header("authorization"):
        raise AlreadySigned(
            f"header 'authorization' already present; {scheme} adds it", field="authorization"
        )
    for name, _ in request.query_pairs():
        if name in refused_query:
            raise AlreadySigned(
                f"query parameter {name!r} already present; {scheme} adds it", field=name
            )


class S3V2Signer:
    """``s3-v2``: S3's legacy scheme in the ``Authorization: AWS key:signature`` header.

    Adds ``Date`` (RFC 1123, from ``at``) when the request has neither ``Date`` nor
    ``x-amz-date`` (a ``Date`` the caller set is signed as given), ``x-amz-security-token`` for
    session credentials (signed, as an ``x-amz-*`` header), and ``Authorization``.

    Options (keyword-only): ``addressing`` (``"auto"``, ``"virtual"``, ``"path"``, ``"cname"``),
    ``bucket`` (the bucket the host addresses, for custom endpoints), ``virtual_host_suffix``
    (``<bucket>.<suffix>`` hosts are virtual-hosted), ``extra_sub_resources`` (more query
    parameters to sign, for vendors' extensions).  See the module docstring.
    """

    name = "s3-v2"
    description = "S3 legacy HMAC-SHA1 (Authorization: AWS key:signature)"
    features: FrozenSet[str] = frozenset({"s3-v2:header", "session-token"})

    __slots__ = ("options",)

    def __init__(self, **options: Any) -> None:
        self.options = S3V2Options(**options)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.options!r})"

    def canonical_resource(self, request: Request) -> str:
        bucket = self.options.resolve_bucket(_host_name(request))
        return canonical_resource(
            request.path, request.query_pairs(), bucket, self.options.sub_resources
        )

    def sign(
        self,
        request: Request,
        credentials: Credentials,
        at: Optional[_dt.datetime] = None,
    ) -> SignedRequest:
        """Sign ``request``; the result carries the new headers and the artifacts."""
        if type(request) is Request and type(credentials) is Credentials:
            signed = self._sign_fast(request, credentials, at)
            if signed is not None:
                return signed
        return self._sign_general(request, credentials, at)

    def _sign_fast(
        self, request: Request, credentials: Credentials, at: Optional[_dt.datetime]
    ) -> Optional[SignedRequest]:
        # The common case, the same steps as _sign_general in one pass over the headers: no
        # Date, x-amz-date, Host or Authorization header, Content-MD5 and Content-Type at most
        # once each.  None for anything else: the general path handles it (and every refusal).
        method, url, headers, body, scheme, authority, path, query = request
        content_md5: Optional[str] = None
        content_type: Optional[str] = None
        amz_headers = False
        for name, value in headers:
            lowered = name.lower()
            if lowered == "content-type":
                if content_type is not None:
                    return None
                content_type = value.strip(" \t")  # (_trim: a Request value has no CR or LF)
            elif lowered == "content-md5":
                if content_md5 is not None:
                    return None
                content_md5 = value.strip(" \t")
            elif lowered in _GENERAL_HEADERS:
                return None
            elif lowered.startswith(_AMZ_PREFIX):
                if lowered == _TOKEN:
                    return None
                amz_headers = True
        if query and ("Signature" in query or "AWSAccessKeyId" in query):
            return None
        date = request_http_date(at)
        options = self.options
        try:
            bucket = options.resolve_bucket(authority if ":" not in authority else request.host)
        except SigningError:
            return None
        if query:
            resource = canonical_resource(
                path, request.query_pairs(), bucket, options.sub_resources
            )
        elif bucket is None:
            resource = path or "/"
        else:
            resource = "/" + bucket + (path or "/")
        token = credentials.token
        if token is None:
            amz = canonical_amz_headers(headers) if amz_headers else ""
            added: Tuple[Header, ...] = (("Date", date),)
        else:
            added = (("Date", date), (_TOKEN, token))
            amz = canonical_amz_headers(headers + added)
        sts = f"{method}\n{content_md5 or ''}\n{content_type or ''}\n{date}\n{amz}{resource}"
        signature = _crypto.hmac_base64(
            credentials.secret_key, "sha1", sts.encode("utf-8", "surrogateescape")
        )
        added += (("Authorization", f"AWS {credentials.access_key}:{signature}"),)
        return _tuple_new(
            SignedRequest,
            (
                _tuple_new(
                    Request,
                    (method, url, headers + added, body, scheme, authority, path, query),
                ),
                _tuple_new(Artifacts, (None, sts, signature, None, None, None)),
                self.name,
                added,
                (),
            ),
        )

    def _sign_general(
        self,
        request: Request,
        credentials: Credentials,
        at: Optional[_dt.datetime] = None,
    ) -> SignedRequest:
        # Every case, step by step through the pure functions.
        _check_args(request, credentials)
        time = resolve_time(at)
        _refuse_signed(request, self.name, ("Signature", "AWSAccessKeyId"))
        token = credentials.token
        if token is not None and request.has_header(_TOKEN):
            raise AlreadySigned(
                "header 'x-amz-security-token' already present; s3-v2 adds it from the "
                "credentials' session token",
                field=_TOKEN,
            )
        added: List[Header] = []
        if request.has_header("x-amz-date"):
            date = ""
        elif request.has_header("date"):
            date = single_header(request, "date")
        else:
            date = rfc1123(time)
            added.append(("Date", date))
        if token is not None:
            added.append((_TOKEN, token))
        sts = string_to_sign(
            request.method,
            single_header(request, "content-md5"),
            single_header(request, "content-type"),
            date,
            canonical_amz_headers(request.headers + tuple(added)),
            self.canonical_resource(request),
        )
        signature = compute_signature(credentials.secret_key, sts)
        added.append(("Authorization", authorization_header(credentials.access_key, signature)))
        new_headers = tuple(added)
        return SignedRequest(
            request=request._evolve(request.url, request.headers + new_headers),
            artifacts=Artifacts(canonical_request=None, string_to_sign=sts, signature=signature),
            scheme=self.name,
            added_headers=new_headers,
        )

    def verify(
        self,
        request: Request,
        credentials: Credentials,
        now: Optional[_dt.datetime] = None,
        max_skew: float = 900,
    ) -> Artifacts:
        """Verify ``Authorization: AWS key:signature`` as S3 would; the artifacts on success.

        The addressing options are the server's (they place the bucket in the resource).
        Raises a :class:`~signers.errors.VerificationError` with S3's code otherwise (see
        :mod:`signers._verify_legacy`).
        """
        return _verifier().verify(  # type: ignore[no-any-return]
            self, request, credentials, now, max_skew
        )


class S3V2QuerySigner(S3V2Signer):
    """``s3-v2-query``: an S3 presigned URL in the legacy scheme.

    Adds ``AWSAccessKeyId``, ``Expires`` (epoch seconds), ``x-amz-security-token`` for session
    credentials and ``Signature`` to the URL.  ``Expires`` takes the Date line's place in the
    string to sign; ``x-amz-*`` query parameters (the token among them) are signed as ``x-amz-*``
    headers, as S3 reads them.  Headers the request carries (``Content-Type``, ``x-amz-*``) are
    signed and must be sent by whoever uses the URL.

    Options: those of ``s3-v2`` plus ``expires`` (whole seconds after ``at``, default 3600) or
    ``expires_at`` (an aware datetime after ``at``).
    """

    name = "s3-v2-query"
    description = "S3 legacy HMAC-SHA1 presigned URL (AWSAccessKeyId, Expires, Signature)"
    features: FrozenSet[str] = frozenset({"s3-v2:query", "session-token"})

    __slots__ = ("expires", "expires_at")

    def __init__(
        self,
        *,
        expires: Optional[int] = None,
        expires_at: Optional[_dt.datetime] = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        if expires is not None and expires_at is not None:
            raise InvalidOption(
                "options 'expires' and 'expires_at' both given; use one", field="expires_at"
            )
        if expires is not None and (
            isinstance(expires, bool) or not isinstance(expires, int) or expires < 1
        ):
            raise InvalidOption(
                f"option 'expires' must be a positive number of seconds, got {expires!r}",
                field="expires",
            )
        self.expires_at = (
            None if expires_at is None else resolve_time(expires_at, field="expires_at")
        )
        if expires is None and expires_at is None:
            expires = _DEFAULT_EXPIRES
        self.expires = expires

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.options!r}, expires={self.expires!r}, "
            f"expires_at={self.expires_at!r})"
        )

    def expires_epoch(self, time: _dt.datetime) -> int:
        """``Expires`` for a request signed at ``time`` (which it must follow)."""
        if self.expires_at is not None:
            if self.expires_at <= time:
                raise InvalidTime(
                    f"option 'expires_at' {self.expires_at.isoformat()} is not after the "
                    f"signing time {time.isoformat()}",
                    field="expires_at",
                )
            return epoch_seconds(self.expires_at)
        assert self.expires is not None
        return epoch_seconds(time) + self.expires

    def sign(
        self,
        request: Request,
        credentials: Credentials,
        at: Optional[_dt.datetime] = None,
    ) -> SignedRequest:
        """Presign ``request``: the result's ``url`` carries the signature."""
        if (
            type(request) is Request
            and type(credentials) is Credentials
            and self.expires_at is None
        ):
            signed = self._presign_fast(request, credentials, at)
            if signed is not None:
                return signed
        return self._sign_general(request, credentials, at)

    def _presign_fast(
        self, request: Request, credentials: Credentials, at: Optional[_dt.datetime]
    ) -> Optional[SignedRequest]:
        # The common case, the same steps as _sign_general in one pass over the headers: no
        # Host or Authorization header, Content-MD5 and Content-Type at most once each, no
        # parameter the scheme adds or reads (x-amz-*) in the query.  None for anything else.
        method, url, headers, body, scheme, authority, path, query = request
        content_md5: Optional[str] = None
        content_type: Optional[str] = None
        amz_headers = False
        for name, value in headers:
            lowered = name.lower()
            if lowered == "content-type":
                if content_type is not None:
                    return None
                content_type = value.strip(" \t")  # (_trim: a Request value has no CR or LF)
            elif lowered == "content-md5":
                if content_md5 is not None:
                    return None
                content_md5 = value.strip(" \t")
            elif lowered == "authorization" or lowered == "host":
                return None
            elif lowered.startswith(_AMZ_PREFIX):
                if lowered == _TOKEN:
                    return None
                amz_headers = True
        if query and (
            "Signature" in query
            or "AWSAccessKeyId" in query
            or "Expires" in query
            or _AMZ_PREFIX in query.lower()
        ):
            return None
        assert self.expires is not None
        expires = str(_epoch_of(request_time(at)[0]) + self.expires)
        options = self.options
        try:
            bucket = options.resolve_bucket(authority if ":" not in authority else request.host)
        except SigningError:
            return None
        if query:
            resource = canonical_resource(
                path, request.query_pairs(), bucket, options.sub_resources
            )
        elif bucket is None:
            resource = path or "/"
        else:
            resource = "/" + bucket + (path or "/")
        token = credentials.token
        if token is None:
            amz = canonical_amz_headers(headers) if amz_headers else ""
        else:
            amz = canonical_amz_headers((*headers, (_TOKEN, token)))
        sts = f"{method}\n{content_md5 or ''}\n{content_type or ''}\n{expires}\n{amz}{resource}"
        signature = _crypto.hmac_base64(
            credentials.secret_key, "sha1", sts.encode("utf-8", "surrogateescape")
        )
        access_key = credentials.access_key
        if token is None:
            added: Tuple[Pair, ...] = (
                ("AWSAccessKeyId", access_key),
                ("Expires", expires),
                ("Signature", signature),
            )
            extra = f"AWSAccessKeyId={uri_encode(access_key)}&Expires={expires}&Signature="
        else:
            added = (
                ("AWSAccessKeyId", access_key),
                ("Expires", expires),
                (_TOKEN, token),
                ("Signature", signature),
            )
            extra = (
                f"AWSAccessKeyId={uri_encode(access_key)}&Expires={expires}"
                f"&{_TOKEN}={uri_encode(token)}&Signature="
            )
        extra += signature.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
        if query:
            new_url, new_query = url + "&" + extra, query + "&" + extra
        else:
            new_url = url + extra if url.endswith("?") else url + "?" + extra
            new_query = extra
        return _tuple_new(
            SignedRequest,
            (
                _tuple_new(
                    Request,
                    (method, new_url, headers, body, scheme, authority, path, new_query),
                ),
                _tuple_new(Artifacts, (None, sts, signature, None, None, None)),
                self.name,
                (),
                added,
            ),
        )

    def _sign_general(
        self,
        request: Request,
        credentials: Credentials,
        at: Optional[_dt.datetime] = None,
    ) -> SignedRequest:
        # Every case, step by step through the pure functions.
        _check_args(request, credentials)
        time = resolve_time(at)
        _refuse_signed(request, self.name, ("Signature", "AWSAccessKeyId", "Expires"))
        query_pairs = request.query_pairs()
        token = credentials.token
        if token is not None and (
            request.has_header(_TOKEN) or any(n.lower() == _TOKEN for n, _ in query_pairs)
        ):
            raise AlreadySigned(
                "x-amz-security-token already present; s3-v2-query adds it from the "
                "credentials' session token",
                field=_TOKEN,
            )
        expires = str(self.expires_epoch(time))
        # x-amz-* query parameters count as x-amz-* headers (that is how S3 reads the token).
        amz_query = [
            (n, percent_decode(v).decode("utf-8", "surrogateescape"))
            for n, v in query_pairs
            if n.lower().startswith(_AMZ_PREFIX)
        ]
        if token is not None:
            amz_query.append((_TOKEN, token))
        sts = string_to_sign(
            request.method,
            single_header(request, "content-md5"),
            single_header(request, "content-type"),
            expires,
            canonical_amz_headers(list(request.headers) + amz_query),
            self.canonical_resource(request),
        )
        signature = compute_signature(credentials.secret_key, sts)
        added: List[Pair] = [("AWSAccessKeyId", credentials.access_key), ("Expires", expires)]
        if token is not None:
            added.append((_TOKEN, token))
        added.append(("Signature", signature))
        extra = "&".join([n + "=" + uri_encode(v) for n, v in added])
        url = request.url
        if not request.query:
            url = url + extra if url.endswith("?") else url + "?" + extra
        else:
            url = url + "&" + extra
        return SignedRequest(
            request=request._evolve(url, request.headers),
            artifacts=Artifacts(canonical_request=None, string_to_sign=sts, signature=signature),
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
        """Verify a presigned URL as S3 would (expiry, key, token, signature).

        ``max_skew`` is accepted for the common signature and unused: a presigned URL carries no
        request time, only ``Expires``.  The ``expires`` options play no part.
        """
        return _verifier().verify(  # type: ignore[no-any-return]
            self, request, credentials, now, max_skew
        )
