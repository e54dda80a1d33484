"""aws-chunked framing and chunk signatures, step by step from S3's chunked-upload pages.

An independent route to the expected values of the tests: only hashlib, hmac, zlib and base64,
none of sigbridge's code.  The seed request is signed by whoever the test chooses; from its
signature on, this module builds the chain and the wire body as the pages describe them:

    chunk:    hex(size);chunk-signature=SIG CRLF data CRLF      (unsigned: hex(size) CRLF ...)
    final:    0;chunk-signature=SIG CRLF, then the trailers, then CRLF
    chunk:   AWS4-HMAC-SHA256-PAYLOAD / time / scope / prior / sha256("") / sha256(data)
    trailer: AWS4-HMAC-SHA256-TRAILER / time / scope / prior / sha256(trailer lines)
    (the strings to sign, lines joined by newlines)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

EMPTY = hashlib.sha256(b"").hexdigest()
Pair = Tuple[str, str]


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def chunk_string(prior: str, data: bytes, time: str, scope: str, algorithm: str) -> str:
    digest = hashlib.sha256(data).hexdigest()
    return "\n".join((algorithm, time, scope, prior, EMPTY, digest))


def trailer_lines(trailers: Sequence[Pair]) -> str:
    """The canonical trailers: lower-case names, trimmed values, sorted, one per line."""
    return "".join(
        f"{n.lower()}:{v.strip()}\n" for n, v in sorted(trailers, key=lambda p: p[0].lower())
    )


def trailer_string(
    prior: str, trailers: Sequence[Pair], time: str, scope: str, algorithm: str
) -> str:
    digest = hashlib.sha256(trailer_lines(trailers).encode()).hexdigest()
    return "\n".join((algorithm, time, scope, prior, digest))


def hmac_signer(key: bytes) -> Callable[[str], str]:
    return lambda text: hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def checksum(algorithm: str, data: bytes) -> str:
    """S3's base64 checksum; CRC32C and CRC64NVME from awscrt (a test-time oracle)."""
    name = algorithm.upper()
    if name == "CRC32":
        raw = zlib.crc32(data).to_bytes(4, "big")
    elif name in ("SHA1", "SHA256"):
        raw = hashlib.new(name.lower(), data).digest()
    else:
        from awscrt import checksums as crt

        if name == "CRC32C":
            raw = crt.crc32c(data).to_bytes(4, "big")
        else:
            raw = crt.crc64nvme(data).to_bytes(8, "big")
    return base64.b64encode(raw).decode()


def cut(payload: bytes, sizes: Sequence[int]) -> List[bytes]:
    """``payload`` cut in chunks of the given sizes (the last size repeats)."""
    out, start, index = [], 0, 0
    while start < len(payload):
        size = sizes[min(index, len(sizes) - 1)]
        out.append(payload[start : start + size])
        start += size
        index += 1
    return out


def frame(
    chunks: Sequence[bytes],
    *,
    mode: str,
    seed: str,
    sign: Optional[Callable[[str], str]],
    time: str,
    scope: str,
    trailers: Sequence[Pair] = (),
    ecdsa: bool = False,
    upper_hex: bool = False,
) -> Tuple[bytes, List[str]]:
    """The wire body and the signatures sent (SigV4A's padded with ``*`` to 144)."""
    prefix = "AWS4-ECDSA-P256-SHA256" if ecdsa else "AWS4-HMAC-SHA256"
    signed = mode != "unsigned-trailer"
    prior, sent, parts = seed, [], []

    def signature(text: str) -> str:
        nonlocal prior
        assert sign is not None
        value = sign(text)
        prior = value
        return value.ljust(144, "*") if ecdsa else value

    for data in [*chunks, b""]:
        size = (b"%X" if upper_hex else b"%x") % len(data)
        if signed:
            sig = signature(chunk_string(prior, data, time, scope, prefix + "-PAYLOAD"))
            sent.append(sig)
            parts.append(size + b";chunk-signature=" + sig.encode() + b"\r\n")
        else:
            parts.append(size + b"\r\n")
        if data:
            parts.append(data + b"\r\n")
    lines = "".join(f"{n}:{v}\r\n" for n, v in trailers)
    if mode == "signed-trailer":
        sig = signature(trailer_string(prior, trailers, time, scope, prefix + "-TRAILER"))
        sent.append(sig)
        lines += f"x-amz-trailer-signature:{sig}\r\n"
    parts.append(lines.encode() + b"\r\n")
    return b"".join(parts), sent


def pieces(data: bytes, sizes: Sequence[int]) -> Iterator[bytes]:
    """``data`` as an iterable of pieces of uneven sizes (cycling through ``sizes``)."""
    start, index = 0, 0
    while start < len(data):
        size = sizes[index % len(sizes)]
        yield data[start : start + size]
        start += size
        index += 1
