"""Bad input (issue 4, section 4): a clean VerificationError with the right code, never a crash."""

from __future__ import annotations

import pytest

import signers
from signers import Request
from signers._verification import detect
from tests._verify_support import (
    AK,
    AT,
    CREDS,
    CREDS_TOKEN,
    SECRET,
    replace_header,
)

LOOKUP = {AK: CREDS}
URL = "https://example.amazonaws.com/"
SIGNATURE = "a" * 64
SCOPE = f"{AK}/20240517/us-east-1/service/aws4_request"
GOOD_AUTH = (
    f"AWS4-HMAC-SHA256 Credential={SCOPE}, SignedHeaders=host;x-amz-date, Signature={SIGNATURE}"
)


def _header_request(auth, *extra):
    return Request(
        "GET", URL, [("X-Amz-Date", "20240517T120000Z"), ("Authorization", auth), *extra]
    )


def _code(request, lookup=LOOKUP, **kw):
    with pytest.raises(signers.VerificationError) as info:
        signers.verify(request, lookup, now=AT, **kw)
    err = info.value
    text = str(err)
    assert "\n" not in text and "\r" not in text
    assert SECRET not in text and SECRET not in repr(err)
    assert len(text) < 1000
    text.encode("utf-8")  # printable as it is
    return err.code


