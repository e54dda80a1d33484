"""``streaming="aws-chunked"``: streamed bodies sent by httpx (sync and async) and requests as S3's
aws-chunked uploads, checked by real servers: the verifying WSGI middleware under waitress and the
ASGI middleware under uvicorn, which hand their app each chunk only once its signature checked
(``sigbridge serve`` does not check aws-chunked bodies in this version).  The oracle is the data:
what the app stored must be the bytes the client streamed; a wire body changed in transit, after
signing, must be refused with S3's code and store nothing."""

from __future__ import annotations

import asyncio
import hashlib
import io
from typing import Any, Dict, Iterator, List, Optional

import pytest

import signers
from signers.middleware.asgi import VerifyingMiddleware as ASGIMiddleware
from signers.middleware.wsgi import VerifyingMiddleware as WSGIMiddleware
from tests.middleware.chunked import payload
from tests.middleware.support import (
    AK,
    KEYS,
    REGION,
    TIMEOUT,
    Operations,
    asgi_app,
    uvicorn_server,
    waitress_server,
    wsgi_app,
)

DATA = payload(150_000)
MODES = [("signed", None), ("signed-trailer", "CRC32C"), ("unsigned-trailer", "CRC32")]


def _waitress(operations: Operations) -> Any:
    pytest.importorskip("waitress")
    return waitress_server(WSGIMiddleware(wsgi_app(operations), KEYS))


def _uvicorn(operations: Operations) -> Any:
    pytest.importorskip("uvicorn")
    return uvicorn_server(ASGIMiddleware(asgi_app(operations), KEYS))


SERVERS = {"waitress": _waitress, "uvicorn": _uvicorn}


@pytest.fixture(params=sorted(SERVERS))
def server(request: Any) -> Any:
    return SERVERS[request.param]


def _options(mode: str, checksum: Optional[str]) -> Dict[str, Any]:
    return {
        "region": REGION,
        "streaming": "aws-chunked",
        "chunked_mode": mode,
        "checksum": checksum,
        "chunk_size": 16384,
    }


def pieces(data: bytes, size: int = 5000, pulled: Optional[List[int]] = None) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        if pulled is not None:
            pulled.append(start)
        yield data[start : start + size]


async def async_pieces(data: bytes, size: int = 7000) -> Any:
    for start in range(0, len(data), size):
        await asyncio.sleep(0)
        yield data[start : start + size]


class Flipped:
    """The wire body with one byte changed (the 300th: inside the first chunk's data)."""

    def __init__(self, parts: Any, offset: int = 300) -> None:
        self.parts, self.offset = parts, offset

    def change(self, seen: int, part: bytes) -> bytes:
        if seen <= self.offset < seen + len(part):
            index = self.offset - seen
            part = part[:index] + bytes([part[index] ^ 1]) + part[index + 1 :]
        return part

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        for part in self.parts:
            yield self.change(seen, bytes(part))
            seen += len(part)

    async def __aiter__(self) -> Any:
        seen = 0
        async for part in self.parts:
            yield self.change(seen, bytes(part))
            seen += len(part)


# -- httpx ----------------------------------------------------------------------------------------

httpx = pytest.importorskip("httpx")


def _httpx_auth(mode: str = "signed", checksum: Optional[str] = None) -> Any:
    from signers.adapters.httpx import AWSAuth

    return AWSAuth("s3v4", KEYS[AK], **_options(mode, checksum))


@pytest.mark.slow
@pytest.mark.parametrize("mode,checksum", MODES)
def test_httpx_sync_streams_each_mode(server: Any, mode: str, checksum: Optional[str]) -> None:
    operations = Operations()
    with server(operations) as url:
        client = httpx.Client(auth=_httpx_auth(mode, checksum), timeout=TIMEOUT, trust_env=False)
        with client:
            file = client.put(url + "/b/file", content=io.BytesIO(DATA))
            iterator = client.put(url + "/b/iterator", content=pieces(DATA))
            sized = client.put(
                url + "/b/sized", content=pieces(DATA), headers={"Content-Length": str(len(DATA))}
            )
    assert [file.status_code, iterator.status_code, sized.status_code] == [200, 200, 200]
    assert operations.objects == {"/b/file": DATA, "/b/iterator": DATA, "/b/sized": DATA}
    sent = file.request.headers
    assert sent["content-encoding"] == "aws-chunked"
    assert sent["x-amz-decoded-content-length"] == str(len(DATA))
    assert int(sent["content-length"]) > len(DATA)
    assert "x-amz-decoded-content-length" not in iterator.request.headers
    assert iterator.request.headers["transfer-encoding"] == "chunked"
    assert all(v.payload_checked and v.payload.complete for v in operations.verified)


