"""AWS Signature Version 2, query-API form (EC2, SQS, SimpleDB, ELB and friends).

The algorithm, in the spec's words:

1. parameters = the request's own (URL query, and a form-encoded body) plus ``AWSAccessKeyId``,
   ``SignatureVersion=2``, ``SignatureMethod`` (``HmacSHA256`` or ``HmacSHA1``), ``Timestamp``
   (``YYYY-MM-DDTHH:MM:SSZ``) or ``Expires``, and ``SecurityToken`` for session credentials;
2. canonical query = the parameters sorted by name in natural byte order (UTF-8), each name and
   value percent-encoded per RFC 3986 (``A-Z a-z 0-9 - _ . ~`` kept, space as ``%20``, upper-case
   hex), joined as ``name=value`` with ``&``;
3. string to sign = method, lower-cased host (with a non-default port), path (``/`` when empty)
   and the canonical query, joined by newlines;
4. signature = base64 of the HMAC of the string to sign under the secret key, sent as the
   ``Signature`` parameter next to the others (URL query for GET, form body for POST).

Repeated names: the sort is stable, so values of one name keep the order in which they were sent
(URL query first, then the body).  Incoming parameters are read as
``application/x-www-form-urlencoded`` -- the query protocol's encoding -- so ``+`` is a space; write
``%2B`` for a plus.  The signed request carries the parameters re-encoded in canonical form, so
what the server decodes is exactly what was signed.

The pure functions (:func:`parse_params`, :func:`canonical_query_v2`, :func:`string_to_sign`,
:func:`split_sigv2_params`) have no clock, no HMAC and no I/O; they live in
:mod:`signers._core.sigv2` and are shared with verification and migration.
"""

from __future__ import annotations

import datetime as _dt
from operator import itemgetter
from typing import Any, FrozenSet, List, Optional, Sequence, Tuple, Union

from . import _crypto
from ._arguments import check_arguments
from ._core import sigv2 as _core
from ._core.sigv2 import *  # noqa: F403  (the scheme's public stages and options, re-exported)
from ._core.sigv2 import (
    FORM_CONTENT_TYPE,
    SIGNATURE_METHODS,
    SigV2Options,
    canonical_query_v2,
    compute_signature,
    encode_base64,
    encode_params,
    is_form,
    name_key,
    read_query,
    request_host,
    request_params,
    string_to_sign,
    string_to_sign_from,
)
from ._encoding import uri_encode
from ._signer_base import LegacySigner, OnePass
from ._time import iso8601, keep_last, parse_iso8601, request_time, resolve_time
from .errors import AlreadySigned, InvalidOption, InvalidRequest, InvalidTime
from .model import Artifacts, Credentials, Header, Request, SignedRequest

__all__ = ["SigV2Signer", *_core.__all__]

Pair = Tuple[str, str]

# Parameters the signer adds from the credentials and options: a request that already carries one
# is ambiguous (which key? which method?) and is refused.  ``Timestamp`` and ``Expires`` given by
# the caller are honoured instead: they are the caller's choice of time window.
_REFUSED_PARAMS = ("Signature", "AWSAccessKeyId", "SignatureVersion", "SignatureMethod")

# Headers that send signing down the general path (a refusal, a form body, a Host to read).
_GENERAL_HEADERS = frozenset({"authorization", "content-type", "host"})
_first = itemgetter(0)
_tuple_new = tuple.__new__


# -- the signer --------------------------------------------------------------------------------


