"""serve --upstream: verify, then forward to a real backend (moto's server on 127.0.0.1), bodies
streamed both ways, the client's auth removed or replaced by the upstream's own SigV4."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import http.client
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import signers
from signers import Credentials, Request
from signers.credentials import StaticProvider
from signers.serve import UpstreamSigning
from tests._support import AK, SECRET
from tests.serve.support import (
    CHAIN_KEY,
    CHAIN_SECRET,
    TIMEOUT,
    account_of,
    botocore_client,
    connect,
    moto_server,
    read_answer,
    running,
    status_of,
)

pytest.importorskip("moto.server")
from botocore.exceptions import ClientError

pytestmark = pytest.mark.slow

PATH = {"addressing_style": "path"}


def _signing():
    return UpstreamSigning(StaticProvider(Credentials(CHAIN_KEY, CHAIN_SECRET)))


def test_s3_through_serve_to_moto_unsigned():
    # Forwarded unsigned, a request is anonymous upstream: moto (as S3) lets anonymous callers
    # read and write only what an ACL opens to them.
    with moto_server() as moto, running(upstream=moto) as (server, logs):
        s3 = botocore_client("s3", server.url, s3=PATH)
        s3.create_bucket(Bucket="bucket", ACL="public-read-write")
        body = os.urandom(100_000)
        put = s3.put_object(Bucket="bucket", Key="dir/a b+c.bin", Body=body, ACL="public-read")
        assert put["ETag"] == '"' + hashlib.md5(body).hexdigest() + '"'  # moto's answer
        got = s3.get_object(Bucket="bucket", Key="dir/a b+c.bin")
        assert got["Body"].read() == body
        assert account_of(got["ResponseMetadata"]["HTTPHeaders"])["scheme"] == "sigv4"
        listed = s3.list_objects_v2(Bucket="bucket")
        assert [item["Key"] for item in listed["Contents"]] == ["dir/a b+c.bin"]
        assert s3.head_object(Bucket="bucket", Key="dir/a b+c.bin")["ContentLength"] == len(body)
        # upstream errors pass through unchanged
        with pytest.raises(ClientError) as info:
            s3.get_object(Bucket="bucket", Key="missing")
        assert info.value.response["Error"]["Code"] == "NoSuchKey"
        # a bad signature stops at serve and never reaches moto
        wrong = botocore_client("s3", server.url, secret="wrong", s3=PATH)
        with pytest.raises(ClientError) as info:
            wrong.put_object(Bucket="bucket", Key="intruder", Body=b"x")
        assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
        assert len(s3.list_objects_v2(Bucket="bucket")["Contents"]) == 1
        assert "PUT '/bucket/intruder' 403 SignatureDoesNotMatch" in logs
        assert any(line.endswith("200 upstream sigv4") for line in logs)


def test_sdk_calls_through_serve_to_moto_signed_again():
    with moto_server() as moto, running(
        upstream=moto, upstream_signing=_signing(), schemes=["sigv4"]
    ) as (server, _):
        sts = botocore_client("sts", server.url)
        identity = sts.get_caller_identity()
        assert identity["Account"] == "123456789012"  # moto's, through serve
        assert identity["ResponseMetadata"]["RetryAttempts"] == 0
        ec2 = botocore_client("ec2", server.url)
        regions = ec2.describe_regions()["Regions"]
        assert "us-east-1" in [r["RegionName"] for r in regions]
        s3 = botocore_client("s3", server.url, s3=PATH)
        s3.create_bucket(Bucket="signed")
        s3.put_object(Bucket="signed", Key="k", Body=b"payload")
        assert s3.get_object(Bucket="signed", Key="k")["Body"].read() == b"payload"
        assert s3.list_objects_v2(Bucket="signed")["KeyCount"] == 1


def test_large_upload_is_streamed_and_checked_against_its_hash():
    with moto_server() as moto, running(
        upstream=moto, upstream_signing=_signing(), max_body=256 * 1024
    ) as (server, _):
        s3 = botocore_client("s3", server.url, s3=PATH)
        s3.create_bucket(Bucket="big")
        body = os.urandom(3 * 1024 * 1024)  # over max_body: streamed, never held
        s3.put_object(Bucket="big", Key="blob", Body=body)
        assert s3.get_object(Bucket="big", Key="blob")["Body"].read() == body
        # a body that does not match its signed hash: the upstream never gets it whole
        signer = signers.get_signer("sigv4", region="us-east-1", service="s3", s3=True)
        signed = signer.sign(
            Request("PUT", server.url + "/big/tampered", [], body),
            Credentials(AK, SECRET),
            at=dt.datetime.now(dt.timezone.utc),
        )
        sock = connect(server)
        head = f"PUT /big/tampered HTTP/1.1\r\nHost: {signed.request.host_header}\r\n"
        head += "".join(f"{n}: {v}\r\n" for n, v in signed.headers)
        sock.sendall(f"{head}Content-Length: {len(body)}\r\n\r\n".encode())
        sock.sendall(body[:-1] + bytes([body[-1] ^ 1]))  # always differs
        answer = read_answer(sock)
        sock.close()
        assert status_of(answer) == 400 and b"<Code>XAmzContentSHA256Mismatch</Code>" in answer
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket="big")["Contents"]]
        assert keys == ["blob"]


def test_unreachable_upstream_is_an_aws_shaped_503():
    probe = connect_free_port()
    with running(upstream=f"http://127.0.0.1:{probe}") as (server, _):
        s3 = botocore_client("s3", server.url, s3=PATH)
        with pytest.raises(ClientError) as info:
            s3.list_objects_v2(Bucket="b")
        assert info.value.response["Error"]["Code"] == "ServiceUnavailable"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert (
            "could not be reached (ConnectionRefusedError)"
            in info.value.response["Error"]["Message"]
        )


def connect_free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- what goes up and what comes back ---------------------------------------------------------


@contextlib.contextmanager
def recording_upstream():
    """An upstream that records each request's head and body, and answers chunked with
    hop-by-hop headers of its own."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_PUT(self):
            length = int(self.headers.get("Content-Length") or 0)
            seen.append(
                (self.command, self.path, list(self.headers.items()), self.rfile.read(length))
            )
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "keep-alive, X-Upstream-Hop")
            self.send_header("X-Upstream-Hop", "dropped")
            self.send_header("Keep-Alive", "timeout=5")
            self.send_header("X-End-To-End", "kept")
            self.end_headers()
            for piece in (b"first ", b"second"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")

        do_GET = do_PUT

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/prefix", seen
    finally:
        server.shutdown()
        server.server_close()


def test_hop_by_hop_headers_and_auth_are_not_forwarded():
    with recording_upstream() as (upstream, seen), running(upstream=upstream) as (server, _):
        signer = signers.get_signer("sigv4", region="us-east-1", service="s3", s3=True)
        signed = signer.sign(
            Request(
                "PUT",
                "http://bucket.s3.example.test/key?acl",
                [
                    ("Connection", "keep-alive, X-Client-Hop"),
                    ("X-Client-Hop", "1"),
                    ("TE", "trailers"),
                    ("X-Kept", "yes"),
                ],
                b"body",
            ),
            Credentials(AK, SECRET),
            at=dt.datetime.now(dt.timezone.utc),
        )
        connection = http.client.HTTPConnection(*server.server_address[:2], timeout=TIMEOUT)
        connection.putrequest("PUT", "/key?acl", skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", "bucket.s3.example.test")
        for name, value in signed.headers:
            connection.putheader(name, value)
        connection.putheader("Content-Length", "4")
        connection.endheaders(b"body")
        response = connection.getresponse()
        assert response.read() == b"first second"  # re-chunked to the client
        headers = {name.lower(): value for name, value in response.getheaders()}
        connection.close()
    assert response.status == 200 and headers["x-end-to-end"] == "kept"
    assert "x-upstream-hop" not in headers and "keep-alive" not in headers
    assert account_of(response.headers)["scheme"] == "sigv4"
    method, path, sent, body = seen[0]
    names = {name.lower() for name, _ in sent}
    assert (method, path, body) == ("PUT", "/prefix/bucket/key?acl", b"body")  # path-style
    assert dict((n.lower(), v) for n, v in sent)["host"] == upstream.split("/")[2]
    assert "x-kept" in names and "x-amz-content-sha256" in names
    for dropped in ("authorization", "x-amz-date", "x-client-hop", "te", "connection"):
        assert dropped not in names


def test_an_answer_cut_short_upstream_ends_the_client_connection():
    class Cutting(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"only ten b")
            self.wfile.flush()
            self.connection.close()

    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Cutting)
    thread = threading.Thread(target=upstream.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{upstream.server_address[1]}"
        with running(upstream=url) as (server, logs):
            signer = signers.get_signer("sigv4", region="us-east-1", service="s3", s3=True)
            signed = signer.sign(
                Request("GET", server.url + "/b/k"),
                Credentials(AK, SECRET),
                at=dt.datetime.now(dt.timezone.utc),
            )
            connection = http.client.HTTPConnection(*server.server_address[:2], timeout=TIMEOUT)
            connection.request("GET", "/b/k", headers=dict(signed.headers))
            response = connection.getresponse()
            assert response.status == 200
            with pytest.raises(http.client.IncompleteRead):
                response.read()
            connection.close()
        assert "GET '/b/k' 502 upstream answer cut short" in logs
    finally:
        upstream.shutdown()
        upstream.server_close()