@pytest.mark.slow
@pytest.mark.parametrize("mode,checksum", MODES)
def test_httpx_async_streams_each_mode(server: Any, mode: str, checksum: Optional[str]) -> None:
    async def run(url: str) -> List[int]:
        auth = _httpx_auth(mode, checksum)
        async with httpx.AsyncClient(auth=auth, timeout=TIMEOUT, trust_env=False) as client:
            unsized = await client.put(url + "/b/async", content=async_pieces(DATA))
            sized = await client.put(
                url + "/b/async-sized",
                content=async_pieces(DATA, 100_000),
                headers={"Content-Length": str(len(DATA))},
            )
            return [unsized.status_code, sized.status_code]

    operations = Operations()
    with server(operations) as url:
        assert asyncio.run(run(url)) == [200, 200]
    assert operations.objects == {"/b/async": DATA, "/b/async-sized": DATA}


@pytest.mark.slow
def test_httpx_a_wire_body_changed_in_transit_is_refused(server: Any) -> None:
    class Tampering(httpx.HTTPTransport):  # type: ignore[misc]
        def handle_request(self, request: Any) -> Any:
            request.stream = _SyncFlipped(request.stream)
            return super().handle_request(request)

    class AsyncTampering(httpx.AsyncHTTPTransport):  # type: ignore[misc]
        async def handle_async_request(self, request: Any) -> Any:
            request.stream = _AsyncFlipped(request.stream)
            return await super().handle_async_request(request)

    async def run(url: str) -> Any:
        async with httpx.AsyncClient(
            auth=_httpx_auth(), transport=AsyncTampering(), timeout=TIMEOUT
        ) as client:
            return await client.put(url + "/b/async", content=async_pieces(DATA))

    operations = Operations()
    with server(operations) as url:
        client = httpx.Client(auth=_httpx_auth(), transport=Tampering(), timeout=TIMEOUT)
        with client:
            sync = client.put(url + "/b/sync", content=io.BytesIO(DATA))
        asynchronous = asyncio.run(run(url))
    for response in (sync, asynchronous):
        assert response.status_code == 403
        assert b"<Code>SignatureDoesNotMatch</Code>" in response.content
    assert operations.objects == {}


class _SyncFlipped(httpx.SyncByteStream):  # type: ignore[misc]
    def __init__(self, stream: Any) -> None:
        self.flipped = Flipped(stream)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.flipped)


class _AsyncFlipped(httpx.AsyncByteStream):  # type: ignore[misc]
    def __init__(self, stream: Any) -> None:
        self.flipped = Flipped(stream)

    def __aiter__(self) -> Any:
        return self.flipped.__aiter__()


def test_httpx_signing_reads_nothing_of_the_stream() -> None:
    pulled: List[int] = []
    request = httpx.Request("PUT", "http://127.0.0.1:9/b/k", content=pieces(DATA, pulled=pulled))
    flow = _httpx_auth("signed-trailer", "SHA256").sync_auth_flow(request)
    signed = next(flow)
    assert pulled == []
    assert signed.headers["x-amz-content-sha256"] == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    assert signed.headers["x-amz-trailer"] == "x-amz-checksum-sha256"
    first = next(iter(signed.stream))
    assert pulled == [0, 5000, 10000, 15000]  # (one 16 KiB chunk: four 5000-byte pieces)
    assert first.startswith(b"4000;chunk-signature=")
    flow.close()


def test_a_body_in_memory_is_still_hashed() -> None:
    request = httpx.Request("PUT", "http://127.0.0.1:9/b/k", content=b"small")
    signed = next(_httpx_auth().sync_auth_flow(request))
    assert signed.headers["x-amz-content-sha256"] == hashlib.sha256(b"small").hexdigest()
    assert signed.content == b"small"


# -- requests -------------------------------------------------------------------------------------


def _requests_auth(mode: str = "signed", checksum: Optional[str] = None) -> Any:
    pytest.importorskip("requests")
    from signers.adapters.requests import AWSAuth

    return AWSAuth("s3v4", KEYS[AK], **_options(mode, checksum))


