"""Verification of the legacy schemes: SigV2 (query APIs) and S3's HMAC-SHA1 scheme.

A verifier does what the server does: read the signature parameters strictly (the SigV2
parameters, the ``Authorization: AWS key:signature`` header, or the presigned ``AWSAccessKeyId``
/ ``Expires`` / ``Signature``), check the time, the access key and the session token, recompute
the string to sign over exactly what was sent with the signer's own pure functions, and compare
signatures in constant time.

The answers, and where they come from:

``sigv2`` (query services; XML ``<ErrorResponse>``):

- a SigV2 parameter missing: ``MissingParameter`` 400 "The request must contain the parameter
  Signature." (the query APIs' common errors; the wording SigV2 services answer); no
  ``AWSAccessKeyId``: ``MissingAuthenticationToken`` 403 (the common error for a request without
  an access key);
- a parameter sent twice: ``IncompleteSignature`` 400 (the signature does not conform);
- ``SignatureVersion`` other than 2: ``InvalidRequest`` 400 (unsupported mechanism), an unknown
  ``SignatureMethod`` or an unreadable time: ``InvalidParameterValue`` 400, ``Timestamp`` and
  ``Expires`` together: ``InvalidParameterCombination`` 400 (SQS's documented example);
- ``Timestamp`` more than ``max_skew`` away from the server's clock, or ``Expires`` passed more
  than ``max_skew`` ago: ``RequestExpired`` 400 "Request has expired. Timestamp date is ..." (what
  SigV2 services answer; the common errors describe the same 15-minute window both ways);
- signature differs: ``SignatureDoesNotMatch`` 403, carrying the string to sign;
- wrong or unexpected ``SecurityToken``: ``InvalidClientTokenId`` 403, as for SigV4.

``s3-v2`` / ``s3-v2-query`` (S3; XML ``<Error>``), as S3 answers (ceph's s3-tests, written against
AWS, pin several of these):

- ``Authorization`` not ``AWS key:signature``: ``InvalidArgument`` 400 ("Authorization header
  is invalid -- one and only one ' ' (space) required", "AWS authorization header is invalid.
  Expected AwsAccessKeyId:signature");
- no usable ``Date`` / ``x-amz-date`` (missing, empty, unreadable, before 1970): ``AccessDenied``
  403 "AWS authentication requires a valid Date or x-amz-date header";
- a date more than ``max_skew`` away: ``RequestTimeTooSkewed`` 403 with ``RequestTime``,
  ``ServerTime`` and ``MaxAllowedSkewMilliseconds``;
- presigned: a parameter missing: ``AccessDenied`` 403 "Query-string authentication requires
  the Signature, Expires and AWSAccessKeyId parameters"; ``Expires`` not whole seconds:
  ``AccessDenied`` 403 "Invalid date (should be seconds since epoch): ..."; ``Expires`` passed:
  ``AccessDenied`` 403 "Request has expired" with ``Expires`` and ``ServerTime``;
- signature differs: ``SignatureDoesNotMatch`` 403 with ``StringToSign`` (and its bytes);
- wrong or unexpected ``x-amz-security-token``: ``InvalidToken`` 400.

Nothing here logs, and no message contains a secret.
"""

from __future__ import annotations

import datetime as _dt
from hmac import compare_digest as _compare_digest
from operator import itemgetter
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    List,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
)

from . import _crypto
from ._core.s3_v2 import (
    canonical_amz_headers,
    canonical_resource,
    host_name,
    parse_authorization,
    string_to_sign,
)
from ._core.s3_v2 import compute_signature as s3_signature
from ._core.s3_v2 import trim as _trim
from ._core.sigv2 import (
    SIGNATURE_METHODS,
    SIGV2_PARAMETERS,
    is_form,
    parse_params,
    request_host,
)
from ._core.sigv2 import SIGV2_PARAMETER_ORDER as _SIGV2_SINGLE
from ._core.sigv2 import compute_signature as sigv2_signature
from ._core.sigv2 import form_decode as _form_decode
from ._core.sigv2 import name_key as _name_key
from ._core.sigv2 import string_to_sign as sigv2_string_to_sign
from ._encoding import is_canonical_piece, is_canonical_query, percent_decode_str, uri_encode
from ._time import (
    UTC,
    epoch_seconds,
    http_date_instant,
    iso8601,
    parse_amz_date,
    resolve_time,
)
from ._verification.answers import Flavor as _Flavor
from ._verification.answers import check_max_skew
from ._verification.answers import shown as _shown
from ._verification.answers import skew as _skew
from ._verification.sigv4_parse import single_values as _single_values
from .errors import (
    AccessDenied,
    IncompleteSignature,
    InvalidArgument,
    InvalidParameterCombination,
    InvalidParameterValue,
    InvalidRequest,
    InvalidTime,
    MissingAuthenticationToken,
    MissingParameter,
    RequestExpired,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    SigningError,
    UnsupportedAuthorization,
    VerificationError,
)
from .model import Artifacts, Credentials, Request
from .s3_v2 import S3V2QuerySigner, S3V2Signer
from .sigv2 import SigV2Signer

