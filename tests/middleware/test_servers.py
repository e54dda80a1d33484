"""The WSGI and ASGI middleware under real servers (wsgiref, waitress; uvicorn), with botocore's
S3, STS and DynamoDB clients: verified requests reach the app with their Verified result,
refused ones come back as botocore ClientErrors with AWS's codes and never reach the app."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

import signers
from signers.middleware.asgi import VerifyingMiddleware as ASGIMiddleware
from signers.middleware.wsgi import VerifyingMiddleware as WSGIMiddleware
from tests.middleware.support import (
    AK,
    KEYS,
    REGION,
    SECRET,
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


def _wsgiref(operations, **options):
    return wsgiref_server(WSGIMiddleware(wsgi_app(operations), KEYS, **options))


def _waitress(operations, **options):
    pytest.importorskip("waitress")
    return waitress_server(WSGIMiddleware(wsgi_app(operations), KEYS, **options))


def _uvicorn(operations, **options):
    pytest.importorskip("uvicorn")
    return uvicorn_server(ASGIMiddleware(asgi_app(operations), KEYS, **options))


SERVERS = {"wsgiref": _wsgiref, "waitress": _waitress, "uvicorn": _uvicorn}


@pytest.fixture(params=sorted(SERVERS))
def server(request):
    return SERVERS[request.param]


def test_botocore_operations_are_verified_and_the_app_sees_the_result(server):
    operations = Operations()
    with server(operations, region=REGION) as url:
        identity = botocore_client("sts", url).get_caller_identity()
        s3 = botocore_client("s3", url)
        s3.put_object(Bucket="bucket", Key="dir/k y+z", Body=b"\x00hello" * 100)
        got = s3.get_object(Bucket="bucket", Key="dir/k y+z")
        body = got["Body"].read()
        tables = botocore_client("dynamodb", url).list_tables()
    assert (identity["UserId"], identity["Arn"].rsplit("/", 1)[1]) == (AK, "sigv4")
    assert body == b"\x00hello" * 100
    assert {k.lower(): v for k, v in got["Metadata"].items()} == {"verified-by": f"sigv4 {AK}"}
    assert tables["TableNames"] == ["sigv4", AK]
    assert [v.service for v in operations.verified] == ["sts", "s3", "s3", "dynamodb"]
    assert all(v.region == REGION for v in operations.verified)


def test_refusals_are_aws_errors_and_never_reach_the_app(server):
    operations = Operations()
    with server(operations) as url:
        codes = []
        for service, call in (
            ("sts", lambda c: c.get_caller_identity()),
            ("s3", lambda c: c.get_object(Bucket="b", Key="k")),
            ("dynamodb", lambda c: c.list_tables()),
        ):
            for key, secret in ((AK, "wrong-secret"), ("AKIDUNKNOWN", SECRET)):
                with pytest.raises(ClientError) as caught:
                    call(botocore_client(service, url, key=key, secret=secret))
                codes.append((service, error_code(caught.value)))
    assert codes == [
        ("sts", "SignatureDoesNotMatch"),
        ("sts", "InvalidClientTokenId"),
        ("s3", "SignatureDoesNotMatch"),
        ("s3", "InvalidAccessKeyId"),
        ("dynamodb", "InvalidSignatureException"),
        ("dynamodb", "UnrecognizedClientException"),
    ]
    assert operations.calls == 0


def test_a_body_over_the_cap_is_refused_as_s3_does(server):
    operations = Operations()
    with server(operations, max_body=1024) as url:
        s3 = botocore_client("s3", url)
        s3.put_object(Bucket="b", Key="small", Body=b"x" * 1024)
        with pytest.raises(ClientError) as caught:
            s3.put_object(Bucket="b", Key="large", Body=b"x" * 1025)
    assert error_code(caught.value) == "EntityTooLarge"
    assert list(operations.objects) == ["/b/small"]


def test_schemes_restrict_what_is_accepted(server):
    def presigned_get(url):
        s3 = botocore_client("s3", url)
        s3.put_object(Bucket="b", Key="k", Body=b"v")
        presigned = s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
        return _raw(url, "GET", urlsplit(presigned)._replace(scheme="", netloc="").geturl())

    operations = Operations()
    with server(operations) as url:
        status, body = presigned_get(url)
    if server is _wsgiref:
        # wsgiref invents "Content-Type: text/plain", which S3's SigV2 signs (documented)
        assert status == 403 and b"SignatureDoesNotMatch" in body
    else:
        assert (status, body) == (200, b"v")
        assert [v.scheme for v in operations.verified] == ["sigv4", "s3-v2-query"]
    calls = operations.calls
    with server(operations, schemes=("sigv4",)) as url:
        status, body = presigned_get(url)
    assert status == 400 and b"<Code>InvalidRequest</Code>" in body
    assert b"is not accepted here (accepted: sigv4)" in body
    assert operations.calls == calls + 1


def test_aws_chunked_uploads_are_refused_with_s3s_answer(server):
    operations = Operations()
    signer = signers.get_signer("s3v4", region=REGION)
    with server(operations) as url:
        wire = b"5;chunk-signature=" + b"0" * 64 + b"\r\nhello\r\n0;chunk-signature=" + b"0" * 64
        request = signers.Request(
            "PUT",
            url + "/b/k",
            [
                ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
                ("Content-Encoding", "aws-chunked"),
                ("x-amz-decoded-content-length", "5"),
            ],
            signers.UNSIGNED_PAYLOAD,
        )
        signed = signer.sign(request, KEYS[AK])
        status, body = _raw(url, "PUT", "/b/k", signed.headers, wire + b"\r\n\r\n")
    assert status == 501 and b"<Code>NotImplemented</Code>" in body
    assert operations.calls == 0


def _raw(url, method, target, headers=(), body=b""):
    connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=TIMEOUT)
    try:
        connection.request(method, target, body=body, headers=dict(headers))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()
