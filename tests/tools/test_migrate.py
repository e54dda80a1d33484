"""signers.migrate and ``sigbridge migrate``: SigV2-signed requests in, SigV4 requests out.

The SigV2 inputs are signed by botocore's legacy signers (SigV2Auth, HmacV1Auth, HmacV1QueryAuth)
or taken from AWS's published examples; the stripped requests expected are written here by hand;
the SigV4 results are checked against botocore (SigV4Auth, S3SigV4Auth, S3SigV4QueryAuth) signing
the hand-written stripped request at the same instant.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import subprocess
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, urlsplit

import pytest

pytest.importorskip("botocore")
import botocore.auth
import botocore.awsrequest
import botocore.credentials

import signers
from signers import Credentials, Request
from signers._tools.migrate import MigrationError, MigrationResult, detect_scheme
from signers.cli.migrate import add_arguments, run
from signers.endpoints import infer_scope
from tests._support import AK, CREDS, DOC_AK, DOC_CREDS, IMPORT_ROOT, TOKEN, UTC
from tests._support import DOC_SECRET as DOC_SK  # AWS's published examples (S3 and SigV2 pages)
from tests._support import SECRET as SK
from tests.reference.botocore_oracle import frozen_clock
from tests.reference.sigv4_oracle import botocore_sign

Pair = Tuple[str, str]
AT = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
LATER = AT + datetime.timedelta(minutes=10)
FORM = "application/x-www-form-urlencoded; charset=utf-8"

DOC_EMR_URL = (
    "https://elasticmapreduce.amazonaws.com/?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE"
    "&Action=DescribeJobFlows&SignatureMethod=HmacSHA256&SignatureVersion=2"
    "&Timestamp=2011-10-03T15%3A19%3A30&Version=2009-03-31"
    "&Signature=i91nKc4PWAt0JJIdXwz9HxZCJDdiy6cf%2FMj6vPxyYIs%3D"
)
DOC_S3_PRESIGNED = (
    "https://johnsmith.s3.amazonaws.com/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE"
    "&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D"
)
DOC_S3_PUT = Request(
    "PUT",
    "https://johnsmith.s3.amazonaws.com/photos/puppy.jpg",
    [
        ("Content-Type", "image/jpeg"),
        ("Content-Length", "94328"),
        ("Date", "Tue, 27 Mar 2007 21:15:45 +0000"),
        ("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:MyyxeRY7whkBe+bq8fHCL/2kKUg="),
    ],
)


# -- SigV2 inputs from botocore's legacy signers -------------------------------------------------


def _botocore_credentials(token: Optional[str]) -> botocore.credentials.Credentials:
    return botocore.credentials.Credentials(AK, SK, token)


def _request_of(prepared: Any, method: str, extra: Sequence[Pair] = ()) -> Request:
    headers = list(extra) + [(n, v) for n, v in prepared.headers.items()]
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return Request(method, prepared.url, headers, body)


def sigv2_input(
    method: str, url: str, params: Dict[str, str], token: Optional[str] = None
) -> Request:
    """A query-API request signed by botocore's SigV2Auth at AT (GET: query; POST: form body)."""
    if method == "GET":
        aws = botocore.awsrequest.AWSRequest(method="GET", url=url, params=dict(params))
    else:
        aws = botocore.awsrequest.AWSRequest(method="POST", url=url, data=dict(params))
    with frozen_clock(AT):
        botocore.auth.SigV2Auth(_botocore_credentials(token)).add_auth(aws)
    # The SigV2 signature does not cover headers; a real client declares the form body.
    extra = [("Content-Type", FORM)] if method == "POST" else []
    return _request_of(aws.prepare(), method, extra)


def s3_header_input(
    method: str,
    url: str,
    auth_path: str,
    headers: Sequence[Pair],
    body: bytes,
    token: Optional[str] = None,
) -> Request:
    aws = botocore.awsrequest.AWSRequest(method=method, url=url, data=body or None)
    for name, value in headers:
        aws.headers[name] = value
    aws.auth_path = auth_path
    with frozen_clock(AT):
        botocore.auth.HmacV1Auth(_botocore_credentials(token)).add_auth(aws)
    return _request_of(aws.prepare(), method)


def s3_presigned_input(url: str, auth_path: str, token: Optional[str] = None) -> str:
    aws = botocore.awsrequest.AWSRequest(method="GET", url=url)
    aws.auth_path = auth_path
    with frozen_clock(AT):
        botocore.auth.HmacV1QueryAuth(_botocore_credentials(token), expires=3600).add_auth(aws)
    return str(aws.prepare().url)


