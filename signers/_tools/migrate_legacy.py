"""The legacy side of migration: which scheme signed a request, whether its old signature
verifies, and what SigV2 added that SigV4 must not carry.

Detection is verification's (:func:`signers._verification.detect`, the one scheme detector);
this module adds only what migration requires of the detected request (``SignatureVersion=2`` and a
``Signature`` for the query API; ``AWSAccessKeyId``, ``Expires`` and ``Signature`` for an S3
presigned URL) and says, in its own words, why a request is not something to migrate.  The old
signature is checked by verification itself (:func:`signers._verification.verify`, what
``sigbridge serve`` runs), so that whatever a server refuses is never called verified.  Stripping
keeps every other query piece as it was sent (its encoding included).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, FrozenSet, List, Mapping, Optional, Sequence, Tuple

from .. import s3_v2, sigv2
from .._encoding import percent_decode_str
from .._time import resolve_time

# The one scheme detector is verification's; imported here only, so that its move changes one line.
from .._verification import detect as _detect
from ..errors import InvalidOption, MissingAuthenticationToken, SigningError, VerificationError
from ..model import Credentials, Request

__all__ = [
    "MigrationError",
    "detect_scheme",
    "verify_old_signature",
    "strip",
    "old_access_key",
    "one_value",
    "s3_signer",
    "S3_TOKEN",
]

Pair = Tuple[str, str]

S3_TOKEN = "x-amz-security-token"
_V4_QUERY = ("x-amz-signature", "x-amz-credential", "x-amz-algorithm")
_PRESIGNED = ("AWSAccessKeyId", "Expires", "Signature")


class MigrationError(SigningError):
    """A request that cannot be migrated, or whose old signature does not verify.

    ``code`` is the AWS error code a server would have answered with for a verification failure
    (``SignatureDoesNotMatch``, ``IncompleteSignature``, ``InvalidAccessKeyId``), else ``None``.
    """

    def __init__(
        self, message: str, *, code: Optional[str] = None, **context: Optional[str]
    ) -> None:
        # ``context``: what every SigningError carries (field, stage, string_to_sign)
        super().__init__(message, **context)
        self.code = code


# -- detection ---------------------------------------------------------------------------------


def detect_scheme(request: Request) -> str:
    """``"sigv2"``, ``"s3-v2"`` or ``"s3-v2-query"``, as verification detects it; a
    :class:`MigrationError` naming what is missing when the request carries none of them."""
    if not request.has_header("authorization"):
        for name, _ in request.query_pairs():
            if name.lower() in _V4_QUERY:  # even a partial SigV4 presigned URL
                raise MigrationError(
                    f"query parameter {name!r}: already a SigV4 presigned URL; nothing to migrate",
                    field=name,
                )
    try:
        scheme = _detect(request).scheme
    except VerificationError as exc:
        raise _undetected(request, exc) from None
    if scheme == "sigv2":
        _require_sigv2(request)
    elif scheme == "s3-v2-query":
        _require_presigned(request)
    elif scheme != "s3-v2":  # SigV4 or SigV4A, in the Authorization header
        algorithm = (request.header("authorization") or "").strip().split(" ", 1)[0]
        raise _already_sigv4(algorithm)
    return scheme


def _already_sigv4(algorithm: str) -> MigrationError:
    return MigrationError(
        f"header 'Authorization' is already SigV4 ({algorithm}); nothing to migrate",
        field="Authorization",
    )


def _undetected(request: Request, exc: VerificationError) -> MigrationError:
    """Why ``request`` is not a legacy-signed request, from what the detector raised."""
    authorizations = request.header_values("authorization")
    if len(authorizations) == 1:
        shown = authorizations[0].strip().split(" ", 1)[0]
        if shown.startswith("AWS4-"):
            return _already_sigv4(shown)
        if shown != "AWS":
            return MigrationError(
                f"header 'Authorization' ({shown} ...) is not S3's 'AWS key:signature'; "
                "cannot tell which scheme signed the request",
                field="Authorization",
            )
    elif not authorizations:
        params = _params(request)
        version = [v for n, v in params if n == "SignatureVersion"]
        if exc.field == "SignatureVersion" and version:
            return MigrationError(
                f"parameter 'SignatureVersion' is {version[0]!r}; only Signature Version 2 is "
                "migrated",
                field="SignatureVersion",
            )
        if isinstance(exc, MissingAuthenticationToken) and not (
            version and sigv2.is_sigv2_signed(params)
        ):
            return _what_is_missing(request, params)
    # What the detector says is what a server would answer: its words, and its code.
    return MigrationError(str(exc), field=exc.field, code=exc.code)


def _params(request: Request) -> List[Pair]:
    query, body = sigv2.request_params(request)
    return query + body


def _require_sigv2(request: Request) -> None:
    params = _params(request)
    if not any(name == "SignatureVersion" for name, _ in params):
        raise _what_is_missing(request, params)
    if not sigv2.is_sigv2_signed(params):
        raise _not_signed()


def _require_presigned(request: Request) -> None:
    names = {name for name, _ in request.query_pairs()}
    if any(name not in names for name in _PRESIGNED):
        raise _what_is_missing(request, _params(request))


def _what_is_missing(request: Request, params: Sequence[Pair]) -> MigrationError:
    """The legacy signing parts ``request`` lacks, named as precisely as what it has allows."""
    names = {name for name, _ in params}
    if "SignatureVersion" in names:
        return _not_signed()
    raw_names = {name for name, _ in request.query_pairs()}
    missing = [name for name in _PRESIGNED if name not in raw_names]
    if "Expires" in raw_names and len(missing) == 1:
        return MigrationError(
            f"query parameter {missing[0]!r} is missing: an S3 presigned URL carries "
            "AWSAccessKeyId, Expires and Signature",
            field=missing[0],
        )
    if "Signature" in names or "AWSAccessKeyId" in names:
        return MigrationError(
            "parameter 'SignatureVersion' is missing: a query-API SigV2 request carries "
            "SignatureVersion=2 (and an S3 presigned URL AWSAccessKeyId, Expires and Signature)",
            field="SignatureVersion",
        )
    return MigrationError(
        "no SigV2 signature found: expected 'Signature' and 'SignatureVersion=2' parameters "
        "(query API), an 'Authorization: AWS key:signature' header (S3) or 'AWSAccessKeyId', "
        "'Expires' and 'Signature' query parameters (S3 presigned URL)",
        field="Signature",
    )


def _not_signed() -> MigrationError:
    return MigrationError(
        "parameter 'Signature' is missing: SignatureVersion=2 but the request is not signed",
        field="Signature",
    )


# -- verification ------------------------------------------------------------------------------


def one_value(params: Sequence[Pair], name: str, scheme: str) -> str:
    """The one value of ``name``; :class:`MigrationError` when it is absent or repeated."""
    values = [v for n, v in params if n == name]
    if not values:
        raise MigrationError(
            f"parameter {name!r} is missing; {scheme} requires it",
            field=name,
            code="IncompleteSignature",
        )
    if len(values) > 1:
        raise MigrationError(
            f"parameter {name!r} appears {len(values)} times; {scheme} sends it once",
            field=name,
            code="IncompleteSignature",
        )
    return values[0]


def _check_access_key(found: str, credentials: Credentials, field: str) -> None:
    if found != credentials.access_key:
        raise MigrationError(
            f"{field} {found!r} in the request is not the credentials' access key "
            f"{credentials.access_key!r}; cannot verify with this secret",
            field=field,
            code="InvalidAccessKeyId",
        )


def s3_signer(s3_options: Optional[Mapping[str, Any]]) -> s3_v2.S3V2Signer:
    """The S3 legacy signer ``s3_options`` configure (how an endpoint addresses buckets)."""
    try:
        return s3_v2.S3V2Signer(**dict(s3_options or {}))
    except TypeError:
        known = "addressing, bucket, virtual_host_suffix, extra_sub_resources"
        raise InvalidOption(
            f"option 's3_options' takes {known}; got {sorted(s3_options or {})}",
            field="s3_options",
        ) from None


def _refused(exc: VerificationError) -> MigrationError:
    """A verification failure as migration reports it: the server's words and code."""
    return MigrationError(
        f"old signature not verified: {exc.code}: {exc.message}",
        field=exc.field,
        stage="verify",
        string_to_sign=exc.string_to_sign,
        code=exc.code,
    )


