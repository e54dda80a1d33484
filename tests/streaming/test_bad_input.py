"""Bad aws-chunked bodies: each is refused with S3's code and a one-line message, and no byte of
a chunk whose signature did not check is handed out (signed modes).

S3's codes, as S3-compatible servers recorded them against S3 (versity/versitygw issues 1653,
1660, 1666, 1683, 1685, 1690, 1692, 1694): broken framing or an early end IncompleteBody, a short
chunk that is not the last InvalidChunkSizeError, a checksum that does not match BadDigest ("The
CRC32 you specified did not match the calculated checksum."), a bad checksum value InvalidRequest,
a malformed or undeclared trailer MalformedTrailerError.
"""

from __future__ import annotations

import re
from typing import Any, Callable, List, Optional, Tuple

import pytest

import signers
from signers import Request, SigningError

from . import _reference as ref
from ._support import crafted, payload, read_all, signed_stream, verified

DATA = payload(65536 * 2 + 100)
CHUNKS = ref.cut(DATA, [65536])
_HEX64 = re.compile(rb"[0-9a-f]{64}")


def _refused(
    request: Request,
    wire: bytes,
    code: str,
    delivered: Optional[bytes] = None,
    *,
    unsigned: bool = False,
) -> signers.VerificationError:
    """The error reading ``wire`` stops with; what was handed out before it is ``delivered``
    (default: whole chunks of DATA that checked).  In the unsigned-trailer mode (``unsigned``)
    nothing but the checksum at the end protects the data: it may be handed out, but the end is
    never reported."""
    reader = verified(request, wire).payload
    got, error = read_all(reader)
    assert error is not None, "no error"
    assert error.code == code, (error.code, str(error))
    message = str(error)
    assert "\n" not in message and len(message) < 300
    for secret in _HEX64.findall(wire):
        assert secret.decode() not in message  # (no signature of the request in a message)
    if delivered is not None:
        assert got == delivered, (len(got), len(delivered))
    elif not unsigned:
        assert got in (b"", *(b"".join(CHUNKS[:n]) for n in range(1, len(CHUNKS) + 1)))
    with pytest.raises(type(error)):  # the reader stays failed
        reader.read(1)
    return error


def _edit(wire: bytes, old: bytes, new: bytes, count: int = 1) -> bytes:
    assert old in wire
    return wire.replace(old, new, count)


def _signature_of(wire: bytes, index: int) -> bytes:
    return re.findall(rb"chunk-signature=([0-9a-f*]+)", wire)[index]


# -- signatures -------------------------------------------------------------------------------


def test_a_chunk_signature_that_does_not_match() -> None:
    request, wire = crafted(CHUNKS)
    sig = _signature_of(wire, 1)
    bad = _edit(wire, sig, bytes([sig[0] ^ 1]) + sig[1:])
    _refused(request, bad, "SignatureDoesNotMatch", delivered=DATA[:65536])


def test_a_changed_data_byte() -> None:
    request, wire = crafted(CHUNKS)
    at = wire.index(CHUNKS[1]) + 1000
    bad = wire[:at] + bytes([wire[at] ^ 0x20]) + wire[at + 1 :]
    _refused(request, bad, "SignatureDoesNotMatch", delivered=DATA[:65536])


def test_swapped_chunks() -> None:
    chunks = [b"a" * 65536, b"b" * 65536, b"c"]
    request, wire = crafted(chunks)
    size = wire.index(b"\r\n") + 2 + 65536 + 2  # (both full chunks frame alike)
    swapped = wire[size : 2 * size] + wire[:size] + wire[2 * size :]
    assert swapped != wire and len(swapped) == len(wire)
    _refused(request, swapped, "SignatureDoesNotMatch", delivered=b"")


def test_the_final_chunk_signature() -> None:
    request, wire = crafted(CHUNKS)
    sig = _signature_of(wire, 3)
    _refused(request, _edit(wire, sig, sig[::-1]), "SignatureDoesNotMatch", delivered=DATA)


