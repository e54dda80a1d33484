"""Property test: our SigV4 signers and botocore sign random requests identically.

botocore is the oracle only; the requests are built so that botocore sees exactly the URL we sign
(an already RFC 3986-encoded path and query, as botocore itself would produce).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, List, Tuple
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import signers
from signers import Credentials, Request

pytest.importorskip("botocore")
from tests.reference.sigv4_oracle import botocore_sign

pytestmark = pytest.mark.slow  # hundreds of random requests, each signed by botocore too

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=12)
NAME = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.~ +*/=&%ሴé",
    min_size=1,
    max_size=10,
)
HEADER_NAME = st.sampled_from(
    ["X-Amz-Meta-A", "X-Custom", "Content-Type", "X-Amz-Target", "Accept"]
)
HEADER_VALUE = st.text(alphabet="abc XYZ:;,/ 123\t", min_size=0, max_size=15)
SEGMENT = st.text(alphabet="abcXYZ019-_.~ é$@!'()", min_size=1, max_size=8)
TIMES = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2099, 12, 31),
    timezones=st.just(dt.timezone.utc),
)
SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def _url(host: str, segments: List[str], params: List[Tuple[str, str]]) -> str:
    path = "/" + "/".join(quote(s, safe="-_.~") for s in segments)
    query = "&".join(f"{_encode(n)}={_encode(v)}" for n, v in params)
    return f"{host}{path}" + (f"?{query}" if query else "")


@SETTINGS
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD"]),
    segments=st.lists(SEGMENT, max_size=4),
    params=st.lists(st.tuples(NAME, TEXT), max_size=5, unique_by=lambda p: p[0]),
    headers=st.dictionaries(HEADER_NAME, HEADER_VALUE, max_size=3),
    body=st.binary(max_size=40),
    at=TIMES,
    token=st.one_of(st.none(), st.text(alphabet="abcXYZ0123+/=", min_size=1, max_size=20)),
    scheme=st.sampled_from(["sigv4", "sigv4-s3"]),
)
def test_header_form_matches_botocore(
    monkeypatch: Any,
    method: str,
    segments: List[str],
    params: List[Tuple[str, str]],
    headers: Any,
    body: bytes,
    at: dt.datetime,
    token: Any,
    scheme: str,
) -> None:
    s3 = scheme == "sigv4-s3"
    host = "http://bucket.s3.amazonaws.com" if s3 else "https://service.us-west-2.amazonaws.com"
    url = _url(host, segments, params)
    pairs = [(k, v) for k, v in headers.items()]
    creds = Credentials("AKIDEXAMPLE", "secret/+Key", token)
    service = "s3" if s3 else "service"
    signer = signers.get_signer("sigv4", region="us-west-2", service=service, s3=s3)
    ours = signer.sign(Request(method, url, pairs, body), creds, at)
    theirs = botocore_sign(
        "S3SigV4Auth" if s3 else "SigV4Auth",
        method,
        url,
        pairs,
        body,
        access_key=creds.access_key,
        secret_key=creds.secret_key,
        token=token,
        region="us-west-2",
        service=service,
        at=at,
        monkeypatch=monkeypatch,
    )
    assert dict(ours.headers)["Authorization"] == theirs["authorization"]


@SETTINGS
@given(
    segments=st.lists(SEGMENT, max_size=4),
    params=st.lists(st.tuples(NAME, TEXT), max_size=4, unique_by=lambda p: p[0]),
    at=TIMES,
    expires=st.integers(min_value=1, max_value=604800),
    token=st.one_of(st.none(), st.text(alphabet="abcXYZ0123+/=", min_size=1, max_size=20)),
    s3=st.booleans(),
)
def test_query_form_matches_botocore(
    monkeypatch: Any,
    segments: List[str],
    params: List[Tuple[str, str]],
    at: dt.datetime,
    expires: int,
    token: Any,
    s3: bool,
) -> None:
    host = "https://bucket.s3.amazonaws.com" if s3 else "https://service.eu-west-1.amazonaws.com"
    url = _url(host, segments, params)
    creds = Credentials("AKIDEXAMPLE", "secret/+Key", token)
    service = "s3" if s3 else "service"
    signer = signers.get_signer(
        "sigv4-query", region="eu-west-1", service=service, s3=s3, expires=expires
    )
    ours = signer.sign(Request("GET", url), creds, at)
    theirs = botocore_sign(
        "S3SigV4QueryAuth" if s3 else "SigV4QueryAuth",
        "GET",
        url,
        [],
        b"",
        access_key=creds.access_key,
        secret_key=creds.secret_key,
        token=token,
        region="eu-west-1",
        service=service,
        at=at,
        monkeypatch=monkeypatch,
        expires=expires,
    )
    ours_params = dict(parse_qsl(urlsplit(ours.url).query, keep_blank_values=True))
    their_params = dict(parse_qsl(urlsplit(theirs["url"]).query, keep_blank_values=True))
    assert ours_params["X-Amz-Signature"] == their_params["X-Amz-Signature"]
    assert ours_params == their_params