def verify_old_signature(
    request: Request,
    scheme: str,
    credentials: Credentials,
    s3_options: Optional[Mapping[str, Any]] = None,
    *,
    at: Optional[_dt.datetime] = None,
) -> Optional[str]:
    """Check ``request`` as :func:`signers.verify` (and so ``sigbridge serve``) checks it at
    ``at`` (default now), with ``credentials`` (the request's session token joins them when they
    carry none: it moves to them in migration).

    ``None`` when it verifies.  When only its time is refused (expired, or too far from ``at``)
    but it verifies at its own time, the server's refusal at ``at`` (``"Code: message"``): the
    signature matches, yet a server would not accept the request then.  Anything else raises
    :class:`MigrationError` with the server's code and words.
    """
    from .._verification import verify
    from .._verification.legacy import parse

    when = resolve_time(at, field="at")
    options = {scheme: dict(s3_options)} if s3_options and scheme != "sigv2" else None
    try:
        claimed = parse(scheme, request)
    except VerificationError as exc:
        raise _refused(exc) from None
    field = "access key" if scheme == "s3-v2" else "AWSAccessKeyId"
    _check_access_key(claimed.access_key, credentials, field)
    if credentials.token is None and len(claimed.tokens) == 1:
        token = claimed.tokens[0]
        credentials = Credentials(credentials.access_key, credentials.secret_key, token)
    keys = {credentials.access_key: credentials}
    try:
        verify(request, keys, when, options=options)
        return None
    except VerificationError as first:
        own = claimed.request_time or claimed.expires_at
        if own is None or own == when:
            raise _refused(first) from None
        try:  # at the request's own time, its time checks pass: is it the time alone?
            verify(request, keys, own, options=options)
        except VerificationError as exc:
            raise _refused(exc) from None
        return f"{first.code}: {first.message}"


