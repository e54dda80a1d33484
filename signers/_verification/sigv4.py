"""Verification of AWS Signature Version 4 and 4A, header and presigned-query forms.

A verifier does what the server does: parse the Authorization header (or the X-Amz-* query
parameters) strictly (:mod:`.sigv4_parse`), check the time and the credential scope, recompute the
canonical request over exactly the headers the client listed in SignedHeaders -- through the same
stage functions the signers use (:mod:`signers._core.sigv4`) -- and compare signatures in constant
time (SigV4A: verify the ECDSA signature with the key derived from the credentials).  Failures
raise :class:`~signers.errors.VerificationError` subclasses carrying AWS's code
(:mod:`.answers`).

The common case takes a one-pass path (:func:`_verify_fast`): the same stages, the checks in a
row, and ``None`` at the first doubt, after which the step-by-step path decides and reports.
"""

from __future__ import annotations

import datetime as _dt
from hashlib import sha256 as _sha256
from hmac import compare_digest as _compare_digest
from typing import Dict, Optional, Sequence, Tuple

from .. import _crypto
from .._arguments import check_arguments
from .._core.chunked import mode_of
from .._core.sigv4 import (
    ALGORITHM,
    ECDSA_ALGORITHM,
    STREAMING_ECDSA_SIGNED,
    STREAMING_ECDSA_SIGNED_TRAILER,
    STREAMING_PAYLOADS,
    STREAMING_PREFIX,
    TERMINATOR,
    UNSIGNED_PAYLOAD_VALUE,
    body_hash,
    canonical_request,
    credential_scope,
    is_hex_sha256,
    string_to_sign,
)
from .._ecdsa_loader import ecdsa_backend
from .._encoding import (
    HEADER_BLANKS,
    canonical_path,
    canonical_query,
    canonical_query_of,
    header_block,
    merge_headers,
    percent_decode_str,
)
from .._encoding import trim_header_value as _trim
from .._time import amz_date, iso8601, resolve_time
from ..errors import (
    AccessDenied,
    AuthorizationQueryParametersError,
    InvalidArgument,
    InvalidRequest,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    XAmzContentSHA256Mismatch,
)
from ..model import STREAM_BODY_MESSAGE, Artifacts, Credentials, PayloadHash, Request, is_stream
from ..options import MAX_EXPIRES, SigV4AOptions, SigV4Options
from .answers import (
    FLAVORS,
    MISMATCH,
    Flavor,
    check_credentials,
    check_max_lifetime,
    checked_skew,
    shown,
    skew,
)
from .sigv4_parse import (
    ParsedAuth,
    parse_authorization_header,
    parse_header_fast,
    parse_presigned_query,
    parse_query_fast,
    single_values,
)

__all__ = ["verify", "parse", "region_set_covers"]

_tuple_new = tuple.__new__
_CREDENTIAL_FORM = '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request"'
_SIGV4A_CREDENTIAL_FORM = '"<YOUR-AKID>/YYYYMMDD/SERVICE/aws4_request"'
_REGION_SET = "x-amz-region-set"
_ECDSA_MODES = (STREAMING_ECDSA_SIGNED, STREAMING_ECDSA_SIGNED_TRAILER)


def parse(request: Request, *, query: bool, s3: bool, sigv4a: bool = False) -> ParsedAuth:
    """The claims of ``request``, parsed strictly (header or presigned form)."""
    if query:
        return parse_presigned_query(request, s3=s3, sigv4a=sigv4a)
    return parse_authorization_header(request, s3=s3, sigv4a=sigv4a)


# -- checks ------------------------------------------------------------------------------------


def _skew_text(max_skew: float) -> str:
    return f"{int(max_skew // 60)} min." if max_skew % 60 == 0 else f"{max_skew:g} sec."