__all__ = [
    "BUILT_IN_SIGNERS",
    "LEGACY_SCHEMES",
    "LegacyAuth",
    "parse",
    "parse_sigv2",
    "parse_s3_header",
    "parse_s3_query",
    "verify",
]

LegacySigner = Union[SigV2Signer, S3V2Signer, S3V2QuerySigner]

#: The signers whose verify() is this module's; the dispatcher hands them its parse.
BUILT_IN_SIGNERS = (SigV2Signer, S3V2Signer, S3V2QuerySigner)
LEGACY_SCHEMES = ("sigv2", "s3-v2", "s3-v2-query")

Pair = Tuple[str, str]
_tuple_new = tuple.__new__

_QUERY_FLAVOR = _Flavor(s3=False, query=True)
_S3_FLAVOR = _Flavor(s3=True, query=False)

_ONLY_ONE = (
    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
    "string parameter or the Authorization header should be specified"
)
_SIGV2_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)
_S3_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)
_NO_DATE = "AWS authentication requires a valid Date or x-amz-date header"
_QUERY_REQUIRES = (
    "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"
)
_NO_ACCESS_KEY = (
    "The request must contain either a valid (registered) AWS access key ID or X.509 certificate."
)

_S3_QUERY_SINGLE = ("AWSAccessKeyId", "Expires", "Signature")
_TOKEN = "x-amz-security-token"
_AMZ_PREFIX = "x-amz-"
_ONLY_ONE_NAMES = ("x-amz-algorithm", "x-amz-signature")
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_DATE_SIGNED = ("content-md5", "content-type", "date")
_DATE_UNSIGNED = ("content-md5", "content-type")
_first = itemgetter(0)
_BLANKS = " \t"
# Expires beyond this is not a time any server will reach; its text is kept as sent.
_MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z


class LegacyAuth(Tuple[Any, ...]):
    """What a legacy request claims: access key, signature, time or expiry, token.

    A tuple underneath, read through named attributes (built on every verification).  The fast
    SigV2 parse leaves ``params`` as ``None`` and keeps the ``canonical_query`` it built instead
    (the general parse does the reverse); the fast parses keep the ``header_values`` they read
    (lower-case name -> value; no name was repeated).
    """

    __slots__ = ()

    if TYPE_CHECKING:
        scheme: str
        access_key: str
        signature: str
        tokens: Tuple[str, ...]
        request_time: Optional[_dt.datetime]
        request_time_text: str
        expires_at: Optional[_dt.datetime]
        expires_text: str
        signature_method: str
        params: Optional[Tuple[Pair, ...]]
        date_line: str
        canonical_query: Optional[str]
        header_values: Optional[Dict[str, str]]
    else:
        scheme = property(itemgetter(0))
        access_key = property(itemgetter(1))
        signature = property(itemgetter(2))
        tokens = property(itemgetter(3))
        request_time = property(itemgetter(4))
        request_time_text = property(itemgetter(5))
        expires_at = property(itemgetter(6))
        expires_text = property(itemgetter(7))
        signature_method = property(itemgetter(8))
        params = property(itemgetter(9))
        date_line = property(itemgetter(10))
        canonical_query = property(itemgetter(11))
        header_values = property(itemgetter(12))

    def __new__(
        cls,
        *,
        scheme: str,
        access_key: str,
        signature: str,
        tokens: Sequence[str] = (),
        request_time: Optional[_dt.datetime] = None,
        request_time_text: str = "",
        expires_at: Optional[_dt.datetime] = None,
        expires_text: str = "",
        signature_method: str = "",
        params: Optional[Sequence[Pair]] = (),
        date_line: str = "",
        canonical_query: Optional[str] = None,
        header_values: Optional[Dict[str, str]] = None,
    ) -> LegacyAuth:
        return _tuple_new(
            cls,
            (
                scheme,
                access_key,
                signature,
                tuple(tokens),
                request_time,
                request_time_text,
                expires_at,
                expires_text,
                signature_method,
                None if params is None else tuple(params),
                date_line,
                canonical_query,
                header_values,
            ),
        )

    def __repr__(self) -> str:
        return (
            f"LegacyAuth(scheme={self.scheme!r}, access_key={self.access_key!r}, "
            f"request_time={self.request_time_text!r}, expires={self.expires_text!r})"
        )


def _check_inputs(request: object, credentials: object) -> None:
    if not isinstance(request, Request):
        raise InvalidRequest(
            f"request: expected signers.Request, got {type(request).__name__}", field="request"
        )
    if credentials is not None and not isinstance(credentials, Credentials):
        raise InvalidRequest(
            f"credentials: expected signers.Credentials, got {type(credentials).__name__}",
            field="credentials",
        )


