"""aws-chunked signing and streaming verification of 100 MiB, against hashlib.sha256 alone.

Each case reports ``throughput_vs_sha256`` in ``extra_info``: the median time of
``hashlib.sha256`` over the same 100 MiB (timed right after, the machine's load changes) divided
by the case's median time; 1.0 would be hashing alone, the target is 0.8 or more.  Signing
consumes ``SignedStream`` to the end (every chunk hashed, signed and framed); verification reads
``Verified.payload`` to the end (every chunk hashed and its signature checked), of a body given
as bytes (read in place) and, for the 64 KiB case, as a file (read a chunk at a time, as a
server's socket file is).  The peak of
traced memory above the baseline (``tracemalloc``, in its own run) is reported as
``peak_memory_vs_chunk`` and must stay under 4 chunks.
Run: ``python -m pytest -o addopts= tests/benchmarks/test_streaming_bench.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import platform
import random
import timeit
import tracemalloc
from typing import Any, Callable, Iterator, Tuple

import pytest

import signers
from signers import Credentials, Request

SIZE = 100 * 1024 * 1024
_BLOCK = random.Random(2024).getrandbits(8 << 20).to_bytes(1 << 20, "little")
DATA = _BLOCK * (SIZE // len(_BLOCK))
AT = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
KEYS = {CREDS.access_key: CREDS}
SIGNER = signers.get_signer("s3v4", region="us-east-1")
REQUEST = Request("PUT", "https://bucket.s3.us-east-1.amazonaws.com/key")
CASES = [
    pytest.param(65536, "signed", None, id="64KiB-signed"),
    pytest.param(1 << 20, "signed", None, id="1MiB-signed"),
    pytest.param(65536, "signed-trailer", "CRC32", id="64KiB-signed-trailer-crc32"),
]


def _sha256_seconds() -> Tuple[float, float]:
    """The median and the best of 7 runs of hashlib.sha256 over the same 100 MiB."""
    runs = sorted(timeit.repeat(lambda: hashlib.sha256(DATA).digest(), number=1, repeat=7))
    return runs[len(runs) // 2], runs[0]


def _pieces(size: int) -> Iterator[bytes]:
    view = memoryview(DATA)
    for start in range(0, SIZE, size):
        yield view[start : start + size]


def _peak(run: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        run()
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


def _report(benchmark: Any, chunk: int, mode: str, peak: int) -> None:
    median, best = benchmark.stats.stats.median, benchmark.stats.stats.min
    sha_median, sha_best = _sha256_seconds()
    benchmark.extra_info.update(
        bytes=SIZE,
        chunk_size=chunk,
        mode=mode,
        MB_per_s=round(SIZE / median / 1e6, 1),
        throughput_vs_sha256=round(sha_median / median, 2),
        best_vs_best_sha256=round(sha_best / best, 2),
        peak_memory_bytes=peak,
        peak_memory_vs_chunk=round(peak / chunk, 2),
        python=platform.python_version(),
    )
    assert peak < 4 * chunk


@pytest.mark.parametrize("chunk, mode, checksum", CASES)
def test_sign_stream_100MiB(benchmark: Any, chunk: int, mode: str, checksum: Any) -> None:
    def run() -> int:
        stream = SIGNER.sign_stream(
            REQUEST, CREDS, DATA, AT, mode=mode, chunk_size=chunk, checksum=checksum
        )
        return sum(len(wire) for wire in stream)

    benchmark.group = "aws-chunked signing of 100 MiB"
    total = benchmark.pedantic(run, rounds=7, iterations=1, warmup_rounds=1)
    assert total > SIZE

    def from_pieces() -> None:  # (the body made as it is read, so memory is the signer's alone)
        stream = SIGNER.sign_stream(
            Request("PUT", REQUEST.url, {"x-amz-decoded-content-length": str(SIZE)}),
            CREDS, _pieces(chunk), AT, mode=mode, chunk_size=chunk, checksum=checksum,
        )  # fmt: skip
        for _ in stream:
            pass

    _report(benchmark, chunk, mode, _peak(from_pieces))


def _signed(chunk: int, mode: str, checksum: Any) -> Tuple[Request, bytes]:
    stream = SIGNER.sign_stream(
        REQUEST, CREDS, DATA, AT, mode=mode, chunk_size=chunk, checksum=checksum
    )
    return stream.request, b"".join(stream)


def _verify_and_read(request: Request) -> int:
    """Verify ``request`` and read its whole payload through the checked reader: the bytes read."""
    payload = signers.verify(request, KEYS, now=AT).payload
    total = 0
    for piece in iter(lambda: payload.read(1 << 20), b""):
        total += len(piece)
    return total


@pytest.mark.parametrize("chunk, mode, checksum", CASES)
def test_verify_stream_100MiB(
    benchmark: Any, tmp_path: Any, chunk: int, mode: str, checksum: Any
) -> None:
    request, wire = _signed(chunk, mode, checksum)

    def run() -> int:
        return _verify_and_read(request.replace(body=wire))

    benchmark.group = "aws-chunked verification of 100 MiB"
    assert benchmark.pedantic(run, rounds=7, iterations=1, warmup_rounds=1) == SIZE

    path = tmp_path / "wire"
    path.write_bytes(wire)

    def from_file() -> None:  # (read from disk, so memory is the verifier's alone)
        with open(path, "rb") as source:
            result = signers.verify(request.replace(body=source), KEYS, now=AT)
            for _ in iter(lambda: result.payload.read(chunk), b""):
                pass

    _report(benchmark, chunk, mode, _peak(from_file))


def test_verify_stream_100MiB_from_a_file(benchmark: Any) -> None:
    """Verification of a body given as a file object (64 KiB chunks), for comparison with bytes."""
    request, wire = _signed(65536, "signed", None)

    def run() -> int:
        return _verify_and_read(request.replace(body=io.BytesIO(wire)))

    benchmark.group = "aws-chunked verification of 100 MiB"
    assert benchmark.pedantic(run, rounds=7, iterations=1, warmup_rounds=1) == SIZE
    median, best = benchmark.stats.stats.median, benchmark.stats.stats.min
    sha_median, sha_best = _sha256_seconds()
    benchmark.extra_info.update(
        throughput_vs_sha256=round(sha_median / median, 2),
        best_vs_best_sha256=round(sha_best / best, 2),
    )


def test_wire_from_a_file_object(benchmark: Any) -> None:
    """Signing from a binary file (read a chunk at a time), for comparison with bytes."""
    source = io.BytesIO(DATA)

    def run() -> int:
        source.seek(0)
        return sum(len(w) for w in SIGNER.sign_stream(REQUEST, CREDS, source, AT))

    benchmark.group = "aws-chunked signing of 100 MiB"
    assert benchmark.pedantic(run, rounds=3, iterations=1) > SIZE
    median, best = benchmark.stats.stats.median, benchmark.stats.stats.min
    sha_median, sha_best = _sha256_seconds()
    benchmark.extra_info.update(
        throughput_vs_sha256=round(sha_median / median, 2),
        best_vs_best_sha256=round(sha_best / best, 2),
    )
