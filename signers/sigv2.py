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

The pure functions here (:func:`parse_params`, :func:`canonical_query_v2`,
:func:`string_to_sign`, :func:`split_sigv2_params`) have no clock, no HMAC and no I/O and are shared
with verification and migration.
"""

from __future__ import annotations

import datetime as _dt
from operator import itemgetter
from typing import FrozenSet, List, Optional, Sequence, Tuple, Union

from . import _crypto
from ._core.sigv2 import (
    FORM_CONTENT_TYPE,
    SIGNATURE_METHODS,
    SIGV2_PARAMETER_ORDER,
    SIGV2_PARAMETERS,
    canonical_query_v2,
    compute_signature,
    encode_params,
    form_decode,
    is_form,
    is_sigv2_signed,
    name_key,
    parse_params,
    request_host,
    request_params,
    split_sigv2_params,
    string_to_sign,
)
from ._encoding import is_canonical_piece, is_canonical_query, percent_decode_str, uri_encode
from ._lazy import lazy_module
from ._time import iso8601, parse_iso8601, request_time, resolve_time
from .errors import AlreadySigned, InvalidOption, InvalidRequest, InvalidTime
from .model import Artifacts, Credentials, Header, Request, SignedRequest

__all__ = [
    "SigV2Signer",
    "SIGNATURE_METHODS",
    "SIGV2_PARAMETERS",
    "SIGV2_PARAMETER_ORDER",
    "FORM_CONTENT_TYPE",
    "parse_params",
    "encode_params",
    "canonical_query_v2",
    "string_to_sign",
    "compute_signature",
    "request_host",
    "request_params",
    "is_form",
    "split_sigv2_params",
    "is_sigv2_signed",
]

Pair = Tuple[str, str]

# Parameters the signer adds from the credentials and options: a request that already carries one
# is ambiguous (which key? which method?) and is refused.  ``Timestamp`` and ``Expires`` given by
# the caller are honoured instead: they are the caller's choice of time window.
_REFUSED_PARAMS = ("Signature", "AWSAccessKeyId", "SignatureVersion", "SignatureMethod")

_PLACEMENTS = (None, "query", "body")

# Headers that send signing down the general path (a refusal, a form body, a Host to read).
_GENERAL_HEADERS = frozenset({"authorization", "content-type", "host"})
_first = itemgetter(0)
_tuple_new = tuple.__new__

# The last Timestamp formatted, swapped in whole: (amz date, ISO 8601, ISO 8601 percent-encoded).
_last_timestamp: Tuple[str, str, str] = ("", "", "")


def _timestamp(amz: str) -> Tuple[str, str]:
    """SigV2's Timestamp (``YYYY-MM-DDTHH:MM:SSZ``) of an amz date, and its encoded form."""
    global _last_timestamp
    cached = _last_timestamp
    if cached[0] == amz:
        return cached[1], cached[2]
    text = f"{amz[0:4]}-{amz[4:6]}-{amz[6:8]}T{amz[9:11]}:{amz[11:13]}:{amz[13:15]}Z"
    encoded = text.replace(":", "%3A")
    _last_timestamp = (amz, text, encoded)
    return text, encoded


def _encode_base64(text: str) -> str:
    # uri_encode of base64 text: only "+", "/" and "=" are not unreserved
    return text.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


_verifier = lazy_module("._verify_legacy")


# -- the signer --------------------------------------------------------------------------------


def _check_expires(value: object) -> Union[int, _dt.datetime, None]:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return resolve_time(value, field="expires")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOption(
            "option 'expires' must be whole seconds (int) or an aware datetime, "
            f"got {type(value).__name__}",
            field="expires",
        )
    if value < 1:
        raise InvalidOption(
            f"option 'expires' is {value}; give a positive number of seconds", field="expires"
        )
    return value


