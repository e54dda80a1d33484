"""botocore as a test-time oracle: PutObject as botocore sends it today (its default checksum in
an unsigned trailer: ``STREAMING-UNSIGNED-PAYLOAD-TRAILER``, aws-chunked inside HTTP chunked
transfer) must verify with ``signers.verify`` and read back as the data sent.

The request is captured from botocore's own ``before-send`` event and answered there, so nothing
is sent anywhere.  botocore uses trailers only over https, so the endpoint is an https URL on
127.0.0.1 that is never connected to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

import signers
from signers import Request

from . import _reference as ref
from ._support import CREDS, KEYS, payload, read_all

pytest.importorskip("botocore")
import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.config import Config

# heavy: botocore/hypothesis runs or whole-suite scans, left out of the quick loop
pytestmark = pytest.mark.slow

ENDPOINT = "https://127.0.0.1:9"


class _EmptyBody:
    def stream(self, *args: Any, **kwargs: Any) -> Any:
        return iter([b""])


def _capture_put(body: Any, **params: Any) -> Dict[str, Any]:
    """botocore's PutObject request, as it would go on the wire (body read from its wrapper)."""
    try:
        config = Config(
            request_checksum_calculation="when_supported", s3={"addressing_style": "path"}
        )
    except TypeError:
        pytest.skip("this botocore predates flexible checksums by default (1.36)")
    client = botocore.session.get_session().create_client(
        "s3",
        region_name="us-east-1",
        endpoint_url=ENDPOINT,
        aws_access_key_id=CREDS.access_key,
        aws_secret_access_key=CREDS.secret_key,
        config=config,
    )
    captured: Dict[str, Any] = {}

    def before_send(request: Any, **kwargs: Any) -> AWSResponse:
        raw = request.body
        captured["body"] = raw.read() if hasattr(raw, "read") else bytes(raw or b"")
        captured["request"] = request
        return AWSResponse(request.url, 200, {"ETag": '"0"'}, _EmptyBody())

    client.meta.events.register("before-send.s3.PutObject", before_send)
    client.put_object(Bucket="bucket", Key="dir/key.bin", Body=body, **params)
    prepared = captured["request"]
    captured["headers"] = [(_text(k), _text(v)) for k, v in prepared.headers.items()]
    captured["url"] = prepared.url
    return captured


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _request(captured: Dict[str, Any], body: Any) -> Request:
    return Request("PUT", captured["url"], captured["headers"], body)


@pytest.mark.parametrize("size", [0, 10, 3 * 1024 * 1024 + 5])
@pytest.mark.parametrize("algorithm", [None, "CRC32C", "SHA1", "SHA256", "CRC64NVME"])
def test_put_object_verifies(size: int, algorithm: Optional[str]) -> None:
    if algorithm in ("CRC32C", "CRC64NVME"):
        pytest.importorskip("awscrt")
    data = payload(size)
    params = {} if algorithm is None else {"ChecksumAlgorithm": algorithm}
    captured = _capture_put(io.BytesIO(data), **params)
    headers = {name.lower(): value for name, value in captured["headers"]}
    assert headers["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert "aws-chunked" in headers["content-encoding"]
    name = f"x-amz-checksum-{(algorithm or 'crc32').lower()}"
    assert headers["x-amz-trailer"] == name
    for body in (captured["body"], io.BytesIO(captured["body"])):
        result = signers.verify(_request(captured, body), KEYS)
        assert result.payload_checked is True and result.service == "s3"
        got, error = read_all(result.payload)
        assert error is None and got == data
        assert result.payload.trailers == ((name, ref.checksum(algorithm or "crc32", data)),)


def test_put_object_of_bytes_verifies() -> None:
    data = payload(70_000)
    captured = _capture_put(data)
    got, error = read_all(signers.verify(_request(captured, captured["body"]), KEYS).payload)
    assert error is None and got == data


def test_a_changed_byte_of_botocores_body_is_a_bad_digest() -> None:
    data = payload(20_000)
    captured = _capture_put(io.BytesIO(data))
    wire = bytearray(captured["body"])
    wire[wire.index(data[:50]) + 7] ^= 1
    _, error = read_all(signers.verify(_request(captured, bytes(wire)), KEYS).payload)
    assert error is not None and error.code == "BadDigest"


# -- the botocore vector ----------------------------------------------------------------------


def test_the_unsigned_trailer_vector_is_botocores(monkeypatch: Any) -> None:
    """vectors/v4-chunked/botocore-unsigned-trailer: botocore's seed and body, recomputed."""
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    import botocore.httpchecksum as checksum_module

    pytest.importorskip("awscrt")  # (botocore's CRC32C)
    from ..reference.sigv4_oracle import freeze_botocore_clock

    freeze_botocore_clock(monkeypatch, dt.datetime(2013, 5, 24, tzinfo=dt.timezone.utc))
    folder = Path(signers.__file__).resolve().parent.parent / "vectors" / "v4-chunked"
    case = folder / "botocore-unsigned-trailer"
    if not case.is_dir():
        pytest.skip("the vectors are not beside the package here")
    body = b"a" * 66560
    context = {"checksum": {"request_algorithm": {"in": "trailer", "algorithm": "crc32c"}}}
    context["checksum"]["request_algorithm"]["name"] = "x-amz-checksum-crc32c"
    parts: Dict[str, Any] = {
        "headers": {"x-amz-storage-class": "REDUCED_REDUNDANCY", "Content-Length": "66560"},
        "body": body,
        "context": context,
    }
    checksum_module._apply_request_trailer_checksum(parts)
    wrapper = parts["body"]
    wrapper._chunk_size = 65536
    request = botocore.awsrequest.AWSRequest(
        method="PUT",
        url="https://s3.amazonaws.com/examplebucket/chunkObject.txt",
        data=wrapper,
        headers=parts["headers"],
    )
    request.context = context
    auth = botocore.auth.S3SigV4Auth(
        botocore.credentials.Credentials(CREDS.access_key, CREDS.secret_key), "s3", "us-east-1"
    )
    auth.add_auth(request)
    authorization = request.headers["Authorization"]
    del request.headers["Authorization"]
    canonical = auth.canonical_request(request)
    wire = wrapper.read()
    expected = {
        "header-canonical-request.txt": canonical,
        "header-string-to-sign.txt": auth.string_to_sign(request, canonical),
        "header-authorization.txt": authorization,
        "header-signature.txt": authorization.rsplit("Signature=", 1)[1],
        "wire-length.txt": str(len(wire)),
        "wire-sha256.txt": hashlib.sha256(wire).hexdigest(),
    }
    for name, text in expected.items():
        assert (case / name).read_bytes().decode() == text, name