def oracle(
    auth: str,
    method: str,
    url: str,
    headers: Sequence[Pair],
    body: bytes,
    *,
    region: str,
    service: str,
    monkeypatch: Any,
    token: Optional[str] = None,
    at: datetime.datetime = AT,
    expires: int = 3600,
) -> Dict[str, Any]:
    return botocore_sign(
        auth,
        method,
        url,
        list(headers),
        body,
        access_key=AK,
        secret_key=SK,
        token=token,
        region=region,
        service=service,
        at=at,
        monkeypatch=monkeypatch,
        expires=expires,
    )


def header(result: MigrationResult, name: str) -> Optional[str]:
    assert result.signed is not None
    return result.signed.request.header(name)


# -- query API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, TOKEN], ids=["no-token", "session-token"])
def test_ec2_get_on_a_regional_endpoint(token: Optional[str], monkeypatch: Any) -> None:
    params = {
        "Action": "DescribeInstances",
        "Version": "2016-11-15",
        "Filter.1.Name": "instance-state-name",
        "Filter.1.Value.1": "running",
    }
    signed_v2 = sigv2_input("GET", "https://ec2.us-west-1.amazonaws.com/", params, token)
    result = signers.migrate(signed_v2, Credentials(AK, SK), verify=True, at=AT)

    assert result.scheme == "sigv2"
    assert result.signer == "sigv4"
    assert dict(result.options) == {"region": "us-west-1", "service": "ec2"}
    expected_url = (
        "https://ec2.us-west-1.amazonaws.com/?Action=DescribeInstances&Version=2016-11-15"
        "&Filter.1.Name=instance-state-name&Filter.1.Value.1=running"
    )
    assert result.request.method == "GET"
    assert result.request.url == expected_url
    removed = ["AWSAccessKeyId", "SignatureVersion", "SignatureMethod", "Timestamp"]
    removed += ["SecurityToken"] if token else []
    assert result.account.removed_parameters == (*removed, "Signature")
    assert result.account.verified is True
    theirs = oracle(
        "SigV4Auth",
        "GET",
        expected_url,
        [],
        b"",
        region="us-west-1",
        service="ec2",
        token=token,
        monkeypatch=monkeypatch,
    )
    assert header(result, "Authorization") == theirs["authorization"]
    assert header(result, "X-Amz-Security-Token") == token
    assert result.signed is not None and result.signed.url == expected_url


@pytest.mark.parametrize("token", [None, TOKEN], ids=["no-token", "session-token"])
def test_sqs_post_form_stays_a_post_form(token: Optional[str], monkeypatch: Any) -> None:
    params = {"Action": "SendMessage", "MessageBody": "hello world+more", "Version": "2012-11-05"}
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/MyQueue"
    signed_v2 = sigv2_input("POST", url, params, token)
    result = signers.migrate(signed_v2, CREDS, verify=True, at=AT)

    expected_body = b"Action=SendMessage&MessageBody=hello+world%2Bmore&Version=2012-11-05"
    assert result.request.method == "POST"
    assert result.request.url == url
    assert result.request.body == expected_body
    assert result.request.headers == (("Content-Type", FORM), ("Content-Length", "68"))
    assert dict(result.options) == {"region": "eu-west-1", "service": "sqs"}
    assert "SecurityToken" in result.account.removed_parameters or token is None
    theirs = oracle(
        "SigV4Auth",
        "POST",
        url,
        [("Content-Type", FORM), ("Content-Length", "68")],
        expected_body,
        region="eu-west-1",
        service="sqs",
        token=token,
        monkeypatch=monkeypatch,
    )
    assert header(result, "Authorization") == theirs["authorization"]


def test_simpledb_on_the_legacy_global_endpoint(monkeypatch: Any) -> None:
    params = {
        "Action": "Select",
        "SelectExpression": "select * from mydomain where x = 'a b'",
        "Version": "2009-04-15",
    }
    signed_v2 = sigv2_input("GET", "https://sdb.amazonaws.com/", params, TOKEN)
    result = signers.migrate(signed_v2, CREDS, verify=True, at=AT)

    # botocore wrote spaces as '+'; the query protocol reads them as spaces, SigV4 would not.
    expected_url = (
        "https://sdb.amazonaws.com/?Action=Select"
        "&SelectExpression=select%20%2A%20from%20mydomain%20where%20x%20%3D%20%27a%20b%27"
        "&Version=2009-04-15"
    )
    assert result.request.url == expected_url
    account = result.account
    assert (account.region, account.service) == ("us-east-1", "sdb")
    assert account.region_source == account.service_source == "legacy global endpoint"
    lines = "\n".join(account.lines())
    assert "region us-east-1: legacy global endpoint" in lines
    assert "global endpoint sdb.amazonaws.com" in lines
    assert "'+' in the query rewritten as '%20'" in lines
    assert "Signature Version 2 only" in lines  # SimpleDB: AWS's SDKs still sign it with v2
    assert "moved from the request's SecurityToken" in lines
    theirs = oracle(
        "SigV4Auth",
        "GET",
        expected_url,
        [],
        b"",
        region="us-east-1",
        service="sdb",
        token=TOKEN,
        monkeypatch=monkeypatch,
    )
    assert header(result, "Authorization") == theirs["authorization"]


