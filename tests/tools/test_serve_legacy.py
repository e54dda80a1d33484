"""sigbridge serve with the legacy schemes, driven by real clients: botocore's S3 client in the
legacy ``signature_version="s3"`` (HmacV1), a legacy presigned URL fetched with urllib, SigV2 query
calls (our signer, and botocore's SigV2Auth) sent with urllib; tampered requests get AWS's codes
in AWS's shapes, and ``signers.diagnose.diff`` reads the server's legacy answers."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
import xml.etree.ElementTree as ET

import pytest

import signers
from signers import Credentials, Request
from signers.diagnose import diff, parse_server_error
from tests._support import AK, FORM, SECRET, TOKEN
from tests.tools._serve_clients import (
    AK2,
    botocore_client,
    client_error,
    http_fetch,
    http_get,
    raw_exchange,
    running,
    status_of,
    still_serving,
    verified_account,
)

pytest.importorskip("botocore")
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

# each test starts a server on a loopback port
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("offline_environment")]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _xml(body: bytes) -> dict:
    """Leaf elements of an XML answer by local name."""
    root = ET.fromstring(body)
    return {e.tag.rpartition("}")[2]: e.text or "" for e in root.iter() if len(e) == 0}


# -- botocore's S3 client, legacy signature ------------------------------------------------------


def test_s3_client_with_legacy_signature():
    with running() as (server, logs):
        s3 = botocore_client(
            "s3", server.url, signature_version="s3", s3={"addressing_style": "path"}
        )
        account = json.loads(s3.get_object(Bucket="bucket", Key="dir/a b+c.txt")["Body"].read())
        assert account["scheme"] == "s3-v2" and account["access_key"] == AK
        assert "date" in account["signed_headers"]
        assert abs(_now() - dt.datetime.fromisoformat(account["time"].replace("Z", "+00:00"))) < (
            dt.timedelta(minutes=1)
        )
        session = botocore_client(
            "s3",
            server.url,
            key=AK2,
            token=TOKEN,
            signature_version="s3",
            s3={"addressing_style": "path"},
        )
        account = json.loads(session.get_object(Bucket="b", Key="k")["Body"].read())
        assert account["access_key"] == AK2
        assert "x-amz-security-token" in account["signed_headers"]
        assert any(line.startswith("GET '/bucket/dir/a%20b%2Bc.txt' 200 OK s3-v2") for line in logs)


def test_s3_client_with_legacy_signature_tampered():
    with running() as (server, _):
        response = client_error(
            lambda: botocore_client(
                "s3", server.url, secret="wrong", signature_version="s3"
            ).get_object(Bucket="b", Key="k")
        )
        error = response["Error"]
        assert error["Code"] == "SignatureDoesNotMatch"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert error["StringToSign"].startswith("GET\n\n\n")
        assert error["StringToSign"].endswith("\n/b/k")
        assert (
            bytes.fromhex(error["StringToSignBytes"].replace(" ", "")).decode()
            == (error["StringToSign"])
        )
        assert error["AWSAccessKeyId"] == AK and error["SignatureProvided"]
        response = client_error(
            lambda: botocore_client(
                "s3", server.url, key="AKIDUNKNOWN", signature_version="s3"
            ).get_object(Bucket="b", Key="k")
        )
        assert response["Error"]["Code"] == "InvalidAccessKeyId"
        response = client_error(
            lambda: botocore_client(
                "s3", server.url, key=AK2, token=TOKEN + "x", signature_version="s3"
            ).get_object(Bucket="b", Key="k")
        )
        assert response["Error"]["Code"] == "InvalidToken"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    later = lambda: _now() + dt.timedelta(hours=1)  # noqa: E731
    with running(clock=later) as (server, _):
        response = client_error(
            lambda: botocore_client("s3", server.url, signature_version="s3").get_object(
                Bucket="b", Key="k"
            )
        )
        assert response["Error"]["Code"] == "RequestTimeTooSkewed"
        assert response["Error"]["MaxAllowedSkewMilliseconds"] == "900000"


def test_s3_client_virtual_hosted_through_loopback_proxy():
    with running() as (server, _):
        port = server.server_address[1]
        s3 = botocore_client(
            "s3",
            f"http://s3.example.test:{port}",
            signature_version="s3",
            s3={"addressing_style": "virtual"},
            proxies={"http": server.url},
        )
        # A custom endpoint: the server is told the suffix its virtual hosts share.
        with pytest.raises(botocore.exceptions.ClientError) as info:
            s3.get_object(Bucket="my-bucket", Key="k")
        assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    options = {"s3-v2": {"virtual_host_suffix": "s3.example.test"}}
    with running(options=options) as (server, _):
        port = server.server_address[1]
        s3 = botocore_client(
            "s3",
            f"http://s3.example.test:{port}",
            signature_version="s3",
            s3={"addressing_style": "virtual"},
            proxies={"http": server.url},
        )
        account = json.loads(s3.get_object(Bucket="my-bucket", Key="k")["Body"].read())
        assert account["scheme"] == "s3-v2"


# -- legacy presigned URLs -----------------------------------------------------------------------


def test_legacy_presigned_url_fetched_with_urllib():
    with running() as (server, _):
        s3 = botocore_client(
            "s3", server.url, signature_version="s3", s3={"addressing_style": "path"}
        )
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": "b", "Key": "some key.txt"}, ExpiresIn=60
        )
        assert "AWSAccessKeyId=" in url and "Expires=" in url
        status, body = http_get(url)
        assert status == 200
        account = json.loads(body)
        assert account["scheme"] == "s3-v2-query" and account["expires"]
        status, body = http_get(url.replace("some", "other"))
        assert status == 403
        fields = _xml(body)
        assert fields["Code"] == "SignatureDoesNotMatch"
        assert fields["StringToSign"].endswith("\n/b/other%20key.txt")
        status, body = http_get(url.replace("Expires=", "Expires=x"))
        assert status == 403 and _xml(body)["Code"] == "AccessDenied"
        status, body = http_get(url.replace("Signature=", "Sig="))
        assert status == 403
        assert _xml(body)["Message"] == (
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
            "parameters"
        )
    later = lambda: _now() + dt.timedelta(seconds=61)  # noqa: E731
    with running(clock=later) as (server, _):
        url = botocore_client("s3", server.url, signature_version="s3").generate_presigned_url(
            "get_object", Params={"Bucket": "b", "Key": "k"}, ExpiresIn=60
        )
        status, body = http_get(url)
        assert status == 403
        fields = _xml(body)
        assert (fields["Code"], fields["Message"]) == ("AccessDenied", "Request has expired")
        expires = int(urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["Expires"][0])
        assert fields["Expires"] == dt.datetime.fromtimestamp(expires, dt.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        assert fields["ServerTime"].endswith("Z")


# -- SigV2 query calls ---------------------------------------------------------------------------


def _sigv2_url(server, creds=None, **params):
    request = Request(
        "GET", server.url + "/?" + urllib.parse.urlencode({"Action": "ListQueues", **params})
    )
    return signers.get_signer("sigv2").sign(request, creds or Credentials(AK, SECRET), _now())


def test_sigv2_query_call_with_our_signer():
    with running() as (server, _):
        signed = _sigv2_url(server)
        status, headers, body = http_fetch(signed.url)
        assert status == 200
        account = verified_account(headers)
        assert (account["scheme"], account["access_key"]) == ("sigv2", AK)
        assert _xml(body)["RequestId"] == headers["x-amzn-RequestId"]  # <ListQueuesResponse>
        signed = _sigv2_url(server, Credentials(AK2, SECRET, TOKEN), QueueNamePrefix="a b")
        status, headers, _ = http_fetch(signed.url)
        assert status == 200 and verified_account(headers)["access_key"] == AK2

        # tampered: a parameter changed after signing
        status, body = http_get(signed.url.replace("QueueNamePrefix=a", "QueueNamePrefix=b"))
        assert status == 403
        assert b"<ErrorResponse><Error><Type>Sender</Type>" in body
        fields = _xml(body)
        assert fields["Code"] == "SignatureDoesNotMatch"
        assert "The String-to-Sign should have been" in fields["Message"]
        # a parameter missing, an old Timestamp: the query services' codes and statuses
        status, body = http_get(signed.url.replace("SignatureMethod=", "SignatureMeth="))
        assert (status, _xml(body)["Code"]) == (400, "MissingParameter")
        old = signers.get_signer("sigv2").sign(
            Request("GET", server.url + "/?Action=ListQueues"),
            Credentials(AK, SECRET),
            _now() - dt.timedelta(hours=1),
        )
        status, body = http_get(old.url)
        assert (status, _xml(body)["Code"]) == (400, "RequestExpired")
        assert "Request has expired. Timestamp date is " in _xml(body)["Message"]
        unknown = _sigv2_url(server, Credentials("AKIDUNKNOWN", SECRET))
        status, body = http_get(unknown.url)
        assert (status, _xml(body)["Code"]) == (403, "InvalidClientTokenId")


def test_sigv2_form_post_signed_by_botocore_sent_with_urllib():
    with running() as (server, _):
        aws = AWSRequest(
            method="POST",
            url=server.url + "/123456789012/queue",
            headers={"Content-Type": FORM + "; charset=utf-8"},
            data={"Action": "SendMessage", "MessageBody": "h\u00e9llo", "Version": "2012-11-05"},
        )
        botocore.auth.SigV2Auth(BotoCredentials(AK, SECRET)).add_auth(aws)
        prepared = aws.prepare()
        body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
        status, headers, answer = http_fetch(
            prepared.url, dict(prepared.headers.items()), "POST", body
        )
        assert status == 200, answer
        assert verified_account(headers)["scheme"] == "sigv2"
        assert ET.fromstring(answer).tag == "SendMessageResponse"
        tampered = body.replace(b"SendMessage", b"DeleteQueue")
        status, answer = http_get(prepared.url, dict(prepared.headers.items()), "POST", tampered)
        assert status == 403 and _xml(answer)["Code"] == "SignatureDoesNotMatch"


# -- diagnose reads the server's legacy answers --------------------------------------------------


def test_diff_reads_s3_legacy_string_to_sign_from_the_server():
    with running() as (server, _):
        request = Request(
            "PUT",
            server.url + "/b/k?acl",
            [("Content-Type", "text/plain"), ("x-amz-meta-a", "1")],
            b"body",
        )
        signed = signers.get_signer("s3-v2").sign(request, Credentials(AK, SECRET), _now())
        headers = dict(signed.headers)
        headers["Content-Type"] = "application/octet-stream"  # changed in transit
        status, body = http_get(signed.url, headers, "PUT", b"body")
        assert status == 403
        server_error = parse_server_error(body.decode())
        assert server_error.code == "SignatureDoesNotMatch"
        assert server_error.string_to_sign.split("\n")[2] == "application/octet-stream"
        report = diff(signed, body.decode())
        assert [h.label for h in report.hunks] == ["Content-Type"]
        assert report.cause_names == ["header-value"]
        assert "Content-Type 'text/plain' signed, 'application/octet-stream' received" in str(
            report
        )
        # the same request under a wrong secret: nothing differs but the key
        wrong = signers.get_signer("s3-v2").sign(request, Credentials(AK, "wrong"), _now())
        status, body = http_get(wrong.url, dict(wrong.headers), "PUT", b"body")
        assert status == 403
        report = diff(wrong, body.decode())
        assert report.equal and report.cause_names == ["secret"]


def test_diff_reads_sigv2_string_to_sign_from_the_query_message():
    with running() as (server, _):
        signed = _sigv2_url(server, QueueNamePrefix="a")
        status, body = http_get(signed.url.replace("QueueNamePrefix=a", "QueueNamePrefix=b"))
        assert status == 403
        report = diff(signed, body.decode())
        assert [h.label for h in report.hunks] == ["canonical query string"]
        assert report.cause_names == ["query"]
        assert "values differ for QueueNamePrefix" in str(report)


# -- bad input over the wire ---------------------------------------------------------------------


DOUBLED = b"Action=X&SignatureVersion=2&Signature=a&Signature=b&x=\xff\xfe"


def test_legacy_garbage_gets_clean_answers():
    with running(timeout=1) as (server, logs):
        cases = [
            (
                b"GET /b/k HTTP/1.1\r\nHost: h\r\nAuthorization: AWS HAHAHA\r\n\r\n",
                400,
                b"InvalidArgument",
            ),
            (
                b"GET /b/k HTTP/1.1\r\nHost: h\r\nAuthorization: AWS \xff\xfe:\xff\r\n"
                b"Date: \xff\r\n\r\n",
                403,
                b"<Code>AccessDenied</Code>",
            ),
            (
                b"GET /b/k HTTP/1.1\r\nHost: h\r\nAuthorization: AWS " + AK.encode() + b":s\r\n"
                b"Date: " + b"9" * 5000 + b"\r\n\r\n",
                403,
                b"AWS authentication requires a valid Date or x-amz-date header",
            ),
            (
                b"GET /b/k?AWSAccessKeyId=" + AK.encode() + b"&Expires=%FF&Signature=x HTTP/1.1\r\n"
                b"Host: h\r\n\r\n",
                403,
                b"Invalid date (should be seconds since epoch)",
            ),
            (
                b"GET /b/k?AWSAccessKeyId=A&AWSAccessKeyId=B&Expires=1&Signature=x HTTP/1.1\r\n"
                b"Host: h\r\n\r\n",
                400,
                b"InvalidArgument",
            ),
            (
                b"GET /?Action=X&SignatureVersion=2&AWSAccessKeyId="
                + AK.encode()
                + b"&SignatureMethod=HmacSHA256&Timestamp=%FF&Signature=x HTTP/1.1\r\n"
                b"Host: h\r\n\r\n",
                400,
                b"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterValue</Code>",
            ),
            (
                b"POST / HTTP/1.1\r\nHost: h\r\nContent-Type: " + FORM.encode() + b"\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(DOUBLED), DOUBLED),
                400,
                b"<Code>IncompleteSignature</Code>",
            ),
        ]
        for data, status, needle in cases:
            response = raw_exchange(server, data)
            assert needle in response, (data[:80], response[:400])
            assert status_of(response) == status, data[:80]
            still_serving(server)
        assert not any("Traceback" in line or "500" in line for line in logs)
