"""What the WSGI and ASGI middleware share: the configuration, the request as verification sees
it, and the answers (rendered by :mod:`signers._verification.http_answers`, as ``serve``'s).

A request is rebuilt from what the server hands the application: the method, ``scheme://Host``,
the path as it was sent when the server keeps it (``RAW_URI`` / ``REQUEST_URI`` in WSGI,
``raw_path`` in ASGI; otherwise the decoded path encoded again per RFC 3986), the query as sent,
the headers and the body.  Header names arrive lower-cased, which canonicalization does anyway.

Bodies are read whole, up to ``max_body`` (S3's ``EntityTooLarge`` beyond), because every scheme
but aws-chunked signs the body as one piece.  An aws-chunked body (``x-amz-content-sha256:
STREAMING-*`` or ``Content-Encoding: aws-chunked``) carries a signature per chunk which
``signers.verify`` does not check in this version: such uploads are refused with S3's answer for
an unsupported feature (``NotImplemented``, 501) by :func:`refuse_aws_chunked`, the one place
where a chunk-checking reader will be handed to the application instead.
"""

from __future__ import annotations

import datetime as _dt
import secrets
from typing import Any, Callable, Dict, Iterable, List, Mapping, NamedTuple, Optional, Tuple
from urllib.parse import quote

from .._verification import Lookup, Verified, verify
from .._verification.answers import check_max_skew
from .._verification.http_answers import error_response, protocol_of
from ..errors import InvalidOption, SigningError, VerificationError
from ..model import Header, Request

__all__ = [
    "DEFAULT_MAX_BODY",
    "VERIFIED_KEY",
    "Answer",
    "Config",
    "answer_for",
    "incoming_url",
    "refuse_aws_chunked",
    "refusal",
]

#: The largest body verified (and so held in memory) by default: 5 MiB, as ``sigbridge serve``.
DEFAULT_MAX_BODY = 5 * 1024 * 1024
#: Where the application finds the :class:`~signers.Verified` result (WSGI environ, ASGI scope).
VERIFIED_KEY = "sigbridge.verified"


class Answer(NamedTuple):
    """An answer the middleware sends itself."""

    status: int
    headers: List[Header]
    body: bytes


class Config:
    """What requests are verified against (``signers.verify``'s options) and the body cap."""

    __slots__ = (
        "clock",
        "lookup",
        "max_body",
        "max_skew",
        "options",
        "region",
        "schemes",
        "service",
    )

    def __init__(
        self,
        lookup: Lookup,
        *,
        region: Optional[str] = None,
        service: Optional[str] = None,
        schemes: Optional[Iterable[str]] = None,
        options: Optional[Mapping[str, Mapping[str, Any]]] = None,
        max_skew: float = 900,
        max_body: int = DEFAULT_MAX_BODY,
        clock: Optional[Callable[[], _dt.datetime]] = None,
    ) -> None:
        if not (isinstance(lookup, Mapping) or callable(lookup)):
            raise InvalidOption(
                f"lookup: expected a mapping or a callable, got {type(lookup).__name__}",
                field="lookup",
            )
        if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 0:
            raise InvalidOption("max_body: expected bytes >= 0", field="max_body")
        self.lookup = lookup
        self.region = region
        self.service = service
        self.schemes = None if schemes is None else tuple(schemes)
        self.options = options
        self.max_skew = check_max_skew(max_skew)
        self.max_body = max_body
        self.clock = clock

    def verify(self, request: Request) -> Verified:
        return verify(
            request,
            self.lookup,
            now=None if self.clock is None else self.clock(),
            max_skew=self.max_skew,
            region=self.region,
            service=self.service,
            schemes=self.schemes,
            options=self.options,
        )

    def __repr__(self) -> str:
        return (
            f"Config(region={self.region!r}, service={self.service!r}, schemes={self.schemes!r}, "
            f"max_skew={self.max_skew}, max_body={self.max_body})"
        )


def refusal(
    status: int, code: str, message: str, *, json_code: Optional[str] = None
) -> VerificationError:
    """A refusal of the middleware's own (not a signature's), rendered like the others."""
    return VerificationError(
        message, code=code, http_status=status, json_code=json_code or code, field="request"
    )


def too_large(max_body: int) -> VerificationError:
    return refusal(
        400,
        "EntityTooLarge",
        f"Your proposed upload exceeds the maximum allowed size ({max_body} bytes).",
    )


def refuse_aws_chunked(headers: Mapping[str, str]) -> None:
    """Refuse an aws-chunked body (see the module docstring): its chunk signatures are not
    checked by this version's ``signers.verify``, so none of its bytes may reach the app."""
    declared = headers.get("x-amz-content-sha256", "").strip()
    encodings = [part.strip().lower() for part in headers.get("content-encoding", "").split(",")]
    if declared.upper().startswith("STREAMING-") or "aws-chunked" in encodings:
        raise refusal(
            501,
            "NotImplemented",
            "A header you provided implies functionality that is not implemented "
            "(aws-chunked uploads: x-amz-content-sha256 STREAMING-*); send the payload whole",
        )


def incoming_url(scheme: str, host: str, raw_target: Optional[str], path: str, query: str) -> str:
    """The absolute URL of an incoming request: ``raw_target`` (path and query as sent) when the
    server kept it, else ``path`` (decoded, as Latin-1 text of its bytes) encoded again."""
    if raw_target and raw_target.startswith("/"):
        return f"{scheme}://{host}{raw_target}"
    encoded = quote(path.encode("latin-1", "replace"), safe="/~")
    return f"{scheme}://{host}{encoded}" + (f"?{query}" if query else "")


def answer_for(
    err: VerificationError, request: Optional[Request], headers: Mapping[str, str]
) -> Answer:
    """AWS's answer to ``err``, in the protocol the request speaks."""
    request_id = secrets.token_hex(8).upper()
    status, content_type, body = error_response(err, protocol_of(request, headers), request_id)
    return Answer(
        status,
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("x-amz-request-id", request_id),
            ("x-amzn-RequestId", request_id),
        ],
        body,
    )


def check(
    config: Config,
    method: str,
    url: str,
    headers: List[Header],
    body: bytes,
) -> Tuple[Optional[Verified], Optional[Answer]]:
    """Verify one request: ``(verified, None)``, or ``(None, the answer to send)``."""
    lowered: Dict[str, str] = {}
    for name, value in headers:
        lowered.setdefault(name, value)
    request: Optional[Request] = None
    try:
        request = Request(method, url, headers, body)
        return config.verify(request), None
    except VerificationError as err:
        return None, answer_for(err, request, lowered)
    except SigningError as exc:  # a request that cannot be read as one (a bad URL, a header)
        return None, answer_for(refusal(400, "InvalidRequest", exc.message), request, lowered)
