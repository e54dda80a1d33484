"""What the WSGI and ASGI middleware share: the configuration, the request as verification sees
it, and the answers (rendered by :mod:`signers._verification.http_answers`, as ``serve``'s).

A request is rebuilt from what the server hands the application: the method, ``scheme://Host``,
the path as it was sent when the server keeps it (``RAW_URI`` / ``REQUEST_URI`` in WSGI,
``raw_path`` in ASGI; otherwise the decoded path encoded again per RFC 3986), the query as sent,
the headers and the body.  Header names arrive lower-cased, which canonicalization does anyway.

Bodies are read whole, up to ``max_body`` (S3's ``EntityTooLarge`` beyond), because every scheme
but aws-chunked signs the body as one piece.  An aws-chunked body (``x-amz-content-sha256`` one
of S3's ``STREAMING-*`` chunked modes, :func:`chunked_mode`) is not read first: its seed
signature is verified from the headers, and the application reads the body through
``Verified.payload``, which checks each chunk before handing out its bytes (:class:`DecodedBody`,
capped at ``max_body`` decoded bytes).  What the middleware cannot check -- a ``Content-Encoding:
aws-chunked`` body declared with a payload hash or ``UNSIGNED-PAYLOAD``, an event stream
(``STREAMING-AWS4-HMAC-SHA256-EVENTS``) -- is refused with S3's answer for an unsupported feature
(``NotImplemented``, 501).
"""

from __future__ import annotations

import datetime as _dt
import secrets
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Generic,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Tuple,
    TypeVar,
)
from urllib.parse import quote

from .._core.sigv4 import STREAMING_EVENTS
from .._serving.gate import verify_with
from .._serving.keywords import VerifyKeywords
from .._verification import Lookup, Verified
from .._verification.answers import check_max_skew
from .._verification.http_answers import error_response, protocol_of
from ..errors import InvalidOption, SigningError, VerificationError
from ..model import Header, Request
from ..streaming import MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, mode_of

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "DEFAULT_MAX_BODY",
    "VERIFIED_KEY",
    "Answer",
    "Checked",
    "Config",
    "DecodedBody",
    "answer_for",
    "check",
    "chunked_mode",
    "declared_length",
    "decoded_headers",
    "incoming_url",
    "refusal",
    "Wrapper",
]

#: The largest body verified (and so held in memory) by default: 5 MiB, as ``sigbridge serve``.
#: For an aws-chunked body, the most decoded bytes the application may read.
DEFAULT_MAX_BODY = 5 * 1024 * 1024
#: Where the application finds the :class:`~signers.Verified` result (WSGI environ, ASGI scope).
VERIFIED_KEY = "sigbridge.verified"

AppT = TypeVar("AppT")


class Answer(NamedTuple):
    """An answer the middleware sends itself."""

    status: int
    headers: List[Header]
    body: bytes


class Config(NamedTuple):
    """What requests are verified against (``signers.verify``'s options) and the body cap, as
    :class:`Wrapper` checked them."""

    lookup: Lookup
    region: Optional[str]
    service: Optional[str]
    schemes: Optional[Tuple[str, ...]]
    options: Optional[Mapping[str, Mapping[str, object]]]
    max_skew: float
    max_body: int
    clock: Optional[Callable[[], _dt.datetime]]

    @property
    def max_chunk_size(self) -> int:
        """The largest aws-chunked chunk accepted (held whole while its signature is checked):
        ``max_body``, within S3's 8 KiB minimum and the verifier's 16 MiB default."""
        return min(MAX_CHUNK_SIZE, max(MIN_CHUNK_SIZE, self.max_body))

    def verify(self, request: Request) -> Verified:
        return verify_with(self, request, max_chunk_size=self.max_chunk_size)

    def __repr__(self) -> str:
        return (
            f"Config(region={self.region!r}, service={self.service!r}, schemes={self.schemes!r}, "
            f"max_skew={self.max_skew}, max_body={self.max_body})"
        )


