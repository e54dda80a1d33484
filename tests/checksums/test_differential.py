"""Differential tests: streaming equals one-shot, and every route agrees with an independent one
(the bit-by-bit reference in this folder, zlib and hashlib, awscrt, botocore's checksum classes).
"""

from __future__ import annotations

import hashlib
import random
import zlib
from typing import Any, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signers import checksums

from .crc_reference import MODELS, Model, crc, reflect

CRCS = ["CRC32C", "CRC64NVME"]
SETTINGS = settings(max_examples=150, deadline=None)
# Lengths around the points where the python engine changes method: the byte table below 128
# bytes, power-of-two blocks folded above, 64 KiB blocks at most.
EDGE_LENGTHS = [0, 1, 7, 8, 127, 128, 129, 255, 256, 257, 1000, 4095, 4096, 65535, 65536, 65537]


def _random_bytes(seed: int, length: int) -> bytes:
    return random.Random(seed).getrandbits(8 * length).to_bytes(length, "little") if length else b""


def _oracle(algorithm: str, data: bytes) -> bytes:
    """The digest by a route that is not signers.checksums."""
    if algorithm == "SHA1":
        return hashlib.sha1(data).digest()
    if algorithm == "SHA256":
        return hashlib.sha256(data).digest()
    if algorithm == "CRC32":
        return zlib.crc32(data).to_bytes(4, "big")
    model = MODELS[algorithm]
    return crc(model, data).to_bytes(model.width // 8, "big")


def _pieces(data: bytes, cuts: List[int]) -> List[bytes]:
    points = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:])]


def _crt_or_skip(algorithm: str) -> None:
    if checksums.backend(algorithm) != "awscrt":
        pytest.skip(f"awscrt cannot compute {algorithm} here (not installed, or older than 0.23.7)")


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
@SETTINGS
@given(data=st.binary(max_size=600), cuts=st.lists(st.integers(0, 600), max_size=6))
def test_streaming_equals_one_shot_and_the_oracle(
    algorithm: str, data: bytes, cuts: List[int]
) -> None:
    expected = _oracle(algorithm, data)
    running = checksums.new(algorithm, backend="python")
    for piece in _pieces(data, cuts):
        running.update(piece)
    assert running.digest() == expected
    one_shot = checksums.new(algorithm, backend="python")
    one_shot.update(data)
    assert one_shot.digest() == expected


@pytest.mark.parametrize("algorithm", CRCS)
@pytest.mark.parametrize("length", EDGE_LENGTHS)
def test_python_engine_matches_the_bitwise_reference_at_the_edges(algorithm: str, length: int):
    data = _random_bytes(length, length)
    if length > 5000:  # the bit-by-bit model would take seconds: check the last 4 KiB split off
        head, tail = data[:-4096], data[-4096:]
        running = checksums.new(algorithm, backend="python")
        running.update(head)
        model = MODELS[algorithm]
        # Continuing a CRC from a value v is the model with init = reflect(v ^ xorout) -- written
        # from the model's definition, not from the engine.
        value = int.from_bytes(running.digest(), "big")
        follow = Model(
            model.name,
            model.width,
            model.poly,
            reflect(value ^ model.xorout, model.width),
            model.refin,
            model.refout,
            model.xorout,
            model.check,
        )
        running.update(tail)
        assert int.from_bytes(running.digest(), "big") == crc(follow, tail)
    else:
        running = checksums.new(algorithm, backend="python")
        running.update(data)
        assert running.digest() == _oracle(algorithm, data)


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", CRCS)
@SETTINGS
@given(
    seed=st.integers(0, 2**32),
    length=st.integers(0, 300_000),
    cuts=st.lists(st.integers(0, 300_000), max_size=8),
)
def test_python_backend_matches_awscrt(algorithm: str, seed: int, length: int, cuts: List[int]):
    _crt_or_skip(algorithm)
    data = _random_bytes(seed, length)
    python = checksums.new(algorithm, backend="python")
    crt = checksums.new(algorithm, backend="awscrt")
    for piece in _pieces(data, cuts):
        python.update(piece)
        crt.update(piece)
        assert python.digest() == crt.digest()  # digest() does not finalize
    assert python.b64digest() == crt.b64digest()


@pytest.mark.parametrize("algorithm", CRCS)
@pytest.mark.parametrize("length", [1 << 20, 3 * (1 << 20) + 12345])
def test_python_backend_matches_awscrt_on_megabytes(algorithm: str, length: int) -> None:
    _crt_or_skip(algorithm)
    data = _random_bytes(length, length)
    assert checksums.checksum(algorithm, data, backend="python") == checksums.checksum(
        algorithm, data, backend="awscrt"
    )


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
@SETTINGS
@given(seed=st.integers(0, 2**32), length=st.integers(0, 100_000))
def test_stdlib_algorithms_match_zlib_and_hashlib(algorithm: str, seed: int, length: int) -> None:
    data = _random_bytes(seed, length)
    assert checksums.new(algorithm).backend == "stdlib"
    running = checksums.new(algorithm)
    running.update(data)
    assert running.digest() == _oracle(algorithm, data)


# -- botocore as the oracle ---------------------------------------------------------------------


def _botocore_class(algorithm: str) -> Any:
    httpchecksum = pytest.importorskip("botocore.httpchecksum")
    names = {
        "CRC32": "Crc32Checksum",
        "CRC32C": "CrtCrc32cChecksum",
        "CRC64NVME": "CrtCrc64NvmeChecksum",
        "SHA1": "Sha1Checksum",
        "SHA256": "Sha256Checksum",
    }
    if algorithm in CRCS:
        from botocore.compat import HAS_CRT

        if not HAS_CRT:
            pytest.skip(f"botocore computes {algorithm} only through awscrt, which is absent")
        _crt_or_skip(algorithm)
    cls = getattr(httpchecksum, names[algorithm], None)
    if cls is None:
        pytest.skip(f"this botocore has no {names[algorithm]}")
    return cls


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
@pytest.mark.parametrize("backend", ["python", None])
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), length=st.integers(0, 200_000))
def test_base64_values_match_botocore(algorithm: str, backend: Any, seed: int, length: int) -> None:
    cls = _botocore_class(algorithm)
    data = _random_bytes(seed, length)
    theirs = cls()
    theirs.update(data)
    assert checksums.checksum(algorithm, data, backend=backend) == theirs.b64digest()


@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
def test_botocore_lookup_by_name_agrees(algorithm: str) -> None:
    # botocore chooses its class from the lower-case name S3 uses in x-amz-checksum-<name>.
    _botocore_class(algorithm)
    from botocore.httpchecksum import _CHECKSUM_CLS

    data = _random_bytes(7, 70_000)
    theirs = _CHECKSUM_CLS[algorithm.lower()]()
    theirs.update(data)
    assert checksums.header_name(algorithm) == "x-amz-checksum-" + algorithm.lower()
    assert checksums.checksum(algorithm, data, backend="python") == theirs.b64digest()
