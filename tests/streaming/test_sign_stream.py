"""sign_stream: the seed's headers, the wire body against the step-by-step reference, the body
kinds, SigV4A's padding, checksums and trailers, and the refusals."""

from __future__ import annotations

import io
import tracemalloc
from typing import Any, Iterator, List

import pytest

import signers
from signers import InvalidOption, InvalidRequest, Request, SigningError
from signers.streaming import ChunkSigner, encoded_length, trailer_string_to_sign

from . import _reference as ref
from ._support import (
    ALGORITHMS,
    AT,
    CREDS,
    MODES,
    SCOPE,
    SCOPE_A,
    TIME,
    URL,
    headers_of,
    payload,
    signer,
)

KEY = ref.signing_key(CREDS.secret_key, "20130524", "us-east-1", "s3")
SIZES = [0, 1, 8191, 65536, 65537, 200_000]


def _bodies(data: bytes) -> List[Any]:
    return [
        data,
        bytearray(data),
        io.BytesIO(data),
        ref.pieces(data, [1, 5000, 70_000, 3]),  # uneven pieces, bigger and smaller than a chunk
        iter([data]) if data else iter([]),
    ]


# -- the wire body, byte for byte ---------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", SIZES)
def test_wire_matches_the_reference(mode: str, size: int) -> None:
    data = payload(size)
    checksum = None if mode == "signed" else "CRC32"
    for body in _bodies(data):
        stream = signer().sign_stream(
            Request("PUT", URL), CREDS, body, AT, mode=mode, checksum=checksum
        )
        trailers = (
            [] if checksum is None else [("x-amz-checksum-crc32", ref.checksum("crc32", data))]
        )
        expected, sent = ref.frame(
            ref.cut(data, [65536]),
            mode=mode,
            seed=stream.seed_signature,
            sign=ref.hmac_signer(KEY),
            time=TIME,
            scope=SCOPE,
            trailers=trailers,
        )
        wire = b"".join(stream)
        assert wire == expected, type(body).__name__
        if mode != "unsigned-trailer":
            assert stream.last_signature == sent[-1]
        assert stream.trailers == tuple(trailers)


def test_docs_example_headers_and_length() -> None:
    request = Request("PUT", URL, [("x-amz-storage-class", "REDUCED_REDUNDANCY")])
    stream = signer().sign_stream(request, CREDS, b"a" * 66560, AT)
    headers = headers_of(stream.request)
    assert headers["content-encoding"] == "aws-chunked"
    assert headers["x-amz-content-sha256"] == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    assert headers["x-amz-decoded-content-length"] == "66560"
    assert headers["content-length"] == "66824"  # the page's Content-Length
    assert "x-amz-trailer" not in headers
    assert (
        stream.seed_signature == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    )
    assert stream.request.body is signers.UNSIGNED_PAYLOAD
    assert len(b"".join(stream)) == stream.content_length == 66824


def test_parts_carry_each_string_to_sign() -> None:
    stream = signer().sign_stream(Request("PUT", URL), CREDS, b"a" * 66560, AT)
    parts = list(stream.parts())
    assert [(p.kind, p.size) for p in parts] == [("chunk", 65536), ("chunk", 1024), ("final", 0)]
    prior = stream.seed_signature
    for part, data in zip(parts, [b"a" * 65536, b"a" * 1024, b""]):
        sts = ref.chunk_string(prior, data, TIME, SCOPE, "AWS4-HMAC-SHA256-PAYLOAD")
        assert part.string_to_sign == sts
        assert part.signature == ref.hmac_signer(KEY)(sts)
        prior = part.signature


@pytest.mark.parametrize("size", [0, 100, 70_000])
def test_read_in_small_pieces_gives_the_same_bytes(size: int) -> None:
    data = payload(size)
    whole = b"".join(signer().sign_stream(Request("PUT", URL), CREDS, data, AT))
    stream = signer().sign_stream(Request("PUT", URL), CREDS, data, AT)
    got = []
    while True:
        piece = stream.read(999)
        if not piece:
            break
        assert len(piece) <= 999
        got.append(piece)
    assert b"".join(got) == whole


def test_the_body_is_read_once() -> None:
    stream = signer().sign_stream(Request("PUT", URL), CREDS, io.BytesIO(b"x" * 10), AT)
    assert b"".join(stream)
    with pytest.raises(InvalidRequest, match="already read"):
        list(stream)


