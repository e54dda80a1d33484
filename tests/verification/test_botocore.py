"""What real clients send verifies: requests signed by botocore (a test-only oracle)."""

from __future__ import annotations

import datetime as dt

import pytest

import signers
from signers import Credentials, Request
from tests._verify_support import AK, AT, SECRET, TOKEN

pytest.importorskip("botocore")
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from tests.reference.sigv4_oracle import freeze_botocore_clock


@pytest.fixture
def frozen(monkeypatch):
    # botocore's clock pinned to AT, for these tests only
    freeze_botocore_clock(monkeypatch, AT)


def _to_request(aws_request: AWSRequest) -> Request:
    prepared = aws_request.prepare()
    body = prepared.body
    if body is None:
        body = b""
    elif isinstance(body, str):
        body = body.encode("utf-8")
    return Request(prepared.method, prepared.url, list(prepared.headers.items()), body)


CASES = [
    # (auth class, service, region, method, url, headers, body)
    (
        "SigV4Auth",
        "sts",
        "us-east-1",
        "POST",
        "https://sts.amazonaws.com/",
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        "Action=GetCallerIdentity&Version=2011-06-15",
    ),
    (
        "SigV4Auth",
        "ecs",
        "eu-west-1",
        "POST",
        "https://ecs.eu-west-1.amazonaws.com/",
        {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters",
        },
        "{}",
    ),
    (
        "SigV4Auth",
        "execute-api",
        "us-west-2",
        "GET",
        "https://abc.execute-api.us-west-2.amazonaws.com/prod/a%20b/./c//d?q=x%2Fy&q=a&empty=",
        {"X-Custom": "  spaced   value "},
        None,
    ),
    (
        "SigV4Auth",
        "service",
        "us-east-1",
        "GET",
        "http://127.0.0.1:9000/path",
        {"Date": "Fri, 17 May 2024 12:00:00 GMT"},
        None,
    ),
    (
        "SigV4QueryAuth",
        "sqs",
        "us-east-1",
        "GET",
        "https://sqs.us-east-1.amazonaws.com/?Action=ListQueues&Version=2012-11-05",
        {},
        None,
    ),
    (
        "SigV4QueryAuth",
        "sts",
        "us-east-1",
        "POST",
        "https://sts.amazonaws.com/",
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Action": "GetCallerIdentity", "Version": "2011-06-15"},
    ),
    (
        "S3SigV4Auth",
        "s3",
        "us-east-1",
        "GET",
        "https://bucket.s3.amazonaws.com/photos/a%20b%2Bc/%C3%A9t%C3%A9.jpg?versionId=1",
        {},
        None,
    ),
    (
        "S3SigV4Auth",
        "s3",
        "eu-central-1",
        "PUT",
        "http://127.0.0.1:9000/bucket/key//x/../y",
        {"Content-Type": "text/plain", "x-amz-meta-owner": "me"},
        "hello world",
    ),
    (
        "S3SigV4QueryAuth",
        "s3",
        "us-east-1",
        "GET",
        "https://bucket.s3.amazonaws.com/dir/some%20key.txt",
        {},
        None,
    ),
    (
        "S3SigV4QueryAuth",
        "s3",
        "ap-southeast-2",
        "PUT",
        "https://s3.ap-southeast-2.amazonaws.com/bucket/upload?partNumber=1&uploadId=abc",
        {},
        None,
    ),
]

_SCHEME = {
    "SigV4Auth": "sigv4",
    "S3SigV4Auth": "sigv4",
    "SigV4QueryAuth": "sigv4-query",
    "S3SigV4QueryAuth": "sigv4-query",
}


def _ids(case):
    return f"{case[0]}-{case[1]}-{case[3]}"


@pytest.mark.parametrize("with_token", [False, True], ids=["plain", "token"])
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_botocore_signed_request_verifies(frozen, case, with_token):
    auth_name, service, region, method, url, headers, body = case
    token = TOKEN if with_token else None
    auth = getattr(botocore.auth, auth_name)(BotoCredentials(AK, SECRET, token), service, region)
    aws_request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    auth.add_auth(aws_request)
    request = _to_request(aws_request)
    creds = Credentials(AK, SECRET, token)
    s3 = auth_name.startswith("S3")
    scheme = _SCHEME[auth_name]

    signer = signers.get_signer(scheme, region=region, service=service, s3=s3)
    artifacts = signer.verify(request, creds, now=AT + dt.timedelta(seconds=5))
    assert len(artifacts.signature) == 64

    verified = signers.verify(request, {AK: creds}, now=AT, region=region, service=service)
    assert verified.scheme == scheme
    assert verified.request_time == AT
    assert verified.artifacts.signature == artifacts.signature
    assert "host" in verified.signed_headers

    # The same request, one byte of the signature off, does not verify.
    provided = artifacts.signature
    flipped = provided[:-1] + ("0" if provided[-1] != "0" else "1")
    if scheme == "sigv4":
        auth_header = request.header("authorization")
        tampered = request.replace(
            headers=[
                (n, auth_header.replace(provided, flipped) if n.lower() == "authorization" else v)
                for n, v in request.headers
            ]
        )
    else:
        tampered = request.replace(url=request.url.replace(provided, flipped))
    with pytest.raises(signers.SignatureDoesNotMatch):
        signer.verify(tampered, creds, now=AT)


def test_botocore_presigned_expiry(frozen):
    auth = botocore.auth.S3SigV4QueryAuth(
        BotoCredentials(AK, SECRET), "s3", "us-east-1", expires=120
    )
    aws_request = AWSRequest(method="GET", url="https://b.s3.amazonaws.com/k")
    auth.add_auth(aws_request)
    request = _to_request(aws_request)
    creds = Credentials(AK, SECRET)
    assert signers.verify(request, {AK: creds}, now=AT + dt.timedelta(seconds=120))
    with pytest.raises(signers.AccessDenied, match="Request has expired"):
        signers.verify(request, {AK: creds}, now=AT + dt.timedelta(seconds=121))
