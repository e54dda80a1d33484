"""Verify any signed AWS request: detect the scheme, find the credentials, call its verifier.

The scheme is read from the request itself:

==========================================================  ===============
what the request carries                                    scheme
==========================================================  ===============
``Authorization: AWS4-HMAC-SHA256 ...``                     ``sigv4``
query ``X-Amz-Algorithm=AWS4-HMAC-SHA256``                  ``sigv4-query``
``Authorization: AWS4-ECDSA-P256-SHA256 ...``               ``sigv4a``
query ``X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256``            ``sigv4a-query``
``Authorization: AWS AKID:signature``                       ``s3-v2``
``SignatureVersion`` in the query or a form body            ``sigv2``
query ``AWSAccessKeyId`` or ``Signature`` (see below)       ``s3-v2-query``
==========================================================  ===============

A request with ``AWSAccessKeyId`` or ``Signature`` but no ``SignatureVersion`` is SigV2 when it
also carries ``SignatureMethod``, ``Timestamp`` or ``Action``, or puts them in a form body (its
verifier then reports the missing ``SignatureVersion``), else an S3 presigned URL (whose
verifier reports what is missing of ``AWSAccessKeyId``, ``Expires`` and ``Signature``).

The verifier is the scheme's signer, looked up in the registry by that name: any signer with a
``verify(request, credentials, now=None, max_skew=900) -> Artifacts`` method that raises
:class:`~signers.errors.VerificationError` takes part, so a plug-in needs no change here.  A
recognized scheme without a verifier is refused with
:class:`~signers.errors.UnsupportedAuthorization`.  The built-in signers' requests are parsed
strictly before the access key is looked up, so a malformed request gets its precise error.
"""

from __future__ import annotations

import datetime as _dt
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    NoReturn,
    Optional,
    Tuple,
    Union,
)

from ._encoding import percent_decode_str, split_query
from ._time import UTC, iso8601, parse_iso8601
from .errors import (
    AuthorizationHeaderMalformed,
    IncompleteSignature,
    InvalidAccessKeyId,
    InvalidArgument,
    InvalidClientTokenId,
    InvalidOption,
    InvalidRequest,
    MissingAuthenticationToken,
    MissingDependency,
    UnknownScheme,
    UnsupportedAuthorization,
    VerificationError,
)
from .model import Artifacts, Credentials, Request
from .registry import shared_signer
from .sigv2 import FORM_CONTENT_TYPE as _FORM
from .sigv2 import SIGV2_PARAMETER_ORDER as _SIGV2_SINGLE
from .sigv2 import SIGV2_PARAMETERS as _SIGV2_SINGLE_SET

if TYPE_CHECKING:
    from ._verify_legacy import LegacyAuth
    from ._verify_sigv4 import ParsedAuth

__all__ = [
    "Verified",
    "Detected",
    "Lookup",
    "detect",
    "verify",
    "SIGV4_SCHEMES",
    "SIGV4A_SCHEMES",
    "LEGACY_SCHEMES",
]

Lookup = Union[Mapping[str, Credentials], Callable[[str], Optional[Credentials]]]

#: The schemes whose signers take ``region`` / ``service`` options (a credential scope).
SIGV4_SCHEMES = ("sigv4", "sigv4-query")
#: The SigV4A schemes: a credential scope without region, and a region set (``region_set``).
SIGV4A_SCHEMES = ("sigv4a", "sigv4a-query")
#: The legacy schemes (no credential scope).
LEGACY_SCHEMES = ("sigv2", "s3-v2", "s3-v2-query")

_SIGV4A_ALGORITHM = "AWS4-ECDSA-P256-SHA256"

_v4_module: Any = None


def _v4() -> Any:
    """:mod:`signers._verify_sigv4`, imported on first use (it pulls in the SigV4 signers)."""
    global _v4_module
    if _v4_module is None:
        from . import _verify_sigv4

        _v4_module = _verify_sigv4
    return _v4_module


_v4a_module: Any = None


def _v4a() -> Any:
    """:mod:`signers._verify_sigv4a`, imported on first use (cryptography only when verifying)."""
    global _v4a_module
    if _v4a_module is None:
        from . import _verify_sigv4a

        _v4a_module = _verify_sigv4a
    return _v4a_module


_legacy_module: Any = None


def _legacy() -> Any:
    """:mod:`signers._verify_legacy`, imported on first use."""
    global _legacy_module
    if _legacy_module is None:
        from . import _verify_legacy

        _legacy_module = _verify_legacy
    return _legacy_module


