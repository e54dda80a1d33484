"""The headers of an aws-chunked request's seed, as ``sign_stream`` adds them to the request.

``x-amz-content-sha256`` (the mode's STREAMING-* value), ``Content-Encoding: aws-chunked`` (put
before any encoding the request has, as S3's chunked-upload page writes ``aws-chunked,gzip``),
``x-amz-decoded-content-length``, ``x-amz-trailer`` (the trailers' names), the checksum as a
header in mode ``signed``, and ``Content-Length``: the length on the wire, computed from the
decoded length (:func:`signers.streaming.encoded_length`).  A header the request already has is
kept only where it agrees.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from . import checksums
from ._core.chunked import ECDSA_SIGNATURE_LENGTH, encoded_length
from .errors import AlreadySigned, InvalidRequest
from .model import Header, Request

__all__ = ["seed_headers", "declared_length", "wire_length"]


def seed_headers(
    request: Request,
    declared: str,
    mode: str,
    algorithm: Optional[str],
    extra: List[Header],
    length: Optional[int],
    whole: Optional[memoryview],
    chunk_size: int,
    ecdsa: bool,
) -> Tuple[List[Header], Optional[int], Optional[int], Optional[str]]:
    """The seed request's headers: the request's with aws-chunked's added; also the decoded and
    the wire length (when known) and a checksum sent as a header (mode ``signed``)."""
    names = {name.lower() for name, _ in request.headers}
    given = request.header("x-amz-content-sha256")
    if given is not None and given.strip() != declared:
        raise AlreadySigned(
            f"header 'x-amz-content-sha256' is {given[:80]!r}; mode {mode!r} declares {declared}",
            field="x-amz-content-sha256",
        )
    checksum_header = None if algorithm is None else checksums.header_name(algorithm)
    for name in ("x-amz-trailer", checksum_header):
        if name in names:
            raise AlreadySigned(
                f"header {name!r} already present; sign_stream adds it from checksum= and "
                "trailers=",
                field=str(name),
            )
    decoded = declared_length(request, length)
    trailer_names = ([checksum_header] if checksum_header and mode != "signed" else []) + [
        name for name, _ in extra
    ]
    value = None
    headers: List[Header] = []
    for name, header_value in request.headers:
        lowered = name.lower()
        if lowered == "content-encoding":
            tokens = [token.strip().lower() for token in header_value.split(",")]
            if "aws-chunked" not in tokens:
                header_value = "aws-chunked," + header_value.strip()
        if lowered not in ("content-length", "x-amz-decoded-content-length"):
            headers.append((name, header_value))
    if given is None:
        headers.append(("x-amz-content-sha256", declared))
    if "content-encoding" not in names:
        headers.append(("Content-Encoding", "aws-chunked"))
    if decoded is not None:
        headers.append(("x-amz-decoded-content-length", str(decoded)))
    if trailer_names:
        headers.append(("x-amz-trailer", ",".join(trailer_names)))
    if checksum_header is not None and mode == "signed" and whole is not None:
        value = checksums.checksum(str(algorithm), whole)
        headers.append((checksum_header, value))
    wire = wire_length(request, mode, decoded, chunk_size, ecdsa, algorithm, extra)
    if wire is not None:
        headers.append(("Content-Length", str(wire)))
    return headers, decoded, wire, value


def declared_length(request: Request, length: Optional[int]) -> Optional[int]:
    given = request.header("x-amz-decoded-content-length")
    if given is None:
        return length
    text = given.strip()
    if not (text.isascii() and text.isdigit()) or (length is not None and int(text) != length):
        raise InvalidRequest(
            f"header 'x-amz-decoded-content-length': {given[:40]!r} is not the body's length "
            f"({length if length is not None else 'unknown'})",
            field="x-amz-decoded-content-length",
        )
    return int(text)


def wire_length(
    request: Request,
    mode: str,
    decoded: Optional[int],
    chunk_size: int,
    ecdsa: bool,
    algorithm: Optional[str],
    extra: List[Header],
) -> Optional[int]:
    """The Content-Length to send: computed when the decoded length is known (a Content-Length
    given must agree), else the one given (checked as the body is sent), else ``None``."""
    given = request.header("content-length")
    if decoded is None:
        if given is not None and not (given.strip().isascii() and given.strip().isdigit()):
            raise InvalidRequest(
                f"header 'Content-Length': {given[:40]!r} is not a number", field="content-length"
            )
        return None if given is None else int(given.strip())
    sent = list(extra)
    if algorithm is not None and mode != "signed":
        # (a placeholder of the value's length: base64 of the digest's bytes)
        size = checksums.new(algorithm).digest_size
        sent.append((checksums.header_name(algorithm), "=" * (4 * ((size + 2) // 3))))
    wire = encoded_length(
        decoded,
        mode=mode,
        chunk_size=chunk_size,
        signature_length=ECDSA_SIGNATURE_LENGTH if ecdsa else 64,
        trailers=sent,
    )
    if given is not None and given.strip() != str(wire):
        raise InvalidRequest(
            f"header 'Content-Length': {given[:40]!r}, but the aws-chunked body is {wire} bytes; "
            "leave it out and sign_stream sets it",
            field="content-length",
        )
    return wire
