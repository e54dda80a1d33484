"""The aws-chunked stages, pure: each mode's declared ``x-amz-content-sha256``, the chunk and
trailer strings to sign, SigV4A's signature padding, and the length of the framed body.
:mod:`signers.streaming` signs with them and :mod:`signers._verification.chunked` verifies."""

from __future__ import annotations

from hashlib import sha256 as _sha256
from typing import Iterable, Optional, Sequence

from .._crypto import EMPTY_SHA256 as _EMPTY_SHA256
from .._encoding import header_block, merge_headers
from ..errors import InvalidOption
from ..model import Header
from .sigv4 import (
    STREAMING_ECDSA_SIGNED,
    STREAMING_ECDSA_SIGNED_TRAILER,
    STREAMING_SIGNED,
    STREAMING_SIGNED_TRAILER,
    STREAMING_UNSIGNED_TRAILER,
)

__all__ = [
    "MODES",
    "DEFAULT_CHUNK_SIZE",
    "MIN_CHUNK_SIZE",
    "MAX_CHUNK_SIZE",
    "ECDSA_SIGNATURE_LENGTH",
    "PAYLOAD_ALGORITHM",
    "TRAILER_ALGORITHM",
    "ECDSA_PAYLOAD_ALGORITHM",
    "ECDSA_TRAILER_ALGORITHM",
    "TRAILER_SIGNATURE",
    "canonical_trailers",
    "chunk_string_to_sign",
    "chunk_string_to_sign_head",
    "chunk_string_to_sign_tail",
    "trailer_string_to_sign",
    "declaration",
    "mode_of",
    "encoded_length",
    "pad_signature",
    "unpad_signature",
]

#: ``signed``: every chunk signed; ``signed-trailer``: the same and signed trailers;
#: ``unsigned-trailer``: chunks unsigned, trailers (the checksum) unsigned, only the seed signed.
MODES = ("signed", "signed-trailer", "unsigned-trailer")
#: S3 refuses a chunk under 8 KiB unless it is the last one.
MIN_CHUNK_SIZE = 8192
DEFAULT_CHUNK_SIZE = 65536
#: The largest chunk sign_stream makes and the verifier accepts by default.
MAX_CHUNK_SIZE = 16 * 1024 * 1024
#: SigV4A's chunk and trailer signatures are padded with ``*`` to this length (hex of 72 bytes).
ECDSA_SIGNATURE_LENGTH = 144
PAYLOAD_ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD"
TRAILER_ALGORITHM = "AWS4-HMAC-SHA256-TRAILER"
ECDSA_PAYLOAD_ALGORITHM = "AWS4-ECDSA-P256-SHA256-PAYLOAD"
ECDSA_TRAILER_ALGORITHM = "AWS4-ECDSA-P256-SHA256-TRAILER"
TRAILER_SIGNATURE = "x-amz-trailer-signature"

_DECLARATIONS = {
    ("signed", False): STREAMING_SIGNED,
    ("signed-trailer", False): STREAMING_SIGNED_TRAILER,
    ("unsigned-trailer", False): STREAMING_UNSIGNED_TRAILER,
    ("signed", True): STREAMING_ECDSA_SIGNED,
    ("signed-trailer", True): STREAMING_ECDSA_SIGNED_TRAILER,
    ("unsigned-trailer", True): STREAMING_UNSIGNED_TRAILER,
}
_MODE_OF = {value: mode for (mode, _), value in _DECLARATIONS.items()}


def declaration(mode: str, *, ecdsa: bool = False) -> str:
    """The ``x-amz-content-sha256`` value of ``mode`` (``ecdsa``: SigV4A's names)."""
    found = _DECLARATIONS.get((mode, bool(ecdsa)))
    if found is None:
        raise InvalidOption(
            f"option 'mode': {mode!r} is not one of {', '.join(MODES)}", field="mode"
        )
    return found


def mode_of(declared: str) -> Optional[str]:
    """The mode an ``x-amz-content-sha256`` value declares, or ``None`` when it is not aws-chunked
    (a hex hash, ``UNSIGNED-PAYLOAD``, an event stream)."""
    return _MODE_OF.get(declared)


