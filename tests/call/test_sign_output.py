"""Issue 9, items 9 and 15: `sign` / `presign` print what must be sent.

* A URL typed with a raw space, ``+`` or ``ü`` is printed percent-encoded as it was signed, and
  the printed URL / request line verifies when sent as printed (fetched by urllib, or written
  to a socket byte for byte, against ``sigbridge serve``), and matches botocore's signature for
  the same request (a test-only oracle).
* What cannot be sent is refused with one line and exit 2.
* The printed body ends with a newline; ``--json`` carries the body (text, else base64).
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import types
import urllib.request
from typing import Any, List, Tuple

import pytest

from signers._sendable import sendable_url

from .support import AK, SECRET, assert_no_secret, keys_in_environment, run, serving

AT = "2026-01-15T10:00:00Z"


@pytest.fixture(autouse=True)
def _keys(monkeypatch: Any) -> None:
    keys_in_environment(monkeypatch)


# -- the encoding itself (expected values written out from RFC 3986) -----------------------------


@pytest.mark.parametrize(
    "url, sent",
    [
        ("http://host/bucket/a b+c/ü.txt", "http://host/bucket/a%20b+c/%C3%BC.txt"),
        ("https://ec2.amazonaws.com/ bad", "https://ec2.amazonaws.com/%20bad"),
        ("http://h/p?q=a b&r=ü", "http://h/p?q=a%20b&r=%C3%BC"),
        ('http://h/{x}|"<>`^\\', "http://h/%7Bx%7D%7C%22%3C%3E%60%5E%5C"),
        # "%" as typed: a malformed escape is the signer's to refuse (in the query)
        ("http://h/100%/%zz?a=%zz", "http://h/100%/%zz?a=%zz"),
        ("http://h/a\x01b\x7f", "http://h/a%01b%7F"),
        # legal as written: kept, escapes in either case included
        (
            "http://h/a+b:c@d!$&'()*,;=/%2f%2F?x=%2f&y=/?",
            "http://h/a+b:c@d!$&'()*,;=/%2f%2F?x=%2f&y=/?",
        ),
        ("http://[::1]:8080/a b", "http://[::1]:8080/a%20b"),
    ],
)
def test_sendable_url(url: str, sent: str) -> None:
    assert sendable_url(url) == sent
    assert sendable_url(sent) == sent  # already sendable: unchanged


# -- presign: the printed URL is fetched as it is ------------------------------------------------


@pytest.mark.slow
def test_presigned_url_with_space_plus_and_umlaut_is_fetched_by_urllib() -> None:
    with serving(service="s3", region="us-east-1") as url:
        typed_url = url + "/bucket/a b+c/ü.txt"
        result = run(["presign", "GET", typed_url, "--service", "s3", "--region", "us-east-1"])
        assert result.code == 0, result.err
        printed = result.text.strip()
        assert printed.startswith(url + "/bucket/a%20b+c/%C3%BC.txt?X-Amz-Algorithm=")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(printed, timeout=30) as answer:
            assert answer.status == 200
            assert json.loads(answer.read())["access_key"] == AK


@pytest.mark.slow
@pytest.mark.parametrize(
    "service, path",
    [("ec2", "/ bad"), ("s3", "/bucket/a b+c/ü.txt"), ("execute-api", "/prod/ü x/./y")],
)
def test_printed_request_line_verifies_when_sent_as_printed(service: str, path: str) -> None:
    with serving(service=service, region="us-east-1") as url:
        result = run(["sign", "GET", url + path, "--service", service, "--region", "us-east-1"])
        assert result.code == 0, result.err
        head, _, _ = result.text.partition("\n\n")
        request_line, *header_lines = head.splitlines()
        method, target, version = request_line.split(" ")
        assert version == "HTTP/1.1" and " " not in target and target.isascii()
        headers: List[Tuple[str, str]] = [
            (n, v.strip()) for n, _, v in (line.partition(":") for line in header_lines)
        ]
        host, port = url.rsplit("/", 1)[1].split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value)
            connection.endheaders()
            answer = connection.getresponse()
            body = answer.read()
        finally:
            connection.close()
        assert answer.status == 200, body


def test_signature_matches_botocore_for_the_encoded_path(monkeypatch: Any) -> None:
    # botocore signs the URL it sends; given the sendable URL, its signature must be the one
    # sigbridge printed for the URL as typed.
    pytest.importorskip("botocore")
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    at = dt.datetime(2026, 1, 15, 10, 0, 0)

    class Frozen(dt.datetime):
        @classmethod
        def utcnow(cls) -> dt.datetime:  # type: ignore[override]
            return at

        @classmethod
        def now(cls, tz: Any = None) -> dt.datetime:  # type: ignore[override]
            return at.replace(tzinfo=tz) if tz is not None else at

    if hasattr(botocore.auth, "get_current_datetime"):
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda remove_tzinfo=True: at)
    shim = types.SimpleNamespace(datetime=Frozen, timedelta=dt.timedelta, timezone=dt.timezone)
    monkeypatch.setattr(botocore.auth, "datetime", shim)

    cases = [
        ("SigV4Auth", "ec2", "https://ec2.amazonaws.com/ bad", "https://ec2.amazonaws.com/%20bad"),
        (
            "S3SigV4Auth",
            "s3",
            "https://bucket.s3.us-east-1.amazonaws.com/a b/ü.txt",
            "https://bucket.s3.us-east-1.amazonaws.com/a%20b/%C3%BC.txt",
        ),
    ]
    for auth_class, service, typed, sent in cases:
        aws = AWSRequest(method="GET", url=sent)
        getattr(botocore.auth, auth_class)(
            BotoCredentials(AK, SECRET), service, "us-east-1"
        ).add_auth(aws)
        expected = aws.headers["Authorization"].rsplit("Signature=", 1)[1]
        result = run(["sign", "GET", typed, "--region", "us-east-1", "--at", AT])
        assert result.code == 0, result.err
        assert f"Signature={expected}" in result.text, (typed, result.text)


# -- what cannot be sent ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["sign", "GET", "https://bücher.example/"], "IDNA"),
        (["presign", "GET", "https://bücher.example/k"], "IDNA"),
        (["sign", "GET", "https://sts.amazonaws.com/", "-H", "X-A: a\x01b"], "control character"),
    ],
)
def test_what_cannot_be_sent_is_refused(argv: List[str], fragment: str) -> None:
    result = run([*argv, "--service", "s3", "--region", "us-east-1"])
    assert result.code == 2
    assert result.err.count("\n") == 1 and fragment in result.err
    assert result.out == b""
    assert_no_secret(result)


# -- the body --------------------------------------------------------------------------------------

SIGN = ["sign", "POST", "https://sts.amazonaws.com/", "--at", AT]


def test_printed_body_ends_with_a_newline() -> None:
    result = run([*SIGN, "-d", "Action=GetCallerIdentity&Version=2011-06-15"])
    assert result.text.endswith("\n\nAction=GetCallerIdentity&Version=2011-06-15\n")
    # a body that ends in a newline is not given a second one
    result = run([*SIGN, "-d", "line\n"])
    assert result.text.endswith("\n\nline\n")


def test_json_carries_the_body() -> None:
    data = json.loads(run([*SIGN, "-d", "Action=GetCallerIdentity", "--json"]).text)
    assert data["body"] == "Action=GetCallerIdentity" and data["body_encoding"] == "utf-8"
    binary = bytes(range(256))
    result = run([*SIGN, "-d", "@-", "--json"], stdin=binary)
    data = json.loads(result.text)
    assert data["body_encoding"] == "base64"
    assert base64.b64decode(data["body"]) == binary
    data = json.loads(run([*SIGN, "--json"]).text)
    assert data["body"] == "" and data["body_encoding"] == "utf-8"


def test_unsigned_payload_still_prints_the_body_to_send() -> None:
    argv = ["sign", "PUT", "https://b.s3.us-east-1.amazonaws.com/k", "-d", "hello"]
    result = run([*argv, "--unsigned-payload", "--at", AT])
    assert result.code == 0, result.err
    assert "x-amz-content-sha256: UNSIGNED-PAYLOAD" in result.text
    assert result.text.endswith("\n\nhello\n")
