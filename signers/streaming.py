"""aws-chunked uploads: a body sent in signed chunks, with trailing headers and checksums.

Spec: Amazon S3 API Reference, "Signature Calculations for the Authorization Header: Transferring
Payload in Multiple Chunks (Chunked Upload)" and "... Including Trailing Headers".  The body goes
as chunks ``hex(size);chunk-signature=SIG CRLF data CRLF``, a final 0-byte chunk, and (trailer
modes) ``name:value CRLF`` trailers ended by an empty line:

1. seed: the request is signed as usual (SigV4, or SigV4A) declaring ``x-amz-content-sha256:
   STREAMING-...`` beside ``Content-Encoding: aws-chunked`` and ``x-amz-decoded-content-length``;
   its signature seeds the chain;
2. chunk signature: over ``AWS4-HMAC-SHA256-PAYLOAD``, the request time, the scope, the prior
   signature, the hex SHA-256 of the empty string and the hex SHA-256 of the chunk, joined by
   newlines (:func:`chunk_string_to_sign`), under the seed's signing key; the final 0-byte chunk
   is signed too;
3. trailer signature: over ``AWS4-HMAC-SHA256-TRAILER``, the time, the scope, the prior signature
   and the hex SHA-256 of the trailers as canonical header lines (:func:`trailer_string_to_sign`),
   sent as the last trailer, ``x-amz-trailer-signature``.

SigV4A signs the same strings with ECDSA, named ``AWS4-ECDSA-P256-SHA256-PAYLOAD`` / ``-TRAILER``,
over its region-less scope, and pads every chunk and trailer signature with ``*`` to 144
characters (the hex of the longest DER signature) so that the length of the body is known before
it is signed, as aws-c-auth does; a prior signature enters the next string to sign unpadded.
``STREAMING-UNSIGNED-PAYLOAD-TRAILER`` sends ``hex(size) CRLF`` chunks without signatures: only
the seed is signed, and the checksum trailer is what protects the data.

The server's side, :func:`signers.verify` on a request whose body is such a stream, reads it with
:class:`ChunkedPayload` (:mod:`signers._verification.chunked`), through these same functions.
"""

from __future__ import annotations

import datetime as _dt
from hashlib import sha256 as _sha256
from typing import (
    IO,
    TYPE_CHECKING,
    Callable,
    Iterable,
    Iterator,
    List,
    Mapping,
    NamedTuple,
    NoReturn,
    Optional,
    Protocol,
    Tuple,
    Union,
)

from . import _crypto, checksums
from ._arguments import check_arguments, check_credentials, resolve_credentials
from ._core import chunked as _chunked
from ._core.chunked import *  # noqa: F403 (the aws-chunked stages, re-exported: its __all__)
from ._core.sigv4 import (
    ALGORITHM,
    ECDSA_ALGORITHM,
    credential_scope,
    region_set_scope,
)
from ._ecdsa_loader import ecdsa_backend
from ._lazy import lazy_attributes
from ._redact import state_repr
from ._stream_source import Chunk, chunks_of
from ._time import amz_date, resolve_time
from .errors import InvalidOption, InvalidRequest
from .model import (
    UNSIGNED_PAYLOAD,
    Credentials,
    Header,
    Request,
    SignedRequest,
    _bad_text,
    _is_token,
)
from .options import SigV4AOptions, SigV4Options

if TYPE_CHECKING:
    from ._arguments import CredentialsLike
    from ._verification.chunked import ChunkedPayload

__all__ = [
    "ChunkSigner",
    "ChunkedPayload",
    "SignedStream",
    "StreamPart",
    "StreamSignature",
    "sign_stream",
    "chunk_signer",
]
__all__ += _chunked.__all__  # the aws-chunked stages, re-exported

_EMPTY_SHA256 = _crypto.EMPTY_SHA256
_CRLF = b"\r\n"


class StreamSigner(Protocol):
    """What :func:`sign_stream` and :func:`chunk_signer` use of a signer: a SigV4 or SigV4A
    signer's options (``SigV4AOptions``: a region-less scope, ECDSA signatures) and ``sign``."""

    @property
    def options(self) -> SigV4Options: ...

    def sign(
        self, request: Request, credentials: CredentialsLike, at: Optional[_dt.datetime] = None
    ) -> SignedRequest: ...