def test_published_sigv2_example_verifies_and_migrates(monkeypatch: Any) -> None:
    at = datetime.datetime(2011, 10, 3, 15, 19, 30, tzinfo=UTC)
    result = signers.migrate(DOC_EMR_URL, DOC_CREDS, verify=True, at=at)
    expected = "https://elasticmapreduce.amazonaws.com/?Action=DescribeJobFlows&Version=2009-03-31"
    assert result.request.url == expected
    assert result.account.verified is True
    theirs = botocore_sign(
        "SigV4Auth",
        "GET",
        expected,
        [],
        b"",
        access_key=DOC_AK,
        secret_key=DOC_SK,
        token=None,
        region="us-east-1",
        service="elasticmapreduce",
        at=at,
        monkeypatch=monkeypatch,
    )
    assert header(result, "Authorization") == theirs["authorization"]


# -- S3 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, TOKEN], ids=["no-token", "session-token"])
@pytest.mark.parametrize(
    "url, auth_path, region",
    [
        (
            "https://examplebucket.s3.amazonaws.com/photos/puppy%20dog.jpg",
            "/examplebucket/photos/puppy%20dog.jpg",
            "us-east-1",
        ),
        (
            "https://s3.eu-west-1.amazonaws.com/examplebucket/photos/puppy%20dog.jpg",
            None,
            "eu-west-1",
        ),
    ],
    ids=["virtual-hosted", "path-style"],
)
def test_s3_header(
    url: str, auth_path: Optional[str], region: str, token: Optional[str], monkeypatch: Any
) -> None:
    body = b"woof"
    signed_v2 = s3_header_input(
        "PUT", url, auth_path or urlsplit(url).path, [("Content-Type", "image/jpeg")], body, token
    )
    result = signers.migrate(signed_v2, CREDS, verify=True, at=LATER)

    assert result.scheme == "s3-v2"
    assert result.signer == "sigv4"
    assert dict(result.options) == {"region": region, "service": "s3", "s3": True}
    expected_headers = (("Content-Type", "image/jpeg"), ("Content-Length", "4"))
    assert result.request.url == url
    assert result.request.headers == expected_headers
    removed = (
        ("x-amz-security-token", "Date", "Authorization") if token else ("Date", "Authorization")
    )
    assert result.account.removed_headers == removed
    assert result.account.verified is True
    theirs = oracle(
        "S3SigV4Auth",
        "PUT",
        url,
        expected_headers,
        body,
        region=region,
        service="s3",
        token=token,
        at=LATER,
        monkeypatch=monkeypatch,
    )
    assert header(result, "Authorization") == theirs["authorization"]
    assert result.signed is not None
    assert result.account.added_headers == tuple(n for n, _ in result.signed.added_headers)


@pytest.mark.parametrize("token", [None, TOKEN], ids=["no-token", "session-token"])
@pytest.mark.parametrize(
    "url, auth_path, region",
    [
        (
            "https://examplebucket.s3.amazonaws.com/photos/puppy.jpg?versionId=3",
            "/examplebucket/photos/puppy.jpg",
            "us-east-1",
        ),
        ("https://s3.amazonaws.com/examplebucket/photos/puppy.jpg?versionId=3", None, "us-east-1"),
        (
            "https://examplebucket.s3.eu-west-1.amazonaws.com/photos/puppy.jpg?versionId=3",
            "/examplebucket/photos/puppy.jpg",
            "eu-west-1",
        ),
    ],
    ids=["virtual-hosted", "path-style", "virtual-hosted-regional"],
)
def test_s3_presigned(
    url: str, auth_path: Optional[str], region: str, token: Optional[str], monkeypatch: Any
) -> None:
    presigned = s3_presigned_input(url, auth_path or urlsplit(url).path, token)
    result = signers.migrate(presigned, CREDS, verify=True, at=LATER)

    assert result.scheme == "s3-v2-query"
    assert result.signer == "sigv4-query"
    # 3600 s from AT, 600 s of which have passed at LATER
    assert dict(result.options) == {
        "region": region,
        "service": "s3",
        "s3": True,
        "expires": 3000,
    }
    assert result.request.url == url
    removed = {"AWSAccessKeyId", "Signature", "Expires"} | (
        {"x-amz-security-token"} if token else set()
    )
    assert set(result.account.removed_parameters) == removed
    theirs = oracle(
        "S3SigV4QueryAuth",
        "GET",
        url,
        [],
        b"",
        region=region,
        service="s3",
        token=token,
        at=LATER,
        expires=3000,
        monkeypatch=monkeypatch,
    )
    assert result.signed is not None
    ours = dict(parse_qsl(urlsplit(result.signed.url).query))
    assert ours == dict(parse_qsl(urlsplit(theirs["url"]).query))
    assert ours.get("X-Amz-Security-Token") == token


