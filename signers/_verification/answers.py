"""AWS's answers: which error a server gives for a failed check, by protocol.

AWS answers the same condition differently in S3 and in the other services ("flavors"), and in
the header and the presigned forms:

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

Nothing here logs, and no message contains a secret.
"""

from __future__ import annotations

import datetime as _dt
from typing import Optional, Sequence, Tuple

from ..errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    IncompleteSignature,
    InvalidAccessKeyId,
    InvalidClientTokenId,
    InvalidOption,
    InvalidToken,
    SignatureDoesNotMatch,
    VerificationError,
)
from ..model import Credentials

__all__ = [
    "Flavor",
    "ONLY_ONE",
    "MISMATCH",
    "shown",
    "check_max_skew",
    "check_max_lifetime",
    "checked_skew",
    "skew",
    "S3_SERVICES",
    "is_s3_service",
    "token_matches",
    "check_credentials",
]

#: Signing names that take S3's rules (single path encoding, no normalization, S3's error codes).
S3_SERVICES = frozenset({"s3", "s3-object-lambda", "s3-outposts", "s3express"})

ONLY_ONE = (
    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
    "string parameter or the Authorization header should be specified"
)
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)
_NOT_SIGNED = "There were headers present in the request which were not signed"


def is_s3_service(service: Optional[str]) -> bool:
    return service in S3_SERVICES


def shown(value: str, limit: int = 80) -> str:
    """Quote a client-supplied value in a message: bounded, one line (errors escape CR/LF)."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


#: The largest skew honoured, in seconds (about 3,000 years: wider than any two instants a
#: ``datetime`` holds, so a larger ``max_skew``, ``inf`` included, means "any time").
MAX_SKEW = 10**11


def check_max_skew(max_skew: object) -> float:
    """The allowed clock skew in seconds, checked: a number >= 0 (not NaN); ``inf`` and anything
    above :data:`MAX_SKEW` count as :data:`MAX_SKEW`."""
    if (type(max_skew) is int or type(max_skew) is float) and 0 <= max_skew <= MAX_SKEW:
        return float(max_skew)  # (the usual value: the tests below and min() skipped, measured)
    if (
        isinstance(max_skew, bool)
        or not isinstance(max_skew, (int, float))
        or not max_skew >= 0  # (NaN compares false)
    ):
        raise InvalidOption(
            f"max_skew: expected seconds >= 0 (AWS allows 900), got {max_skew!r}", field="max_skew"
        )
    return float(min(max_skew, MAX_SKEW))


def check_max_lifetime(value: object) -> float:
    """``max_lifetime`` in seconds, checked (whole or fractional, >= 0)."""
    if (type(value) is int or type(value) is float) and 0 <= value < 1e12:
        return float(value)  # (the usual value: the tests below skipped)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e12:
        raise InvalidOption(
            f"max_lifetime: expected seconds from 0 to 10**12, got {value!r}", field="max_lifetime"
        )
    return float(value)


# The last allowed skew as a timedelta, swapped in whole: (seconds, timedelta).
_last_skew: Tuple[float, _dt.timedelta] = (900.0, _dt.timedelta(seconds=900))


def skew(seconds: float) -> _dt.timedelta:
    """``timedelta(seconds=...)``, kept for the last value (every request asks for the same)."""
    global _last_skew
    cached = _last_skew
    if cached[0] == seconds:
        return cached[1]
    made = _dt.timedelta(seconds=seconds)
    _last_skew = (seconds, made)
    return made


def checked_skew(max_skew: object) -> Tuple[float, _dt.timedelta]:
    """:func:`check_max_skew` and :func:`skew` in one call: the allowed skew in seconds and as a
    ``timedelta`` (the last value's pair, kept, when ``max_skew`` is that value)."""
    cached = _last_skew
    if (type(max_skew) is int or type(max_skew) is float) and max_skew == cached[0]:
        return cached
    seconds = check_max_skew(max_skew)
    return seconds, skew(seconds)


class Flavor:
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
            details = [("Region", expected)] if field == "region" else []
            if self.query:
                return AuthorizationQueryParametersError(
                    "Error parsing the X-Amz-Credential parameter; " + s3_message,
                    field=field,
                    details=details,
                )
            return AuthorizationHeaderMalformed(
                "The authorization header is malformed; " + s3_message,
                field=field,
                details=details,
            )
        return SignatureDoesNotMatch(message, field=field)

    def not_signed(self, names: Sequence[str]) -> VerificationError:
        if self.s3:
            return AccessDenied(
                _NOT_SIGNED,
                field="SignedHeaders",
                # (bounded: a request may carry thousands of them)
                details=[
                    (
                        "HeadersNotSigned",
                        ", ".join(names[:20]) + (", ..." if len(names) > 20 else ""),
                    )
                ],
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


#: The flavors, built once: (s3, query) -> Flavor.
FLAVORS = {
    (s3, query): Flavor(s3=s3, query=query) for s3 in (False, True) for query in (False, True)
}


def token_matches(sent: Tuple[str, ...], credentials: Credentials) -> bool:
    """Whether the session tokens sent are the credentials' (none sent for none expected)."""
    if len(sent) > 1:  # a token sent twice is never the credentials' one
        return False
    return credentials.token_matches(sent[0] if sent else None)


def check_credentials(
    access_key: str, tokens: Tuple[str, ...], credentials: Credentials, flavor: Flavor
) -> None:
    """The access key and the session tokens a request sent, answered as ``flavor`` does."""
    if access_key != credentials.access_key:
        raise flavor.unknown_key(access_key)
    if not token_matches(tokens, credentials):
        raise flavor.bad_token()
