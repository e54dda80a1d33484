"""SigV4 and SigV4A requests as their signers wrote them: the claims of an Authorization header
or of a presigned URL's X-Amz-* parameters, read strictly.

:func:`parse_authorization_header` and :func:`parse_presigned_query` are the reference: they
accept exactly what AWS accepts and name each failure with AWS's answer (:mod:`.answers`).  The
``*_fast`` parses accept only requests written as signers write them, compute the same values, and
return ``None`` at the first doubt, so that the reference parse decides (and reports) the rest.
"""

from __future__ import annotations

import datetime as _dt
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Set, Tuple

from .._core.sigv4 import (
    ALGORITHM,
    ECDSA_ALGORITHM,
    credential_scope,
    region_set_scope,
)
from .._encoding import HEADER_BLANKS, is_canonical, percent_decode_str
from .._time import amz_date, amz_instant, parse_amz_date, resolve_time
from ..errors import (
    AuthorizationQueryParametersError,
    IncompleteSignature,
    InvalidArgument,
    InvalidTime,
    MissingAuthenticationToken,
)
from ..model import Request
from ..options import MAX_EXPIRES
from .answers import FLAVORS, ONLY_ONE, Flavor, shown

__all__ = [
    "ParsedAuth",
    "parse_authorization_header",
    "parse_presigned_query",
    "parse_header_fast",
    "parse_query_fast",
    "single_values",
    "QUERY_AUTH",
]

_tuple_new = tuple.__new__

