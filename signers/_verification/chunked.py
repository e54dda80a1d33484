"""The server's side of an aws-chunked body: a reader that checks each chunk before handing it out.

Spec: as :mod:`signers.streaming` (S3's "Transferring Payload in Multiple Chunks" and "Including
Trailing Headers").  :class:`ChunkedPayload` reads ``hex(size)[;chunk-signature=SIG] CRLF data
CRLF`` chunks from the wire body one at a time, holding at most one chunk: a chunk's data is
handed out only once its signature checked, over :func:`~signers.streaming.chunk_string_to_sign`
chained from the seed (the request's signature).  At the final 0-byte chunk it reads the
trailers, then checks, before reporting the end: the trailer signature, every declared
``x-amz-checksum-*`` (trailer or header) against the data, ``x-amz-decoded-content-length``, and
that the body ends there.  A reader that raised raises the same error again.

The answers are S3's (see :mod:`signers.errors`): a signature that does not match
``SignatureDoesNotMatch``; broken framing or an early end ``IncompleteBody``; a chunk under 8 KiB
that is not the last, or over the cap, ``InvalidChunkSizeError``; a checksum that does not match
``BadDigest``; a malformed, undeclared or missing trailer ``MalformedTrailerError``.
"""

from __future__ import annotations

import binascii
import io
import re
from hashlib import sha256 as _sha256
from hmac import compare_digest
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

from .. import _crypto, checksums
from .._core.chunked import (
    ECDSA_PAYLOAD_ALGORITHM,
    ECDSA_SIGNATURE_LENGTH,
    ECDSA_TRAILER_ALGORITHM,
    MAX_CHUNK_SIZE,
    MIN_CHUNK_SIZE,
    PAYLOAD_ALGORITHM,
    TRAILER_ALGORITHM,
    TRAILER_SIGNATURE,
    chunk_string_to_sign,
    chunk_string_to_sign_head,
    chunk_string_to_sign_tail,
    mode_of,
    trailer_string_to_sign,
)
from .._core.sigv4 import UNSIGNED_PAYLOAD_VALUE, is_hex_sha256
from .._ecdsa_loader import ecdsa_backend
from .._redact import state_repr
from ..errors import (
    BadDigest,
    IncompleteBody,
    InvalidArgument,
    InvalidChunkSizeError,
    InvalidOption,
    MalformedTrailerError,
    SignatureDoesNotMatch,
    VerificationError,
)
from ..model import Artifacts, Credentials, Header, PayloadHash, Request, _is_token, is_stream
from .chunk_source import BytesSource, FileSource, malformed, shown

__all__ = ["ChunkedPayload", "DEFAULT_MAX_CHUNK_SIZE", "open_payload"]

#: The largest chunk accepted unless the server says otherwise (``max_chunk_size``).
DEFAULT_MAX_CHUNK_SIZE = MAX_CHUNK_SIZE
_MAX_TRAILERS = 64
_HEX = b"0123456789abcdefABCDEF"
_SIGNATURE_CHARS = _HEX + b"*"  # (SigV4A's padding)
#: A chunk header as signers write it: ``hex(size);chunk-signature=SIG CRLF``.
_SIGNED_HEADER = re.compile(rb"([0-9a-fA-F]{1,16});chunk-signature=([0-9a-fA-F*]+)\r\n")
_CHECKSUM_PREFIX = "x-amz-checksum-"
_EMPTY_SHA256 = _crypto.EMPTY_SHA256
_MALFORMED_TRAILER = (
    "The request contained trailing data that was not well-formed or did not conform to our "
    "published schema."
)
Check = Callable[[str, str], bool]


