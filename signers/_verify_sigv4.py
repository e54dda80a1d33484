"""Verification of AWS Signature Version 4, header and presigned-query forms.

A verifier does what the server does: parse the Authorization header (or the X-Amz-* query
parameters) strictly, check the time and the credential scope, recompute the canonical request
over exactly the headers the client listed in SignedHeaders, and compare signatures in constant
time.  Failures raise :class:`~signers.errors.VerificationError` subclasses carrying AWS's code.

AWS answers the same condition differently in S3 and in the other services ("flavors"):

- malformed Authorization header: S3 ``AuthorizationHeaderMalformed`` (400), others
  ``IncompleteSignature`` (400);
- malformed presigned parameters: ``AuthorizationQueryParametersError`` (400) everywhere;
- credential scope with a wrong region, service or date: S3 ``AuthorizationHeaderMalformed`` (400;
  presigned: ``AuthorizationQueryParametersError``), others ``SignatureDoesNotMatch`` (403) with
  the coral message "Credential should be scoped to correct service: 'x'." (JSON protocols:
  ``InvalidSignatureException``);
- ``host`` (S3: or any x-amz-* header sent) not signed: S3 ``AccessDenied`` (403) "There were
  headers present in the request which were not signed" with ``HeadersNotSigned``; others
  ``SignatureDoesNotMatch`` (403) "'Host' or ':authority' must be a 'SignedHeader' in the AWS
  Authorization.";
- unknown access key: S3 ``InvalidAccessKeyId`` (403), others ``InvalidClientTokenId`` (403);
- wrong or unexpected session token: S3 ``InvalidToken`` (400), others ``InvalidClientTokenId``.

The flavor is the signer's ``s3`` option.  Nothing here logs, and no message contains a secret.
"""

from __future__ import annotations

import datetime as _dt
from hashlib import sha256 as _sha256
from hmac import compare_digest as _compare_digest
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from . import _crypto
from ._encoding import (
    canonical_headers,
    canonical_path,
    canonical_query,
    canonical_query_of,
    is_canonical,
    percent_decode_str,
)
from ._time import amz_date, amz_instant, iso8601, parse_amz_date, resolve_time
from .errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    IncompleteSignature,
    InvalidAccessKeyId,
    InvalidArgument,
    InvalidClientTokenId,
    InvalidOption,
    InvalidRequest,
    InvalidTime,
    InvalidToken,
    MissingAuthenticationToken,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    VerificationError,
    XAmzContentSHA256Mismatch,
)
from .model import Artifacts, Credentials, PayloadHash, Request
from .options import MAX_EXPIRES
from .sigv4 import (
    ALGORITHM,
    UNSIGNED_PAYLOAD_VALUE,
    SigV4Signer,
    credential_scope,
    string_to_sign,
)
from .sigv4 import canonical_request as join_canonical_request
from .sigv4_query import SigV4QuerySigner
from .sigv4a import ALGORITHM as SIGV4A_ALGORITHM
from .sigv4a import credential_scope as sigv4a_credential_scope

_tuple_new = tuple.__new__

#: The signers whose verify() is this module's; the dispatcher hands them its parse.
BUILT_IN_SIGNERS = (SigV4Signer, SigV4QuerySigner)

__all__ = [
    "BUILT_IN_SIGNERS",
    "S3_SERVICES",
    "ParsedAuth",
    "parse_authorization_header",
    "parse_presigned_query",
    "verify_header",
    "verify_query",
    "is_s3_service",
    "check_max_skew",
]

#: Signing names that take S3's rules (single path encoding, no normalization, S3's error codes).
S3_SERVICES = frozenset({"s3", "s3-object-lambda", "s3-outposts", "s3express"})

_TERMINATOR = "aws4_request"
_HEADER_COMPONENTS = ("Credential", "SignedHeaders", "Signature")
_CREDENTIAL_FORM = '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request"'
_SIGV4A_CREDENTIAL_FORM = '"<YOUR-AKID>/YYYYMMDD/SERVICE/aws4_request"'
# What a SignedHeaders list may hold: lower-case RFC 7230 token characters and the ';' between.
_SIGNED_HEADERS_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz;")
_SIGNED_HEADERS_BYTES = "".join(sorted(_SIGNED_HEADERS_CHARS)).encode("ascii")
_ONLY_ONE = (
    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
    "string parameter or the Authorization header should be specified"
)
_NOT_SIGNED = "There were headers present in the request which were not signed"
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)

# The presigned parameters, by lower-case name -> the spelling AWS documents.
_QUERY_AUTH = {
    "x-amz-algorithm": "X-Amz-Algorithm",
    "x-amz-credential": "X-Amz-Credential",
    "x-amz-date": "X-Amz-Date",
    "x-amz-signedheaders": "X-Amz-SignedHeaders",
    "x-amz-signature": "X-Amz-Signature",
    "x-amz-expires": "X-Amz-Expires",
    "x-amz-security-token": "X-Amz-Security-Token",
}
_REGION_SET = "x-amz-region-set"
#: SigV4A's presigned parameters: SigV4's and the region set.
_SIGV4A_QUERY_AUTH = {**_QUERY_AUTH, _REGION_SET: "X-Amz-Region-Set"}
_QUERY_REQUIRED = (
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-signature",
    "x-amz-date",
    "x-amz-signedheaders",
)


def is_s3_service(service: Optional[str]) -> bool:
    return service in S3_SERVICES


def check_max_skew(max_skew: object) -> float:
    if isinstance(max_skew, bool) or not isinstance(max_skew, (int, float)) or max_skew < 0:
        raise InvalidOption(
            f"max_skew: expected seconds >= 0 (AWS allows 900), got {max_skew!r}", field="max_skew"
        )
    return float(max_skew)


def _shown(value: str, limit: int = 80) -> str:
    # Quote a client-supplied value in a message: bounded, one line (errors escape CR/LF).
    return repr(value if len(value) <= limit else value[:limit] + "...")