#: What sign_stream takes as the payload: a buffer, a binary file object, or byte pieces.
Body = Union[bytes, bytearray, memoryview, IO[bytes], Iterable[bytes]]


# -- signing the chunks ----------------------------------------------------------------------------


class StreamSignature(NamedTuple):
    """A chunk's or the trailer's string to sign and signature (SigV4A's padded, as sent)."""

    string_to_sign: str
    signature: str


def _check_trailers(trailers: Union[Mapping[str, str], Iterable[Header]]) -> List[Header]:
    pairs = list(trailers.items()) if isinstance(trailers, Mapping) else list(trailers)
    seen = set()
    for pair in pairs:
        if not (
            isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
        ):
            raise InvalidRequest(
                f"trailers: {pair!r} is not a (name, value) pair", field="trailers"
            )
        name, value = pair
        lowered = name.lower()
        if not _is_token(name) or _bad_text(value):
            raise InvalidRequest(
                f"trailers: {name!r} is not a header name, or its value has CR, LF or NUL",
                field="trailers",
            )
        if lowered == _chunked.TRAILER_SIGNATURE or lowered in seen:
            raise InvalidRequest(f"trailers: {name!r} given twice or reserved", field="trailers")
        seen.add(lowered)
    return pairs


class ChunkSigner:
    """Signs the chunks and then the trailer of one aws-chunked body, in order, each over the
    signature before it (the seed's for the first): the staged form of :func:`sign_stream`.

    ``ChunkSigner(credentials, seed_signature=..., request_time="20130524T000000Z",
    scope="20130524/us-east-1/s3/aws4_request")`` for SigV4; ``algorithm=
    "AWS4-ECDSA-P256-SHA256"`` and the scope ``date/service/aws4_request`` for SigV4A.
    :meth:`sign_chunk` with empty data signs the final chunk; :meth:`sign_trailer` may follow it.
    Not for several threads at once: order is the point.
    """

    __slots__ = ("_algorithms", "_prior", "_scope", "_sign", "_state", "_time")

    def __init__(
        self,
        credentials: Credentials,
        *,
        seed_signature: str,
        request_time: Union[str, _dt.datetime],
        scope: str,
        algorithm: str = ALGORITHM,
    ) -> None:
        check_credentials(credentials)
        if isinstance(request_time, _dt.datetime):
            request_time = amz_date(resolve_time(request_time, field="request_time"))
        parts = scope.split("/") if isinstance(scope, str) else []
        ecdsa = algorithm == ECDSA_ALGORITHM
        if algorithm not in (ALGORITHM, ECDSA_ALGORITHM):
            raise InvalidOption(
                f"algorithm: {algorithm!r} is not {ALGORITHM} or {ECDSA_ALGORITHM}",
                field="algorithm",
            )
        if len(parts) != (3 if ecdsa else 4) or parts[-1] != "aws4_request" or not all(parts):
            form = "date/service/aws4_request" if ecdsa else "date/region/service/aws4_request"
            raise InvalidOption(f"scope: {scope!r} is not {form}", field="scope")
        if not (isinstance(request_time, str) and request_time[:8] == parts[0]):
            raise InvalidOption(
                f"request_time: {request_time!r} is not a YYYYMMDDTHHMMSSZ time on the scope's "
                "date",
                field="request_time",
            )
        if not (isinstance(seed_signature, str) and seed_signature.strip("*").isalnum()):
            raise InvalidOption("seed_signature: not a hex signature", field="seed_signature")
        self._sign: Callable[[str], str]
        if ecdsa:
            _ecdsa = ecdsa_backend()
            key = _ecdsa.private_key(credentials.access_key, credentials.secret_key)
            self._sign = lambda text: _chunked.pad_signature(_ecdsa.sign(key, text.encode("utf-8")))
            self._algorithms = (_chunked.ECDSA_PAYLOAD_ALGORITHM, _chunked.ECDSA_TRAILER_ALGORITHM)
        else:
            state = _crypto.signing_key(credentials.secret_key, parts[0], parts[1], parts[2])
            self._sign = lambda text: state.hexdigest(text.encode("utf-8"))
            self._algorithms = (_chunked.PAYLOAD_ALGORITHM, _chunked.TRAILER_ALGORITHM)
        self._prior, self._time, self._scope = seed_signature, request_time, scope
        self._state = "chunks"

    @property
    def prior_signature(self) -> str:
        """The latest signature (the seed's before the first chunk), as sent."""
        return self._prior

    @property
    def state(self) -> str:
        """``chunks``, ``final`` (the 0-byte chunk signed) or ``trailer`` (all signed)."""
        return self._state

    def sign_chunk(self, data: Union[bytes, bytearray, memoryview]) -> StreamSignature:
        """Sign one chunk's data; empty data is the final chunk."""
        if self._state != "chunks":
            raise InvalidRequest("chunk: the final chunk is already signed", field="chunk")
        digest = _sha256(data).hexdigest() if len(data) else _EMPTY_SHA256
        sts = _chunked.chunk_string_to_sign(
            self._prior, digest, request_time=self._time, scope=self._scope,
            algorithm=self._algorithms[0],
        )  # fmt: skip
        self._prior = signature = self._sign(sts)
        if not len(data):
            self._state = "final"
        return StreamSignature(sts, signature)

    def sign_trailer(self, trailers: Union[Mapping[str, str], Iterable[Header]]) -> StreamSignature:
        """Sign the trailers sent after the final chunk (not ``x-amz-trailer-signature``)."""
        if self._state != "final":
            raise InvalidRequest(
                "trailer: signed only once, after the final 0-byte chunk", field="trailers"
            )
        sts = _chunked.trailer_string_to_sign(
            self._prior, _check_trailers(trailers), request_time=self._time, scope=self._scope,
            algorithm=self._algorithms[1],
        )  # fmt: skip
        self._prior = signature = self._sign(sts)
        self._state = "trailer"
        return StreamSignature(sts, signature)

    def __repr__(self) -> str:
        return state_repr(self, "_scope", "_state")

    def __reduce__(self) -> NoReturn:
        raise TypeError("ChunkSigner is not picklable (it holds a signing key)")


