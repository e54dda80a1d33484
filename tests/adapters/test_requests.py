"""signers.adapters.requests against ``sigbridge serve``, with the real requests library."""

from __future__ import annotations

import io

import pytest

import signers
from signers.credentials import RefreshingProvider
from tests.adapters.support import (
    AK,
    AK2,
    KEYS,
    TIMEOUT,
    TOKEN2,
    Front,
    Ticking,
    carries_auth,
    fail_first,
    forward_all,
    redirect_once,
    serving,
)

requests = pytest.importorskip("requests")
from signers.adapters.requests import AWSAuth  # noqa: E402

pytestmark = pytest.mark.slow


def _auth(credentials=KEYS[AK], scheme="s3v4", **kwargs):
    kwargs.setdefault("region", "us-east-1")
    return AWSAuth(scheme, credentials, **kwargs)


def test_get_put_and_a_form_post_verify():
    with serving(region="us-east-1") as served:
        auth = _auth()
        got = requests.get(served.url + "/bucket/key?list-type=2&a=b c", auth=auth, timeout=TIMEOUT)
        put = requests.put(
            served.url + "/bucket/k%20y", data=b"\x00payload", auth=auth, timeout=TIMEOUT
        )
        sts = AWSAuth("sigv4", KEYS[AK], region="us-east-1", service="sts")
        form = requests.post(
            served.url + "/",
            data={"Action": "GetCallerIdentity", "Version": "2011-06-15"},
            auth=sts,
            timeout=TIMEOUT,
        )
    assert (got.status_code, put.status_code, form.status_code) == (200, 200, 200), got.text
    assert served.looked_up == [AK, AK, AK]


def test_a_wrong_secret_is_refused_by_the_server():
    wrong = signers.Credentials(AK, "not-the-secret")
    with serving() as served:
        response = requests.get(served.url + "/b/k", auth=_auth(wrong), timeout=TIMEOUT)
    assert response.status_code == 403
    assert b"SignatureDoesNotMatch" in response.content


def test_the_request_is_sent_with_its_body_unchanged_and_the_input_untouched():
    with serving() as served, Front(served.url, forward_all) as front:
        headers = {"Content-Type": "application/octet-stream", "X-Custom": "1"}
        response = requests.put(
            front.url + "/b/k", data=b"abc", headers=headers, auth=_auth(), timeout=TIMEOUT
        )
    assert response.status_code == 200
    assert front.seen[0].body == b"abc"
    assert headers == {"Content-Type": "application/octet-stream", "X-Custom": "1"}
    assert "x-custom" in front.seen[0].headers["authorization"]


