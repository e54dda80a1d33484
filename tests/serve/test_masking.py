"""No session token or signature of the request in serve's error answers (issue 9 item 6): S3's
XML with its canonical request and string to sign, the query XML and the JSON message keep
their structure with ``<masked>`` in place of the token and the signature."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

import signers
from signers import Credentials, Request
from signers._encoding import uri_encode
from tests._support import SECRET, TOKEN
from tests.serve.support import AK2, botocore_client, running

pytestmark = pytest.mark.slow  # servers on sockets

pytest.importorskip("botocore")

MASK = "<masked>"
# The spellings in which a token can travel: as is, percent-encoded, form-encoded.
SPELLINGS = {TOKEN, uri_encode(TOKEN), urllib.parse.quote_plus(TOKEN)}


def _leaves(body: bytes) -> dict:
    return {
        e.tag.rpartition("}")[2]: e.text or "" for e in ET.fromstring(body).iter() if len(e) == 0
    }


def _sent_and_answered(client, operation, **params):
    """Call with a wrong secret; ``(the signature sent, the raw answer body)``."""
    seen = {}

    def sent(request, **_):
        auth = request.headers.get("Authorization", b"")
        auth = auth.decode() if isinstance(auth, bytes) else auth
        seen["signature"] = auth.rpartition("Signature=")[2] or auth.rpartition(":")[2]

    def answered(response_dict, **_):
        seen["body"] = response_dict["body"]

    client.meta.events.register("before-send", sent)
    client.meta.events.register("before-parse", answered)
    with pytest.raises(Exception):  # noqa: B017 - the ClientError of a refused signature
        getattr(client, operation)(**params)
    return seen["signature"], seen["body"]


def _no_secret(body: bytes, signature: str) -> None:
    text = body.decode("utf-8")
    for spelling in SPELLINGS:
        assert spelling not in text
    assert len(signature) >= 20 and signature not in text


def test_s3_xml_masks_the_token_line_and_the_signature():
    with running() as (server, logs):
        s3 = botocore_client("s3", server.url, key=AK2, secret="wrong", token=TOKEN)
        signature, body = _sent_and_answered(s3, "get_object", Bucket="b", Key="k")
        _no_secret(body, signature)
        fields = _leaves(body)
        assert fields["Code"] == "SignatureDoesNotMatch"
        lines = fields["CanonicalRequest"].split("\n")
        assert "x-amz-security-token:" + MASK in lines
        assert lines[0] == "GET" and lines[1] == "/b/k"  # the structure is kept
        assert len(lines[-1]) == 64  # the payload hash
        as_bytes = bytes.fromhex(fields["CanonicalRequestBytes"].replace(" ", "")).decode()
        assert as_bytes == fields["CanonicalRequest"]
        assert fields["SignatureProvided"] == MASK
        assert fields["AWSAccessKeyId"] == AK2
    assert not any(TOKEN in line for line in logs)


def test_s3_presigned_url_masks_the_token_parameter():
    with running() as (server, _):
        signer = signers.get_signer("sigv4-query", region="us-east-1", service="s3", s3=True)
        at = dt.datetime.now(dt.timezone.utc)
        signed = signer.sign(
            Request("GET", server.url + "/b/k"), Credentials(AK2, "wrong", TOKEN), at=at
        )
        from tests.serve.support import read_answer

        target = signed.url.split(server.url, 1)[1]
        import socket

        with socket.create_connection(server.server_address[:2], timeout=5) as sock:
            sock.sendall(
                f"GET {target} HTTP/1.1\r\nHost: {signed.request.host_header}\r\n\r\n".encode()
            )
            answer = read_answer(sock)
        body = answer.partition(b"\r\n\r\n")[2]
        _no_secret(body, signed.signature)
        canonical_query = _leaves(body)["CanonicalRequest"].split("\n")[2]
        assert "X-Amz-Security-Token=" + MASK in canonical_query.split("&")
        assert "X-Amz-Credential=" + AK2 in canonical_query  # the rest is as computed


def test_query_xml_message_masks_the_token():
    with running() as (server, _):
        sts = botocore_client("sts", server.url, key=AK2, secret="wrong", token=TOKEN)
        signature, body = _sent_and_answered(sts, "get_caller_identity")
        _no_secret(body, signature)
        message = _leaves(body)["Message"]
        assert "The Canonical String for this request should have been" in message
        assert "x-amz-security-token:" + MASK in message.split("\n")


def test_json_message_masks_the_token():
    with running() as (server, _):
        ecs = botocore_client("ecs", server.url, key=AK2, secret="wrong", token=TOKEN)
        signature, body = _sent_and_answered(ecs, "list_clusters")
        _no_secret(body, signature)
        answer = json.loads(body)
        assert answer["__type"] == "InvalidSignatureException"
        assert "x-amz-security-token:" + MASK in answer["message"].split("\n")


def test_sigv2_string_to_sign_masks_the_security_token():
    with running() as (server, _):
        request = Request(
            "GET", server.url + "/?" + urllib.parse.urlencode({"Action": "ListQueues", "A": "1"})
        )
        signed = signers.get_signer("sigv2").sign(
            request, Credentials(AK2, SECRET, TOKEN), dt.datetime.now(dt.timezone.utc)
        )
        tampered = signed.url.replace("A=1", "A=2")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(tampered, timeout=5)
        body = info.value.read()
        _no_secret(body, signed.signature)
        message = _leaves(body)["Message"]
        string_to_sign = message.split("The String-to-Sign should have been\n'")[1]
        assert "SecurityToken=" + MASK in string_to_sign.split("&")


def test_s3_legacy_string_to_sign_masks_the_token_line():
    with running() as (server, _):
        s3 = botocore_client(
            "s3", server.url, key=AK2, secret="wrong", token=TOKEN, signature_version="s3"
        )
        signature, body = _sent_and_answered(s3, "get_object", Bucket="b", Key="k")
        _no_secret(body, signature)
        fields = _leaves(body)
        assert "x-amz-security-token:" + MASK in fields["StringToSign"].split("\n")
        assert fields["SignatureProvided"] == MASK