def chunk_signer(
    signer: StreamSigner,
    credentials: CredentialsLike,
    *,
    seed_signature: str,
    at: Optional[_dt.datetime],
) -> ChunkSigner:
    """The :class:`ChunkSigner` of a request ``signer`` signed at ``at`` with ``seed_signature``:
    the scope from the signer's options (SigV4A: region-less), the algorithm from its kind."""
    credentials = resolve_credentials(credentials)
    time = resolve_time(at)
    ecdsa = _is_ecdsa(signer)
    opts = signer.options
    date = amz_date(time)[:8]
    return ChunkSigner(
        credentials,
        seed_signature=seed_signature,
        request_time=amz_date(time),
        scope=region_set_scope(date, opts.service)
        if ecdsa
        else credential_scope(date, opts.region, opts.service),
        algorithm=ECDSA_ALGORITHM if ecdsa else ALGORITHM,
    )


def _is_ecdsa(signer: object) -> bool:
    return isinstance(getattr(signer, "options", None), SigV4AOptions)


# -- the signed stream -------------------------------------------------------------------------


class StreamPart(NamedTuple):
    """One part of the wire body: ``kind`` ``chunk`` (data), ``final`` (the 0-byte chunk) or
    ``trailer``; ``size`` the data bytes; the string to sign and signature (``None`` unsigned)."""

    kind: str
    size: int
    string_to_sign: Optional[str]
    signature: Optional[str]
    wire: bytes


