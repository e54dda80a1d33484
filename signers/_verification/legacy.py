"""Verification of the legacy schemes: SigV2 (query APIs) and S3's HMAC-SHA1 scheme.

The entry points take the scheme's name (``parse``: ``sigv2``, ``s3-v2``, ``s3-v2-query``) or the
signer's options, which say it (``verify``: S3's by their placement), never a signer: the SigV2
request says all it was signed with (its options play no other part), and S3's addressing
options (:class:`~signers._core.s3_v2.S3V2Options`) place the bucket in the resource.  The checks
are each scheme's (:mod:`.sigv2`, :mod:`.s3_v2`; the answers are listed there); what they share
is in :mod:`.legacy_auth`.

Nothing here logs, and no message contains a secret.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, Dict, Optional

from .._arguments import check_arguments
from .._core.s3_v2 import S3V2Options
from .._time import epoch_seconds, iso8601, resolve_time
from ..errors import (
    AccessDenied,
    IncompleteSignature,
    InvalidArgument,
    InvalidParameterValue,
    SigningError,
    UnknownScheme,
)
from ..model import Artifacts, Credentials, Request
from . import s3_v2 as _s3_v2
from . import sigv2 as _sigv2
from .answers import check_max_lifetime, check_max_skew, shown
from .legacy_auth import LEGACY_SCHEMES, LegacyAuth, LegacyCheck
from .sigv4_parse import single_values

#: The default bound of an ``Expires`` ahead of the server's time: seven days, as SigV4 bounds
#: its presigned URLs (X-Amz-Expires 604800).  ``signers.verify(..., max_lifetime=...)`` sets it.
MAX_LIFETIME = 604800.0

__all__ = [
    "LEGACY_SCHEMES",
    "LegacyAuth",
    "MAX_LIFETIME",
    "check_max_lifetime",
    "claim",
    "parse",
    "verify",
]


def _unreadable(scheme: str) -> SigningError:
    # A lone surrogate that stands for no raw byte: only a caller-built Request holds one.
    message = "the request holds text that is neither UTF-8 nor raw bytes"
    if scheme == "sigv2":
        return IncompleteSignature(message, field="request")
    return InvalidArgument(message, field="request")


def _parse(scheme: str, request: Request) -> LegacyAuth:
    # The one-pass parse when it reads the request, else the strict one (which reports).
    if scheme == "sigv2":
        fast, strict = _sigv2.parse_fast, _sigv2.parse_strict
    elif scheme == "s3-v2":
        fast, strict = _s3_v2.parse_header_fast, _s3_v2.parse_header
    elif scheme == "s3-v2-query":
        fast, strict = _s3_v2.parse_query_fast, _s3_v2.parse_query
    else:
        raise UnknownScheme(
            f"scheme: {scheme!r} is not a legacy scheme ({', '.join(LEGACY_SCHEMES)})",
            field="scheme",
        )
    if type(request) is Request:
        values = single_values(request)
        if values is not None:
            try:
                claimed = fast(request, values)
            except UnicodeError:
                claimed = None  # (text no encoding can carry: the strict parse decides)
            if claimed is not None:
                return claimed
    return strict(request)


def claim(scheme: str, request: Request, values: Dict[str, str]) -> Optional[LegacyAuth]:
    """The one-pass parse of a SigV2 URL query (``scheme`` ``sigv2``) or an S3 SigV2 header
    (``s3-v2``) as signers write them (``values``: the request's
    :func:`~.sigv4_parse.single_values`), else ``None``; the dispatcher's detection shortcut."""
    fast = _sigv2.parse_fast if scheme == "sigv2" else _s3_v2.parse_header_fast
    try:
        return fast(request, values)
    except UnicodeError:
        return None  # (the strict parse reports it)


