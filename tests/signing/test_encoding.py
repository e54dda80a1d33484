"""Percent-encoding and canonicalization helpers, against urllib and the spec's examples."""

from __future__ import annotations

from urllib.parse import quote, unquote_to_bytes

from hypothesis import given
from hypothesis import strategies as st

from signers import _encoding as enc
from signers import _time


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_uri_encode_matches_rfc3986_quote(value: str) -> None:
    assert enc.uri_encode(value) == quote(value, safe="-_.~")
    assert enc.uri_encode(value, keep_slash=True) == quote(value, safe="-_.~/")


@given(st.text(alphabet="abc%0123456789ABCDEFxyz+/", max_size=30))
def test_percent_decode_agrees_with_urllib(value: str) -> None:
    assert enc.percent_decode(value) == unquote_to_bytes(value)


def test_canonical_query_sorts_encoded_and_keeps_repeats() -> None:
    pairs = enc.split_query("b=2&a=2&a=1&%e1%88%b4=x&c&=e&&sp%20ace=%7e")
    assert enc.canonical_query(pairs) == "=e&%E1%88%B4=x&a=1&a=2&b=2&c=&sp%20ace=~"


def test_remove_dot_segments_examples() -> None:
    examples = {
        "/a/b/..": "/a",
        "/a/b/../": "/a/",
        "//x//": "/x/",
        "/./": "/",
        "/..": "/",
        "/a/./b/../../c": "/c",
        "/plain/path": "/plain/path",
    }
    for path, expected in examples.items():
        assert enc.remove_dot_segments(path) == expected, path


def test_canonical_path_single_and_double() -> None:
    assert enc.canonical_path("/a%20b/c d", normalize=False, double_encode=True) == "/a%2520b/c%20d"
    assert enc.canonical_path("/a%20b/c d", normalize=False, double_encode=False) == "/a%20b/c%20d"
    assert enc.canonical_path("/a%2fb", normalize=False, double_encode=False) == "/a%2Fb"
    assert enc.canonical_path("", normalize=False, double_encode=False) == "/"


def test_canonical_headers_trim_fold_and_join() -> None:
    block, signed = enc.canonical_headers(
        [("B", "  x   y "), ("a", "1"), ("b", "z"), ("Skip", "s")], frozenset({"skip"})
    )
    assert block == "a:1\nb:x y,z\n"
    assert signed == "a;b"


def test_time_formatters() -> None:
    import datetime as dt

    t = dt.datetime(2015, 8, 3, 2, 6, 9, tzinfo=dt.timezone.utc)
    assert _time.amz_date(t) == t.strftime("%Y%m%dT%H%M%SZ")
    assert _time.iso8601(t) == t.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _time.rfc1123(t) == "Mon, 03 Aug 2015 02:06:09 GMT"
    assert _time.epoch_seconds(t) == int(t.timestamp())
    assert _time.parse_iso8601("2015-08-03T04:06:09+02:00") == t
    assert _time.parse_amz_date("20150803T020609Z") == t