class SignedStream:
    """The result of ``sign_stream``: the signed request head and its body, made as it is read.

    :attr:`request` carries the headers to send (its body is the marker ``UNSIGNED_PAYLOAD``:
    the body is this object); iterate to get the wire bytes chunk by chunk (or :meth:`read`, or
    :meth:`parts` for each part's string to sign and signature).  The body is read once.
    """

    def __init__(
        self,
        *,
        signed: SignedRequest,
        mode: str,
        chunks: Iterator[Chunk],
        signer: Optional[ChunkSigner],
        checksum: Optional[str],
        checksum_value: Optional[str],
        trailers: List[Header],
        decoded_length: Optional[int],
        content_length: Optional[int],
    ) -> None:
        # A reader with state, not a record.
        self.signed = signed
        self.mode = mode
        self.checksum = checksum
        self.checksum_value = checksum_value
        self.decoded_length = decoded_length
        self.content_length = content_length
        self.last_signature: Optional[str] = signed.signature
        self.chunks_sent = 0
        self.trailers: Tuple[Header, ...] = ()
        self._extra = trailers
        self._chunks = chunks
        self._signer = signer
        self._parts: Optional[Iterator[StreamPart]] = None
        self._buffer = b""

    # Views of the signed head.
    @property
    def request(self) -> Request:
        """The signed request head (headers to send)."""
        return self.signed.request

    @property
    def seed_signature(self) -> str:
        return self.signed.signature

    @property
    def declaration(self) -> str:
        """The ``x-amz-content-sha256`` value sent."""
        return str(self.signed.request.header("x-amz-content-sha256"))

    def parts(self) -> Iterator[StreamPart]:
        """The parts of the body, each signed as it is made; the body is read once."""
        if self._parts is not None:
            raise InvalidRequest("body: this stream was already read", field="body")
        self._parts = self._make_parts()
        return self._parts

    def __iter__(self) -> Iterator[bytes]:
        return (part.wire for part in self.parts())

    def read(self, size: int = -1) -> bytes:
        """File-like access to the wire bytes (``size < 0``: all that is left)."""
        if self._parts is None:
            self.parts()
        parts, buffer = self._parts, self._buffer
        assert parts is not None
        pieces = [buffer]
        have = len(buffer)
        while size < 0 or have < size:
            part = next(parts, None)
            if part is None:
                break
            pieces.append(part.wire)
            have += len(part.wire)
        data = b"".join(pieces)
        if size < 0:
            self._buffer = b""
            return data
        self._buffer = data[size:]
        return data[:size]

    def _make_parts(self) -> Iterator[StreamPart]:
        signer, declared = self._signer, self.decoded_length
        # (mode "signed" sent the checksum as a header, computed before signing)
        running = None
        if self.checksum is not None and self.mode != "signed":
            running = checksums.new(self.checksum)
        decoded = wire = 0
        chunks = self._chunks
        while True:
            # (one chunk alive at a time: the last one and its wire bytes are dropped before the
            # source makes the next)
            data = part = None
            data = next(chunks, None)
            if data is None:
                break
            size = len(data)
            decoded += size
            if declared is not None and decoded > declared:
                raise _length_error(declared, f"more than {declared}")
            if running is not None:
                running.update(data)
            part = self._chunk_part(signer, data, size)
            wire += len(part.wire)
            self.chunks_sent += 1
            yield part
        if declared is not None and decoded != declared:
            raise _length_error(declared, str(decoded))
        final = self._chunk_part(signer, b"", 0)
        trailer = self._trailer_part(signer, running)
        if self.mode == "signed":
            final = final._replace(wire=final.wire + trailer.wire)
        wire += len(final.wire) + (0 if self.mode == "signed" else len(trailer.wire))
        if self.content_length is not None and wire != self.content_length:
            raise InvalidRequest(
                f"body: {wire} bytes on the wire, not the Content-Length {self.content_length}",
                field="body",
            )
        yield final
        if self.mode != "signed":
            yield trailer

    def _chunk_part(self, signer: Optional[ChunkSigner], data: Chunk, size: int) -> StreamPart:
        if signer is None:
            head = b"%x\r\n" % size
            return StreamPart("chunk" if size else "final", size, None, None, _wire(head, data))
        sts, signature = signer.sign_chunk(data)
        self.last_signature = signature
        head = b"%x;chunk-signature=%s\r\n" % (size, signature.encode("ascii"))
        return StreamPart("chunk" if size else "final", size, sts, signature, _wire(head, data))

    def _trailer_part(
        self, signer: Optional[ChunkSigner], running: Optional[checksums.Checksum]
    ) -> StreamPart:
        sent: List[Header] = []
        if running is not None:
            self.checksum_value = running.b64digest()
            if self.mode != "signed":
                sent.append((checksums.header_name(self.checksum or ""), self.checksum_value))
        sent.extend(self._extra)
        self.trailers = tuple(sent)
        lines = "".join(f"{name}:{value}\r\n" for name, value in sent)
        if self.mode != "signed-trailer" or signer is None:
            return StreamPart("trailer", 0, None, None, (lines + "\r\n").encode("utf-8"))
        sts, signature = signer.sign_trailer(sent)
        self.last_signature = signature
        lines += f"{_chunked.TRAILER_SIGNATURE}:{signature}\r\n\r\n"
        return StreamPart("trailer", 0, sts, signature, lines.encode("utf-8"))

    def __repr__(self) -> str:
        return (
            f"SignedStream(mode={self.mode!r}, url={self.signed.url!r}, "
            f"content_length={self.content_length!r}, decoded_length={self.decoded_length!r})"
        )


