"""Verification of the legacy schemes: SigV2 (query APIs) and S3's HMAC-SHA1 scheme.

The entry points take the scheme's name (``sigv2``, ``s3-v2``, ``s3-v2-query``) and the signer's
options, never a signer: the SigV2 request says all it was signed with (its options play no
part), and S3's addressing options (:class:`~signers._core.s3_v2.S3V2Options`) place the bucket
in the resource.  The checks are each scheme's (:mod:`.sigv2`, :mod:`.s3_v2`; the answers are
listed there); what they share is in :mod:`.legacy_auth`.

Nothing here logs, and no message contains a secret.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, Optional

from .._time import resolve_time
from ..errors import IncompleteSignature, InvalidArgument, SigningError, UnknownScheme
from ..model import Artifacts, Credentials, Request, check_arguments
from . import s3_v2 as _s3_v2
from . import sigv2 as _sigv2
from .answers import check_max_skew
from .legacy_auth import LEGACY_SCHEMES, LegacyAuth
from .sigv4_parse import single_values

__all__ = ["LEGACY_SCHEMES", "LegacyAuth", "parse", "verify"]


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


def parse(scheme: str, request: Request) -> LegacyAuth:
    """What ``request`` claims, read as ``scheme`` would (errors as AWS answers)."""
    try:
        return _parse(scheme, request)
    except UnicodeError:
        raise _unreadable(scheme) from None


# (the signature of .sigv4.verify, the scheme's name first)
def verify(
    scheme: str,
    options: Any,
    request: Request,
    credentials: Credentials,
    now: Optional[_dt.datetime] = None,
    max_skew: float = 900,
    *,
    parsed: Optional[LegacyAuth] = None,
) -> Artifacts:
    """Verify ``request`` as ``scheme``, for a server configured with the signer's ``options``
    (S3: its :class:`~signers._core.s3_v2.S3V2Options`; SigV2: unused); the artifacts on
    success.

    ``parsed`` is this request's :func:`parse` result when the caller (the dispatcher) has it.
    Raises a :class:`~signers.errors.VerificationError` carrying AWS's code otherwise.
    """
    check_arguments(request, credentials)
    when = resolve_time(now, field="now")
    allowed = check_max_skew(max_skew)
    fast: Callable[..., Optional[Artifacts]]
    steps: Callable[..., Artifacts]
    if scheme == "sigv2":
        fast, steps = _sigv2.verify_fast, _sigv2.verify_steps
    else:
        fast, steps = _s3_v2.verify_fast, _s3_v2.verify_steps
    try:
        if parsed is None or parsed.scheme != scheme:
            parsed = _parse(scheme, request)
        # The one-pass checks for a request that passes them all, else every check in turn
        # (which reports the failure).
        try:
            artifacts = fast(options, request, credentials, parsed, when, allowed)
        except UnicodeError:
            artifacts = None  # (text no encoding can carry: the step-by-step path decides)
        if artifacts is not None:
            return artifacts
        return steps(options, request, credentials, parsed, when, allowed)
    except UnicodeError:
        raise _unreadable(scheme) from None
