"""Verification of S3's legacy HMAC-SHA1 scheme: the ``Authorization: AWS key:signature`` header
(``s3-v2``) and presigned URLs (``s3-v2-query``), as S3 answers.

A verifier reads the header (or the ``AWSAccessKeyId`` / ``Expires`` / ``Signature`` parameters)
strictly, checks the time, the access key and the session token, recomputes the string to sign
over exactly what was sent with the scheme's own stage functions (:mod:`signers._core.s3_v2`;
the server's addressing options place the bucket in the resource) and compares signatures in
constant time.

The answers (XML ``<Error>``; ceph's s3-tests, written against AWS, pin several of these):

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

The common case takes a one-pass path (:func:`parse_header_fast`, :func:`parse_query_fast`,
:func:`verify_fast`): the same checks and values, and ``None`` at the first doubt, after which the
step-by-step path (:func:`parse_header`, :func:`parse_query`, :func:`verify_steps`) decides and
reports; :mod:`.legacy` runs them.
"""

from __future__ import annotations

import datetime as _dt
from hmac import compare_digest
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .. import _crypto
from .._arguments import check_request
from .._core.s3_v2 import (
    S3V2Options,
    amz_query_pairs,
    canonical_amz_headers,
    canonical_resource_of,
    compute_signature,
    parse_authorization,
    string_to_sign,
)
from .._core.s3_v2 import trim as _trim
from .._encoding import percent_decode_str
from .._time import UTC, epoch_seconds, http_date_instant, iso8601, parse_amz_date, resolve_time
from ..errors import (
    AccessDenied,
    InvalidArgument,
    InvalidTime,
    MissingAuthenticationToken,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    SigningError,
    VerificationError,
)
from ..model import Artifacts, Request
from .answers import FLAVORS, MISMATCH, ONLY_ONE, check_credentials, shown, skew
from .legacy_auth import (
    LegacyAuth,
    LegacyCheck,
    fast_values,
    signature_matches,
)

__all__ = [
    "parse_header_fast",
    "parse_query_fast",
    "parse_header",
    "parse_query",
    "verify_fast",
    "verify_steps",
]

Pair = Tuple[str, str]

_FLAVOR = FLAVORS[True, False]  # S3's answers
_tuple_new = tuple.__new__

_NO_DATE = "AWS authentication requires a valid Date or x-amz-date header"
_QUERY_REQUIRES = (
    "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"
)
_QUERY_SINGLE = ("AWSAccessKeyId", "Expires", "Signature")
_HEADER_REFUSED = ("Signature", "AWSAccessKeyId")
_TOKEN = "x-amz-security-token"
_AMZ_PREFIX = "x-amz-"
_ONLY_ONE_NAMES = ("x-amz-algorithm", "x-amz-signature")
_DATE_SIGNED = ("content-md5", "content-type", "date")
_DATE_UNSIGNED = ("content-md5", "content-type")
_BLANKS = " \t"
# Expires beyond this is not a time any server will reach; its text is kept as sent.
_MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z


# -- the header form, step by step ---------------------------------------------------------------


