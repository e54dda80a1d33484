"""Behaviour of the legacy signers and their pure functions beyond what the vectors pin down."""

from __future__ import annotations

import datetime
from typing import Any, Tuple
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

import signers
from signers import Request
from signers.s3_v2 import (
    S3V2QuerySigner,
    S3V2Signer,
    authorization_header,
    bucket_from_host,
    canonical_amz_headers,
    canonical_resource,
    parse_authorization,
    split_query_auth,
)
from signers.s3_v2 import compute_signature as s3_signature
from signers.s3_v2 import string_to_sign as s3_string_to_sign
from signers.sigv2 import (
    SigV2Signer,
    canonical_query_v2,
    compute_signature,
    encode_params,
    is_sigv2_signed,
    parse_params,
    request_host,
    split_sigv2_params,
    string_to_sign,
)
from tests._support import CREDS, CREDS_TOKEN, DOC_SECRET, TOKEN, UTC
from tests._support import VECTOR_TIME as AT

# -- registry ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, cls, feature",
    [
        ("sigv2", SigV2Signer, "sigv2:query"),
        ("v2", SigV2Signer, "sigv2:query"),
        ("s3-v2", S3V2Signer, "s3-v2:header"),
        ("s3", S3V2Signer, "s3-v2:header"),
        # one S3 signer, two placements: S3V2QuerySigner is S3V2Signer(placement="query")
        ("s3-v2-query", S3V2Signer, "s3-v2:query"),
        ("s3-query", S3V2Signer, "s3-v2:query"),
    ],
)
def test_registered(name: str, cls: type, feature: str) -> None:
    signer: Any = signers.get_signer(name)
    assert feature in signer.features
    assert signer.__class__ is cls
    assert name in signers.available()
    if cls is S3V2Signer:
        query = feature.endswith(":query")
        assert signer.name == ("s3-v2-query" if query else "s3-v2")
        assert (signer.options.placement == "query") is query
        assert type(S3V2QuerySigner()) is S3V2Signer


def test_aliases_name_their_target() -> None:
    infos = {i.name: i for i in signers.schemes()}
    assert infos["v2"].target == "sigv2"
    assert infos["s3"].target == "s3-v2"
    assert infos["s3-query"].target == "s3-v2-query"
    assert not infos["s3-v2-query"].is_alias


# -- sigv2: pure functions ---------------------------------------------------------------------


def test_parse_params_is_form_decoding() -> None:
    assert parse_params("a=1+2&b=%2B&&c&d=%E1%88%B4&e=%zz") == [
        ("a", "1 2"),
        ("b", "+"),
        ("c", ""),
        ("d", "\u1234"),
        ("e", "%zz"),
    ]
    assert parse_params("") == []


def test_invalid_utf8_survives_a_round_trip() -> None:
    params = parse_params("k=%FF%FE")
    assert encode_params(params) == "k=%FF%FE"


def test_canonical_query_sorts_by_unencoded_bytes_and_is_stable() -> None:
    params = [("b", "2"), ("a~", "x"), ("a\u00e9", "y"), ("b", "1"), ("B", "0")]
    assert canonical_query_v2(params) == "B=0&a~=x&a%C3%A9=y&b=2&b=1"


def test_string_to_sign_lowercases_host_and_defaults_path() -> None:
    assert string_to_sign("GET", "EC2.Amazonaws.COM", "", [("A", "1")]) == (
        "GET\nec2.amazonaws.com\n/\nA=1"
    )


@pytest.mark.parametrize(
    "url, headers, expected",
    [
        ("https://Example.com/", (), "example.com"),
        ("https://example.com:443/", (), "example.com"),
        ("https://example.com:8443/", (), "example.com:8443"),
        ("http://example.com:80/", (), "example.com"),
        ("http://example.com:443/", (), "example.com:443"),
        ("https://example.com/", (("Host", "Other.Example.com:443"),), "other.example.com"),
        ("https://[::1]:443/", (), "[::1]"),
    ],
)
def test_request_host(url: str, headers: Tuple[Tuple[str, str], ...], expected: str) -> None:
    assert request_host(Request("GET", url, headers)) == expected