class ParsedAuth(Tuple[Any, ...]):
    """What a SigV4 request claims: credential scope, signed headers, signature, time.

    A tuple underneath (built on every verification; a tuple is several times cheaper to build
    than an object with slots set one by one), read through named attributes.  Besides the claims
    it keeps what the fast parse already read of the request, for the checks to reuse:
    ``header_values`` (lower-case name -> value, when no header is repeated) and ``query_pairs``
    (the raw query pairs of a presigned URL but X-Amz-Signature, when they are all in canonical
    form), else ``None``.  For SigV4A (``algorithm`` ``AWS4-ECDSA-P256-SHA256``) ``region`` is
    the region set the request signed (X-Amz-Region-Set) and the credential scope has no region.
    """

    __slots__ = ()

    if TYPE_CHECKING:
        location: str
        access_key: str
        date: str
        region: str
        service: str
        terminator: str
        signed_headers: str
        header_names: Tuple[str, ...]
        signature: str
        request_time: _dt.datetime
        request_time_text: str
        expires: Optional[int]
        token: Optional[str]
        content_sha256: Optional[str]
        header_values: Optional[Dict[str, str]]
        query_pairs: Optional[List[Tuple[str, str]]]
        algorithm: str
    else:
        location = property(itemgetter(0))
        access_key = property(itemgetter(1))
        date = property(itemgetter(2))
        region = property(itemgetter(3))
        service = property(itemgetter(4))
        terminator = property(itemgetter(5))
        signed_headers = property(itemgetter(6))
        header_names = property(itemgetter(7))
        signature = property(itemgetter(8))
        request_time = property(itemgetter(9))
        request_time_text = property(itemgetter(10))
        expires = property(itemgetter(11))
        token = property(itemgetter(12))
        content_sha256 = property(itemgetter(13))
        header_values = property(itemgetter(14))
        query_pairs = property(itemgetter(15))
        algorithm = property(itemgetter(16))

    def __new__(
        cls,
        *,
        location: str,
        access_key: str,
        date: str,
        region: str,
        service: str,
        terminator: str,
        signed_headers: str,
        header_names: Tuple[str, ...],
        signature: str,
        request_time: _dt.datetime,
        request_time_text: str,
        expires: Optional[int],
        token: Optional[str],
        content_sha256: Optional[str],
        header_values: Optional[Dict[str, str]] = None,
        query_pairs: Optional[List[Tuple[str, str]]] = None,
        algorithm: str = ALGORITHM,
    ) -> ParsedAuth:
        return _tuple_new(
            cls,
            (
                location,
                access_key,
                date,
                region,
                service,
                terminator,
                signed_headers,
                header_names,
                signature,
                request_time,
                request_time_text,
                expires,
                token,
                content_sha256,
                header_values,
                query_pairs,
                algorithm,
            ),
        )

    @property
    def sigv4a(self) -> bool:
        return self.algorithm == SIGV4A_ALGORITHM

    @property
    def credential_scope(self) -> str:
        if self.sigv4a:
            return sigv4a_credential_scope(self.date, self.service)
        return credential_scope(self.date, self.region, self.service)

    def __repr__(self) -> str:
        return (
            f"ParsedAuth(location={self.location!r}, access_key={self.access_key!r}, "
            f"scope={self.credential_scope!r}, signed_headers={self.signed_headers!r})"
        )


# -- parsing -----------------------------------------------------------------------------------


class _Flavor:
    """Builds the error AWS answers with, for S3 or for the other services, header or query."""

    __slots__ = ("query", "s3")

    def __init__(self, *, s3: bool, query: bool) -> None:
        self.s3 = s3
        self.query = query

    def malformed(
        self, message: str, *, field: str, s3_message: Optional[str] = None
    ) -> VerificationError:
        """A missing, repeated or unparsable component."""
        if self.query:
            return AuthorizationQueryParametersError(s3_message or message, field=field)
        if self.s3:
            return AuthorizationHeaderMalformed(
                "The authorization header is malformed; " + (s3_message or message), field=field
            )
        return IncompleteSignature(message, field=field)

    def scope(
        self, message: str, s3_message: str, *, field: str, expected: str
    ) -> VerificationError:
        """A well-formed credential scope this server does not serve."""
        if self.s3:
            if self.query:
                return AuthorizationQueryParametersError(
                    "Error parsing the X-Amz-Credential parameter; " + s3_message,
                    field=field,
                    details=[("Region", expected)] if field == "region" else (),
                )
            return AuthorizationHeaderMalformed(
                "The authorization header is malformed; " + s3_message,
                field=field,
                details=[("Region", expected)] if field == "region" else (),
            )
        return SignatureDoesNotMatch(message, field=field)

    def not_signed(self, names: Sequence[str]) -> VerificationError:
        if self.s3:
            return AccessDenied(
                _NOT_SIGNED,
                field="SignedHeaders",
                details=[("HeadersNotSigned", ", ".join(names))],
            )
        return SignatureDoesNotMatch(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            field="SignedHeaders",
        )

    def bad_date(self, message: str, *, field: str) -> VerificationError:
        if self.query:
            return AuthorizationQueryParametersError(message, field=field)
        if self.s3:
            return AccessDenied(
                "AWS authentication requires a valid Date or x-amz-date header", field=field
            )
        return IncompleteSignature(message, field=field)

    def unknown_key(self, access_key: str) -> VerificationError:
        if self.s3:
            return InvalidAccessKeyId(
                "The AWS Access Key Id you provided does not exist in our records.",
                field="access_key",
                details=[("AWSAccessKeyId", access_key)],
            )
        return InvalidClientTokenId(
            "The security token included in the request is invalid.", field="access_key"
        )

    def bad_token(self) -> VerificationError:
        if self.s3:
            return InvalidToken(
                "The provided token is malformed or otherwise invalid.",
                field="x-amz-security-token",
            )
        return InvalidClientTokenId(
            "The security token included in the request is invalid.", field="x-amz-security-token"
        )