def _wire(head: bytes, data: Chunk) -> bytes:
    # one copy of the data: the framing and the chunk joined at C speed
    return b"".join((head, data, _CRLF)) if len(data) else head


def _length_error(declared: int, got: str) -> InvalidRequest:
    return InvalidRequest(
        f"body: gave {got} bytes; x-amz-decoded-content-length says {declared}", field="body"
    )


# -- sign_stream ---------------------------------------------------------------------------------


def sign_stream(
    signer: StreamSigner,
    request: Request,
    credentials: CredentialsLike,
    body: Body,
    at: Optional[_dt.datetime] = None,
    *,
    mode: str = "signed",
    chunk_size: int = _chunked.DEFAULT_CHUNK_SIZE,
    checksum: Optional[str] = None,
    trailers: Union[Mapping[str, str], Iterable[Header]] = (),
) -> SignedStream:
    """Sign ``request`` with ``signer`` (SigV4 or SigV4A, header placement) for an aws-chunked
    ``body`` (bytes, a binary file or an iterable of bytes); see ``SigV4Signer.sign_stream``."""
    credentials = check_arguments(request, credentials)
    ecdsa = _is_ecdsa(signer)
    declared = _chunked.declaration(mode, ecdsa=ecdsa)
    if signer.options.placement != "header":
        raise InvalidOption(
            "placement: aws-chunked bodies are signed in the Authorization header; use "
            "placement='header'",
            field="placement",
        )
    if request.body != b"" and request.body is not UNSIGNED_PAYLOAD:
        raise InvalidRequest(
            "body: give the payload as sign_stream's body argument; request.body must be empty",
            field="body",
        )
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int):
        raise InvalidOption("chunk_size: expected an int", field="chunk_size")
    low, high = _chunked.MIN_CHUNK_SIZE, _chunked.MAX_CHUNK_SIZE
    if not low <= chunk_size <= high:
        raise InvalidOption(
            f"chunk_size: {chunk_size} is outside {low} ... {high} (S3 "
            "refuses a chunk under 8 KiB unless it is the last)",
            field="chunk_size",
        )
    algorithm = None if checksum is None else checksums.normalize(checksum)
    extra = _check_trailers(trailers)
    chunks, length, whole = chunks_of(body, chunk_size)
    if mode == "signed" and (extra or (algorithm is not None and whole is None)):
        raise InvalidOption(
            "mode 'signed' sends no trailers: a checksum goes as a header, which needs the body "
            "as bytes; use mode='signed-trailer' or 'unsigned-trailer'",
            field="mode" if extra else "checksum",
        )
    time = resolve_time(at)
    from ._stream_head import seed_headers

    head, decoded, wire, value = seed_headers(
        request, declared, mode, algorithm, extra, length, whole, chunk_size, ecdsa
    )
    signed = signer.sign(request.replace(headers=head, body=UNSIGNED_PAYLOAD), credentials, time)
    chain = None
    if mode != "unsigned-trailer":
        chain = chunk_signer(signer, credentials, seed_signature=signed.signature, at=time)
    return SignedStream(
        signed=signed,
        mode=mode,
        chunks=chunks,
        signer=chain,
        checksum=algorithm,
        checksum_value=value,
        trailers=extra,
        decoded_length=decoded,
        content_length=wire,
    )


# The verifier's reader, loaded on first use (verification is a server's need).
__getattr__, __dir__ = lazy_attributes({"ChunkedPayload": "._verification.chunked"}, globals())
