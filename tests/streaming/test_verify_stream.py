"""signers.verify on aws-chunked requests: round trips of every mode and checksum, the payload
reader, the wire sources a server has, and what Verified says about the payload."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any, Optional

import pytest

import signers
from signers import (
    UNSIGNED_PAYLOAD,
    InvalidArgument,
    InvalidOption,
    InvalidRequest,
    PayloadHash,
    Request,
)

from . import _reference as ref
from ._support import (
    ALGORITHMS,
    AT,
    CREDS,
    KEYS,
    MODES,
    TIME,
    URL,
    OnlyRead,
    crafted,
    payload,
    read_all,
    signed_stream,
    signer,
    verified,
)

SIZES = [0, 1, 8191, 8192, 8193, 65535, 65536, 65537, 3 * 1024 * 1024 + 17]


def _checksums(mode: str) -> list:
    # mode "signed" sends a checksum as a header (a bytes body), the others as a trailer
    return [None, *ALGORITHMS]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("mode", MODES)
def test_round_trip_sigv4(mode: str, size: int) -> None:
    data = payload(size, seed=size % 97)
    for checksum in _checksums(mode):
        request, wire = signed_stream(data, mode=mode, checksum=checksum)
        for body in (wire, io.BytesIO(wire)):
            result = verified(request, body)
            assert result.payload_checked is True
            got, error = read_all(result.payload)
            assert error is None, (checksum, error)
            assert got == data
            assert result.payload.complete and result.payload.bytes_read == size
            if checksum is not None:
                assert result.payload.checksums == {checksum: ref.checksum(checksum, data)}


@pytest.mark.parametrize("size", [0, 1, 8193, 65537])
@pytest.mark.parametrize("mode", MODES)
def test_round_trip_sigv4a(mode: str, size: int) -> None:
    pytest.importorskip("cryptography")
    data = payload(size)
    checksum = "CRC32C" if mode != "signed" or size else None
    request, wire = signed_stream(data, mode=mode, checksum=checksum, ecdsa=True)
    result = verified(request, io.BytesIO(wire))
    assert result.scheme == "sigv4a" and result.payload_checked
    got, error = read_all(result.payload, 1000)
    assert error is None and got == data


def test_sigv4a_unpadded_signatures_verify_too() -> None:
    pytest.importorskip("cryptography")
    data = payload(70_000)
    stream = signer(ecdsa=True, unsigned_headers=["content-length"]).sign_stream(
        Request("PUT", URL), CREDS, data, AT, mode="signed-trailer", checksum="SHA1"
    )
    unpadded = b""
    for part in stream.parts():  # each signature without its '*' padding, in its header line
        padded = (part.signature or "").encode()
        unpadded += part.wire.replace(padded, padded.rstrip(b"*"), 1)
    assert b"*" not in unpadded.replace(data[:65536], b"").replace(data[65536:], b"")
    request = stream.request
    headers = [(n, v) for n, v in request.headers if n.lower() != "content-length"]
    got, error = read_all(verified(request.replace(headers=headers), unpadded).payload)
    assert error is None and got == data


def test_extra_trailers_come_back_verified() -> None:
    data = payload(10_000)
    trailers = [("x-amz-meta-note", "hello there")]
    request, wire = signed_stream(data, mode="signed-trailer", checksum="crc32", trailers=trailers)
    reader = verified(request, wire).payload
    assert reader.read() == data
    assert reader.trailers == (("x-amz-checksum-crc32", ref.checksum("crc32", data)), *trailers)


def test_read_sizes_and_readinto() -> None:
    data = payload(150_000)
    request, wire = signed_stream(data, mode="signed-trailer", checksum="sha256")
    reader = verified(request, wire).payload
    out = bytearray(150_000 + 10)
    view = memoryview(out)
    total = 0
    while True:
        n = reader.readinto(view[total : total + 4097])
        if not n:
            break
        total += n
    assert bytes(out[:total]) == data
    reader2 = verified(request, wire).payload
    assert b"".join(reader2.iter_chunks()) == data
    assert reader2.read(10) == b"" and reader2.read() == b""


def test_upper_case_hex_sizes_are_accepted() -> None:
    data = payload(50_000)
    chunks = ref.cut(data, [0xABCD])  # a size with hex letters
    request, wire = crafted(chunks, upper_hex=True)
    assert b"ABCD;" in wire
    got, error = read_all(verified(request, wire).payload)
    assert error is None and got == data


def test_a_source_without_readline_and_with_short_reads() -> None:
    data = payload(100_000)
    request, wire = signed_stream(data, mode="unsigned-trailer", checksum="crc64nvme")
    source = OnlyRead(wire, step=333)
    got, error = read_all(verified(request, source).payload)
    assert error is None and got == data


def test_never_reads_past_content_length() -> None:
    data = payload(20_000)
    request, wire = signed_stream(data, mode="signed")
    source = OnlyRead(wire + b"NEXT REQUEST ON THE SAME CONNECTION", step=10**9)
    got, error = read_all(verified(request, source).payload)
    assert error is None and got == data
    assert source.position == len(wire)


def test_http_chunked_request_reads_to_the_end_of_the_source() -> None:
    # (botocore sends aws-chunked inside Transfer-Encoding: chunked, without Content-Length: the
    # server gives the de-chunked body, which must end where the aws-chunked body ends)
    data = payload(20_000)
    request, wire = signed_stream(
        data, mode="unsigned-trailer", checksum="crc32", unsigned_headers=["content-length"]
    )
    headers = [(n, v) for n, v in request.headers if n.lower() != "content-length"]
    request = request.replace(headers=[*headers, ("Transfer-Encoding", "chunked")])
    got, error = read_all(verified(request, io.BytesIO(wire)).payload)
    assert error is None and got == data
    _, error = read_all(verified(request, io.BytesIO(wire + b"x")).payload)
    assert error is not None and error.code == "IncompleteBody"


# -- what Verified says about the payload -------------------------------------------------------


def _sign(headers: Any, body: Any, **options: Any) -> Request:
    return signer(**options).sign(Request("PUT", URL, headers, body), CREDS, AT).request


@pytest.mark.parametrize(
    "headers, signed_body, given_body, checked",
    [
        ({}, b"abc", b"abc", True),
        ({}, b"abc", PayloadHash(hashlib.sha256(b"abc").hexdigest()), True),
        ({}, b"abc", UNSIGNED_PAYLOAD, False),
        ({"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}, b"abc", b"abc", False),
        ({"x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-EVENTS"}, b"", b"", False),
    ],
)
def test_payload_checked(headers: Any, signed_body: bytes, given_body: Any, checked: bool) -> None:
    request = _sign(headers, signed_body)
    result = signers.verify(request.replace(body=given_body), KEYS, now=AT)
    assert result.payload_checked is checked
    assert result.payload is None
    assert result.as_dict()["payload_checked"] is checked
    assert f"payload_checked={checked}" in repr(result)


def test_a_streaming_request_without_its_wire_body_is_not_checked() -> None:
    request, _ = signed_stream(payload(100))
    result = verified(request, UNSIGNED_PAYLOAD)
    assert result.payload_checked is False and result.payload is None


def test_legacy_schemes_report_the_payload_unchecked() -> None:
    s3v2 = signers.get_signer("s3-v2")
    request = s3v2.sign(Request("PUT", URL, body=b"abc"), CREDS, dt.datetime.now(dt.timezone.utc))
    result = signers.verify(request.request, KEYS)
    assert result.payload_checked is False


def _raw_seed(declared: str) -> Request:
    """A request signed step by step (not by sigbridge, which refuses to sign an unknown mode)."""
    import hmac

    headers = {"host": "s3.amazonaws.com", "x-amz-content-sha256": declared, "x-amz-date": TIME}
    names = sorted(headers)
    creq = "\n".join(
        [
            "PUT",
            "/examplebucket/chunkObject.txt",
            "",
            "".join(f"{n}:{headers[n]}\n" for n in names),
            ";".join(names),
            declared,
        ]
    )
    scope = "20130524/us-east-1/s3/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", TIME, scope, hashlib.sha256(creq.encode()).hexdigest()])
    key = ref.signing_key(CREDS.secret_key, "20130524", "us-east-1", "s3")
    signature = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={CREDS.access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return Request(
        "PUT",
        URL,
        [
            ("x-amz-content-sha256", declared),
            ("x-amz-date", TIME),
            ("Authorization", authorization),
        ],
    )


def test_a_streaming_value_aws_does_not_define_is_refused() -> None:
    good = _raw_seed("STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    assert signers.verify(good, KEYS, now=AT).payload_checked is True  # (the step-by-step seed)
    for body in (b"anything", UNSIGNED_PAYLOAD, io.BytesIO(b"0\r\n\r\n")):
        with pytest.raises(InvalidArgument) as caught:
            signers.verify(_raw_seed("STREAMING-NOT-A-REAL-MODE").replace(body=body), KEYS, now=AT)
        assert caught.value.code == "InvalidArgument"


def test_an_ecdsa_mode_with_an_hmac_seed_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="AWS4-HMAC-SHA256"):
        signers.verify(_raw_seed("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"), KEYS, now=AT)


def test_a_file_body_needs_a_streaming_request() -> None:
    request = _sign({}, b"abc")
    with pytest.raises(InvalidRequest) as caught:
        signers.verify(request.replace(body=io.BytesIO(b"abc")), KEYS, now=AT)
    assert caught.value.field == "body"


@pytest.mark.parametrize("limit, code", [(4096, None), (8192, "InvalidChunkSizeError")])
def test_max_chunk_size(limit: int, code: Optional[str]) -> None:
    request, wire = signed_stream(payload(70_000))
    if code is None:
        with pytest.raises(InvalidOption):
            verified(request, wire, max_chunk_size=limit)
        return
    got, error = read_all(verified(request, wire, max_chunk_size=limit).payload)
    assert got == b"" and error is not None and error.code == code
    assert ("BadChunkSize", "65536") in error.details


def test_verified_payload_over_a_socket_like_file() -> None:
    # A server's socket file: a BufferedReader over a raw stream that must not be read past
    # Content-Length (another request may follow on the connection).
    data = payload(200_000)
    request, wire = signed_stream(data, mode="signed-trailer", checksum="crc32c")
    raw = io.BufferedReader(io.BytesIO(wire + b"GET / HTTP/1.1\r\n"), buffer_size=8192)  # type: ignore[arg-type]
    result = verified(request, raw)
    got, error = read_all(result.payload, 1 << 20)
    assert error is None and got == data
    assert raw.read() == b"GET / HTTP/1.1\r\n"


@pytest.mark.parametrize("mode", MODES)
def test_verification_memory_is_bounded_by_the_chunk(mode: str, tmp_path: Any) -> None:
    import tracemalloc

    chunk = 65536
    request, wire = signed_stream(
        payload(8 * 1024 * 1024), mode=mode, checksum=None if mode == "signed" else "CRC32"
    )
    path = tmp_path / "wire"
    path.write_bytes(wire)
    del wire
    small, small_wire = signed_stream(b"warm", mode=mode, checksum="CRC32")
    read_all(verified(small, small_wire).payload)  # (first-use imports are not the stream's)
    with open(path, "rb") as source:
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            reader = verified(request, source).payload
            total = sum(len(piece) for piece in iter(lambda: reader.read(chunk), b""))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert total == 8 * 1024 * 1024 and reader.complete
    assert peak - start < 4 * chunk, peak - start