def _parse_credential(
    value: str, flavor: _Flavor, field: str, *, sigv4a: bool = False
) -> Tuple[str, str, str, str, str]:
    """``(access key, date, region, service, terminator)``; SigV4A's has no region (``""``)."""
    parts = value.split("/")
    count, example, form = (
        (4, "keyid/date/service/term", _SIGV4A_CREDENTIAL_FORM)
        if sigv4a
        else (5, "keyid/date/region/service/term", _CREDENTIAL_FORM)
    )
    # Every part is a non-empty run of visible ASCII: the scope is hashed and HMAC'ed as UTF-8, and
    # AWS's own keys, dates, regions and service names never leave that range.
    if (
        len(parts) != count
        or "" in parts
        or not (value.isascii() and value.isprintable())
        or " " in value
    ):
        raise flavor.malformed(
            f"Credential must have exactly {count} slash-delimited elements, e.g. "
            f"{example}, got {_shown(value)}",
            field=field,
            s3_message=(
                ("Error parsing the X-Amz-Credential parameter; " if flavor.query else "")
                + f"the Credential is mal-formed; expecting {form}."
            ),
        )
    if sigv4a:
        access_key, date, service, terminator = parts
        return access_key, date, "", service, terminator
    access_key, date, region, service, terminator = parts
    return access_key, date, region, service, terminator


def _parse_signed_headers(value: str, flavor: _Flavor, field: str) -> Tuple[str, ...]:
    names = value.split(";") if value else []
    if "" in names or not _SIGNED_HEADERS_CHARS.issuperset(value):
        raise flavor.malformed(
            f"{field} {_shown(value)} is not a ';'-separated list of lower-case header names",
            field=field,
        )
    seen: Set[str] = set()
    for name in names:
        if name in seen:
            raise flavor.malformed(f"{field} names header {_shown(name)} twice", field=field)
        seen.add(name)
    return tuple(names)


_Headers = Dict[str, List[str]]


def _header_index(request: Request) -> _Headers:
    """Header values by lower-case name, read once per request."""
    index: _Headers = {}
    for name, value in request.headers:
        index.setdefault(name.lower(), []).append(value)
    return index


def _single_header(headers: _Headers, name: str, flavor: _Flavor) -> Optional[str]:
    values = headers.get(name)
    if values is None:
        return None
    if len(values) > 1:
        raise flavor.malformed(f"header {name!r} appears more than once", field=name)
    return values[0]


def _header_time(headers: _Headers, flavor: _Flavor) -> Tuple[_dt.datetime, str]:
    amz = _single_header(headers, "x-amz-date", flavor)
    if amz is not None:
        try:
            return parse_amz_date(amz.strip()), amz.strip()
        except InvalidTime:
            raise flavor.bad_date(
                f"Date must be in ISO-8601 'basic format'. Got {_shown(amz)}. "
                "See http://en.wikipedia.org/wiki/ISO_8601",
                field="x-amz-date",
            ) from None
    date = _single_header(headers, "date", flavor)
    if date is None:
        raise flavor.bad_date(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
            field="x-amz-date",
        )
    # The HTTP Date header (RFC 1123) stands in for X-Amz-Date; the string to sign carries the
    # same instant in the basic ISO 8601 form.  email.utils is imported here, off the signing path.
    from email.utils import parsedate_to_datetime

    try:
        parsed = parsedate_to_datetime(date)
        when = resolve_time(parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.timezone.utc))
    except (TypeError, ValueError, IndexError, OverflowError):
        raise flavor.bad_date(
            f"Date header {_shown(date)} is not an HTTP date (RFC 1123)", field="date"
        ) from None
    return when, amz_date(when)


def parse_authorization_header(
    request: Request, *, s3: bool = False, sigv4a: bool = False
) -> ParsedAuth:
    """Parse ``Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``.

    Also reads the request time (``X-Amz-Date``, else ``Date``) and the session token header.
    ``sigv4a=True`` parses SigV4A's ``AWS4-ECDSA-P256-SHA256`` instead (no region in the
    Credential; the region set from the ``X-Amz-Region-Set`` header).
    """
    if type(request) is Request and not sigv4a:
        single = _single_values(request)
        if single is not None:
            fast = _parse_header_fast(request, single)
            if fast is not None:
                return fast
    flavor = _Flavor(s3=s3, query=False)
    expected_algorithm = SIGV4A_ALGORITHM if sigv4a else ALGORITHM
    headers = _header_index(request)
    values = headers.get("authorization", [])
    if not values:
        raise MissingAuthenticationToken(
            "Request is missing Authentication Token (no Authorization header)",
            field="Authorization",
        )
    if len(values) > 1:
        raise flavor.malformed(
            "the Authorization header appears more than once", field="Authorization"
        )
    for name, _ in request.query_pairs():
        if percent_decode_str(name).lower() in ("x-amz-algorithm", "x-amz-signature"):
            raise InvalidArgument(_ONLY_ONE, field="Authorization")
    value = values[0].strip()
    algorithm, _, rest = value.partition(" ")
    if algorithm != expected_algorithm:
        if s3:
            raise InvalidArgument("Unsupported Authorization Type", field="Authorization")
        raise IncompleteSignature(
            f"Unsupported AWS 'algorithm': {_shown(algorithm)} (only {expected_algorithm} here).",
            field="Authorization",
        )
    components: Dict[str, str] = {}
    for piece in rest.split(","):
        piece = piece.strip()
        if not piece:
            continue
        key, eq, component = piece.partition("=")
        key = key.strip()
        if not eq:
            raise flavor.malformed(
                f"{_shown(key)} not a valid key=value pair (missing equal-sign) in "
                "Authorization header",
                field="Authorization",
                s3_message=f"the authorization component {_shown(piece)} is malformed.",
            )
        if key not in _HEADER_COMPONENTS:
            raise flavor.malformed(
                f"unknown Authorization component {_shown(key)}; expected Credential, "
                "SignedHeaders and Signature",
                field="Authorization",
                s3_message=f"the authorization component {_shown(piece)} is malformed.",
            )
        if key in components:
            raise flavor.malformed(
                f"Authorization component {key!r} appears more than once",
                field=key,
                s3_message=f"the authorization component {key!r} appears more than once.",
            )
        components[key] = component.strip()
    missing = [k for k in _HEADER_COMPONENTS if not components.get(k)]
    if missing:
        raise flavor.malformed(
            " ".join(f"Authorization header requires {k!r} parameter." for k in missing),
            field=missing[0],
            s3_message=(
                "the authorization header requires three components: Credential, "
                "SignedHeaders, and Signature."
            ),
        )
    access_key, date, region, service, terminator = _parse_credential(
        components["Credential"], flavor, "Credential", sigv4a=sigv4a
    )
    names = _parse_signed_headers(components["SignedHeaders"], flavor, "SignedHeaders")
    if sigv4a:
        region_set = _single_header(headers, _REGION_SET, flavor)
        if region_set is None or not region_set.strip():
            raise flavor.malformed(
                f"{SIGV4A_ALGORITHM} requires the 'X-Amz-Region-Set' header.", field=_REGION_SET
            )
        region = region_set.strip()
    when, when_text = _header_time(headers, flavor)
    token = _single_header(headers, "x-amz-security-token", flavor)
    return ParsedAuth(
        location="header",
        access_key=access_key,
        date=date,
        region=region,
        service=service,
        terminator=terminator,
        signed_headers=components["SignedHeaders"],
        header_names=names,
        signature=components["Signature"],
        request_time=when,
        request_time_text=when_text,
        expires=None,
        token=token.strip() if token is not None else None,
        content_sha256=_single_header(headers, "x-amz-content-sha256", flavor),
        algorithm=expected_algorithm,
    )