def test_published_s3_examples_verify() -> None:
    at = datetime.datetime(2007, 3, 29, 2, 40, 20, tzinfo=UTC)
    presigned = signers.migrate(DOC_S3_PRESIGNED, DOC_CREDS, verify=True, at=at)
    assert presigned.account.verified is True
    assert presigned.options["expires"] == 1175139620 - 1175136020
    # The PUT's Date is two days before the presigned URL's time: it verifies at its own time
    # and, as a server would answer, not two days later (RequestTimeTooSkewed).
    put = signers.migrate(DOC_S3_PUT, DOC_CREDS, verify=True, at=at)
    assert put.account.verified is False
    assert any("RequestTimeTooSkewed" in note for note in put.account.notes)
    put = signers.migrate(
        DOC_S3_PUT,
        DOC_CREDS,
        verify=True,
        at=datetime.datetime(2007, 3, 27, 21, 15, 45, tzinfo=UTC),
    )
    assert put.account.verified is True
    assert put.request.headers == (("Content-Type", "image/jpeg"), ("Content-Length", "94328"))
    assert put.account.removed_headers == ("Date", "Authorization")


def test_the_sigv2_signing_time_is_removed() -> None:
    request = Request(
        "GET",
        "https://examplebucket.s3.amazonaws.com/key",
        [
            ("x-amz-date", "Wed, 01 May 2024 12:00:00 GMT"),
            ("x-amz-meta-colour", "blue"),
            ("Authorization", "AWS AKID:c2ln"),
        ],
    )
    result = signers.migrate(request, at=AT)
    assert result.request.headers == (("x-amz-meta-colour", "blue"),)
    assert result.account.removed_headers == ("x-amz-date", "Authorization")
    assert any("SigV4 adds X-Amz-Date" in line for line in result.account.lines())


# -- verification ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: DOC_EMR_URL.replace("DescribeJobFlows", "DescribeJobFlowz"),
        lambda: DOC_S3_PRESIGNED.replace("puppy", "kitty"),
        lambda: DOC_S3_PUT.replace(method="POST"),
        lambda: Request(
            "GET", DOC_EMR_URL.replace("elasticmapreduce.amazonaws", "ec2.us-west-1.amazonaws")
        ),
    ],
    ids=["sigv2-parameter-changed", "s3-query-path-changed", "s3-header-method-changed", "host"],
)
def test_verification_failure(make: Any) -> None:
    with pytest.raises(MigrationError) as caught:
        signers.migrate(make(), DOC_CREDS, verify=True, at=AT)
    error = caught.value
    assert error.code == "SignatureDoesNotMatch"
    assert "does not match" in str(error)
    assert "\n" not in str(error)
    assert DOC_SK not in str(error) and DOC_SK not in repr(error)
    assert error.string_to_sign  # what was recomputed, for debugging


def test_verification_with_the_wrong_secret_or_key() -> None:
    with pytest.raises(MigrationError) as caught:
        signers.migrate(DOC_EMR_URL, Credentials(DOC_AK, SK), verify=True)
    assert caught.value.code == "SignatureDoesNotMatch"
    assert SK not in str(caught.value)
    with pytest.raises(MigrationError) as caught:
        signers.migrate(DOC_S3_PUT, CREDS, verify=True)
    assert caught.value.code == "InvalidAccessKeyId"
    assert caught.value.field == "access key"


