"""aws-chunked uploads through serve: checked chunk by chunk as they arrive, answered or forwarded
decoded (re-chunked and signed again for the upstream); a large legacy upload leaves the proxy
aws-chunked."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import io
import json
import os

import pytest

import signers
from signers import Credentials, Request
from signers.credentials import StaticProvider
from signers.serve import UpstreamSigning
from signers.streaming import sign_stream
from tests._support import AK, SECRET
from tests.serve.support import (
    CHAIN_KEY,
    CHAIN_SECRET,
    TIMEOUT,
    botocore_client,
    chain_environment,
    moto_server,
    running,
)

pytestmark = pytest.mark.slow

PATH = {"addressing_style": "path"}


def _put_chunked(server, path, body, *, tamper=False, chunk_size=64 * 1024):
    """PUT ``body`` aws-chunked (signed chunks) to ``server``; ``(status, headers, answer)``."""
    signer = signers.get_signer("sigv4", region="us-east-1", service="s3", s3=True)
    request = Request(
        "PUT", server.url + path, [("x-amz-decoded-content-length", str(len(body)))], b""
    )
    stream = sign_stream(
        signer,
        request,
        Credentials(AK, SECRET),
        io.BytesIO(body),
        dt.datetime.now(dt.timezone.utc),
        chunk_size=chunk_size,
    )
    wire = b"".join(stream)
    if tamper:  # one byte of the second chunk's data changed
        at = wire.index(b"\r\n", wire.index(b"chunk-signature=", 200)) + 10
        wire = wire[:at] + bytes([wire[at] ^ 1]) + wire[at + 1 :]
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=TIMEOUT)
    connection.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
    connection.putheader("Host", stream.request.host_header)
    for name, value in stream.request.headers:
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(wire)
    response = connection.getresponse()
    answer = response.read()
    connection.close()
    return response.status, response.headers, answer


def test_serve_checks_each_chunk():
    body = os.urandom(300_000)
    with running() as (server, logs):
        status, headers, _ = _put_chunked(server, "/b/k", body)
        assert status == 200
        assert headers["ETag"] == '"' + hashlib.md5(body).hexdigest() + '"'  # of the payload
        status, _, answer = _put_chunked(server, "/b/k", body, tamper=True)
        assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in answer
    assert [line.split(" ", 2)[2] for line in logs] == ["200 OK sigv4", "403 SignatureDoesNotMatch"]


def test_chunked_upload_forwarded_to_moto_decoded_and_signed_again():
    body = os.urandom(1_000_000)
    signing = UpstreamSigning(StaticProvider(Credentials(CHAIN_KEY, CHAIN_SECRET)))
    with moto_server() as moto, running(upstream=moto, upstream_signing=signing) as (server, _):
        s3 = botocore_client("s3", server.url, s3=PATH)
        s3.create_bucket(Bucket="chunks")
        status, _, _ = _put_chunked(server, "/chunks/good", body)
        assert status == 200
        assert s3.get_object(Bucket="chunks", Key="good")["Body"].read() == body
        status, _, _ = _put_chunked(server, "/chunks/bad", body, tamper=True)
        assert status == 403
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket="chunks")["Contents"]]
        assert keys == ["good"]  # the tampered upload never reached moto whole


def test_a_large_legacy_upload_leaves_the_proxy_aws_chunked(monkeypatch):
    # The proxy's upstream here is serve answering with its account (json_account): its
    # payload_checked is true only for a body it checked, which for a body the proxy streams
    # (over max_body) means aws-chunked, every chunk signed by the proxy with the chain's key;
    # UNSIGNED-PAYLOAD would leave it false.
    chain_environment(monkeypatch)
    from tests.proxy.support import LEGACY_KEY, LEGACY_SECRET, proxying

    chain = Credentials(CHAIN_KEY, CHAIN_SECRET)
    body = os.urandom(3 * 1024 * 1024 + 5)
    accounts = []
    for streamed in ("aws-chunked", "unsigned"):
        with running(credentials=[chain], schemes=["sigv4"], json_account=True) as (
            upstream,
            upstream_logs,
        ), proxying(upstream.url, max_body=1024 * 1024, streamed=streamed) as (proxy, _):
            signed = signers.get_signer("s3-v2").sign(
                Request("PUT", proxy.url + "/b/big", [], body),
                Credentials(LEGACY_KEY, LEGACY_SECRET),
                dt.datetime.now(dt.timezone.utc),
            )
            connection = http.client.HTTPConnection(*proxy.server_address[:2], timeout=TIMEOUT)
            connection.request("PUT", "/b/big", body, dict(signed.headers))
            response = connection.getresponse()
            accounts.append(json.loads(response.read()))
            connection.close()
            assert response.status == 200
        assert upstream_logs == ["PUT '/b/big' 200 OK sigv4"]
    assert [a["payload_checked"] for a in accounts] == [True, False]
    assert {a["access_key"] for a in accounts} == {CHAIN_KEY}