class SigV2Signer(LegacySigner):
    """``sigv2``: Signature Version 2 for query APIs.

    Options (keyword-only):

    - ``signature_method``: ``"HmacSHA256"`` (default) or ``"HmacSHA1"``;
    - ``placement``: where the parameters go.  ``None`` (default) chooses: a POST whose
      Content-Type is ``application/x-www-form-urlencoded``, or a POST with neither body nor
      Content-Type, puts them in the form body; everything else in the URL query.  ``"query"`` or
      ``"body"`` forces one;
    - ``expires``: send ``Expires`` instead of ``Timestamp``: whole seconds after ``at``, or an
      aware datetime.  An ``Expires`` (or ``Timestamp``) the caller already put among the
      parameters is honoured as given; an ``Expires`` at or before ``at`` is an error.

    A request that already carries ``Signature``, ``AWSAccessKeyId``, ``SignatureVersion``,
    ``SignatureMethod`` or an ``Authorization`` header is refused.

    The result's ``added_query`` lists the parameters signing added, ``Signature`` last, wherever
    they went (URL query or form body); a ``Content-Length`` header is updated to the new body.

    ``verify()`` checks as the query services do: every parameter sent (URL query and form body,
    less ``Signature``) is signed, both ``SignatureMethod`` values are accepted, and no option of
    the signer plays a part.  Immutable once built; safe to share between threads.
    """

    OPTIONS = SigV2Options
    name = "sigv2"
    description = "Signature Version 2 for query APIs (HmacSHA256/HmacSHA1; GET query or POST form)"
    features: FrozenSet[str] = frozenset({"sigv2:query", "session-token"})

    __slots__ = ()
    options: SigV2Options

    @property
    def signature_method(self) -> str:
        return self.options.signature_method

    @property
    def placement(self) -> Optional[str]:
        return self.options.placement

    @property
    def expires(self) -> Union[int, _dt.datetime, None]:
        return self.options.expires

    def choose_placement(self, request: Request) -> str:
        """``"query"`` or ``"body"`` for ``request`` (see the class docstring)."""
        if self.options.placement is not None:
            return self.options.placement
        if request.method.upper() != "POST":
            return "query"
        if is_form(request):
            return "body"
        if request.header("content-type") is None:
            if request.body == b"":
                return "body"
            raise InvalidRequest(
                "header 'Content-Type': a POST body without Content-Type; set "
                f"'{FORM_CONTENT_TYPE}' or choose placement='query'",
                field="Content-Type",
            )
        return "query"

    def _one_pass(self) -> Optional[OnePass]:
        return _sign_query if self.options.expires is None else None

    def _sign_general(
        self, request: Request, credentials: Credentials, at: Optional[_dt.datetime] = None
    ) -> SignedRequest:
        credentials = check_arguments(request, credentials)
        time = resolve_time(at)
        if request.has_header("authorization"):
            raise AlreadySigned(
                "header 'authorization' already present; sigv2 signs with query parameters",
                field="authorization",
            )
        placement = self.choose_placement(request)
        return _sign_steps(self.options, placement, request, credentials, time)


# -- every case, step by step through the pure functions -----------------------------------------


def _check_body_placement(request: Request) -> None:
    content_type = request.header("content-type")
    if content_type is not None and not is_form(request):
        raise InvalidRequest(
            f"header 'Content-Type' is {content_type!r}; sigv2 puts the parameters in the "
            f"body, which must be '{FORM_CONTENT_TYPE}' (or choose placement='query')",
            field="Content-Type",
        )
    request_params(request)  # a form body must be UTF-8 bytes


def _refuse_signed(params: Sequence[Pair], credentials: Credentials) -> None:
    for name, _ in params:
        if name in _REFUSED_PARAMS:
            raise AlreadySigned(f"parameter {name!r} already present; sigv2 adds it", field=name)
        if name == "SecurityToken" and credentials.token is not None:
            raise AlreadySigned(
                "parameter 'SecurityToken' already present; sigv2 adds it from the "
                "credentials' session token",
                field="SecurityToken",
            )


def _time_params(opts: SigV2Options, params: Sequence[Pair], time: _dt.datetime) -> List[Pair]:
    given = {n for n, _ in params if n in ("Timestamp", "Expires")}
    if len(given) == 2:
        raise InvalidRequest(
            "parameters 'Timestamp' and 'Expires' are both present; give only one",
            field="Expires",
        )
    expires = opts.expires
    if "Expires" in given:
        if expires is not None:
            raise InvalidOption(
                "option 'expires' given but the request already has an 'Expires' parameter",
                field="expires",
            )
        value = next(v for n, v in params if n == "Expires")
        if parse_iso8601(value, field="Expires") <= time:
            raise InvalidTime(
                f"parameter 'Expires' {value!r} is not after the signing time {iso8601(time)}",
                field="Expires",
            )
        return []
    if "Timestamp" in given:
        if expires is not None:
            raise InvalidOption(
                "option 'expires' given but the request already has a 'Timestamp' parameter",
                field="expires",
            )
        return []
    if expires is None:
        return [("Timestamp", iso8601(time))]
    if isinstance(expires, int):
        return [("Expires", iso8601(time + _dt.timedelta(seconds=expires)))]
    if expires <= time:
        raise InvalidTime(
            f"option 'expires' {iso8601(expires)} is not after the signing time {iso8601(time)}",
            field="expires",
        )
    return [("Expires", iso8601(expires))]