def _presigned_params(
    request: Request, known: Mapping[str, str] = _QUERY_AUTH
) -> Tuple[Dict[str, str], List[Tuple[str, str]]]:
    """The decoded X-Amz-* auth parameters, and every raw pair of the query."""
    pairs = request.query_pairs()
    found: Dict[str, str] = {}
    for name, value in pairs:
        key = percent_decode_str(name).lower()
        if key in known:
            if key in found:
                raise AuthorizationQueryParametersError(
                    f"{known[key]} appears more than once in the query string",
                    field=known[key],
                )
            found[key] = percent_decode_str(value)
    return found, pairs


def parse_presigned_query(
    request: Request, *, s3: bool = False, sigv4a: bool = False
) -> ParsedAuth:
    """Parse the X-Amz-* parameters of a presigned URL (X-Amz-Expires is required for S3).

    ``sigv4a=True`` parses a SigV4A one (``AWS4-ECDSA-P256-SHA256``, ``X-Amz-Region-Set``).
    """
    if type(request) is Request and not sigv4a:
        single = _single_values(request)
        if single is not None:
            fast = _parse_query_fast(request, single, s3)
            if fast is not None:
                return fast
    flavor = _Flavor(s3=s3, query=True)
    if request.has_header("authorization"):
        raise InvalidArgument(_ONLY_ONE, field="Authorization")
    known = _SIGV4A_QUERY_AUTH if sigv4a else _QUERY_AUTH
    expected_algorithm = SIGV4A_ALGORITHM if sigv4a else ALGORITHM
    found, _ = _presigned_params(request, known)
    required = (
        _QUERY_REQUIRED + ((_REGION_SET,) if sigv4a else ()) + (("x-amz-expires",) if s3 else ())
    )
    missing = [known[k] for k in required if not found.get(k)]
    if missing:
        listed = ", ".join(known[k] for k in required[:-1]) + ", and " + known[required[-1]]
        raise AuthorizationQueryParametersError(
            f"Query-string authentication version 4 requires the {listed} parameters "
            f"(missing: {', '.join(missing)}).",
            field=missing[0],
        )
    if found["x-amz-algorithm"] != expected_algorithm:
        raise AuthorizationQueryParametersError(
            f'X-Amz-Algorithm only supports "{expected_algorithm}"', field="X-Amz-Algorithm"
        )
    access_key, date, region, service, terminator = _parse_credential(
        found["x-amz-credential"], flavor, "X-Amz-Credential", sigv4a=sigv4a
    )
    if sigv4a:
        region = found[_REGION_SET].strip()
    names = _parse_signed_headers(found["x-amz-signedheaders"], flavor, "X-Amz-SignedHeaders")
    when_text = found["x-amz-date"]
    try:
        when = parse_amz_date(when_text, field="X-Amz-Date")
    except InvalidTime:
        raise AuthorizationQueryParametersError(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
            field="X-Amz-Date",
        ) from None
    expires: Optional[int] = None
    if "x-amz-expires" in found:
        text = found["x-amz-expires"]
        if not text.isdigit() or not text.isascii() or len(text) > 12:
            raise AuthorizationQueryParametersError(
                f"X-Amz-Expires should be a number of seconds, got {_shown(text)}",
                field="X-Amz-Expires",
            )
        expires = int(text)
        if expires > MAX_EXPIRES:
            raise AuthorizationQueryParametersError(
                f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_EXPIRES}",
                field="X-Amz-Expires",
            )
        if expires < 1:
            raise AuthorizationQueryParametersError(
                "X-Amz-Expires must be at least 1 second", field="X-Amz-Expires"
            )
    return ParsedAuth(
        location="query",
        access_key=access_key,
        date=date,
        region=region,
        service=service,
        terminator=terminator,
        signed_headers=found["x-amz-signedheaders"],
        header_names=names,
        signature=found["x-amz-signature"],
        request_time=when,
        request_time_text=when_text,
        expires=expires,
        token=found.get("x-amz-security-token"),
        content_sha256=_single_header(_header_index(request), "x-amz-content-sha256", flavor),
        algorithm=expected_algorithm,
    )


# -- the common case in one pass ------------------------------------------------------------------
#
# The fast functions below accept only what the strict ones above and the checks below accept, and
# compute the same values; at the first doubt they return None and the general code decides (and
# reports every failure, with its precise error).  tests/test_fast_paths.py compares both on
# valid and mutated requests.