def test_verify_needs_credentials_and_a_signature_method() -> None:
    with pytest.raises(signers.InvalidCredentials, match="verify=True needs"):
        signers.migrate(DOC_EMR_URL, verify=True)
    # (the verifier's answers: what a server says of these requests)
    no_method = DOC_EMR_URL.replace("SignatureMethod=HmacSHA256&", "")
    with pytest.raises(
        MigrationError, match="must contain the parameter SignatureMethod"
    ) as caught:
        signers.migrate(no_method, DOC_CREDS, verify=True)
    assert caught.value.code == "MissingParameter"
    unknown = DOC_EMR_URL.replace("HmacSHA256", "HmacMD5")
    with pytest.raises(MigrationError, match="HmacMD5") as caught:
        signers.migrate(unknown, DOC_CREDS, verify=True)
    assert (caught.value.code, caught.value.field) == ("InvalidParameterValue", "SignatureMethod")


# -- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_, field, words",
    [
        (Request("GET", "https://ec2.amazonaws.com/?Action=X"), "Signature", "no SigV2 signature"),
        (
            Request("GET", "https://ec2.amazonaws.com/?Action=X&SignatureVersion=1&Signature=s"),
            "SignatureVersion",
            "only Signature Version 2",
        ),
        (
            Request("GET", "https://ec2.amazonaws.com/?Action=X&SignatureVersion=2"),
            "Signature",
            "not signed",
        ),
        (
            Request("GET", "https://ec2.amazonaws.com/?AWSAccessKeyId=A&Signature=s"),
            "SignatureVersion",
            "SignatureVersion=2",
        ),
        (
            Request("GET", "https://b.s3.amazonaws.com/k?AWSAccessKeyId=A&Expires=1"),
            "Signature",
            "AWSAccessKeyId, Expires and Signature",
        ),
        (
            Request("GET", "https://b.s3.amazonaws.com/k?X-Amz-Signature=abc"),
            "X-Amz-Signature",
            "already",
        ),
        (
            Request(
                "GET",
                "https://b.s3.amazonaws.com/k",
                [("Authorization", "AWS4-HMAC-SHA256 Credential=A/x, Signature=y")],
            ),
            "Authorization",
            "already SigV4",
        ),
        (
            Request("GET", "https://b.s3.amazonaws.com/k", [("Authorization", "Bearer xyz")]),
            "Authorization",
            "not S3's",
        ),
    ],
    ids=[
        "unsigned",
        "version-1",
        "no-signature",
        "no-version",
        "presigned-no-signature",
        "sigv4-presigned",
        "sigv4-header",
        "bearer",
    ],
)
def test_what_is_not_sigv2_is_named(request_: Request, field: str, words: str) -> None:
    with pytest.raises(MigrationError) as caught:
        signers.migrate(request_, at=AT)
    assert caught.value.field == field
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, signers.SigningError)


def test_detect_scheme() -> None:
    assert detect_scheme(Request("GET", DOC_EMR_URL)) == "sigv2"
    assert detect_scheme(Request("GET", DOC_S3_PRESIGNED)) == "s3-v2-query"
    assert detect_scheme(DOC_S3_PUT) == "s3-v2"


# -- region and signing name -------------------------------------------------------------------


@pytest.mark.parametrize(
    "host, service, region, source",
    [
        ("ec2.us-west-1.amazonaws.com", "ec2", "us-west-1", "inferred from host"),
        ("sqs.eu-west-1.amazonaws.com", "sqs", "eu-west-1", "inferred from host"),
        ("eu-west-1.queue.amazonaws.com", "sqs", "eu-west-1", "inferred from host"),
        ("us-west-2.ec2.amazonaws.com", "ec2", "us-west-2", "inferred from host"),
        ("ec2.amazonaws.com", "ec2", "us-east-1", "legacy global endpoint"),
        ("queue.amazonaws.com", "sqs", "us-east-1", "legacy global endpoint"),
        ("sdb.amazonaws.com", "sdb", "us-east-1", "legacy global endpoint"),
        (
            "elasticloadbalancing.amazonaws.com",
            "elasticloadbalancing",
            "us-east-1",
            "legacy global endpoint",
        ),
    ],
)
def test_query_api_scope_inference(host: str, service: str, region: str, source: str) -> None:
    url = f"https://{host}/?Action=X&SignatureVersion=2&Signature=s&AWSAccessKeyId=A"
    account = signers.migrate(url, at=AT).account
    assert (account.service, account.region) == (service, region)
    assert account.region_source == account.service_source == source
    assert f"region {region}: {source}" in account.lines()
    assert infer_scope(host).global_endpoint == (source == "legacy global endpoint")


def test_explicit_scope_wins_and_says_so() -> None:
    account = signers.migrate(DOC_EMR_URL, region="eu-west-1", service="emr", at=AT).account
    assert (account.region, account.region_source) == ("eu-west-1", "explicit")
    assert (account.service, account.service_source) == ("emr", "explicit")
    assert not any(line.startswith("host:") for line in account.lines())


