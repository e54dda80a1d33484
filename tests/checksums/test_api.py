"""The public surface: names, header names, backends, the running object, and bad input."""

from __future__ import annotations

import array
import subprocess
import sys
import types
from typing import Any

import pytest

from signers import checksums
from signers.errors import InvalidOption, InvalidRequest, MissingDependency, SigningError


def test_algorithms_and_all() -> None:
    assert checksums.ALGORITHMS == ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
    for name in (
        "ALGORITHMS",
        "Checksum",
        "normalize",
        "header_name",
        "new",
        "checksum",
        "backend",
    ):
        assert name in checksums.__all__


@pytest.mark.parametrize(
    "given, expected",
    [
        ("crc32c", "CRC32C"),
        ("CRC32C", "CRC32C"),
        ("Crc64Nvme", "CRC64NVME"),
        ("x-amz-checksum-crc32c", "CRC32C"),
        ("X-Amz-Checksum-SHA256", "SHA256"),
        (" sha1 ", "SHA1"),
        ("crc32", "CRC32"),
    ],
)
def test_normalize(given: str, expected: str) -> None:
    assert checksums.normalize(given) == expected


@pytest.mark.parametrize("bad", ["md5", "crc-32c", "", "x-amz-checksum-", "SHA512", "crc32c\nsha1"])
def test_unknown_names_raise_one_line_naming_the_field(bad: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        checksums.normalize(bad, field="x-amz-sdk-checksum-algorithm")
    message = str(caught.value)
    assert message.startswith("x-amz-sdk-checksum-algorithm ")
    assert "CRC32, CRC32C, CRC64NVME, SHA1, SHA256" in message
    assert "\n" not in message
    assert caught.value.field == "x-amz-sdk-checksum-algorithm"


def test_trailing_newline_is_trimmed() -> None:
    assert checksums.normalize("crc32c\n") == "CRC32C"


def test_non_string_name_and_long_names() -> None:
    with pytest.raises(
        InvalidOption, match=r"^checksum of type int is unknown; choose one of CRC32,"
    ):
        checksums.normalize(32)  # type: ignore[arg-type]
    with pytest.raises(InvalidOption) as caught:
        checksums.new("z" * 5000)
    assert len(str(caught.value)) < 200 and caught.value.field == "algorithm"


def test_header_name() -> None:
    assert checksums.header_name("CRC32C") == "x-amz-checksum-crc32c"
    assert checksums.header_name("crc64nvme") == "x-amz-checksum-crc64nvme"
    assert checksums.header_name("x-amz-checksum-SHA256") == "x-amz-checksum-sha256"
    with pytest.raises(InvalidOption, match=r"^algorithm 'md5'"):
        checksums.header_name("md5")


@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
@pytest.mark.parametrize("bad", ["text", 12, None, ["a"], 1.5])
def test_non_bytes_data_raises_naming_the_field(algorithm: str, bad: Any) -> None:
    for call in (
        lambda: checksums.checksum(algorithm, bad),
        lambda: checksums.new(algorithm, backend="python").update(bad),
    ):
        with pytest.raises(InvalidRequest) as caught:
            call()
        assert caught.value.field == "data"
        assert str(caught.value).startswith(f"data for checksum {algorithm} must be bytes-like")
        assert isinstance(caught.value, SigningError)


@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
@pytest.mark.parametrize("backend", ["python", None])
def test_buffers_of_any_format_are_their_bytes(algorithm: str, backend: Any) -> None:
    words = array.array("I", range(1000))
    raw = words.tobytes()
    forms = [bytearray(raw), memoryview(raw), words, memoryview(words), memoryview(raw)[8:]]
    meant = [raw, raw, raw, raw, raw[8:]]
    for form, same_as in zip(forms, meant):
        expected = checksums.checksum(algorithm, same_as, backend="python")
        assert checksums.checksum(algorithm, form, backend=backend) == expected
    with pytest.raises(InvalidRequest, match="contiguous"):
        checksums.checksum(algorithm, memoryview(raw)[::2], backend=backend)


@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
def test_digest_does_not_finalize_and_copy_is_independent(algorithm: str) -> None:
    running = checksums.new(algorithm, backend="python")
    running.update(b"hello ")
    first = running.digest()
    twin = running.copy()
    running.update(b"world")
    assert twin.digest() == first
    twin.update(b"world")
    assert twin.digest() == running.digest()
    assert running.hexdigest() == running.digest().hex()
    assert running.digest() == _one_shot(algorithm, b"hello world")
    assert len(running.digest()) == running.digest_size
    assert running.name == algorithm
    assert repr(running).startswith(f"<Checksum {algorithm} backend=")


def _one_shot(algorithm: str, data: bytes) -> bytes:
    import base64

    return base64.b64decode(checksums.checksum(algorithm, data, backend="python"))


def test_digest_sizes() -> None:
    sizes = {name: checksums.new(name).digest_size for name in checksums.ALGORITHMS}
    assert sizes == {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32}


def test_unknown_backend() -> None:
    with pytest.raises(InvalidOption, match=r"^backend 'rust' is unknown; choose one of awscrt"):
        checksums.new("crc32c", backend="rust")


def test_stdlib_algorithms_ignore_the_backend_choice() -> None:
    for name in ("CRC32", "SHA1", "SHA256"):
        assert checksums.backend(name) == "stdlib"
        for choice in (None, "python", "awscrt"):
            assert checksums.new(name, backend=choice).backend == "stdlib"


# -- awscrt present, absent or too old ---------------------------------------------------------


@pytest.fixture
def fresh_crt_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget what the module learnt about awscrt, so the test decides what is installed."""
    monkeypatch.setattr(checksums, "_crt_state", [])
    monkeypatch.setattr(checksums, "_crt_cache", {})


def test_without_awscrt(monkeypatch: pytest.MonkeyPatch, fresh_crt_state: None) -> None:
    monkeypatch.setitem(sys.modules, "awscrt", None)  # makes "import awscrt" raise ImportError
    monkeypatch.setitem(sys.modules, "awscrt.checksums", None)
    assert checksums.backend("crc32c") == "python"
    assert checksums.backend("crc64nvme") == "python"
    assert checksums.new("crc32c").backend == "python"
    assert checksums.checksum("crc32c", b"a" * 66560) == "sOO8/Q=="
    with pytest.raises(MissingDependency) as caught:
        checksums.new("crc64nvme", backend="awscrt")
    assert str(caught.value) == (
        "checksum backend 'awscrt' needs the awscrt package: pip install 'sigbridge[checksums]'"
    )
    assert caught.value.field == "awscrt"


def _fake_awscrt(monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    package = types.ModuleType("awscrt")
    package.__version__ = version  # type: ignore[attr-defined]
    module = types.ModuleType("awscrt.checksums")
    module.crc32c = lambda data, previous=0: 0x12345678  # type: ignore[attr-defined]
    module.crc64nvme = lambda data, previous=0: 1  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "awscrt", package)
    monkeypatch.setitem(sys.modules, "awscrt.checksums", module)
    package.checksums = module  # type: ignore[attr-defined]


def test_awscrt_too_old_for_crc64nvme(monkeypatch: pytest.MonkeyPatch, fresh_crt_state: None):
    # crc64nvme exists from awscrt 0.21.6 but crashed without AVX until 0.23.7.
    _fake_awscrt(monkeypatch, "0.22.1")
    assert checksums.backend("crc32c") == "awscrt"
    running = checksums.new("crc32c")
    running.update(b"x")
    assert running.digest() == bytes.fromhex("12345678")  # the fake's answer: awscrt was used
    assert checksums.backend("crc64nvme") == "python"
    with pytest.raises(MissingDependency, match=r"awscrt>=0\.23\.7 \(installed: 0\.22\.1\)"):
        checksums.new("crc64nvme", backend="awscrt")


def test_awscrt_new_enough(monkeypatch: pytest.MonkeyPatch, fresh_crt_state: None) -> None:
    _fake_awscrt(monkeypatch, "0.23.7.dev1")
    assert checksums.backend("crc64nvme") == "awscrt"
    running = checksums.new("crc64nvme")
    running.update(b"x")
    assert running.digest() == (1).to_bytes(8, "big")
    assert checksums.new("crc64nvme", backend="python").backend == "python"


@pytest.mark.slow
def test_imports_stay_lazy() -> None:
    script = (
        "import sys, signers\n"
        "assert 'signers.checksums' not in sys.modules\n"
        "from signers import checksums as c\n"
        "assert 'awscrt' not in sys.modules, 'awscrt imported by import'\n"
        "engine = c._PYTHON_CRCS['CRC32C']\n"
        "assert not engine._table and not engine._plans, 'tables built at import'\n"
        "c.checksum('crc32', b'x'); c.checksum('sha256', b'x')\n"
        "assert 'awscrt' not in sys.modules, 'awscrt imported for CRC32/SHA256'\n"
        "c.checksum('crc32c', b'x' * 1000, backend='python')\n"
        "assert 'awscrt' not in sys.modules, 'awscrt imported for a forced python backend'\n"
        "assert engine._table and 512 in engine._plans\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