def test_sigv2_detect_and_strip_round_trip() -> None:
    # What migration needs: recognize a signed URL, strip the SigV2 parameters, verify it.
    original = "https://sqs.us-east-1.amazonaws.com/1234/q?Action=SendMessage&MessageBody=a+b"
    signed = signers.get_signer("sigv2").sign(Request("GET", original), CREDS_TOKEN, at=AT)
    params = parse_params(urlsplit(signed.url).query)
    assert is_sigv2_signed(params)
    assert not is_sigv2_signed(parse_params(urlsplit(original).query))
    own, sigv2 = split_sigv2_params(params)
    assert own == [("Action", "SendMessage"), ("MessageBody", "a b")]
    assert {n for n, _ in sigv2} == {
        "AWSAccessKeyId",
        "SignatureMethod",
        "SignatureVersion",
        "Timestamp",
        "SecurityToken",
        "Signature",
    }
    unsigned = [p for p in params if p[0] != "Signature"]
    text = string_to_sign("GET", "sqs.us-east-1.amazonaws.com", "/1234/q", unsigned)
    assert text == signed.artifacts.string_to_sign
    assert compute_signature(CREDS.secret_key, text) == dict(params)["Signature"]


# -- sigv2: the signer -------------------------------------------------------------------------


def test_sigv2_get_result() -> None:
    request = Request("GET", "https://ec2.amazonaws.com/?Version=2014-10-01&Action=DescribeRegions")
    signed = signers.get_signer("sigv2").sign(request, CREDS, at=AT)
    query = signed.url.partition("?")[2]
    assert query.startswith("AWSAccessKeyId=AKIDEXAMPLE&Action=DescribeRegions&")
    assert query.rsplit("&", 1)[1] == "Signature=" + signed.signature.replace("+", "%2B").replace(
        "/", "%2F"
    ).replace("=", "%3D")
    assert signed.artifacts.canonical_request is None
    assert signed.scheme == "sigv2"
    assert [n for n, _ in signed.added_query] == [
        "AWSAccessKeyId",
        "SignatureVersion",
        "SignatureMethod",
        "Timestamp",
        "Signature",
    ]
    assert signed.added_headers == ()
    assert request.url.endswith("Action=DescribeRegions")  # input untouched


def test_sigv2_expires_absolute_datetime_in_another_zone() -> None:
    zone = datetime.timezone(datetime.timedelta(hours=2))
    expires = datetime.datetime(2015, 8, 30, 15, 0, tzinfo=zone)
    signed = signers.get_signer("sigv2", expires=expires).sign(
        Request("GET", "https://ec2.amazonaws.com/?Action=X"), CREDS, at=AT
    )
    params = dict(parse_qsl(urlsplit(signed.url).query))
    assert params["Expires"] == "2015-08-30T13:00:00Z"
    assert "Timestamp" not in params


def test_sigv2_expires_duration() -> None:
    signed = signers.get_signer("sigv2", expires=90).sign(
        Request("GET", "https://ec2.amazonaws.com/"), CREDS, at=AT
    )
    assert dict(parse_qsl(urlsplit(signed.url).query))["Expires"] == "2015-08-30T12:37:30Z"


def test_sigv2_hmacsha1_signature_length() -> None:
    signed = signers.get_signer("sigv2", signature_method="HmacSHA1").sign(
        Request("GET", "https://ec2.amazonaws.com/"), CREDS, at=AT
    )
    assert len(signed.signature) == 28  # base64 of 20 bytes
    assert ("SignatureMethod", "HmacSHA1") in signed.added_query


def test_sigv2_post_body_updates_content_length_and_keeps_url() -> None:
    body = "Action=ListQueues&Version=2012-11-05"
    request = Request(
        "POST",
        "https://sqs.us-east-1.amazonaws.com/",
        [("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", "36")],
        body,
    )
    signed = signers.get_signer("sigv2").sign(request, CREDS, at=AT)
    assert signed.url == request.url
    new_body = signed.request.body
    assert isinstance(new_body, bytes)
    assert signed.request.header("Content-Length") == str(len(new_body))
    assert new_body.startswith(b"AWSAccessKeyId=AKIDEXAMPLE&Action=ListQueues&")
    assert signed.added_headers == ()
    assert request.body == body.encode()


def test_sigv2_post_empty_adds_content_type() -> None:
    signed = signers.get_signer("sigv2").sign(
        Request("POST", "https://sqs.us-east-1.amazonaws.com/"), CREDS, at=AT
    )
    assert signed.added_headers == (("Content-Type", "application/x-www-form-urlencoded"),)
    assert signed.request.header("content-type") == "application/x-www-form-urlencoded"