_HEADER_PREFIX = "AWS4-HMAC-SHA256 Credential="
_HEADER_PREFIX_LENGTH = len(_HEADER_PREFIX)
_HEX_DIGITS = b"0123456789abcdef"
# What a presigned query as signers write it is made of: unreserved characters, escapes, = and &.
_QUERY_CHARACTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~%=&"
_ONLY_ONE_NAMES = ("x-amz-algorithm", "x-amz-signature")


def _single_values(request: Request) -> Optional[Dict[str, str]]:
    """Header values by lower-case name; ``None`` when a name is repeated (the general path)."""
    values: Dict[str, str] = {}
    for name, value in request[2]:
        key = name.lower()
        if key in values:
            return None
        values[key] = value
    return values


def _scope_parts(credential: str) -> Optional[List[str]]:
    # _parse_credential's test, without the error
    parts = credential.split("/")
    if (
        len(parts) != 5
        or "" in parts
        or not (credential.isascii() and credential.isprintable())
        or " " in credential
    ):
        return None
    return parts


def _header_names(signed_headers: str) -> Optional[Tuple[str, ...]]:
    # _parse_signed_headers' test, without the error (the character test in one C-level pass)
    if (
        not signed_headers
        or not signed_headers.isascii()
        or signed_headers.encode("ascii").translate(None, _SIGNED_HEADERS_BYTES)
    ):
        return None
    names = tuple(signed_headers.split(";"))
    if "" in names or len(set(names)) != len(names):
        return None
    return names


def _parse_header_fast(request: Request, values: Dict[str, str]) -> Optional[ParsedAuth]:
    """:func:`parse_authorization_header` of a header written as AWS writes it:
    ``AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=<64 hex>`` with X-Amz-Date."""
    authorization = values.get("authorization")
    if authorization is None:
        return None
    query = request[7]
    if query:
        for piece in query.split("&"):
            name = piece.partition("=")[0]
            if "%" in name or name.lower() in _ONLY_ONE_NAMES:
                return None
    value = authorization.strip()
    if not value.startswith(_HEADER_PREFIX):
        return None
    credential, _, rest = value[_HEADER_PREFIX_LENGTH:].partition(", SignedHeaders=")
    signed_headers, found, signature = rest.partition(", Signature=")
    parts = credential.split("/")
    # The tests of _parse_credential, _parse_signed_headers and of a hex signature, inline; and
    # no comma inside a component (the general parse then splits them the same way).
    if (
        not found
        or len(parts) != 5
        or "" in parts
        or "," in credential
        or " " in credential
        or not (credential.isascii() and credential.isprintable())
        or len(signature) != 64
        or not signature.isascii()
        or signature.encode("ascii").translate(None, _HEX_DIGITS)
        or not signed_headers
        or not signed_headers.isascii()
        or signed_headers.encode("ascii").translate(None, _SIGNED_HEADERS_BYTES)
    ):
        return None
    names = tuple(signed_headers.split(";"))
    amz = values.get("x-amz-date")
    if "" in names or len(set(names)) != len(names) or amz is None:
        return None
    when_text = amz.strip()
    when = amz_instant(when_text)
    if when is None:
        return None
    token = values.get("x-amz-security-token")
    return _tuple_new(
        ParsedAuth,
        (
            "header",
            *parts,
            signed_headers,
            names,
            signature,
            when,
            when_text,
            None,
            token.strip() if token is not None else None,
            values.get("x-amz-content-sha256"),
            values,
            None,
            ALGORITHM,
        ),
    )


def _parse_query_fast(request: Request, values: Dict[str, str], s3: bool) -> Optional[ParsedAuth]:
    """:func:`parse_presigned_query` of a URL as signers write it: parameter names without
    ``%``, names and values in canonical form (:func:`~signers._encoding.is_canonical`), no
    X-Amz-Content-Sha256 parameter.  Keeps the raw pairs but the signature, for the canonical
    query."""
    if "authorization" in values:
        return None
    query = request[7]
    if not query.isascii() or query.encode("ascii").translate(None, _QUERY_CHARACTERS):
        return None
    found: Dict[str, str] = {}  # the auth parameters, values still encoded
    pairs: List[Tuple[str, str]] = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if "%" in name or "=" in value:
            return None
        # (escaped slashes alone, as in every X-Amz-Credential, are canonical: "/" is reserved)
        if "%" in value and value.count("%") != value.count("%2F") and not is_canonical(value):
            return None
        key = name.lower()
        if key in _QUERY_AUTH:
            if key in found:
                return None
            found[key] = value
            if key == "x-amz-signature":
                continue
        elif key == "x-amz-content-sha256":
            return None
        pairs.append((name, value))
    for key in _QUERY_REQUIRED:
        if not found.get(key):
            return None
    for key, value in found.items():
        if "%" in value:
            found[key] = (
                value.replace("%2F", "/")
                if value.count("%") == value.count("%2F")
                else percent_decode_str(value)
            )
    credential = found["x-amz-credential"]
    signed_headers = found["x-amz-signedheaders"]
    parts = credential.split("/")
    if (
        found["x-amz-algorithm"] != ALGORITHM
        or len(parts) != 5
        or "" in parts
        or " " in credential
        or not (credential.isascii() and credential.isprintable())
    ):
        return None
    names = _header_names(signed_headers)
    when_text = found["x-amz-date"]
    when = amz_instant(when_text)
    if names is None or when is None:
        return None
    expires: Optional[int] = None
    text = found.get("x-amz-expires")
    if text is not None:
        if not text.isdigit() or not text.isascii() or len(text) > 12:
            return None
        expires = int(text)
        if not 1 <= expires <= MAX_EXPIRES:
            return None
    elif s3:
        return None
    return _tuple_new(
        ParsedAuth,
        (
            "query",
            *parts,
            signed_headers,
            names,
            found["x-amz-signature"],
            when,
            when_text,
            expires,
            found.get("x-amz-security-token"),
            values.get("x-amz-content-sha256"),
            values,
            pairs,
            ALGORITHM,
        ),
    )


# The last allowed skew as a timedelta, swapped in whole: (seconds, timedelta).
_last_skew: Tuple[float, _dt.timedelta] = (900.0, _dt.timedelta(seconds=900))


