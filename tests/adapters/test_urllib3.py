"""signers.adapters.urllib3: the http_auth callable, with urllib3 and opensearch-py's transport
against ``sigbridge serve`` for the ``es`` service."""

from __future__ import annotations

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

urllib3 = pytest.importorskip("urllib3")
from signers.adapters.urllib3 import AUTH_HEADERS, AWSAuth  # noqa: E402

pytestmark = pytest.mark.slow


def _auth(credentials=KEYS[AK], **kwargs):
    return AWSAuth("sigv4", credentials, region="us-east-1", service="es", **kwargs)


def test_the_callable_signs_what_urllib3_sends():
    auth = _auth()
    with serving(service="es", region="us-east-1") as served:
        pool = urllib3.PoolManager(timeout=TIMEOUT, retries=False)
        url = served.url + "/index/_doc/1?refresh=true"
        body = b'{"a": 1}'
        headers = {"Content-Type": "application/json"}
        signed = auth("PUT", url, body, headers)
        response = pool.request("PUT", url, body=body, headers={**headers, **signed})
        assert response.status == 200, response.data
        bad = pool.request("PUT", url, body=b"other", headers={**headers, **signed})
        assert bad.status == 403
    assert "content-type" in signed["Authorization"].split("SignedHeaders=")[1]
    assert set(name.lower() for name in signed) <= AUTH_HEADERS


def test_three_arguments_bytes_and_str_bodies():
    auth = _auth(KEYS[AK2])
    with serving(service="es") as served:
        pool = urllib3.PoolManager(timeout=TIMEOUT, retries=False)
        for body in (None, b"", "text body", b"\xffbytes"):
            signed = auth(b"POST", (served.url + "/_search").encode(), body)
            response = pool.request("POST", served.url + "/_search", body=body, headers=signed)
            assert response.status == 200, (body, response.data)
    assert served.looked_up == [AK2] * 4


def test_a_url_signing_scheme_and_a_signed_request_are_refused():
    with pytest.raises(signers.InvalidOption, match="URL"):
        AWSAuth("sigv2", KEYS[AK])("GET", "http://127.0.0.1:9/?Action=DescribeRegions")
    with pytest.raises(signers.AlreadySigned):
        _auth()("GET", "http://127.0.0.1:9/?X-Amz-Signature=abc", None)
    with pytest.raises(signers.AlreadySigned):
        _auth()("GET", "http://127.0.0.1:9/", None, {"Authorization": "Basic eA=="})


def test_a_redirect_to_another_host_drops_the_signature_with_auth_retry():
    auth = _auth(KEYS[AK2])
    with serving() as served:
        front = Front(served.url, forward_all)
        front.script = redirect_once(f"http://localhost:{front.port}/elsewhere")
        with front:
            pool = urllib3.PoolManager(timeout=TIMEOUT)
            url = front.url + "/b/k"
            retries = auth.retry(total=2, redirect=2)
            response = pool.request("GET", url, headers=auth("GET", url, None), retries=retries)
    assert (response.status, response.data) == (200, b"anonymous")
    assert carries_auth(front.seen[0]) != [] and carries_auth(front.seen[1]) == []


opensearchpy = pytest.importorskip("opensearchpy")


def _opensearch(url, auth, connection, **kwargs):
    return opensearchpy.OpenSearch(
        hosts=[url], http_auth=auth, connection_class=connection, timeout=TIMEOUT, **kwargs
    )


def test_opensearch_urllib3_connection_with_our_callable():
    with serving(service="es", region="us-east-1") as served:
        client = _opensearch(served.url, _auth(), opensearchpy.Urllib3HttpConnection)
        client.transport.perform_request("GET", "/_cluster/health")
        client.transport.perform_request("PUT", "/index/_doc/1", body={"title": "x y"})
        client.transport.perform_request("GET", "/index/_search", params={"q": "a b+c"})
        with pytest.raises(opensearchpy.AuthorizationException):
            _opensearch(
                served.url,
                _auth(signers.Credentials(AK, "wrong")),
                opensearchpy.Urllib3HttpConnection,
            ).transport.perform_request("GET", "/")
    assert served.looked_up == [AK] * 4


def test_opensearch_requests_connection_with_the_requests_adapter():
    pytest.importorskip("requests")
    from signers.adapters.requests import AWSAuth as RequestsAuth

    auth = RequestsAuth("sigv4", KEYS[AK], region="us-east-1", service="es")
    with serving(service="es", region="us-east-1") as served:
        client = _opensearch(served.url, auth, opensearchpy.RequestsHttpConnection)
        client.transport.perform_request("POST", "/index/_doc", body={"a": 1})
        client.transport.perform_request("GET", "/index/_doc/1")
    assert served.looked_up == [AK, AK]


def test_opensearch_retries_are_signed_afresh():
    with serving(service="es") as served, Front(served.url, fail_first) as front:
        client = _opensearch(
            front.url,
            _auth(clock=Ticking()),
            opensearchpy.Urllib3HttpConnection,
            max_retries=2,
            retry_on_status=(503,),
        )
        client.transport.perform_request("GET", "/_cluster/health")
    assert front.statuses == [503, 200]
    assert front.seen[0].headers["x-amz-date"] != front.seen[1].headers["x-amz-date"]


def test_opensearch_uses_refreshed_credentials():
    current = [KEYS[AK]]

    class Rotating:
        def credentials(self):
            return current[0]

    with serving(service="es") as served:
        client = _opensearch(served.url, _auth(Rotating()), opensearchpy.Urllib3HttpConnection)
        client.transport.perform_request("GET", "/")
        current[0] = KEYS[AK2]
        client.transport.perform_request("GET", "/")
    assert served.looked_up == [AK, AK2]
