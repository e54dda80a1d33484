"""SigV4 header and query signers: published examples, botocore as an oracle, options, refusals."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any, List, Tuple

import pytest

import signers
from signers import Credentials, Request
from tests._support import CREDS, DOC_CREDS, UTC
from tests._support import VECTOR_TIME as AT

# The examples of the S3 SigV4 documentation ("Signature Calculations for the Authorization
# Header" and "Query String Authentication"), with their published signatures.
S3_DOC_AT = dt.datetime(2013, 5, 24, tzinfo=UTC)


def test_s3_documentation_get_object_header_example() -> None:
    signer = signers.get_signer("s3v4", region="us-east-1", service="s3")
    request = Request(
        "GET", "https://examplebucket.s3.amazonaws.com/test.txt", [("Range", "bytes=0-9")]
    )
    signed = signer.sign(request, DOC_CREDS, S3_DOC_AT)
    assert signed.artifacts.signature == (
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
    assert signed.artifacts.signed_headers == "host;range;x-amz-content-sha256;x-amz-date"


def test_s3_documentation_presigned_url_example() -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1", service="s3", expires=86400)
    request = Request("GET", "https://examplebucket.s3.amazonaws.com/test.txt")
    signed = signer.sign(request, DOC_CREDS, S3_DOC_AT)
    assert signed.artifacts.signature == (
        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )
    assert signed.url.endswith(
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )
    assert "x-amz-content-sha256" not in signed.artifacts.canonical_request


def test_authorization_header_shape_and_input_untouched() -> None:
    signer = signers.get_signer("sigv4", region="us-east-1", service="service")
    request = Request("GET", "https://example.amazonaws.com/", {"X-Custom": "a"})
    signed = signer.sign(request, CREDS, AT)
    assert request.headers == (("X-Custom", "a"),)
    auth = dict(signed.headers)["Authorization"]
    assert re.fullmatch(
        r"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        r"SignedHeaders=host;x-amz-date;x-custom, Signature=[0-9a-f]{64}",
        auth,
    )
    assert signed.request is not request
    # the empty body's SHA-256, from hashlib rather than from the signer
    assert signed.artifacts.canonical_request.endswith(hashlib.sha256(b"").hexdigest())


def test_signing_name_is_independent_of_host() -> None:
    # The classic: Auto Scaling Plans is signed as "autoscaling-plans" whatever the host says.
    signer = signers.get_signer("sigv4", region="us-west-2", service="autoscaling-plans")
    request = Request("POST", "https://autoscaling.us-west-2.amazonaws.com/", body="{}")
    signed = signer.sign(request, CREDS, AT)
    assert signed.artifacts.credential_scope == "20150830/us-west-2/autoscaling-plans/aws4_request"


def test_ecs_json_post_matches_botocore(monkeypatch: Any) -> None:
    from tests.reference.sigv4_oracle import botocore_sign

    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListClusters"),
    ]
    url = "https://ecs.us-east-1.amazonaws.com/"
    ours = signers.get_signer("sigv4", region="us-east-1", service="ecs").sign(
        Request("POST", url, headers, b"{}"), CREDS, AT
    )
    theirs = botocore_sign(
        "SigV4Auth",
        "POST",
        url,
        headers,
        b"{}",
        access_key=CREDS.access_key,
        secret_key=CREDS.secret_key,
        token=None,
        region="us-east-1",
        service="ecs",
        at=AT,
        monkeypatch=monkeypatch,
    )
    assert dict(ours.headers)["Authorization"] == theirs["authorization"]


@pytest.mark.parametrize("token_mode", ["signed", "unsigned"])
def test_session_token_modes(token_mode: str) -> None:
    creds = Credentials("AKID", "SECRET", "TOKEN/+=")
    signer = signers.get_signer(
        "sigv4", region="us-east-1", service="iotdata", session_token=token_mode
    )
    signed = signer.sign(Request("GET", "https://data.iot.us-east-1.amazonaws.com/"), creds, AT)
    assert ("X-Amz-Security-Token", "TOKEN/+=") in signed.headers
    in_canonical = "x-amz-security-token:TOKEN/+=" in signed.artifacts.canonical_request
    assert in_canonical is (token_mode == "signed")

    query = signers.get_signer(
        "sigv4-query", region="us-east-1", service="iotdata", session_token=token_mode
    ).sign(Request("GET", "https://data.iot.us-east-1.amazonaws.com/"), creds, AT)
    assert "X-Amz-Security-Token=TOKEN%2F%2B%3D" in query.url
    assert ("X-Amz-Security-Token=TOKEN%2F%2B%3D" in query.artifacts.canonical_request) is (
        token_mode == "signed"
    )


def test_s3_preset_keeps_path_and_signs_content_sha256() -> None:
    signer = signers.get_signer("sigv4", region="us-east-1", service="s3", s3=True)
    request = Request("PUT", "https://bucket.s3.amazonaws.com/a//b/../c%20d", body=b"hello")
    signed = signer.sign(request, CREDS, AT)
    lines = signed.artifacts.canonical_request.split("\n")
    assert lines[1] == "/a//b/../c%20d"
    digest = hashlib.sha256(b"hello").hexdigest()
    assert ("x-amz-content-sha256", digest) in signed.headers
    assert lines[-1] == digest

    normal = signers.get_signer("sigv4", region="us-east-1", service="service").sign(
        request, CREDS, AT
    )
    assert normal.artifacts.canonical_request.split("\n")[1] == "/a/c%2520d"


def test_preset_option_can_be_overridden() -> None:
    signer = signers.get_signer("s3v4", region="us-east-1", service="s3", sign_body=False)
    signed = signer.sign(Request("GET", "https://b.s3.amazonaws.com/k"), CREDS, AT)
    assert not any(n.lower() == "x-amz-content-sha256" for n, _ in signed.headers)


def test_unsigned_headers_and_payload_markers() -> None:
    signer = signers.get_signer(
        "sigv4", region="us-east-1", service="service", unsigned_headers=["X-Trace"]
    )
    request = Request(
        "PUT",
        "https://example.amazonaws.com/",
        [("X-Trace", "1"), ("User-Agent", "ua"), ("X-Kept", "k")],
        signers.UNSIGNED_PAYLOAD,
    )
    signed = signer.sign(request, CREDS, AT)
    assert signed.artifacts.signed_headers == "host;x-amz-date;x-kept"
    assert signed.artifacts.canonical_request.endswith("\nUNSIGNED-PAYLOAD")
    hashed = signer.sign(request.replace(body=signers.PayloadHash("AB" * 32)), CREDS, AT)
    assert hashed.artifacts.payload_hash == "ab" * 32


def test_caller_content_sha256_header_is_used_and_checked() -> None:
    signer = signers.get_signer("s3v4", region="us-east-1", service="s3")
    request = Request(
        "PUT",
        "https://b.s3.amazonaws.com/k",
        [("x-amz-content-sha256", "UNSIGNED-PAYLOAD")],
        b"data",
    )
    signed = signer.sign(request, CREDS, AT)
    assert signed.artifacts.payload_hash == "UNSIGNED-PAYLOAD"
    assert [n for n, _ in signed.headers].count("x-amz-content-sha256") == 1
    wrong = request.replace(headers=[("x-amz-content-sha256", "0" * 64)])
    with pytest.raises(signers.InvalidRequest, match="x-amz-content-sha256"):
        signer.sign(wrong, CREDS, AT)


@pytest.mark.parametrize(
    "headers, url, field",
    [
        ([("Authorization", "x")], "https://h.amazonaws.com/", "authorization"),
        ([("X-Amz-Date", "20150830T123600Z")], "https://h.amazonaws.com/", "x-amz-date"),
        ([], "https://h.amazonaws.com/?X-Amz-Signature=abc", "X-Amz-Signature"),
        ([], "https://h.amazonaws.com/?x-amz-credential=abc", "x-amz-credential"),
    ],
)
@pytest.mark.parametrize("scheme", ["sigv4", "sigv4-query"])
def test_already_signed_requests_are_refused(
    scheme: str, headers: List[Tuple[str, str]], url: str, field: str
) -> None:
    signer = signers.get_signer(scheme, region="us-east-1", service="service")
    with pytest.raises(signers.AlreadySigned) as info:
        signer.sign(Request("GET", url, headers), CREDS, AT)
    assert info.value.field == field
    assert field in str(info.value) and "\n" not in str(info.value)


def test_query_refuses_existing_auth_parameters() -> None:
    signer = signers.get_signer("sigv4-query", region="us-east-1", service="service")
    with pytest.raises(signers.AlreadySigned, match="X-Amz-Expires"):
        signer.sign(Request("GET", "https://h.amazonaws.com/?X-Amz-Expires=5"), CREDS, AT)


def test_naive_datetime_is_refused() -> None:
    signer = signers.get_signer("sigv4", region="us-east-1", service="service")
    with pytest.raises(signers.InvalidTime, match="naive"):
        signer.sign(Request("GET", "https://h.amazonaws.com/"), CREDS, dt.datetime(2015, 8, 30))


def test_time_is_converted_to_utc() -> None:
    signer = signers.get_signer("sigv4", region="us-east-1", service="service")
    plus_two = dt.timezone(dt.timedelta(hours=2))
    a = signer.sign(Request("GET", "https://h.amazonaws.com/"), CREDS, AT)
    b = signer.sign(Request("GET", "https://h.amazonaws.com/"), CREDS, AT.astimezone(plus_two))
    assert a.artifacts.signature == b.artifacts.signature


@pytest.mark.parametrize("expires", [0, -1, 604801, True, "60", 1.5])
def test_expires_out_of_range(expires: Any) -> None:
    with pytest.raises(signers.InvalidOption) as info:
        signers.get_signer("sigv4-query", region="us-east-1", service="s3", expires=expires)
    assert info.value.field == "expires"


@pytest.mark.parametrize("expires", [1, 604800])
def test_expires_bounds_accepted(expires: int) -> None:
    signer = signers.get_signer("sigv4-query", region="us-east-1", service="s3", expires=expires)
    signed = signer.sign(Request("GET", "https://b.s3.amazonaws.com/k"), CREDS, AT)
    assert f"X-Amz-Expires={expires}&" in signed.url


@pytest.mark.parametrize(
    "options, field",
    [
        ({"service": "s3"}, "region"),
        ({"region": "us-east-1"}, "service"),
        ({"region": "", "service": "s3"}, "region"),
        ({"region": "us east", "service": "s3"}, "region"),
        ({"region": "us-east-1", "service": "s3", "session_token": "maybe"}, "session_token"),
        ({"region": "us-east-1", "service": "s3", "normalize_path": "yes"}, "normalize_path"),
        (
            {"region": "us-east-1", "service": "s3", "unsigned_headers": ["host"]},
            "unsigned_headers",
        ),
        ({"region": "us-east-1", "service": "s3", "colour": "blue"}, "colour"),
    ],
)
def test_bad_options_name_the_field(options: Any, field: str) -> None:
    with pytest.raises(signers.SigningError) as info:
        signers.get_signer("sigv4", **options)
    assert info.value.field == field
    assert field in str(info.value)


def test_unknown_scheme_lists_available_names() -> None:
    with pytest.raises(signers.UnknownScheme) as info:
        signers.get_signer("sigv9")
    message = str(info.value)
    assert "sigv9" in message
    for name in ("sigv4", "sigv4-query", "v4", "s3v4-query"):
        assert name in message


def test_aliases_resolve_to_the_same_signers() -> None:
    header = signers.get_signer("v4", region="r-1", service="s")
    query = signers.get_signer("v4-query", region="r-1", service="s")
    assert type(header) is type(query) is signers.sigv4.SigV4Signer  # one signer, two placements
    assert header.name == "sigv4" and header.options.placement == "header"
    assert query.name == "sigv4-query" and query.options.placement == "query"
    s3 = signers.get_signer("s3v4-query", region="us-east-1", service="s3")
    assert s3.options.s3 is True and s3.options.normalize_path is False
    listing = signers.available()
    assert listing["v4"].startswith("alias of sigv4")
    assert listing["sigv4"]


def test_secret_never_in_repr_or_errors() -> None:
    creds = Credentials("AKIDEXAMPLE", "TOPSECRETvalue", "SESSIONtoken")
    text = repr(creds)
    assert "TOPSECRETvalue" not in text and "SESSIONtoken" not in text
    signer = signers.get_signer("sigv4", region="us-east-1", service="service")
    signed = signer.sign(Request("GET", "https://h.amazonaws.com/"), creds, AT)
    for shown in (repr(signed), repr(signed.artifacts), repr(signer)):
        assert "TOPSECRETvalue" not in shown


def test_path_normalization_keeps_trailing_slash_only_when_sent() -> None:
    signer = signers.get_signer("sigv4", region="us-east-1", service="service")
    cases = {"/a/b/..": "/a", "/a/b/../": "/a/", "//x//": "/x/", "": "/", "/./": "/"}
    for path, expected in cases.items():
        signed = signer.sign(Request("GET", "https://h.amazonaws.com" + path), CREDS, AT)
        assert signed.artifacts.canonical_request.split("\n")[1] == expected, path


@pytest.mark.parametrize("name", ["sigv4", "sigv4-query"])
def test_ascii_blanks_collapse_and_other_characters_are_kept(name: str) -> None:
    # The rule (aws-c-auth's): trim space, tab, vertical tab and form feed from the ends and
    # collapse their inner runs to one space; every other character is data, on every path.
    signer = signers.get_signer(name, region="us-east-1", service="svc")
    creds = Credentials("AKID", "secret", "to\x0bken")
    request = Request(
        "GET", "https://h.example.com/", [("X-A", " a\x0bb "), ("X-B", "c  \t d\u3000\xa0")]
    )
    canonical = signer.sign(request, creds, AT).artifacts.canonical_request
    assert "\nx-a:a b\n" in canonical and "\nx-b:c d\u3000\xa0\n" in canonical
    if name == "sigv4":
        assert "\nx-amz-security-token:to ken\n" in canonical
    else:
        assert "X-Amz-Security-Token=to%0Bken" in canonical