@pytest.mark.parametrize("size", [0, 8193, 65536 * 2 + 5])
def test_every_chunk_but_the_last_is_full(size: int) -> None:
    data = payload(size)
    stream = signer().sign_stream(
        Request("PUT", URL), CREDS, ref.pieces(data, [3, 9000]), AT, chunk_size=8192
    )
    sizes = [p.size for p in stream.parts() if p.kind == "chunk"]
    assert all(s == 8192 for s in sizes[:-1])
    assert sum(sizes) == size


# -- SigV4A ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [0, 70_000])
def test_sigv4a_signatures_are_padded_and_verify(mode: str, size: int) -> None:
    pytest.importorskip("cryptography")
    from signers.sigv4a import public_key, verify_signature

    data = payload(size)
    stream = signer(ecdsa=True).sign_stream(
        Request("PUT", URL), CREDS, data, AT, mode=mode, checksum="SHA256"
    )
    assert stream.declaration == signers.streaming.declaration(mode, ecdsa=True)
    key = public_key(CREDS)
    prior = stream.seed_signature
    chunks = iter([*ref.cut(data, [65536]), b""])
    wire = b""
    for part in stream.parts():
        wire += part.wire
        if mode == "unsigned-trailer":
            assert part.signature is None
            continue
        assert part.signature is not None and len(part.signature) == 144
        bare = part.signature.rstrip("*")
        if part.kind == "trailer":
            sts = ref.trailer_string(
                prior, stream.trailers, TIME, SCOPE_A, "AWS4-ECDSA-P256-SHA256-TRAILER"
            )
        else:
            sts = ref.chunk_string(
                prior, next(chunks), TIME, SCOPE_A, "AWS4-ECDSA-P256-SHA256-PAYLOAD"
            )
        assert part.string_to_sign == sts
        assert verify_signature(sts, bare, key)
        prior = bare
    assert len(wire) == stream.content_length


# -- checksums and trailers -------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("mode", ["signed-trailer", "unsigned-trailer"])
def test_checksum_trailer(algorithm: str, mode: str) -> None:
    data = payload(100_000)
    stream = signer().sign_stream(
        Request("PUT", URL), CREDS, io.BytesIO(data), AT, mode=mode, checksum=algorithm.lower()
    )
    name = f"x-amz-checksum-{algorithm.lower()}"
    assert headers_of(stream.request)["x-amz-trailer"] == name
    wire = b"".join(stream)
    value = ref.checksum(algorithm, data)
    assert f"\r\n{name}:{value}\r\n".encode() in wire
    assert stream.checksum_value == value
    assert len(wire) == stream.content_length


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_signed_mode_sends_the_checksum_as_a_signed_header(algorithm: str) -> None:
    data = payload(9000)
    stream = signer().sign_stream(Request("PUT", URL), CREDS, data, AT, checksum=algorithm)
    name = f"x-amz-checksum-{algorithm.lower()}"
    assert headers_of(stream.request)[name] == ref.checksum(algorithm, data)
    assert name in stream.signed.artifacts.signed_headers.split(";")
    assert b"x-amz-checksum" not in b"".join(stream)


def test_extra_trailers_are_declared_and_signed() -> None:
    data = payload(10)
    trailers = [("x-amz-meta-Colour", "blue"), ("x-amz-meta-size", " 10 ")]
    stream = signer().sign_stream(
        Request("PUT", URL),
        CREDS,
        data,
        AT,
        mode="signed-trailer",
        checksum="crc32c",
        trailers=trailers,
    )
    assert (
        headers_of(stream.request)["x-amz-trailer"]
        == "x-amz-checksum-crc32c,x-amz-meta-Colour,x-amz-meta-size"
    )
    parts = list(stream.parts())
    sent = [("x-amz-checksum-crc32c", ref.checksum("crc32c", data)), *trailers]
    assert parts[-1].string_to_sign == ref.trailer_string(
        parts[-2].signature or "", sent, TIME, SCOPE, "AWS4-HMAC-SHA256-TRAILER"
    )
    assert parts[-1].signature == ref.hmac_signer(KEY)(parts[-1].string_to_sign or "")
    assert parts[-1].string_to_sign == trailer_string_to_sign(
        parts[-2].signature or "", sent, request_time=TIME, scope=SCOPE
    )


def test_content_length_signed_or_not_by_unsigned_headers() -> None:
    plain = signer().sign_stream(Request("PUT", URL), CREDS, b"abc", AT)
    assert "content-length" in plain.signed.artifacts.signed_headers.split(";")
    unsigned = signer(unsigned_headers=["content-length"]).sign_stream(
        Request("PUT", URL), CREDS, b"abc", AT
    )
    assert "content-length" not in unsigned.signed.artifacts.signed_headers.split(";")
    assert headers_of(unsigned.request)["content-length"] == str(unsigned.content_length)


