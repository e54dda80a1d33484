"""Property: changing any one signed component of a valid legacy request fails with the right AWS
code; what the scheme does not sign may change freely.

What each scheme signs (and so what the expected answer is) is worked out here from the published
algorithms, not from the verifier:

- sigv2: method, host, path and every parameter sent (URL query and form body); the time window
  is ``Timestamp`` +/- 15 minutes (``RequestExpired``); headers are not signed;
- s3-v2: method, Content-MD5, Content-Type, Date, every x-amz-* header, the bucket (from the
  Host), the path and the sub-resources; other headers, other query parameters and the body are
  not signed (``RequestTimeTooSkewed`` outside 15 minutes);
- s3-v2-query: the same, with ``Expires`` in Date's place and x-amz-* query parameters signed as
  headers (``AccessDenied`` "Request has expired" once ``Expires`` has passed).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, List, Optional, Tuple

import pytest

import signers
from signers import Credentials, Request
from signers._encoding import uri_encode
from signers._time import rfc1123
from tests._verify_support import (
    AK,
    AT,
    FORM,
    SECRET,
    TOKEN,
    add_sigv2_param,
    drop_header,
    drop_sigv2_param,
    replace_header,
    replace_raw_query_param,
    set_sigv2_param,
    sigv2_pairs,
)

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

pytestmark = pytest.mark.slow  # a long hypothesis run

SEGMENT = st.text(alphabet=st.sampled_from("abcXYZ019-_.~ é+=!"), min_size=1, max_size=8).filter(
    lambda s: s not in (".", "..")
)
NAME = st.text(alphabet="abcdefghij", min_size=1, max_size=6)
VALUE = st.text(alphabet=st.sampled_from("abc 123/+=é~*"), max_size=10)
S3_SUB_RESOURCES = [
    "acl",
    "versionId",
    "uploadId",
    "partNumber",
    "response-content-type",
    "tagging",
]
S3_FREE_PARAMS = ["prefix", "max-keys", "marker", "foo"]

SIGV2_MUTATIONS = (
    "method",
    "path",
    "host",
    "param-value",
    "param-add",
    "param-drop",
    "signature-method",
    "time-near",
    "time-far",
    "clock-far",
    "access-key",
    "secret",
    "token",
    "free-header",
)
S3_MUTATIONS = (
    "method",
    "path",
    "bucket",
    "sub-resource-value",
    "sub-resource-add",
    "content-type",
    "content-md5",
    "amz-header-value",
    "amz-header-add",
    "time-near",
    "time-far",
    "clock-far",
    "access-key",
    "secret",
    "token",
    "free-header",
    "free-param",
    "body",
)


def _url(host: str, segments: List[str], pairs: List[Tuple[str, str]]) -> str:
    path = "/" + "/".join(uri_encode(s) for s in segments)
    query = "&".join(uri_encode(n) + "=" + uri_encode(v) for n, v in pairs)
    return "https://" + host + path + ("?" + query if query else "")


@st.composite
def sigv2_scenarios(draw: Any) -> Tuple[Any, ...]:
    method = draw(st.sampled_from(["GET", "POST"]))
    segments = draw(st.lists(SEGMENT, max_size=2))
    params = [("Action", draw(NAME)), *draw(st.lists(st.tuples(NAME, VALUE), max_size=3))]
    token = draw(st.sampled_from([None, TOKEN]))
    signature_method = draw(st.sampled_from(["HmacSHA256", "HmacSHA1"]))
    mutation = draw(st.sampled_from(SIGV2_MUTATIONS))
    return method, segments, params, token, signature_method, mutation


@st.composite
def s3_scenarios(draw: Any) -> Tuple[Any, ...]:
    location = draw(st.sampled_from(["header", "query"]))
    virtual = draw(st.booleans())
    segments = draw(st.lists(SEGMENT, min_size=1, max_size=3))
    sub = draw(st.lists(st.tuples(st.sampled_from(S3_SUB_RESOURCES), NAME), max_size=2))
    free = draw(st.lists(st.tuples(st.sampled_from(S3_FREE_PARAMS), VALUE), max_size=2))
    headers: List[Tuple[str, str]] = []
    if draw(st.booleans()):
        headers.append(("Content-Type", draw(st.sampled_from(["text/plain", "image/png"]))))
    if draw(st.booleans()):
        headers.append(("Content-MD5", "rL0Y20zC+Fzt72VPzMSk2A=="))
    for name, value in draw(st.lists(st.tuples(NAME, VALUE), max_size=2)):
        headers.append(("x-amz-meta-" + name, value))
    if location == "header" and draw(st.booleans()):
        headers.append(("x-amz-date", rfc1123(AT)))
    method = draw(st.sampled_from(["GET", "PUT", "DELETE"]))
    body = draw(st.binary(max_size=16)) if method == "PUT" else b""
    token = draw(st.sampled_from([None, TOKEN]))
    mutation = draw(st.sampled_from(S3_MUTATIONS))
    return location, virtual, method, segments, sub + free, headers, body, token, mutation


def _check(tampered: Request, lookup: Any, expected: Optional[str], now: dt.datetime) -> None:
    if expected is None:
        assert signers.verify(tampered, lookup, now=now).access_key == AK
        return
    with pytest.raises(signers.VerificationError) as info:
        signers.verify(tampered, lookup, now=now)
    err = info.value
    assert err.code == expected, str(err)
    assert "\n" not in str(err) and SECRET not in str(err)


def _shift_time(value: str, seconds: int) -> str:
    when = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ") + dt.timedelta(seconds=seconds)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sigv2_scenarios())
def test_sigv2_any_signed_change_fails_with_the_right_code(scenario: Tuple[Any, ...]) -> None:
    method, segments, params, token, signature_method, mutation = scenario
    creds = Credentials(AK, SECRET, token)
    host = "sqs.us-east-1.amazonaws.com"
    if method == "GET":
        request = Request("GET", _url(host, segments, params))
    else:
        body = "&".join(uri_encode(n) + "=" + uri_encode(v) for n, v in params).encode()
        request = Request("POST", _url(host, segments, []), [("Content-Type", FORM)], body)
    signer = signers.get_signer("sigv2", signature_method=signature_method)
    signed = signer.sign(request, creds, at=AT).request
    lookup = {AK: creds}
    now = AT
    assert signers.verify(signed, lookup, now=now).scheme == "sigv2"

    expected: Optional[str] = "SignatureDoesNotMatch"
    tampered = signed
    if mutation == "method":
        tampered = signed.replace(method="PUT")
    elif mutation == "path":
        base, sep, query = signed.url.partition("?")
        tampered = signed.replace(url=base + "/zz" + sep + query)
    elif mutation == "host":
        tampered = signed.replace(url=signed.url.replace(host, "sqs.eu-west-1.amazonaws.com"))
    elif mutation == "param-value":
        tampered = set_sigv2_param(signed, "Action", params[0][1] + "x")
    elif mutation == "param-add":
        tampered = add_sigv2_param(signed, "Extra", "1")
    elif mutation == "param-drop":
        tampered = drop_sigv2_param(signed, "Action")
    elif mutation == "signature-method":
        other = "HmacSHA1" if signature_method == "HmacSHA256" else "HmacSHA256"
        tampered = set_sigv2_param(signed, "SignatureMethod", other)
    elif mutation in ("time-near", "time-far"):
        stamp = dict(sigv2_pairs(signed))["Timestamp"]
        seconds = -600 if mutation == "time-near" else -7200
        tampered = set_sigv2_param(signed, "Timestamp", _shift_time(stamp, seconds))
        expected = "SignatureDoesNotMatch" if mutation == "time-near" else "RequestExpired"
    elif mutation == "clock-far":
        now = AT + dt.timedelta(seconds=901)
        expected = "RequestExpired"
    elif mutation == "access-key":
        tampered = set_sigv2_param(signed, "AWSAccessKeyId", "AKIDUNKNOWN")
        expected = "InvalidClientTokenId"
    elif mutation == "secret":
        lookup = {AK: Credentials(AK, SECRET + "other", token)}
    elif mutation == "token":
        if token is None:
            tampered = add_sigv2_param(signed, "SecurityToken", TOKEN)
        else:
            tampered = set_sigv2_param(signed, "SecurityToken", TOKEN + "x")
        expected = "InvalidClientTokenId"
    elif mutation == "free-header":
        tampered = signed.with_headers(
            ("User-Agent", "changed/1.0"), ("X-Forwarded-For", "1.2.3.4")
        )
        expected = None
    _check(tampered, lookup, expected, now)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s3_scenarios())
def test_s3_v2_any_signed_change_fails_with_the_right_code(scenario: Tuple[Any, ...]) -> None:
    location, virtual, method, segments, pairs, headers, body, token, mutation = scenario
    creds = Credentials(AK, SECRET, token)
    host = "my-bucket.s3.us-west-2.amazonaws.com" if virtual else "s3.us-west-2.amazonaws.com"
    request = Request(method, _url(host, segments, pairs), headers, body)
    scheme = "s3-v2" if location == "header" else "s3-v2-query"
    options = {"expires": 600} if location == "query" else {}
    signed = signers.get_signer(scheme, **options).sign(request, creds, at=AT).request
    lookup = {AK: creds}
    now = AT
    assert signers.verify(signed, lookup, now=now).scheme == scheme
    has_amz_date = signed.has_header("x-amz-date")

    def set_query(name: str, value: str) -> Request:
        joiner = "&" if "?" in signed.url else "?"
        return signed.replace(url=signed.url + joiner + name + "=" + uri_encode(value))

    expected: Optional[str] = "SignatureDoesNotMatch"
    tampered = signed
    if mutation == "method":
        tampered = signed.replace(method="POST")
    elif mutation == "path":
        base, sep, query = signed.url.partition("?")
        tampered = signed.replace(url=base + "/zz" + sep + query)
    elif mutation == "bucket":
        if virtual:
            tampered = signed.replace(url=signed.url.replace("my-bucket.", "other-bucket.", 1))
        else:  # path-style: the bucket is in the path, and the host name is not signed
            tampered = signed.replace(url=signed.url.replace(".us-west-2.", ".eu-west-1.", 1))
            expected = None
    elif mutation == "sub-resource-value":
        present = [n for n, _ in pairs if n in S3_SUB_RESOURCES]
        if present:
            name = present[0]
            value = next(v for n, v in pairs if n == name)
            tampered = replace_raw_query_param(signed, name, uri_encode(value + "z"))
        else:
            tampered = set_query("acl", "")
    elif mutation == "sub-resource-add":
        tampered = set_query("torrent", "")
    elif mutation == "content-type":
        if signed.has_header("content-type"):
            tampered = replace_header(signed, "Content-Type", "application/octet-stream")
        else:
            tampered = signed.with_headers(("Content-Type", "application/octet-stream"))
    elif mutation == "content-md5":
        if signed.has_header("content-md5"):
            tampered = drop_header(signed, "Content-MD5")
        else:
            tampered = signed.with_headers(("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="))
    elif mutation == "amz-header-value":
        names = [n for n, _ in signed.headers if n.startswith("x-amz-meta-")]
        if names:
            tampered = replace_header(signed, names[0], "changed")
        else:
            tampered = signed.with_headers(("x-amz-meta-new", "v"))
    elif mutation == "amz-header-add":
        if location == "query" and len(pairs) % 2:
            tampered = set_query("x-amz-acl", "private")  # signed as a header when presigned
        else:
            tampered = signed.with_headers(("x-amz-acl", "private"))
    elif mutation in ("time-near", "time-far"):
        seconds = 600 if mutation == "time-near" else 7200
        if location == "header":
            new = rfc1123(AT - dt.timedelta(seconds=seconds))
            name = "x-amz-date" if has_amz_date else "Date"
            tampered = replace_header(signed, name, new)
            expected = (
                "SignatureDoesNotMatch" if mutation == "time-near" else "RequestTimeTooSkewed"
            )
        else:
            expires = dict(signed.query_pairs())["Expires"]
            delta = seconds if mutation == "time-near" else -seconds
            tampered = replace_raw_query_param(signed, "Expires", str(int(expires) + delta))
            expected = "SignatureDoesNotMatch" if mutation == "time-near" else "AccessDenied"
    elif mutation == "clock-far":
        now = AT + dt.timedelta(seconds=901)
        expected = "RequestTimeTooSkewed" if location == "header" else "AccessDenied"
    elif mutation == "access-key":
        if location == "header":
            auth = signed.header("authorization") or ""
            tampered = replace_header(signed, "Authorization", auth.replace(AK, "AKIDUNKNOWN"))
        else:
            tampered = replace_raw_query_param(signed, "AWSAccessKeyId", "AKIDUNKNOWN")
        expected = "InvalidAccessKeyId"
    elif mutation == "secret":
        lookup = {AK: Credentials(AK, SECRET + "other", token)}
    elif mutation == "token":
        if token is None and location == "header":
            tampered = signed.with_headers(("x-amz-security-token", TOKEN))
        elif token is None:
            tampered = set_query("x-amz-security-token", TOKEN)
        elif location == "header":
            tampered = replace_header(signed, "x-amz-security-token", TOKEN + "x")
        else:
            tampered = replace_raw_query_param(signed, "x-amz-security-token", "other")
        expected = "InvalidToken"
    elif mutation == "free-header":
        tampered = signed.with_headers(
            ("User-Agent", "changed/1.0"), ("Content-Length", "12"), ("Cache-Control", "no")
        )
        expected = None
    elif mutation == "free-param":
        tampered = set_query("prefix", "changed")
        expected = None
    elif mutation == "body":
        # The legacy scheme signs Content-MD5, not the body (S3 checks the digest itself).
        tampered = signed.replace(body=signed.body + b"!")
        expected = None
    _check(tampered, lookup, expected, now)