def _http_date(value: str) -> Optional[_dt.datetime]:
    """An HTTP date (RFC 1123 and the forms email.utils reads), in UTC; None if unreadable."""
    from email.utils import parsedate_to_datetime

    try:
        parsed = parsedate_to_datetime(value)  # ValueError (3.10+) or TypeError when unreadable
        when = resolve_time(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    except (TypeError, ValueError, IndexError, OverflowError, InvalidTime):
        return None
    return when


def _request_time(request: Request) -> Tuple[_dt.datetime, str, str]:
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


def _refuse_query_auth(request: Request) -> None:
    # The presigned form's parameters (or SigV4's) next to an Authorization header.
    for name, _ in request.query_pairs():
        if name in _HEADER_REFUSED or percent_decode_str(name).lower() in _ONLY_ONE_NAMES:
            raise InvalidArgument(ONLY_ONE, field="Authorization")


def parse_header(request: Request) -> LegacyAuth:
    """Read ``Authorization: AWS key:signature`` and the request time, strictly."""
    check_request(request)
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
    _refuse_query_auth(request)
    value = values[0].strip(_BLANKS)
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
    when, text, date_line = _request_time(request)
    return LegacyAuth(
        scheme="s3-v2",
        access_key=parts[0],
        signature=parts[1],
        tokens=tuple(request.header_values(_TOKEN)),
        request_time=when,
        request_time_text=text,
        date_line=date_line,
    )


def _check_time(parsed: LegacyAuth, now: _dt.datetime, max_skew: float) -> None:
    when = parsed.request_time
    assert when is not None
    if abs(now - when) <= skew(max_skew):
        return
    raise RequestTimeTooSkewed(
        "The difference between the request time and the current time is too large.",
        field="date",
        details=[
            ("RequestTime", parsed.request_time_text),
            ("ServerTime", iso8601(now)),
            ("MaxAllowedSkewMilliseconds", str(int(max_skew * 1000))),
        ],
    )


# -- the presigned form, step by step ------------------------------------------------------------


def parse_query(request: Request) -> LegacyAuth:
    """Read ``AWSAccessKeyId``, ``Expires``, ``Signature`` (and the token) from the query."""
    check_request(request)
    if request.has_header("authorization"):
        raise InvalidArgument(ONLY_ONE, field="Authorization")
    found: Dict[str, str] = {}
    tokens: List[str] = []
    for name, value in request.query_pairs():
        if name in _QUERY_SINGLE:
            if name in found:
                raise InvalidArgument(
                    f"Query-string authentication parameter {name} appears more than once",
                    field=name,
                )
            found[name] = percent_decode_str(value)
        elif name.lower() == _TOKEN:
            tokens.append(percent_decode_str(value))
        elif percent_decode_str(name).lower() in _ONLY_ONE_NAMES:
            raise InvalidArgument(ONLY_ONE, field=name)
    access_key = found.get("AWSAccessKeyId", "")
    signature = found.get("Signature", "")
    expires = found.get("Expires", "")
    if not (access_key and signature and expires):
        missing = [n for n in _QUERY_SINGLE if not found.get(n)]
        raise AccessDenied(_QUERY_REQUIRES, field=missing[0])
    if not _is_epoch(expires):
        raise AccessDenied(
            f"Invalid date (should be seconds since epoch): {shown(expires)}", field="Expires"
        )
    return LegacyAuth(
        scheme="s3-v2-query",
        access_key=access_key,
        signature=signature,
        tokens=(*tokens, *request.header_values(_TOKEN)),
        expires_at=_expiry(expires),
        expires_text=expires,
    )


def _is_epoch(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 20


def _expiry(epoch_text: str) -> Optional[_dt.datetime]:
    epoch = int(epoch_text)
    return _dt.datetime.fromtimestamp(epoch, UTC) if epoch <= _MAX_EPOCH else None


def _check_expiry(parsed: LegacyAuth, now: _dt.datetime) -> None:
    # Presigned URLs carry no request time: only the expiry is checked, with no skew allowed.
    if epoch_seconds(now) > int(parsed.expires_text):
        expires = iso8601(parsed.expires_at) if parsed.expires_at else parsed.expires_text
        raise AccessDenied(
            "Request has expired",
            field="Expires",
            details=[("Expires", expires), ("ServerTime", iso8601(now))],
        )


# -- the signature, step by step -----------------------------------------------------------------


def _single_header(request: Request, name: str) -> str:
    values = request.header_values(name)
    if len(values) > 1:
        raise InvalidArgument(
            f"header {name!r} appears {len(values)} times; it is signed and must be sent once",
            field=name,
        )
    return _trim(values[0]) if values else ""


def _canonical_resource(options: S3V2Options, request: Request) -> str:
    try:
        return canonical_resource_of(options, request, request.header("host"))
    except VerificationError:
        raise
    except SigningError as exc:
        # The server's addressing options do not fit the Host the client sent (a bucket it does
        # not serve, virtual-hosted addressing required): no string to sign can be built.
        raise InvalidArgument(f"Host: {exc.message}", field="Host") from None


def _signed_header_names(names: Iterable[str], date_signed: bool) -> str:
    """The headers the signature covers, of the lower-case ``names`` sent."""
    fixed = _DATE_SIGNED if date_signed else _DATE_UNSIGNED
    return ";".join(sorted([n for n in names if n in fixed or n.startswith(_AMZ_PREFIX)]))


def _mismatch(parsed: LegacyAuth, sts: str) -> SignatureDoesNotMatch:
    provided = parsed.signature
    return SignatureDoesNotMatch(
        MISMATCH,
        field="Signature",
        string_to_sign=sts,
        details=[
            ("AWSAccessKeyId", parsed.access_key),
            ("SignatureProvided", provided if len(provided) <= 80 else shown(provided)),
        ],
    )


def _bucket_level_alternative(request: Request, resource: str) -> Optional[str]:
    """``/bucket/`` for a path-style bucket-level resource ``/bucket`` (subresources kept)."""
    path, mark, subresources = resource.partition("?")
    if request.path != path or path.count("/") != 1 or len(path) < 2:
        return None
    return path + "/" + mark + subresources


def verify_steps(check: LegacyCheck) -> Artifacts:
    """Verify the request (``parsed`` is what it claims) at ``now`` as a server with ``options``
    (:class:`~signers._core.s3_v2.S3V2Options`) would, every check in turn; the artifacts."""
    options, request, credentials, parsed, now, max_skew = check
    presigned = parsed.scheme == "s3-v2-query"
    if presigned:
        _check_expiry(parsed, now)
    else:
        _check_time(parsed, now, max_skew)
    check_credentials(parsed.access_key, parsed.tokens, credentials, _FLAVOR)
    amz_pairs: Sequence[Pair] = request.headers
    if presigned:
        amz_pairs = [*amz_pairs, *amz_query_pairs(request)]
    lines = (
        request.method,
        _single_header(request, "content-md5"),
        _single_header(request, "content-type"),
        parsed.expires_text if presigned else parsed.date_line,
        canonical_amz_headers(amz_pairs),
    )
    resource = _canonical_resource(options, request)
    sts = string_to_sign(*lines, resource)
    signature = compute_signature(credentials.secret_key, sts)
    if not signature_matches(parsed.signature, signature):
        # A bucket-level request addressed path-style (PUT /bucket) is signed over /bucket/ by
        # botocore's legacy S3 signer, and S3 accepts it: so is it here.
        other = _bucket_level_alternative(request, resource)
        if other is None:
            raise _mismatch(parsed, sts)
        other_sts = string_to_sign(*lines, other)
        other_signature = compute_signature(credentials.secret_key, other_sts)
        if not signature_matches(parsed.signature, other_signature):
            raise _mismatch(parsed, sts)
        sts, signature = other_sts, other_signature
    names = {n.lower() for n, _ in request.headers}
    return Artifacts(
        canonical_request=None,
        string_to_sign=sts,
        signature=signature,
        signed_headers=_signed_header_names(names, bool(parsed.date_line)),
    )


# -- the common case in one pass ------------------------------------------------------------------
#
# The one-pass functions accept only what the step-by-step ones accept and compute the same values;
# at the first doubt they return None and the step-by-step code decides, and reports every failure.


def parse_header_fast(request: Request, values: Dict[str, str]) -> Optional[LegacyAuth]:
    """:func:`parse_header` of ``Authorization: AWS key:signature`` with an IMF-fixdate ``Date``
    header (no x-amz-date)."""
    authorization = values.get("authorization")
    date = values.get("date")
    if authorization is None or date is None or "x-amz-date" in values:
        return None
    query = request[7]
    if query:
        for piece in query.split("&"):
            name = piece.partition("=")[0]
            if "%" in name or name in _QUERY_SINGLE or name.lower() in _ONLY_ONE_NAMES:
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
        ("s3-v2", parts[0], parts[1], () if token is None else (token,), when, text, None, "",
         "", (), text, None, values),
    )  # fmt: skip


def parse_query_fast(request: Request, values: Dict[str, str]) -> Optional[LegacyAuth]:
    """:func:`parse_query` of a presigned URL whose parameter names hold no ``%``."""
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
        if name in _QUERY_SINGLE:
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
    # (_is_epoch and _expiry written out: two calls fewer, measured)
    if not (access_key and signature and expires and expires.isdigit() and expires.isascii()):
        return None
    if len(expires) > 20:
        return None
    epoch = int(expires)
    token = values.get(_TOKEN)
    if token is not None:
        tokens.append(token)
    expiry = _dt.datetime.fromtimestamp(epoch, UTC) if epoch <= _MAX_EPOCH else None
    return _tuple_new(
        LegacyAuth,
        ("s3-v2-query", access_key, signature, tuple(tokens), None, "", expiry,
         expires, "", (), "", None, values),
    )  # fmt: skip


def verify_fast(check: LegacyCheck) -> Optional[Artifacts]:
    """:func:`verify_steps` of a request that passes every check, else ``None``."""
    options, request, credentials, parsed, now, max_skew = check
    values = fast_values(request, credentials, parsed)
    if values is None:
        return None
    headers = request[2]
    amz_pairs: Sequence[Pair] = headers
    if parsed.scheme == "s3-v2":
        when = parsed.request_time
        if when is None or abs(now - when) > skew(max_skew):
            return None
        date_line = parsed.date_line
    else:
        # presigned: only the expiry counts (now and the expiry are whole seconds)
        expiry = parsed.expires_at
        if expiry is not None and now > expiry:
            return None
        date_line = parsed.expires_text
        amz_query = amz_query_pairs(request)
        if amz_query:
            amz_pairs = headers + tuple(amz_query)
    try:
        resource = canonical_resource_of(options, request, values.get("host"))
    except SigningError:
        return None
    # The signed header names, as _signed_header_names finds them, in the same loop that sees
    # whether an x-amz-* header was sent (this path is measured, tox -e bench).
    fixed = _DATE_SIGNED if parsed.scheme == "s3-v2" and date_line else _DATE_UNSIGNED
    names = []
    amz_sent = False
    for key in values:
        if key.startswith(_AMZ_PREFIX):
            amz_sent = True
            names.append(key)
        elif key in fixed:
            names.append(key)
    names.sort()
    amz = canonical_amz_headers(amz_pairs) if amz_sent or amz_pairs is not headers else ""
    content_md5 = values.get("content-md5")
    content_type = values.get("content-type")
    # (_trim: a Request value holds no CR or LF)
    md5_line = "" if content_md5 is None else content_md5.strip(_BLANKS)
    type_line = "" if content_type is None else content_type.strip(_BLANKS)
    sts = string_to_sign(request[0], md5_line, type_line, date_line, amz, resource)
    signature = _crypto.hmac_base64(
        credentials.secret_key, "sha1", sts.encode("utf-8", "surrogateescape")
    )
    provided = parsed.signature  # (signature_matches, written out)
    if not provided.isascii() or not compare_digest(provided, signature):
        return None
    return _tuple_new(Artifacts, (None, sts, signature, None, ";".join(names), None))