def _sign_steps(
    opts: SigV2Options,
    placement: str,
    request: Request,
    credentials: Credentials,
    time: _dt.datetime,
) -> SignedRequest:
    if placement == "body":
        _check_body_placement(request)
    query_params, body_params = request_params(request)
    existing = query_params + body_params
    _refuse_signed(existing, credentials)
    added: List[Pair] = [
        ("AWSAccessKeyId", credentials.access_key),
        ("SignatureVersion", "2"),
        ("SignatureMethod", opts.signature_method),
    ]
    added += _time_params(opts, existing, time)
    if credentials.token is not None:
        added.append(("SecurityToken", credentials.token))
    sts = string_to_sign(request.method, request_host(request), request.path, existing + added)
    signature = compute_signature(credentials.secret_key, sts, opts.signature_method)
    signed_pair = ("Signature", signature)
    added_headers: Tuple[Header, ...] = ()
    if placement == "query":
        query = canonical_query_v2(query_params + added) + "&" + encode_params([signed_pair])
        new_request = request._evolve(request.url.partition("?")[0] + "?" + query, request.headers)
    else:
        body = (
            canonical_query_v2(body_params + added) + "&" + encode_params([signed_pair])
        ).encode("ascii")
        if request.header("content-type") is None:
            added_headers = (("Content-Type", FORM_CONTENT_TYPE),)
        new_request = request.replace(
            headers=_with_length(request.headers, len(body)) + added_headers, body=body
        )
    return SignedRequest(
        request=new_request,
        artifacts=Artifacts(canonical_request=None, string_to_sign=sts, signature=signature),
        scheme="sigv2",
        added_headers=added_headers,
        added_query=(*added, signed_pair),
    )


def _with_length(headers: Sequence[Header], length: int) -> Tuple[Header, ...]:
    """``headers`` with a ``Content-Length`` header set to ``length``."""
    return tuple(
        (name, str(length) if name.lower() == "content-length" else value)
        for name, value in headers
    )


# -- the common case in one pass ------------------------------------------------------------------


# SigV2's Timestamp (YYYY-MM-DDTHH:MM:SSZ) of an amz date from request_time, and its encoded form;
# the last one kept.
_timestamp = keep_last(
    lambda amz: (
        f"{amz[0:4]}-{amz[4:6]}-{amz[6:8]}T{amz[9:11]}:{amz[11:13]}:{amz[13:15]}Z",
        f"{amz[0:4]}-{amz[4:6]}-{amz[6:8]}T{amz[9:11]}%3A{amz[11:13]}%3A{amz[13:15]}Z",
    )
)


def _sign_query(
    scheme: str, opts: SigV2Options, request: Request, credentials: Credentials, at: Any
) -> Optional[SignedRequest]:
    """:meth:`SigV2Signer._sign_general` of the common case in one pass: parameters in the URL
    query, a Timestamp, and neither Host, Content-Type nor Authorization header.  The string to
    sign and the new URL share one canonical query (there is no form body).  ``None`` for
    anything else: the general path handles it (and every refusal)."""
    method, url, headers, body, url_scheme, authority, path, query = request
    placement = opts.placement
    if placement == "body" or (placement is None and method.upper() == "POST"):
        return None
    for name, _ in headers:
        if name.lower() in _GENERAL_HEADERS:
            return None
    timestamp, timestamp_encoded = _timestamp(request_time(at)[0])
    ascii_names = True
    if query:
        pieces, sigv2, ascii_names, _ = read_query(query)
        if sigv2 is None or sigv2:
            return None
    else:
        pieces = []
    access_key, token = credentials.access_key, credentials.token
    signature_method = opts.signature_method
    added: Tuple[Pair, ...] = (
        ("AWSAccessKeyId", access_key),
        ("SignatureVersion", "2"),
        ("SignatureMethod", signature_method),
        ("Timestamp", timestamp),
    )
    pieces += (
        ("AWSAccessKeyId", "AWSAccessKeyId=" + uri_encode(access_key)),
        ("SignatureVersion", "SignatureVersion=2"),
        ("SignatureMethod", "SignatureMethod=" + signature_method),
        ("Timestamp", "Timestamp=" + timestamp_encoded),
    )
    if token is not None:
        added += (("SecurityToken", token),)
        pieces.append(("SecurityToken", "SecurityToken=" + uri_encode(token)))
    # by the UTF-8 bytes of the name: for text without surrogate escapes, code point order
    pieces.sort(key=_first if ascii_names else name_key)
    canonical = "&".join([encoded for _, encoded in pieces])
    host = authority.lower() if ":" not in authority else request.host_header.lower()
    sts = string_to_sign_from(method, host, path, canonical)
    signature = _crypto.hmac_base64(
        credentials.secret_key,
        SIGNATURE_METHODS[signature_method],
        sts.encode("utf-8", "surrogateescape"),
    )
    new_query = f"{canonical}&Signature={encode_base64(signature)}"
    url = url.partition("?")[0] + "?" + new_query
    return _tuple_new(
        SignedRequest,
        (
            _tuple_new(
                Request, (method, url, headers, body, url_scheme, authority, path, new_query)
            ),
            _tuple_new(Artifacts, (None, sts, signature, None, None, None)),
            scheme,
            (),
            (*added, ("Signature", signature)),
        ),
    )