class ChunkedPayload(io.RawIOBase):
    """The decoded payload of an aws-chunked body, verified as it is read (``signers.verify``
    returns it as ``Verified.payload``).

    ``read(n)`` / ``readinto`` / ``readall`` give the data; :meth:`iter_chunks` the chunks as
    verified.  Every chunk's signature is checked before any byte of it is handed out; the
    trailer signature, the checksums, the decoded length and the end of the body are checked
    before ``read`` reports the end (``b""``).  So a payload is verified only once it has been
    read to the end without error: store nothing as final before that.  In the unsigned-trailer
    mode no chunk is signed; the checksum trailer checked at the end is the only protection.
    ``source`` is a binary file, read and never closed, or the wire body's bytes, read in place
    (a view of each chunk, copied once as it is handed out).
    """

    # (slots: the per-chunk attribute reads and writes stay cheap on an io.RawIOBase subclass)
    __slots__ = (
        "_algorithms",
        "_check",
        "_current",
        "_declared",
        "_decoded_length",
        "_ecdsa",
        "_failed",
        "_head",
        "_header_checksums",
        "_inner",
        "_max_chunk",
        "_offset",
        "_outer",
        "_pending",
        "_prior",
        "_running",
        "_scope",
        "_source",
        "_time",
        "bytes_read",
        "checksums",
        "chunks",
        "complete",
        "mode",
        "trailers",
    )

    def __init__(
        self,
        source: Any,
        *,
        mode: str,
        seed_signature: str,
        request_time: str,
        scope: str,
        check: Optional[Check],
        key: Optional[_crypto.SigningKey] = None,
        ecdsa: bool = False,
        declared_trailers: Tuple[str, ...] = (),
        header_checksums: Tuple[Header, ...] = (),
        decoded_length: Optional[int] = None,
        wire_length: Optional[int] = None,
        max_chunk_size: int = DEFAULT_MAX_CHUNK_SIZE,
    ) -> None:
        super().__init__()
        self.mode = mode
        self._source: Union[BytesSource, FileSource] = (
            BytesSource(source, wire_length)
            if isinstance(source, bytes)
            else FileSource(source, wire_length)
        )
        self._check, self._prior = check, seed_signature.strip("*")
        self._time, self._scope = request_time, scope
        self._algorithms = (
            (ECDSA_PAYLOAD_ALGORITHM, ECDSA_TRAILER_ALGORITHM)
            if ecdsa
            else (PAYLOAD_ALGORITHM, TRAILER_ALGORITHM)
        )
        head = chunk_string_to_sign_head(
            request_time=request_time, scope=scope, algorithm=self._algorithms[0]
        )
        self._head = head
        # SigV4's chunk HMAC from the key's precomputed pad states (SigningKey.states: copied,
        # never updated in place), the inner one with the fixed head hashed in once.
        self._inner: Any = None
        self._outer: Any = None
        if key is not None:
            self._inner, self._outer = key.states(head.encode("utf-8"))
        self._ecdsa = ecdsa
        self._declared = declared_trailers
        self._header_checksums = header_checksums
        self._decoded_length = decoded_length
        self._max_chunk = max_chunk_size
        self._running: Dict[str, checksums.Checksum] = {}
        for name in declared_trailers + tuple(n for n, _ in header_checksums):
            if name.startswith(_CHECKSUM_PREFIX):
                algorithm = checksums.normalize(name, field=name)
                self._running.setdefault(algorithm, checksums.new(algorithm))
        self._current: Union[bytes, memoryview] = b""
        self._offset = 0
        self._pending: Optional[Tuple[int, Optional[str]]] = None
        self._failed: Optional[VerificationError] = None
        self.chunks = 0
        self.bytes_read = 0
        self.complete = False
        self.trailers: Tuple[Header, ...] = ()
        self.checksums: Dict[str, str] = {}

    # -- the file interface ----------------------------------------------------------------------

    def readable(self) -> bool:
        return True

    def read(self, size: Optional[int] = -1) -> bytes:
        """Up to ``size`` verified bytes (``-1``: to the end); ``b""`` at the verified end."""
        if size is None or size < 0:
            return self.readall()
        current, start = self._current, self._offset
        length = len(current)
        if start >= length:
            if not self._advance():
                return b""
            current, start = self._current, 0
            length = len(current)
        if start == 0 and size >= length:
            # (the whole chunk, as most callers read: no slicing; in memory, its one copy)
            self._offset = length
            return current if type(current) is bytes else bytes(current)
        end = min(length, start + size)
        self._offset = end
        return bytes(current[start:end])

    def readinto(self, buffer: Any) -> int:
        if self._offset >= len(self._current) and not self._advance():
            return 0
        start = self._offset
        end = min(len(self._current), start + len(buffer))
        buffer[: end - start] = self._current[start:end]
        self._offset = end
        return end - start

    def readall(self) -> bytes:
        return b"".join(self.iter_chunks())

    def iter_chunks(self) -> Iterator[bytes]:
        """The rest of the payload, a verified chunk at a time; the end is checked last."""
        while True:
            data = self.read(self._max_chunk)
            if not data:
                return
            yield data

    def __repr__(self) -> str:
        return state_repr(self, "mode", "chunks", "bytes_read", "complete")

    # -- reading the wire ------------------------------------------------------------------------

    def _advance(self) -> bool:
        """Move to the next verified chunk: ``False`` at the verified end."""
        if self.complete:
            return False
        if self._failed is not None:
            raise self._failed
        try:
            return self._next_chunk()
        except VerificationError as exc:
            self._failed = exc  # (the reader stays failed)
            raise

    def _next_chunk(self) -> bool:
        """Read and check the next chunk (``False``: it was the final one, and all is checked)."""
        pending = self._pending
        if pending is None:
            size, signature = self._header()
        else:
            size, signature = pending
            self._pending = None
        if not size:
            self._finish(signature)
            return False
        number = self.chunks + 1
        if size > self._max_chunk:
            raise InvalidChunkSizeError(
                f"chunk {number} of {size} bytes is over this server's limit of "
                f"{self._max_chunk} bytes",
                field="chunk",
                details=[("Chunk", str(number)), ("BadChunkSize", str(size))],
            )
        declared = self._decoded_length
        if declared is not None and self.bytes_read + size > declared:
            raise IncompleteBody(
                f"chunk {number} takes the payload past the x-amz-decoded-content-length "
                f"of {declared} bytes",
                field="x-amz-decoded-content-length",
            )
        data = self._source.data(size, number)
        if signature is not None:
            tail = chunk_string_to_sign_tail(self._prior, _sha256(data).hexdigest())
            inner = self._inner
            if inner is not None:  # (SigV4's HMAC, checked in line: the common case)
                inner = inner.copy()
                inner.update(tail.encode())
                outer = self._outer.copy()
                outer.update(inner.digest())
                matched = compare_digest(signature, outer.hexdigest())
            else:
                matched = False
            if matched:
                self._prior = signature
            else:
                self._prior = self._checked(self._head + tail, signature, number)
        if size < MIN_CHUNK_SIZE:
            self._pending = self._header()
            if self._pending[0] != 0:
                raise InvalidChunkSizeError(
                    "Only the last chunk is allowed to have a size less than 8192 bytes",
                    field="chunk",
                    details=[("Chunk", str(number)), ("BadChunkSize", str(size))],
                )
        if self._running:
            for running in self._running.values():
                running.update(data)
        self.chunks = number
        self.bytes_read += size
        self._current, self._offset = data, 0
        return True

    def _verify_chunk(self, number: int, digest: str, signature: Optional[str]) -> None:
        """Check a chunk's signature (``number`` 0: the final chunk); none in unsigned mode."""
        if self._check is None or signature is None:
            return
        sts = chunk_string_to_sign(
            self._prior, digest, request_time=self._time, scope=self._scope,
            algorithm=self._algorithms[0],
        )  # fmt: skip
        self._prior = self._checked(sts, signature, number)

    def _checked(self, sts: str, signature: str, number: int) -> str:
        """The signature, unpadded, once it signs ``sts`` (else SignatureDoesNotMatch);
        ``number``: the chunk's, 0 the final chunk's, -1 the trailer's."""
        bare = signature.rstrip("*") if self._ecdsa else signature
        padded = len(bare) != len(signature)
        check = self._check
        if (
            check is None
            or not bare
            or (padded and len(signature) != ECDSA_SIGNATURE_LENGTH)
            or not check(sts, bare)
        ):
            which = {0: "the final chunk", -1: "the trailer"}.get(number, f"chunk {number}")
            raise SignatureDoesNotMatch(
                f"The chunk signature of {which} does not match the signature calculated from "
                "the prior signature and its data.",
                field="chunk-signature",
                stage="chunk-signature",
            )
        return bare

    def _header(self) -> Tuple[int, Optional[str]]:
        """A chunk header: its size and, in the signed modes, its signature."""
        if self._check is None:
            return self._odd_header(self._source.line())
        # The shape signers write, matched in one C call; anything else is diagnosed below.
        found = self._source.line_match(_SIGNED_HEADER)
        if isinstance(found, bytes):
            return self._odd_header(found)
        return int(found[1], 16), found[2].decode("ascii")

    def _odd_header(self, line: bytes) -> Tuple[int, Optional[str]]:
        if not line.endswith(b"\r\n"):
            raise malformed("a chunk header does not end with CRLF")
        size_text, semicolon, extension = line[:-2].partition(b";")
        if not 1 <= len(size_text) <= 16 or size_text.translate(None, _HEX):
            raise malformed(f"chunk size {shown(size_text)} is not 1 to 16 hex digits")
        signed = self._check is not None
        if semicolon and not extension.startswith(b"chunk-signature="):
            raise malformed("a chunk extension is not chunk-signature=")
        if signed and not semicolon:
            raise malformed("a chunk header has no chunk-signature")
        signature = extension[16:]
        if signed and (not signature or signature.translate(None, _SIGNATURE_CHARS)):
            raise malformed("a chunk-signature is not hex")
        # (an unsigned-trailer chunk may carry a chunk-signature, as some SDKs send: ignored)
        return int(size_text, 16), signature.decode("ascii") if signed else None

    def _finish(self, signature: Optional[str]) -> None:
        self._verify_chunk(0, _EMPTY_SHA256, signature)
        trailers, trailer_signature = self._trailer_section()
        self._check_declared(trailers)
        if self.mode == "signed-trailer":
            if trailer_signature is None:
                raise MalformedTrailerError(
                    f"{_MALFORMED_TRAILER} (no {TRAILER_SIGNATURE})", field=TRAILER_SIGNATURE
                )
            sts = trailer_string_to_sign(
                self._prior, trailers, request_time=self._time, scope=self._scope,
                algorithm=self._algorithms[1],
            )  # fmt: skip
            self._prior = self._checked(sts, trailer_signature, -1)
        elif trailer_signature is not None:
            raise MalformedTrailerError(
                f"{_MALFORMED_TRAILER} ({TRAILER_SIGNATURE} in mode {self.mode!r})",
                field=TRAILER_SIGNATURE,
            )
        self._check_checksums(trailers)
        declared = self._decoded_length
        if declared is not None and self.bytes_read != declared:
            raise IncompleteBody(
                f"You did not provide the number of bytes specified by the "
                f"x-amz-decoded-content-length header: {self.bytes_read} of {declared}.",
                field="x-amz-decoded-content-length",
            )
        self._check_end()
        self.trailers = tuple(trailers)
        self.complete = True

    def _trailer_section(self) -> Tuple[List[Header], Optional[str]]:
        trailers: List[Header] = []
        signature: Optional[str] = None
        while True:
            line = self._source.line()
            if line in (b"\r\n", b"\n"):
                return trailers, signature
            name, colon, value = line.rstrip(b"\r\n").partition(b":")
            try:
                text = name.decode("ascii"), value.decode("utf-8").strip(" \t")
            except UnicodeDecodeError:
                text = ("", "")
            if not colon or not _is_token(text[0]):
                raise MalformedTrailerError(
                    f"{_MALFORMED_TRAILER} (line {shown(line)})", field="trailer"
                )
            if signature is not None or len(trailers) >= _MAX_TRAILERS:
                raise MalformedTrailerError(
                    f"{_MALFORMED_TRAILER} (a trailer after {TRAILER_SIGNATURE}, or too many)",
                    field="trailer",
                )
            if text[0].lower() == TRAILER_SIGNATURE:
                signature = text[1]
            else:
                trailers.append(text)

    def _check_declared(self, trailers: List[Header]) -> None:
        if trailers and self.mode == "signed":
            raise MalformedTrailerError(
                f"{_MALFORMED_TRAILER} (mode 'signed' carries no trailers)", field="trailer"
            )
        sent = [name.lower() for name, _ in trailers]
        for name in sent:
            if name not in self._declared or sent.count(name) > 1:
                raise MalformedTrailerError(
                    f"{_MALFORMED_TRAILER} (trailer {name!r} sent twice or not declared in "
                    "x-amz-trailer)",
                    field=name,
                )
        for name in self._declared:
            if name not in sent:
                raise MalformedTrailerError(
                    f"{_MALFORMED_TRAILER} (trailer {name!r} declared in x-amz-trailer was not "
                    "sent)",
                    field=name,
                )

    def _check_checksums(self, trailers: List[Header]) -> None:
        for name, value in self._header_checksums + tuple(trailers):
            lowered = name.lower()
            if not lowered.startswith(_CHECKSUM_PREFIX):
                continue
            algorithm = checksums.normalize(lowered, field=lowered)
            running = self._running[algorithm]
            if _b64_value(value, running.digest_size) is None:
                raise BadDigest(
                    f"Value for {lowered} trailing header is invalid.",
                    code="InvalidRequest",
                    field=lowered,
                )
            if running.b64digest() != value:
                raise BadDigest(
                    f"The {algorithm} you specified did not match the calculated checksum.",
                    field=lowered,
                )
            self.checksums[algorithm] = value

    def _check_end(self) -> None:
        if self._source.extra():
            raise malformed("data follows the end of the aws-chunked body")