def _signature_matches(provided: str, expected: str) -> bool:
    # compare_digest needs ASCII on both sides; anything else cannot be a base64 signature.
    return provided.isascii() and _crypto.constant_time_equal(provided, expected)


def _check_token(sent: Sequence[str], credentials: Credentials, flavor: _Flavor) -> None:
    expected = credentials.token
    if expected is None and not sent:
        return
    if (
        expected is None
        or len(sent) != 1
        or not sent[0].isascii()
        or not _crypto.constant_time_equal(sent[0], expected)
    ):
        raise flavor.bad_token()


# -- SigV2 -------------------------------------------------------------------------------------


def _sigv2_time(value: str, field: str) -> _dt.datetime:
    """An ISO 8601 time; without an offset it is UTC (AWS's own examples send it so)."""
    text = value.strip()
    try:
        if len(text) == 16 and text[8:9] == "T" and text.endswith("Z"):
            return parse_amz_date(text, field=field)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        parsed = _dt.datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return resolve_time(parsed, field=field)
    except (InvalidTime, ValueError, OverflowError, TypeError):
        raise InvalidParameterValue(
            f"Value ({_shown(value)}) for parameter {field} is invalid. Expected an ISO 8601 "
            "date and time such as 2011-10-03T15:19:30Z.",
            field=field,
        ) from None


def _sigv2_params(request: Request) -> List[Pair]:
    """Every parameter sent, URL query first, then a form body (the order SigV2 signs in)."""
    params = parse_params(request.query)
    if is_form(request):
        body = request.body
        if not isinstance(body, bytes):
            raise IncompleteSignature(
                "body: the form-encoded body must be given as bytes to verify sigv2 (its "
                "parameters are signed)",
                field="body",
            )
        # Raw bytes that are not UTF-8 survive as surrogate escapes; they are signed as sent.
        params += parse_params(body.decode("utf-8", "surrogateescape"))
    return params


def parse_sigv2(request: Request) -> LegacyAuth:
    """Read the SigV2 parameters of ``request`` (URL query and form body), strictly."""
    _check_inputs(request, None)
    if request.has_header("authorization"):
        raise InvalidArgument(_ONLY_ONE, field="Authorization")
    params = _sigv2_params(request)
    found: Dict[str, str] = {}
    for name, value in params:
        if name in _SIGV2_SINGLE:
            if name in found:
                raise IncompleteSignature(
                    f"The parameter {name} appears more than once; each SigV2 parameter is sent "
                    "once.",
                    field=name,
                )
            found[name] = value
    access_key = found.get("AWSAccessKeyId", "")
    if not access_key:
        raise MissingAuthenticationToken(_NO_ACCESS_KEY, field="AWSAccessKeyId")
    version = found.get("SignatureVersion")
    if version is None:
        raise MissingParameter(
            "The request must contain the parameter SignatureVersion.", field="SignatureVersion"
        )
    if version != "2":
        raise UnsupportedAuthorization(
            f"SignatureVersion {_shown(version)} is not supported; use 2 or AWS4-HMAC-SHA256",
            field="SignatureVersion",
        )
    method = found.get("SignatureMethod")
    if method is None:
        raise MissingParameter(
            "The request must contain the parameter SignatureMethod.", field="SignatureMethod"
        )
    if method not in SIGNATURE_METHODS:
        raise InvalidParameterValue(
            f"Value ({_shown(method)}) for parameter SignatureMethod is invalid. Valid values: "
            f"{', '.join(SIGNATURE_METHODS)}.",
            field="SignatureMethod",
        )
    signature = found.get("Signature", "")
    if not signature:
        raise MissingParameter(
            "The request must contain the parameter Signature.", field="Signature"
        )
    timestamp, expires = found.get("Timestamp"), found.get("Expires")
    if timestamp is not None and expires is not None:
        raise InvalidParameterCombination(
            "The parameter Timestamp cannot be used with the parameter Expires.", field="Expires"
        )
    request_time = expires_at = None
    if timestamp is not None:
        request_time = _sigv2_time(timestamp, "Timestamp")
    elif expires is not None:
        expires_at = _sigv2_time(expires, "Expires")
    else:
        raise MissingParameter(
            "The request must contain the parameter Timestamp or Expires.", field="Timestamp"
        )
    token = found.get("SecurityToken")
    return LegacyAuth(
        scheme="sigv2",
        access_key=access_key,
        signature=signature,
        tokens=() if token is None else (token,),
        request_time=request_time,
        request_time_text=timestamp or "",
        expires_at=expires_at,
        expires_text=expires or "",
        signature_method=method,
        params=[(n, v) for n, v in params if n != "Signature"],
    )