class _Frozen:
    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")


class Detected(_Frozen):
    """What the request says about itself before any check: scheme, access key, scope."""

    __slots__ = ("access_key", "region", "scheme", "service")
    scheme: str
    access_key: str
    region: Optional[str]
    service: Optional[str]

    def __init__(
        self, scheme: str, access_key: str, region: Optional[str], service: Optional[str]
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "scheme", scheme)
        setattr_(self, "access_key", access_key)
        setattr_(self, "region", region)
        setattr_(self, "service", service)

    def __repr__(self) -> str:
        return (
            f"Detected(scheme={self.scheme!r}, access_key={self.access_key!r}, "
            f"region={self.region!r}, service={self.service!r})"
        )


class Verified(_Frozen):
    """A request that verified: who signed it, for what scope, over which headers, when."""

    __slots__ = (
        "access_key",
        "artifacts",
        "expires_at",
        "region",
        "request_time",
        "scheme",
        "service",
        "signed_headers",
    )
    scheme: str
    access_key: str
    region: Optional[str]
    service: Optional[str]
    signed_headers: Tuple[str, ...]
    request_time: Optional[_dt.datetime]
    expires_at: Optional[_dt.datetime]
    artifacts: Artifacts

    def __init__(
        self,
        *,
        scheme: str,
        access_key: str,
        artifacts: Artifacts,
        region: Optional[str] = None,
        service: Optional[str] = None,
        signed_headers: Tuple[str, ...] = (),
        request_time: Optional[_dt.datetime] = None,
        expires_at: Optional[_dt.datetime] = None,
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "scheme", scheme)
        setattr_(self, "access_key", access_key)
        setattr_(self, "region", region)
        setattr_(self, "service", service)
        setattr_(self, "signed_headers", tuple(signed_headers))
        setattr_(self, "request_time", request_time)
        setattr_(self, "expires_at", expires_at)
        setattr_(self, "artifacts", artifacts)

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
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verified):
            return NotImplemented
        return all(getattr(self, s) == getattr(other, s) for s in self.__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, s) for s in self.__slots__))

    def __repr__(self) -> str:
        return (
            f"Verified(scheme={self.scheme!r}, access_key={self.access_key!r}, "
            f"region={self.region!r}, service={self.service!r}, "
            f"signed_headers={self.signed_headers!r})"
        )


# -- detection ---------------------------------------------------------------------------------


def _named_pairs(raw: str) -> List[Tuple[str, str]]:
    """``(decoded name, raw value)`` pairs: detection reads every name but few values."""
    return [(percent_decode_str(n) if "%" in n else n, v) for n, v in split_query(raw)]


def _value(raw: str) -> str:
    """A raw value of :func:`_named_pairs`, decoded (``+`` is a space)."""
    return percent_decode_str(raw.replace("+", " ") if "+" in raw else raw)


def _decoded_pairs(raw: str) -> List[Tuple[str, str]]:
    return [(n, _value(v)) for n, v in _named_pairs(raw)]


def _form_pairs(request: Request, *, decoded: bool = True) -> List[Tuple[str, str]]:
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    body = request.body
    if content_type != _FORM or not isinstance(body, bytes) or not body:
        return []
    text = body.decode("latin-1")
    return _decoded_pairs(text) if decoded else _named_pairs(text)


def _form_has_signature(request: Request) -> bool:
    """Whether a form body carries a SigV2 ``Signature`` (checked cheaply first)."""
    body = request.body
    if not isinstance(body, bytes) or b"Signature" not in body:
        return False
    return any(n == "Signature" for n, _ in _form_pairs(request, decoded=False))


def _only(
    pairs: List[Tuple[str, str]], name: str, error: Callable[[str], VerificationError]
) -> Optional[str]:
    values = [v for n, v in pairs if n == name]
    if len(values) > 1:
        raise error(f"{name} appears more than once")
    return values[0] if values else None


def _peek_sigv4_scope(credential: str) -> Tuple[str, Optional[str], Optional[str]]:
    parts = credential.split("/")
    if len(parts) == 5:
        return parts[0], parts[2] or None, parts[3] or None
    if len(parts) == 4:  # SigV4A: no region in the scope (the region set travels beside it)
        return parts[0], None, parts[2] or None
    return parts[0], None, None


def _sigv4_credential(value: str) -> str:
    # The Credential component of an Authorization header, found loosely; strict parsing is the
    # verifier's job and reports the precise error.
    for piece in value.partition(" ")[2].split(","):
        key, _, component = piece.strip().partition("=")
        if key.strip() == "Credential":
            return component.strip()
    return ""