@pytest.mark.parametrize("edit", ["signature", "value", "name-case"])
def test_the_trailer_signature(edit: str) -> None:
    trailers = [("x-amz-checksum-crc32", ref.checksum("crc32", DATA)), ("x-amz-meta-a", "1")]
    request, wire = crafted(CHUNKS, mode="signed-trailer", trailers=trailers)
    if edit == "signature":
        sig = re.findall(rb"x-amz-trailer-signature:([0-9a-f]+)", wire)[0]
        bad = _edit(wire, sig, sig[::-1])
    elif edit == "value":
        bad = _edit(wire, b"x-amz-meta-a:1", b"x-amz-meta-a:2")
    else:  # a name's case is not signed (names are lower-cased): accepted
        reader = verified(request, _edit(wire, b"x-amz-meta-a:", b"X-Amz-Meta-A:")).payload
        assert reader.read() == DATA and reader.complete
        return
    _refused(request, bad, "SignatureDoesNotMatch", delivered=DATA)


# -- checksums --------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"])
def test_a_checksum_that_does_not_match(algorithm: str) -> None:
    request, wire = signed_stream(DATA, mode="unsigned-trailer", checksum=algorithm)
    at = wire.index(CHUNKS[0]) + 5
    bad = wire[:at] + bytes([wire[at] ^ 1]) + wire[at + 1 :]
    error = _refused(request, bad, "BadDigest", unsigned=True)
    assert str(error) == f"The {algorithm} you specified did not match the calculated checksum."
    assert isinstance(error, signers.BadDigest) and error.http_status == 400


def test_a_checksum_value_that_is_not_one() -> None:
    request, wire = signed_stream(DATA, mode="unsigned-trailer", checksum="crc32")
    value = ref.checksum("crc32", DATA).encode()
    error = _refused(request, _edit(wire, value, b"AAAA"), "InvalidRequest", DATA)
    assert "x-amz-checksum-crc32" in str(error)


def test_a_checksum_header_that_does_not_match() -> None:
    wrong = ref.checksum("crc32", b"other data")
    request, wire = crafted(CHUNKS, extra_headers=[("x-amz-checksum-crc32", wrong)])
    _refused(request, wire, "BadDigest", delivered=DATA)


# -- lengths ------------------------------------------------------------------------------------


def test_decoded_length_larger_than_sent() -> None:
    request, wire = crafted(CHUNKS, decoded_length=len(DATA) + 1)
    _refused(request, wire, "IncompleteBody", delivered=DATA)


def test_decoded_length_smaller_than_sent() -> None:
    request, wire = crafted(CHUNKS, decoded_length=65536 + 10)
    _refused(request, wire, "IncompleteBody", delivered=DATA[:65536])


def test_a_short_chunk_that_is_not_the_last() -> None:
    request, wire = crafted([b"x" * 4000, b"y" * 4000])
    error = _refused(request, wire, "InvalidChunkSizeError", delivered=b"")
    assert error.http_status == 403
    assert ("Chunk", "1") in error.details and ("BadChunkSize", "4000") in error.details


def test_a_short_last_chunk_is_fine() -> None:
    request, wire = crafted([b"x" * 8192, b"y" * 5])
    assert read_all(verified(request, wire).payload) == (b"x" * 8192 + b"y" * 5, None)


# -- framing ----------------------------------------------------------------------------------


def _framing_cases() -> List[Tuple[str, Callable[[bytes], bytes]]]:
    return [
        ("size-not-hex", lambda w: _edit(w, b"10000;", b"1000g;")),
        ("size-0x", lambda w: _edit(w, b"10000;", b"0x10000;")),
        ("size-sign", lambda w: _edit(w, b"10000;", b"+10000;")),
        ("size-space", lambda w: _edit(w, b"10000;", b" 10000;")),
        ("size-too-long", lambda w: _edit(w, b"10000;", b"00000000000010000;")),
        ("size-too-big", lambda w: _edit(w, b"10000;", b"10001;")),
        ("size-too-small", lambda w: _edit(w, b"10000;", b"fff0;")),
        ("no-crlf-after-data", lambda w: w.replace(CHUNKS[0] + b"\r\n", CHUNKS[0] + b"XX", 1)),
        ("no-extension", lambda w: re.sub(rb";chunk-signature=[0-9a-f]+", b"", w, count=1)),
        ("other-extension", lambda w: _edit(w, b";chunk-signature=", b";chunk-signatur=")),
        ("empty-signature", lambda w: re.sub(rb"=[0-9a-f]{64}", b"=", w, count=1)),
        ("lf-line", lambda w: re.sub(rb"([0-9a-f]{64})\r\n", rb"\1\n", w, count=1)),
        ("long-line", lambda w: _edit(w, b"10000;", b"10000;" + b"x" * 9000)),
        ("garbage", lambda w: bytes(range(256)) * 10),
        ("empty", lambda w: b""),
        ("no-final-chunk", lambda w: w[: w.rindex(b"0;chunk-signature=")]),
        ("final-without-end", lambda w: w[:-2]),
        ("data-after-the-end", lambda w: w + b"0\r\n\r\n"),
    ]


