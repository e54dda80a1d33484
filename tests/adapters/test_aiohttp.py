"""signers.adapters.aiohttp (a client middleware) against ``sigbridge serve``."""

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

aiohttp = pytest.importorskip("aiohttp", minversion="3.12")
from signers.adapters.aiohttp import AWSAuth  # noqa: E402

pytestmark = pytest.mark.slow


def _auth(credentials=KEYS[AK], scheme="s3v4", **kwargs):
    kwargs.setdefault("region", "us-east-1")
    return AWSAuth(scheme, credentials, **kwargs)


def _run(*middlewares, calls):
    """Run ``calls(session)`` in a session with ``middlewares``; returns its result."""

    async def main():
        timeout = aiohttp.ClientTimeout(total=TIMEOUT)
        async with aiohttp.ClientSession(middlewares=middlewares, timeout=timeout) as session:
            return await calls(session)

    return asyncio.run(main())


async def _status_and_text(response_context):
    async with response_context as response:
        return response.status, await response.text()


def test_requests_verify():
    sts = _auth(scheme="sigv4", service="sts")

    async def calls(session):
        return [
            await _status_and_text(session.get(url + "/b/k", params={"prefix": "a b"})),
            await _status_and_text(session.put(url + "/b/k%20y", data=b"data")),
            await _status_and_text(
                session.post(
                    url + "/",
                    data={"Action": "GetCallerIdentity", "Version": "2011-06-15"},
                    middlewares=(sts,),
                )
            ),
            await _status_and_text(session.put(url + "/b/j", json={"a": 1})),
        ]

    with serving() as served:
        url = served.url
        results = _run(_auth(), calls=calls)
    assert [status for status, _ in results] == [200, 200, 200, 200], results
    assert served.looked_up == [AK] * 4


def test_a_wrong_secret_is_refused_by_the_server():
    async def calls(session):
        return await _status_and_text(session.get(url + "/b/k"))

    with serving() as served:
        url = served.url
        status, text = _run(_auth(signers.Credentials(AK, "nope")), calls=calls)
    assert status == 403 and "SignatureDoesNotMatch" in text


def test_a_streamed_body_goes_unsigned_payload():
    async def chunks():
        for i in range(4):
            yield bytes([97 + i]) * 10000

    async def calls(session):
        return await _status_and_text(
            session.put(url + "/b/stream", data=chunks(), headers={"Content-Length": "40000"})
        )

    with serving() as served, Front(served.url, forward_all) as front:
        url = front.url
        status, text = _run(_auth(), calls=calls)
    assert status == 200, text
    assert front.seen[0].headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert front.seen[0].body == b"".join(bytes([97 + i]) * 10000 for i in range(4))


def test_each_retry_is_signed_with_a_new_time():
    async def calls(session):
        return await _status_and_text(session.put(url + "/b/k", data=b"x"))

    with serving() as served, Front(served.url, fail_first) as front:
        url = front.url
        status, _ = _run(_auth(retries=1, clock=Ticking()), calls=calls)
    assert (status, front.statuses) == (200, [503, 200])
    assert front.seen[0].headers["x-amz-date"] != front.seen[1].headers["x-amz-date"]


def test_an_outer_retry_middleware_gets_a_fresh_signature_per_attempt():
    async def retry_once(request, handler):
        response = await handler(request)
        if response.status == 503:
            response.release()
            response = await handler(request)
        return response

    async def calls(session):
        return await _status_and_text(session.get(url + "/b/k"))

    with serving() as served, Front(served.url, fail_first) as front:
        url = front.url
        status, _ = _run(retry_once, _auth(clock=Ticking()), calls=calls)
    assert (status, front.statuses) == (200, [503, 200])
    assert front.seen[0].headers["authorization"] != front.seen[1].headers["authorization"]


@pytest.mark.parametrize("status", [303, 307])
def test_a_redirect_on_the_same_host_is_signed_again(status):
    async def calls(session):
        return await _status_and_text(session.post(url + "/b/k", data=b"body"))

    with serving() as served, Front(served.url, redirect_once("/b/moved", status)) as front:
        url = front.url
        result = _run(_auth(clock=Ticking()), calls=calls)
    assert front.statuses == [status, 200], result
    first, second = front.seen
    assert second.target == "/b/moved"
    assert first.headers["authorization"] != second.headers["authorization"]


def test_a_redirect_to_another_host_carries_no_signature():
    async def calls(session):
        return await _status_and_text(session.get(url + "/b/k"))

    with serving() as served:
        front = Front(served.url, forward_all)
        front.script = redirect_once(f"http://localhost:{front.port}/elsewhere")
        with front:
            url = front.url
            result = _run(_auth(KEYS[AK2]), calls=calls)
    assert result == (200, "anonymous")
    assert carries_auth(front.seen[0]) != [] and carries_auth(front.seen[1]) == []


def test_refreshed_credentials_are_used_by_the_next_request():
    current = [KEYS[AK]]

    class Rotating:
        def credentials(self):
            return current[0]

    async def calls(session):
        first = await _status_and_text(session.get(url + "/b/1"))
        current[0] = KEYS[AK2]
        second = await _status_and_text(session.get(url + "/b/2"))
        return first[0], second[0]

    with serving() as served:
        url = served.url
        assert _run(_auth(Rotating()), calls=calls) == (200, 200)
    assert served.looked_up == [AK, AK2]


def test_a_request_signed_already_is_refused_and_other_origins_pass():
    auth = _auth(origins=["http://127.0.0.1:9"])
    assert auth.signs_for("http://127.0.0.1:9/x") and not auth.signs_for("http://127.0.0.1:8/x")

    async def calls(session):
        return await _status_and_text(
            session.get("http://127.0.0.1:9/", headers={"Authorization": "AWS4-HMAC-SHA256 x"})
        )

    with pytest.raises(signers.AlreadySigned, match=r"(?i)authorization.* already present"):
        _run(auth, calls=calls)