def detect(request: Request) -> Detected:
    """Read the scheme, the access key and (SigV4) the region and service from ``request``.

    Raises :class:`~signers.errors.MissingAuthenticationToken` when the request is not signed,
    and another :class:`~signers.errors.VerificationError` when it mixes schemes or the
    Authorization header is of no known type.
    """
    if not isinstance(request, Request):
        raise InvalidRequest(
            f"request: expected signers.Request, got {type(request).__name__}", field="request"
        )
    query = _named_pairs(request.query)  # (values decoded where read)
    names = {n for n, _ in query}
    lowered = {n.lower() for n in names}
    authorizations = request.header_values("authorization")
    if len(authorizations) > 1:
        raise IncompleteSignature(
            "the Authorization header appears more than once", field="Authorization"
        )
    if authorizations:
        value = authorizations[0].strip()
        if (
            "x-amz-algorithm" in lowered
            or "Signature" in names
            or "x-amz-signature" in lowered
            or _form_has_signature(request)
        ):
            raise InvalidArgument(
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be "
                "specified",
                field="Authorization",
            )
        algorithm = value.partition(" ")[0]
        if algorithm in ("AWS4-HMAC-SHA256", _SIGV4A_ALGORITHM):
            access_key, region, service = _peek_sigv4_scope(_sigv4_credential(value))
            if algorithm == "AWS4-HMAC-SHA256":
                return Detected("sigv4", access_key, region, service)
            region_set = request.header("x-amz-region-set")
            return Detected("sigv4a", access_key, region_set and region_set.strip(), service)
        if algorithm == "AWS":
            access_key, colon, signature = value[4:].strip().partition(":")
            if not colon or not access_key or not signature:
                raise InvalidArgument(
                    "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
                    field="Authorization",
                )
            return Detected("s3-v2", access_key, None, "s3")
        raise InvalidArgument("Unsupported Authorization Type", field="Authorization")

    def query_error(message: str) -> VerificationError:
        return InvalidArgument(f"query: {message}", field="query")

    if "x-amz-algorithm" in lowered:
        algorithm_value = _value(next(v for n, v in query if n.lower() == "x-amz-algorithm"))
        credential = _value(next((v for n, v in query if n.lower() == "x-amz-credential"), ""))
        access_key, region, service = _peek_sigv4_scope(credential)
        if algorithm_value == _SIGV4A_ALGORITHM:
            region = next((v for n, v in query if n.lower() == "x-amz-region-set"), None)
            return Detected("sigv4a-query", access_key, region, service)
        return Detected("sigv4-query", access_key, region, service)

    def sigv2_error(message: str) -> VerificationError:
        return IncompleteSignature(message, field="query")

    # SigV2 parameters may sit in the URL query and in a form body (whatever the method, as the
    # signer reads them); together they are signed.
    form = _form_pairs(request, decoded=False)
    params = query + form
    all_names = {n for n, _ in params}
    # The SigV2 parameters, each with its (raw) values, in one pass.
    sigv2_values: Dict[str, List[str]] = {}
    for name, raw_value in params:
        if name in _SIGV2_SINGLE_SET:
            sigv2_values.setdefault(name, []).append(raw_value)

    def only(name: str) -> Optional[str]:
        # the one value of a SigV2 parameter (decoded), None when absent, an error when repeated
        found = sigv2_values.get(name)
        if found is None:
            return None
        if len(found) > 1:
            raise sigv2_error(f"{name} appears more than once")
        return _value(found[0])

    version = only("SignatureVersion")
    if version is not None and version.strip() != "2":
        raise UnsupportedAuthorization(
            f"SignatureVersion {version!r} is not supported; use 2 or AWS4-HMAC-SHA256",
            field="SignatureVersion",
        )
    signed = "AWSAccessKeyId" in all_names or "Signature" in all_names
    if version is not None or (
        signed
        and (
            "SignatureMethod" in all_names
            or "Timestamp" in all_names
            or "Action" in all_names  # every query API call names its action; S3 has none
            or any(n in ("AWSAccessKeyId", "Signature") for n, _ in form)
        )
    ):
        for name in _SIGV2_SINGLE:  # a repeated parameter is reported first, as the verifier does
            if len(sigv2_values.get(name, ())) > 1:
                raise sigv2_error(f"{name} appears more than once")
        key_v2 = only("AWSAccessKeyId")
        if not key_v2:
            raise MissingAuthenticationToken(
                "The request must contain either a valid (registered) AWS access key ID or "
                "X.509 certificate.",
                field="AWSAccessKeyId",
            )
        return Detected("sigv2", key_v2, None, None)
    if "AWSAccessKeyId" in names or "Signature" in names:
        # Whatever is missing of AWSAccessKeyId / Expires / Signature, the verifier reports.
        access_key = _only(_decoded_pairs(request.query), "AWSAccessKeyId", query_error) or ""
        return Detected("s3-v2-query", access_key, None, "s3")
    raise MissingAuthenticationToken(
        "Request is missing Authentication Token (no Authorization header, no signed query)",
        field="Authorization",
    )