class Wrapper(Generic[AppT]):
    """The app a middleware wraps and the :class:`Config` it verifies with: the one constructor
    of the WSGI and the ASGI ``VerifyingMiddleware`` (their module docstrings tell the options)."""

    def __init__(
        self,
        app: AppT,
        lookup: Lookup,
        *,
        max_skew: float = 900,
        max_body: int = DEFAULT_MAX_BODY,
        clock: Optional[Callable[[], _dt.datetime]] = None,
        **verify: Unpack[VerifyKeywords],  # signers.verify's region, service, schemes, options
    ) -> None:
        for name in verify:
            if name not in VerifyKeywords.__annotations__:  # (as Python refuses a keyword)
                raise TypeError(
                    f"{type(self).__name__}() got an unexpected keyword argument {name!r}"
                )
        if not (isinstance(lookup, Mapping) or callable(lookup)):
            raise InvalidOption(
                f"lookup: expected a mapping or a callable, got {type(lookup).__name__}",
                field="lookup",
            )
        if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 0:
            raise InvalidOption("max_body: expected bytes >= 0", field="max_body")
        self.app = app
        schemes = verify.get("schemes")
        self.config = Config(
            lookup,
            verify.get("region"),
            verify.get("service"),
            None if schemes is None else tuple(schemes),
            verify.get("options"),
            check_max_skew(max_skew),
            max_body,
            clock,
        )

    def decoded_body(self, payload: Any, lowered: Mapping[str, str]) -> DecodedBody:
        """What the app reads of an aws-chunked body whose seed signature verified."""
        config = self.config
        length = declared_length(lowered)
        return DecodedBody(payload, config.max_body, config.max_chunk_size, length)

    def __repr__(self) -> str:
        return f"VerifyingMiddleware({self.app!r}, {self.config!r})"


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


