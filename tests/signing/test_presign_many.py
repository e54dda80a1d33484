"""``presign_many``: many presigned URLs under one prefix, each equal to the URL presigned alone
by the general path (the key encoded here, independently of the signer); the published S3
example through the bulk path; one instant for the whole batch; bad arguments, one line each."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import signers
from signers import Request
from tests._support import CREDS, CREDS_TOKEN, DOC_CREDS, UTC
from tests._support import VECTOR_TIME as AT

KEYS = st.lists(
    st.text(alphabet="abcXYZ019-_.~ /é%+?#&=ሴ", min_size=0, max_size=12), min_size=0, max_size=6
)
BASES = st.sampled_from(
    [
        "https://examplebucket.s3.amazonaws.com",
        "https://examplebucket.s3.amazonaws.com/",
        "https://s3.us-east-1.amazonaws.com/bucket",
        "https://s3.us-east-1.amazonaws.com/my%20bucket/",
        "http://localhost:9000/b/prefix dir",
        "https://h.example.com:443/a/./b/../",
    ]
)
OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "s3": st.booleans(),
        "normalize_path": st.booleans(),
        "double_encode": st.booleans(),
        "session_token": st.sampled_from(["signed", "unsigned"]),
        "expires": st.integers(min_value=1, max_value=604800),
    },
)
HEADERS = st.sampled_from(
    [(), (("X-Amz-Meta-A", " two  spaces "),), (("Range", "bytes=0-9"), ("range", "x"))]
)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=BASES,
    keys=KEYS,
    options=OPTIONS,
    headers=HEADERS,
    token=st.booleans(),
    method=st.sampled_from(["GET", "PUT", "HEAD"]),
)
def test_presign_many_equals_presigning_each_url_alone(
    base: str, keys: List[str], options: Dict[str, Any], headers: Any, token: bool, method: str
) -> None:
    signer = signers.get_signer("sigv4-query", region="us-east-1", service="s3", **options)
    creds = CREDS_TOKEN if token else CREDS
    bulk = list(signer.presign_many(method, base, keys, creds, AT, headers=headers))
    assert len(bulk) == len(keys)
    prefix = base if base.endswith("/") else base + "/"
    for key, result in zip(keys, bulk):
        url = prefix + quote(key, safe="/-_.~")  # the key encoded independently of the signer
        alone = signer.sign(Request(method, url, headers), creds, AT)
        assert result == alone
        assert result.url == alone.url and result.artifacts == alone.artifacts
        assert result.added_query == alone.added_query


def test_presign_many_general_path_when_a_header_needs_it() -> None:
    # x-amz-content-sha256 declared: the bulk path steps aside and signs each URL alone.
    signer = signers.get_signer("s3v4-query", region="us-east-1", service="s3")
    headers = [("x-amz-content-sha256", "UNSIGNED-PAYLOAD")]
    keys = ["a.txt", "dir/b c.txt"]
    bulk = list(
        signer.presign_many("GET", "https://b.s3.amazonaws.com", keys, CREDS, AT, headers=headers)
    )
    for key, result in zip(keys, bulk):
        url = "https://b.s3.amazonaws.com/" + quote(key, safe="/-_.~")
        assert result == signer.sign(Request("GET", url, headers), CREDS, AT)


def test_presign_many_matches_the_published_s3_example() -> None:
    # "Query String Authentication" example of the S3 SigV4 documentation, via the bulk path.
    signer = signers.get_signer("s3v4-query", region="us-east-1", service="s3", expires=86400)
    at = dt.datetime(2013, 5, 24, tzinfo=UTC)
    (result,) = signer.presign_many(
        "GET", "https://examplebucket.s3.amazonaws.com", ["test.txt"], DOC_CREDS, at
    )
    assert result.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"


def test_presign_many_at_none_uses_one_instant() -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1", service="s3")
    before = dt.datetime.now(UTC).replace(microsecond=0)
    results = list(signer.presign_many("GET", "https://b.s3.amazonaws.com", ["a", "b"], CREDS))
    after = dt.datetime.now(UTC)
    dates = {dict(r.added_query)["X-Amz-Date"] for r in results}
    assert len(dates) == 1
    when = dt.datetime.strptime(dates.pop(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert before <= when <= after


@pytest.mark.parametrize(
    "args, field, fragment",
    [
        (("GET", "https://b.s3.amazonaws.com/?x=1", ["k"]), "base_url", "query"),
        (("GET", "https://b.s3.amazonaws.com/", "key"), "keys", "single string"),
        (("G ET", "https://b.s3.amazonaws.com/", ["k"]), "method", "method"),
        (("GET", "b.s3.amazonaws.com", ["k"]), "url", "not absolute"),
    ],
)
def test_presign_many_refuses_bad_arguments(args: Any, field: str, fragment: str) -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1", service="s3")
    with pytest.raises(signers.InvalidRequest) as info:
        signer.presign_many(*args, CREDS, AT)
    assert info.value.field == field and fragment in str(info.value)


def test_presign_many_refuses_a_key_that_is_not_text() -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1", service="s3")
    results = signer.presign_many("GET", "https://b.s3.amazonaws.com", ["ok", 7], CREDS, AT)
    assert next(results).url.startswith("https://b.s3.amazonaws.com/ok?")
    with pytest.raises(signers.InvalidRequest, match="keys: expected str"):
        next(results)
