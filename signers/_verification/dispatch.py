"""Verify any signed AWS request: detect the scheme, find the credentials, call its verifier.

The scheme is read from the request (:mod:`.detect`).  The verifier is the scheme's signer, looked
up in the registry by that name: any signer with a ``verify(request, credentials, now=None,
max_skew=900) -> Artifacts`` method that raises :class:`~signers.errors.VerificationError` takes
part, so a plug-in needs no change here.  A recognized scheme without a verifier is refused with
:class:`~signers.errors.UnsupportedAuthorization`.  The built-in signers' requests are parsed
strictly before the access key is looked up, so a malformed request gets its precise error.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple, Union

from .._core.sigv2 import FORM_CONTENT_TYPE as _FORM
from .._encoding import HEADER_BLANKS
from .._lazy import lazy_module
from .._redact import state_repr
from .._time import UTC, iso8601, parse_iso8601, plus_seconds
from ..errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    IncompleteSignature,
    InvalidOption,
    MissingAuthenticationToken,
    MissingDependency,
    UnknownScheme,
    UnsupportedAuthorization,
)
from ..model import Artifacts, Credentials, Request
from ..registry import cached_shared_signer, is_own, shared_signer
from . import sigv4 as _sigv4
from .answers import FLAVORS, is_s3_service
from .chunked import DEFAULT_MAX_CHUNK_SIZE, ChunkedPayload, open_payload
from .detect import Detected, decoded_pairs, detect, form_pairs
from .legacy_auth import LEGACY_SCHEMES, LegacyAuth
from .sigv4_parse import (
    ParsedAuth,
    parse_authorization_header,
    parse_header_fast,
    parse_presigned_query,
    single_values,
)

__all__ = [
    "Verified",
    "Lookup",
    "lookup_credentials",
    "verify",
    "SIGV4_SCHEMES",
    "SIGV4A_SCHEMES",
    "LEGACY_SCHEMES",
]

_tuple_new = tuple.__new__  # (a NamedTuple without its Python __new__: measured)

Lookup = Union[Mapping[str, Credentials], Callable[[str], Optional[Credentials]]]

#: The schemes whose signers take ``region`` / ``service`` options (a credential scope).
SIGV4_SCHEMES = ("sigv4", "sigv4-query")
#: The SigV4A schemes: a credential scope without region, and a region set (``region_set``).
SIGV4A_SCHEMES = ("sigv4a", "sigv4a-query")


# The legacy schemes' verification, imported on first use.
_legacy = lazy_module("._verification.legacy")


@dataclasses.dataclass(frozen=True)
class Verified:
    """A request that verified: who signed it, for what scope, over which headers, when.

    ``payload_checked`` says whether the body is checked against what was signed: true when
    the signed payload hash was compared with the body given (bytes, or a PayloadHash the
    caller computed), and for an aws-chunked body given as bytes or a file object, whose
    ``payload`` reader checks it as it is read (verified once read to the end without error);
    false for ``UNSIGNED-PAYLOAD``, an event stream, a STREAMING-* request verified without its
    wire body, and the legacy schemes.  ``payload`` is that reader (a
    :class:`~signers.streaming.ChunkedPayload`), else ``None``.
    """

    scheme: str
    access_key: str
    artifacts: Artifacts
    region: Optional[str] = None
    service: Optional[str] = None
    signed_headers: Tuple[str, ...] = ()
    request_time: Optional[_dt.datetime] = None
    expires_at: Optional[_dt.datetime] = None
    payload_checked: bool = False
    payload: Optional[ChunkedPayload] = dataclasses.field(default=None, compare=False)

    # (a dict literal of the fields, like other records' as_dict: alike in shape only)
    def as_dict(self) -> Dict[str, Any]:
        """A JSON-ready account (times in ISO 8601); no secret is in it."""
        return {
            "scheme": self.scheme,
            "access_key": self.access_key,
            "region": self.region,
            "service": self.service,
            "signed_headers": list(self.signed_headers),
            "time": iso8601(self.request_time) if self.request_time else None,
            "expires": iso8601(self.expires_at) if self.expires_at else None,
            "payload_checked": self.payload_checked,
        }

    def __repr__(self) -> str:
        fields = ("scheme", "access_key", "region", "service", "signed_headers", "payload_checked")
        return state_repr(self, *fields)


def lookup_credentials(lookup: Lookup, access_key: str) -> Optional[Credentials]:
    # (a dict, the common case, before the slower abstract-class test)
    if type(lookup) is dict or isinstance(lookup, Mapping):
        found = lookup.get(access_key)
    elif callable(lookup):
        found = lookup(access_key)
    else:
        raise InvalidOption(
            f"lookup: expected a mapping or a callable, got {type(lookup).__name__}",
            field="lookup",
        )
    if found is not None and not isinstance(found, Credentials):
        raise InvalidOption(
            f"lookup: returned {type(found).__name__} for an access key; expected "
            "signers.Credentials or None",
            field="lookup",
        )
    return found


def _verifier(
    scheme: str, options: Dict[str, Any], s3: bool, key: Optional[Tuple[object, ...]] = None
) -> Any:
    try:
        # (the built-in signers, configured once per set of options: verify() only reads them)
        signer = shared_signer(scheme, options, key)
    except UnknownScheme:
        raise UnsupportedAuthorization(
            f"The authorization mechanism you have provided is not supported: no verifier for "
            f"scheme {scheme!r} is available (no signer of that name is installed)",
            field="scheme",
        ) from None
    except MissingDependency as exc:
        raise UnsupportedAuthorization(
            "The authorization mechanism you have provided is not supported here: " + exc.message,
            field="scheme",
        ) from None
    except InvalidOption as exc:
        if scheme not in SIGV4_SCHEMES + SIGV4A_SCHEMES:
            raise  # no scope to blame: the server's own options are wrong (a SigningError)
        # Options built from the client's credential scope: a scope part AWS would reject.
        message = f"the credential scope is not valid: {exc.message}"
        if s3:
            raise AuthorizationHeaderMalformed(
                "The authorization header is malformed; " + message, field=exc.field
            ) from None
        raise IncompleteSignature(message, field=exc.field) from None
    if not callable(getattr(signer, "verify", None)):
        raise UnsupportedAuthorization(
            f"The authorization mechanism you have provided is not supported: the {scheme!r} "
            "signer installed has no verify() method yet",
            field="scheme",
        )
    return signer


def _legacy_times(
    scheme: str, request: Request
) -> Tuple[Optional[_dt.datetime], Optional[_dt.datetime]]:
    """Request time and expiry of a legacy request, read leniently (it already verified)."""
    try:
        if scheme == "s3-v2-query":
            expires = next((v for n, v in decoded_pairs(request.query) if n == "Expires"), "")
            return None, _dt.datetime.fromtimestamp(int(expires), UTC)
        if scheme == "s3-v2":
            from email.utils import parsedate_to_datetime

            text = request.header("x-amz-date") or request.header("date")
            if not text:
                return None, None
            parsed = parsedate_to_datetime(text)
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)), None
        if scheme == "sigv2":
            pairs = decoded_pairs(request.query) or form_pairs(request)
            values = dict(pairs)
            if "Timestamp" in values:
                return parse_iso8601(values["Timestamp"]), None
            if "Expires" in values:
                return None, parse_iso8601(values["Expires"])
    except (ValueError, TypeError, OverflowError, IndexError):
        pass
    return None, None


def _detect(request: Request, service: Optional[str]) -> Tuple[Detected, Any]:
    """The scheme, and for a request as signers write it (the common case) its parse, read once:
    the one-pass parses of SigV4's and S3 SigV2's headers and of a SigV2 query claim only
    requests that :func:`~.detect.detect` names the same way without error, and give what the
    verifier's own parse would give (it takes the same one-pass path), so nothing is parsed
    twice.  (Those parses refuse a query naming another scheme's signature; a form body that may
    carry SigV2's ``Signature`` is left to detect.)"""
    if type(request) is Request:
        values = single_values(request)
        content_type = None if values is None else values.get("content-type")
        body = request[3]
        if values is not None and (
            content_type is None
            or _FORM not in content_type.lower()
            or not isinstance(body, bytes)
            or b"Signature" not in body
        ):
            authorization = values.get("authorization")
            if authorization is None:
                claimed = _claim_sigv2(request, values)
            elif authorization.strip(HEADER_BLANKS).startswith("AWS "):
                claimed = _claim_s3_v2(request, values, authorization)
            else:
                claimed = _claim_sigv4(request, values)
            if claimed is not None:
                return claimed
    try:
        return detect(request), None
    except MissingAuthenticationToken:
        if not is_s3_service(service):
            raise
        # S3 answers an anonymous request to an object or bucket that is not public with
        # 403 AccessDenied (its MissingSecurityHeader is for a form upload without a policy).
        raise AccessDenied("Access Denied", field="Authorization") from None


def _claim_sigv4(request: Request, values: Dict[str, str]) -> Optional[Tuple[Detected, Any]]:
    parsed = parse_header_fast(request, values)  # (it refuses X-Amz-Algorithm/-Signature too)
    if parsed is None or "Signature" in request[7]:  # (query: SigV2's parameter, detect refuses)
        return None
    return _tuple_new(Detected, ("sigv4", parsed.access_key, parsed.region, parsed.service)), parsed


def _claim_s3_v2(
    request: Request, values: Dict[str, str], authorization: str
) -> Optional[Tuple[Detected, Any]]:
    # detect's reading of the header (its access key, for a plug-in verifier), then the parse's
    access_key, colon, signature = (
        authorization.strip(HEADER_BLANKS)[4:].strip(HEADER_BLANKS).partition(":")
    )
    if not colon or not access_key or not signature:
        return None  # (detect's error)
    parsed = _legacy().claim("s3-v2", request, values)
    if parsed is None:
        return None
    return _tuple_new(Detected, ("s3-v2", access_key, None, "s3")), parsed


def _claim_sigv2(request: Request, values: Dict[str, str]) -> Optional[Tuple[Detected, Any]]:
    # No Authorization, no form body, no X-Amz-Algorithm (SigV4's presigned query) anywhere in
    # the query: then the parse's checks (no encoded name, no repeated SigV2 parameter, version
    # 2, an access key) are detection's.
    query = request[7]
    if not query or "content-type" in values or "x-amz-algorithm" in query.lower():
        return None
    parsed = _legacy().claim("sigv2", request, values)
    if parsed is None:
        return None
    return _tuple_new(Detected, ("sigv2", parsed.access_key, None, None)), parsed


# (public: the verifying middleware takes the same keyword options and passes them on)
def verify(
    request: Request,
    lookup: Lookup,
    now: Optional[_dt.datetime] = None,
    max_skew: float = 900,
    *,
    region: Optional[str] = None,
    service: Optional[str] = None,
    schemes: Optional[Iterable[str]] = None,
    options: Optional[Mapping[str, Mapping[str, Any]]] = None,
    max_lifetime: float = 604800,
    max_chunk_size: int = DEFAULT_MAX_CHUNK_SIZE,
) -> Verified:
    """Verify ``request`` whatever its scheme; a :class:`Verified` account on success.

    ``lookup`` maps an access key to :class:`~signers.model.Credentials` (a mapping, or a
    callable returning ``None`` for an unknown key).  ``region`` / ``service`` are what this
    server answers for (SigV4): ``None`` accepts the client's credential scope.  ``schemes``
    restricts the schemes accepted (default: every one with a verifier).  ``options`` are extra
    signer options per scheme, e.g. ``{"sigv4-query": {"session_token": "unsigned"}}``; the
    S3 rules (``s3=True``) apply by default when the signing name is an S3 one.
    ``max_lifetime`` (seconds, default seven days) bounds a presigned request's lifetime: a
    SigV4/SigV4A ``X-Amz-Expires`` above it is refused (AWS's own bound, 604800, stays the
    most), and so is a legacy ``Expires`` further ahead of ``now`` (SigV2's parameter, an S3
    SigV2 presigned URL).

    A SigV4/SigV4A request declaring an aws-chunked ``x-amz-content-sha256`` (``STREAMING-...``)
    whose body is the wire body (bytes, or a binary file object such as a socket's) verifies by
    its seed signature here; its data is checked as ``Verified.payload`` is read, chunk by chunk
    (chunks up to ``max_chunk_size`` bytes).  See :attr:`Verified.payload_checked`.

    Raises a :class:`~signers.errors.VerificationError` subclass carrying AWS's error code.
    """
    detected, parsed = _detect(request, service)
    scheme = detected.scheme
    if schemes is not None:
        allowed = tuple(schemes)
        if scheme not in allowed:
            raise UnsupportedAuthorization(
                f"The authorization mechanism you have provided is not supported: scheme "
                f"{scheme!r} is not accepted here (accepted: {', '.join(allowed) or 'none'})",
                field="scheme",
            )
    scheme_options: Dict[str, Any] = {} if options is None else dict(options.get(scheme, {}))
    forced = scheme_options.get("s3")  # (the S3 rules: forced, else by the scheme or service)
    if isinstance(forced, bool):
        s3 = forced
    else:
        s3 = scheme.startswith("s3-") or is_s3_service(service or detected.service)
    if scheme in SIGV4_SCHEMES or scheme in SIGV4A_SCHEMES:
        return _verify_sigv4_family(
            request, lookup, now, max_skew, scheme, scheme_options, s3, region, service,
            max_chunk_size, max_lifetime, parsed,
        )  # fmt: skip
    # (no options for the scheme: its shared signer is kept under its name, found at C speed)
    signer: Any = None if scheme_options else cached_shared_signer(scheme)
    if signer is None:
        signer = _verifier(scheme, scheme_options, s3)
    if scheme in LEGACY_SCHEMES and is_own(signer):
        return _verify_legacy(
            request, lookup, now, max_skew, signer, detected, s3, max_lifetime, parsed
        )
    credentials = lookup_credentials(lookup, detected.access_key)
    if credentials is None:
        raise FLAVORS[s3, False].unknown_key(detected.access_key)
    artifacts = signer.verify(request, credentials, now=now, max_skew=max_skew)
    if not isinstance(artifacts, Artifacts):
        raise UnsupportedAuthorization(
            f"the {scheme!r} verifier returned {type(artifacts).__name__}, not Artifacts",
            field="scheme",
        )
    request_time, expires_at = _legacy_times(scheme, request)
    return _verified(detected, artifacts, request_time, expires_at)


def _verified(
    detected: Detected,
    artifacts: Artifacts,
    request_time: Optional[_dt.datetime],
    expires_at: Optional[_dt.datetime],
    payload: Tuple[Optional[ChunkedPayload], bool] = (None, False),
) -> Verified:
    signed = artifacts.signed_headers
    # The frozen dataclass's fields set at once (its __init__ sets them one object.__setattr__
    # at a time: measured on every signers.verify); the same value as Verified(...).
    verified: Verified = object.__new__(Verified)
    vars(verified).update(
        scheme=detected.scheme,
        access_key=detected.access_key,
        artifacts=artifacts,
        region=detected.region,
        service=detected.service,
        signed_headers=tuple(signed.split(";")) if signed else (),
        request_time=request_time,
        expires_at=expires_at,
        payload_checked=payload[1],
        payload=payload[0],
    )
    return verified


def _verify_sigv4_family(
    request: Request,
    lookup: Lookup,
    now: Optional[_dt.datetime],
    max_skew: float,
    scheme: str,
    scheme_options: Dict[str, Any],
    s3: bool,
    region: Optional[str],
    service: Optional[str],
    max_chunk_size: int,
    max_lifetime: float,
    parsed: Optional[ParsedAuth] = None,
) -> Verified:
    """SigV4 and SigV4A: parse strictly before anything else, so a malformed request gets its
    precise error (and not "unknown access key").  The signer is configured with what the server
    expects; where it expects nothing, with what the client says (the signature still has to
    match it).  SigV4A's ``region`` is a region this server answers for, which the request's
    region set must cover."""
    query = scheme.endswith("-query")
    sigv4a = scheme in SIGV4A_SCHEMES
    if parsed is None:
        parse = parse_presigned_query if query else parse_authorization_header
        parsed = parse(request, s3=s3, sigv4a=sigv4a)
    key: Optional[Tuple[object, ...]] = None
    signer: Any = None
    if not scheme_options:
        # The usual server, with no options of its own for the scheme: the four values stand for
        # the options below, and its signer is found without making them (measured).
        key = (scheme, region or parsed.region, service or parsed.service, s3)
        signer = cached_shared_signer(key)
    if signer is None:
        if not sigv4a:
            scheme_options.setdefault("region", region or parsed.region)
        elif "region" not in scheme_options:
            scheme_options.setdefault("region_set", region or parsed.region)
        scheme_options.setdefault("service", service or parsed.service)
        scheme_options.setdefault("s3", s3)
        signer = _verifier(scheme, scheme_options, s3, key)
    # (a dict's Credentials found without the call; anything else, lookup_credentials decides)
    credentials = lookup.get(parsed.access_key) if type(lookup) is dict else None
    if type(credentials) is not Credentials:
        credentials = lookup_credentials(lookup, parsed.access_key)
    if credentials is None:
        raise FLAVORS[s3, query].unknown_key(parsed.access_key)
    own = is_own(signer)
    if own:
        # (parsed passed by position: a call without keywords, measured)
        artifacts = _sigv4.verify(
            signer.options, request, credentials, now, max_skew, max_lifetime, parsed
        )
    else:
        artifacts = signer.verify(request, credentials, now=now, max_skew=max_skew)
    expires = parsed.expires
    request_time = parsed.request_time
    if own and parsed.content_sha256 is None and type(request[3]) is bytes and not query:
        # open_payload's answer without the call: nothing declared, so our verifier signed and
        # compared the body's own SHA-256 (no aws-chunked reader; the payload checked)
        payload: Tuple[Optional[ChunkedPayload], bool] = (None, True)
    else:
        payload = open_payload(
            request, artifacts, credentials, seed_signature=parsed.signature,
            request_time=parsed.request_time_text, sigv4a=sigv4a, max_chunk_size=max_chunk_size,
        )  # fmt: skip
    return _verified(
        _tuple_new(Detected, (scheme, parsed.access_key, parsed.region, parsed.service)),
        artifacts,
        request_time,
        None if expires is None else plus_seconds(request_time, expires),
        payload,
    )


def _verify_legacy(
    request: Request,
    lookup: Lookup,
    now: Optional[_dt.datetime],
    max_skew: float,
    signer: Any,
    detected: Detected,
    s3: bool,
    max_lifetime: float,
    parsed: Optional[LegacyAuth] = None,
) -> Verified:
    # As for SigV4: the precise error for a malformed request before "unknown access key".
    legacy = _legacy()
    scheme = detected.scheme
    if parsed is None:
        parsed = legacy.parse(scheme, request)
    credentials = lookup_credentials(lookup, parsed.access_key)
    if credentials is None:
        raise FLAVORS[s3, False].unknown_key(parsed.access_key)
    artifacts = legacy.verify(
        signer.options, request, credentials, now, max_skew, max_lifetime, parsed=parsed
    )
    return _verified(
        _tuple_new(Detected, (detected.scheme, parsed.access_key, None, detected.service)),
        artifacts,
        parsed.request_time,
        parsed.expires_at,
    )