def test_unknown_length_sends_no_content_length_unless_declared() -> None:
    data = payload(70_000)
    stream = signer().sign_stream(Request("PUT", URL), CREDS, iter([data]), AT)
    headers = headers_of(stream.request)
    assert "content-length" not in headers and "x-amz-decoded-content-length" not in headers
    declared = signer().sign_stream(
        Request("PUT", URL, [("x-amz-decoded-content-length", "70000")]), CREDS, iter([data]), AT
    )
    assert headers_of(declared.request)["content-length"] == str(len(b"".join(declared)))


def test_a_body_longer_than_declared_is_refused_while_sent() -> None:
    stream = signer().sign_stream(
        Request("PUT", URL, [("x-amz-decoded-content-length", "5")]), CREDS, iter([b"123456"]), AT
    )
    with pytest.raises(InvalidRequest, match="x-amz-decoded-content-length"):
        b"".join(stream)


def test_content_encoding_goes_first() -> None:
    stream = signer().sign_stream(
        Request("PUT", URL, {"Content-Encoding": "gzip"}), CREDS, b"z", AT
    )
    assert headers_of(stream.request)["content-encoding"] == "aws-chunked,gzip"


def test_encoded_length_is_the_wire_length() -> None:
    for size in (0, 1, 65536, 200_001):
        for mode in MODES:
            trailers = [] if mode == "signed" else [("x-amz-checksum-crc32", "AAAAAA==")]
            wire, _ = ref.frame(
                ref.cut(b"x" * size, [65536]), mode=mode, seed="0" * 64,
                sign=ref.hmac_signer(KEY), time=TIME, scope=SCOPE, trailers=trailers,
            )  # fmt: skip
            assert encoded_length(size, mode=mode, trailers=trailers) == len(wire)


# -- the staged API -----------------------------------------------------------------------------


def test_chunk_signer_chains_and_keeps_order() -> None:
    chain = signer().chunk_signer(
        CREDS,
        seed_signature="4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        at=AT,
    )
    assert chain.sign_chunk(b"a" * 65536).signature.startswith("ad80c730")
    assert chain.sign_chunk(b"a" * 1024).signature.startswith("0055627c")
    assert chain.sign_chunk(b"").signature.startswith("b6c6ea8a")
    assert chain.sign_trailer(
        [("first", "1st"), ("second", "2nd"), ("third", "3rd")]
    ).signature.startswith("df5735bd")
    with pytest.raises(InvalidRequest):
        chain.sign_chunk(b"more")
    with pytest.raises(InvalidRequest):
        chain.sign_trailer([])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"scope": "20130524/us-east-1/s3"},
        {"scope": "20130525/us-east-1/s3/aws4_request"},
        {"request_time": "2013-05-24"},
        {"seed_signature": "not hex!"},
        {"algorithm": "HMAC"},
        {"scope": SCOPE, "algorithm": "AWS4-ECDSA-P256-SHA256"},
    ],
)
def test_chunk_signer_refuses_bad_arguments(kwargs: Any) -> None:
    args = {"seed_signature": "0" * 64, "request_time": TIME, "scope": SCOPE, **kwargs}
    with pytest.raises(SigningError) as caught:
        ChunkSigner(CREDS, **args)
    assert "\n" not in str(caught.value) and CREDS.secret_key not in str(caught.value)


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, field",
    [
        (lambda s: s.sign_stream(Request("PUT", URL), CREDS, b"", AT, mode="chunked"), "mode"),
        (
            lambda s: s.sign_stream(Request("PUT", URL), CREDS, b"", AT, chunk_size=8191),
            "chunk_size",
        ),
        (
            lambda s: s.sign_stream(Request("PUT", URL), CREDS, b"", AT, chunk_size=True),
            "chunk_size",
        ),
        (
            lambda s: s.sign_stream(Request("PUT", URL), CREDS, b"", AT, chunk_size=2**24 + 1),
            "chunk_size",
        ),
        (lambda s: s.sign_stream(Request("PUT", URL), CREDS, b"", AT, checksum="md5"), "checksum"),
        (
            lambda s: s.sign_stream(Request("PUT", URL), CREDS, iter([b"a"]), AT, checksum="crc32"),
            "checksum",
        ),
        (
            lambda s: s.sign_stream(Request("PUT", URL), CREDS, b"", AT, trailers=[("a", "b")]),
            "mode",
        ),
        (lambda s: s.sign_stream(Request("PUT", URL), CREDS, "text", AT), "body"),
        (lambda s: s.sign_stream(Request("PUT", URL), CREDS, 42, AT), "body"),
        (lambda s: s.sign_stream(Request("PUT", URL), CREDS, io.StringIO("x"), AT), "body"),
        (lambda s: s.sign_stream(Request("PUT", URL, body=b"x"), CREDS, b"", AT), "body"),
        (
            lambda s: s.sign_stream(
                Request("PUT", URL, {"x-amz-trailer": "a"}), CREDS, b"", AT, mode="unsigned-trailer"
            ),
            "x-amz-trailer",
        ),
        (
            lambda s: s.sign_stream(
                Request("PUT", URL, {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}), CREDS, b"", AT
            ),
            "x-amz-content-sha256",
        ),
        (
            lambda s: s.sign_stream(
                Request("PUT", URL, {"Content-Length": "3"}), CREDS, b"abc", AT
            ),
            "content-length",
        ),
        (
            lambda s: s.sign_stream(
                Request("PUT", URL, {"x-amz-decoded-content-length": "4"}), CREDS, b"abc", AT
            ),
            "x-amz-decoded-content-length",
        ),
        (
            lambda s: s.sign_stream(
                Request("PUT", URL),
                CREDS,
                b"",
                AT,
                mode="signed-trailer",
                trailers=[("x-amz-trailer-signature", "x")],
            ),
            "trailers",
        ),
        (lambda s: s.sign_stream(Request("PUT", URL), CREDS, iter(["str"]), AT), "body"),
    ],
)
def test_refusals_name_the_field(call: Any, field: str) -> None:
    with pytest.raises(SigningError) as caught:
        stream = call(signer())
        b"".join(stream)
    assert caught.value.field == field
    assert "\n" not in str(caught.value)