def unpad_signature(signature: str) -> str:
    """A chunk or trailer signature without SigV4A's ``*`` padding."""
    return signature.strip("*")


def pad_signature(signature: str) -> str:
    """A SigV4A chunk or trailer signature padded with ``*`` to 144 characters."""
    return signature.ljust(ECDSA_SIGNATURE_LENGTH, "*")


def chunk_string_to_sign(
    prior_signature: str,
    chunk_hash: str,
    *,
    request_time: str,
    scope: str,
    algorithm: str = PAYLOAD_ALGORITHM,
) -> str:
    """``<algorithm>\\n<time>\\n<scope>\\n<prior signature>\\n<hex SHA-256 of "">\\n<chunk hash>``.

    ``chunk_hash`` is the hex SHA-256 of the chunk's data (of ``b""`` for the final chunk); the
    prior signature is the seed's for the first chunk, taken without SigV4A padding.  Pure."""
    head = chunk_string_to_sign_head(request_time=request_time, scope=scope, algorithm=algorithm)
    return head + chunk_string_to_sign_tail(prior_signature.strip("*"), chunk_hash)


def chunk_string_to_sign_head(
    *, request_time: str, scope: str, algorithm: str = PAYLOAD_ALGORITHM
) -> str:
    """The part of every chunk's string to sign that is fixed for a request:
    ``<algorithm>\\n<time>\\n<scope>\\n`` (a verifier hashes it once per request).  Pure."""
    return f"{algorithm}\n{request_time}\n{scope}\n"


def chunk_string_to_sign_tail(prior_signature: str, chunk_hash: str) -> str:
    """The part that changes from chunk to chunk: ``<prior signature>\\n<hex SHA-256 of "">\\n
    <chunk hash>``, ``prior_signature`` already without SigV4A padding.  Pure."""
    return f"{prior_signature}\n{_EMPTY_SHA256}\n{chunk_hash}"


def canonical_trailers(trailers: Iterable[Header]) -> str:
    """The trailers as SigV4 canonical header lines, ``name:value\\n`` each: names lower-cased,
    values trimmed, sorted by name (what the trailer signature hashes)."""
    return header_block(merge_headers(trailers) or {})[0]


def trailer_string_to_sign(
    prior_signature: str,
    trailers: Iterable[Header],
    *,
    request_time: str,
    scope: str,
    algorithm: str = TRAILER_ALGORITHM,
) -> str:
    """``<algorithm>\\n<time>\\n<scope>\\n<prior signature>\\n<hex SHA-256 of the canonical
    trailers>``; ``trailers`` are the trailers sent, without ``x-amz-trailer-signature``.  Pure."""
    digest = _sha256(canonical_trailers(trailers).encode("utf-8")).hexdigest()
    return "\n".join((algorithm, request_time, scope, prior_signature.strip("*"), digest))


def encoded_length(
    decoded_length: int,
    *,
    mode: str,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    signature_length: int = 64,
    trailers: Sequence[Header] = (),
) -> int:
    """The length on the wire of an aws-chunked body of ``decoded_length`` bytes cut in
    ``chunk_size`` chunks (the ``Content-Length`` to send): ``signature_length`` is 64 for SigV4,
    144 for SigV4A; ``trailers`` the trailers sent (a placeholder of the value's length will do).
    """
    declaration(mode)
    ext = len(";chunk-signature=") + signature_length if mode != "unsigned-trailer" else 0
    full, rest = divmod(decoded_length, chunk_size)

    def chunk(size: int) -> int:
        return len(b"%x" % size) + ext + 2 + size + (2 if size else 0)

    total = full * chunk(chunk_size) + (chunk(rest) if rest else 0) + chunk(0)
    total += sum(len(f"{name}:{value}\r\n".encode()) for name, value in trailers)
    if mode == "signed-trailer":
        total += len(TRAILER_SIGNATURE) + 1 + signature_length + 2
    return total + 2
