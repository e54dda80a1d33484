"""signers.adapters.httpx against ``sigbridge serve``, with httpx's Client and AsyncClient."""

from __future__ import annotations

import asyncio

import pytest

import signers
from tests.adapters.support import (
    AK,
    AK2,
    KEYS,
    TIMEOUT,
    Front,
    Ticking,
    carries_auth,
    fail_first,
    forward_all,
    redirect_once,
    serving,
)

httpx = pytest.importorskip("httpx")
from signers.adapters.httpx import AWSAuth  # noqa: E402

pytestmark = pytest.mark.slow


def _auth(credentials=KEYS[AK], scheme="s3v4", **kwargs):
    kwargs.setdefault("region", "us-east-1")
    return AWSAuth(scheme, credentials, **kwargs)


def _client(**kwargs):
    return httpx.Client(timeout=TIMEOUT, trust_env=False, **kwargs)


def _async_client(**kwargs):
    return httpx.AsyncClient(timeout=TIMEOUT, trust_env=False, **kwargs)


def test_sync_requests_verify():
    with serving() as served, _client(auth=_auth()) as client:
        got = client.get(served.url + "/b/k", params={"prefix": "a b/c"})
        put = client.put(served.url + "/b/k%2By", content=b"data")
        form = client.post(
            served.url + "/",
            data={"Action": "GetCallerIdentity", "Version": "2011-06-15"},
            auth=_auth(scheme="sigv4", service="sts"),
        )
    assert (got.status_code, put.status_code, form.status_code) == (200, 200, 200), put.text
    assert served.looked_up == [AK, AK, AK]


def test_async_requests_verify():
    async def run(url):
        async with _async_client(auth=_auth()) as client:
            return [
                (await client.get(url + "/b/k")).status_code,
                (await client.put(url + "/b/k", content=b"x" * 1000)).status_code,
            ]

    with serving() as served:
        assert asyncio.run(run(served.url)) == [200, 200]


def test_a_wrong_secret_is_refused_by_the_server():
    with serving() as served, _client() as client:
        response = client.get(served.url + "/b/k", auth=_auth(signers.Credentials(AK, "nope")))
    assert response.status_code == 403
    assert b"SignatureDoesNotMatch" in response.content


def test_a_streamed_body_is_sent_unsigned_payload_and_not_read_for_signing():
    pulled = []

    def chunks():
        for i in range(8):
            pulled.append(i)
            yield bytes([65 + i]) * 8192

    with serving() as served, Front(served.url, forward_all) as front:
        request = httpx.Request(
            "PUT", front.url + "/b/stream", content=chunks(), headers={"Content-Length": "65536"}
        )
        flow = _auth().sync_auth_flow(request)
        signed = next(flow)
        assert pulled == []  # signing read nothing of the stream
        assert signed.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
        flow.close()
        with _client(auth=_auth()) as client:
            response = client.put(
                front.url + "/b/stream", content=chunks(), headers={"Content-Length": "65536"}
            )
    assert response.status_code == 200, response.text
    assert front.seen[0].body == b"".join(bytes([65 + i]) * 8192 for i in range(8))


def test_an_async_streamed_body_for_a_non_s3_service():
    async def chunks():
        for part in (b"{}\n", b'{"a": 1}\n'):
            yield part

    async def run(url):
        async with _async_client(auth=_auth(scheme="sigv4", service="es")) as client:
            return await client.post(
                url + "/_bulk", content=chunks(), headers={"Content-Length": "12"}
            )

    with serving() as served, Front(served.url, forward_all) as front:
        response = asyncio.run(run(front.url))
    assert response.status_code == 200, response.text
    assert front.seen[0].headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"


def test_each_retry_is_signed_with_a_new_time_sync_and_async():
    auth = _auth(retries=1, clock=Ticking())
    with serving() as served, Front(served.url, fail_first) as front, _client(auth=auth) as client:
        response = client.put(front.url + "/b/k", content=b"x")
    assert (response.status_code, front.statuses) == (200, [503, 200])
    assert front.seen[0].headers["x-amz-date"] != front.seen[1].headers["x-amz-date"]

    async def run(url):
        async with _async_client(auth=_auth(retries=1, clock=Ticking(), backoff=0.01)) as client:
            return await client.get(url + "/b/k")

    with serving() as served, Front(served.url, fail_first) as front:
        response = asyncio.run(run(front.url))
    assert (response.status_code, front.statuses) == (200, [503, 200])
    assert front.seen[0].headers["authorization"] != front.seen[1].headers["authorization"]


@pytest.mark.parametrize("status", [302, 307])
def test_a_redirect_on_the_same_host_is_signed_again(status):
    with serving() as served, Front(served.url, redirect_once("/b/moved", status)) as front:
        auth = _auth(follow_redirects=True, clock=Ticking())
        with _client(auth=auth) as client:
            response = client.post(front.url + "/b/k", content=b"body")
    assert front.statuses == [status, 200], response.text
    first, second = front.seen
    assert second.target == "/b/moved"
    assert first.headers["authorization"] != second.headers["authorization"]
    assert (second.method, second.body) == (("POST", b"body") if status == 307 else ("GET", b""))


def test_a_redirect_to_another_host_carries_no_signature_async():
    async def run(url):
        async with _async_client(auth=_auth(KEYS[AK2], follow_redirects=True)) as client:
            return await client.get(url + "/b/k")

    with serving() as served:
        front = Front(served.url, forward_all)
        front.script = redirect_once(f"http://localhost:{front.port}/elsewhere")
        with front:
            response = asyncio.run(run(front.url))
    assert (response.status_code, response.text) == (200, "anonymous")
    assert carries_auth(front.seen[0]) != [] and carries_auth(front.seen[1]) == []


def test_a_redirect_followed_by_the_client_itself_is_refused():
    client = _client(auth=_auth(), follow_redirects=True)
    refused = pytest.raises(signers.InvalidOption, match="follow_redirects")
    with serving() as served, Front(
        served.url, redirect_once("/b/moved")
    ) as front, client, refused:
        client.get(front.url + "/b/k")


def test_without_follow_redirects_the_redirect_is_returned():
    client = _client(auth=_auth())
    with serving() as served, Front(served.url, redirect_once("/b/moved")) as front, client:
        response = client.get(front.url + "/b/k")
    assert response.status_code == 307 and len(front.seen) == 1


def test_refreshed_credentials_are_used_by_the_next_request():
    current = [KEYS[AK]]

    class Rotating:
        def credentials(self):
            return current[0]

    with serving() as served, _client(auth=_auth(Rotating())) as client:
        first = client.get(served.url + "/b/1")
        current[0] = KEYS[AK2]
        second = client.get(served.url + "/b/2")
    assert (first.status_code, second.status_code) == (200, 200)
    assert served.looked_up == [AK, AK2]


def test_a_request_signed_already_is_refused():
    refused = pytest.raises(signers.AlreadySigned, match=r"(?i)authorization.* already present")
    with _client(auth=_auth()) as client, refused:
        client.get("http://127.0.0.1:9/", headers={"Authorization": "AWS4-HMAC-SHA256 x"})