def _skew(seconds: float) -> _dt.timedelta:
    global _last_skew
    cached = _last_skew
    if cached[0] == seconds:
        return cached[1]
    skew = _dt.timedelta(seconds=seconds)
    _last_skew = (seconds, skew)
    return skew


def _verify_fast(
    signer: SigV4Signer,
    request: Request,
    credentials: Credentials,
    parsed: ParsedAuth,
    now: _dt.datetime,
    max_skew: float,
) -> Optional[Artifacts]:
    """The checks of :func:`_verify` for a request that passes them all: the artifacts, else
    ``None`` (and :func:`_verify` reports what failed)."""
    if type(request) is not Request or type(credentials) is not Credentials:
        return None
    (location, access_key, date, region, service, terminator, signed_headers, names, provided,
     when, when_text, expires, token, content_sha256, values, pairs,
     algorithm) = parsed  # fmt: skip
    if algorithm != ALGORITHM:
        return None
    if values is None:
        values = _single_values(request)
        if values is None:
            return None
    options = signer.options
    s3 = options.s3
    # time
    skew = _skew(max_skew)
    age = now - when
    if expires is None:
        if abs(age) > skew:
            return None
    # (whole seconds on both sides: resolve_time and parse_amz_date drop microseconds)
    elif age.days * 86400 + age.seconds > expires or -age > skew:
        return None
    # signed headers, scope, credentials
    if "host" not in names:
        return None
    if s3:
        for key in values:
            if key.startswith("x-amz-") and key not in names and key != "x-amz-content-sha256":
                return None
    if (
        terminator != _TERMINATOR
        or date != when_text[:8]
        or region != options.region
        or service != options.service
        or access_key != credentials.access_key
    ):
        return None
    expected_token = credentials.token
    if (expected_token is not None or token is not None) and (
        expected_token is None
        or token is None
        or not token.isascii()
        or not _crypto.constant_time_equal(token, expected_token)
    ):
        return None
    # payload hash
    method, _, _, body, _, _, path, query = request
    declared = content_sha256
    if declared is None:
        if location == "query" and s3:
            if pairs is None:  # (the fast parse leaves no declaration in the query)
                for name, _ in request.query_pairs():
                    if "%" in name or name.lower() == "x-amz-content-sha256":
                        return None  # declared in the query, or maybe so: the general path
            body_hash = UNSIGNED_PAYLOAD_VALUE
        elif isinstance(body, bytes):
            body_hash = _sha256(body).hexdigest() if body else _crypto.EMPTY_SHA256
        elif isinstance(body, PayloadHash):
            body_hash = body.hex
        else:
            body_hash = UNSIGNED_PAYLOAD_VALUE
    else:
        body_hash = declared.strip()
        if body_hash != UNSIGNED_PAYLOAD_VALUE and not body_hash.startswith("STREAMING-"):
            if not _is_hex_sha256(body_hash):
                return None
            if isinstance(body, bytes):
                actual = _sha256(body).hexdigest() if body else _crypto.EMPTY_SHA256
                if actual != body_hash:
                    return None
            elif isinstance(body, PayloadHash) and body.hex != body_hash:
                return None
    # the canonical request, over exactly the headers listed
    lines = []
    for name in sorted(names):
        value = values.get(name)
        if value is None:
            if name != "host":
                return None
            value = request.host_header
        # trim_header_value, inline (a Request value holds no CR or LF)
        value = " ".join(value.split()) if "  " in value or "\t" in value else value.strip()
        lines.append(f"{name}:{value}\n")
    if location == "header":
        canonical_query_string = canonical_query_of(query) if query else ""
    elif pairs is not None:  # canonical already, as the fast parse found them: sort and join
        if options.session_token == "unsigned":
            pairs = [pair for pair in pairs if pair[0].lower() != "x-amz-security-token"]
        canonical_query_string = "&".join(map("=".join, sorted(pairs)))
    else:
        pairs = request.query_pairs()
        if any("%" in name for name, _ in pairs):
            return None
        excluded: Tuple[str, ...] = (
            ("x-amz-signature", "x-amz-security-token")
            if options.session_token == "unsigned"
            else ("x-amz-signature",)
        )
        canonical_query_string = canonical_query(
            [pair for pair in pairs if pair[0].lower() not in excluded]
        )
    canonical_uri = (
        "/"
        if path == "/"
        else canonical_path(
            path, normalize=options.normalize_path, double_encode=options.double_encode
        )
    )
    creq = (
        f"{method}\n{canonical_uri}\n{canonical_query_string}\n{''.join(lines)}\n"
        f"{signed_headers}\n{body_hash}"
    )
    scope = f"{date}/{region}/{service}/{_TERMINATOR}"
    sts = (
        f"{ALGORITHM}\n{when_text}\n{scope}\n"
        f"{_sha256(creq.encode('utf-8', 'surrogateescape')).hexdigest()}"
    )
    signature = _crypto.sigv4_signature(
        credentials.secret_key, date, region, service, sts.encode("utf-8")
    )
    # (compare_digest takes ASCII text; equal to ours, the signature is 64 hex digits)
    if not provided.isascii() or not _compare_digest(provided, signature):
        return None
    return _tuple_new(Artifacts, (creq, sts, signature, scope, signed_headers, body_hash))


# -- checks ------------------------------------------------------------------------------------


def _skew_text(max_skew: float) -> str:
    return f"{int(max_skew // 60)} min." if max_skew % 60 == 0 else f"{max_skew:g} sec."