# -- verification ------------------------------------------------------------------------------


def _lookup(lookup: Lookup, access_key: str) -> Optional[Credentials]:
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


def _is_s3(detected: Detected, service: Optional[str], options: Mapping[str, Any]) -> bool:
    forced = options.get("s3")
    if isinstance(forced, bool):
        return forced
    return detected.scheme.startswith("s3-") or _v4().is_s3_service(service or detected.service)


def _unknown_key(access_key: str, s3: bool) -> VerificationError:
    if s3:
        return InvalidAccessKeyId(
            "The AWS Access Key Id you provided does not exist in our records.",
            field="access_key",
            details=[("AWSAccessKeyId", access_key)],
        )
    return InvalidClientTokenId(
        "The security token included in the request is invalid.", field="access_key"
    )


def _verifier(scheme: str, options: Dict[str, Any], s3: bool) -> Any:
    try:
        # (the built-in signers, configured once per set of options: verify() only reads them)
        signer = shared_signer(scheme, options)
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
            expires = next((v for n, v in _decoded_pairs(request.query) if n == "Expires"), "")
            return None, _dt.datetime.fromtimestamp(int(expires), UTC)
        if scheme == "s3-v2":
            from email.utils import parsedate_to_datetime

            text = request.header("x-amz-date") or request.header("date")
            if not text:
                return None, None
            parsed = parsedate_to_datetime(text)
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)), None
        if scheme == "sigv2":
            pairs = _decoded_pairs(request.query) or _form_pairs(request)
            values = dict(pairs)
            if "Timestamp" in values:
                return parse_iso8601(values["Timestamp"]), None
            if "Expires" in values:
                return None, parse_iso8601(values["Expires"])
    except (ValueError, TypeError, OverflowError, IndexError):
        pass
    return None, None


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
) -> Verified:
    """Verify ``request`` whatever its scheme; a :class:`Verified` account on success.

    ``lookup`` maps an access key to :class:`~signers.model.Credentials` (a mapping, or a
    callable returning ``None`` for an unknown key).  ``region`` / ``service`` are what this
    server answers for (SigV4): ``None`` accepts the client's credential scope.  ``schemes``
    restricts the schemes accepted (default: every one with a verifier).  ``options`` are extra
    signer options per scheme, e.g. ``{"sigv4-query": {"session_token": "unsigned"}}``; the
    S3 rules (``s3=True``) apply by default when the signing name is an S3 one.

    Raises a :class:`~signers.errors.VerificationError` subclass carrying AWS's error code.
    """
    if type(request) is Request and schemes is None and not options:
        verified = _verify_common(request, lookup, now, max_skew, region, service)
        if verified is not None:
            return verified
    detected = detect(request)
    scheme = detected.scheme
    if schemes is not None:
        allowed = tuple(schemes)
        if scheme not in allowed:
            raise UnsupportedAuthorization(
                f"The authorization mechanism you have provided is not supported: scheme "
                f"{scheme!r} is not accepted here (accepted: {', '.join(allowed) or 'none'})",
                field="scheme",
            )
    scheme_options: Dict[str, Any] = dict((options or {}).get(scheme, {}))
    s3 = _is_s3(detected, service, scheme_options)
    parsed: Optional[ParsedAuth] = None
    if scheme in SIGV4_SCHEMES:
        # Parse strictly before anything else, so a malformed request gets its precise error
        # (and not "unknown access key").  The signer is configured with what the server
        # expects; where it expects nothing, with what the client says (the signature still has
        # to match it).
        v4 = _v4()
        parse = v4.parse_authorization_header if scheme == "sigv4" else v4.parse_presigned_query
        parsed = parse(request, s3=s3)
        detected = Detected(scheme, parsed.access_key, parsed.region, parsed.service)
        scheme_options.setdefault("region", region or parsed.region)
        scheme_options.setdefault("service", service or parsed.service)
        scheme_options.setdefault("s3", s3)
    elif scheme in SIGV4A_SCHEMES:
        # The same, with SigV4A's parse; ``region`` is a region this server answers for, which
        # the request's region set must cover.
        v4 = _v4()
        parse = v4.parse_authorization_header if scheme == "sigv4a" else v4.parse_presigned_query
        parsed = parse(request, s3=s3, sigv4a=True)
        detected = Detected(scheme, parsed.access_key, parsed.region, parsed.service)
        if "region" not in scheme_options:
            scheme_options.setdefault("region_set", region or parsed.region)
        scheme_options.setdefault("service", service or parsed.service)
        scheme_options.setdefault("s3", s3)
    signer = _verifier(scheme, scheme_options, s3)
    legacy_parsed: Optional[LegacyAuth] = None
    if scheme in LEGACY_SCHEMES and type(signer) in _legacy().BUILT_IN_SIGNERS:
        # As for SigV4: the precise error for a malformed request before "unknown access key".
        legacy_parsed = _legacy().parse(signer, request)
        detected = Detected(scheme, legacy_parsed.access_key, None, detected.service)
    credentials = _lookup(lookup, detected.access_key)
    if credentials is None:
        raise _unknown_key(detected.access_key, s3)
    if parsed is not None and type(signer) in _v4().BUILT_IN_SIGNERS + _v4a().BUILT_IN_SIGNERS:
        # Our own SigV4 / SigV4A verifiers take the parse already done above instead of redoing it.
        v4 = _v4a() if parsed.sigv4a else _v4()
        check = v4.verify_header if parsed.location == "header" else v4.verify_query
        artifacts = check(signer, request, credentials, now=now, max_skew=max_skew, parsed=parsed)
    elif legacy_parsed is not None:
        artifacts = _legacy().verify(
            signer, request, credentials, now=now, max_skew=max_skew, parsed=legacy_parsed
        )
    else:
        artifacts = signer.verify(request, credentials, now=now, max_skew=max_skew)
    if not isinstance(artifacts, Artifacts):
        raise UnsupportedAuthorization(
            f"the {scheme!r} verifier returned {type(artifacts).__name__}, not Artifacts",
            field="scheme",
        )
    signed = tuple(artifacts.signed_headers.split(";")) if artifacts.signed_headers else ()
    request_time: Optional[_dt.datetime]
    expires_at: Optional[_dt.datetime] = None
    if parsed is not None:
        region_out: Optional[str] = parsed.region
        service_out: Optional[str] = parsed.service
        request_time = parsed.request_time
        if parsed.expires is not None:
            expires_at = request_time + _dt.timedelta(seconds=parsed.expires)
    elif legacy_parsed is not None:
        region_out, service_out = detected.region, detected.service
        request_time, expires_at = legacy_parsed.request_time, legacy_parsed.expires_at
    else:
        region_out, service_out = detected.region, detected.service
        request_time, expires_at = _legacy_times(scheme, request)
    return Verified(
        scheme=scheme,
        access_key=detected.access_key,
        region=region_out,
        service=service_out,
        signed_headers=signed,
        request_time=request_time,
        expires_at=expires_at,
        artifacts=artifacts,
    )