# -- stripping ---------------------------------------------------------------------------------


def _split_raw(text: str, drop: FrozenSet[str], *, form: bool) -> Tuple[List[str], List[str]]:
    """``(pieces kept as sent, names removed)`` of a query or form string.

    ``form``: names are compared form-decoded (``+`` is a space), as SigV2 reads them; else as
    written (S3).
    """
    kept: List[str] = []
    removed: List[str] = []
    for piece in text.split("&"):
        if not piece:
            continue
        raw_name = piece.partition("=")[0]
        name = sigv2.parse_params(raw_name)[0][0] if form and raw_name else raw_name
        if name in drop:
            removed.append(name)
        else:
            kept.append(piece)
    return kept, removed


def _with_query(url: str, pieces: Sequence[str]) -> str:
    base = url.partition("?")[0]
    return base + "?" + "&".join(pieces) if pieces else base


def _strip_sigv2(request: Request, notes: List[str]) -> Tuple[Request, List[str], Optional[str]]:
    query_params, body_params = sigv2.request_params(request)
    _, legacy = sigv2.split_sigv2_params(query_params + body_params)
    tokens = [v for n, v in legacy if n == "SecurityToken"]
    token = tokens[0] if tokens else None
    for name, value in legacy:
        if name == "Timestamp":
            notes.append(
                "Timestamp dropped: SigV4 dates the request with X-Amz-Date at signing time"
            )
        elif name == "Expires":
            notes.append(
                f"Expires {value} dropped: a header-signed SigV4 request is valid only near its "
                "X-Amz-Date"
            )
    kept, removed = _split_raw(request.query, sigv2.SIGV2_PARAMETERS, form=True)
    if any("+" in piece for piece in kept):
        # The query protocol reads '+' as a space; SigV4 would sign it as a literal plus.
        kept = [piece.replace("+", "%20") for piece in kept]
        notes.append("'+' in the query rewritten as '%20' (the query protocol reads it as a space)")
    url = _with_query(request.url, kept)
    headers = request.headers
    body = request.body
    if sigv2.is_form(request) and isinstance(body, bytes):
        body_kept, body_removed = _split_raw(
            body.decode("utf-8"), sigv2.SIGV2_PARAMETERS, form=True
        )
        removed += body_removed
        body = "&".join(body_kept).encode("utf-8")
        headers = tuple(
            (n, str(len(body))) if n.lower() == "content-length" else (n, v) for n, v in headers
        )
    return Request(request.method, url, headers, body), removed, token


def _strip_s3_header(
    request: Request, notes: List[str]
) -> Tuple[Request, List[str], Optional[str]]:
    # Date and x-amz-date were the SigV2 signing time; SigV4 adds X-Amz-Date at its own signing
    # time.  (A stale Date kept next to it would be signed too, and botocore's SigV4 would
    # rewrite it: dropping it keeps the request what any SigV4 client sends.)
    token = request.header(S3_TOKEN)
    removed: List[str] = []
    kept = []
    for name, value in request.headers:
        lowered = name.lower()
        if lowered in ("authorization", S3_TOKEN, "x-amz-date", "date"):
            removed.append(name)
        else:
            kept.append((name, value))
    if any(name.lower() in ("date", "x-amz-date") for name in removed):
        notes.append("the SigV2 signing time (Date / x-amz-date) removed: SigV4 adds X-Amz-Date")
    return request.replace(headers=tuple(kept)), removed, token


def _strip_s3_query(request: Request) -> Tuple[Request, List[str], Optional[str]]:
    _, auth = s3_v2.split_query_auth(request.query_pairs())
    tokens = [percent_decode_str(v) for n, v in auth if n == S3_TOKEN]
    kept, removed = _split_raw(request.query, s3_v2.QUERY_AUTH_PARAMETERS, form=False)
    token = tokens[0] if tokens else None
    return request.replace(url=_with_query(request.url, kept)), removed, token


def strip(
    request: Request, scheme: str, notes: List[str]
) -> Tuple[Request, List[str], List[str], Optional[str]]:
    """``(request without the legacy signing parts, parameters removed, headers removed, the
    session token it carried)``; what is worth knowing is appended to ``notes``."""
    if scheme == "sigv2":
        stripped, removed, token = _strip_sigv2(request, notes)
        return stripped, removed, [], token
    if scheme == "s3-v2":
        stripped, removed_headers, token = _strip_s3_header(request, notes)
        return stripped, [], removed_headers, token
    stripped, removed, token = _strip_s3_query(request)
    return stripped, removed, [], token


def old_access_key(request: Request, scheme: str) -> Optional[str]:
    """The access key that signed ``request`` (``None`` when it cannot be read)."""
    if scheme == "s3-v2":
        parsed = s3_v2.parse_authorization((request.header("authorization") or "").strip())
        return parsed[0] if parsed else None
    if scheme == "sigv2":
        params = _params(request)
    else:
        params = [(n, percent_decode_str(v)) for n, v in request.query_pairs()]
    found = [v for n, v in params if n == "AWSAccessKeyId"]
    return found[0] if found else None