def _check_lifetime(parsed: LegacyAuth, now: _dt.datetime, lifetime: float) -> None:
    # An Expires further ahead of the server's time than the lifetime allowed (epoch seconds on
    # both sides: an Expires past year 9999 has no datetime, and is refused all the same).
    if not parsed.expires_text or parsed.request_time is not None:
        return
    ahead = _expires_epoch(parsed) - epoch_seconds(now)
    if ahead <= lifetime:
        return
    message = (
        f"Expires {parsed.expires_text} is {ahead} seconds after the server time "
        f"{iso8601(now)}; this server accepts at most {lifetime:g} seconds"
    )
    if parsed.scheme == "sigv2":
        raise InvalidParameterValue(
            f"Value ({shown(parsed.expires_text)}) for parameter Expires is invalid. {message}.",
            field="Expires",
        )
    raise AccessDenied(
        "Request has an expiry beyond the lifetime this server allows: " + message,
        field="Expires",
        details=[("Expires", parsed.expires_text), ("ServerTime", iso8601(now))],
    )


def _expires_epoch(parsed: LegacyAuth) -> int:
    if parsed.scheme == "sigv2":  # an ISO 8601 time, already read (when it fits a datetime)
        expiry = parsed.expires_at
        return epoch_seconds(expiry) if expiry is not None else 2**63
    return int(parsed.expires_text)


def parse(scheme: str, request: Request) -> LegacyAuth:
    """What ``request`` claims, read as ``scheme`` would (errors as AWS answers)."""
    try:
        return _parse(scheme, request)
    except UnicodeError:
        raise _unreadable(scheme) from None


# (the parameters of .sigv4's verify(): OptionsSigner.verify hands either the same arguments)
def verify(
    options: Any,
    request: Request,
    credentials: Credentials,
    now: Optional[_dt.datetime] = None,
    max_skew: float = 900,
    max_lifetime: float = MAX_LIFETIME,
    *,
    parsed: Optional[LegacyAuth] = None,
) -> Artifacts:
    """Verify ``request`` as the scheme of the signer's ``options`` (S3's
    :class:`~signers._core.s3_v2.S3V2Options`, by their placement; else SigV2's), for a server
    configured with them; the artifacts on success.

    ``max_lifetime`` bounds how far ahead of the server's time an ``Expires`` may lie (SigV2's
    ``Expires`` parameter, an S3 presigned URL's ``Expires``): neither scheme has a bound of its
    own, and a URL that works until 2286 is a credential nobody can revoke short of rotating the
    key.  ``parsed`` is this request's :func:`parse` result when the caller (the dispatcher) has
    it.  Raises a :class:`~signers.errors.VerificationError` carrying AWS's code otherwise.
    """
    if (
        type(request) is not Request
        or type(credentials) is not Credentials
        or type(request[3]) is not bytes
    ):
        credentials = check_arguments(request, credentials)
    when = resolve_time(now, "now")
    allowed = check_max_skew(max_skew)  # (each returns at once for the usual values)
    lifetime = check_max_lifetime(max_lifetime)
    fast: Callable[[LegacyCheck], Optional[Artifacts]]
    steps: Callable[[LegacyCheck], Artifacts]
    if type(options) is S3V2Options:
        scheme = "s3-v2-query" if options.placement == "query" else "s3-v2"
        fast, steps = _s3_v2.verify_fast, _s3_v2.verify_steps
    else:
        scheme = "sigv2"
        fast, steps = _sigv2.verify_fast, _sigv2.verify_steps
    try:
        if parsed is None or parsed.scheme != scheme:
            parsed = _parse(scheme, request)
        if parsed.expires_text and parsed.request_time is None:  # (else nothing to check)
            _check_lifetime(parsed, when, lifetime)
        # The one-pass checks for a request that passes them all, else every check in turn
        # (which reports the failure).
        check: LegacyCheck = (options, request, credentials, parsed, when, allowed)
        try:
            artifacts = fast(check)
        except UnicodeError:
            artifacts = None  # (text no encoding can carry: the step-by-step path decides)
        if artifacts is not None:
            return artifacts
        return steps(check)
    except UnicodeError:
        raise _unreadable(scheme) from None
