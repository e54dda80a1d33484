"""Properties of the encoding and time helpers, each held to a definition written here (decode
then encode again per RFC 3986; S3's bucket label rule; the canonical query by the spec, step by
step with urllib) or to the standard library (``email.utils``), on random input.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from typing import List, Optional
from urllib.parse import quote, unquote_to_bytes

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signers import _encoding, _time, s3_v2
from tests._support import UTC
from tests._support import VECTOR_TIME as AT

# -- percent-encoding, S3 host names, HTTP dates ------------------------------------------------

ENCODED = st.text(alphabet=st.sampled_from("aZ09-_.~%=+2AFfé/:"), max_size=12)


def _canonical_by_definition(text: str) -> bool:
    # canonical: percent-decoding and encoding it again per RFC 3986 gives it back
    raw = _encoding.percent_decode(text)
    return quote(raw, safe="-_.~") == text


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(text=ENCODED)
def test_is_canonical_means_its_own_encoding(text: str) -> None:
    assert _encoding.is_canonical(text) == _canonical_by_definition(text)
    name, _, value = text.partition("=")
    assert _encoding.is_canonical_piece(text) == (
        _canonical_by_definition(name) and _canonical_by_definition(value)
    )


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(ENCODED, max_size=4))
def test_canonical_query_keeps_what_is_canonical(pieces: List[str]) -> None:
    query = "&".join(pieces)
    expected = _encoding.canonical_query(_encoding.split_query(query))
    assert _encoding.canonical_query_of(query) == expected


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("aZ%2fF0é+\udcc3\udca9 -"), max_size=12))
def test_percent_decode_str_equals_the_byte_level_decoding(text: str) -> None:
    # (text without "%" is returned as it is, escaped surrogates included, as it always was)
    try:
        expected = (
            _encoding.percent_decode(text).decode("utf-8", "surrogateescape")
            if "%" in text
            else text
        )
    except UnicodeError:
        return  # (a lone surrogate: no byte to decode to)
    assert _encoding.percent_decode_str(text) == expected


def _bucket_by_labels(host: str) -> Optional[str]:
    # S3's rule, label by label: the bucket is what precedes the last "s3" / "s3-..." label
    host = host.lower().rstrip(".")
    if not host.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return None
    labels = host.split(".")
    for i in range(len(labels) - 1, -1, -1):
        if labels[i] == "s3" or labels[i].startswith("s3-"):
            return ".".join(labels[:i]) or None
    return None


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(
    labels=st.lists(
        st.sampled_from(["s3", "s3-us-west-2", "b", "my", "s3x", "xs3", "", "S3", "dualstack"]),
        max_size=5,
    ),
    suffix=st.sampled_from([".amazonaws.com", ".amazonaws.com.cn", ".example.com", ".com"]),
)
def test_bucket_from_host_follows_the_label_rule(labels: List[str], suffix: str) -> None:
    host = ".".join(labels) + suffix
    assert s3_v2.bucket_from_host(host) == _bucket_by_labels(host)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    when=st.datetimes(
        min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
    damage=st.sampled_from(["", "Sun, 30 Aug 2015 12:36:60 GMT", "Mon, 30 Feb 2016 0:0:0 GMT"]),
)
def test_http_date_instant_equals_email_utils(when: dt.datetime, damage: str) -> None:
    text = damage or email.utils.format_datetime(when.replace(microsecond=0), usegmt=True)
    try:
        expected: Optional[dt.datetime] = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        expected = None
    got = _time.http_date_instant(text)
    assert got == expected
    if got is not None:
        assert got.tzinfo is UTC and _time.rfc1123(got) == text
    assert _time.request_http_date(when) == email.utils.format_datetime(
        when.replace(microsecond=0), usegmt=True
    )


def test_amz_instant_and_its_cache() -> None:
    assert _time.amz_instant("20150830T123600Z") == AT
    assert _time.amz_instant("20150830T123600Z") == AT  # (the kept one)
    assert _time.amz_instant("2015-08-30T12:36:00Z") is None
    assert _time.amz_instant("20150230T123600Z") is None

    class Sly(str):  # equal to everything: never taken from the cache, never put in it
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = str.__hash__

    assert _time.amz_instant(Sly("20150830T123601Z")) == AT + dt.timedelta(seconds=1)
    assert _time.amz_instant("20150830T123600Z") == AT


# -- the canonical query straight from the query string -------------------------------------------


def _reference_canonical_query(query: str) -> str:
    # The spec step by step with urllib: decode each name and value, encode per RFC 3986, sort.
    def encode(text: str) -> str:
        return quote(unquote_to_bytes(text), safe="-_.~")

    pairs = []
    for piece in query.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            pairs.append((encode(name), encode(value)))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


@pytest.mark.parametrize(
    "query",
    ["a=1&b=2", "b=2&a=1&a=0", "a", "a=&=b&&c", "a=b=c", "a=b&c=d=e", "x=%41&y=~", "é=ü", "+=+"],
)
def test_canonical_query_of_a_query_string(query: str) -> None:
    assert _encoding.canonical_query_of(query) == _reference_canonical_query(query)


@given(st.text(alphabet="abAB09-_.~=&%+ é", max_size=25))
def test_canonical_query_of_any_query_string(query: str) -> None:
    assert _encoding.canonical_query_of(query) == _reference_canonical_query(query)