class SigV2Signer:
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
    """

    name = "sigv2"
    description = "Signature Version 2 for query APIs (HmacSHA256/HmacSHA1; GET query or POST form)"
    features: FrozenSet[str] = frozenset({"sigv2:query", "session-token"})

    __slots__ = ("expires", "placement", "signature_method")

    def __init__(
        self,
        *,
        signature_method: str = "HmacSHA256",
        placement: Optional[str] = None,
        expires: Union[int, _dt.datetime, None] = None,
    ) -> None:
        if signature_method not in SIGNATURE_METHODS:
            raise InvalidOption(
                f"option 'signature_method' is {signature_method!r}; "
                "use 'HmacSHA256' or 'HmacSHA1'",
                field="signature_method",
            )
        if placement not in _PLACEMENTS:
            raise InvalidOption(
                f"option 'placement' is {placement!r}; use 'query', 'body' or None (automatic)",
                field="placement",
            )
        self.signature_method = signature_method
        self.placement = placement
        self.expires = _check_expires(expires)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(signature_method={self.signature_method!r}, "
            f"placement={self.placement!r}, expires={self.expires!r})"
        )

    # -- stages --------------------------------------------------------------------------------

    def choose_placement(self, request: Request) -> str:
        """``"query"`` or ``"body"`` for ``request`` (see the class docstring)."""
        if self.placement is not None:
            return self.placement
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

    def _check_body_placement(self, request: Request) -> None:
        content_type = request.header("content-type")
        if content_type is not None and not is_form(request):
            raise InvalidRequest(
                f"header 'Content-Type' is {content_type!r}; sigv2 puts the parameters in the "
                f"body, which must be '{FORM_CONTENT_TYPE}' (or choose placement='query')",
                field="Content-Type",
            )
        request_params(request)  # a form body must be UTF-8 bytes

    def _time_params(self, params: Sequence[Pair], time: _dt.datetime) -> List[Pair]:
        given = {n for n, _ in params if n in ("Timestamp", "Expires")}
        if len(given) == 2:
            raise InvalidRequest(
                "parameters 'Timestamp' and 'Expires' are both present; give only one",
                field="Expires",
            )
        if "Expires" in given:
            if self.expires is not None:
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
            if self.expires is not None:
                raise InvalidOption(
                    "option 'expires' given but the request already has a 'Timestamp' parameter",
                    field="expires",
                )
            return []
        expires = self.expires
        if expires is None:
            return [("Timestamp", iso8601(time))]
        if isinstance(expires, int):
            return [("Expires", iso8601(time + _dt.timedelta(seconds=expires)))]
        if expires <= time:
            raise InvalidTime(
                f"option 'expires' {iso8601(expires)} is not after the signing time "
                f"{iso8601(time)}",
                field="expires",
            )
        return [("Expires", iso8601(expires))]

    def sign(
        self,
        request: Request,
        credentials: Credentials,
        at: Optional[_dt.datetime] = None,
    ) -> SignedRequest:
        """Sign ``request``: the result carries the signed URL (GET) or form body (POST)."""
        if type(request) is Request and type(credentials) is Credentials and self.expires is None:
            signed = self._sign_query_fast(request, credentials, at)
            if signed is not None:
                return signed
        return self._sign_general(request, credentials, at)

    def _sign_query_fast(
        self, request: Request, credentials: Credentials, at: Optional[_dt.datetime]
    ) -> Optional[SignedRequest]:
        # The common case, the same steps as _sign_general in one pass: parameters in the URL
        # query, a Timestamp, and neither Host, Content-Type nor Authorization header.  The
        # string to sign and the new URL share one canonical query (there is no form body).
        # None for anything else: the general path handles it (and every refusal).
        method, url, headers, body, scheme, authority, path, query = request
        placement = self.placement
        if placement == "body" or (placement is None and method.upper() == "POST"):
            return None
        for name, _ in headers:
            if name.lower() in _GENERAL_HEADERS:
                return None
        timestamp, timestamp_encoded = _timestamp(request_time(at)[0])
        pieces: List[Pair] = []  # (decoded name, "name=value" encoded)
        ascii_names = True
        if query:
            # A query in canonical form as a whole leaves one test per piece: no second "=".
            # (No "+" either: that is a space.)
            whole = is_canonical_query(query)
            for piece in query.split("&"):
                if not piece:
                    continue
                name, equals, value = piece.partition("=")
                if ("=" not in value) if whole else is_canonical_piece(piece):
                    # already in canonical form: decoded and encoded again, the same
                    if "%" in name:
                        name = percent_decode_str(name)
                        if ascii_names and not name.isascii():
                            ascii_names = False
                    encoded = piece if equals else piece + "="
                else:
                    name = form_decode(name)
                    encoded = uri_encode(name) + "=" + uri_encode(form_decode(value))
                    if ascii_names and not name.isascii():
                        ascii_names = False
                if name in SIGV2_PARAMETERS:
                    return None
                pieces.append((name, encoded))
        access_key, token = credentials.access_key, credentials.token
        signature_method = self.signature_method
        pieces += (
            ("AWSAccessKeyId", "AWSAccessKeyId=" + uri_encode(access_key)),
            ("SignatureVersion", "SignatureVersion=2"),
            ("SignatureMethod", "SignatureMethod=" + signature_method),
            ("Timestamp", "Timestamp=" + timestamp_encoded),
        )
        if token is not None:
            pieces.append(("SecurityToken", "SecurityToken=" + uri_encode(token)))
        # by the UTF-8 bytes of the name: for text without surrogate escapes, code point order
        pieces.sort(key=_first if ascii_names else name_key)
        canonical = "&".join([encoded for _, encoded in pieces])
        host = authority.lower() if ":" not in authority else request.host_header.lower()
        sts = f"{method}\n{host}\n{path or '/'}\n{canonical}"
        signature = _crypto.hmac_base64(
            credentials.secret_key,
            SIGNATURE_METHODS[signature_method],
            sts.encode("utf-8", "surrogateescape"),
        )
        new_query = f"{canonical}&Signature={_encode_base64(signature)}"
        added: Tuple[Pair, ...] = (
            ("AWSAccessKeyId", access_key),
            ("SignatureVersion", "2"),
            ("SignatureMethod", signature_method),
            ("Timestamp", timestamp),
        )
        if token is not None:
            added += (("SecurityToken", token),)
        return _tuple_new(
            SignedRequest,
            (
                _tuple_new(
                    Request,
                    (
                        method,
                        url.partition("?")[0] + "?" + new_query,
                        headers,
                        body,
                        scheme,
                        authority,
                        path,
                        new_query,
                    ),
                ),
                _tuple_new(Artifacts, (None, sts, signature, None, None, None)),
                self.name,
                (),
                (*added, ("Signature", signature)),
            ),
        )

    def _sign_general(
        self,
        request: Request,
        credentials: Credentials,
        at: Optional[_dt.datetime] = None,
    ) -> SignedRequest:
        # Every case, step by step through the pure functions.
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
        if request.has_header("authorization"):
            raise AlreadySigned(
                "header 'authorization' already present; sigv2 signs with query parameters",
                field="authorization",
            )
        placement = self.choose_placement(request)
        if placement == "body":
            self._check_body_placement(request)
        query_params, body_params = request_params(request)
        existing = query_params + body_params
        for name, _ in existing:
            if name in _REFUSED_PARAMS:
                raise AlreadySigned(
                    f"parameter {name!r} already present; sigv2 adds it", field=name
                )
            if name == "SecurityToken" and credentials.token is not None:
                raise AlreadySigned(
                    "parameter 'SecurityToken' already present; sigv2 adds it from the "
                    "credentials' session token",
                    field="SecurityToken",
                )
        added: List[Pair] = [
            ("AWSAccessKeyId", credentials.access_key),
            ("SignatureVersion", "2"),
            ("SignatureMethod", self.signature_method),
        ]
        added += self._time_params(existing, time)
        if credentials.token is not None:
            added.append(("SecurityToken", credentials.token))
        sts = string_to_sign(request.method, request_host(request), request.path, existing + added)
        signature = compute_signature(credentials.secret_key, sts, self.signature_method)
        signed_pair = ("Signature", signature)
        artifacts = Artifacts(canonical_request=None, string_to_sign=sts, signature=signature)
        url = request.url
        headers = request.headers
        added_headers: Tuple[Header, ...] = ()
        if placement == "query":
            query = canonical_query_v2(query_params + added) + "&" + encode_params([signed_pair])
            url = url.partition("?")[0] + "?" + query
            new_request = request._evolve(url, headers)
        else:
            body = (
                canonical_query_v2(body_params + added) + "&" + encode_params([signed_pair])
            ).encode("ascii")
            new_headers: List[Header] = []
            for name, value in headers:
                if name.lower() == "content-length":
                    value = str(len(body))
                new_headers.append((name, value))
            if request.header("content-type") is None:
                added_headers = (("Content-Type", FORM_CONTENT_TYPE),)
            new_request = request.replace(
                url=url, headers=tuple(new_headers) + added_headers, body=body
            )
        return SignedRequest(
            request=new_request,
            artifacts=artifacts,
            scheme=self.name,
            added_headers=added_headers,
            added_query=(*added, signed_pair),
        )

    def verify(
        self,
        request: Request,
        credentials: Credentials,
        now: Optional[_dt.datetime] = None,
        max_skew: float = 900,
    ) -> Artifacts:
        """Verify a SigV2 request as the server would; the artifacts on success.

        Every parameter sent (URL query and form body, less ``Signature``) is signed; both
        ``SignatureMethod`` values are accepted.  Raises a
        :class:`~signers.errors.VerificationError` with the query services' code otherwise (see
        :mod:`signers._verify_legacy`).
        """
        return _verifier().verify(  # type: ignore[no-any-return]
            self, request, credentials, now, max_skew
        )