def _check_time(parsed: ParsedAuth, now: _dt.datetime, max_skew: float, flavor: _Flavor) -> None:
    when = parsed.request_time
    skew = _dt.timedelta(seconds=max_skew)
    server_time = iso8601(now)
    if parsed.expires is not None:
        # A presigned URL is good from its X-Amz-Date (less the allowed skew) until
        # X-Amz-Date + X-Amz-Expires.
        expiry = when + _dt.timedelta(seconds=parsed.expires)
        if now > expiry:
            raise AccessDenied(
                "Request has expired",
                field="X-Amz-Expires",
                details=[
                    ("X-Amz-Expires", str(parsed.expires)),
                    ("Expires", iso8601(expiry)),
                    ("ServerTime", server_time),
                ],
            )
        if when - now > skew:
            raise RequestTimeTooSkewed(
                f"Request is not valid yet: X-Amz-Date {parsed.request_time_text} is more than "
                f"{_skew_text(max_skew)} after the server time {amz_date(now)}",
                field="X-Amz-Date",
                details=[("RequestTime", parsed.request_time_text), ("ServerTime", server_time)],
            )
        return
    if abs(now - when) <= skew:
        return
    details = [
        ("RequestTime", parsed.request_time_text),
        ("ServerTime", server_time),
        ("MaxAllowedSkewMilliseconds", str(int(max_skew * 1000))),
    ]
    if flavor.s3:
        message = "The difference between the request time and the current time is too large."
    elif when < now:
        message = (
            f"Signature expired: {parsed.request_time_text} is now earlier than "
            f"{amz_date(now - skew)} ({amz_date(now)} - {_skew_text(max_skew)})"
        )
    else:
        message = (
            f"Signature not yet current: {parsed.request_time_text} is still later than "
            f"{amz_date(now + skew)} ({amz_date(now)} + {_skew_text(max_skew)})"
        )
    raise RequestTimeTooSkewed(message, field="x-amz-date", details=details)


def _check_signed_headers(request: Request, parsed: ParsedAuth, flavor: _Flavor) -> None:
    names = set(parsed.header_names)
    missing = [] if "host" in names else ["host"]
    if flavor.s3:
        # S3 requires every x-amz-* header sent to be signed (x-amz-content-sha256 excepted:
        # S3 reads it but accepts it unsigned).
        for name, _ in request.headers:
            lowered = name.lower()
            if (
                lowered.startswith("x-amz-")
                and lowered not in names
                and lowered != "x-amz-content-sha256"
                and lowered not in missing
            ):
                missing.append(lowered)
    if missing:
        raise flavor.not_signed(missing)


def _check_scope(parsed: ParsedAuth, region: str, service: str, flavor: _Flavor) -> None:
    field_prefix = "X-Amz-Credential" if flavor.query else "Credential"
    if parsed.terminator != _TERMINATOR:
        raise flavor.scope(
            f"Credential should be scoped with a valid terminator: '{_TERMINATOR}', not "
            f"{_shown(parsed.terminator)}.",
            "the Credential is mal-formed; expecting "
            f"{_SIGV4A_CREDENTIAL_FORM if parsed.sigv4a else _CREDENTIAL_FORM}.",
            field="terminator",
            expected=_TERMINATOR,
        )
    request_date = parsed.request_time_text[:8]
    if parsed.date != request_date:
        raise flavor.scope(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
            f"HTTP: {_shown(parsed.date)} != '{request_date}', from '{parsed.request_time_text}'.",
            f'Invalid credential date "{parsed.date}". This date is not the same as X-Amz-Date: '
            f'"{request_date}".',
            field="date",
            expected=request_date,
        )
    if parsed.region != region:
        raise flavor.scope(
            f"Credential should be scoped to a valid region, not {_shown(parsed.region)}. "
            f"({field_prefix}: expecting '{region}')",
            f"the region {_shown(parsed.region)} is wrong; expecting '{region}'",
            field="region",
            expected=region,
        )
    if parsed.service != service:
        raise flavor.scope(
            f"Credential should be scoped to correct service: '{service}'.",
            f'incorrect service "{parsed.service}". This endpoint belongs to "{service}".',
            field="service",
            expected=service,
        )


def _check_credentials(parsed: ParsedAuth, credentials: Credentials, flavor: _Flavor) -> None:
    if parsed.access_key != credentials.access_key:
        raise flavor.unknown_key(parsed.access_key)
    expected = credentials.token
    sent = parsed.token
    if expected is None and sent is None:
        return
    if (
        expected is None
        or sent is None
        or not sent.isascii()
        or not _crypto.constant_time_equal(sent, expected)
    ):
        raise flavor.bad_token()


def _is_hex_sha256(value: str) -> bool:
    # 64 characters, all lower-case hex digits (deleting them leaves nothing, in one C pass)
    return (
        len(value) == 64
        and value.isascii()
        and not value.encode("ascii").translate(None, b"0123456789abcdef")
    )


def _payload_hash(request: Request, parsed: ParsedAuth, flavor: _Flavor) -> str:
    """The payload hash the client signed, checked against the body when the body is known."""
    declared = parsed.content_sha256
    if parsed.location == "query" and flavor.s3:
        # S3 presigned URLs sign UNSIGNED-PAYLOAD unless the client declared a hash; some SDKs
        # hoist the declaration into the query.
        if declared is None:
            for name, value in request.query_pairs():
                if percent_decode_str(name).lower() == "x-amz-content-sha256":
                    declared = percent_decode_str(value)
                    break
        if declared is None:
            return UNSIGNED_PAYLOAD_VALUE
    body = request.body
    if declared is None:
        if isinstance(body, bytes):
            return _crypto.sha256_hex(body)
        if isinstance(body, PayloadHash):
            return body.hex
        return UNSIGNED_PAYLOAD_VALUE
    declared = declared.strip()
    if declared == UNSIGNED_PAYLOAD_VALUE or declared.startswith("STREAMING-"):
        # The seed signature covers the declaration; chunk signatures are not verified here.
        return declared
    if not _is_hex_sha256(declared):
        raise InvalidArgument(
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-..., or a valid sha256 "
            f"value, got {_shown(declared)}",
            field="x-amz-content-sha256",
        )
    if isinstance(body, bytes):
        actual = _crypto.sha256_hex(body)
    elif isinstance(body, PayloadHash):
        actual = body.hex
    else:
        return declared  # UNSIGNED_PAYLOAD: the caller does not have the body; trust the header
    if actual != declared:
        raise XAmzContentSHA256Mismatch(
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            field="x-amz-content-sha256",
            details=[
                ("ClientComputedContentSHA256", declared),
                ("S3ComputedContentSHA256", actual),
            ],
        )
    return declared