# -- the common shapes in one pass ---------------------------------------------------------------


def _verify_common(
    request: Request,
    lookup: Lookup,
    now: Optional[_dt.datetime],
    max_skew: float,
    region: Optional[str],
    service: Optional[str],
) -> Optional[Verified]:
    """:func:`verify` of the shapes signers send (SigV4 header or presigned URL, S3's legacy
    header or presigned URL, SigV2 in the query) with the built-in verifiers, no ``schemes``
    and no ``options``: the same steps in the same order, with the fast parses.  ``None``
    before anything is looked up when the request is of another shape or doubtful
    (:func:`verify` then takes every step); once the lookup was called, the verdict or the
    error is this function's.
    """
    v4 = _v4()
    values = v4._single_values(request)
    if values is None:
        return None
    query = request[7]
    authorization = values.get("authorization")
    if authorization is not None:
        # detect() refuses a second mechanism in the query or a form body: leave those to it
        if query:
            for piece in query.split("&"):
                name = piece.partition("=")[0]
                if "%" in name or name == "Signature" or name.lower() in _SECOND_MECHANISM:
                    return None
        if _form_has_signature(request):
            return None
        value = authorization.strip()
        if value.startswith("AWS4-HMAC-SHA256 "):
            parsed = v4._parse_header_fast(request, values)
            if parsed is None:
                return None
            return _verify_sigv4_common(
                "sigv4", request, parsed, lookup, now, max_skew, region, service
            )
        if value.startswith("AWS "):
            key, colon, signature = value[4:].strip().partition(":")
            if not (colon and key and signature):
                return None
            return _verify_legacy_common(
                "s3-v2", request, values, lookup, now, max_skew, "s3", True
            )
        return None
    if not query:
        return None
    lowered = query.lower()
    if "x-amz-algorithm=aws4-hmac-sha256&" in lowered or lowered.startswith(
        "x-amz-algorithm=aws4-hmac-sha256"
    ):
        s3 = v4.is_s3_service(service or _scope_service(query))
        parsed = v4._parse_query_fast(request, values, s3)
        if parsed is None:
            return None
        return _verify_sigv4_common(
            "sigv4-query", request, parsed, lookup, now, max_skew, region, service
        )
    # (the fast legacy parses take no "%" in a parameter name: what the names hold shows in the
    # lower-cased query as it is)
    if "x-amz-algorithm" in lowered:
        return None
    if "signatureversion=" in lowered:
        return _verify_legacy_common(
            "sigv2", request, values, lookup, now, max_skew, None, v4.is_s3_service(service)
        )
    if (
        "content-type" not in values  # (a form body may hold SigV2 parameters)
        and "signaturemethod" not in lowered
        and "timestamp" not in lowered
        and "action" not in lowered
    ):
        return _verify_legacy_common(
            "s3-v2-query", request, values, lookup, now, max_skew, "s3", True
        )
    return None