def test_presigned_placement_is_refused() -> None:
    query = signers.get_signer("s3v4-query", region="us-east-1")
    with pytest.raises(InvalidOption, match="Authorization header"):
        query.sign_stream(Request("PUT", URL), CREDS, b"", AT)


# -- a file-object body, and the signers that take none ----------------------------------------


def test_request_takes_a_binary_file_and_refuses_a_text_file() -> None:
    source = io.BytesIO(b"abc")
    assert Request("PUT", URL, body=source).body is source
    with pytest.raises(InvalidRequest, match="binary mode"):
        Request("PUT", URL, body=io.StringIO("abc"))


@pytest.mark.parametrize(
    "name, options",
    [
        ("sigv4", {"region": "us-east-1", "service": "s3"}),
        ("s3v4", {"region": "us-east-1"}),
        ("sigv4-query", {"region": "us-east-1", "service": "s3"}),
        ("s3v4-query", {"region": "us-east-1"}),
        ("sigv2", {}),
        ("s3-v2", {}),
        ("s3-v2-query", {}),
        ("sigv4a", {"region": "us-east-1", "service": "s3"}),
        ("sigv4a-query", {"region": "us-east-1", "service": "s3"}),
    ],
)
def test_every_signer_refuses_a_file_body(name: str, options: Any) -> None:
    if name.startswith("sigv4a"):
        pytest.importorskip("cryptography")
    request = Request("PUT", "https://ec2.amazonaws.com/?Action=Run", body=io.BytesIO(b"abc"))
    with pytest.raises(InvalidRequest) as caught:
        signers.get_signer(name, **options).sign(request, CREDS, AT)
    assert caught.value.field == "body"
    assert "sign_stream" in str(caught.value) and "bytes" in str(caught.value)


# -- memory -----------------------------------------------------------------------------------


def _generated(total: int, size: int) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield bytes([start % 251]) * min(size, total - start)


@pytest.mark.parametrize("mode", MODES)
def test_signing_memory_is_bounded_by_the_chunk(mode: str) -> None:
    chunk = 65536
    warm = signer().sign_stream(Request("PUT", URL), CREDS, [b"w"], AT, mode=mode)
    b"".join(warm)  # (first-use imports and caches are not the stream's)
    tracemalloc.start()
    try:
        stream = signer().sign_stream(
            Request("PUT", URL), CREDS, _generated(8 * 1024 * 1024, 50_000), AT, mode=mode,
            chunk_size=chunk, checksum=None if mode == "signed" else "crc32",
        )  # fmt: skip
        if hasattr(tracemalloc, "reset_peak"):  # (3.9+)
            tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        total = sum(len(w) for w in stream)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total > 8 * 1024 * 1024
    assert peak - start < 4 * chunk, peak - start