def missing_length() -> VerificationError:
    return refusal(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")


def _encodings(headers: Mapping[str, str]) -> List[str]:
    return [part.strip() for part in headers.get("content-encoding", "").split(",")]


def chunked_mode(headers: Mapping[str, str], max_body: int) -> Optional[str]:
    """The aws-chunked mode (``signed``, ``signed-trailer``, ``unsigned-trailer``) that
    ``headers`` (lower-case names) declare in ``x-amz-content-sha256``, or ``None`` for a body
    read whole (a ``STREAMING-*`` value AWS does not define is then refused by verification).
    Refused here: an event stream, and aws-chunked framing declared with a payload hash or
    ``UNSIGNED-PAYLOAD`` (``NotImplemented``: no chunk of theirs could be checked); a declared
    ``x-amz-decoded-content-length`` over ``max_body`` (``EntityTooLarge``)."""
    declared = headers.get("x-amz-content-sha256", "").strip()
    mode = mode_of(declared)
    if mode is None:
        framed = any(part.lower() == "aws-chunked" for part in _encodings(headers))
        streaming = declared.upper().startswith("STREAMING-")
        if declared == STREAMING_EVENTS or (framed and not streaming):
            raise refusal(
                501,
                "NotImplemented",
                "A header you provided implies functionality that is not implemented "
                f"(x-amz-content-sha256 {declared[:64]!r} with this body: the middleware checks "
                "aws-chunked bodies of S3's STREAMING-* chunked modes only)",
            )
        return None
    length = declared_length(headers)
    if length is not None and length > max_body:
        raise too_large(max_body)
    return mode


def declared_length(headers: Mapping[str, str]) -> Optional[int]:
    """The ``x-amz-decoded-content-length`` declared, when it is a number."""
    text = headers.get("x-amz-decoded-content-length", "").strip()
    return int(text) if text.isdigit() and text.isascii() else None


def decoded_headers(headers: Mapping[str, str]) -> Dict[str, Optional[str]]:
    """What changes in the headers an application sees once the body is decoded: ``aws-chunked``
    leaves ``Content-Encoding`` (as S3 stores it), and ``Content-Length`` becomes the decoded
    length when it is declared (``None``: drop the header)."""
    rest = [part for part in _encodings(headers) if part and part.lower() != "aws-chunked"]
    length = declared_length(headers)
    return {
        "content-encoding": ", ".join(rest) or None,
        "content-length": None if length is None else str(length),
    }


class DecodedBody:
    """The decoded payload of an aws-chunked body as the application reads it: ``read``,
    ``readline``, ``readlines`` and iteration over ``Verified.payload`` (each chunk checked
    before its bytes are handed out), at most ``limit`` bytes (``EntityTooLarge`` beyond).

    A failed check raises its :class:`~signers.errors.VerificationError` from the read, and
    again from every later read; :attr:`failure` keeps it.  ``read()`` returns ``b""`` only at
    the verified end (trailer, checksums and decoded length checked).  When the client declared
    the decoded length (``declared``), the chunk that reaches it is handed out only once the end
    is checked too, so an application that reads exactly that many bytes (WSGI's usual
    ``read(CONTENT_LENGTH)``) has read a verified body; otherwise nothing read is final before
    ``read()`` returned ``b""``.
    """

    def __init__(
        self, payload: Any, limit: int, chunk_size: int, declared: Optional[int] = None
    ) -> None:
        self.payload = payload
        self.limit = limit
        self.declared = declared
        self.failure: Optional[VerificationError] = None
        self.bytes_read = 0
        self._chunk_size = chunk_size
        self._current = b""  # the chunk being handed out, from _offset on
        self._offset = 0

    @property
    def complete(self) -> bool:
        """Whether the payload was read to its verified end."""
        done = bool(getattr(self.payload, "complete", False))
        return done and self._offset >= len(self._current)

    def next_chunk(self) -> bytes:
        """The rest of the current chunk, else the next verified chunk; ``b""`` at the end."""
        current, offset = self._current, self._offset
        if offset < len(current):
            self._current, self._offset = b"", 0
            return current[offset:] if offset else current
        if self.failure is not None:
            raise self.failure
        read = self.payload.read
        try:
            data = bytes(read(self._chunk_size))
            self.bytes_read += len(data)
            if self.bytes_read > self.limit:
                raise too_large(self.limit)
            if data and self.declared is not None and self.bytes_read >= self.declared:
                read(self._chunk_size)  # (the end, checked before the last bytes go out)
        except VerificationError as err:
            self.failure = err
            raise
        return data

    def _fill(self) -> bool:
        """Make sure some of a chunk is at hand; ``False`` at the end."""
        if self._offset < len(self._current):
            return True
        self._current, self._offset = self.next_chunk(), 0
        return bool(self._current)

    def read(self, size: Optional[int] = -1) -> bytes:
        """``size`` bytes (fewer only at the end, as a buffered file gives them); all that is
        left when ``size`` is negative."""
        pieces: List[bytes] = []
        have = 0
        while (size is None or size < 0 or have < size) and self._fill():
            current, start = self._current, self._offset
            end = (
                len(current) if size is None or size < 0 else min(len(current), start + size - have)
            )
            pieces.append(current[start:end] if start or end < len(current) else current)
            have += end - start
            self._offset = end
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def readline(self, size: Optional[int] = -1) -> bytes:
        limit = -1 if size is None else size
        pieces: List[bytes] = []
        have = 0
        while (limit < 0 or have < limit) and self._fill():
            current, start = self._current, self._offset
            end = current.find(b"\n", start) + 1 or len(current)
            if limit >= 0:
                end = min(end, start + limit - have)
            pieces.append(current[start:end])
            have += end - start
            self._offset = end
            if current[end - 1 : end] == b"\n":
                break
        return b"".join(pieces)

    def readlines(self, hint: int = -1) -> List[bytes]:
        lines: List[bytes] = []
        total = 0
        while hint <= 0 or total < hint:
            line = self.readline()
            if not line:
                break
            lines.append(line)
            total += len(line)
        return lines

    def __iter__(self) -> DecodedBody:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def __repr__(self) -> str:
        return f"DecodedBody(bytes_read={self.bytes_read}, limit={self.limit})"


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


class Checked(NamedTuple):
    """The outcome of :func:`check`: the verified result or the answer to send, and the request
    as verification saw it (``None`` when it could not be read as one)."""

    verified: Optional[Verified]
    answer: Optional[Answer]
    request: Optional[Request]


def check(config: Config, method: str, url: str, headers: List[Header], body: Any) -> Checked:
    """Verify one request whose ``body`` is bytes, or the wire body of an aws-chunked upload as
    a binary file (only its seed is verified here; nothing of it is read)."""
    lowered: Dict[str, str] = {}
    for name, value in headers:
        lowered.setdefault(name, value)
    request: Optional[Request] = None
    try:
        request = Request(method, url, headers, body)
        return Checked(config.verify(request), None, request)
    except VerificationError as err:
        return Checked(None, answer_for(err, request, lowered), request)
    except SigningError as exc:  # a request that cannot be read as one (a bad URL, a header)
        answer = answer_for(refusal(400, "InvalidRequest", exc.message), request, lowered)
        return Checked(None, answer, request)