GARBAGE_AUTH = [
    ("", "InvalidArgument"),
    ("Bearer abc", "InvalidArgument"),
    ("AWS4-HMAC-SHA256", "IncompleteSignature"),
    ("AWS4-HMAC-SHA256 ", "IncompleteSignature"),
    ("AWS4-HMAC-SHA256 garbage", "IncompleteSignature"),
    ("AWS4-HMAC-SHA256 Credential", "IncompleteSignature"),
    ("AWS4-HMAC-SHA256 ,,,,", "IncompleteSignature"),
    ("AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=", "IncompleteSignature"),
    (f"AWS4-HMAC-SHA256 Credential={SCOPE}, SignedHeaders=host", "IncompleteSignature"),
    (f"AWS4-HMAC-SHA256 Credential={SCOPE}, Signature={SIGNATURE}", "IncompleteSignature"),
    (
        f"AWS4-HMAC-SHA256 Credential=AK/20240517/us-east-1/aws4_request, SignedHeaders=host, "
        f"Signature={SIGNATURE}",
        "IncompleteSignature",
    ),
    (
        f"AWS4-HMAC-SHA256 Credential=AK/20240517/us-east-1/service/aws4_request/x, "
        f"SignedHeaders=host, Signature={SIGNATURE}",
        "IncompleteSignature",
    ),
    (GOOD_AUTH + ", Bogus=1", "IncompleteSignature"),
    (GOOD_AUTH + f", Signature={SIGNATURE}", "IncompleteSignature"),
    (GOOD_AUTH + f", Credential={SCOPE}", "IncompleteSignature"),
    (GOOD_AUTH.replace("host;x-amz-date", "host;;x-amz-date"), "IncompleteSignature"),
    (GOOD_AUTH.replace("host;x-amz-date", "host;host"), "IncompleteSignature"),
    (GOOD_AUTH.replace("host;x-amz-date", "Host Name"), "IncompleteSignature"),
    (GOOD_AUTH.replace("us-east-1", "us east 1"), "IncompleteSignature"),
    (GOOD_AUTH.replace("us-east-1", "us-\u00e9ast-1"), "IncompleteSignature"),
    (GOOD_AUTH.replace("us-east-1", "us-\udcffeast"), "IncompleteSignature"),
    (GOOD_AUTH.replace("aws4_request", "aws5_request"), "SignatureDoesNotMatch"),
    (GOOD_AUTH.replace(SIGNATURE, "zz"), "SignatureDoesNotMatch"),
    (GOOD_AUTH.replace(SIGNATURE, "\u00ff" * 64), "SignatureDoesNotMatch"),
    (GOOD_AUTH.replace(SIGNATURE, "\udcff" * 64), "SignatureDoesNotMatch"),
    (GOOD_AUTH.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"), "InvalidArgument"),
    # SigV4A is parsed as strictly as SigV4 (with or without the cryptography extra)
    ("AWS4-ECDSA-P256-SHA256 Credential=x", "IncompleteSignature"),
    ("AWS", "InvalidArgument"),
    ("AWS nocolon", "InvalidArgument"),
    ("AWS :sig", "InvalidArgument"),
    # s3-v2 (S3's answers: InvalidArgument for a malformed header, as ceph's s3-tests pin)
    ("AWS AKIDEXAMPLE:c2lnbmF0dXJl", "SignatureDoesNotMatch"),
    ("AWS AKIDUNKNOWN:c2lnbmF0dXJl", "InvalidAccessKeyId"),
    ("AWS  AKIDEXAMPLE:c2lnbmF0dXJl", "InvalidArgument"),
    ("AWS AKIDEXAMPLE:c2lnbmF0dXJl extra", "InvalidArgument"),
    ("AWS HAHAHA", "InvalidArgument"),
    ("AWS AKIDEXAMPLE:", "InvalidArgument"),
    ("AWS AKIDEXAMPLE:\u00ff\udcff", "SignatureDoesNotMatch"),
    ("\u00ff\u00fe garbage", "InvalidArgument"),
]


@pytest.mark.parametrize(
    ("auth", "code"), GARBAGE_AUTH, ids=[repr(a)[:40] for a, _ in GARBAGE_AUTH]
)
def test_garbage_authorization_header(auth, code):
    assert _code(_header_request(auth)) == code


def test_duplicate_authorization_and_date_headers():
    assert (
        _code(
            Request(
                "GET",
                URL,
                [
                    ("X-Amz-Date", "20240517T120000Z"),
                    ("Authorization", GOOD_AUTH),
                    ("Authorization", GOOD_AUTH),
                ],
            )
        )
        == "IncompleteSignature"
    )
    assert _code(_header_request(GOOD_AUTH, ("X-Amz-Date", "20240517T120000Z"))) == (
        "IncompleteSignature"
    )
    assert (
        _code(
            _header_request(GOOD_AUTH, ("X-Amz-Security-Token", "a"), ("X-Amz-Security-Token", "b"))
        )
        == "IncompleteSignature"
    )


@pytest.mark.parametrize(
    "value",
    ["", "2024-05-17T12:00:00Z", "20240517T120000", "20241317T120000Z", "\u00ff" * 16, "2" * 5000],
)
def test_bad_request_time(value):
    request = Request("GET", URL, [("X-Amz-Date", value), ("Authorization", GOOD_AUTH)])
    assert _code(request) == "IncompleteSignature"
    assert (
        _code(
            request.replace(url="https://b.s3.amazonaws.com/"),
            service=None,
            options={"sigv4": {"s3": True}},
        )
        == "AccessDenied"
    )


def _presigned(**options):
    signer = signers.get_signer("sigv4-query", region="us-east-1", service="service", **options)
    return signer.sign(Request("GET", URL + "path?x=1"), CREDS_TOKEN, at=AT).request


def test_every_truncation_of_a_presigned_url_fails_cleanly():
    request = _presigned()
    lookup = {AK: CREDS_TOKEN}
    assert signers.verify(request, lookup, now=AT)
    allowed = {
        "AuthorizationQueryParametersError",
        "SignatureDoesNotMatch",
        "MissingAuthenticationToken",
        "InvalidClientTokenId",
    }
    for cut in range(len(URL), len(request.url)):
        truncated = request.replace(url=request.url[:cut])
        assert _code(truncated, lookup) in allowed, truncated.url


def test_duplicate_presigned_parameters():
    request = _presigned()
    for name in (
        "X-Amz-Credential",
        "X-Amz-Signature",
        "X-Amz-Date",
        "X-Amz-Expires",
        "x-amz-signedheaders",
        "X-Amz-Security-Token",
    ):
        value = "1" if name != "X-Amz-Credential" else SCOPE
        doubled = request.replace(url=request.url + f"&{name}={value}")
        assert _code(doubled, {AK: CREDS_TOKEN}) == "AuthorizationQueryParametersError", name


def test_presigned_wrong_algorithm_and_garbage():
    request = _presigned()
    bad = request.replace(url=request.url.replace("AWS4-HMAC-SHA256", "HMAC"))
    assert _code(bad, {AK: CREDS_TOKEN}) == "AuthorizationQueryParametersError"
    bad = request.replace(url=request.url.replace("X-Amz-Date=2024", "X-Amz-Date=%FF%FE"))
    assert _code(bad, {AK: CREDS_TOKEN}) == "AuthorizationQueryParametersError"
    bad = request.replace(url=request.url.replace("X-Amz-Credential=", "X-Amz-Credential=%FF%C0"))
    assert _code(bad, {AK: CREDS_TOKEN}) == "AuthorizationQueryParametersError"
    bad = request.replace(
        url=request.url.replace("X-Amz-Security-Token=", "X-Amz-Security-Token=%FF")
    )
    assert _code(bad, {AK: CREDS_TOKEN}) == "InvalidClientTokenId"


def test_non_utf8_bytes_in_headers_and_body():
    signer = signers.get_signer("sigv4", region="us-east-1", service="service")
    # Header values as http.server hands them over: bytes >= 0x80 decoded as latin-1
    request = Request("POST", URL, [("X-Bin", "\u00ff\u00fe\u0080")], b"\xff\xfe\x00\x80")
    signed = signer.sign(request, CREDS, at=AT).request
    assert signers.verify(signed, LOOKUP, now=AT)
    assert _code(replace_header(signed, "x-bin", "\u00ff")) == "SignatureDoesNotMatch"
    assert _code(signed.replace(body=b"\xff")) == "SignatureDoesNotMatch"


def test_huge_header():
    huge = "A" * 1_000_000
    assert _code(_header_request(GOOD_AUTH.replace(SIGNATURE, huge))) == "SignatureDoesNotMatch"
    assert _code(_header_request("AWS4-HMAC-SHA256 " + huge)) == "IncompleteSignature"
    assert _code(
        _header_request(
            GOOD_AUTH.replace("host;x-amz-date", ";".join(f"h{i}" for i in range(20000)))
        )
    ) in {"SignatureDoesNotMatch"}


def test_unsigned_request_and_mixed_mechanisms():
    assert _code(Request("GET", URL)) == "MissingAuthenticationToken"
    presigned = _presigned()
    both = presigned.with_headers(("Authorization", GOOD_AUTH))
    assert _code(both) == "InvalidArgument"


def test_legacy_requests_are_detected_and_verified():
    cases = [
        (
            Request(
                "GET",
                URL + "bucket/key?AWSAccessKeyId=AKIDEXAMPLE&Expires=1715950000&Signature=abc",
            ),
            "s3-v2-query",
            "SignatureDoesNotMatch",
        ),
        (
            Request(
                "GET",
                URL + "?Action=X&SignatureVersion=2&SignatureMethod=HmacSHA256"
                "&AWSAccessKeyId=AKIDEXAMPLE&Timestamp=2024-05-17T12%3A00%3A00Z&Signature=abc",
            ),
            "sigv2",
            "SignatureDoesNotMatch",
        ),
        (
            Request(
                "POST",
                URL,
                [("Content-Type", "application/x-www-form-urlencoded")],
                b"Action=X&SignatureVersion=2&AWSAccessKeyId=AKIDEXAMPLE&Signature=abc",
            ),
            "sigv2",
            "MissingParameter",  # SignatureMethod
        ),
    ]
    for request, scheme, code in cases:
        assert detect(request).scheme == scheme
        assert _code(request) == code
    assert _code(Request("GET", URL + "?SignatureVersion=1&AWSAccessKeyId=A")) == "InvalidRequest"
    # SigV2 without an access key: the query APIs' common error for a missing key
    assert (
        _code(Request("GET", URL + "?SignatureVersion=2&Signature=x"))
        == "MissingAuthenticationToken"
    )


def test_unknown_key_and_bad_lookup():
    request = _presigned()
    assert _code(request, {}) == "InvalidClientTokenId"
    assert _code(request, lambda key: None) == "InvalidClientTokenId"
    with pytest.raises(signers.InvalidOption):
        signers.verify(request, lambda key: ("AK", "SK"), now=AT)
    with pytest.raises(signers.InvalidOption):
        signers.verify(request, 42, now=AT)


def test_schemes_restriction():
    request = _presigned()
    with pytest.raises(signers.UnsupportedAuthorization, match="not accepted here"):
        signers.verify(request, {AK: CREDS_TOKEN}, now=AT, schemes=["sigv4"])
    assert signers.verify(request, {AK: CREDS_TOKEN}, now=AT, schemes=["sigv4-query"])