def test_sigv2_placement_body_on_get() -> None:
    signed = signers.get_signer("sigv2", placement="body").sign(
        Request("GET", "https://ec2.amazonaws.com/"), CREDS, at=AT
    )
    assert signed.url == "https://ec2.amazonaws.com/"
    assert isinstance(signed.request.body, bytes) and b"Signature=" in signed.request.body


def test_sigv2_at_none_means_now() -> None:
    before = datetime.datetime.now(UTC).replace(microsecond=0)
    signed = signers.get_signer("sigv2").sign(Request("GET", "https://ec2.amazonaws.com/"), CREDS)
    stamp = dict(parse_qsl(urlsplit(signed.url).query))["Timestamp"]
    when = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= when <= datetime.datetime.now(UTC)


# -- s3-v2: pure functions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "host, suffix, expected",
    [
        ("bucket.s3.amazonaws.com", None, "bucket"),
        ("Bucket.S3.Amazonaws.com", None, "bucket"),
        ("my.bucket.s3.us-west-2.amazonaws.com", None, "my.bucket"),
        ("b.s3-eu-west-1.amazonaws.com", None, "b"),
        ("b.s3-external-1.amazonaws.com", None, "b"),
        ("b.s3.dualstack.us-east-1.amazonaws.com", None, "b"),
        ("b.s3.cn-north-1.amazonaws.com.cn", None, "b"),
        ("a.s3.b.s3.amazonaws.com", None, "a.s3.b"),
        ("s3.amazonaws.com", None, None),
        ("s3.us-west-2.amazonaws.com", None, None),
        ("s3-external-1.amazonaws.com", None, None),
        ("ec2.amazonaws.com", None, None),
        ("minio.local", None, None),
        ("bkt.objects.example.net", "objects.example.net", "bkt"),
        ("bkt.objects.example.net", ".objects.example.net", "bkt"),
        ("objects.example.net", "objects.example.net", None),
        ("bkt.s3.amazonaws.com", "objects.example.net", "bkt"),
    ],
)
def test_bucket_from_host(host: str, suffix: object, expected: object) -> None:
    assert bucket_from_host(host, suffix) == expected  # type: ignore[arg-type]


def test_canonical_amz_headers() -> None:
    headers = [
        ("X-Amz-Meta-B", " two "),
        ("Content-Type", "x"),
        ("x-amz-meta-a", "folded\r\n   value"),
        ("x-amz-meta-b", "one"),
    ]
    assert canonical_amz_headers(headers) == ("x-amz-meta-a:folded value\nx-amz-meta-b:two,one\n")
    assert canonical_amz_headers([("Host", "x")]) == ""


def test_canonical_resource() -> None:
    pairs = [("versionId", "a%2Bb"), ("prefix", "p"), ("acl", ""), ("uploads", "")]
    assert canonical_resource("/k%2Fey", pairs, "bkt") == "/bkt/k%2Fey?acl&uploads&versionId=a+b"
    assert canonical_resource("", [], None) == "/"
    assert canonical_resource("", [], "bkt") == "/bkt/"
    assert canonical_resource("/k", [("x-id", "1")], None, frozenset({"x-id"})) == "/k?x-id=1"


def test_s3_string_to_sign_and_header() -> None:
    text = s3_string_to_sign(
        "GET", "", "", "Tue, 27 Mar 2007 19:36:42 +0000", "", "/johnsmith/photos/puppy.jpg"
    )
    signature = s3_signature(DOC_SECRET, text)
    assert signature == "bWq2s1WEIj+Ydj0vQ697zp+IXMU="
    value = authorization_header("AKIAIOSFODNN7EXAMPLE", signature)
    assert parse_authorization(value) == ("AKIAIOSFODNN7EXAMPLE", signature)
    assert parse_authorization("AWS4-HMAC-SHA256 Credential=x") is None
    assert parse_authorization("AWS nocolon") is None


def test_s3_presigned_detect_and_strip() -> None:
    url = "https://b.s3.amazonaws.com/k?versionId=1"
    signed = signers.get_signer("s3-v2-query").sign(Request("GET", url), CREDS_TOKEN, at=AT)
    pairs = Request("GET", signed.url).query_pairs()
    own, auth = split_query_auth(pairs)
    assert own == [("versionId", "1")]
    assert [n for n, _ in auth] == [
        "AWSAccessKeyId",
        "Expires",
        "x-amz-security-token",
        "Signature",
    ]