@pytest.mark.parametrize("name, edit", _framing_cases(), ids=[n for n, _ in _framing_cases()])
def test_broken_framing(name: str, edit: Callable[[bytes], bytes]) -> None:
    request, wire = crafted(CHUNKS)
    _refused(request, edit(wire), "IncompleteBody")


@pytest.mark.slow
def test_truncated_anywhere() -> None:
    request, wire = crafted([payload(9000), payload(8500, seed=3)])
    first_end = wire.index(b"\r\n") + 2 + 9000 + 2
    for cut in sorted({*range(0, len(wire), 97), len(wire) - 1, first_end, first_end - 1}):
        got, error = read_all(verified(request, wire[:cut]).payload)
        assert error is not None and error.code == "IncompleteBody", cut
        # only whole chunks that checked
        assert got in (b"", payload(9000), payload(9000) + payload(8500, seed=3)), cut
        if cut < first_end:
            assert got == b""


# -- trailers ---------------------------------------------------------------------------------


def _unsigned(trailers: Any, **kwargs: Any) -> Tuple[Request, bytes]:
    return crafted(CHUNKS, mode="unsigned-trailer", trailers=trailers, **kwargs)


def test_an_undeclared_trailer() -> None:
    request, wire = _unsigned([("x-amz-checksum-crc32", ref.checksum("crc32", DATA))])
    bad = wire[:-2] + b"x-amz-meta-extra:1\r\n\r\n"
    _refused(request, bad, "MalformedTrailerError", delivered=DATA)


def test_a_declared_trailer_not_sent() -> None:
    request, wire = _unsigned([], declared_trailers="x-amz-checksum-crc32")
    _refused(request, wire, "MalformedTrailerError", delivered=DATA)


def test_a_trailer_sent_twice() -> None:
    value = ref.checksum("crc32", DATA)
    request, wire = _unsigned([("x-amz-checksum-crc32", value)])
    bad = wire[:-2] + f"x-amz-checksum-crc32:{value}\r\n\r\n".encode()
    _refused(request, bad, "MalformedTrailerError", delivered=DATA)


def test_a_trailer_signature_in_the_unsigned_mode() -> None:
    request, wire = _unsigned([("x-amz-checksum-crc32", ref.checksum("crc32", DATA))])
    bad = wire[:-2] + b"x-amz-trailer-signature:" + b"0" * 64 + b"\r\n\r\n"
    _refused(request, bad, "MalformedTrailerError", delivered=DATA)


def test_trailers_in_the_signed_mode() -> None:
    request, wire = crafted(CHUNKS)
    _refused(request, wire[:-2] + b"x-amz-meta-a:1\r\n\r\n", "MalformedTrailerError", DATA)


def test_a_trailer_line_without_a_colon() -> None:
    request, wire = _unsigned([("x-amz-checksum-crc32", ref.checksum("crc32", DATA))])
    _refused(request, wire[:-2] + b"no colon here\r\n\r\n", "MalformedTrailerError", DATA)


def test_a_trailer_signature_missing_in_the_signed_trailer_mode() -> None:
    trailers = [("x-amz-checksum-crc32", ref.checksum("crc32", DATA))]
    request, wire = crafted(CHUNKS, mode="signed-trailer", trailers=trailers)
    bad = re.sub(rb"x-amz-trailer-signature:[0-9a-f]+\r\n", b"", wire)
    _refused(request, bad, "MalformedTrailerError", delivered=DATA)


def test_an_unknown_checksum_declared() -> None:
    request, wire = _unsigned([("x-amz-checksum-md5", "abc")])
    with pytest.raises(signers.MalformedTrailerError):
        verified(request, wire)


def test_refusals_are_signing_errors_with_a_field() -> None:
    request, wire = crafted(CHUNKS)
    _, error = read_all(verified(request, wire[:100]).payload)
    assert isinstance(error, SigningError) and error.field