def _check_time(parsed: ParsedAuth, now: _dt.datetime, max_skew: float, flavor: Flavor) -> None:
    when = parsed.request_time
    allowed = skew(max_skew)
    server_time = iso8601(now)
    if parsed.expires is not None:
        # A presigned URL is good from its X-Amz-Date (less the allowed skew) until
        # X-Amz-Date + X-Amz-Expires.
        # (now - when, not when + expires: a request dated 9999-12-31 has no expiry datetime)
        if now - when > _dt.timedelta(seconds=parsed.expires):
            expiry = when + _dt.timedelta(seconds=parsed.expires)  # (before now: it exists)
            raise AccessDenied(
                "Request has expired",
                field="X-Amz-Expires",
                details=[
                    ("X-Amz-Expires", str(parsed.expires)),
                    ("Expires", iso8601(expiry)),
                    ("ServerTime", server_time),
                ],
            )
        if when - now > allowed:
            raise RequestTimeTooSkewed(
                f"Request is not valid yet: X-Amz-Date {parsed.request_time_text} is more than "
                f"{_skew_text(max_skew)} after the server time {amz_date(now)}",
                field="X-Amz-Date",
                details=[("RequestTime", parsed.request_time_text), ("ServerTime", server_time)],
            )
        return
    if abs(now - when) <= allowed:
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
            f"{amz_date(now - allowed)} ({amz_date(now)} - {_skew_text(max_skew)})"
        )
    else:
        message = (
            f"Signature not yet current: {parsed.request_time_text} is still later than "
            f"{amz_date(now + allowed)} ({amz_date(now)} + {_skew_text(max_skew)})"
        )
    raise RequestTimeTooSkewed(message, field="x-amz-date", details=details)


def _check_lifetime(expires: Optional[int], max_lifetime: float) -> None:
    # A server's own bound on X-Amz-Expires, below AWS's week: refused as AWS refuses a longer
    # one (same code, the bound named).  (The header form has no X-Amz-Expires.)
    if expires is not None and expires > max_lifetime:
        raise AuthorizationQueryParametersError(
            f"X-Amz-Expires must be at most {max_lifetime:g} seconds on this server "
            f"(max_lifetime), got {expires}",
            field="X-Amz-Expires",
        )


def _check_signed_headers(request: Request, parsed: ParsedAuth, flavor: Flavor) -> None:
    names = set(parsed.header_names)
    missing = {} if "host" in names else {"host": None}  # (a dict: ordered, and linear to test)
    if flavor.s3:
        # S3 requires every x-amz-* header sent to be signed (x-amz-content-sha256 excepted:
        # S3 reads it but accepts it unsigned).
        for name, _ in request.headers:
            lowered = name.lower()
            if (
                lowered.startswith("x-amz-")
                and lowered not in names
                and lowered != "x-amz-content-sha256"
            ):
                missing[lowered] = None
    if missing:
        raise flavor.not_signed(list(missing))