_SECOND_MECHANISM = ("x-amz-algorithm", "x-amz-signature")


def _scope_service(query: str) -> Optional[str]:
    # The service of the X-Amz-Credential parameter, read as detect() reads it (loosely).
    for piece in query.split("&"):
        name, _, value = piece.partition("=")
        if name.lower() == "x-amz-credential":
            return _peek_sigv4_scope(_value(value))[2]
    return None


def _verify_sigv4_common(
    scheme: str,
    request: Request,
    parsed: ParsedAuth,
    lookup: Lookup,
    now: Optional[_dt.datetime],
    max_skew: float,
    region: Optional[str],
    service: Optional[str],
) -> Optional[Verified]:
    v4 = _v4()
    s3 = v4.is_s3_service(service or parsed.service)
    signer = _verifier(
        scheme,
        {"region": region or parsed.region, "service": service or parsed.service, "s3": s3},
        s3,
    )
    if type(signer) not in v4.BUILT_IN_SIGNERS:
        return None
    credentials = _lookup(lookup, parsed.access_key)
    if credentials is None:
        raise _unknown_key(parsed.access_key, s3)
    check = v4.verify_header if parsed.location == "header" else v4.verify_query
    artifacts = check(signer, request, credentials, now=now, max_skew=max_skew, parsed=parsed)
    request_time = parsed.request_time
    expires = parsed.expires
    return Verified(
        scheme=scheme,
        access_key=parsed.access_key,
        region=parsed.region,
        service=parsed.service,
        signed_headers=tuple(artifacts.signed_headers.split(";")),
        request_time=request_time,
        expires_at=None if expires is None else request_time + _dt.timedelta(seconds=expires),
        artifacts=artifacts,
    )


def _verify_legacy_common(
    scheme: str,
    request: Request,
    values: Dict[str, str],
    lookup: Lookup,
    now: Optional[_dt.datetime],
    max_skew: float,
    service: Optional[str],
    s3: bool,
) -> Optional[Verified]:
    legacy = _legacy()
    signer = _verifier(scheme, {}, s3)
    if type(signer) not in legacy.BUILT_IN_SIGNERS:
        return None
    parsed = legacy._parse_fast(signer, request, values)
    if parsed is None:
        return None
    credentials = _lookup(lookup, parsed.access_key)
    if credentials is None:
        raise _unknown_key(parsed.access_key, s3)
    artifacts = legacy.verify(
        signer, request, credentials, now=now, max_skew=max_skew, parsed=parsed
    )
    signed = artifacts.signed_headers
    return Verified(
        scheme=scheme,
        access_key=parsed.access_key,
        region=None,
        service=service,
        signed_headers=tuple(signed.split(";")) if signed else (),
        request_time=parsed.request_time,
        expires_at=parsed.expires_at,
        artifacts=artifacts,
    )