def _b64_value(value: str, size: int) -> Optional[bytes]:
    """The bytes of a canonical base64 value of ``size`` bytes, else ``None``."""
    if len(value) != 4 * ((size + 2) // 3) or not value.isascii():
        return None
    try:
        decoded = binascii.a2b_base64(value.encode("ascii"))
    except binascii.Error:
        return None
    if len(decoded) != size or binascii.b2a_base64(decoded, newline=False).decode() != value:
        return None
    return decoded


# -- from a verified request ---------------------------------------------------------------------


def open_payload(
    request: Request,
    artifacts: Artifacts,
    credentials: Credentials,
    *,
    seed_signature: str,
    request_time: str,
    sigv4a: bool,
    max_chunk_size: int = DEFAULT_MAX_CHUNK_SIZE,
) -> Tuple[Optional[ChunkedPayload], bool]:
    """``(payload, checked)`` of a request whose seed signature verified: the reader of its
    aws-chunked body (``None`` when it declares no aws-chunked mode or carries no wire body), and
    whether its payload is (or, read to the end, will be) checked against what was signed."""
    declared = artifacts.payload_hash
    body = request.body
    mode = mode_of(declared or "")
    if mode is None:
        hashed = declared is not None and is_hex_sha256(declared)
        # (UNSIGNED-PAYLOAD, an event stream, or a hash the caller could not compare: unchecked)
        checked = hashed and declared != UNSIGNED_PAYLOAD_VALUE
        return None, checked and isinstance(body, (bytes, PayloadHash))
    if not (isinstance(body, bytes) or is_stream(body)):
        return None, False
    if isinstance(max_chunk_size, bool) or not isinstance(max_chunk_size, int):
        raise InvalidOption("max_chunk_size: expected an int", field="max_chunk_size")
    if max_chunk_size < MIN_CHUNK_SIZE:
        raise InvalidOption(
            f"max_chunk_size: {max_chunk_size} is under S3's minimum chunk of {MIN_CHUNK_SIZE}",
            field="max_chunk_size",
        )
    reader = ChunkedPayload(
        body,
        mode=mode,
        seed_signature=seed_signature,
        request_time=request_time,
        scope=str(artifacts.credential_scope),
        check=None if mode == "unsigned-trailer" else _checker(artifacts, credentials, sigv4a),
        key=None if sigv4a or mode == "unsigned-trailer" else _key(artifacts, credentials),
        ecdsa=sigv4a,
        declared_trailers=_declared_trailers(request),
        header_checksums=tuple(
            (n.lower(), v.strip()) for n, v in request.headers if _is_checksum_header(n)
        ),
        decoded_length=_length(request, "x-amz-decoded-content-length"),
        wire_length=_wire_length(request, body),
        max_chunk_size=max_chunk_size,
    )
    return reader, True


def _checker(artifacts: Artifacts, credentials: Credentials, sigv4a: bool) -> Check:
    parts = str(artifacts.credential_scope).split("/")
    if sigv4a:
        ecdsa = ecdsa_backend()
        public = ecdsa.private_key(credentials.access_key, credentials.secret_key).public_key()
        return lambda sts, signature: bool(ecdsa.verify(public, sts.encode("utf-8"), signature))
    key = _crypto.signing_key(credentials.secret_key, parts[0], parts[1], parts[2])
    # (compare_digest takes ASCII text: the header check let through hex and '*' only)
    return lambda sts, signature: compare_digest(signature, key.hexdigest(sts.encode("utf-8")))


def _key(artifacts: Artifacts, credentials: Credentials) -> _crypto.SigningKey:
    date, region, service = str(artifacts.credential_scope).split("/")[:3]
    return _crypto.signing_key(credentials.secret_key, date, region, service)


def _is_checksum_header(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith(_CHECKSUM_PREFIX) and lowered[15:].upper() in checksums.ALGORITHMS


def _declared_trailers(request: Request) -> Tuple[str, ...]:
    names: List[str] = []
    for value in request.header_values("x-amz-trailer"):
        names.extend(n.strip().lower() for n in value.split(",") if n.strip())
    for name in names:
        if name.startswith(_CHECKSUM_PREFIX) and not _is_checksum_header(name):
            raise MalformedTrailerError(
                f"{_MALFORMED_TRAILER} (x-amz-trailer names {name!r}, not a checksum S3 knows)",
                field="x-amz-trailer",
            )
    return tuple(names)


def _length(request: Request, name: str) -> Optional[int]:
    value = request.header(name)
    if value is None:
        return None
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        raise InvalidArgument(f"{name} must be a number of bytes, got {value[:40]!r}", field=name)
    return int(text)


def _wire_length(request: Request, body: Union[bytes, Any]) -> Optional[int]:
    """The wire body's length: Content-Length unless the request is also HTTP-chunked (then the
    source must end with the body), else the bytes given."""
    if request.has_header("transfer-encoding"):
        return len(body) if isinstance(body, bytes) else None
    length = _length(request, "content-length")
    if length is None and isinstance(body, bytes):
        return len(body)
    return length
