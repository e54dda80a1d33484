"""SigV4 verification: our own output, the aws-c-auth vectors, and each failure's AWS code."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import signers
from signers import Credentials, Request
from signers._time import parse_iso8601
from tests._support import context_credentials
from tests._verify_support import (
    AK,
    AT,
    CREDS,
    CREDS_TOKEN,
    SECRET,
    TOKEN,
    drop_header,
    drop_query_param,
    replace_header,
    replace_query_param,
    rewrite_scope,
    v4_vector_root,
)

# -- our own signers' output verifies ----------------------------------------------------------

REQUESTS = [
    Request("GET", "https://example.amazonaws.com/"),
    Request("GET", "https://example.amazonaws.com/a/./b/../c//d?z=1&a=%E1%88%B4&a=0"),
    Request(
        "POST",
        "https://sts.amazonaws.com/",
        [("Content-Type", "application/x-www-form-urlencoded"), ("X-Custom", "  a   b  ")],
        b"Action=GetCallerIdentity&Version=2011-06-15",
    ),
    Request("PUT", "https://bucket.s3.amazonaws.com/key%20with%20space/%C3%A9", body=b"data"),
    Request("GET", "http://127.0.0.1:8080/x?list-type=2", [("Host", "127.0.0.1:8080")]),
]


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: f"{r.method} {r.target}")
@pytest.mark.parametrize("s3", [False, True], ids=["service", "s3"])
@pytest.mark.parametrize("creds", [CREDS, CREDS_TOKEN], ids=["plain", "token"])
@pytest.mark.parametrize("name", ["sigv4", "sigv4-query"])
def test_own_output_verifies(name, creds, s3, request_):
    service = "s3" if s3 else "sts"
    signer = signers.get_signer(name, region="eu-west-1", service=service, s3=s3)
    signed = signer.sign(request_, creds, at=AT)
    artifacts = signer.verify(signed.request, creds, now=AT + dt.timedelta(seconds=30))
    assert artifacts == signed.artifacts
    verified = signers.verify(signed.request, {AK: creds}, now=AT)
    assert verified.scheme == name
    assert verified.access_key == AK
    assert (verified.region, verified.service) == ("eu-west-1", service)
    assert verified.request_time == AT
    assert ";".join(verified.signed_headers) == signed.artifacts.signed_headers
    assert verified.artifacts.signature == signed.signature


def test_unsigned_token_mode_verifies_both_forms():
    for name in ("sigv4", "sigv4-query"):
        signer = signers.get_signer(
            name, region="us-east-1", service="iotdevicegateway", session_token="unsigned"
        )
        signed = signer.sign(REQUESTS[0], CREDS_TOKEN, at=AT)
        assert signer.verify(signed.request, CREDS_TOKEN, now=AT).signature == signed.signature
    # ...and a signed-mode verifier refuses the presigned URL whose token was added afterwards
    strict = signers.get_signer("sigv4-query", region="us-east-1", service="iotdevicegateway")
    with pytest.raises(signers.SignatureDoesNotMatch):
        strict.verify(signed.request, CREDS_TOKEN, now=AT)


def test_verify_accepts_date_header_instead_of_x_amz_date():
    # SigV4 lets the HTTP Date header carry the request time; the string to sign then holds
    # the same instant in the basic ISO 8601 form.  Built by hand from the spec's steps.
    from signers import _crypto
    from signers.sigv4 import credential_scope, string_to_sign

    creq = (
        "GET\n/\n\ndate:Fri, 17 May 2024 12:00:00 GMT\nhost:example.amazonaws.com\n\ndate;host\n"
        + (_crypto.sha256_hex(b""))
    )
    scope = credential_scope("20240517", "us-east-1", "service")
    sts = string_to_sign("20240517T120000Z", scope, creq)
    key = _crypto.derive_signing_key_uncached(SECRET, "20240517", "us-east-1", "service")
    signature = _crypto.hmac_sha256_hex(key, sts.encode())
    request = Request(
        "GET",
        "https://example.amazonaws.com/",
        [
            ("Date", "Fri, 17 May 2024 12:00:00 GMT"),
            (
                "Authorization",
                f"AWS4-HMAC-SHA256 Credential={AK}/{scope}, "
                f"SignedHeaders=date;host, Signature={signature}",
            ),
        ],
    )
    signer = signers.get_signer("sigv4", region="us-east-1", service="service")
    assert signer.verify(request, CREDS, now=AT).canonical_request == creq


# -- the aws-c-auth vectors verify -------------------------------------------------------------


def _vector_cases():
    root = v4_vector_root()
    cases = []
    for case in sorted(p for p in root.iterdir() if (p / "context.json").is_file()):
        for location in ("header", "query"):
            if (case / f"{location}-signed-request.txt").is_file():
                cases.append(pytest.param(case, location, id=f"{location}::{case.name}"))
    return cases


@pytest.mark.parametrize(("case", "location"), _vector_cases())
def test_upstream_vector_verifies(case, location):
    context = json.loads((case / "context.json").read_text())
    if context.get("xfail"):
        pytest.xfail(context["xfail"])
    creds = context_credentials(context)
    at = parse_iso8601(context["timestamp"])
    options = {
        "region": context["region"],
        "service": context["service"],
        "normalize_path": context.get("normalize", True),
        "session_token": "unsigned" if context.get("omit_session_token") else "signed",
    }
    options.update(context.get("options", {}))
    options.update(context.get(f"{location}_options", {}))
    name = "sigv4" if location == "header" else "sigv4-query"
    request = Request.from_raw((case / f"{location}-signed-request.txt").read_bytes())
    artifacts = signers.get_signer(name, **options).verify(request, creds, now=at)
    expected = (case / f"{location}-signature.txt").read_text().strip()
    assert artifacts.signature == expected
    creq_file = case / f"{location}-canonical-request.txt"
    if creq_file.is_file():
        assert artifacts.canonical_request == creq_file.read_text()
    # The dispatcher finds the same answer from the request alone.
    scheme_options = {k: v for k, v in options.items() if k not in ("region", "service")}
    verified = signers.verify(
        request, {creds.access_key: creds}, now=at, options={name: scheme_options}
    )
    assert verified.scheme == name and verified.artifacts.signature == expected


# -- failures carry AWS's codes ----------------------------------------------------------------


def _signed(name="sigv4", *, s3=False, creds=CREDS, request=None, **options):
    service = "s3" if s3 else "service"
    signer = signers.get_signer(name, region="us-east-1", service=service, s3=s3, **options)
    request = request or Request("GET", "https://example.amazonaws.com/a?b=c", [("X-Foo", "1")])
    return signer, signer.sign(request, creds, at=AT).request


def _code(signer, request, creds=CREDS, now=AT, **kw):
    with pytest.raises(signers.VerificationError) as info:
        signer.verify(request, creds, now=now, **kw)
    assert "\n" not in str(info.value)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)
    return info.value


def test_signature_mismatch_carries_server_artifacts():
    signer, request = _signed()
    tampered = replace_header(request, "x-foo", "2")
    err = _code(signer, tampered)
    assert type(err) is signers.SignatureDoesNotMatch
    assert (err.code, err.http_status, err.code_for("json")) == (
        "SignatureDoesNotMatch",
        403,
        "InvalidSignatureException",
    )
    assert "x-foo:2\n" in err.canonical_request
    assert err.string_to_sign.startswith("AWS4-HMAC-SHA256\n20240517T120000Z\n")
    assert ("AWSAccessKeyId", AK) in err.details


@pytest.mark.parametrize("s3", [False, True])
def test_wrong_region_and_service(s3):
    _signer, request = _signed(s3=s3)
    service = "s3" if s3 else "service"
    other = signers.get_signer("sigv4", region="eu-west-1", service=service, s3=s3)
    err = _code(other, request)
    if s3:
        assert type(err) is signers.AuthorizationHeaderMalformed and err.http_status == 400
        assert str(err) == (
            "The authorization header is malformed; the region 'us-east-1' is "
            "wrong; expecting 'eu-west-1'"
        )
    else:
        assert err.code == "SignatureDoesNotMatch" and err.field == "region"
    other = signers.get_signer("sigv4", region="us-east-1", service="autoscaling-plans", s3=s3)
    err = _code(other, request)
    if s3:
        assert err.code == "AuthorizationHeaderMalformed"
    else:
        assert str(err) == "Credential should be scoped to correct service: 'autoscaling-plans'."
        assert err.code_for("query") == "SignatureDoesNotMatch"
        assert err.code_for("json") == "InvalidSignatureException"


def test_wrong_region_presigned_s3():
    _signer, request = _signed("sigv4-query", s3=True)
    other = signers.get_signer("sigv4-query", region="eu-west-1", service="s3", s3=True)
    err = _code(other, request)
    assert type(err) is signers.AuthorizationQueryParametersError
    assert "the region 'us-east-1' is wrong; expecting 'eu-west-1'" in str(err)


def test_scope_date_must_match_request_date():
    signer, request = _signed()
    err = _code(signer, rewrite_scope(request, date="20240516"))
    assert err.code == "SignatureDoesNotMatch" and err.field == "date"
    signer, request = _signed(s3=True)
    err = _code(signer, rewrite_scope(request, date="20240516"))
    assert err.code == "AuthorizationHeaderMalformed"


def test_unknown_access_key_and_token():
    signer, request = _signed()
    other = Credentials("AKIDOTHER", SECRET)
    assert _code(signer, request, other).code == "InvalidClientTokenId"
    signer, request = _signed(s3=True)
    err = _code(signer, request, other)
    assert type(err) is signers.InvalidAccessKeyId and err.http_status == 403
    # A token the server did not issue, or none where one was issued
    signer, request = _signed(creds=CREDS_TOKEN)
    assert (
        _code(signer, request, Credentials(AK, SECRET, TOKEN + "x")).code == "InvalidClientTokenId"
    )
    assert _code(signer, request, CREDS).code == "InvalidClientTokenId"
    signer, request = _signed(s3=True)
    err = _code(signer, request, CREDS_TOKEN)
    assert (err.code, err.http_status) == ("InvalidToken", 400)


def test_wrong_secret_is_signature_mismatch():
    signer, request = _signed()
    assert _code(signer, request, Credentials(AK, SECRET + "x")).code == "SignatureDoesNotMatch"


@pytest.mark.parametrize("s3", [False, True])
def test_skew(s3):
    signer, request = _signed(s3=s3)
    assert signer.verify(request, CREDS, now=AT + dt.timedelta(seconds=900))
    assert signer.verify(request, CREDS, now=AT - dt.timedelta(seconds=900))
    for delta in (901, -901):
        err = _code(signer, request, now=AT + dt.timedelta(seconds=delta))
        assert type(err) is signers.RequestTimeTooSkewed
        assert (err.code, err.http_status) == ("RequestTimeTooSkewed", 403)
        assert dict(err.details)["RequestTime"] == "20240517T120000Z"
    err = _code(signer, request, now=AT + dt.timedelta(seconds=61), max_skew=60)
    assert err.code == "RequestTimeTooSkewed"
    if not s3:
        assert str(err).startswith("Signature expired: 20240517T120000Z is now earlier than")


def test_presigned_expiry_and_range():
    signer, request = _signed("sigv4-query", s3=True, expires=60)
    assert signer.verify(request, CREDS, now=AT + dt.timedelta(seconds=60))
    err = _code(signer, request, now=AT + dt.timedelta(seconds=61))
    assert type(err) is signers.AccessDenied and str(err) == "Request has expired"
    assert dict(err.details)["X-Amz-Expires"] == "60"
    # Long after: still "expired", not "skewed"
    assert _code(signer, request, now=AT + dt.timedelta(days=3)).code == "AccessDenied"
    # Dated in the future beyond the skew
    assert _code(signer, request, now=AT - dt.timedelta(seconds=901)).code == "RequestTimeTooSkewed"
    for bad in ("0", "604801", "-5", "ten", ""):
        err = _code(signer, replace_query_param(request, "X-Amz-Expires", bad))
        assert type(err) is signers.AuthorizationQueryParametersError, bad
    # S3 requires X-Amz-Expires; other services accept a presigned URL without it (skew applies)
    assert _code(signer, drop_query_param(request, "X-Amz-Expires")).code == (
        "AuthorizationQueryParametersError"
    )


@pytest.mark.parametrize(
    "missing",
    ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"],
)
def test_presigned_missing_parameter(missing):
    signer, request = _signed("sigv4-query")
    err = _code(signer, drop_query_param(request, missing))
    assert type(err) is signers.AuthorizationQueryParametersError and err.field == missing
    assert err.http_status == 400 and err.code_for("json") == "IncompleteSignatureException"


def test_host_must_be_signed():
    # A client that left host out of SignedHeaders (signed by hand from the spec's steps)
    from signers import _crypto
    from signers.sigv4 import credential_scope, string_to_sign

    for s3 in (False, True):
        service = "s3" if s3 else "service"
        creq = f"GET\n/\n\nx-amz-date:20240517T120000Z\n\nx-amz-date\n{_crypto.sha256_hex(b'')}"
        scope = credential_scope("20240517", "us-east-1", service)
        key = _crypto.derive_signing_key(SECRET, "20240517", "us-east-1", service)
        signature = _crypto.hmac_sha256_hex(
            key, string_to_sign("20240517T120000Z", scope, creq).encode()
        )
        request = Request(
            "GET",
            "https://example.amazonaws.com/",
            [
                ("X-Amz-Date", "20240517T120000Z"),
                (
                    "Authorization",
                    f"AWS4-HMAC-SHA256 Credential={AK}/{scope}, "
                    f"SignedHeaders=x-amz-date, Signature={signature}",
                ),
            ],
        )
        signer = signers.get_signer("sigv4", region="us-east-1", service=service, s3=s3)
        err = _code(signer, request)
        if s3:
            assert type(err) is signers.AccessDenied
            assert str(err) == "There were headers present in the request which were not signed"
            assert ("HeadersNotSigned", "host") in err.details
        else:
            assert type(err) is signers.SignatureDoesNotMatch
            assert "'Host' or ':authority' must be a 'SignedHeader'" in str(err)


def test_s3_refuses_unsigned_amz_headers():
    signer, request = _signed(s3=True)
    tampered = request.with_headers(("x-amz-acl", "public-read"))
    err = _code(signer, tampered)
    assert err.code == "AccessDenied" and ("HeadersNotSigned", "x-amz-acl") in err.details
    # Other services take unsigned headers as they come
    signer, request = _signed()
    assert signer.verify(request.with_headers(("x-amz-acl", "public-read")), CREDS, now=AT)


def test_payload_hash_checked_against_body():
    signer, request = _signed(
        s3=True, request=Request("PUT", "https://b.s3.amazonaws.com/k", body=b"abc")
    )
    assert signer.verify(request, CREDS, now=AT)
    err = _code(signer, request.replace(body=b"abd"))
    assert (err.code, err.http_status) == ("XAmzContentSHA256Mismatch", 400)
    # The body not at hand: the signed declaration stands
    assert signer.verify(request.replace(body=signers.UNSIGNED_PAYLOAD), CREDS, now=AT)
    err = _code(signer, replace_header(request, "x-amz-content-sha256", "abc"))
    assert err.code == "InvalidArgument"
    # Without the header, the body's hash is what was signed
    signer, request = _signed(request=Request("PUT", "https://example.amazonaws.com/", body=b"abc"))
    assert _code(signer, request.replace(body=b"abd")).code == "SignatureDoesNotMatch"


def test_presigned_s3_signs_unsigned_payload():
    signer, request = _signed("sigv4-query", s3=True)
    artifacts = signer.verify(request.replace(body=b"anything"), CREDS, now=AT)
    assert artifacts.payload_hash == "UNSIGNED-PAYLOAD"


def test_naive_now_and_bad_arguments():
    signer, request = _signed()
    with pytest.raises(signers.InvalidTime):
        signer.verify(request, CREDS, now=dt.datetime(2024, 5, 17, 12))
    with pytest.raises(signers.InvalidOption):
        signer.verify(request, CREDS, now=AT, max_skew=-1)
    with pytest.raises(signers.InvalidRequest):
        signer.verify("GET /", CREDS, now=AT)
    with pytest.raises(signers.InvalidRequest):
        signer.verify(request, ("AK", "SK"), now=AT)


def test_both_mechanisms_refused():
    _, presigned = _signed("sigv4-query")
    signer, signed = _signed()
    both = presigned.with_headers(("Authorization", signed.header("authorization")))
    assert _code(signer, both).code == "InvalidArgument"
    assert (
        _code(signers.get_signer("sigv4-query", region="us-east-1", service="service"), both).code
        == "InvalidArgument"
    )


def test_missing_authorization_and_date():
    signer, request = _signed()
    assert _code(signer, drop_header(request, "authorization")).code == "MissingAuthenticationToken"
    err = _code(signer, drop_header(request, "x-amz-date"))
    assert err.code == "IncompleteSignature"
    s3signer, s3request = _signed(s3=True)
    assert _code(s3signer, drop_header(s3request, "x-amz-date")).code == "AccessDenied"