def _check_scope(parsed: ParsedAuth, region: str, service: str, flavor: Flavor) -> None:
    field_prefix = "X-Amz-Credential" if flavor.query else "Credential"
    if parsed.terminator != TERMINATOR:
        raise flavor.scope(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', not "
            f"{shown(parsed.terminator)}.",
            "the Credential is mal-formed; expecting "
            f"{_SIGV4A_CREDENTIAL_FORM if parsed.sigv4a else _CREDENTIAL_FORM}.",
            field="terminator",
            expected=TERMINATOR,
        )
    request_date = parsed.request_time_text[:8]
    if parsed.date != request_date:
        raise flavor.scope(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
            f"HTTP: {shown(parsed.date)} != '{request_date}', from '{parsed.request_time_text}'.",
            f'Invalid credential date "{parsed.date}". This date is not the same as X-Amz-Date: '
            f'"{request_date}".',
            field="date",
            expected=request_date,
        )
    if parsed.region != region:
        raise flavor.scope(
            f"Credential should be scoped to a valid region, not {shown(parsed.region)}. "
            f"({field_prefix}: expecting '{region}')",
            f"the region {shown(parsed.region)} is wrong; expecting '{region}'",
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


def _payload_hash(request: Request, parsed: ParsedAuth, flavor: Flavor) -> str:
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
        return body_hash(body)  # (a file-object body has none: refused there)
    declared = declared.strip(HEADER_BLANKS)
    _check_streaming(declared, parsed, body)
    if declared == UNSIGNED_PAYLOAD_VALUE or declared in STREAMING_PAYLOADS:
        # The seed signature covers the declaration; an aws-chunked body is read and checked
        # chunk by chunk by the reader signers.verify returns (.chunked).
        return declared
    if not is_hex_sha256(declared):
        raise InvalidArgument(
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-..., or a valid sha256 "
            f"value, got {shown(declared)}",
            field="x-amz-content-sha256",
        )
    if not isinstance(body, (bytes, PayloadHash)):
        return declared  # UNSIGNED_PAYLOAD: the caller does not have the body; trust the header
    actual = body_hash(body)
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


def _check_streaming(declared: str, parsed: ParsedAuth, body: object) -> None:
    """Refuse a STREAMING-* value AWS does not define, an aws-chunked mode of the other algorithm
    (an ECDSA mode with an HMAC seed, or the reverse), and a file-object body with a request
    that is not aws-chunked (it is read only as such)."""
    mode = mode_of(declared)
    if declared.startswith(STREAMING_PREFIX) and declared not in STREAMING_PAYLOADS:
        raise InvalidArgument(
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-..., or a valid sha256 "
            f"value, got {shown(declared)}: not a STREAMING- value AWS defines",
            field="x-amz-content-sha256",
        )
    signed_mode = mode is not None and mode != "unsigned-trailer"
    if signed_mode and (declared in _ECDSA_MODES) != parsed.sigv4a:
        raise InvalidArgument(
            f"x-amz-content-sha256 {declared} does not go with the {parsed.algorithm} "
            "signature: its chunks are signed with the seed's algorithm",
            field="x-amz-content-sha256",
        )
    if mode is None and is_stream(body):
        raise InvalidRequest(STREAM_BODY_MESSAGE, field="body")


def region_set_covers(region_set: str, regions: Sequence[str]) -> bool:
    """Whether the request's ``region_set`` (comma-separated) covers every one of ``regions``.

    An element ``*`` covers any region, ``us-*`` any region starting ``us-``; a server region
    ``*`` accepts any region set.  Names compare case-insensitively.
    """
    wanted = [r.strip(HEADER_BLANKS).lower() for r in region_set.split(",")]
    return all(
        region == "*" or any(_covers(pattern, region.lower()) for pattern in wanted)
        for region in regions
    )


def _covers(pattern: str, region: str) -> bool:
    if pattern == "*" or pattern == region:
        return True
    return pattern.endswith("*") and region.startswith(pattern[:-1])


def _check_region_set(parsed: ParsedAuth, regions: Sequence[str], flavor: Flavor) -> None:
    if parsed.location == "header" and _REGION_SET not in parsed.header_names:
        # The region set is SigV4A's scope: unsigned, anyone could widen it.  (S3 has refused
        # it already, with every other unsigned x-amz-* header.)
        raise SignatureDoesNotMatch(
            "'X-Amz-Region-Set' must be a 'SignedHeader' in the AWS Authorization.",
            field="SignedHeaders",
        )
    if not region_set_covers(parsed.region, regions):
        expected = ",".join(regions)
        raise flavor.scope(
            f"Credential should be scoped to a valid region set, not {shown(parsed.region)}. "
            f"(X-Amz-Region-Set: expecting it to include '{expected}')",
            f"the region set {shown(parsed.region)} does not include '{expected}'",
            field="region",
            expected=expected,
        )


# -- the canonical request and the signature ---------------------------------------------------


def _listed_headers_block(request: Request, names: Sequence[str]) -> str:
    """``name:value\\n`` lines for exactly the headers the client listed, as it saw them."""
    wanted = set(names)
    merged = merge_headers([(n, v) for n, v in request.headers if n.lower() in wanted]) or {}
    for name in names:
        if name not in merged:
            # The Host header is implied by the URL; any other listed header that is absent is
            # signed as empty, which fails the comparison as AWS's would.
            merged[name] = request.host_header if name == "host" else ""
    return header_block(merged)[0]


def _canonical_query(options: SigV4Options, request: Request, parsed: ParsedAuth) -> str:
    """Every query parameter but X-Amz-Signature (and, with ``session_token="unsigned"``,
    X-Amz-Security-Token, added after signing) for a presigned URL; all for the header form."""
    if parsed.location == "header":
        return canonical_query_of(request.query) if request.query else ""
    excluded = {"x-amz-signature"}
    if not options.token_signed:
        excluded.add("x-amz-security-token")
    return canonical_query(
        [(n, v) for n, v in request.query_pairs() if percent_decode_str(n).lower() not in excluded]
    )


def _signature_matches(
    parsed: ParsedAuth, credentials: Credentials, sts: str, provided: str
) -> Tuple[bool, str]:
    """Whether ``provided`` signs ``sts`` for ``credentials``, and the signature to report."""
    if parsed.sigv4a:
        ecdsa = ecdsa_backend()
        key = ecdsa.private_key(credentials.access_key, credentials.secret_key)
        return ecdsa.verify(key.public_key(), sts.encode("utf-8"), provided), provided
    expected = _crypto.sigv4_signature(
        credentials.secret_key, parsed.date, parsed.region, parsed.service, sts.encode("utf-8")
    )
    return is_hex_sha256(provided) and _crypto.constant_time_equal(provided, expected), expected


def _check_signature(
    options: SigV4Options,
    request: Request,
    credentials: Credentials,
    parsed: ParsedAuth,
    payload: str,
) -> Artifacts:
    creq = canonical_request(
        request.method,
        canonical_path(request.path, options.normalize_path, options.double_encode),
        _canonical_query(options, request, parsed),
        _listed_headers_block(request, parsed.header_names),
        parsed.signed_headers,
        payload,
    )
    scope = parsed.credential_scope
    sts = string_to_sign(parsed.request_time_text, scope, creq, parsed.algorithm)
    provided = parsed.signature
    matches, signature = _signature_matches(parsed, credentials, sts, provided)
    if not matches:
        well_formed = provided.isascii() and provided.isalnum()
        raise SignatureDoesNotMatch(
            MISMATCH,
            field="Signature",
            canonical_request=creq,
            string_to_sign=sts,
            details=[
                ("AWSAccessKeyId", parsed.access_key),
                ("SignatureProvided", provided if well_formed else shown(provided)),
            ],
        )
    return Artifacts(
        canonical_request=creq,
        string_to_sign=sts,
        signature=signature,
        credential_scope=scope,
        signed_headers=parsed.signed_headers,
        payload_hash=payload,
    )


# -- the common case in one pass ----------------------------------------------------------------
#
# The same checks and the same stages as the step-by-step path, for a request that passes them
# all; ``None`` at the first doubt (that path then decides and reports).  The tests compare both
# on valid and mutated requests.


def _fast_payload(request: Request, parsed: ParsedAuth, s3: bool) -> Optional[str]:
    """:func:`_payload_hash` for a request that passes it, else ``None``."""
    declared = parsed.content_sha256
    body = request.body
    if declared is None:
        if is_stream(body):
            return None
        if parsed.location == "query" and s3:
            if parsed.query_pairs is None:  # (the fast parse leaves no declaration in the query)
                for name, _ in request.query_pairs():
                    if "%" in name or name.lower() == "x-amz-content-sha256":
                        return None  # declared in the query, or maybe so: the general path
            return UNSIGNED_PAYLOAD_VALUE
        return body_hash(body)
    declared = declared.strip(HEADER_BLANKS)
    if type(body) is bytes:  # (a whole body, the usual: the tests below, in that order)
        if declared in STREAMING_PAYLOADS:
            return declared if declared not in _ECDSA_MODES else None
        if declared == UNSIGNED_PAYLOAD_VALUE:
            return declared
        if not is_hex_sha256(declared):
            return None
        actual = _sha256(body).hexdigest() if body else _crypto.EMPTY_SHA256
        return declared if actual == declared else None
    if declared in STREAMING_PAYLOADS:
        # (this path is SigV4's: an ECDSA mode, or a file body of an event stream, is judged by
        # the step-by-step path)
        usable = declared not in _ECDSA_MODES and (mode_of(declared) or not is_stream(body))
        return declared if usable else None
    if declared == UNSIGNED_PAYLOAD_VALUE and not is_stream(body):
        return declared
    if not is_hex_sha256(declared) or is_stream(body):
        return None
    if isinstance(body, (bytes, PayloadHash)) and body_hash(body) != declared:
        return None
    return declared


def _verify_fast(
    options: SigV4Options,
    request: Request,
    credentials: Credentials,
    parsed: ParsedAuth,
    now: _dt.datetime,
    allowed: _dt.timedelta,
) -> Optional[Artifacts]:
    """The artifacts of a request that passes every check, else ``None``: time, signed headers,
    scope, access key and session token as the step-by-step checks, then the signature
    (:func:`_fast_signature`)."""
    if type(request) is not Request or type(credentials) is not Credentials:
        return None
    (_, access_key, date, region, service, terminator, _, names, _, when, when_text, expires,
     token, _, values, _, algorithm) = parsed  # fmt: skip
    if algorithm != ALGORITHM:
        return None
    if values is None:
        values = single_values(request)
        if values is None:
            return None
    age = now - when
    if expires is None:
        if abs(age) > allowed:
            return None
    # (whole seconds on both sides: resolve_time and parse_amz_date drop microseconds)
    elif age.days * 86400 + age.seconds > expires or -age > allowed:
        return None
    if "host" not in names:
        return None
    if options.s3:
        for key in values:
            if key.startswith("x-amz-") and key not in names and key != "x-amz-content-sha256":
                return None
    if (
        terminator != TERMINATOR
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
    return _fast_signature(options, request, credentials, parsed, values)


def _fast_signature(
    options: SigV4Options,
    request: Request,
    credentials: Credentials,
    parsed: ParsedAuth,
    values: Dict[str, str],
) -> Optional[Artifacts]:
    """The canonical request over exactly the headers listed, and the signature compared."""
    (location, _, date, region, service, _, signed_headers, names, provided, _, when_text, _,
     _, declared, _, pairs, _) = parsed  # fmt: skip
    method, _, _, body, _, _, path, query = request
    query_form = location == "query"
    payload: Optional[str]
    s3 = options.s3
    # (_fast_payload's answer for a bytes body without a declared hash, and the canonical query,
    # written out: a call or two fewer, measured)
    if declared is not None or type(body) is not bytes or (s3 and pairs is None and query_form):
        payload = _fast_payload(request, parsed, s3)
        if payload is None:
            return None
    elif s3 and query_form:
        payload = UNSIGNED_PAYLOAD_VALUE
    else:
        payload = _sha256(body).hexdigest() if body else _crypto.EMPTY_SHA256
    if not query_form:
        canonical_query_string = canonical_query_of(query) if query else ""
    elif pairs is None:
        canonical_query_string = _canonical_query(options, request, parsed)
    else:  # canonical already, as the fast parse found them (the signature left out)
        if not options.token_signed:
            pairs = [pair for pair in pairs if pair[0].lower() != "x-amz-security-token"]
        canonical_query_string = "&".join(map("=".join, sorted(pairs)))
    # The listed headers, each single (the caller checked), trimmed: the one trim rule and the
    # shared stages, as the step-by-step path and every signer take them.
    listed: Dict[str, str] = {}
    for name in names:
        value = values.get(name)
        if value is None:
            if name != "host":
                return None  # (signed as empty: the step-by-step path reports the mismatch)
            value = request.host_header
        listed[name] = _trim(value)
    creq = canonical_request(
        method,
        "/" if path == "/" else canonical_path(path, options.normalize_path, options.double_encode),
        canonical_query_string,
        header_block(listed)[0],
        signed_headers,
        payload,
    )
    scope = credential_scope(date, region, service)
    sts = string_to_sign(when_text, scope, creq)
    # (sts.encode(): UTF-8, str.encode's default, without a codec name to look up: measured)
    signature = _crypto.sigv4_signature(credentials.secret_key, date, region, service, sts.encode())
    # (compare_digest takes ASCII text; equal to ours, the signature is 64 hex digits)
    if not provided.isascii() or not _compare_digest(provided, signature):
        return None
    return _tuple_new(Artifacts, (creq, sts, signature, scope, signed_headers, payload))


# -- verification ------------------------------------------------------------------------------


def verify(
    options: SigV4Options,
    request: Request,
    credentials: Credentials,
    now: Optional[_dt.datetime] = None,
    max_skew: float = 900,
    max_lifetime: float = MAX_EXPIRES,
    parsed: Optional[ParsedAuth] = None,
) -> Artifacts:
    """Verify ``request`` as a server configured with ``options`` would (their placement, region
    or region set, service and S3 rules); the artifacts on success.

    ``max_lifetime`` (seconds) bounds a presigned URL's ``X-Amz-Expires`` below AWS's own bound
    (604800, checked by the parse).  ``parsed`` is this request's parse when the caller (the
    dispatcher) already has it, made with the same flavor.
    """
    if type(request) is not Request or type(credentials) is not Credentials:
        credentials = check_arguments(request, credentials, stream=True)
    when = resolve_time(now, "now")
    allowed, window = checked_skew(max_skew)
    sigv4a = isinstance(options, SigV4AOptions)
    query = options.placement == "query"
    fast: Optional[ParsedAuth] = None
    if sigv4a:
        ecdsa_backend()
    elif parsed is None and type(request) is Request:
        # (the one-pass parses parse() starts with, called directly: measured)
        values = single_values(request)
        if values is not None:
            fast = (
                parse_query_fast(request, values, options.s3)
                if query
                else parse_header_fast(request, values)
            )
    if fast is not None:
        parsed = fast
    elif (
        parsed is None
        or parsed.location != options.placement
        or (parsed.algorithm == ECDSA_ALGORITHM) != sigv4a  # (parsed.sigv4a, without the call)
    ):
        parsed = parse(request, query=query, s3=options.s3, sigv4a=sigv4a)
    if max_lifetime != MAX_EXPIRES:  # (else AWS's own bound, which the parse checked)
        _check_lifetime(parsed.expires, check_max_lifetime(max_lifetime))
    if not sigv4a:
        try:
            artifacts = _verify_fast(options, request, credentials, parsed, when, window)
        except UnicodeError:
            artifacts = None  # (text no encoding can carry: the step-by-step path decides)
        if artifacts is not None:
            return artifacts
    flavor = FLAVORS[options.s3, query]
    _check_time(parsed, when, allowed, flavor)
    _check_signed_headers(request, parsed, flavor)
    if sigv4a:
        # The region is not in a SigV4A scope (it is checked as the region set below): the scope
        # check sees the request's own, and judges terminator, date and service.
        _check_scope(parsed, parsed.region, options.service, flavor)
        _check_region_set(parsed, options.regions, flavor)  # type: ignore[attr-defined]
    else:
        _check_scope(parsed, options.region, options.service, flavor)
    token = parsed.token
    check_credentials(parsed.access_key, () if token is None else (token,), credentials, flavor)
    payload = _payload_hash(request, parsed, flavor)
    return _check_signature(options, request, credentials, parsed, payload)
