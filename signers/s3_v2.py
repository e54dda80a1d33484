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

One signer, :class:`S3V2Signer`, covers both placements of the signature: ``placement="header"``
(``s3-v2``) and ``placement="query"``, a presigned URL (``s3-v2-query``; :func:`S3V2QuerySigner`).
The pure functions (:func:`canonical_amz_headers`, :func:`canonical_resource`,
:func:`canonical_resource_of`, :func:`string_to_sign`, :func:`bucket_from_host`,
:func:`parse_authorization`) live in :mod:`signers._core.s3_v2` and are shared with verification
and migration.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, FrozenSet, List, Optional, Tuple

from . import _crypto
from ._arguments import check_arguments
from ._core import s3_v2 as _core
from ._core.s3_v2 import *  # noqa: F403  (the scheme's public stages and options, re-exported)
from ._core.s3_v2 import (
    S3V2Options,
    amz_query_pairs,
    authorization_header,
    canonical_amz_headers,
    canonical_resource,
    canonical_resource_of,
    compute_signature,
    single_header,
    string_to_sign,
)
from ._encoding import uri_encode
from ._signer_base import ByPlacement, LegacySigner, OnePass, Preset
from ._time import (
    epoch_seconds,
    keep_last,
    parse_amz_date,
    request_http_date,
    request_time,
    resolve_time,
    rfc1123,
)
from .errors import AlreadySigned, InvalidOption, InvalidTime, SigningError
from .model import Artifacts, Credentials, Header, Request, SignedRequest

__all__ = ["S3V2Signer", "S3V2QuerySigner", *_core.__all__]

Pair = Tuple[str, str]

_AMZ_PREFIX = "x-amz-"
_TOKEN = "x-amz-security-token"
# Headers that send signing down the general path (a refusal, a caller's date, a Host to read);
# the presigned form signs no date, so a Date header is only sent along.
_HEADER_GENERAL = frozenset({"authorization", "date", "x-amz-date", "host"})
_QUERY_GENERAL = frozenset({"authorization", "host"})
_HEADER_REFUSED = ("Signature", "AWSAccessKeyId")
_QUERY_REFUSED = ("Signature", "AWSAccessKeyId", "Expires")
_tuple_new = tuple.__new__

_DESCRIPTIONS = (
    "S3 legacy HMAC-SHA1 (Authorization: AWS key:signature)",
    "S3 legacy HMAC-SHA1 presigned URL (AWSAccessKeyId, Expires, Signature)",
)
_FEATURE_SETS = (
    frozenset({"s3-v2:header", "session-token"}),
    frozenset({"s3-v2:query", "session-token"}),
)


# -- the signer --------------------------------------------------------------------------------


class S3V2Signer(LegacySigner):
    """``s3-v2`` (``placement="header"``) and ``s3-v2-query`` (``placement="query"``).

    Header form: adds ``Date`` (RFC 1123, from ``at``) when the request has neither ``Date`` nor
    ``x-amz-date`` (a ``Date`` the caller set is signed as given), ``x-amz-security-token`` for
    session credentials (signed, as an ``x-amz-*`` header), and ``Authorization``.

    Presigned form: adds ``AWSAccessKeyId``, ``Expires`` (epoch seconds),
    ``x-amz-security-token`` for session credentials and ``Signature`` to the URL.  ``Expires``
    takes the Date line's place in the string to sign; ``x-amz-*`` query parameters (the token
    among them) are signed as ``x-amz-*`` headers, as S3 reads them.  Headers the request carries
    (``Content-Type``, ``x-amz-*``) are signed and must be sent by whoever uses the URL.

    Options (keyword-only): ``addressing`` (``"auto"``, ``"virtual"``, ``"path"``, ``"cname"``),
    ``bucket`` (the bucket the host addresses, for custom endpoints), ``virtual_host_suffix``
    (``<bucket>.<suffix>`` hosts are virtual-hosted), ``extra_sub_resources`` (more query
    parameters to sign, for vendors' extensions), ``placement`` (``"header"``, the default, or
    ``"query"``) and, presigned, ``expires`` (whole seconds after ``at``, default 3600) or
    ``expires_at`` (an aware datetime after ``at``).  See the module docstring.

    ``verify()`` checks as S3 does: the header form's date within ``max_skew``, or the presigned
    form's expiry (``max_skew`` unused: a presigned URL carries no request time, and the
    ``expires`` options play no part); then the access key, the session token and the signature.
    The addressing options are the server's (they place the bucket in the resource).
    Immutable once built; safe to share between threads.
    """

    OPTIONS = S3V2Options
    NAMES = ("s3-v2", "s3-v2-query")
    name = ByPlacement(*NAMES)
    description = ByPlacement(*_DESCRIPTIONS)
    features: ByPlacement[FrozenSet[str]] = ByPlacement(*_FEATURE_SETS)

    __slots__ = ()
    options: S3V2Options

    @property
    def expires(self) -> Optional[int]:
        """A presigned URL's lifetime in seconds (``None`` with ``expires_at`` or in the header
        form)."""
        return self.options.expires

    @property
    def expires_at(self) -> Optional[_dt.datetime]:
        """A presigned URL's absolute expiry, when given."""
        return self.options.expires_at

    def canonical_resource(self, request: Request) -> str:
        """The canonicalized resource of ``request`` under this signer's addressing options."""
        return canonical_resource_of(self.options, request, request.header("host"))

    def expires_epoch(self, time: _dt.datetime) -> int:
        """``Expires`` for a request presigned at ``time`` (which it must follow)."""
        if self.options.placement != "query":
            raise InvalidOption(
                "expires_epoch: this signer signs in the Authorization header; use "
                "placement='query' (get_signer('s3-v2-query', ...))",
                field="placement",
            )
        return _expires_epoch(self.options, time)

    def _one_pass(self) -> Optional[OnePass]:
        # (a presigned URL with an absolute expiry: the general path)
        return _sign_one_pass if self.options.expires_at is None else None

    def _sign_general(
        self, request: Request, credentials: Credentials, at: Optional[_dt.datetime] = None
    ) -> SignedRequest:
        return _sign_steps(self._scheme, self.options, request, credentials, at)