def test_s3_compatible_store_needs_a_region() -> None:
    url = (
        "https://minio.example.net:9000/bucket/key?AWSAccessKeyId=A&Expires=1714568400&Signature=s"
    )
    with pytest.raises(signers.InvalidOption) as caught:
        signers.migrate(url, at=AT)
    assert caught.value.field == "region"
    assert "option 'region' is required" in str(caught.value)
    assert "minio.example.net" in str(caught.value)
    result = signers.migrate(url, region="us-east-1", at=AT)
    assert result.account.service == "s3"
    assert result.account.service_source == "S3 legacy scheme"
    assert result.account.region_source == "explicit"


def test_query_api_on_an_unknown_host_needs_a_service() -> None:
    url = "https://api.example.net/?Action=X&SignatureVersion=2&Signature=s&AWSAccessKeyId=A"
    with pytest.raises(signers.InvalidOption) as caught:
        signers.migrate(url, region="us-east-1", at=AT)
    assert caught.value.field == "service"
    assert "not an AWS endpoint" in str(caught.value)
    assert (
        signers.migrate(url, region="us-east-1", service="ec2", at=AT).options["service"] == "ec2"
    )


def test_legacy_global_s3_warns_about_other_regions() -> None:
    lines = signers.migrate(DOC_S3_PRESIGNED, at=AT).account.lines()
    assert any("AuthorizationHeaderMalformed" in line for line in lines)


# -- lifetime of presigned URLs ----------------------------------------------------------------


def _presigned(expires: int) -> str:
    return f"https://b.s3.us-west-2.amazonaws.com/k?AWSAccessKeyId=A&Expires={expires}&Signature=s"


def test_presigned_lifetime_is_clamped_and_explained() -> None:
    now = int(AT.timestamp())
    far = signers.migrate(_presigned(now + 30 * 86400), at=AT)
    assert far.options["expires"] == 604800
    assert any("clamped to 604800" in line for line in far.account.lines())
    past = signers.migrate(_presigned(now - 5), at=AT)
    assert past.options["expires"] == 1
    assert any("expired" in line and "5 s before" in line for line in past.account.lines())
    given = signers.migrate(_presigned(now - 5), at=AT, expires=900)
    assert given.options["expires"] == 900
    with pytest.raises(signers.InvalidOption, match="604800"):
        signers.migrate(_presigned(now), at=AT, expires=604801)
    with pytest.raises(signers.InvalidOption, match="presigned") as caught:
        signers.migrate(DOC_EMR_URL, at=AT, expires=60)
    assert caught.value.field == "expires"
    with pytest.raises(MigrationError, match="epoch seconds"):
        signers.migrate(_presigned(now).replace(f"Expires={now}", "Expires=soon"), at=AT)


# -- unsigned results and secrets --------------------------------------------------------------


def test_without_credentials_the_result_says_how_to_sign() -> None:
    params = {"Action": "ListQueues", "Version": "2012-11-05"}
    signed_v2 = sigv2_input("GET", "https://sqs.eu-west-1.amazonaws.com/", params, TOKEN)
    result = signers.migrate(signed_v2, at=AT)
    assert result.signed is None
    assert result.has_session_token
    assert result.account.added_headers == ("X-Amz-Security-Token", "X-Amz-Date", "Authorization")
    later = result.sign(CREDS)
    direct = signers.migrate(signed_v2, CREDS, at=AT)
    assert direct.signed is not None
    assert later.headers == direct.signed.headers
    assert later.request.header("X-Amz-Security-Token") == TOKEN
    signer = signers.get_signer(result.signer, **result.options)
    same = signer.sign(result.request, Credentials(AK, SK, TOKEN), AT)
    assert same.headers == later.headers
    # The token never shows in the result's repr or account.
    for text in (repr(result), json.dumps(result.account.as_dict()), repr(result.account)):
        assert TOKEN not in text and "token+with" not in text and SK not in text


def test_credentials_token_replaces_the_requests() -> None:
    params = {"Action": "ListQueues", "Version": "2012-11-05"}
    signed_v2 = sigv2_input("GET", "https://sqs.eu-west-1.amazonaws.com/", params, TOKEN)
    result = signers.migrate(signed_v2, Credentials(AK, SK, "other-token"), at=AT)
    assert header(result, "X-Amz-Security-Token") == "other-token"
    assert "replaces" in result.account.session_token


