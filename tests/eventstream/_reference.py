"""The event-stream wire format and event signatures computed step by step from the spec, written
apart from ``signers`` (no import of it): the independent route for expected values where no
published vector exists.

Sources: the "Event stream encoding" pages of the Transcribe and Lex V2 guides, and the event
string to sign of the Transcribe guide ("Setting up a streaming transcription").
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from typing import List, Sequence, Tuple

# CRC-32 as gzip has it (reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF),
# from its definition rather than zlib.
_TABLE: List[int] = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0xEDB88320 if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc32(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# A header as (name, type code, value bytes already laid out for its type).
RawHeader = Tuple[str, int, bytes]


def header(name: str, code: int, value: object) -> bytes:
    """One encoded header, by type code: 0/1 bool, 2 i8, 3 i16, 4 i32, 5 i64, 6 bytes, 7 string,
    8 timestamp (i64 ms), 9 uuid (16 bytes)."""
    raw_name = name.encode("utf-8")
    out = bytes([len(raw_name)]) + raw_name + bytes([code])
    if code in (0, 1):
        return out
    if code in (2, 3, 4, 5, 8):
        return out + struct.pack({2: ">b", 3: ">h", 4: ">i", 5: ">q", 8: ">q"}[code], value)
    if code == 9:
        assert isinstance(value, bytes) and len(value) == 16
        return out + value
    data = value.encode("utf-8") if isinstance(value, str) else value
    assert isinstance(data, bytes)
    return out + struct.pack(">H", len(data)) + data


def message(headers: bytes, payload: bytes) -> bytes:
    """Prelude (total, headers length), prelude CRC, headers, payload, message CRC."""
    total = 16 + len(headers) + len(payload)
    prelude = struct.pack(">II", total, len(headers))
    head = prelude + struct.pack(">I", crc32(prelude))
    body = head + headers + payload
    return body + struct.pack(">I", crc32(body))


def date_header(ms: int) -> bytes:
    return header(":date", 8, ms)


def amz_date(epoch_seconds: int) -> str:
    import time

    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch_seconds))


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def event_string_to_sign(
    stamp: str, region: str, service: str, prior: str, headers: bytes, payload: bytes
) -> str:
    return "\n".join(
        [
            "AWS4-HMAC-SHA256-PAYLOAD",
            stamp,
            f"{stamp[:8]}/{region}/{service}/aws4_request",
            prior,
            hashlib.sha256(headers).hexdigest(),
            hashlib.sha256(payload).hexdigest(),
        ]
    )


def event_signature(
    secret: str, region: str, service: str, stamp: str, prior: str, headers: bytes, payload: bytes
) -> str:
    sts = event_string_to_sign(stamp, region, service, prior, headers, payload)
    key = signing_key(secret, stamp[:8], region, service)
    return hmac.new(key, sts.encode("utf-8"), hashlib.sha256).hexdigest()


def envelope(ms: int, signature: str, payload: bytes, *, date_first: bool = True) -> bytes:
    """A signed envelope: :date and :chunk-signature headers around ``payload``."""
    date = date_header(ms)
    sig = header(":chunk-signature", 6, bytes.fromhex(signature))
    return message(date + sig if date_first else sig + date, payload)


def signed_stream(
    secret: str,
    region: str,
    service: str,
    seed: str,
    payloads: Sequence[bytes],
    seconds: Sequence[int],
) -> Tuple[bytes, List[str]]:
    """Envelopes for ``payloads`` then the final empty one, at ``seconds`` (one more than the
    payloads, for the end), chained from ``seed``; the stream bytes and each signature."""
    assert len(seconds) == len(payloads) + 1
    prior = seed
    out = []
    signatures = []
    for payload, second in zip([*payloads, b""], seconds):
        ms = second * 1000
        prior = event_signature(
            secret, region, service, amz_date(second), prior, date_header(ms), payload
        )
        signatures.append(prior)
        out.append(envelope(ms, prior, payload))
    return b"".join(out), signatures