#: ``s3-v2-query``: an S3 presigned URL in the legacy scheme, ``S3V2Signer(placement="query",
#: ...)``: the ``s3-v2`` options plus ``expires`` or ``expires_at``.
S3V2QuerySigner: Preset[S3V2Signer] = Preset(
    S3V2Signer, "s3-v2-query", _DESCRIPTIONS[1], placement="query"
)


def _expires_epoch(opts: S3V2Options, time: _dt.datetime) -> int:
    expires_at = opts.expires_at
    if expires_at is not None:
        if expires_at <= time:
            raise InvalidTime(
                f"option 'expires_at' {expires_at.isoformat()} is not after the "
                f"signing time {time.isoformat()}",
                field="expires_at",
            )
        return epoch_seconds(expires_at)
    assert opts.expires is not None
    return epoch_seconds(time) + opts.expires


# -- every case, step by step through the pure functions -----------------------------------------


def _refuse_signed(request: Request, scheme: str, presign: bool, token: Optional[str]) -> None:
    """Refuse what signing would add (and a session token, when the credentials carry one)."""
    if request.has_header("authorization"):
        raise AlreadySigned(
            f"header 'authorization' already present; {scheme} adds it", field="authorization"
        )
    query_pairs = request.query_pairs()
    refused = _QUERY_REFUSED if presign else _HEADER_REFUSED
    for name, _ in query_pairs:
        if name in refused:
            raise AlreadySigned(
                f"query parameter {name!r} already present; {scheme} adds it", field=name
            )
    if token is not None and (
        request.has_header(_TOKEN) or (presign and any(n.lower() == _TOKEN for n, _ in query_pairs))
    ):
        what = "x-amz-security-token" if presign else "header 'x-amz-security-token'"
        raise AlreadySigned(
            f"{what} already present; {scheme} adds it from the credentials' session token",
            field=_TOKEN,
        )


def _sign_steps(
    scheme: str, opts: S3V2Options, request: Request, credentials: Credentials, at: Any
) -> SignedRequest:
    credentials = check_arguments(request, credentials)
    time = resolve_time(at)
    token = credentials.token
    presign = opts.placement == "query"
    _refuse_signed(request, scheme, presign, token)
    added: List[Header] = []  # (the header form's new headers)
    if presign:
        date = str(_expires_epoch(opts, time))
        # x-amz-* query parameters count as x-amz-* headers (that is how S3 reads the token).
        amz_pairs = [*request.headers, *amz_query_pairs(request)]
    else:
        if request.has_header("x-amz-date"):
            date = ""
        elif request.has_header("date"):
            date = single_header(request, "date")
        else:
            date = rfc1123(time)
            added.append(("Date", date))
        amz_pairs = [*request.headers, *added]
    if token is not None:
        amz_pairs.append((_TOKEN, token))
        added.append((_TOKEN, token))
    sts = string_to_sign(
        request.method,
        single_header(request, "content-md5"),
        single_header(request, "content-type"),
        date,
        canonical_amz_headers(amz_pairs),
        canonical_resource_of(opts, request, request.header("host")),
    )
    if presign:
        return _presigned(scheme, request, credentials, date, sts)
    signature = compute_signature(credentials.secret_key, sts)
    added.append(("Authorization", authorization_header(credentials.access_key, signature)))
    new_headers = tuple(added)
    return SignedRequest(
        request=request._evolve(request.url, request.headers + new_headers),
        artifacts=Artifacts(canonical_request=None, string_to_sign=sts, signature=signature),
        scheme=scheme,
        added_headers=new_headers,
    )