def test_inputs_are_checked() -> None:
    with pytest.raises(signers.InvalidRequest):
        signers.migrate(42, at=AT)  # type: ignore[arg-type]
    with pytest.raises(signers.InvalidCredentials):
        signers.migrate(DOC_EMR_URL, ("A", "B"), at=AT)  # type: ignore[arg-type]
    with pytest.raises(signers.InvalidTime):
        signers.migrate(DOC_EMR_URL, at=datetime.datetime(2024, 1, 1))
    with pytest.raises(signers.InvalidOption, match="s3_options"):
        signers.migrate(DOC_S3_PUT, at=AT, s3_options={"colour": "blue"})


def test_s3_options_let_custom_endpoints_verify() -> None:
    # A bucket addressed through a vendor's host: the bucket must lead the resource.
    aws = botocore.awsrequest.AWSRequest(
        method="GET", url="https://media.objects.example.net/a.png"
    )
    aws.auth_path = "/media/a.png"
    with frozen_clock(AT):
        botocore.auth.HmacV1Auth(_botocore_credentials(None)).add_auth(aws)
    request = _request_of(aws.prepare(), "GET")
    with pytest.raises(MigrationError):
        signers.migrate(request, CREDS, verify=True, region="us-east-1", at=AT)
    options = {"virtual_host_suffix": "objects.example.net"}
    result = signers.migrate(
        request, CREDS, verify=True, region="us-east-1", at=AT, s3_options=options
    )
    assert result.account.verified is True


# -- the command -------------------------------------------------------------------------------


def _run(capsys: Any, argv: List[str]) -> Tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="sigbridge migrate")
    add_arguments(parser)
    code = run(parser.parse_args(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def no_env_credentials(monkeypatch: Any) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def env_credentials(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DOC_AK)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DOC_SK)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)


def test_cli_without_credentials_prints_the_stripped_request_and_command(
    capsys: Any, no_env_credentials: None
) -> None:
    code, out, err = _run(capsys, [DOC_EMR_URL])
    assert code == 0, err
    assert "GET /?Action=DescribeJobFlows&Version=2009-03-31 HTTP/1.1" in out
    assert (
        "sigbridge sign GET 'https://elasticmapreduce.amazonaws.com/?Action=DescribeJobFlows"
        "&Version=2009-03-31' --region us-east-1 --service elasticmapreduce" in out
    )
    assert "# removed parameters: AWSAccessKeyId, SignatureMethod, SignatureVersion" in out
    assert "# region us-east-1: legacy global endpoint" in out


def test_cli_signs_and_verifies_with_env_credentials(
    capsys: Any, env_credentials: None, monkeypatch: Any
) -> None:
    code, out, err = _run(capsys, [DOC_EMR_URL, "--verify", "--at", "2011-10-03T15:19:30Z"])
    assert code == 0, err
    assert "# verification: old signature verified" in out
    theirs = botocore_sign(
        "SigV4Auth",
        "GET",
        "https://elasticmapreduce.amazonaws.com/?Action=DescribeJobFlows&Version=2009-03-31",
        [],
        b"",
        access_key=DOC_AK,
        secret_key=DOC_SK,
        token=None,
        region="us-east-1",
        service="elasticmapreduce",
        at=datetime.datetime(2011, 10, 3, 15, 19, 30, tzinfo=UTC),
        monkeypatch=monkeypatch,
    )
    assert f"Authorization: {theirs['authorization']}" in out
    assert DOC_SK not in out


def test_cli_presigned_url_quiet_prints_only_the_url(capsys: Any, env_credentials: None) -> None:
    code, out, err = _run(capsys, [DOC_S3_PRESIGNED, "-q", "--at", "2007-03-29T02:40:20Z"])
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("https://johnsmith.s3.amazonaws.com/photos/puppy.jpg?X-Amz-")
    assert "X-Amz-Expires=3600" in lines[0]


def test_cli_json(capsys: Any, no_env_credentials: None) -> None:
    code, out, err = _run(capsys, [DOC_S3_PRESIGNED, "--json", "--at", "2007-03-29T02:40:20Z"])
    assert code == 0, err
    data = json.loads(out)
    assert data["scheme"] == "s3-v2-query"
    assert data["signer"] == "sigv4-query"
    assert data["signed"] is False
    assert data["options"] == {"region": "us-east-1", "service": "s3", "s3": True, "expires": 3600}
    assert data["url"] == "https://johnsmith.s3.amazonaws.com/photos/puppy.jpg"
    assert data["account"]["removed_parameters"] == ["AWSAccessKeyId", "Expires", "Signature"]
    assert data["command"].startswith("sigbridge presign GET ")


