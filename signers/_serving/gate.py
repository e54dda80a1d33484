"""What the gate reads from a request before it verifies it: the schemes a server takes, whether a
body may be streamed, the payload hash a client declared, and the second form of a legacy
bucket-level path; and the one call to ``signers.verify`` with a server's or a middleware's
settings (:func:`verify_with`)."""

from __future__ import annotations

import datetime as _dt
from typing import Callable, Iterable, List, Mapping, Optional, Protocol, Sequence, Tuple, Union

from .._verification import Lookup, Verified, detect, verify
from .._verification.answers import S3_SERVICES
from .._verification.chunked import DEFAULT_MAX_CHUNK_SIZE
from .._verification.detect import SCHEMES
from ..errors import InvalidOption, SigningError
from ..model import Request
from .shapes import Scope

__all__ = [
    "VerifySettings",
    "bucket_with_slash",
    "check_names",
    "check_schemes",
    "declared_sha256",
    "decoded_headers",
    "is_hex_sha256",
    "streamable",
    "verify_with",
]


class VerifySettings(Scope, Protocol):
    """What ``sigbridge serve``'s config and the middlewares' config verify with."""

    @property
    def lookup(self) -> Lookup: ...
    @property
    def clock(self) -> Optional[Callable[[], _dt.datetime]]: ...
    @property
    def max_skew(self) -> float: ...
    @property
    def schemes(self) -> Optional[Tuple[str, ...]]: ...
    @property
    def options(self) -> Optional[Mapping[str, Mapping[str, object]]]: ...


def verify_with(
    settings: VerifySettings, request: Request, *, max_chunk_size: int = DEFAULT_MAX_CHUNK_SIZE
) -> Verified:
    """``signers.verify(request, ...)`` with ``settings``' lookup, clock (now), scope, schemes and
    options."""
    return verify(
        request,
        settings.lookup,
        now=None if settings.clock is None else settings.clock(),
        max_skew=settings.max_skew,
        region=settings.region,
        service=settings.service,
        schemes=settings.schemes,
        options=settings.options,
        max_chunk_size=max_chunk_size,
    )


def check_names(
    given: Union[str, Iterable[str]], known: Sequence[str], *, field: str, offer: str
) -> Tuple[str, ...]:
    """``given`` (one name or several) checked against ``known``: an unknown name, or none, is
    an :class:`InvalidOption` naming ``field`` and saying ``offer`` with the known names."""
    chosen = (given,) if isinstance(given, str) else tuple(given)
    unknown = [name for name in chosen if name not in known]
    if unknown or not chosen:
        raise InvalidOption(
            f"{field}: {', '.join(map(repr, unknown)) or 'none given'}; {offer}: "
            f"{', '.join(known)}",
            field=field,
        )
    return chosen


def check_schemes(schemes: Optional[Iterable[str]]) -> Optional[Tuple[str, ...]]:
    """The accepted schemes, checked against the ones the detector names (``None``: all)."""
    if schemes is None:
        return None
    return check_names(schemes, SCHEMES, field="schemes", offer="choose from")


def declared_sha256(request: Request) -> Optional[str]:
    values = request.header_values("x-amz-content-sha256")
    return values[0].strip() if len(values) == 1 else None


def streamable(request: Request) -> bool:
    """Whether the signature of ``request`` can be checked without its body (which may then be
    streamed): S3's legacy schemes, S3 presigned URLs, and SigV4 with ``x-amz-content-sha256``."""
    try:
        detected = detect(request)
    except (SigningError, ValueError):
        return False
    if detected.scheme in ("s3-v2", "s3-v2-query"):
        return True
    if detected.scheme.startswith("sigv4"):
        if declared_sha256(request) is not None:
            return True
        return detected.scheme.endswith("-query") and detected.service in S3_SERVICES
    return False


def bucket_with_slash(request: Request) -> Optional[Request]:
    """``PUT /bucket`` as ``PUT /bucket/`` for S3's legacy schemes, else ``None``.

    botocore's legacy S3 signer signs a path-style bucket as ``/bucket/`` while it sends
    ``/bucket``; S3 accepts both forms (issue 9 item 17).  Until the legacy verifier does, the
    gate tries the second form when the first does not match.
    """
    path = request.path
    if not path.startswith("/") or path.endswith("/") or path.count("/") != 1 or len(path) < 2:
        return None
    legacy = (request.header("authorization") or "").startswith("AWS ") or any(
        name == "AWSAccessKeyId" for name, _ in request.query_pairs()
    )
    if not legacy:
        return None
    base, sep, query = request.url.partition("?")
    return request.replace(url=base + "/" + sep + query)


#: The headers that describe an aws-chunked body (none of them holds for the decoded payload);
#: x-amz-sdk-checksum-algorithm announces the checksum trailer, which serve checks and consumes
#: (sent on without it, S3 refuses the request and moto stores a checksum of the wire bytes).
_CHUNKED_HEADERS = frozenset(
    {
        "x-amz-decoded-content-length",
        "x-amz-trailer",
        "x-amz-content-sha256",
        "content-length",
        "x-amz-sdk-checksum-algorithm",
    }
)


def decoded_headers(headers: Sequence[Tuple[str, str]]) -> List[Tuple[str, str]]:
    """An aws-chunked request's headers as its decoded payload's: without the headers that
    describe the chunked body, and ``aws-chunked`` out of ``Content-Encoding``."""
    out = []
    for name, value in headers:
        lowered = name.lower()
        if lowered in _CHUNKED_HEADERS:
            continue
        if lowered == "content-encoding":
            tokens = [t.strip() for t in value.split(",") if t.strip().lower() != "aws-chunked"]
            if not any(tokens):
                continue
            value = ",".join(t for t in tokens if t)
        out.append((name, value))
    return out


def is_hex_sha256(value: Optional[str]) -> bool:
    return (
        value is not None and len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value)
    )
