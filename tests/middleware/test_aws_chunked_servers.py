"""aws-chunked uploads through the middleware under real servers (wsgiref, waitress; uvicorn):
botocore's PutObject as it sends it by default (an unsigned trailer with a CRC32, inside HTTP
chunked transfer), ``sign_stream``'s signed and signed-trailer bodies, and bodies changed after
signing, which must come back as AWS's errors and store nothing."""

from __future__ import annotations

import http.client
import zlib
from base64 import b64encode
from typing import Any, Dict, List, Tuple
from urllib.parse import urlsplit

import pytest

from signers.middleware.asgi import VerifyingMiddleware as ASGIMiddleware
from signers.middleware.wsgi import VerifyingMiddleware as WSGIMiddleware
from tests.middleware.chunked import flip, framed, payload, signed_stream
from tests.middleware.support import (
    KEYS,
    TIMEOUT,
    Operations,
    asgi_app,
    botocore_client,
    error_code,
    uvicorn_server,
    waitress_server,
    wsgi_app,
    wsgiref_server,
)

pytest.importorskip("botocore")
from botocore.exceptions import ClientError

pytestmark = pytest.mark.slow


def _wsgiref(operations: Operations, **options: Any) -> Any:
    return wsgiref_server(WSGIMiddleware(wsgi_app(operations), KEYS, **options))


def _waitress(operations: Operations, **options: Any) -> Any:
    pytest.importorskip("waitress")
    return waitress_server(WSGIMiddleware(wsgi_app(operations), KEYS, **options))


def _uvicorn(operations: Operations, **options: Any) -> Any:
    pytest.importorskip("uvicorn")
    return uvicorn_server(ASGIMiddleware(asgi_app(operations), KEYS, **options))


SERVERS = {"wsgiref": _wsgiref, "waitress": _waitress, "uvicorn": _uvicorn}


@pytest.fixture(params=sorted(SERVERS))
def server(request: Any) -> Any:
    return SERVERS[request.param]


def _put(url: str, target: str, headers: List[Tuple[str, str]], body: bytes) -> Tuple[int, bytes]:
    connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=TIMEOUT)
    try:
        connection.request("PUT", target, body=body, headers=dict(headers))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _crc32(data: bytes) -> str:
    return b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


@pytest.mark.parametrize("name", ["waitress", "uvicorn"])
def test_botocore_put_object_streams_through_and_reads_back(name: str) -> None:
    operations = Operations()
    data = payload(200_000)
    with SERVERS[name](operations) as url:
        s3 = botocore_client("s3", url, as_if_https=True)
        captured: Dict[str, Any] = {}
        s3.meta.events.register(
            "before-send", lambda request, **kw: captured.update(request.headers)
        )
        s3.put_object(Bucket="bucket", Key="dir/big.bin", Body=data)
        got = botocore_client("s3", url).get_object(Bucket="bucket", Key="dir/big.bin")
    sent = {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in captured.items()}
    assert sent["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert sent["x-amz-trailer"] == "x-amz-checksum-crc32"
    assert got["Body"].read() == data == operations.objects["/bucket/dir/big.bin"]
    verified = operations.verified[0]
    assert verified.payload_checked and verified.payload.complete
    assert verified.payload.trailers == (("x-amz-checksum-crc32", _crc32(data)),)


def test_botocore_put_object_under_wsgiref_asks_for_a_length() -> None:
    # wsgiref hands the app HTTP chunked transfer undecoded, with no CONTENT_LENGTH and no
    # wsgi.input_terminated: the body cannot be read, and S3's answer says why.
    operations = Operations()
    with _wsgiref(operations) as url, pytest.raises(ClientError) as caught:
        botocore_client("s3", url, as_if_https=True).put_object(
            Bucket="bucket", Key="k", Body=b"x" * 10
        )
    assert error_code(caught.value) == "MissingContentLength"
    assert operations.calls == 0


@pytest.mark.parametrize("mode", ["signed", "signed-trailer"])
def test_sign_stream_bodies_are_stored_decoded(server: Any, mode: str) -> None:
    operations = Operations()
    data = payload(150_000)
    with server(operations) as url:
        checksum = None if mode == "signed" else "CRC32C"
        headers, wire = signed_stream(
            url + "/bucket/signed.bin", data, mode=mode, checksum=checksum, chunk=65536
        )
        status, _ = _put(url, "/bucket/signed.bin", headers, wire)
    assert status == 200
    assert operations.objects == {"/bucket/signed.bin": data}


@pytest.mark.parametrize(
    "mode,code",
    [("signed", "SignatureDoesNotMatch"), ("unsigned-trailer", "BadDigest")],
)
def test_a_chunk_changed_after_signing_is_refused_and_nothing_stored(
    server: Any, mode: str, code: str
) -> None:
    operations = Operations()
    data = payload(40_000)
    with server(operations) as url:
        checksum = "CRC32" if mode == "unsigned-trailer" else None
        headers, wire = framed(
            url + "/bucket/changed.bin", data, mode=mode, checksum=checksum, change=flip(2)
        )
        status, body = _put(url, "/bucket/changed.bin", headers, wire)
        good_headers, good = framed(url + "/bucket/good.bin", data, mode=mode, checksum=checksum)
        good_status, _ = _put(url, "/bucket/good.bin", good_headers, good)
    assert status in (400, 403) and f"<Code>{code}</Code>".encode() in body
    assert good_status == 200
    assert operations.objects == {"/bucket/good.bin": data}