@pytest.mark.slow
@pytest.mark.parametrize("mode,checksum", MODES)
def test_requests_streams_each_mode(server: Any, mode: str, checksum: Optional[str]) -> None:
    import requests

    auth = _requests_auth(mode, checksum)
    operations = Operations()
    with server(operations) as url:
        file = requests.put(url + "/b/file", data=io.BytesIO(DATA), auth=auth, timeout=TIMEOUT)
        generator = requests.put(
            url + "/b/generator", data=pieces(DATA), auth=auth, timeout=TIMEOUT
        )
        sized = requests.put(
            url + "/b/sized",
            data=pieces(DATA),
            auth=auth,
            headers={"Content-Length": str(len(DATA))},
            timeout=TIMEOUT,
        )
    assert [file.status_code, generator.status_code, sized.status_code] == [200, 200, 200]
    assert operations.objects == {"/b/file": DATA, "/b/generator": DATA, "/b/sized": DATA}
    assert generator.request.headers["Transfer-Encoding"] == "chunked"
    assert sized.request.headers["x-amz-decoded-content-length"] == str(len(DATA))


@pytest.mark.slow
def test_requests_a_wire_body_changed_in_transit_is_refused(server: Any) -> None:
    import requests
    from requests.adapters import HTTPAdapter

    class Tampering(HTTPAdapter):  # type: ignore[misc]
        def send(self, request: Any, **kwargs: Any) -> Any:
            body = request.body
            request.body = Flipped(iter(lambda: body.read(8192), b""))
            return super().send(request, **kwargs)

    operations = Operations()
    with server(operations) as url, requests.Session() as session:
        session.mount("http://", Tampering())
        response = session.put(
            url + "/b/k", data=io.BytesIO(DATA), auth=_requests_auth(), timeout=TIMEOUT
        )
    assert response.status_code == 403 and b"SignatureDoesNotMatch" in response.content
    assert operations.objects == {}


def test_requests_signing_reads_nothing_of_the_stream() -> None:
    import requests

    pulled: List[int] = []
    prepared = requests.Request(
        "PUT", "http://127.0.0.1:9/b/k", data=pieces(DATA, pulled=pulled), auth=_requests_auth()
    ).prepare()
    assert pulled == []
    assert prepared.headers["x-amz-content-sha256"] == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    assert b"".join(prepared.body).startswith(b"4000;chunk-signature=")
    assert len(pulled) == 30


# -- options --------------------------------------------------------------------------------------


def test_options_are_checked_up_front() -> None:
    from signers.adapters.httpx import AWSAuth

    def refused(*args: Any, **kwargs: Any) -> str:
        with pytest.raises(signers.InvalidOption) as caught:
            AWSAuth(*args, **kwargs)
        return str(caught.value)

    creds = KEYS[AK]
    assert "for streaming='aws-chunked'" in refused("s3v4", creds, region=REGION, checksum="CRC32")
    assert "SigV4 or SigV4A" in refused("sigv2", creds, streaming="aws-chunked")
    query = signers.get_signer("sigv4", region=REGION, service="s3", placement="query")
    assert "placement='header'" in refused(query, creds, streaming="aws-chunked")
    chunked = {"region": REGION, "streaming": "aws-chunked"}
    assert "chunked_mode" in refused("s3v4", creds, chunked_mode="fast", **chunked)
    assert "chunk_size" in refused("s3v4", creds, chunk_size=1024, **chunked)
    assert "'signed' sends no trailer" in refused("s3v4", creds, checksum="CRC32", **chunked)
    assert "unknown" in refused("s3v4", creds, chunked_mode="signed-trailer", checksum="MD5",
                                **chunked)  # fmt: skip
    auth = AWSAuth("s3v4", creds, chunked_mode="unsigned-trailer", **chunked)
    assert "chunked_mode='unsigned-trailer'" in repr(auth) and creds.secret_key not in repr(auth)


def test_aiohttp_refuses_aws_chunked_by_name() -> None:
    pytest.importorskip("aiohttp")
    try:
        from signers.adapters.aiohttp import AWSAuth
    except signers.MissingDependency:
        pytest.skip("aiohttp is older than 3.12")
    with pytest.raises(signers.InvalidOption, match="not offered for aiohttp"):
        AWSAuth("s3v4", KEYS[AK], region=REGION, streaming="aws-chunked")
