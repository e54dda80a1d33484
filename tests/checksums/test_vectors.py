"""Published values: the CRC catalogue's check values, RFC 3720's CRC32C examples, the NVMe
specification's CRC-64 examples, FIPS 180's SHA examples and S3's own aws-chunked example.

Every value here was printed by someone else; none comes from ``signers.checksums``.
"""

from __future__ import annotations

import base64
from typing import List, Tuple

import pytest

from signers import checksums

from .crc_reference import MODELS, crc

CHECK = b"123456789"


def _backends(algorithm: str) -> List[str]:
    return ["python", "awscrt"] if algorithm in ("CRC32C", "CRC64NVME") else ["stdlib"]


def _hex_digest(algorithm: str, data: bytes, backend: str) -> str:
    if backend == "awscrt" and checksums.backend(algorithm) != "awscrt":
        pytest.skip(f"awscrt cannot compute {algorithm} here (not installed, or too old)")
    running = checksums.new(algorithm, backend=None if backend == "stdlib" else backend)
    assert running.backend == backend
    running.update(data)
    return running.hexdigest()


# (algorithm, input, value as the publisher prints it as an integer, source)
_INCREMENTING = bytes(i % 256 for i in range(4096))
_DECREMENTING = bytes((4095 - i) % 256 for i in range(4096))
VECTORS: List[Tuple[str, str, bytes, int]] = [
    # CRC RevEng catalogue, "check" = CRC of the ASCII string "123456789"
    ("CRC32", "catalogue check", CHECK, 0xCBF43926),
    ("CRC32C", "catalogue check", CHECK, 0xE3069283),
    ("CRC64NVME", "catalogue check", CHECK, 0xAE8B14860A799888),
    # RFC 3720 (iSCSI) appendix B.4; the RFC lists the CRC bytes as sent, least significant first
    # ("aa 36 91 8a"), which is the integer 0x8A9136AA.
    ("CRC32C", "RFC 3720 B.4, 32 bytes of zeros", bytes(32), 0x8A9136AA),
    ("CRC32C", "RFC 3720 B.4, 32 bytes of ones", b"\xff" * 32, 0x62A8AB43),
    ("CRC32C", "RFC 3720 B.4, 32 incrementing bytes", bytes(range(32)), 0x46DD794E),
    ("CRC32C", "RFC 3720 B.4, 32 decrementing bytes", bytes(range(31, -1, -1)), 0x113FDB5C),
    # NVM Express NVM Command Set Specification 1.0d, 5.2.1.3.5, "CRC-64 test cases" (4 KiB)
    ("CRC64NVME", "NVMe 4 KiB of zeros", bytes(4096), 0x6482D367EB22B64E),
    ("CRC64NVME", "NVMe 4 KiB of ones", b"\xff" * 4096, 0xC0DDBA7302ECA3AC),
    ("CRC64NVME", "NVMe 4 KiB incrementing", _INCREMENTING, 0x3E729F5F6750449C),
    ("CRC64NVME", "NVMe 4 KiB decrementing", _DECREMENTING, 0x9A2DF64B8E9E517E),
    # FIPS 180-2, appendix examples ("abc")
    ("SHA1", "FIPS 180 abc", b"abc", 0xA9993E364706816ABA3E25717850C26C9CD0D89D),
    (
        "SHA256",
        "FIPS 180 abc",
        b"abc",
        0xBA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD,
    ),
]


@pytest.mark.parametrize(
    "algorithm, source, data, expected, backend",
    [
        pytest.param(a, s, d, e, b, id=f"{a}::{s}::{b}")
        for a, s, d, e in VECTORS
        for b in _backends(a)
    ],
)
def test_published_value(algorithm: str, source: str, data: bytes, expected: int, backend: str):
    size = checksums.new(algorithm).digest_size
    assert _hex_digest(algorithm, data, backend) == expected.to_bytes(size, "big").hex()


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME"])
def test_reference_model_reproduces_the_catalogue(algorithm: str) -> None:
    # The bit-by-bit model the other tests trust must itself give the published check value.
    model = MODELS[algorithm]
    assert crc(model, CHECK) == model.check


@pytest.mark.parametrize("backend", ["python", "awscrt"])
def test_s3_aws_chunked_example_trailer(backend: str) -> None:
    # S3 API reference, "Signature calculations for trailing headers (chunked uploads)": the
    # example PUT sends 65536 + 1024 bytes of "a" and the trailer x-amz-checksum-crc32c:sOO8/Q==.
    if backend == "awscrt" and checksums.backend("crc32c") != "awscrt":
        pytest.skip("awscrt not installed")
    running = checksums.new("x-amz-checksum-crc32c", backend=backend)
    running.update(b"a" * 65536)
    running.update(b"a" * 1024)
    assert running.b64digest() == "sOO8/Q=="
    assert checksums.checksum("CRC32C", b"a" * 66560, backend=backend) == "sOO8/Q=="


@pytest.mark.parametrize("algorithm, source, data, expected", [v for v in VECTORS])
def test_header_value_is_base64_of_big_endian_bytes(
    algorithm: str, source: str, data: bytes, expected: int
) -> None:
    size = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32}[algorithm]
    assert checksums.checksum(algorithm, data) == base64.b64encode(
        expected.to_bytes(size, "big")
    ).decode("ascii")


def test_empty_input() -> None:
    # The CRC of nothing is init ^ xorout = 0 for all three CRCs.
    assert checksums.checksum("crc32", b"") == "AAAAAA=="
    assert checksums.checksum("crc32c", b"", backend="python") == "AAAAAA=="
    assert checksums.checksum("crc64nvme", b"", backend="python") == "AAAAAAAAAAA="
    assert checksums.checksum("sha256", b"") == base64.b64encode(
        bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    ).decode("ascii")
