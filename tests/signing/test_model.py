"""The request model, credentials and raw HTTP parsing."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from typing import Any

import pytest

import signers
from signers import Artifacts, Credentials, PayloadHash, Request, SignedRequest
from tests._support import CREDS
from tests._support import VECTOR_TIME as AT


def test_url_parts_are_kept_exactly() -> None:
    r = Request("GET", "https://Example.com:8443/a%2Fb/c?x=1&x=2&y")
    assert (r.scheme, r.authority, r.host, r.port) == (
        "https",
        "Example.com:8443",
        "Example.com",
        8443,
    )
    assert r.path == "/a%2Fb/c" and r.query == "x=1&x=2&y"
    assert r.query_pairs() == [("x", "1"), ("x", "2"), ("y", "")]
    assert r.host_header == "Example.com:8443"
    assert Request("GET", "https://h.com:443/").host_header == "h.com"
    assert Request("GET", "http://h.com:80").target == "/"
    ipv6 = Request("GET", "http://[::1]:9000/p")
    assert (ipv6.host, ipv6.port) == ("[::1]", 9000)


def test_headers_keep_order_and_duplicates() -> None:
    r = Request("GET", "https://h.com/", [("B", "1"), ("a", "2"), ("B", "3")])
    assert r.headers == (("B", "1"), ("a", "2"), ("B", "3"))
    assert r.header("b") == "1" and r.header_values("B") == ["1", "3"]
    assert Request("GET", "https://h.com/", {"X": "y"}).headers == (("X", "y"),)


def test_request_is_immutable_and_replace_makes_a_copy() -> None:
    r = Request("GET", "https://h.com/")
    with pytest.raises(AttributeError):
        r.method = "POST"  # type: ignore[misc]
    other = r.replace(method="POST", body="é")
    assert r.method == "GET" and other.method == "POST" and other.body == "é".encode()
    assert r == Request("GET", "https://h.com/") and hash(r) == hash(
        Request("GET", "https://h.com/")
    )


@pytest.mark.parametrize(
    "url, fragment",
    [
        ("/relative/path", "not absolute"),
        ("h.com/x", "not absolute"),
        ("ftp://h.com/", "scheme"),
        ("https:///path", "no host"),
        ("https://h.com:99999/", "port"),
        ("https://h.com:abc/", "port"),
        ("https://user@h.com/", "user"),
        ("https://h.com/x#frag", "fragment"),
        ("https://h.com/x\r\nX: y", "CR"),
        (b"https://h.com/", "expected str"),
    ],
)
def test_bad_urls_name_the_field(url: Any, fragment: str) -> None:
    with pytest.raises(signers.InvalidRequest) as info:
        Request("GET", url)
    assert info.value.field == "url" and fragment in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "headers, fragment",
    [
        ([("X-Bad", "a\r\nInjected: 1")], "CR, LF"),
        ([("X-Bad", "a\nb")], "CR, LF"),
        ([("Bad Name", "v")], "not a valid HTTP token"),
        ([("X-Bad\n", "v")], "not a valid HTTP token"),
        ([("", "v")], "not a valid HTTP token"),
        ([("X", 1)], "must be str"),
        (["nonsense"], "not a (name, value) pair"),
        ("X: y", "got a string"),
    ],
)
def test_bad_headers_name_the_field(headers: Any, fragment: str) -> None:
    with pytest.raises(signers.InvalidRequest) as info:
        Request("GET", "https://h.com/", headers)
    assert fragment in str(info.value)
    assert info.value.field is not None and "header" in info.value.field
    assert "\n" not in str(info.value) and "\r" not in str(info.value)


def test_bad_method_and_body() -> None:
    with pytest.raises(signers.InvalidRequest, match="method"):
        Request("GE T", "https://h.com/")
    with pytest.raises(signers.InvalidRequest, match="body"):
        Request("GET", "https://h.com/", body=123)  # type: ignore[arg-type]
    with pytest.raises(signers.InvalidRequest, match="64 hexadecimal"):
        PayloadHash("abc")
    assert PayloadHash("A" * 64).hex == "a" * 64


@pytest.mark.parametrize(
    "args, field",
    [
        (("", "secret"), "access_key"),
        (("AK", ""), "secret_key"),
        ((None, "secret"), "access_key"),
        (("AK", "sec ret "), "secret_key"),
        (("AK", "secret", "tok\nen"), "token"),
        (("A/K", "secret"), "access_key"),
    ],
)
def test_bad_credentials(args: Any, field: str) -> None:
    with pytest.raises(signers.InvalidCredentials) as info:
        Credentials(*args)
    assert info.value.field == field and field in str(info.value)
    assert "secret" not in str(info.value).replace("secret_key", "")


def test_credentials_hide_secrets() -> None:
    creds = Credentials("AKID", "s3cr3t-value", "t0ken-value")
    assert "s3cr3t-value" not in repr(creds) and "t0ken-value" not in repr(creds)
    assert "AKID" in repr(creds)
    with pytest.raises(TypeError):
        pickle.dumps(creds)
    assert Credentials("AKID", "s", "").token is None


def test_from_raw_parses_vectors_quirks() -> None:
    raw = (
        "GET /example space/?a=b HTTP/1.1\n"
        "Host:example.amazonaws.com\n"
        "My-Header1:value1\n"
        "  value2\n"
        "     value3\n"
        "My-Header1: again \n"
        "\n"
        "body\nbytes"
    )
    r = Request.from_raw(raw)
    assert r.url == "https://example.amazonaws.com/example space/?a=b"
    assert r.header_values("my-header1") == ["value1 value2 value3", "again"]
    assert r.body == b"body\nbytes"
    crlf = Request.from_raw(b"POST / HTTP/1.1\r\nHost: h.com\r\n\r\nx", scheme="http")
    assert crlf.url == "http://h.com/" and crlf.body == b"x"


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("", "empty request line"),
        ("GET / HTTP/1.1\nX: y\n\n", "no Host"),
        ("GET / HTTP/1.1\n folded\n\n", "folded"),
        ("GET / HTTP/1.1\nHost h\n\n", "no ':'"),
    ],
)
def test_from_raw_errors(raw: str, fragment: str) -> None:
    with pytest.raises(signers.InvalidRequest, match=fragment):
        Request.from_raw(raw)


def test_signed_request_header_dict_joins_duplicates() -> None:
    signer = signers.get_signer("sigv4", region="us-east-1", service="s")
    signed = signer.sign(
        Request("GET", "https://h.com/", [("A", "1"), ("A", "2")]),
        Credentials("AK", "SK"),
        dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc),
    )
    assert signed.header_dict()["A"] == "1,2"
    assert signed.header_dict()["X-Amz-Date"] == "20200101T000000Z"


# -- tuple-based values behave as values, not as tuples -------------------------------------------


def test_values_are_not_plain_tuples() -> None:
    request = Request("GET", "https://h.com/x?y=1", [("A", "b")])
    assert (request == tuple(request)) is False and (tuple(request) == request) is False
    assert request != tuple(request)
    with pytest.raises(TypeError):
        request < request  # noqa: B015
    signed = signers.get_signer("sigv4", region="r", service="s").sign(request, CREDS, AT)
    assert signed.artifacts != tuple(signed.artifacts)
    assert signed != signed.request
    with pytest.raises(AttributeError, match="immutable"):
        signed.scheme = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        signed.artifacts.signature = "x"  # type: ignore[misc]


def test_values_copy_and_pickle() -> None:
    request = Request("POST", "https://h.com/", {"X": "1"}, b"body")
    signed = signers.get_signer("sigv4", region="r", service="s").sign(request, CREDS, AT)
    for value in (request, signed, signed.artifacts):
        assert copy.copy(value) == value
        assert copy.deepcopy(value) == value
        assert pickle.loads(pickle.dumps(value)) == value
        assert hash(pickle.loads(pickle.dumps(value))) == hash(value)


def test_public_constructors_still_take_keywords() -> None:
    artifacts = Artifacts(canonical_request=None, string_to_sign="s", signature="sig")
    assert (artifacts.credential_scope, artifacts.signed_headers, artifacts.payload_hash) == (
        None,
        None,
        None,
    )
    request = Request("GET", "https://h.com/")
    signed = SignedRequest(request=request, artifacts=artifacts, scheme="x")
    assert signed.added_headers == () and signed.added_query == ()
    assert signed.url == "https://h.com/" and signed.signature == "sig"
    assert repr(signed) == "SignedRequest(scheme='x', url='https://h.com/', signature='<masked>')"
    with pytest.raises(TypeError):
        Artifacts("c", "s", "sig")  # type: ignore[misc]


def test_header_name_memo_still_refuses_bad_names() -> None:
    Request("GET", "https://h.com/", [("X-Good", "1")])
    for bad in ("X-Good ", "X Good", "", "Ünïcode", "X-Good\n"):
        with pytest.raises(signers.InvalidRequest, match="not a valid HTTP token"):
            Request("GET", "https://h.com/", [(bad, "1")])