_HEADER_COMPONENTS = ("Credential", "SignedHeaders", "Signature")
_CREDENTIAL_FORM = '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request"'
_SIGV4A_CREDENTIAL_FORM = '"<YOUR-AKID>/YYYYMMDD/SERVICE/aws4_request"'
# What a SignedHeaders list may hold: lower-case RFC 7230 token characters and the ';' between.
_SIGNED_HEADERS_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz;")
_SIGNED_HEADERS_BYTES = "".join(sorted(_SIGNED_HEADERS_CHARS)).encode("ascii")
# The presigned parameters, by lower-case name -> the spelling AWS documents.
QUERY_AUTH = {
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
_SIGV4A_QUERY_AUTH = {**QUERY_AUTH, _REGION_SET: "X-Amz-Region-Set"}
_QUERY_REQUIRED = (
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-signature",
    "x-amz-date",
    "x-amz-signedheaders",
)


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
        return self.algorithm == ECDSA_ALGORITHM

    @property
    def credential_scope(self) -> str:
        if self.sigv4a:
            return region_set_scope(self.date, self.service)
        return credential_scope(self.date, self.region, self.service)

    def __repr__(self) -> str:
        return (
            f"ParsedAuth(location={self.location!r}, access_key={self.access_key!r}, "
            f"scope={self.credential_scope!r}, signed_headers={self.signed_headers!r})"
        )


def _scope_parts(credential: str, count: int = 5) -> Optional[List[str]]:
    """The parts of a Credential, or ``None`` unless there are ``count`` non-empty runs of visible
    ASCII: the scope is hashed and HMAC'ed as UTF-8, and AWS's own keys, dates, regions and
    service names never leave that range."""
    parts = credential.split("/")
    if (
        len(parts) != count
        or "" in parts
        or not (credential.isascii() and credential.isprintable())
        or " " in credential
    ):
        return None
    return parts


def _header_names(signed_headers: str) -> Optional[Tuple[str, ...]]:
    """The names of a SignedHeaders list (lower-case RFC 7230 tokens, ';' between, none twice),
    or ``None``."""
    if (
        not signed_headers
        or not signed_headers.isascii()
        or signed_headers.encode("ascii").translate(None, _SIGNED_HEADERS_BYTES)
    ):
        return None
    names = tuple(signed_headers.split(";"))
    if "" in names or len(set(names)) != len(names):
        return None
    if len(_KNOWN_NAMES) < 256 and len(signed_headers) <= 1024:
        _KNOWN_NAMES[signed_headers] = names
    return names


#: Valid SignedHeaders lists and their names: one C call on the one-pass parses (measured).
_KNOWN_NAMES: Dict[str, Tuple[str, ...]] = {}
_known_names = _KNOWN_NAMES.get


def _parse_credential(
    value: str, flavor: Flavor, field: str, *, sigv4a: bool = False
) -> Tuple[str, str, str, str, str]:
    """``(access key, date, region, service, terminator)``; SigV4A's has no region (``""``)."""
    count, example, form = (
        (4, "keyid/date/service/term", _SIGV4A_CREDENTIAL_FORM)
        if sigv4a
        else (5, "keyid/date/region/service/term", _CREDENTIAL_FORM)
    )
    parts = _scope_parts(value, count)
    if parts is None:
        raise flavor.malformed(
            f"Credential must have exactly {count} slash-delimited elements, e.g. "
            f"{example}, got {shown(value)}",
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


def _parse_signed_headers(value: str, flavor: Flavor, field: str) -> Tuple[str, ...]:
    names = _header_names(value)
    if names is not None:
        return names
    listed = value.split(";")
    if "" not in listed and _SIGNED_HEADERS_CHARS.issuperset(value):
        seen: Set[str] = set()
        for name in listed:
            if name in seen:
                raise flavor.malformed(f"{field} names header {shown(name)} twice", field=field)
            seen.add(name)
    raise flavor.malformed(
        f"{field} {shown(value)} is not a ';'-separated list of lower-case header names",
        field=field,
    )


_Headers = Dict[str, List[str]]


def _header_index(request: Request) -> _Headers:
    """Header values by lower-case name, read once per request."""
    index: _Headers = {}
    for name, value in request.headers:
        index.setdefault(name.lower(), []).append(value)
    return index


def _single_header(headers: _Headers, name: str, flavor: Flavor) -> Optional[str]:
    values = headers.get(name)
    if values is None:
        return None
    if len(values) > 1:
        raise flavor.malformed(f"header {name!r} appears more than once", field=name)
    return values[0]


def _header_time(headers: _Headers, flavor: Flavor) -> Tuple[_dt.datetime, str]:
    amz = _single_header(headers, "x-amz-date", flavor)
    if amz is not None:
        try:
            return parse_amz_date(amz.strip(HEADER_BLANKS)), amz.strip(HEADER_BLANKS)
        except InvalidTime:
            raise flavor.bad_date(
                f"Date must be in ISO-8601 'basic format'. Got {shown(amz)}. "
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
            f"Date header {shown(date)} is not an HTTP date (RFC 1123)", field="date"
        ) from None
    return when, amz_date(when)


def _header_components(rest: str, flavor: Flavor) -> Dict[str, str]:
    """Credential, SignedHeaders and Signature of an Authorization header (after the algorithm)."""
    components: Dict[str, str] = {}
    for piece in rest.split(","):
        piece = piece.strip(HEADER_BLANKS)
        if not piece:
            continue
        key, eq, component = piece.partition("=")
        key = key.strip(HEADER_BLANKS)
        if not eq:
            raise flavor.malformed(
                f"{shown(key)} not a valid key=value pair (missing equal-sign) in "
                "Authorization header",
                field="Authorization",
                s3_message=f"the authorization component {shown(piece)} is malformed.",
            )
        if key not in _HEADER_COMPONENTS:
            raise flavor.malformed(
                f"unknown Authorization component {shown(key)}; expected Credential, "
                "SignedHeaders and Signature",
                field="Authorization",
                s3_message=f"the authorization component {shown(piece)} is malformed.",
            )
        if key in components:
            raise flavor.malformed(
                f"Authorization component {key!r} appears more than once",
                field=key,
                s3_message=f"the authorization component {key!r} appears more than once.",
            )
        components[key] = component.strip(HEADER_BLANKS)
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
    return components


def parse_authorization_header(
    request: Request, *, s3: bool = False, sigv4a: bool = False
) -> ParsedAuth:
    """Parse ``Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``.

    Also reads the request time (``X-Amz-Date``, else ``Date``) and the session token header.
    ``sigv4a=True`` parses SigV4A's ``AWS4-ECDSA-P256-SHA256`` instead (no region in the
    Credential; the region set from the ``X-Amz-Region-Set`` header).
    """
    if type(request) is Request and not sigv4a:
        single = single_values(request)
        if single is not None:
            fast = parse_header_fast(request, single)
            if fast is not None:
                return fast
    flavor = FLAVORS[s3, False]
    expected_algorithm = ECDSA_ALGORITHM if sigv4a else ALGORITHM
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
            raise InvalidArgument(ONLY_ONE, field="Authorization")
    value = values[0].strip(HEADER_BLANKS)
    algorithm, _, rest = value.partition(" ")
    if algorithm != expected_algorithm:
        if s3:
            raise InvalidArgument("Unsupported Authorization Type", field="Authorization")
        raise IncompleteSignature(
            f"Unsupported AWS 'algorithm': {shown(algorithm)} (only {expected_algorithm} here).",
            field="Authorization",
        )
    components = _header_components(rest, flavor)
    credential = _parse_credential(components["Credential"], flavor, "Credential", sigv4a=sigv4a)
    signed = components["SignedHeaders"]
    names = _parse_signed_headers(signed, flavor, "SignedHeaders")
    region = credential[2]
    if sigv4a:
        region_set = _single_header(headers, _REGION_SET, flavor)
        if region_set is None or not region_set.strip(HEADER_BLANKS):
            raise flavor.malformed(
                f"{ECDSA_ALGORITHM} requires the 'X-Amz-Region-Set' header.", field=_REGION_SET
            )
        region = region_set.strip(HEADER_BLANKS)
    when, when_text = _header_time(headers, flavor)
    token = _single_header(headers, "x-amz-security-token", flavor)
    if token is not None:
        token = token.strip(HEADER_BLANKS)
    claims = (signed, names, components["Signature"], when, when_text, None, token)
    sha = _single_header(headers, "x-amz-content-sha256", flavor)
    return _claimed("header", credential, region, claims, sha, expected_algorithm)


def _presigned_params(
    request: Request, known: Mapping[str, str] = QUERY_AUTH
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


def _parse_expires(text: str) -> int:
    """X-Amz-Expires: whole seconds, 1 to 604800."""
    if not text.isdigit() or not text.isascii() or len(text) > 12:
        raise AuthorizationQueryParametersError(
            f"X-Amz-Expires should be a number of seconds, got {shown(text)}",
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
    return expires


def parse_presigned_query(
    request: Request, *, s3: bool = False, sigv4a: bool = False
) -> ParsedAuth:
    """Parse the X-Amz-* parameters of a presigned URL (X-Amz-Expires is required for S3).

    ``sigv4a=True`` parses a SigV4A one (``AWS4-ECDSA-P256-SHA256``, ``X-Amz-Region-Set``).
    """
    if type(request) is Request and not sigv4a:
        single = single_values(request)
        if single is not None:
            fast = parse_query_fast(request, single, s3)
            if fast is not None:
                return fast
    flavor = FLAVORS[s3, True]
    if request.has_header("authorization"):
        raise InvalidArgument(ONLY_ONE, field="Authorization")
    known = _SIGV4A_QUERY_AUTH if sigv4a else QUERY_AUTH
    expected_algorithm = ECDSA_ALGORITHM if sigv4a else ALGORITHM
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
    credential = _parse_credential(
        found["x-amz-credential"], flavor, "X-Amz-Credential", sigv4a=sigv4a
    )
    region = found[_REGION_SET].strip(HEADER_BLANKS) if sigv4a else credential[2]
    signed = found["x-amz-signedheaders"]
    names = _parse_signed_headers(signed, flavor, "X-Amz-SignedHeaders")
    when_text = found["x-amz-date"]
    try:
        when = parse_amz_date(when_text, field="X-Amz-Date")
    except InvalidTime:
        raise AuthorizationQueryParametersError(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
            field="X-Amz-Date",
        ) from None
    text = found.get("x-amz-expires")
    expires = None if text is None else _parse_expires(text)
    token = found.get("x-amz-security-token")
    claims = (signed, names, found["x-amz-signature"], when, when_text, expires, token)
    sha = _single_header(_header_index(request), "x-amz-content-sha256", flavor)
    return _claimed("query", credential, region, claims, sha, expected_algorithm)


def _claimed(
    location: str,
    credential: Tuple[str, str, str, str, str],
    region: str,
    claims: Tuple[str, Tuple[str, ...], str, _dt.datetime, str, Optional[int], Optional[str]],
    content_sha256: Optional[str],
    algorithm: str,
) -> ParsedAuth:
    """The :class:`ParsedAuth` of a strict parse: ``credential`` as :func:`_parse_credential`
    reads it, with ``region`` in its place (SigV4A: the region set), then ``claims``: signed
    headers, their names, signature, request time and its text, expiry, session token."""
    access_key, date, _, service, terminator = credential
    return _tuple_new(
        ParsedAuth,
        (location, access_key, date, region, service, terminator, *claims, content_sha256,
         None, None, algorithm),
    )  # fmt: skip


# -- the common case in one pass ------------------------------------------------------------------
#
# The fast functions below accept only what the strict ones above and the checks below accept, and
# compute the same values; at the first doubt they return None and the general code decides (and
# reports every failure, with its precise error).  tests/test_fast_paths.py compares both on
# valid and mutated requests.

_HEADER_PREFIX = "AWS4-HMAC-SHA256 Credential="
_HEADER_PREFIX_LENGTH = len(_HEADER_PREFIX)
# What a presigned query as signers write it is made of: unreserved characters, escapes, = and &.
_QUERY_CHARACTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~%=&"
_ONLY_ONE_NAMES = ("x-amz-algorithm", "x-amz-signature")


def single_values(request: Request) -> Optional[Dict[str, str]]:
    """Header values by lower-case name; ``None`` when a name is repeated (the general path)."""
    headers = request[2]
    values: Dict[str, str] = {}
    for name, value in headers:
        values[name.lower()] = value
    # (a name repeated leaves fewer keys than headers: one test, not one a header, measured)
    return values if len(values) == len(headers) else None


def parse_header_fast(request: Request, values: Dict[str, str]) -> Optional[ParsedAuth]:
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
    value = authorization.strip(HEADER_BLANKS)
    if not value.startswith(_HEADER_PREFIX):
        return None
    credential, _, rest = value[_HEADER_PREFIX_LENGTH:].partition(", SignedHeaders=")
    signed_headers, found, signature = rest.partition(", Signature=")
    parts = credential.split("/")  # (_scope_parts, is_hex_sha256 written out below: measured)
    names = _known_names(signed_headers) or _header_names(signed_headers)
    amz = values.get("x-amz-date")
    if not found or names is None or amz is None or len(parts) != 5 or "" in parts:
        return None
    if not (credential.isascii() and credential.isprintable() and signature.isascii()):
        return None
    if "," in credential or " " in credential or len(signature) != 64:
        return None
    if signature.encode("ascii").translate(None, b"0123456789abcdef"):
        return None
    when_text = amz.strip(HEADER_BLANKS)
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
            token.strip(HEADER_BLANKS) if token is not None else None,
            values.get("x-amz-content-sha256"),
            values,
            None,
            ALGORITHM,
        ),
    )


def _query_auth_fast(query: str) -> Optional[Tuple[Dict[str, str], List[Tuple[str, str]]]]:
    """The auth parameters of a canonical query (decoded) and its pairs but X-Amz-Signature (as
    sent), or ``None``."""
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
        if key in QUERY_AUTH:
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
    return found, pairs


def parse_query_fast(request: Request, values: Dict[str, str], s3: bool) -> Optional[ParsedAuth]:
    """:func:`parse_presigned_query` of a URL as signers write it: parameter names without
    ``%``, names and values in canonical form (:func:`~signers._encoding.is_canonical`), no
    X-Amz-Content-Sha256 parameter.  Keeps the raw pairs but the signature, for the canonical
    query."""
    if "authorization" in values:
        return None
    query = request[7]
    if not query.isascii() or query.encode("ascii").translate(None, _QUERY_CHARACTERS):
        return None
    auth = _query_auth_fast(query)
    if auth is None:
        return None
    found, pairs = auth
    parts = _scope_parts(found["x-amz-credential"])
    signed_headers = found["x-amz-signedheaders"]
    names = _known_names(signed_headers) or _header_names(signed_headers)
    when_text = found["x-amz-date"]
    when = amz_instant(when_text)
    if found["x-amz-algorithm"] != ALGORITHM or parts is None or names is None or when is None:
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