def test_a_streamed_file_body_is_sent_unsigned_payload_without_being_read_for_signing():
    payload = b"0123456789" * 100_000

    class Tracking(io.BytesIO):
        reads = 0

        def read(self, *args):
            Tracking.reads += 1
            return super().read(*args)

    body = Tracking(payload)
    with serving() as served, Front(served.url, forward_all) as front:
        response = requests.put(front.url + "/b/big", data=body, auth=_auth(), timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    seen = front.seen[0]
    assert seen.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert seen.body == payload


def test_a_non_s3_service_declares_unsigned_payload_for_a_generator_body():
    def chunks():
        yield b"a" * 1000
        yield b"b" * 1000

    with serving() as served, Front(served.url, forward_all) as front:
        response = requests.post(
            front.url + "/_bulk",
            data=chunks(),
            headers={"Content-Length": "2000"},
            auth=_auth(scheme="sigv4", service="es"),
            timeout=TIMEOUT,
        )
    assert response.status_code == 200, response.text
    headers = front.seen[0].headers
    assert headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert "x-amz-content-sha256" in headers["authorization"]


def test_each_retry_is_signed_with_a_new_time():
    with serving() as served, Front(served.url, fail_first) as front:
        auth = _auth(retries=2, clock=Ticking())
        response = requests.put(front.url + "/b/k", data=b"x", auth=auth, timeout=TIMEOUT)
    assert front.statuses == [503, 200]
    assert response.status_code == 200
    first, second = front.seen
    assert first.headers["x-amz-date"] != second.headers["x-amz-date"]
    assert first.headers["authorization"] != second.headers["authorization"]
    assert [r.status_code for r in response.history] == [503]


def test_without_retries_the_failure_is_returned():
    with serving() as served, Front(served.url, fail_first) as front:
        response = requests.get(front.url + "/b/k", auth=_auth(), timeout=TIMEOUT)
    assert response.status_code == 503
    assert len(front.seen) == 1


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_on_the_same_host_is_signed_again(status):
    with serving() as served, Front(served.url, redirect_once("/b/moved?x=1", status)) as front:
        response = requests.post(
            front.url + "/b/k", data=b"body", auth=_auth(clock=Ticking()), timeout=TIMEOUT
        )
    assert front.statuses == [status, 200], response.text
    first, second = front.seen
    assert second.target == "/b/moved?x=1"
    assert first.headers["authorization"] != second.headers["authorization"]
    expected = ("POST", b"body") if status in (307, 308) else ("GET", b"")
    assert (second.method, second.body) == expected
    assert response.history[0].request.url.endswith("/b/k")


def test_a_redirect_to_another_host_carries_no_signature():
    with serving() as served:
        front = Front(served.url, forward_all)
        front.script = redirect_once(f"http://localhost:{front.port}/elsewhere")
        creds = KEYS[AK2]  # with a session token: it must not travel either
        with front:
            response = requests.get(front.url + "/b/k", auth=_auth(creds), timeout=TIMEOUT)
    assert response.status_code == 200 and response.text == "anonymous"
    first, second = front.seen
    assert carries_auth(first) == [
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
    ]
    assert carries_auth(second) == []
    assert TOKEN2 not in str(second.headers)


def test_refreshed_credentials_are_used_by_the_next_request():
    current = [KEYS[AK]]

    class Rotating:
        def credentials(self):
            return current[0]

    with serving() as served:
        auth = _auth(Rotating())
        first = requests.get(served.url + "/b/1", auth=auth, timeout=TIMEOUT)
        current[0] = KEYS[AK2]
        second = requests.get(served.url + "/b/2", auth=auth, timeout=TIMEOUT)
    assert (first.status_code, second.status_code) == (200, 200)
    assert served.looked_up == [AK, AK2]


def test_a_refreshing_provider_refreshes_between_requests():
    import datetime as dt

    clock = Ticking()
    fetched = iter([(KEYS[AK], clock.start + dt.timedelta(minutes=30)), (KEYS[AK2], None)])
    now = [clock.start]
    provider = RefreshingProvider(lambda: next(fetched), clock=lambda: now[0])
    with serving() as served:
        auth = _auth(provider)
        first = requests.get(served.url + "/b/1", auth=auth, timeout=TIMEOUT)
        now[0] = clock.start + dt.timedelta(minutes=25)  # inside the mandatory refresh window
        second = requests.get(served.url + "/b/2", auth=auth, timeout=TIMEOUT)
    assert (first.status_code, second.status_code) == (200, 200)
    assert served.looked_up == [AK, AK2]


def test_a_request_signed_already_is_refused():
    with pytest.raises(signers.AlreadySigned, match="'Authorization' already present"):
        requests.Request(
            "GET", "http://127.0.0.1:9/", headers={"Authorization": "x"}, auth=_auth()
        ).prepare()
    with pytest.raises(signers.AlreadySigned, match="X-Amz-Signature"):
        requests.Request("GET", "http://127.0.0.1:9/?X-Amz-Signature=ab", auth=_auth()).prepare()


def test_options_and_credentials_are_checked_up_front():
    with pytest.raises(signers.InvalidOption, match="streaming"):
        _auth(streaming="bogus")
    with pytest.raises(signers.InvalidOption, match="aws-chunked' is not available"):
        _auth(streaming="aws-chunked")
    with pytest.raises(signers.InvalidOption, match="credentials"):
        AWSAuth("sigv4", "AKID:secret", region="r", service="s")
    with pytest.raises(signers.InvalidOption, match="region"):
        AWSAuth(signers.get_signer("sigv4", region="r", service="s"), KEYS[AK], region="x")
    assert "secret" not in repr(_auth())


def test_sigv2_query_signing_puts_the_signature_in_the_url():
    with serving() as served:
        auth = AWSAuth("sigv2", KEYS[AK])
        response = requests.get(
            served.url + "/?Action=DescribeRegions&Version=2016-11-15", auth=auth, timeout=TIMEOUT
        )
    assert response.status_code == 200, response.text
    assert "Signature=" in response.request.url