def test_cli_raw_request_from_a_file_and_stdin(
    capsys: Any, tmp_path: Any, env_credentials: None, monkeypatch: Any
) -> None:
    raw = (
        "PUT /photos/puppy.jpg HTTP/1.1\n"
        "Host: johnsmith.s3.amazonaws.com\n"
        "Content-Type: image/jpeg\n"
        "Content-Length: 94328\n"
        "Date: Tue, 27 Mar 2007 21:15:45 +0000\n"
        "Authorization: AWS AKIAIOSFODNN7EXAMPLE:MyyxeRY7whkBe+bq8fHCL/2kKUg=\n"
        "\n"
    )
    path = tmp_path / "put.txt"
    path.write_text(raw)
    at = ["--at", "2007-03-27T21:15:45Z"]  # the request's Date: verified as a server would then
    code, out, err = _run(capsys, [f"@{path}", "--verify", "--json", *at])
    assert code == 0, err
    data = json.loads(out)
    assert data["scheme"] == "s3-v2" and data["signed"] is True
    assert data["account"]["verified"] is True
    assert data["account"]["removed_headers"] == ["Date", "Authorization"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw.encode())))
    code, out, err = _run(capsys, ["-", "--verify", "-q", *at])
    assert code == 0, err
    assert out.startswith("PUT /photos/puppy.jpg HTTP/1.1\nHost: johnsmith.s3.amazonaws.com\n")
    assert "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/" in out


@pytest.mark.parametrize(
    "argv, words",
    [
        (["https://example.com/x"], "no SigV2 signature"),
        (["not-a-url"], "is not a URL"),
        (["@/nonexistent/request.txt"], "cannot read"),
        ([], "give one URL"),
        ([DOC_EMR_URL, DOC_EMR_URL], "give one URL"),
        ([DOC_EMR_URL, "--verify"], "--verify needs the secret key"),
        ([DOC_EMR_URL, "--at", "yesterday"], "--at"),
        ([DOC_EMR_URL, "--expires", "60"], "presigned"),
        ([DOC_EMR_URL, "-H", "bad header"], "Name: value"),
        (
            ["https://minio.local:9000/b/k?AWSAccessKeyId=A&Expires=1&Signature=s"],
            "'region' is required",
        ),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(
    capsys: Any, no_env_credentials: None, argv: List[str], words: str
) -> None:
    code, out, err = _run(capsys, argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("sigbridge migrate: error: ")
    assert words in err


def test_cli_verification_failure_is_one_line(capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DOC_AK)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    code, out, err = _run(capsys, [DOC_EMR_URL, "--verify"])
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "SignatureDoesNotMatch" in err
    assert "not-the-secret" not in err


@pytest.mark.slow
def test_module_entry_point_has_no_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "signers.cli", "migrate", "https://example.com/?Signature=x"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "", "PYTHONPATH": str(IMPORT_ROOT)},
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "SignatureVersion" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("kind", ["sqs-post", "s3-header", "s3-presigned"])
def test_the_printed_sign_command_signs_the_same(
    kind: str, capsys: Any, monkeypatch: Any, no_env_credentials: None
) -> None:
    import shlex

    from signers.cli import main as sigbridge
    from signers.cli.migrate import sign_command

    if kind == "sqs-post":
        params = {"Action": "SendMessage", "MessageBody": "a b", "Version": "2012-11-05"}
        url = "https://sqs.eu-west-1.amazonaws.com/123456789012/MyQueue"
        legacy: Any = sigv2_input("POST", url, params, TOKEN)
    elif kind == "s3-header":
        url = "https://examplebucket.s3.eu-west-1.amazonaws.com/a%20b.txt"
        legacy = s3_header_input(
            "PUT", url, "/examplebucket/a%20b.txt", [("Content-Type", "text/plain")], b"hi", TOKEN
        )
    else:
        url = "https://examplebucket.s3.eu-west-1.amazonaws.com/a.txt?versionId=1"
        legacy = s3_presigned_input(url, "/examplebucket/a.txt", TOKEN)
    result = signers.migrate(legacy, at=LATER)
    command = sign_command(result)
    argv = shlex.split(command)
    assert argv[0] == "sigbridge"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AK)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SK)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    code = sigbridge([*argv[1:], "--at", "2024-05-01T12:10:00Z", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    expected = result.sign(CREDS, LATER)  # the request's token comes with the result
    data = json.loads(out)
    assert data["signature"] == expected.signature
    assert data["url"] == expected.url


def test_cli_presigned_without_credentials_prints_the_stripped_url(
    capsys: Any, no_env_credentials: None
) -> None:
    code, out, err = _run(capsys, [DOC_S3_PRESIGNED, "-q", "--at", "2007-03-29T02:40:20Z"])
    assert code == 0, err
    assert out == "https://johnsmith.s3.amazonaws.com/photos/puppy.jpg\n"