def _canonical_headers_block(request: Request, names: Sequence[str]) -> str:
    """``name:value\\n`` lines for exactly the headers the client listed, as it saw them."""
    wanted = set(names)
    pairs = [(n, v) for n, v in request.headers if n.lower() in wanted]
    present = {n.lower() for n, _ in pairs}
    for name in names:
        if name not in present:
            # The Host header is implied by the URL; any other listed header that is absent is
            # signed as empty, which fails the comparison as AWS's would.
            pairs.append((name, request.host_header if name == "host" else ""))
    block, _ = canonical_headers(pairs)
    return block


def _check_signature(
    signer: SigV4Signer,
    request: Request,
    credentials: Credentials,
    parsed: ParsedAuth,
    canonical_query_string: str,
    body_hash: str,
) -> Artifacts:
    creq = join_canonical_request(
        request.method,
        signer.canonical_uri(request),
        canonical_query_string,
        _canonical_headers_block(request, parsed.header_names),
        parsed.signed_headers,
        body_hash,
    )
    scope = parsed.credential_scope
    sts = string_to_sign(parsed.request_time_text, scope, creq)
    key = _crypto.derive_signing_key(
        credentials.secret_key, parsed.date, parsed.region, parsed.service
    )
    signature = _crypto.hmac_sha256_hex(key, sts.encode("utf-8"))
    provided = parsed.signature
    if not (_is_hex_sha256(provided) and _crypto.constant_time_equal(provided, signature)):
        raise SignatureDoesNotMatch(
            _MISMATCH,
            field="Signature",
            canonical_request=creq,
            string_to_sign=sts,
            details=[
                ("AWSAccessKeyId", parsed.access_key),
                ("SignatureProvided", provided if _is_hex_sha256(provided) else _shown(provided)),
            ],
        )
    return Artifacts(
        canonical_request=creq,
        string_to_sign=sts,
        signature=signature,
        credential_scope=scope,
        signed_headers=parsed.signed_headers,
        payload_hash=body_hash,
    )


def _check_inputs(request: object, credentials: object) -> None:
    if not isinstance(request, Request):
        raise InvalidRequest(
            f"request: expected signers.Request, got {type(request).__name__}", field="request"
        )
    if not isinstance(credentials, Credentials):
        raise InvalidRequest(
            f"credentials: expected signers.Credentials, got {type(credentials).__name__}",
            field="credentials",
        )


def _verify(
    signer: SigV4Signer,
    request: Request,
    credentials: Credentials,
    parsed: ParsedAuth,
    flavor: _Flavor,
    now: _dt.datetime,
    max_skew: float,
    canonical_query_string: str,
) -> Artifacts:
    opts = signer.options
    _check_time(parsed, now, max_skew, flavor)
    _check_signed_headers(request, parsed, flavor)
    _check_scope(parsed, opts.region, opts.service, flavor)
    _check_credentials(parsed, credentials, flavor)
    body_hash = _payload_hash(request, parsed, flavor)
    return _check_signature(signer, request, credentials, parsed, canonical_query_string, body_hash)


def verify_header(
    signer: SigV4Signer,
    request: Request,
    credentials: Credentials,
    now: Optional[_dt.datetime] = None,
    max_skew: float = 900,
    *,
    parsed: Optional[ParsedAuth] = None,
) -> Artifacts:
    """Verify a request signed in the Authorization header; the artifacts on success.

    ``parsed`` is this request's :func:`parse_authorization_header` result when the caller (the
    dispatcher) already has it, made with the signer's ``s3`` flavor.
    """
    _check_inputs(request, credentials)
    when = resolve_time(now, field="now")
    skew = check_max_skew(max_skew)
    s3 = signer.options.s3
    if parsed is None or parsed.location != "header":
        single = _single_values(request) if type(request) is Request else None
        fast = _parse_header_fast(request, single) if single is not None else None
        parsed = fast if fast is not None else parse_authorization_header(request, s3=s3)
    try:
        artifacts = _verify_fast(signer, request, credentials, parsed, when, skew)
    except UnicodeError:
        artifacts = None  # (text no encoding can carry: the general path decides)
    if artifacts is not None:
        return artifacts
    return _verify(
        signer,
        request,
        credentials,
        parsed,
        _Flavor(s3=s3, query=False),
        when,
        skew,
        canonical_query(request.query_pairs()),
    )


def verify_query(
    signer: SigV4Signer,
    request: Request,
    credentials: Credentials,
    now: Optional[_dt.datetime] = None,
    max_skew: float = 900,
    *,
    parsed: Optional[ParsedAuth] = None,
) -> Artifacts:
    """Verify a presigned URL; the artifacts on success (``parsed`` as for verify_header).

    Every query parameter but X-Amz-Signature is part of the canonical query; with the signer's
    ``session_token="unsigned"`` X-Amz-Security-Token is left out too (added after signing).
    """
    _check_inputs(request, credentials)
    when = resolve_time(now, field="now")
    skew = check_max_skew(max_skew)
    s3 = signer.options.s3
    if parsed is None or parsed.location != "query":
        single = _single_values(request) if type(request) is Request else None
        fast = _parse_query_fast(request, single, s3) if single is not None else None
        parsed = fast if fast is not None else parse_presigned_query(request, s3=s3)
    try:
        artifacts = _verify_fast(signer, request, credentials, parsed, when, skew)
    except UnicodeError:
        artifacts = None  # (text no encoding can carry: the general path decides)
    if artifacts is not None:
        return artifacts
    excluded = {"x-amz-signature"}
    if signer.options.session_token == "unsigned":
        excluded.add("x-amz-security-token")
    pairs = [
        (n, v) for n, v in request.query_pairs() if percent_decode_str(n).lower() not in excluded
    ]
    return _verify(
        signer,
        request,
        credentials,
        parsed,
        _Flavor(s3=s3, query=True),
        when,
        skew,
        canonical_query(pairs),
    )