# -- s3-v2: the signers ------------------------------------------------------------------------


def test_s3_header_adds_date_token_authorization() -> None:
    signed = signers.get_signer("s3-v2").sign(
        Request("GET", "https://b.s3.amazonaws.com/k"), CREDS_TOKEN, at=AT
    )
    assert [n for n, _ in signed.added_headers] == [
        "Date",
        "x-amz-security-token",
        "Authorization",
    ]
    assert signed.request.header("Date") == "Sun, 30 Aug 2015 12:36:00 GMT"
    assert f"x-amz-security-token:{TOKEN}\n" in signed.artifacts.string_to_sign
    assert signed.request.header("Authorization") == "AWS AKIDEXAMPLE:" + signed.signature


def test_s3_header_keeps_callers_date_and_honours_x_amz_date() -> None:
    signer = signers.get_signer("s3-v2")
    given = Request(
        "GET", "https://b.s3.amazonaws.com/k", {"Date": "Mon, 01 Jan 2001 00:00:00 GMT"}
    )
    signed = signer.sign(given, CREDS, at=AT)
    assert [n for n, _ in signed.added_headers] == ["Authorization"]
    assert "\nMon, 01 Jan 2001 00:00:00 GMT\n" in signed.artifacts.string_to_sign
    amz = Request("GET", "https://b.s3.amazonaws.com/k", {"x-amz-date": "20150830T123600Z"})
    signed = signer.sign(amz, CREDS, at=AT)
    assert signed.artifacts.string_to_sign.startswith("GET\n\n\n\nx-amz-date:20150830T123600Z\n")
    assert signed.request.header("Date") is None


def test_s3_cname_and_bucket_options() -> None:
    request = Request("GET", "https://static.example.com:8080/a.txt")
    cname = signers.get_signer("s3-v2", addressing="cname").sign(request, CREDS, at=AT)
    assert cname.artifacts.string_to_sign.endswith("\n/static.example.com/a.txt")
    given = signers.get_signer("s3", bucket="bkt").sign(request, CREDS, at=AT)
    assert given.artifacts.string_to_sign.endswith("\n/bkt/a.txt")
    auto = signers.get_signer("s3").sign(request, CREDS, at=AT)
    assert auto.artifacts.string_to_sign.endswith("\n/a.txt")
    same = signers.get_signer("s3", bucket="b").sign(
        Request("GET", "https://b.s3.amazonaws.com/k"), CREDS, at=AT
    )
    assert same.artifacts.string_to_sign.endswith("\n/b/k")


def test_s3_query_defaults_and_expires_at() -> None:
    request = Request("GET", "https://b.s3.amazonaws.com/k")
    default = signers.get_signer("s3-v2-query").sign(request, CREDS, at=AT)
    assert default.url.startswith(
        "https://b.s3.amazonaws.com/k?AWSAccessKeyId=AKIDEXAMPLE&Expires=1440941760&Signature="
    )
    zone = datetime.timezone(datetime.timedelta(hours=-5))
    at_ = datetime.datetime(2015, 8, 30, 8, 36, tzinfo=zone)  # 13:36 UTC
    absolute = signers.get_signer("s3-query", expires_at=at_).sign(request, CREDS, at=AT)
    assert "&Expires=1440941760&" in absolute.url
    assert absolute.signature == default.signature
    assert default.added_headers == ()
    assert default.request.headers == request.headers


def test_s3_query_signs_x_amz_query_parameters_and_token() -> None:
    request = Request("PUT", "https://b.s3.amazonaws.com/k?x-amz-acl=public-read")
    signed = signers.get_signer("s3-v2-query").sign(request, CREDS_TOKEN, at=AT)
    assert signed.artifacts.string_to_sign == (
        f"PUT\n\n\n1440941760\nx-amz-acl:public-read\nx-amz-security-token:{TOKEN}\n/b/k"
    )
    assert f"&x-amz-security-token={quote(TOKEN, safe='')}&Signature=" in signed.url


def test_reprs_hold_no_secret() -> None:
    for name in ("sigv2", "s3-v2", "s3-v2-query"):
        signer = signers.get_signer(name)
        signed = signer.sign(Request("GET", "https://b.s3.amazonaws.com/k"), CREDS_TOKEN, at=AT)
        for text in (repr(signer), repr(signed), repr(signed.artifacts)):
            assert CREDS.secret_key not in text