def _presigned(
    scheme: str, request: Request, credentials: Credentials, expires: str, sts: str
) -> SignedRequest:
    """The presigned request: the URL with ``AWSAccessKeyId``, ``Expires``, the session token
    and ``Signature`` added (both paths end here)."""
    signature = _crypto.hmac_base64(
        credentials.secret_key, "sha1", sts.encode("utf-8", "surrogateescape")
    )
    access_key, token = credentials.access_key, credentials.token
    # (encode_base64 written out, a call less: this path is measured; Expires is digits)
    encoded = signature.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    if token is None:
        added: Tuple[Pair, ...] = (
            ("AWSAccessKeyId", access_key),
            ("Expires", expires),
            ("Signature", signature),
        )
        extra = f"AWSAccessKeyId={uri_encode(access_key)}&Expires={expires}&Signature={encoded}"
    else:
        added = (
            ("AWSAccessKeyId", access_key),
            ("Expires", expires),
            (_TOKEN, token),
            ("Signature", signature),
        )
        extra = (
            f"AWSAccessKeyId={uri_encode(access_key)}&Expires={expires}"
            f"&{_TOKEN}={uri_encode(token)}&Signature={encoded}"
        )
    method, url, headers, body, url_scheme, authority, path, query = request
    if query:
        url, query = url + "&" + extra, query + "&" + extra
    else:
        url, query = (url if url.endswith("?") else url + "?") + extra, extra
    return _tuple_new(
        SignedRequest,
        (
            _tuple_new(Request, (method, url, headers, body, url_scheme, authority, path, query)),
            _tuple_new(Artifacts, (None, sts, signature, None, None, None)),
            scheme,
            (),
            added,
        ),
    )


# -- the common case in one pass ------------------------------------------------------------------
#
# The same steps as the general path, in one pass over the headers, for a request that needs no
# refusal, no caller's date (header form) or Host header, Content-MD5 and Content-Type at most once
# each, no session token header and (presigned) no x-amz-* query parameter; None for anything
# else (the general path handles it, every refusal too).


# Unix seconds of an amz date from request_time (the base of Expires), the last one kept.
_epoch_of = keep_last(lambda amz: epoch_seconds(parse_amz_date(amz)))


def _sign_one_pass(
    scheme: str, opts: S3V2Options, request: Request, credentials: Credentials, at: Any
) -> Optional[SignedRequest]:
    method, url, headers, body, url_scheme, authority, path, query = request
    presign = opts.placement == "query"
    if query and (
        "Signature" in query
        or "AWSAccessKeyId" in query
        or (presign and ("Expires" in query or _AMZ_PREFIX in query.lower()))
    ):
        return None  # (a refusal, or x-amz-* parameters to sign as headers)
    general = _QUERY_GENERAL if presign else _HEADER_GENERAL
    content_md5: Optional[str] = None
    content_type: Optional[str] = None
    amz_headers = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == "content-type":
            if content_type is not None:
                return None
            content_type = value.strip(" \t")  # (trim: a Request value has no CR or LF)
        elif lowered == "content-md5":
            if content_md5 is not None:
                return None
            content_md5 = value.strip(" \t")
        elif lowered in general:
            return None
        elif lowered.startswith(_AMZ_PREFIX):
            if lowered == _TOKEN:
                return None
            amz_headers = True
    # canonical_resource_of(opts, request, None) written out (a call less: this path is measured)
    try:
        bucket = opts.resolve_bucket(authority if ":" not in authority else request.host)
    except SigningError:
        return None
    if query:
        resource = canonical_resource(path, request.query_pairs(), bucket, opts.sub_resources)
    else:
        resource = (path or "/") if bucket is None else "/" + bucket + (path or "/")
    token = credentials.token
    if presign:
        assert opts.expires is not None
        date = str(_epoch_of(request_time(at)[0]) + opts.expires)
        added: Tuple[Header, ...] = () if token is None else ((_TOKEN, token),)
    else:
        date = request_http_date(at)
        added = (("Date", date),) if token is None else (("Date", date), (_TOKEN, token))
    if token is not None:
        amz = canonical_amz_headers(headers + added)
    else:
        amz = canonical_amz_headers(headers) if amz_headers else ""
    sts = string_to_sign(method, content_md5 or "", content_type or "", date, amz, resource)
    if presign:
        return _presigned(scheme, request, credentials, date, sts)
    signature = _crypto.hmac_base64(
        credentials.secret_key, "sha1", sts.encode("utf-8", "surrogateescape")
    )
    added += (("Authorization", f"AWS {credentials.access_key}:{signature}"),)
    # (the result built as sigv4's one-pass path builds it: this path is measured)
    return _tuple_new(
        SignedRequest,
        (
            _tuple_new(
                Request, (method, url, headers + added, body, url_scheme, authority, path, query)
            ),
            _tuple_new(Artifacts, (None, sts, signature, None, None, None)),
            scheme,
            added,
            (),
        ),
    )
