"""sigbridge serve, driven by real clients: botocore (S3, STS, ECS), urllib, raw sockets."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import socket
import time

import pytest

import signers
from signers import Credentials, Request
from signers.serve import load_credentials_file, parse_credential
from tests._support import AK, SECRET, TOKEN
from tests.tools._serve_clients import (
    AK2,
    TIMEOUT,
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

# each test starts a server on a loopback port
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("offline_environment")]


# -- botocore: S3 --------------------------------------------------------------------------------


def test_s3_get_object_path_style():
    with running() as (server, logs):
        s3 = botocore_client("s3", server.url, s3={"addressing_style": "path"})
        account = json.loads(s3.get_object(Bucket="bucket", Key="dir/a b+c.txt")["Body"].read())
        assert account["scheme"] == "sigv4" and account["access_key"] == AK
        assert (account["region"], account["service"]) == ("us-east-1", "s3")
        assert (
            "host" in account["signed_headers"]
            and "x-amz-content-sha256" in account["signed_headers"]
        )
        assert abs(
            dt.datetime.now(dt.timezone.utc)
            - dt.datetime.fromisoformat(account["time"].replace("Z", "+00:00"))
        ) < dt.timedelta(minutes=1)
        assert any(line.startswith("GET '/bucket/dir/a%20b%2Bc.txt' 200") for line in logs)


def test_s3_get_object_virtual_hosted_through_loopback_proxy():
    # bucket.<endpoint> must not need DNS: botocore sends the absolute-form request to the proxy
    # we name, which is the server itself; the signed host is the virtual host the client used.
    with running() as (server, _):
        port = server.server_address[1]
        s3 = botocore_client(
            "s3",
            f"http://s3.example.test:{port}",
            s3={"addressing_style": "virtual"},
            proxies={"http": server.url},
        )
        account = json.loads(s3.get_object(Bucket="my-bucket", Key="k")["Body"].read())
        assert account["scheme"] == "sigv4" and account["service"] == "s3"


def test_s3_tampered_requests_get_s3_codes():
    with running() as (server, _):
        response = client_error(
            lambda: botocore_client("s3", server.url, secret="wrong").get_object(
                Bucket="b", Key="k"
            )
        )
        error = response["Error"]
        assert error["Code"] == "SignatureDoesNotMatch"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert error["CanonicalRequest"].startswith("GET\n/b/k\n")
        assert error["StringToSign"].startswith("AWS4-HMAC-SHA256\n")
        assert (
            bytes.fromhex(error["CanonicalRequestBytes"].replace(" ", "")).decode()
            == (error["CanonicalRequest"])
        )
        response = client_error(
            lambda: botocore_client("s3", server.url, key="AKIDUNKNOWN").get_object(
                Bucket="b", Key="k"
            )
        )
        assert response["Error"]["Code"] == "InvalidAccessKeyId"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with running(region="eu-west-1") as (server, logs):
        # S3 names the region it expects in <Region>; botocore's region redirector reads it from
        # our answer, re-signs for eu-west-1 and succeeds, as it does against S3.
        body = botocore_client("s3", server.url).get_object(Bucket="b", Key="k")["Body"].read()
        assert json.loads(body)["region"] == "eu-west-1"
        assert [line.split(" ", 2)[2] for line in logs] == [
            "400 AuthorizationHeaderMalformed",
            "200 OK sigv4",
        ]


# -- botocore: query (STS) and JSON (ECS) ------------------------------------------------------


def _capture(client, event):
    seen = {}

    def grab(response_dict, **_):
        seen["status"] = response_dict["status_code"]
        seen["body"] = response_dict["body"]

    client.meta.events.register(event, grab)
    return seen


def test_sts_query_call():
    with running() as (server, _):
        sts = botocore_client("sts", server.url, key=AK2, token=TOKEN)
        seen = _capture(sts, "before-parse.sts.GetCallerIdentity")
        # A query-protocol answer the parser reads; the account is in x-sigbridge-verified.
        result = sts.get_caller_identity()
        assert seen["status"] == 200
        metadata = result["ResponseMetadata"]
        assert metadata["RequestId"] == metadata["HTTPHeaders"]["x-amzn-requestid"]
        account = verified_account(metadata["HTTPHeaders"])
        assert (account["scheme"], account["access_key"], account["service"]) == (
            "sigv4",
            AK2,
            "sts",
        )
        assert "x-amz-security-token" in account["signed_headers"]
        response = client_error(
            lambda: botocore_client("sts", server.url, secret="wrong").get_caller_identity()
        )
        assert response["Error"]["Code"] == "SignatureDoesNotMatch"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert (
            "The Canonical String for this request should have been" in response["Error"]["Message"]
        )
        response = client_error(
            lambda: botocore_client("sts", server.url, key="AKIDUNKNOWN").get_caller_identity()
        )
        assert response["Error"]["Code"] == "InvalidClientTokenId"
        response = client_error(
            lambda: botocore_client(
                "sts", server.url, key=AK2, token=TOKEN + "x"
            ).get_caller_identity()
        )
        assert response["Error"]["Code"] == "InvalidClientTokenId"


def test_ecs_json_call():
    with running() as (server, _):
        ecs = botocore_client("ecs", server.url, region="eu-west-1")
        result = ecs.list_clusters()
        assert result["ResponseMetadata"]["HTTPStatusCode"] == 200
        response = client_error(
            lambda: botocore_client("ecs", server.url, secret="wrong").list_clusters()
        )
        assert response["Error"]["Code"] == "InvalidSignatureException"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
        response = client_error(
            lambda: botocore_client("ecs", server.url, key="AKIDUNKNOWN").list_clusters()
        )
        assert response["Error"]["Code"] == "UnrecognizedClientException"
    with running(service="autoscaling-plans") as (server, _):
        response = client_error(lambda: botocore_client("ecs", server.url).list_clusters())
        assert response["Error"]["Code"] == "InvalidSignatureException"
        assert response["Error"]["Message"] == (
            "Credential should be scoped to correct service: 'autoscaling-plans'."
        )


# -- presigned URLs and our own signers ----------------------------------------------------------


def test_presigned_url_fetched_with_urllib():
    with running() as (server, _):
        s3 = botocore_client("s3", server.url, signature_version="s3v4")
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": "b", "Key": "some key.txt"}, ExpiresIn=60
        )
        status, body = http_get(url)
        assert status == 200
        assert json.loads(body)["scheme"] == "sigv4-query"
        status, body = http_get(url.replace("some", "other"))
        assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body
    later = lambda: dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=61)  # noqa: E731
    with running(clock=later) as (server, _):
        url = botocore_client("s3", server.url, signature_version="s3v4").generate_presigned_url(
            "get_object", Params={"Bucket": "b", "Key": "k"}, ExpiresIn=60
        )
        status, body = http_get(url)
        assert status == 403
        assert b"<Code>AccessDenied</Code><Message>Request has expired</Message>" in body
        assert b"<X-Amz-Expires>60</X-Amz-Expires>" in body


def test_our_own_signers():
    with running() as (server, _):
        at = dt.datetime.now(dt.timezone.utc)
        request = Request(
            "POST",
            server.url + "/prod/items?x=1",
            [("Content-Type", "application/json")],
            b'{"a": 1}',
        )
        signer = signers.get_signer("sigv4", region="us-west-2", service="execute-api")
        signed = signer.sign(request, Credentials(AK, SECRET), at=at)
        status, headers, body = http_fetch(signed.url, dict(signed.headers), "POST", b'{"a": 1}')
        assert status == 200 and verified_account(headers)["service"] == "execute-api"
        assert body == b"{}"  # a JSON request gets the JSON protocol's empty answer
        status, body = http_get(signed.url, dict(signed.headers), "POST", b'{"a": 2}')
        assert status == 403  # a JSON body gets a JSON-protocol answer
        assert json.loads(body)["__type"] == "InvalidSignatureException"
        presigner = signers.get_signer("sigv4-query", region="us-west-2", service="s3", s3=True)
        presigned = presigner.sign(
            Request("GET", server.url + "/b/k"), Credentials(AK2, SECRET, TOKEN), at=at
        )
        status, body = http_get(presigned.url)
        assert status == 200 and json.loads(body)["access_key"] == AK2


# -- bad input over the wire ---------------------------------------------------------------------


def test_garbage_requests_get_clean_answers():
    with running(max_header_bytes=8192, max_body=1024, timeout=1) as (server, logs):
        cases = [
            (
                b"GET / HTTP/1.1\r\nHost: h\r\nAuthorization: AWS4-HMAC-SHA256 garbage\r\n\r\n",
                400,
                b"IncompleteSignature",
            ),
            (
                b"GET /?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F2024 HTTP/1.1\r\n"
                b"Host: h\r\n\r\n",
                400,
                b"AuthorizationQueryParametersError",
            ),
            (
                b"GET /?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Algorithm=AWS4-HMAC-SHA256"
                b" HTTP/1.1\r\n"
                b"Host: h\r\n\r\n",
                400,
                b"AuthorizationQueryParametersError",
            ),
            (
                b"GET /\xff\xfe HTTP/1.1\r\nHost: h\r\nX-Bin: \xff\x80\r\n"
                b"Authorization: AWS4-HMAC-SHA256 Credential=\xff/x\r\n\r\n",
                400,
                b"IncompleteSignature",
            ),
            (
                b"GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n",
                400,
                b"RequestHeaderSectionTooLarge",
            ),
            (
                b"GET / HTTP/1.1\r\nHost: h\r\n"
                + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 500) for i in range(30))
                + b"\r\n",
                400,
                b"RequestHeaderSectionTooLarge",
            ),
            (
                b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 10000000\r\n\r\nabc",
                400,
                b"EntityTooLarge",
            ),
            (b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400, b"InvalidArgument"),
            # a chunked body is read (to its end) and the request judged: unsigned here
            (
                b"PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                403,
                b"MissingAuthenticationToken",
            ),
            (
                b"PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n",
                400,
                b"IncompleteBody",
            ),
            (b"GET / HTTP/1.1\r\n\r\n", 400, b"Missing required header: Host"),
            (b"NONSENSE\r\n\r\n", 400, b"BadRequest"),
            # a control byte in a header name: http.server drops the line; still a clean answer
            (b"GET / HTTP/1.1\r\nHost: h\r\nX-\x01: v\r\n\r\n", None, b"<Error><Code>"),
            (b"GET / HTTP/1.1\r\nHost: h\r\nX-Null: a\x00b\r\n\r\n", 400, b"InvalidRequest"),
        ]
        for data, status, needle in cases:
            response = raw_exchange(server, data)
            assert needle in response, (data[:60], response[:300])
            if status is not None and not data.startswith(b"NONSENSE"):
                assert status_of(response) == status, data[:60]
            still_serving(server)
        assert not any("Traceback" in line for line in logs)


def test_slow_client_does_not_hang_the_server():
    with running(timeout=0.5) as (server, _):
        host, port = server.server_address[:2]
        slow = socket.create_connection((host, port), timeout=TIMEOUT)
        try:
            slow.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n")  # ...and nothing more
            started = time.monotonic()
            still_serving(server)  # others are served meanwhile
            slow.settimeout(TIMEOUT)
            answer = b"".join(iter(lambda: slow.recv(4096), b""))  # the server gave up on it
            assert status_of(answer) == 400 and b"<Code>RequestTimeout</Code>" in answer
            assert time.monotonic() - started < TIMEOUT
        finally:
            slow.close()
        still_serving(server)


def test_keep_alive_connection_serves_several_requests():
    with running() as (server, _):
        host, port = server.server_address[:2]
        connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        try:
            for _ in range(3):
                connection.request("GET", "/x", headers={"Host": "h"})
                response = connection.getresponse()
                assert response.status == 403
                response.read()
        finally:
            connection.close()


# -- credentials ---------------------------------------------------------------------------------


def test_credentials_from_flags_and_files(tmp_path):
    assert parse_credential(f"{AK}:{SECRET}") == Credentials(AK, SECRET)
    assert parse_credential(f"{AK}:{SECRET}:{TOKEN}").token == TOKEN
    for bad in ("", "AK", "AK:", ":S", "A:B:C:D"):
        with pytest.raises(signers.InvalidCredentials) as info:
            parse_credential(bad)
        assert "credential" in str(info.value) or "token" in str(info.value)
    lines = tmp_path / "creds.txt"
    lines.write_text(f"# comment\n{AK} {SECRET}\n\n{AK2} {SECRET} {TOKEN}  # temp\n")
    assert [c.access_key for c in load_credentials_file(str(lines))] == [AK, AK2]
    as_json = tmp_path / "creds.json"
    as_json.write_text(json.dumps({AK: SECRET, AK2: {"secret_key": SECRET, "token": TOKEN}}))
    assert load_credentials_file(str(as_json))[1] == Credentials(AK2, SECRET, TOKEN)
    as_json.write_text(json.dumps([{"access_key": AK, "secret_key": SECRET}]))
    assert load_credentials_file(str(as_json)) == [Credentials(AK, SECRET)]
    for text in ("{bad", "[1]", f"{AK}\n", '{"AK": 5}', "a b c d"):
        lines.write_text(text)
        with pytest.raises(signers.InvalidCredentials) as info:
            load_credentials_file(str(lines))
        assert SECRET not in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(signers.InvalidCredentials):
        load_credentials_file(str(tmp_path / "missing"))
