"""Shared helpers of the aws-chunked tests: credentials, signers, crafted streams, reading."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, Dict, List, Optional, Sequence, Tuple

from hypothesis import strategies as st

import signers
from signers import Credentials, Request, VerificationError

from . import _reference as ref

AT = dt.datetime(2013, 5, 24, tzinfo=dt.timezone.utc)
TIME = "20130524T000000Z"
CREDS = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
KEYS = {CREDS.access_key: CREDS}
URL = "https://s3.amazonaws.com/examplebucket/chunkObject.txt"
SCOPE = "20130524/us-east-1/s3/aws4_request"
SCOPE_A = "20130524/s3/aws4_request"
MODES = ("signed", "signed-trailer", "unsigned-trailer")
ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")


def signer(ecdsa: bool = False, **options: Any) -> Any:
    return signers.get_signer("s3v4a" if ecdsa else "s3v4", region="us-east-1", **options)


def payload(size: int, seed: int = 7) -> bytes:
    """``size`` bytes that differ from chunk to chunk (a repeating pattern would hide swaps)."""
    block = bytes((seed * 131 + i * 17) % 251 for i in range(4099))
    return (block * (size // len(block) + 1))[:size]


def signed_stream(
    data: bytes,
    *,
    mode: str = "signed",
    checksum: Optional[str] = None,
    ecdsa: bool = False,
    chunk_size: int = 65536,
    trailers: Sequence[Tuple[str, str]] = (),
    headers: Sequence[Tuple[str, str]] = (),
    **options: Any,
) -> Tuple[Request, bytes]:
    """A request signed with ``sign_stream`` and its wire body (``options``: the signer's)."""
    stream = signer(ecdsa, **options).sign_stream(
        Request("PUT", URL, list(headers)),
        CREDS,
        data,
        AT,
        mode=mode,
        checksum=checksum,
        chunk_size=chunk_size,
        trailers=trailers,
    )
    return stream.request, b"".join(stream)


#: a payload of two full 8 KiB chunks and a short last one, for byte-by-byte sweeps
SMALL_DATA = payload(8192 * 2 + 50)
_SMALL_STREAMS: Dict[Tuple[str, str], Tuple[Request, bytes]] = {}


def small_stream(mode: str, checksum: str = "CRC32") -> Tuple[Request, bytes]:
    """SMALL_DATA signed in 8 KiB chunks in ``mode`` (the trailer modes with ``checksum`` and one
    extra trailer), made once per process: the sweeps read the same stream many times."""
    key = (mode, checksum)
    if key not in _SMALL_STREAMS:
        _SMALL_STREAMS[key] = signed_stream(
            SMALL_DATA,
            mode=mode,
            chunk_size=8192,
            checksum=None if mode == "signed" else checksum,
            trailers=() if mode == "signed" else [("x-amz-meta-k", "v")],
        )
    return _SMALL_STREAMS[key]


def one_changed_byte(data: Any, wire: bytes) -> Tuple[int, bytes]:
    """A position hypothesis draws from ``data``, and ``wire`` with the byte there changed."""
    at = data.draw(st.integers(0, len(wire) - 1), label="position")
    value = data.draw(st.integers(0, 255).filter(lambda v: v != wire[at]), label="byte")
    return at, wire[:at] + bytes([value]) + wire[at + 1 :]


def crafted(
    chunks: Sequence[bytes],
    *,
    mode: str = "signed",
    trailers: Sequence[Tuple[str, str]] = (),
    declared_trailers: Optional[str] = None,
    decoded_length: Optional[int] = None,
    extra_headers: Sequence[Tuple[str, str]] = (),
    upper_hex: bool = False,
) -> Tuple[Request, bytes]:
    """A request whose seed sigbridge signs (its SigV4 is checked by the vectors) and whose chunks
    the reference frames and signs: any chunk sizes and trailers, even ones S3 refuses."""
    declared = {
        "signed": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "signed-trailer": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        "unsigned-trailer": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    }[mode]
    length = sum(len(c) for c in chunks) if decoded_length is None else decoded_length
    head: List[Tuple[str, str]] = [
        ("x-amz-content-sha256", declared),
        ("Content-Encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", str(length)),
    ]
    names = declared_trailers if declared_trailers is not None else ",".join(n for n, _ in trailers)
    if names:
        head.append(("x-amz-trailer", names))
    head.extend(extra_headers)
    seed = signer().sign(Request("PUT", URL, head, signers.UNSIGNED_PAYLOAD), CREDS, AT)
    key = ref.signing_key(CREDS.secret_key, "20130524", "us-east-1", "s3")
    wire, _ = ref.frame(
        chunks,
        mode=mode,
        seed=seed.signature,
        sign=ref.hmac_signer(key),
        time=TIME,
        scope=SCOPE,
        trailers=trailers,
        upper_hex=upper_hex,
    )
    return seed.request, wire


def verified(request: Request, body: Any, **kwargs: Any) -> Any:
    """``signers.verify`` of ``request`` carrying ``body`` (bytes or a file) as its wire body."""
    return signers.verify(request.replace(body=body), KEYS, now=AT, **kwargs)


def read_all(reader: Any, size: int = 65536) -> Tuple[bytes, Optional[VerificationError]]:
    """What a reader hands out before it stops, and the error it stopped with (or ``None``)."""
    got: List[bytes] = []
    try:
        while True:
            data = reader.read(size)
            if not data:
                return b"".join(got), None
            got.append(data)
    except VerificationError as exc:
        return b"".join(got), exc


def wire_file(wire: bytes) -> io.BytesIO:
    return io.BytesIO(wire)


class OnlyRead:
    """A file-like source with ``read`` alone (no ``readline``), giving short reads."""

    def __init__(self, data: bytes, step: int = 777) -> None:
        self._data, self._pos, self._step = data, 0, step
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        if size < 0:
            size = len(self._data)
        end = min(len(self._data), self._pos + min(size, self._step))
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    @property
    def position(self) -> int:
        return self._pos


def headers_of(request: Request) -> Dict[str, str]:
    return {name.lower(): value for name, value in request.headers}
