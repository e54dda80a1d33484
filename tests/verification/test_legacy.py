"""Verification of the legacy schemes: sigv2, s3-v2 (header) and s3-v2-query (presigned).

Expected values come from outside the code under test: the published vectors in
``vectors/sigv2`` and ``vectors/s3-v2`` (each signed request verifies at the vector's time, and a
tampered one fails carrying the vector's string to sign), the naive reference in
``tests/reference/legacy_reference.py`` (the string to sign the server should report), botocore's
``SigV2Auth`` / ``HmacV1Auth`` / ``HmacV1QueryAuth`` (what real clients send), and AWS's error codes
as documented in ``signers/_verification/sigv2.py`` and ``s3_v2.py``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import signers
from signers import Credentials, Request
from signers._encoding import uri_encode
from signers._time import rfc1123
from signers._verification import detect
from tests._support import (
    LEGACY_FAMILIES,
    VECTORS,
    case_context,
    context_credentials,
    context_time,
    legacy_cases,
)
from tests._verify_support import (
    AK,
    AT,
    CREDS,
    CREDS_TOKEN,
    FORM,
    SECRET,
    TOKEN,
    add_sigv2_param,
    drop_sigv2_param,
    replace_header,
    replace_raw_query_param,
    set_sigv2_param,
    sigv2_pairs,
    with_sigv2_pairs,
)
from tests.reference import legacy_reference as reference

Pair = Tuple[str, str]


# -- helpers -----------------------------------------------------------------------------------


CASES = legacy_cases("signed-request")


def _vector_options(context: Dict[str, Any], location: str) -> Dict[str, Any]:
    options = dict(context.get("options", {}))
    options.update(context.get(f"{location}_options", {}))
    # Signing-only options (how long a URL lives, where SigV2 puts its parameters) do not
    # change what a verifier reads; they are passed anyway, as a server built from the same
    # configuration would.
    return options


def _error(call: Any) -> signers.VerificationError:
    with pytest.raises(signers.VerificationError) as info:
        call()
    err = info.value
    text = str(err)
    assert "\n" not in text and "\r" not in text, text
    assert SECRET not in text and SECRET not in repr(err)
    assert TOKEN not in text
    assert len(text) < 1000
    return err


def _verify_error(request: Request, lookup: Any = None, **kw: Any) -> signers.VerificationError:
    return _error(lambda: signers.verify(request, lookup or {AK: CREDS}, now=AT, **kw))


def _raw(request: Request) -> bytes:
    """``request`` as the raw text the reference reads (``Host`` first, LF line endings)."""

    return request.to_raw()


def _sign(scheme: str, request: Request, creds: Credentials = CREDS, at: Any = AT, **options: Any):
    return signers.get_signer(scheme, **options).sign(request, creds, at=at).request


SQS = "https://sqs.us-east-1.amazonaws.com/123456789012/MyQueue"
S3_VIRTUAL = "https://examplebucket.s3.amazonaws.com"


def _sigv2_get(creds: Credentials = CREDS, **options: Any) -> Request:
    return _sign(
        "sigv2", Request("GET", SQS + "?Action=ReceiveMessage&Version=2012-11-05"), creds, **options
    )


def _sigv2_post(creds: Credentials = CREDS) -> Request:
    request = Request(
        "POST",
        SQS,
        [("Content-Type", FORM)],
        b"Action=SendMessage&MessageBody=hello%20world&Version=2012-11-05",
    )
    return _sign("sigv2", request, creds)


def _s3_header(creds: Credentials = CREDS, headers: Any = (), **options: Any) -> Request:
    request = Request("PUT", S3_VIRTUAL + "/photos/cat.jpg?acl", list(headers), b"data")
    return _sign("s3-v2", request, creds, **options)


def _s3_query(creds: Credentials = CREDS, expires: int = 600) -> Request:
    request = Request("GET", S3_VIRTUAL + "/photos/cat.jpg?versionId=3")
    return _sign("s3-v2-query", request, creds, expires=expires)


# -- the published vectors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "family, location, case, scheme",
    CASES,
    ids=[f"{scheme}::{case.name}" for _, _, case, scheme in CASES],
)
def test_vector_verifies(family: str, location: str, case: Path, scheme: str) -> None:
    context = case_context(case)
    credentials = context_credentials(context)
    at = context_time(context)
    options = _vector_options(context, location)
    request = Request.from_raw((case / f"{location}-signed-request.txt").read_bytes())
    expected_sts = (case / f"{location}-string-to-sign.txt").read_bytes().decode("utf-8")
    expected_signature = (case / f"{location}-signature.txt").read_text(encoding="utf-8")

    signer = signers.get_signer(scheme, **options)
    artifacts = signer.verify(request, credentials, now=at)
    assert artifacts.canonical_request is None
    assert artifacts.string_to_sign == expected_sts
    assert artifacts.signature == expected_signature

    verified = signers.verify(
        request, {credentials.access_key: credentials}, now=at, options={scheme: options}
    )
    assert (verified.scheme, verified.access_key) == (scheme, credentials.access_key)
    assert verified.artifacts == artifacts

    # The same request under another secret: the server reports the vector's string to sign.
    wrong = Credentials(credentials.access_key, credentials.secret_key + "x", credentials.token)
    err = _error(lambda: signer.verify(request, wrong, now=at))
    assert err.code == "SignatureDoesNotMatch" and err.http_status == 403
    assert err.string_to_sign == expected_sts and err.canonical_request is None


def test_every_vector_folder_is_covered() -> None:
    names = {(family, case.name) for family, _, case, _ in CASES}
    for family in LEGACY_FAMILIES:
        on_disk = {p.name for p in (VECTORS / family).iterdir() if p.is_dir()}
        assert on_disk == {n for f, n in names if f == family}
        assert len(on_disk) >= 25


# -- our own signers ---------------------------------------------------------------------------


OWN = [
    ("sigv2 GET", lambda: _sigv2_get(), "sigv2", CREDS),
    ("sigv2 GET HmacSHA1", lambda: _sigv2_get(signature_method="HmacSHA1"), "sigv2", CREDS),
    ("sigv2 GET Expires", lambda: _sigv2_get(expires=300), "sigv2", CREDS),
    ("sigv2 POST", lambda: _sigv2_post(), "sigv2", CREDS),
    ("sigv2 POST token", lambda: _sigv2_post(CREDS_TOKEN), "sigv2", CREDS_TOKEN),
    ("s3-v2", lambda: _s3_header(), "s3-v2", CREDS),
    ("s3-v2 token", lambda: _s3_header(CREDS_TOKEN), "s3-v2", CREDS_TOKEN),
    (
        "s3-v2 headers",
        lambda: _s3_header(
            headers=[
                ("Content-Type", "image/jpeg"),
                ("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
                ("x-amz-meta-a", "1"),
                ("X-Amz-Meta-A", "2"),
                ("x-amz-date", rfc1123(AT)),
            ]
        ),
        "s3-v2",
        CREDS,
    ),
    ("s3-v2-query", lambda: _s3_query(), "s3-v2-query", CREDS),
    ("s3-v2-query token", lambda: _s3_query(CREDS_TOKEN), "s3-v2-query", CREDS_TOKEN),
]


@pytest.mark.parametrize("make, scheme, creds", [c[1:] for c in OWN], ids=[c[0] for c in OWN])
def test_own_signers_verify(make: Any, scheme: str, creds: Credentials) -> None:
    request = make()
    verified = signers.verify(request, {AK: creds}, now=AT)
    assert verified.scheme == scheme
    assert signers.get_signer(scheme).verify(request, creds, now=AT) == verified.artifacts
    # and a minute later (inside the skew window, before any expiry)
    assert signers.verify(request, {AK: creds}, now=AT + dt.timedelta(seconds=60))


def test_verified_account_of_legacy_requests() -> None:
    verified = signers.verify(_sigv2_get(), {AK: CREDS}, now=AT)
    assert verified.request_time == AT and verified.expires_at is None
    assert verified.signed_headers == ("host",)
    assert verified.as_dict()["time"] == "2024-05-17T12:00:00Z"
    verified = signers.verify(_sigv2_get(expires=300), {AK: CREDS}, now=AT)
    assert verified.expires_at == AT + dt.timedelta(seconds=300)
    verified = signers.verify(
        _s3_header(headers=[("Content-Type", "text/plain"), ("x-amz-meta-k", "v")]),
        {AK: CREDS},
        now=AT,
    )
    assert verified.scheme == "s3-v2" and verified.service == "s3"
    assert verified.request_time == AT
    assert verified.signed_headers == ("content-type", "date", "x-amz-meta-k")
    verified = signers.verify(_s3_query(expires=600), {AK: CREDS}, now=AT)
    assert verified.expires_at == AT + dt.timedelta(seconds=600)
    assert verified.request_time is None


# -- botocore, what real clients send ----------------------------------------------------------

try:
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    from tests.reference.botocore_oracle import frozen_clock
except ImportError:  # botocore is a test-only oracle; the rest of this module runs without it
    botocore = None  # type: ignore[assignment]

needs_botocore = pytest.mark.skipif(botocore is None, reason="botocore (test oracle) not installed")


def _from_botocore(aws: Any) -> Request:
    prepared = aws.prepare()
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return Request(prepared.method, prepared.url, list(prepared.headers.items()), body)


def _boto_creds(token: Any = None) -> Any:
    return BotoCredentials(AK, SECRET, token)


@needs_botocore
@pytest.mark.parametrize("token", [None, TOKEN], ids=["keys", "session"])
def test_botocore_sigv2_get_and_post(token: Any) -> None:
    creds = Credentials(AK, SECRET, token)
    get = AWSRequest(
        method="GET",
        url="https://ec2.amazonaws.com/",
        params={"Action": "DescribeRegions", "Version": "2016-11-15", "Filter.1.Value": "a b+c"},
    )
    post = AWSRequest(
        method="POST",
        url="https://sqs.us-east-1.amazonaws.com/123456789012/q",
        # what botocore's query serializer sets for a form body
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        data={"Action": "SendMessage", "MessageBody": "h\u00e9llo ~*", "Version": "2012-11-05"},
    )
    for aws in (get, post):
        with frozen_clock(AT):
            botocore.auth.SigV2Auth(_boto_creds(token)).add_auth(aws)
        request = _from_botocore(aws)
        verified = signers.verify(request, {AK: creds}, now=AT)
        assert verified.scheme == "sigv2" and verified.request_time == AT
        wrong = {AK: Credentials(AK, SECRET + "x", token)}
        assert _verify_error(request, wrong).code == "SignatureDoesNotMatch"


@needs_botocore
@pytest.mark.parametrize("token", [None, TOKEN], ids=["keys", "session"])
@pytest.mark.parametrize(
    "url, auth_path, options",
    [
        ("https://s3.amazonaws.com/examplebucket/photos/a%20b.jpg?acl", None, {}),
        ("https://examplebucket.s3.amazonaws.com/photos/x.jpg", "/examplebucket/photos/x.jpg", {}),
        ("http://127.0.0.1:9000/bucket/k?uploadId=1&partNumber=2", None, {}),
        ("https://static.example.com/k", "/static.example.com/k", {"addressing": "cname"}),
    ],
    ids=["path-style", "virtual-hosted", "custom-endpoint", "cname"],
)
def test_botocore_hmacv1(url: str, auth_path: Any, options: Dict[str, Any], token: Any) -> None:
    creds = Credentials(AK, SECRET, token)
    aws = AWSRequest(method="PUT", url=url, headers={"Content-Type": "text/plain"}, data=b"abc")
    aws.headers["x-amz-meta-note"] = "  spaced  value "
    aws.auth_path = auth_path
    with frozen_clock(AT):
        botocore.auth.HmacV1Auth(_boto_creds(token)).add_auth(aws)
    request = _from_botocore(aws)
    verified = signers.verify(request, {AK: creds}, now=AT, options={"s3-v2": options})
    assert verified.scheme == "s3-v2" and verified.request_time == AT
    assert signers.get_signer("s3-v2", **options).verify(request, creds, now=AT)
    tampered = replace_header(request, "x-amz-meta-note", "other")
    err = _verify_error(tampered, {AK: creds}, options={"s3-v2": options})
    assert err.code == "SignatureDoesNotMatch"
    assert "x-amz-meta-note:other\n" in (err.string_to_sign or "")


@needs_botocore
@pytest.mark.parametrize("token", [None, TOKEN], ids=["keys", "session"])
def test_botocore_hmacv1_query(token: Any) -> None:
    creds = Credentials(AK, SECRET, token)
    aws = AWSRequest(method="GET", url="https://s3.amazonaws.com/examplebucket/a/b%20c.txt")
    with frozen_clock(AT):
        botocore.auth.HmacV1QueryAuth(_boto_creds(token), expires=120).add_auth(aws)
    # The URL alone is what a presigned URL's holder sends (botocore also leaves the token and a
    # Date holding Expires among its own request's headers; a fetch carries neither).
    request = Request("GET", aws.url)
    verified = signers.verify(request, {AK: creds}, now=AT)
    assert verified.scheme == "s3-v2-query"
    assert verified.expires_at == AT + dt.timedelta(seconds=120)
    late = AT + dt.timedelta(seconds=121)
    err = _error(lambda: signers.verify(request, {AK: creds}, now=late))
    assert (err.code, err.message) == ("AccessDenied", "Request has expired")


# -- SigV2: each error code --------------------------------------------------------------------


SIGV2_CASES = [
    # (name, mutate(signed request) -> request, code, status)
    ("no Signature", lambda r: drop_sigv2_param(r, "Signature"), "MissingParameter", 400),
    (
        "no SignatureMethod",
        lambda r: drop_sigv2_param(r, "SignatureMethod"),
        "MissingParameter",
        400,
    ),
    (
        "no SignatureVersion",
        lambda r: drop_sigv2_param(r, "SignatureVersion"),
        "MissingParameter",
        400,
    ),
    ("no Timestamp", lambda r: drop_sigv2_param(r, "Timestamp"), "MissingParameter", 400),
    ("empty Signature", lambda r: set_sigv2_param(r, "Signature", ""), "MissingParameter", 400),
    (
        "no AWSAccessKeyId",
        lambda r: drop_sigv2_param(r, "AWSAccessKeyId"),
        "MissingAuthenticationToken",
        403,
    ),
    (
        "SignatureMethod HmacSHA512",
        lambda r: set_sigv2_param(r, "SignatureMethod", "HmacSHA512"),
        "InvalidParameterValue",
        400,
    ),
    (
        "SignatureVersion 1",
        lambda r: set_sigv2_param(r, "SignatureVersion", "1"),
        "InvalidRequest",
        400,
    ),
    (
        "Timestamp unreadable",
        lambda r: set_sigv2_param(r, "Timestamp", "yesterday"),
        "InvalidParameterValue",
        400,
    ),
    (
        "Timestamp and Expires",
        lambda r: add_sigv2_param(r, "Expires", "2024-05-17T13:00:00Z"),
        "InvalidParameterCombination",
        400,
    ),
    (
        "Timestamp 2 hours old",
        lambda r: set_sigv2_param(r, "Timestamp", "2024-05-17T10:00:00Z"),
        "RequestExpired",
        400,
    ),
    (
        "Timestamp 1 hour ahead",
        lambda r: set_sigv2_param(r, "Timestamp", "2024-05-17T13:00:00Z"),
        "RequestExpired",
        400,
    ),
    (
        "Timestamp 10 minutes off (inside the window)",
        lambda r: set_sigv2_param(r, "Timestamp", "2024-05-17T11:50:00Z"),
        "SignatureDoesNotMatch",
        403,
    ),
    ("Signature twice", lambda r: add_sigv2_param(r, "Signature", "x"), "IncompleteSignature", 400),
    (
        "AWSAccessKeyId twice",
        lambda r: add_sigv2_param(r, "AWSAccessKeyId", AK),
        "IncompleteSignature",
        400,
    ),
    (
        "SecurityToken, none issued",
        lambda r: add_sigv2_param(r, "SecurityToken", TOKEN),
        "InvalidClientTokenId",
        403,
    ),
    (
        "unknown key",
        lambda r: set_sigv2_param(r, "AWSAccessKeyId", "AKIDUNKNOWN"),
        "InvalidClientTokenId",
        403,
    ),
    (
        "Authorization header too",
        lambda r: r.with_headers(("Authorization", "AWS a:b")),
        "InvalidArgument",
        400,
    ),
    (
        "another path",
        lambda r: r.replace(url=r.url.replace("MyQueue", "Other")),
        "SignatureDoesNotMatch",
        403,
    ),
    ("a parameter added", lambda r: add_sigv2_param(r, "Extra", "1"), "SignatureDoesNotMatch", 403),
]


@pytest.mark.parametrize("placement", ["GET", "POST"])
@pytest.mark.parametrize(
    "mutate, code, status", [c[1:] for c in SIGV2_CASES], ids=[c[0] for c in SIGV2_CASES]
)
def test_sigv2_error_codes(placement: str, mutate: Any, code: str, status: int) -> None:
    signed = _sigv2_get() if placement == "GET" else _sigv2_post()
    assert signers.verify(signed, {AK: CREDS}, now=AT)
    tampered = mutate(signed)
    err = _verify_error(tampered)
    assert (err.code, err.http_status) == (code, status), str(err)
    assert err.code_for("query") == code
    if code == "MissingParameter":
        assert err.message.startswith("The request must contain the parameter ")
    if code == "RequestExpired":
        assert isinstance(err, signers.RequestTimeTooSkewed)
        assert "Timestamp date is 2024-05-17T1" in err.message
    # The signer's own verify agrees (the dispatcher only adds detection and the key lookup).
    if code not in ("InvalidClientTokenId", "MissingAuthenticationToken"):
        direct = _error(lambda: signers.get_signer("sigv2").verify(tampered, CREDS, now=AT))
        assert direct.code == code


def test_sigv2_expires_window() -> None:
    signed = _sigv2_get(expires=60)
    signer = signers.get_signer("sigv2")
    # Expires passed, but less than max_skew ago: AWS allows its 15 minutes either way.
    assert signer.verify(signed, CREDS, now=AT + dt.timedelta(seconds=60 + 900))
    err = _error(lambda: signer.verify(signed, CREDS, now=AT + dt.timedelta(seconds=60 + 901)))
    assert (err.code, err.http_status) == ("RequestExpired", 400)
    assert err.message == "Request has expired. Expires date is 2024-05-17T12:01:00Z."
    err = _error(
        lambda: signer.verify(signed, CREDS, now=AT + dt.timedelta(seconds=61), max_skew=0)
    )
    assert err.code == "RequestExpired"


def test_sigv2_timestamp_forms() -> None:
    # AWS's own example sends Timestamp without a zone (UTC); milliseconds and offsets occur too.
    signer = signers.get_signer("sigv2")
    for value in ("2024-05-17T12:00:00", "2024-05-17T12:00:00.000Z", "2024-05-17T14:00:00+02:00"):
        request = Request("GET", SQS + "?Action=X&Timestamp=" + uri_encode(value))
        assert signer.verify(signer.sign(request, CREDS, at=AT).request, CREDS, now=AT)


def test_sigv2_session_token() -> None:
    signed = _sigv2_get(CREDS_TOKEN)
    assert signers.verify(signed, {AK: CREDS_TOKEN}, now=AT)
    for request, creds in (
        (set_sigv2_param(signed, "SecurityToken", TOKEN + "x"), CREDS_TOKEN),
        (drop_sigv2_param(signed, "SecurityToken"), CREDS_TOKEN),
        (signed, CREDS),
    ):
        assert _verify_error(request, {AK: creds}).code == "InvalidClientTokenId"


def test_sigv2_mismatch_reports_the_reference_string_to_sign() -> None:
    for signed, token in (
        (_sigv2_get(), None),
        (_sigv2_post(), None),
        (_sigv2_get(CREDS_TOKEN), TOKEN),
    ):
        err = _verify_error(signed, {AK: Credentials(AK, "another-secret", token)})
        # Re-sign the received request's own parameters (less the SigV2 ones, which the reference
        # adds itself) with the naive reference: its string to sign is what the server computes.
        unsigned_pairs = [
            (n, v)
            for n, v in sigv2_pairs(signed)
            if n not in ("AWSAccessKeyId", "SignatureVersion", "SignatureMethod", "Signature")
            and n != "SecurityToken"
        ]
        unsigned = with_sigv2_pairs(signed, unsigned_pairs)
        context = {
            "credentials": {
                "access_key_id": AK,
                "secret_access_key": "x",
                "token": dict(sigv2_pairs(signed)).get("SecurityToken"),
            },
            "timestamp": "2024-05-17T12:00:00Z",
        }
        expected = reference.sigv2(reference.parse_raw(_raw(unsigned)), context, {})
        assert err.string_to_sign == expected["string-to-sign"]
        assert err.canonical_request is None


# -- S3 header form: each error code -----------------------------------------------------------


def _date(text: str):
    return lambda r: replace_header(r, "Date", text)


S3_HEADER_CASES = [
    (
        "no Date",
        lambda r: r.replace(headers=[h for h in r.headers if h[0] != "Date"]),
        "AccessDenied",
        403,
    ),
    ("Date unreadable", _date("Bad Date"), "AccessDenied", 403),
    ("Date empty", _date(""), "AccessDenied", 403),
    ("Date control character", _date("\x07"), "AccessDenied", 403),
    ("Date before 1970", _date("Tue, 07 Jul 1950 21:53:04 GMT"), "AccessDenied", 403),
    ("Date in 2010", _date("Tue, 07 Jul 2010 21:53:04 GMT"), "RequestTimeTooSkewed", 403),
    ("Date in 2030", _date("Tue, 07 Jul 2030 21:53:04 GMT"), "RequestTimeTooSkewed", 403),
    ("Date in 9999", _date("Tue, 07 Jul 9999 21:53:04 GMT"), "RequestTimeTooSkewed", 403),
    ("Date 10 minutes off", _date("Fri, 17 May 2024 11:50:00 GMT"), "SignatureDoesNotMatch", 403),
    (
        "Authorization AWS HAHAHA",
        lambda r: replace_header(r, "Authorization", "AWS HAHAHA"),
        "InvalidArgument",
        400,
    ),
    (
        "Authorization two spaces",
        lambda r: replace_header(r, "Authorization", r.header("authorization").replace(" ", "  ")),
        "InvalidArgument",
        400,
    ),
    (
        "Authorization unknown key",
        lambda r: replace_header(
            r, "Authorization", r.header("authorization").replace(AK, "AKIDUNKNOWN")
        ),
        "InvalidAccessKeyId",
        403,
    ),
    (
        "Authorization Bearer",
        lambda r: replace_header(r, "Authorization", "Bearer abc"),
        "InvalidArgument",
        400,
    ),
    (
        "query signature too",
        lambda r: r.replace(url=r.url + "&Signature=abc"),
        "InvalidArgument",
        400,
    ),
    (
        "token, none issued",
        lambda r: r.with_headers(("x-amz-security-token", TOKEN)),
        "InvalidToken",
        400,
    ),
    (
        "Content-Type set",
        lambda r: r.with_headers(("Content-Type", "text/html")),
        "SignatureDoesNotMatch",
        403,
    ),
    (
        "sub-resource changed",
        lambda r: r.replace(url=r.url.replace("?acl", "?policy")),
        "SignatureDoesNotMatch",
        403,
    ),
    ("method changed", lambda r: r.replace(method="POST"), "SignatureDoesNotMatch", 403),
]


@pytest.mark.parametrize(
    "mutate, code, status",
    [c[1:] for c in S3_HEADER_CASES],
    ids=[c[0] for c in S3_HEADER_CASES],
)
def test_s3_header_error_codes(mutate: Any, code: str, status: int) -> None:
    signed = _s3_header()
    assert signers.verify(signed, {AK: CREDS}, now=AT)
    tampered = mutate(signed)
    err = _verify_error(tampered)
    assert (err.code, err.http_status) == (code, status), str(err)
    assert err.code_for("s3") == code
    if code == "AccessDenied":
        assert err.message == "AWS authentication requires a valid Date or x-amz-date header"
    if code == "RequestTimeTooSkewed":
        details = dict(err.details)
        assert details["RequestTime"].startswith("Tue, 07 Jul ")
        assert details["ServerTime"] == "2024-05-17T12:00:00Z"
        assert details["MaxAllowedSkewMilliseconds"] == "900000"
    if code == "InvalidAccessKeyId":
        assert dict(err.details)["AWSAccessKeyId"] == "AKIDUNKNOWN"


def test_s3_header_x_amz_date_wins() -> None:
    signed = _s3_header(headers=[("x-amz-date", rfc1123(AT))])
    assert signers.verify(signed, {AK: CREDS}, now=AT)
    # With x-amz-date sent, the Date line is empty: a Date header is neither read nor signed.
    assert signers.verify(signed.with_headers(("Date", "Bad Date")), {AK: CREDS}, now=AT)
    err = _verify_error(replace_header(signed, "x-amz-date", "Bad Date"))
    assert err.code == "AccessDenied"
    err = _verify_error(replace_header(signed, "x-amz-date", "Tue, 07 Jul 2010 21:53:04 GMT"))
    assert err.code == "RequestTimeTooSkewed"
    # the ISO 8601 basic form is read as well
    iso = _s3_header(headers=[("x-amz-date", "20240517T120000Z")])
    assert signers.verify(iso, {AK: CREDS}, now=AT).request_time == AT


def test_s3_header_session_token() -> None:
    signed = _s3_header(CREDS_TOKEN)
    assert signers.verify(signed, {AK: CREDS_TOKEN}, now=AT)
    for request, creds in (
        (replace_header(signed, "x-amz-security-token", TOKEN + "x"), CREDS_TOKEN),
        (
            signed.replace(headers=[h for h in signed.headers if h[0] != "x-amz-security-token"]),
            CREDS_TOKEN,
        ),
        (signed, CREDS),
        (signed.with_headers(("x-amz-security-token", TOKEN)), CREDS_TOKEN),
    ):
        err = _verify_error(request, {AK: creds})
        assert (err.code, err.http_status) == ("InvalidToken", 400)


def test_s3_header_mismatch_reports_the_reference_string_to_sign() -> None:
    signed = _s3_header(headers=[("Content-Type", "image/jpeg"), ("x-amz-meta-a", " x ")])
    err = _verify_error(signed, {AK: Credentials(AK, "another-secret")})
    assert err.code == "SignatureDoesNotMatch"
    unsigned = signed.replace(headers=[h for h in signed.headers if h[0] != "Authorization"])
    context = {
        "credentials": {"access_key_id": AK, "secret_access_key": "x"},
        "timestamp": "2024-05-17T12:00:00Z",
    }
    expected = reference.s3_header(reference.parse_raw(_raw(unsigned)), context, {})
    assert err.string_to_sign == expected["string-to-sign"]
    # (the signature a client sent is masked like a token: error details end up in logs)
    assert dict(err.details) == {"AWSAccessKeyId": AK, "SignatureProvided": "<masked>"}


def test_s3_header_addressing_options_are_the_servers() -> None:
    signed = _s3_header()  # signed with the bucket from the host (auto)
    assert signers.get_signer("s3-v2", addressing="virtual").verify(signed, CREDS, now=AT)
    err = _error(
        lambda: signers.get_signer("s3-v2", addressing="path").verify(signed, CREDS, now=AT)
    )
    assert err.code == "SignatureDoesNotMatch"
    assert err.string_to_sign.endswith("\n/photos/cat.jpg?acl")
    other = Request("GET", "https://objects.example.net/k", [("Date", rfc1123(AT))])
    signed = _sign("s3-v2", other, CREDS, addressing="path")
    err = _error(
        lambda: signers.get_signer("s3-v2", addressing="virtual").verify(signed, CREDS, now=AT)
    )
    assert (err.code, err.field) == ("InvalidArgument", "Host")


# -- S3 presigned: each error code -------------------------------------------------------------


S3_QUERY_CASES = [
    ("no Signature", lambda r: replace_raw_query_param(r, "Signature", None), "AccessDenied", 403),
    ("no Expires", lambda r: replace_raw_query_param(r, "Expires", None), "AccessDenied", 403),
    (
        "no AWSAccessKeyId",
        lambda r: replace_raw_query_param(r, "AWSAccessKeyId", None),
        "AccessDenied",
        403,
    ),
    ("empty Signature", lambda r: replace_raw_query_param(r, "Signature", ""), "AccessDenied", 403),
    (
        "Expires not a number",
        lambda r: replace_raw_query_param(r, "Expires", "soon"),
        "AccessDenied",
        403,
    ),
    (
        "Expires fractional",
        lambda r: replace_raw_query_param(r, "Expires", "1715947800.5"),
        "AccessDenied",
        403,
    ),
    (
        "Expires passed",
        lambda r: replace_raw_query_param(r, "Expires", "1715947199"),
        "AccessDenied",
        403,
    ),
    (
        "Expires moved",
        lambda r: replace_raw_query_param(r, "Expires", "1715947900"),
        "SignatureDoesNotMatch",
        403,
    ),
    ("Signature twice", lambda r: r.replace(url=r.url + "&Signature=x"), "InvalidArgument", 400),
    ("Expires twice", lambda r: r.replace(url=r.url + "&Expires=1"), "InvalidArgument", 400),
    (
        "unknown key",
        lambda r: replace_raw_query_param(r, "AWSAccessKeyId", "AKIDUNKNOWN"),
        "InvalidAccessKeyId",
        403,
    ),
    (
        "token, none issued",
        lambda r: r.replace(url=r.url + "&x-amz-security-token=t"),
        "InvalidToken",
        400,
    ),
    (
        "Authorization too",
        lambda r: r.with_headers(("Authorization", "AWS a:b")),
        "InvalidArgument",
        400,
    ),
    (
        "sub-resource changed",
        lambda r: r.replace(url=r.url.replace("versionId=3", "versionId=4")),
        "SignatureDoesNotMatch",
        403,
    ),
    (
        "x-amz query added",
        lambda r: r.replace(url=r.url + "&x-amz-acl=private"),
        "SignatureDoesNotMatch",
        403,
    ),
]


@pytest.mark.parametrize(
    "mutate, code, status", [c[1:] for c in S3_QUERY_CASES], ids=[c[0] for c in S3_QUERY_CASES]
)
def test_s3_query_error_codes(mutate: Any, code: str, status: int) -> None:
    signed = _s3_query(expires=600)
    assert signers.verify(signed, {AK: CREDS}, now=AT)
    tampered = mutate(signed)
    err = _verify_error(tampered)
    assert (err.code, err.http_status) == (code, status), str(err)
    direct = _error(lambda: signers.get_signer("s3-v2-query").verify(tampered, CREDS, now=AT))
    if code != "InvalidAccessKeyId":
        assert direct.code == code


def test_s3_query_messages_and_details() -> None:
    signed = _s3_query(expires=600)
    err = _verify_error(replace_raw_query_param(signed, "Signature", None))
    assert err.message == (
        "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"
    )
    err = _verify_error(replace_raw_query_param(signed, "Expires", "soon"))
    assert err.message == "Invalid date (should be seconds since epoch): 'soon'"
    late = AT + dt.timedelta(seconds=601)
    err = _error(lambda: signers.verify(signed, {AK: CREDS}, now=late))
    assert (err.code, err.message) == ("AccessDenied", "Request has expired")
    assert dict(err.details) == {
        "Expires": "2024-05-17T12:10:00Z",
        "ServerTime": "2024-05-17T12:10:01Z",
    }
    # exactly at Expires it still verifies
    assert signers.verify(signed, {AK: CREDS}, now=AT + dt.timedelta(seconds=600))


def test_s3_query_mismatch_reports_the_reference_string_to_sign() -> None:
    request = Request("GET", S3_VIRTUAL + "/photos/cat.jpg?x-amz-acl=public-read&versionId=3")
    signed = _sign("s3-v2-query", request, CREDS_TOKEN, expires=3600)
    err = _verify_error(signed, {AK: Credentials(AK, "another-secret", TOKEN)})
    assert err.code == "SignatureDoesNotMatch"
    context = {
        "credentials": {"access_key_id": AK, "secret_access_key": "x", "token": TOKEN},
        "timestamp": "2024-05-17T12:00:00Z",
        "expiration_in_seconds": 3600,
    }
    expected = reference.s3_query(reference.parse_raw(_raw(request)), context, {})
    assert err.string_to_sign == expected["string-to-sign"]


def test_s3_query_session_token() -> None:
    signed = _s3_query(CREDS_TOKEN)
    assert signers.verify(signed, {AK: CREDS_TOKEN}, now=AT)
    changed = signed.replace(
        url=signed.url.replace("x-amz-security-token=", "x-amz-security-token=x")
    )
    assert _verify_error(changed, {AK: CREDS_TOKEN}).code == "InvalidToken"
    assert _verify_error(signed, {AK: CREDS}).code == "InvalidToken"


# -- bad input ---------------------------------------------------------------------------------


def test_every_truncation_of_a_legacy_url_fails_cleanly() -> None:
    allowed = {
        "sigv2": {
            # "?AWSAccessKeyId=..." alone could as well be an S3 presigned URL cut short
            "AccessDenied",
            "MissingParameter",
            "MissingAuthenticationToken",
            "SignatureDoesNotMatch",
            "InvalidParameterValue",
            "InvalidRequest",
            "InvalidClientTokenId",
        },
        "s3-v2-query": {
            "AccessDenied",
            "SignatureDoesNotMatch",
            "MissingAuthenticationToken",
            "InvalidAccessKeyId",
            "InvalidToken",
        },
    }
    for request, lookup, kind in (
        (_sigv2_get(CREDS_TOKEN), {AK: CREDS_TOKEN}, "sigv2"),
        (_s3_query(CREDS_TOKEN), {AK: CREDS_TOKEN}, "s3-v2-query"),
    ):
        assert signers.verify(request, lookup, now=AT)
        start = request.url.index("?")
        for cut in range(start, len(request.url)):
            truncated = request.replace(url=request.url[:cut])
            assert _verify_error(truncated, lookup).code in allowed[kind], truncated.url


def test_non_utf8_bytes() -> None:
    # Raw bytes as the server receives them: a SigV2 body that is not UTF-8, %FF escapes, and
    # header values decoded as Latin-1 (what http.server hands over).
    body = b"Action=Send&MessageBody=\xff\xfe&Version=1"
    request = Request("POST", SQS, [("Content-Type", FORM)], body)
    signed_pairs = reference.form_decode(body.decode("utf-8", "surrogateescape"))
    signed = with_sigv2_pairs(
        Request("POST", SQS, [("Content-Type", FORM)], b""),
        signed_pairs,
    )
    assert _verify_error(request).code == "MissingAuthenticationToken"
    signed = _sign("sigv2", signed, CREDS)
    assert signers.verify(signed, {AK: CREDS}, now=AT)
    raw = signed.body.replace(b"MessageBody=%FF%FE", b"MessageBody=\xff\xfe")
    assert signers.verify(signed.replace(body=raw), {AK: CREDS}, now=AT)  # the same bytes
    assert _verify_error(signed.replace(body=raw.replace(b"\xfe", b"\xfd"))).code == (
        "SignatureDoesNotMatch"
    )
    s3 = _s3_header(headers=[("x-amz-meta-bin", "\u00ff\u0080")])
    assert signers.verify(s3, {AK: CREDS}, now=AT)
    assert _verify_error(replace_header(s3, "x-amz-meta-bin", "\u00fe")).code == (
        "SignatureDoesNotMatch"
    )
    query = _s3_query()
    assert _verify_error(query.replace(url=query.url + "&versionId=%FF")).code == (
        "SignatureDoesNotMatch"
    )
    assert _verify_error(replace_raw_query_param(query, "Signature", "%FF%FE")).code == (
        "SignatureDoesNotMatch"
    )
    bad_signature = set_sigv2_param(_sigv2_get(), "Signature", "\udcff\u00e9")
    assert _verify_error(bad_signature).code == "SignatureDoesNotMatch"


def test_huge_values() -> None:
    huge = "A" * 1_000_000
    header = _s3_header()
    auth = header.header("authorization")
    assert _verify_error(replace_header(header, "Authorization", auth + huge)).code == (
        "SignatureDoesNotMatch"
    )
    assert _verify_error(replace_header(header, "Date", huge)).code == "AccessDenied"
    assert (
        _verify_error(replace_raw_query_param(_s3_query(), "Expires", "9" * 5000)).code
        == "AccessDenied"
    )
    far = _verify_error(replace_raw_query_param(_s3_query(), "Expires", "9" * 20))
    # far in the future: not expired, but beyond the lifetime a server accepts (max_lifetime)
    assert far.code == "AccessDenied" and far.field == "Expires" and "lifetime" in str(far)
    assert _verify_error(set_sigv2_param(_sigv2_get(), "Timestamp", "2" * 5000)).code == (
        "InvalidParameterValue"
    )
    assert _verify_error(set_sigv2_param(_sigv2_get(), "Signature", huge)).code == (
        "SignatureDoesNotMatch"
    )


def test_detection_of_incomplete_legacy_requests() -> None:
    base = "https://s3.amazonaws.com/b/k"
    assert detect(Request("GET", base + "?AWSAccessKeyId=A&Signature=s")).scheme == "s3-v2-query"
    assert detect(Request("GET", base + "?Signature=s&Expires=1")).scheme == "s3-v2-query"
    assert detect(Request("GET", SQS + "?AWSAccessKeyId=A&Timestamp=t&Signature=s")).scheme == (
        "sigv2"
    )
    form = Request("POST", SQS, [("Content-Type", FORM)], b"AWSAccessKeyId=A&Signature=s")
    assert detect(form).scheme == "sigv2"
    assert _verify_error(form).code == "MissingParameter"  # SignatureVersion
    # Expires alone signs nothing: the request is not signed at all
    assert _verify_error(Request("GET", base + "?Expires=1")).code == "MissingAuthenticationToken"


def test_legacy_verify_refuses_wrong_arguments() -> None:
    signer = signers.get_signer("sigv2")
    with pytest.raises(signers.InvalidRequest):
        signer.verify("GET /", CREDS, now=AT)  # type: ignore[arg-type]
    with pytest.raises(signers.InvalidCredentials):
        signer.verify(_sigv2_get(), ("AK", "SK"), now=AT)  # type: ignore[arg-type]
    with pytest.raises(signers.InvalidTime):
        signer.verify(_sigv2_get(), CREDS, now=dt.datetime(2024, 5, 17))
    with pytest.raises(signers.InvalidOption):
        signer.verify(_sigv2_get(), CREDS, now=AT, max_skew=-1)


def test_bad_server_options_are_a_configuration_error_not_the_clients() -> None:
    with pytest.raises(signers.InvalidOption) as info:
        signers.verify(_s3_header(), {AK: CREDS}, now=AT, options={"s3-v2": {"bogus": 1}})
    assert not isinstance(info.value, signers.VerificationError)


def test_legacy_lifetimes_are_bounded() -> None:
    # A SigV2 Expires in 2099 and an S3 presigned Expires in 2286 were accepted; both now have a
    # documented maximum (max_lifetime, seven days by default), refused with the scheme's code.
    keys = {AK: CREDS}
    at = AT
    sigv2 = signers.get_signer("sigv2", expires=dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc))
    far_v2 = sigv2.sign(Request("GET", SQS + "?Action=ListQueues"), CREDS, at).request
    with pytest.raises(signers.InvalidParameterValue) as caught:
        signers.verify(far_v2, keys, at)
    assert caught.value.field == "Expires" and caught.value.http_status == 400
    assert signers.verify(far_v2, keys, at, max_lifetime=10**10).scheme == "sigv2"
    s3 = signers.get_signer(
        "s3-v2-query", expires_at=dt.datetime(2286, 1, 1, tzinfo=dt.timezone.utc)
    )
    far_s3 = s3.sign(Request("GET", "https://b.s3.amazonaws.com/k"), CREDS, at).request
    with pytest.raises(signers.AccessDenied) as refused:
        signers.verify(far_s3, keys, at)
    assert refused.value.field == "Expires" and refused.value.http_status == 403
    assert signers.verify(far_s3, keys, at, max_lifetime=10**10).scheme == "s3-v2-query"
    # within the bound: accepted, by the dispatcher and by the signer's own verify
    week = signers.get_signer("s3-v2-query", expires=604800)
    ok = week.sign(Request("GET", "https://b.s3.amazonaws.com/k"), CREDS, at).request
    assert signers.verify(ok, keys, at).scheme == "s3-v2-query"
    assert week.verify(ok, CREDS, at).signature
    with pytest.raises(signers.AccessDenied):
        week.verify(ok, CREDS, at, max_lifetime=3600)  # type: ignore[call-arg]
    with pytest.raises(signers.InvalidOption):
        signers.verify(ok, keys, at, max_lifetime=-1)


@pytest.mark.slow
@pytest.mark.parametrize("operation", ["create_bucket", "list_objects", "head_bucket"])
def test_botocore_legacy_s3_bucket_level_requests_verify(operation: str) -> None:
    # botocore with signature_version="s3" and path-style addressing signs a bucket-level
    # request over /bucket/ while it sends PUT /bucket; S3 accepts it, and so does verification.
    botocore_session: Any = pytest.importorskip("botocore.session")
    botocore_config: Any = pytest.importorskip("botocore.config")
    session = botocore_session.get_session()
    client = session.create_client(
        "s3",
        region_name="us-east-1",
        endpoint_url="https://s3.amazonaws.com",
        aws_access_key_id=AK,
        aws_secret_access_key=SECRET,
        config=botocore_config.Config(
            signature_version="s3", s3={"addressing_style": "path"}, retries={"max_attempts": 0}
        ),
    )
    captured: List[Any] = []

    def capture(request: Any, **_: Any) -> None:
        captured.append(request)
        raise RuntimeError("captured")  # (nothing is sent)

    client.meta.events.register("before-send.s3.*", capture)
    with pytest.raises(Exception, match="captured"):
        getattr(client, operation)(Bucket="my-bucket")
    sent = captured[0]
    headers = [
        (n, v.decode("latin-1") if isinstance(v, bytes) else v) for n, v in sent.headers.items()
    ]
    request = Request(sent.method, sent.url, headers, sent.body or b"")
    assert request.path == "/my-bucket"
    verified = signers.verify(request, {AK: CREDS}, now=_date_of(request))
    assert verified.scheme == "s3-v2"
    # the object form stays as it was: /bucket/key signed as /bucket/key only
    tampered = request.replace(url=request.url.replace("/my-bucket", "/my-bucket/key", 1))
    with pytest.raises(signers.SignatureDoesNotMatch):
        signers.verify(tampered, {AK: CREDS}, now=_date_of(request))


def _date_of(request: Request) -> dt.datetime:
    import email.utils

    return email.utils.parsedate_to_datetime(request.header("date") or "")
