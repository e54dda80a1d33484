"""S3 probes of aws-chunked uploads (``Content-Encoding: aws-chunked``), signed by ``sign_stream``.

What the SDKs send every upload as today, in each of S3's modes: ``signed`` (every chunk signed,
``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``), ``signed-trailer`` (the same, and a signed checksum
trailer) and ``unsigned-trailer`` (``STREAMING-UNSIGNED-PAYLOAD-TRAILER``: only the seed signed,
the checksum trailer protects the data).  The body is cut in 8 KiB chunks, S3's smallest, so that
a small upload has several.  ``Content-Length`` is left out of the seed's signature, as in S3's
trailer example, so that a body cut short can be sent with its true length.

The refusals change one thing after signing, each one a check servers have skipped: a byte of a
signed chunk; the checksum trailer; the final 0-byte chunk left out; the chunks of another
upload's chain (each signature valid, chained from another seed).  S3's answers are the ones
S3-compatible servers recorded against S3 (versitygw's issues, cited per probe) and S3's
chunked-upload pages: ``SignatureDoesNotMatch`` (403), ``BadDigest`` (400), ``IncompleteBody``
(400).
"""

from __future__ import annotations

import base64
import datetime as _dt
import zlib
from typing import Any, Callable, List, Optional, Tuple

from signers import Request

from .context import Context, replace_header
from .model import Probe, Sent, Table

__all__ = ["PROBES", "S3_STREAMING", "S3_TRAILERS", "CHUNK_SIZE", "chunked_body"]

S3_STREAMING = "https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html"
S3_TRAILERS = "https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html"
#: S3's answers to bad aws-chunked bodies, as recorded against S3 itself.
S3_BAD_DIGEST = "https://github.com/versity/versitygw/issues/1653"
S3_INCOMPLETE_BODY = "https://github.com/versity/versitygw/issues/1685"

CHUNK_SIZE = 8192
#: 2.5 chunks: two full 8 KiB chunks and a short last one.
_SIZE = 20_500


def chunked_body() -> bytes:
    """The probe's upload: lines that differ, so a chunk moved or swapped changes the data."""
    lines = (f"sigbridge probe, aws-chunked line {n:05d}\n".encode() for n in range(1000))
    return b"".join(lines)[:_SIZE]


def _crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode("ascii")


def _signed(
    ctx: Context,
    name: str,
    mode: str,
    checksum: Optional[str] = None,
    at: Optional[_dt.datetime] = None,
) -> Tuple[Any, List[Any], str]:
    """``(signed stream, its parts, key)`` of a PUT of ``name`` in ``mode``; every signature in
    it registered as a secret."""
    key = ctx.key(name)
    signer = ctx.signer("sigv4", unsigned_headers=["content-length"])
    request = Request("PUT", ctx.url(ctx.object_path(key)), [("Content-Type", "text/plain")])
    stream = signer.sign_stream(
        request, ctx.credentials, chunked_body(), at or ctx.now(),
        mode=mode, checksum=checksum, chunk_size=CHUNK_SIZE,
    )  # fmt: skip
    ctx.secret(stream.seed_signature)
    parts = list(stream.parts())
    for part in parts:
        ctx.secret(part.signature)
    return stream, parts, key


def _sent(ctx: Context, stream: Any, wire: bytes, key: str, note: str = "") -> Sent:
    headers = replace_header(stream.request.headers, "Content-Length", str(len(wire)))
    return ctx.sent(stream.signed, headers=headers, body=wire, writes=[key], note=note)


def _wire(parts: List[Any]) -> bytes:
    return b"".join(part.wire for part in parts)


# -- accept ---------------------------------------------------------------------------------------


def upload(mode: str, checksum: Optional[str] = None) -> Callable[[Context], Sent]:
    def build(ctx: Context) -> Sent:
        stream, parts, key = _signed(ctx, f"chunked-{mode}.txt", mode, checksum=checksum)
        return _sent(ctx, stream, _wire(parts), key)

    return build


# -- refuse ---------------------------------------------------------------------------------------


def tamper_chunk(ctx: Context) -> Sent:
    stream, parts, key = _signed(ctx, "chunked-tampered.txt", "signed")
    wire = bytearray(_wire(parts))
    second = len(parts[0].wire) + len(parts[1].wire) - 40  # (inside chunk 2's data)
    wire[second] ^= 0x20
    return _sent(ctx, stream, bytes(wire), key, note="a byte of chunk 2 changed after signing")


def wrong_trailer_checksum(ctx: Context) -> Sent:
    stream, parts, key = _signed(ctx, "chunked-bad-checksum.txt", "unsigned-trailer",
                                 checksum="CRC32")  # fmt: skip
    right = _crc32(chunked_body()).encode("ascii")
    wrong = _crc32(b"not the data").encode("ascii")
    trailer = parts[-1].wire
    if right not in trailer:
        raise AssertionError("the checksum trailer is not where sign_stream writes it")
    parts[-1] = parts[-1]._replace(wire=trailer.replace(right, wrong))
    return _sent(ctx, stream, _wire(parts), key, note="x-amz-checksum-crc32 of other data")


def missing_final_chunk(ctx: Context) -> Sent:
    stream, parts, key = _signed(ctx, "chunked-no-final.txt", "signed")
    wire = _wire([part for part in parts if part.kind == "chunk"])
    return _sent(ctx, stream, wire, key, note="the body ends after the last data chunk")


def wrong_chain(ctx: Context) -> Sent:
    # Two uploads of the same data at the same time, to two keys: the second one's head with
    # the first one's chunks, each signature valid but chained from the other seed.
    at = ctx.now()
    _, chunks, _ = _signed(ctx, "chunked-chain-a.txt", "signed", at=at)
    head, _, key = _signed(ctx, "chunked-chain-b.txt", "signed", at=at)
    return _sent(ctx, head, _wire(chunks), key, note="chunks signed in another upload's chain")


_NEEDS = frozenset({"s3", "bucket", "streaming"})
_SDNM = ("SignatureDoesNotMatch",)


_TABLE = Table(_NEEDS)
_a, _r = _TABLE.accept, _TABLE.refuse

PROBES: List[Probe] = [
    _a("sigv4/chunked-signed", "aws-chunked PUT, every chunk signed (8 KiB chunks)",
       upload("signed"), S3_STREAMING),
    _a("sigv4/chunked-signed-trailer", "aws-chunked PUT, signed chunks and a signed CRC32 trailer",
       upload("signed-trailer", "CRC32"), S3_TRAILERS),
    _a("sigv4/chunked-unsigned-trailer",
       "aws-chunked PUT, unsigned chunks and a CRC32 trailer (the SDKs' default)",
       upload("unsigned-trailer", "CRC32"), S3_TRAILERS),
    _r("sigv4/chunked-tamper-chunk", "a byte of a signed chunk changed after signing",
       tamper_chunk, _SDNM, 403, S3_STREAMING),
    _r("sigv4/chunked-wrong-checksum", "unsigned chunks; the CRC32 trailer of other data",
       wrong_trailer_checksum, ("BadDigest",), 400, S3_BAD_DIGEST),
    _r("sigv4/chunked-missing-final-chunk", "the final 0-byte chunk left out",
       missing_final_chunk, ("IncompleteBody",), 400, S3_INCOMPLETE_BODY),
    _r("sigv4/chunked-wrong-chain", "valid chunk signatures chained from another upload's seed",
       wrong_chain, _SDNM, 403, S3_STREAMING),
]  # fmt: skip