def _check_sigv2_time(parsed: LegacyAuth, now: _dt.datetime, skew: float) -> None:
    window = _dt.timedelta(seconds=skew)
    if parsed.request_time is not None:
        if now - parsed.request_time > window:
            raise RequestExpired(
                f"Request has expired. Timestamp date is {parsed.request_time_text}.",
                field="Timestamp",
            )
        if parsed.request_time - now > window:
            raise RequestExpired(
                f"Request is not yet valid. Timestamp date is {parsed.request_time_text}, more "
                f"than {skew:g} seconds after the server time {iso8601(now)}.",
                field="Timestamp",
            )
    elif parsed.expires_at is not None and now - parsed.expires_at > window:
        raise RequestExpired(
            f"Request has expired. Expires date is {parsed.expires_text}.", field="Expires"
        )


def _verify_sigv2(
    request: Request,
    credentials: Credentials,
    parsed: LegacyAuth,
    now: _dt.datetime,
    skew: float,
) -> Artifacts:
    _check_sigv2_time(parsed, now, skew)
    if parsed.access_key != credentials.access_key:
        raise _QUERY_FLAVOR.unknown_key(parsed.access_key)
    _check_token(parsed.tokens, credentials, _QUERY_FLAVOR)
    params = parsed.params if parsed.params is not None else parse_sigv2(request).params
    assert params is not None
    sts = sigv2_string_to_sign(request.method, request_host(request), request.path, params)
    signature = sigv2_signature(credentials.secret_key, sts, parsed.signature_method)
    if not _signature_matches(parsed.signature, signature):
        raise SignatureDoesNotMatch(_SIGV2_MISMATCH, field="Signature", string_to_sign=sts)
    return Artifacts(
        canonical_request=None, string_to_sign=sts, signature=signature, signed_headers="host"
    )


# -- S3, header form ---------------------------------------------------------------------------


