"""aws-chunked uploads for the middleware tests, built by an independent route.

The seed request is signed by sigbridge's SigV4 signer (checked by the published vectors); the
chunks, their signature chain and the trailers are framed by the step-by-step reference of the
streaming tests (:mod:`tests.streaming._reference`: hashlib and hmac only), so the middleware is
fed bodies none of whose framing comes from ``signers.streaming``.  ``sign_stream`` bodies are
made by :func:`signed_stream` where a test wants the library's own.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, List, Optional, Sequence, Tuple

import signers
from signers import UNSIGNED_PAYLOAD, Request
from tests.middleware.support import AK, KEYS, REGION
from tests.streaming import _reference as ref

Header = Tuple[str, str]
DECLARATIONS = {
    "signed": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "signed-trailer": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    "unsigned-trailer": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
}
#: The modes as the tests use them: (mode, checksum trailer or None).
MODES = (("signed", None), ("signed-trailer", "CRC32"), ("unsigned-trailer", "CRC32"))


def payload(size: int, seed: int = 3) -> bytes:
    """``size`` bytes that differ from chunk to chunk, with a newline now and then (readline)."""
    block = bytes((seed * 131 + i * 17) % 251 for i in range(4099)) + b"\n"
    return (block * (size // len(block) + 1))[:size]


def framed(
    url: str,
    data: bytes,
    *,
    mode: str,
    checksum: Optional[str] = None,
    chunk: int = 8192,
    secret: Optional[str] = None,
    declare_length: bool = True,
    change: Callable[[List[bytes]], None] = lambda chunks: None,
    trailer_value: Optional[str] = None,
    headers: Sequence[Header] = (),
    encoding: str = "aws-chunked",
) -> Tuple[List[Header], bytes]:
    """``(headers to send, wire body)`` of a PUT of ``data`` to ``url`` in ``mode``, its chunks
    cut at ``chunk`` bytes; ``change`` alters the chunks after they are signed, ``trailer_value``
    replaces the checksum sent (both: bodies S3 refuses)."""
    at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    time = at.strftime("%Y%m%dT%H%M%SZ")
    trailers: List[Header] = []
    head: List[Header] = [
        *headers,
        ("x-amz-content-sha256", DECLARATIONS[mode]),
        ("Content-Encoding", encoding),
    ]
    if declare_length:
        head.append(("x-amz-decoded-content-length", str(len(data))))
    if checksum is not None:
        name = f"x-amz-checksum-{checksum.lower()}"
        trailers.append((name, ref.checksum(checksum, data)))
        head.append(("x-amz-trailer", name))
    credentials = KEYS[AK]
    seed = signers.get_signer("s3v4", region=REGION).sign(
        Request("PUT", url, head, UNSIGNED_PAYLOAD), credentials, at
    )
    key = ref.signing_key(secret or credentials.secret_key, time[:8], REGION, "s3")
    chunks = ref.cut(data, [chunk])
    sign = ref.hmac_signer(key)
    _, signatures = ref.frame(
        chunks, mode=mode, seed=seed.signature, sign=sign, time=time,
        scope=f"{time[:8]}/{REGION}/s3/aws4_request", trailers=trailers,
    )  # fmt: skip
    changed = list(chunks)
    change(changed)
    wire = _frame_again(changed, mode, signatures, trailers, trailer_value)
    sent = [(n, v) for n, v in seed.request.headers if n.lower() != "host"]
    return [*sent, ("Content-Length", str(len(wire)))], wire


def _frame_again(
    chunks: Sequence[bytes],
    mode: str,
    signatures: Sequence[str],
    trailers: Sequence[Header],
    trailer_value: Optional[str],
) -> bytes:
    """The wire body of ``chunks`` with the signatures made for the original ones."""
    parts = []
    for index, data in enumerate([*chunks, b""]):
        head = b"%x" % len(data)
        if mode != "unsigned-trailer":
            head += b";chunk-signature=" + signatures[index].encode()
        parts.append(head + b"\r\n" + (data + b"\r\n" if data else b""))
    lines = "".join(f"{n}:{v if trailer_value is None else trailer_value}\r\n" for n, v in trailers)
    if mode == "signed-trailer":
        lines += f"x-amz-trailer-signature:{signatures[-1]}\r\n"
    parts.append(lines.encode() + b"\r\n")
    return b"".join(parts)


def flip(index: int, offset: int = 7) -> Callable[[List[bytes]], None]:
    """A change of one bit of chunk ``index`` (after signing)."""

    def change(chunks: List[bytes]) -> None:
        data = bytearray(chunks[index])
        data[offset] ^= 1
        chunks[index] = bytes(data)

    return change


def signed_stream(
    url: str, data: bytes, *, mode: str, checksum: Optional[str] = None, chunk: int = 8192
) -> Tuple[List[Header], bytes]:
    """``(headers, wire body)`` made by ``sign_stream`` (the library's own framing)."""
    stream = signers.get_signer("s3v4", region=REGION).sign_stream(
        Request("PUT", url), KEYS[AK], data, mode=mode, checksum=checksum, chunk_size=chunk
    )
    wire = b"".join(stream)
    return [(n, v) for n, v in stream.request.headers if n.lower() != "host"], wire
