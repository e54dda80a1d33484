"""What the legacy schemes' verifiers share: the record of what a request claims, and the checks of
the access key, the session token and the signature.

The parse of each scheme (:mod:`.sigv2`, :mod:`.s3_v2`) builds a :class:`LegacyAuth`; the checks
answer as AWS does through :mod:`.answers` (the query services' flavor for SigV2, S3's for the
rest).  Nothing here logs, and no message contains a secret.
"""

from __future__ import annotations

import datetime as _dt
from hmac import compare_digest
from typing import Any, Dict, NamedTuple, Optional, Tuple

from ..model import Credentials, Request
from .answers import token_matches
from .sigv4_parse import single_values

__all__ = [
    "LEGACY_SCHEMES",
    "LegacyAuth",
    "LegacyCheck",
    "signature_matches",
    "fast_values",
]

Pair = Tuple[str, str]

#: The legacy schemes (no credential scope): their verification is :mod:`.legacy`'s.
LEGACY_SCHEMES = ("sigv2", "s3-v2", "s3-v2-query")


class LegacyAuth(NamedTuple):
    """What a legacy request claims: access key, signature, time or expiry, token.

    Built on every verification (the one-pass parses build it with ``tuple.__new__``).  The
    one-pass SigV2 parse leaves ``params`` as ``None`` and keeps the ``canonical_query`` it built
    instead (the step-by-step parse does the reverse); the one-pass parses keep the
    ``header_values`` they read (lower-case name -> value; no name was repeated).
    """

    scheme: str
    access_key: str
    signature: str
    tokens: Tuple[str, ...] = ()
    request_time: Optional[_dt.datetime] = None
    request_time_text: str = ""
    expires_at: Optional[_dt.datetime] = None
    expires_text: str = ""
    signature_method: str = ""
    params: Optional[Tuple[Pair, ...]] = ()
    date_line: str = ""
    canonical_query: Optional[str] = None
    header_values: Optional[Dict[str, str]] = None

    def __repr__(self) -> str:
        return (
            f"LegacyAuth(scheme={self.scheme!r}, access_key={self.access_key!r}, "
            f"request_time={self.request_time_text!r}, expires={self.expires_text!r})"
        )


#: What one verification works on, as :mod:`.legacy` hands it to a scheme's one-pass and
#: step-by-step checks (``verify_fast``, ``verify_steps``): the signer's options (SigV2: unused),
#: the request, the key's credentials, what the request claims, the server's time and the skew
#: allowed (seconds).  A plain tuple: a NamedTuple's instance costs the legacy verifications
#: about 2 % more instructions (measured, tools' callgrind counts).
LegacyCheck = Tuple[Any, Request, Credentials, LegacyAuth, _dt.datetime, float]


def signature_matches(provided: str, expected: str) -> bool:
    """Whether the signature sent is the one computed (base64), in constant time."""
    # compare_digest needs ASCII on both sides; anything else cannot be a base64 signature.
    return provided.isascii() and compare_digest(provided, expected)


def fast_values(
    request: Request, credentials: Credentials, parsed: LegacyAuth
) -> Optional[Dict[str, str]]:
    """For the one-pass verifications: the request's headers by lower-case name when it may take
    that path (exact types, the access key and the session token right, no header repeated),
    else ``None`` (the step-by-step path decides, and reports)."""
    tokens = parsed.tokens
    if (
        type(request) is not Request
        or type(credentials) is not Credentials
        or parsed.access_key != credentials.access_key
        # (no token sent and none expected, the usual, without token_matches: measured)
        or ((tokens or credentials.token is not None) and not token_matches(tokens, credentials))
    ):
        return None
    values = parsed.header_values
    return single_values(request) if values is None else values
