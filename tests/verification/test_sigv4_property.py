"""Property: changing any one signed component of a valid request fails with the right AWS code;
changing an unsigned header does not matter."""

from __future__ import annotations

import datetime as dt

import pytest

import signers
from signers import Credentials, Request
from signers._time import amz_date
from tests._verify_support import (
    AK,
    AT,
    SECRET,
    TOKEN,
    query_pairs_decoded,
    replace_header,
    replace_query_param,
    rewrite_scope,
    with_query,
)

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

pytestmark = pytest.mark.slow  # a long hypothesis run

SEGMENT = st.text(alphabet=st.sampled_from("abcXYZ019-_.~ é%+"), min_size=1, max_size=8).filter(
    lambda s: s not in (".", "..") and "%" not in s
)
NAME = st.text(alphabet="abcdefghij-", min_size=1, max_size=8).filter(lambda s: s.strip("-"))
VALUE = st.text(alphabet=st.sampled_from("abc 123/+=é"), max_size=10)

MUTATIONS = (
    "method",
    "path",
    "query-value",
    "query-add",
    "signed-header",
    "host",
    "body",
    "date-near",
    "date-far",
    "region",
    "service",
    "access-key",
    "secret",
    "unsigned-header",
)


@st.composite
def scenarios(draw):
    location = draw(st.sampled_from(["header", "query"]))
    s3 = draw(st.booleans())
    path = "/" + "/".join(draw(st.lists(SEGMENT, max_size=3)))
    query = draw(st.lists(st.tuples(NAME, VALUE), max_size=3))
    headers = draw(st.lists(st.tuples(NAME.map(lambda n: "x-h-" + n), VALUE), max_size=2))
    body = draw(st.binary(max_size=20))
    method = draw(st.sampled_from(["GET", "PUT", "POST", "DELETE"]))
    token = draw(st.sampled_from([None, TOKEN]))
    expect_scope = draw(st.booleans())
    mutation = draw(st.sampled_from(MUTATIONS))
    return location, s3, method, path, query, headers, body, token, expect_scope, mutation


def _expected(mutation, location, s3, expect_scope, sign_body):
    """The code AWS answers with, worked out from the rules (not from the verifier)."""
    if mutation == "unsigned-header":
        return None
    if mutation == "body":
        if location == "query" and s3:
            return None  # S3 presigned URLs sign UNSIGNED-PAYLOAD: the body is not signed
        return "XAmzContentSHA256Mismatch" if sign_body else "SignatureDoesNotMatch"
    if mutation == "date-far":
        return "AccessDenied" if location == "query" else "RequestTimeTooSkewed"
    if mutation == "access-key":
        return "InvalidAccessKeyId" if s3 else "InvalidClientTokenId"
    if mutation in ("region", "service") and expect_scope and s3:
        return (
            "AuthorizationHeaderMalformed"
            if location == "header"
            else ("AuthorizationQueryParametersError")
        )
    return "SignatureDoesNotMatch"


def _mutate(request, mutation, location, s3):
    if mutation == "method":
        return request.replace(method="PATCH")
    if mutation == "path":
        base, sep, query = request.url.partition("?")
        return request.replace(url=base + "/zz" + sep + query)
    if mutation == "query-value":
        pairs = query_pairs_decoded(request)
        own = [n for n, _ in pairs if not n.startswith("X-Amz-")]
        if own:
            return with_query(request, [(n, v + "1" if n == own[0] else v) for n, v in pairs])
        mutation = "query-add"
    if mutation == "query-add":
        return with_query(request, [("added", "1"), *query_pairs_decoded(request)])
    if mutation == "signed-header":
        return replace_header(request, "x-signed", "changed")
    if mutation == "host":
        return request.replace(url=request.url.replace("example.amazonaws.com", "other.example"))
    if mutation == "body":
        return request.replace(body=request.body + b"!")
    if mutation in ("date-near", "date-far"):
        seconds = 600 if mutation == "date-near" else 7200
        new = amz_date(AT - dt.timedelta(seconds=seconds))
        if location == "header":
            return replace_header(request, "x-amz-date", new)
        return replace_query_param(request, "X-Amz-Date", new)
    if mutation == "region":
        return rewrite_scope(request, region="eu-west-3")
    if mutation == "service":
        return rewrite_scope(request, service="sqs" if s3 else "s3")
    if mutation == "access-key":
        return rewrite_scope(request, access_key="AKIDUNKNOWN")
    if mutation == "unsigned-header":
        return request.with_headers(("User-Agent", "changed/1.0"), ("X-Amzn-Trace-Id", "Root=1"))
    return request  # "secret": the request is intact, the server holds another secret


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_any_signed_change_fails_with_the_right_code(scenario):
    location, s3, method, path, query, headers, body, token, expect_scope, mutation = scenario
    service = "s3" if s3 else "example"
    name = "sigv4" if location == "header" else "sigv4-query"
    creds = Credentials(AK, SECRET, token)
    signer = signers.get_signer(name, region="us-east-1", service=service, s3=s3)
    base = with_query(Request(method, "https://example.amazonaws.com" + path), query)
    request = base.replace(headers=[*headers, ("X-Signed", "v")], body=body)
    signed = signer.sign(request, creds, at=AT).request
    lookup = {AK: creds}
    scope = {"region": "us-east-1", "service": service} if expect_scope else {}

    # The untouched request verifies.
    assert signers.verify(signed, lookup, now=AT, **scope).scheme == name

    tampered = _mutate(signed, mutation, location, s3)
    if mutation == "secret":
        lookup = {AK: Credentials(AK, SECRET + "other", token)}
    sign_body = s3 and location == "header"
    expected = _expected(mutation, location, s3, expect_scope, sign_body)
    if expected is None:
        assert signers.verify(tampered, lookup, now=AT, **scope).access_key == AK
        return
    with pytest.raises(signers.VerificationError) as info:
        signers.verify(tampered, lookup, now=AT, **scope)
    assert info.value.code == expected, (mutation, str(info.value))
    assert "\n" not in str(info.value) and SECRET not in str(info.value)