def _http_date(value: str) -> Optional[_dt.datetime]:
    """An HTTP date (RFC 1123 and the forms email.utils reads), in UTC; None if unreadable."""
    from email.utils import parsedate_to_datetime

    try:
        parsed = parsedate_to_datetime(value)  # ValueError (3.10+) or TypeError when unreadable
        when = resolve_time(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    except (TypeError, ValueError, IndexError, OverflowError, InvalidTime):
        return None
    return when


def _s3_request_time(request: Request) -> Tuple[_dt.datetime, str, str]:
    """``(time, as sent, Date line)``: x-amz-date when sent (the Date line is then empty)."""
    amz = request.header_values("x-amz-date")
    dates = request.header_values("date")
    values, date_line_used = (amz, False) if amz else (dates, True)
    if len(values) != 1:
        raise AccessDenied(_NO_DATE, field="x-amz-date" if amz else "date")
    text = _trim(values[0])
    when = _http_date(text) if text else None
    if when is None and amz:
        try:
            when = parse_amz_date(text)
        except InvalidTime:
            when = None
    if when is None or when.year < 1970:
        raise AccessDenied(_NO_DATE, field="x-amz-date" if amz else "date")
    return when, text, text if date_line_used else ""


def _single_header(request: Request, name: str) -> str:
    values = request.header_values(name)
    if len(values) > 1:
        raise InvalidArgument(
            f"header {name!r} appears {len(values)} times; it is signed and must be sent once",
            field=name,
        )
    return _trim(values[0]) if values else ""


def parse_s3_header(request: Request) -> LegacyAuth:
    """Read ``Authorization: AWS key:signature`` and the request time, strictly."""
    _check_inputs(request, None)
    values = request.header_values("authorization")
    if not values:
        raise MissingAuthenticationToken(
            "Request is missing Authentication Token (no Authorization header)",
            field="Authorization",
        )
    if len(values) > 1:
        raise InvalidArgument(
            "the Authorization header appears more than once", field="Authorization"
        )
    for name, _ in request.query_pairs():
        if name in ("Signature", "AWSAccessKeyId") or percent_decode_str(name).lower() in (
            "x-amz-algorithm",
            "x-amz-signature",
        ):
            raise InvalidArgument(_ONLY_ONE, field="Authorization")
    value = values[0].strip(" \t")
    if not value.startswith("AWS "):
        raise InvalidArgument("Unsupported Authorization Type", field="Authorization")
    if value.count(" ") != 1:
        raise InvalidArgument(
            "Authorization header is invalid -- one and only one ' ' (space) required",
            field="Authorization",
        )
    parts = parse_authorization(value)
    if parts is None:
        raise InvalidArgument(
            "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
            field="Authorization",
        )
    access_key, signature = parts
    when, text, date_line = _s3_request_time(request)
    return LegacyAuth(
        scheme="s3-v2",
        access_key=access_key,
        signature=signature,
        tokens=request.header_values(_TOKEN),
        request_time=when,
        request_time_text=text,
        date_line=date_line,
    )


def _check_s3_time(parsed: LegacyAuth, now: _dt.datetime, skew: float) -> None:
    when = parsed.request_time
    assert when is not None
    if abs(now - when) <= _dt.timedelta(seconds=skew):
        return
    raise RequestTimeTooSkewed(
        "The difference between the request time and the current time is too large.",
        field="date",
        details=[
            ("RequestTime", parsed.request_time_text),
            ("ServerTime", iso8601(now)),
            ("MaxAllowedSkewMilliseconds", str(int(skew * 1000))),
        ],
    )


def _canonical_resource(signer: S3V2Signer, request: Request) -> str:
    try:
        return signer.canonical_resource(request)
    except VerificationError:
        raise
    except SigningError as exc:
        # The server's addressing options do not fit the Host the client sent (a bucket it does
        # not serve, virtual-hosted addressing required): no string to sign can be built.
        raise InvalidArgument(f"Host: {exc.message}", field="Host") from None


def _signed_header_names(request: Request, date_signed: bool) -> str:
    fixed = (
        ("content-md5", "content-type", "date") if date_signed else ("content-md5", "content-type")
    )
    names = {n.lower() for n, _ in request.headers}
    return ";".join(sorted(n for n in names if n in fixed or n.startswith("x-amz-")))


def _s3_mismatch(parsed: LegacyAuth, sts: str) -> SignatureDoesNotMatch:
    provided = parsed.signature
    return SignatureDoesNotMatch(
        _S3_MISMATCH,
        field="Signature",
        string_to_sign=sts,
        details=[
            ("AWSAccessKeyId", parsed.access_key),
            ("SignatureProvided", provided if len(provided) <= 80 else _shown(provided)),
        ],
    )


def _verify_s3_header(
    signer: S3V2Signer,
    request: Request,
    credentials: Credentials,
    parsed: LegacyAuth,
    now: _dt.datetime,
    skew: float,
) -> Artifacts:
    _check_s3_time(parsed, now, skew)
    if parsed.access_key != credentials.access_key:
        raise _S3_FLAVOR.unknown_key(parsed.access_key)
    _check_token(parsed.tokens, credentials, _S3_FLAVOR)
    sts = string_to_sign(
        request.method,
        _single_header(request, "content-md5"),
        _single_header(request, "content-type"),
        parsed.date_line,
        canonical_amz_headers(request.headers),
        _canonical_resource(signer, request),
    )
    signature = s3_signature(credentials.secret_key, sts)
    if not _signature_matches(parsed.signature, signature):
        raise _s3_mismatch(parsed, sts)
    return Artifacts(
        canonical_request=None,
        string_to_sign=sts,
        signature=signature,
        signed_headers=_signed_header_names(request, bool(parsed.date_line)),
    )


# -- S3, presigned form ------------------------------------------------------------------------


def parse_s3_query(request: Request) -> LegacyAuth:
    """Read ``AWSAccessKeyId``, ``Expires``, ``Signature`` (and the token) from the query."""
    _check_inputs(request, None)
    if request.has_header("authorization"):
        raise InvalidArgument(_ONLY_ONE, field="Authorization")
    found: Dict[str, str] = {}
    tokens: List[str] = []
    for name, value in request.query_pairs():
        if name in _S3_QUERY_SINGLE:
            if name in found:
                raise InvalidArgument(
                    f"Query-string authentication parameter {name} appears more than once",
                    field=name,
                )
            found[name] = percent_decode_str(value)
        elif name.lower() == _TOKEN:
            tokens.append(percent_decode_str(value))
        elif percent_decode_str(name).lower() in ("x-amz-algorithm", "x-amz-signature"):
            raise InvalidArgument(_ONLY_ONE, field=name)
    access_key = found.get("AWSAccessKeyId", "")
    signature = found.get("Signature", "")
    expires = found.get("Expires", "")
    if not (access_key and signature and expires):
        missing = [n for n in _S3_QUERY_SINGLE if not found.get(n)]
        raise AccessDenied(_QUERY_REQUIRES, field=missing[0])
    if not (expires.isascii() and expires.isdigit() and len(expires) <= 20):
        raise AccessDenied(
            f"Invalid date (should be seconds since epoch): {_shown(expires)}", field="Expires"
        )
    epoch = int(expires)
    return LegacyAuth(
        scheme="s3-v2-query",
        access_key=access_key,
        signature=signature,
        tokens=tokens + request.header_values(_TOKEN),
        expires_at=(_dt.datetime.fromtimestamp(epoch, UTC) if epoch <= _MAX_EPOCH else None),
        expires_text=expires,
    )


def _verify_s3_query(
    signer: S3V2QuerySigner,
    request: Request,
    credentials: Credentials,
    parsed: LegacyAuth,
    now: _dt.datetime,
) -> Artifacts:
    # Presigned URLs carry no request time: only the expiry is checked, with no skew allowed.
    if epoch_seconds(now) > int(parsed.expires_text):
        shown = iso8601(parsed.expires_at) if parsed.expires_at else parsed.expires_text
        raise AccessDenied(
            "Request has expired",
            field="Expires",
            details=[("Expires", shown), ("ServerTime", iso8601(now))],
        )
    if parsed.access_key != credentials.access_key:
        raise _S3_FLAVOR.unknown_key(parsed.access_key)
    _check_token(parsed.tokens, credentials, _S3_FLAVOR)
    # x-amz-* query parameters (the session token among them) are signed as x-amz-* headers.
    amz_query = [
        (n, percent_decode_str(v))
        for n, v in request.query_pairs()
        if n.lower().startswith("x-amz-")
    ]
    sts = string_to_sign(
        request.method,
        _single_header(request, "content-md5"),
        _single_header(request, "content-type"),
        parsed.expires_text,
        canonical_amz_headers(list(request.headers) + amz_query),
        _canonical_resource(signer, request),
    )
    signature = s3_signature(credentials.secret_key, sts)
    if not _signature_matches(parsed.signature, signature):
        raise _s3_mismatch(parsed, sts)
    return Artifacts(
        canonical_request=None,
        string_to_sign=sts,
        signature=signature,
        signed_headers=_signed_header_names(request, False),
    )


# -- the common case in one pass ------------------------------------------------------------------
#
# As for SigV4 (see signers._verify_sigv4): the fast functions accept only what the strict ones
# accept and compute the same values; at the first doubt they return None and the general code
# decides, and reports every failure.


def _parse_fast(
    signer: LegacySigner, request: Request, values: Optional[Dict[str, str]] = None
) -> Optional[LegacyAuth]:
    """:func:`parse` of the common case (``values``: the request's headers by lower-case name,
    when the caller has them), else ``None``."""
    kind = type(signer)
    if kind not in BUILT_IN_SIGNERS or type(request) is not Request:
        return None
    if values is None:
        values = _single_values(request)
        if values is None:
            return None
    try:
        if kind is SigV2Signer:
            return _parse_sigv2_fast(request, values)
        if kind is S3V2Signer:
            return _parse_s3_header_fast(request, values)
        return _parse_s3_query_fast(request, values)
    except UnicodeError:
        return None


# The last SigV2 time read, swapped in whole: (text, instant).
_last_sigv2_time: Tuple[str, Optional[_dt.datetime]] = ("", None)


def _sigv2_instant(value: str) -> Optional[_dt.datetime]:
    """:func:`_sigv2_time`, or ``None`` where it raises; the last one read is kept."""
    global _last_sigv2_time
    cached = _last_sigv2_time
    exact = type(value) is str  # (a subclass may redefine equality: never cached)
    if exact and cached[0] == value:
        return cached[1]
    try:
        parsed = _sigv2_time(value, "Timestamp")
    except VerificationError:
        return None
    if exact:
        _last_sigv2_time = (value, parsed)
    return parsed


def _parse_sigv2_fast(request: Request, values: Dict[str, str]) -> Optional[LegacyAuth]:
    """:func:`parse_sigv2` of parameters in the URL query (no Authorization, no form body, no
    ``%`` in a parameter name).

    Builds the canonical query of the string to sign on the way: each parameter is encoded once
    (kept as it is when already in canonical form), and they sort by the bytes of their names.
    """
    if "authorization" in values or "content-type" in values:
        return None
    pieces: List[Pair] = []  # (decoded name, "name=value" encoded), Signature left out
    found: Dict[str, str] = {}
    ascii_names = True
    query = request[7]
    # A query in canonical form as a whole (as signers write it) leaves one test per piece: no
    # second "=".  (No "+" either: that is a space.)
    whole = is_canonical_query(query)
    for piece in query.split("&"):
        if not piece:
            continue
        name, equals, value = piece.partition("=")
        if "%" in name:
            return None  # (an encoded name: the general path; detection relies on this too)
        if ("=" not in value) if whole else is_canonical_piece(piece):
            encoded = piece if equals else piece + "="
        else:
            name = _form_decode(name)
            value = _form_decode(value)
            encoded = uri_encode(name) + "=" + uri_encode(value)
        if ascii_names and not name.isascii():
            ascii_names = False
        if name in SIGV2_PARAMETERS:
            if name in found:
                return None
            found[name] = percent_decode_str(value) if "%" in value else value
            if name == "Signature":
                continue
        pieces.append((name, encoded))
    access_key = found.get("AWSAccessKeyId")
    method = found.get("SignatureMethod")
    signature = found.get("Signature")
    timestamp = found.get("Timestamp")
    expires = found.get("Expires")
    if (
        not access_key
        or found.get("SignatureVersion") != "2"
        or method not in SIGNATURE_METHODS
        or not signature
        or (timestamp is None) == (expires is None)
    ):
        return None
    instant = _sigv2_instant(timestamp if timestamp is not None else expires)  # type: ignore[arg-type]
    if instant is None:
        return None
    pieces.sort(key=_first if ascii_names else _name_key)
    token = found.get("SecurityToken")
    return _tuple_new(
        LegacyAuth,
        (
            "sigv2",
            access_key,
            signature,
            () if token is None else (token,),
            instant if timestamp is not None else None,
            timestamp or "",
            instant if expires is not None else None,
            expires or "",
            method,
            None,
            "",
            "&".join([encoded for _, encoded in pieces]),
            values,
        ),
    )


def _parse_s3_header_fast(request: Request, values: Dict[str, str]) -> Optional[LegacyAuth]:
    """:func:`parse_s3_header` of ``Authorization: AWS key:signature`` with an IMF-fixdate
    ``Date`` header (no x-amz-date)."""
    authorization = values.get("authorization")
    date = values.get("date")
    if authorization is None or date is None or "x-amz-date" in values:
        return None
    query = request[7]
    if query:
        for piece in query.split("&"):
            name = piece.partition("=")[0]
            if "%" in name or name in _S3_QUERY_SINGLE or name.lower() in _ONLY_ONE_NAMES:
                return None
    value = authorization.strip(_BLANKS)
    if not value.startswith("AWS ") or value.count(" ") != 1:
        return None
    parts = parse_authorization(value)
    text = date.strip(_BLANKS)  # (_trim: a Request value holds no CR or LF)
    when = http_date_instant(text)
    if parts is None or when is None or when.year < 1970:
        return None
    token = values.get(_TOKEN)
    return _tuple_new(
        LegacyAuth,
        (
            "s3-v2",
            parts[0],
            parts[1],
            () if token is None else (token,),
            when,
            text,
            None,
            "",
            "",
            (),
            text,
            None,
            values,
        ),
    )


def _parse_s3_query_fast(request: Request, values: Dict[str, str]) -> Optional[LegacyAuth]:
    """:func:`parse_s3_query` of a presigned URL whose parameter names hold no ``%``."""
    if "authorization" in values:
        return None
    found: Dict[str, str] = {}
    tokens: List[str] = []
    for piece in request[7].split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if "%" in name:
            return None
        if name in _S3_QUERY_SINGLE:
            if name in found:
                return None
            found[name] = percent_decode_str(value) if "%" in value else value
            continue
        lowered = name.lower()
        if lowered == _TOKEN:
            tokens.append(percent_decode_str(value))
        elif lowered in _ONLY_ONE_NAMES:
            return None
    access_key = found.get("AWSAccessKeyId")
    signature = found.get("Signature")
    expires = found.get("Expires")
    if (
        not access_key
        or not signature
        or not expires
        or not (expires.isascii() and expires.isdigit() and len(expires) <= 20)
    ):
        return None
    token = values.get(_TOKEN)
    if token is not None:
        tokens.append(token)
    epoch = int(expires)
    return _tuple_new(
        LegacyAuth,
        (
            "s3-v2-query",
            access_key,
            signature,
            tuple(tokens),
            None,
            "",
            _dt.datetime.fromtimestamp(epoch, UTC) if epoch <= _MAX_EPOCH else None,
            expires,
            "",
            (),
            "",
            None,
            values,
        ),
    )


def _token_matches(sent: Tuple[str, ...], credentials: Credentials) -> bool:
    # _check_token's test, without the error
    expected = credentials.token
    if expected is None:
        return not sent
    return len(sent) == 1 and sent[0].isascii() and _crypto.constant_time_equal(sent[0], expected)


def _verify_fast(
    signer: LegacySigner,
    request: Request,
    credentials: Credentials,
    parsed: LegacyAuth,
    now: _dt.datetime,
    max_skew: float,
) -> Optional[Artifacts]:
    """The checks of the scheme's verifier for a request that passes them all: the artifacts,
    else ``None`` (and the general verifier reports what failed)."""
    kind = type(signer)
    if (
        kind not in BUILT_IN_SIGNERS
        or type(request) is not Request
        or type(credentials) is not Credentials
        or parsed.access_key != credentials.access_key
        or not _token_matches(parsed.tokens, credentials)
    ):
        return None
    values = parsed.header_values
    if values is None:
        values = _single_values(request)
        if values is None:
            return None
    method, _, headers, _, _, _, path, query = request
    when = parsed.request_time
    if kind is SigV2Signer:
        canonical = parsed.canonical_query
        if canonical is None:
            return None
        skew = _skew(max_skew)
        expiry = parsed.expires_at
        if when is not None:
            if abs(now - when) > skew:
                return None
        elif expiry is None or now - expiry > skew:
            return None
        host = values.get("host")
        if host is None:
            host = request.host_header.lower()
        else:  # request_host, of the one Host header
            host = host.strip().lower()
            default = _DEFAULT_PORTS.get(request.scheme)
            if default is not None and host.endswith(":" + default):
                host = host[: -len(default) - 1]
        sts = f"{method}\n{host}\n{path or '/'}\n{canonical}"
        signature = _crypto.hmac_base64(
            credentials.secret_key,
            SIGNATURE_METHODS[parsed.signature_method],
            sts.encode("utf-8", "surrogateescape"),
        )
        signed_headers = "host"
    else:
        if kind is S3V2Signer:
            if when is None or abs(now - when) > _skew(max_skew):
                return None
            date_line = parsed.date_line
            amz_pairs: Sequence[Pair] = headers
        else:
            # presigned: only the expiry counts (now and the expiry are whole seconds)
            expiry = parsed.expires_at
            if expiry is not None and now > expiry:
                return None
            date_line = parsed.expires_text
            # x-amz-* query parameters (the session token among them) are signed as headers
            amz_query = [
                (n, percent_decode_str(v))
                for n, v in request.query_pairs()
                if n.lower().startswith(_AMZ_PREFIX)
            ]
            amz_pairs = headers + tuple(amz_query) if amz_query else headers
        content_md5 = values.get("content-md5")
        content_type = values.get("content-type")
        options = signer.options  # type: ignore[union-attr]
        try:
            bucket = options.resolve_bucket(host_name(request, values.get("host")))
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
        fixed = _DATE_SIGNED if date_line and kind is S3V2Signer else _DATE_UNSIGNED
        signed_names = []
        amz_sent = False
        for key in values:
            if key.startswith(_AMZ_PREFIX):
                amz_sent = True
                signed_names.append(key)
            elif key in fixed:
                signed_names.append(key)
        amz = canonical_amz_headers(amz_pairs) if amz_sent or amz_pairs is not headers else ""
        # (_trim: a Request value holds no CR or LF)
        md5_line = "" if content_md5 is None else content_md5.strip(_BLANKS)
        type_line = "" if content_type is None else content_type.strip(_BLANKS)
        sts = f"{method}\n{md5_line}\n{type_line}\n{date_line}\n{amz}{resource}"
        signature = _crypto.hmac_base64(
            credentials.secret_key, "sha1", sts.encode("utf-8", "surrogateescape")
        )
        signed_names.sort()
        signed_headers = ";".join(signed_names)
    provided = parsed.signature
    if not provided.isascii() or not _compare_digest(provided, signature):
        return None
    return _tuple_new(Artifacts, (None, sts, signature, None, signed_headers, None))


# -- entry points ------------------------------------------------------------------------------

_T = TypeVar("_T")


def _guarded(signer: LegacySigner, step: Callable[[], _T]) -> _T:
    try:
        return step()
    except UnicodeError:
        # A lone surrogate that stands for no raw byte: only a caller-built Request holds one.
        message = "the request holds text that is neither UTF-8 nor raw bytes"
        if isinstance(signer, S3V2Signer):
            raise InvalidArgument(message, field="request") from None
        raise IncompleteSignature(message, field="request") from None


def parse(signer: LegacySigner, request: Request) -> LegacyAuth:
    """What ``request`` claims, read as ``signer``'s scheme would (errors as AWS answers)."""
    fast = _parse_fast(signer, request)
    if fast is not None:
        return fast
    if isinstance(signer, S3V2QuerySigner):
        return _guarded(signer, lambda: parse_s3_query(request))
    if isinstance(signer, S3V2Signer):
        return _guarded(signer, lambda: parse_s3_header(request))
    return _guarded(signer, lambda: parse_sigv2(request))


def verify(
    signer: LegacySigner,
    request: Request,
    credentials: Credentials,
    now: Optional[_dt.datetime] = None,
    max_skew: float = 900,
    *,
    parsed: Optional[LegacyAuth] = None,
) -> Artifacts:
    """Verify ``request`` as ``signer``'s scheme; the artifacts on success.

    ``parsed`` is this request's :func:`parse` result when the caller (the dispatcher) has it.
    Raises a :class:`~signers.errors.VerificationError` carrying AWS's code otherwise.
    """
    _check_inputs(request, credentials)
    when = resolve_time(now, field="now")
    skew = check_max_skew(max_skew)
    if parsed is None or parsed.scheme != signer.name:
        parsed = parse(signer, request)
    try:
        artifacts = _verify_fast(signer, request, credentials, parsed, when, skew)
    except UnicodeError:
        artifacts = None  # (text no encoding can carry: the general path decides)
    if artifacts is not None:
        return artifacts
    claimed = parsed
    if isinstance(signer, S3V2QuerySigner):
        query_signer = signer
        return _guarded(
            signer, lambda: _verify_s3_query(query_signer, request, credentials, claimed, when)
        )
    if isinstance(signer, S3V2Signer):
        header_signer = signer
        return _guarded(
            signer,
            lambda: _verify_s3_header(header_signer, request, credentials, claimed, when, skew),
        )
    return _guarded(signer, lambda: _verify_sigv2(request, credentials, claimed, when, skew))
