"""The shortcuts of request construction and verification decide as the full checks do.

``Request`` checks header pairs in one pass (a tuple's length by unpacking it) and recognises a
host it has accepted before by a set lookup; verification reads header values by name in one
pass and hands a request with a repeated name to the step-by-step path.  Each case below states
the rule (RFC 9110 tokens and field values, RFC 3986 authorities) and expects the answer the rule
gives, for the first request and for the ones after a shortcut has learnt something.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from signers import Request
from signers._verification.sigv4_parse import single_values
from signers.errors import InvalidRequest


@pytest.mark.parametrize(
    "pair",
    [("X-One",), ("X-Three", "a", "b"), ()],
)
def test_a_tuple_that_is_not_a_pair_is_refused_by_name(pair: Any) -> None:
    for headers in ([("Accept", "*/*"), pair], (pair,)):
        with pytest.raises(InvalidRequest) as info:
            Request("GET", "https://h.example/", headers)
        assert "is not a (name, value) pair" in str(info.value)


def test_pairs_of_other_kinds_are_read_once_and_kept_as_tuples() -> None:
    def pair() -> Iterator[str]:
        yield "X-Gen"
        yield "v"

    request = Request("GET", "https://h.example/", [["X-List", "1"], pair(), ("X-T", "2")])
    assert request.headers == (("X-List", "1"), ("X-Gen", "v"), ("X-T", "2"))
    assert all(type(p) is tuple for p in request.headers)


def test_a_valid_list_of_pairs_comes_back_as_the_same_pairs() -> None:
    pairs = [("Content-Type", "text/plain"), ("X-Amz-Meta-A", " b  c ")]
    request = Request("PUT", "https://h.example/k", pairs, b"x")
    assert request.headers == tuple(pairs)
    assert type(request.headers) is tuple


@pytest.mark.parametrize(
    "url, fragment",
    [
        ("https://user@hostname-a.example/", "user information"),
        ("https://hostname-a.example:0/", "port"),
        ("https://hostname-a.example:99999/", "port"),
        ("https://hostname-a.example:x/", "port"),
        ("https://[::1/", "unclosed IPv6"),
        ("https:///path", "has no host"),
        ("https://host name.example/", "whitespace"),
    ],
)
def test_a_bad_authority_is_refused_after_good_ones_were_seen(url: str, fragment: str) -> None:
    good = Request("GET", "https://hostname-a.example/p")
    assert (good.authority, good.path) == ("hostname-a.example", "/p")
    with pytest.raises(InvalidRequest) as info:
        Request("GET", url)
    assert fragment in str(info.value)


def test_a_host_seen_before_splits_the_same_every_time() -> None:
    for _ in range(3):
        r = Request("GET", "https://seen-twice.example/a/b?x=1")
        assert (r.scheme, r.authority, r.path, r.query) == (
            "https",
            "seen-twice.example",
            "/a/b",
            "x=1",
        )
    # the rest of the URL is still checked for a known host
    with pytest.raises(InvalidRequest):
        Request("GET", "https://seen-twice.example/a#frag")
    with pytest.raises(InvalidRequest):
        Request("GET", "https://seen-twice.example/a\r\nX: 1")


def test_many_hosts_keep_being_checked() -> None:
    # more distinct hosts than any bound a cache of them may have: each still splits as written
    for i in range(3000):
        host = f"h{i}.many.example"
        assert Request("GET", f"https://{host}/").authority == host
    with pytest.raises(InvalidRequest):
        Request("GET", "https://u@h1.many.example/")


def test_header_values_by_name_none_when_a_name_repeats() -> None:
    single = Request("GET", "https://h.example/", [("A", "1"), ("b", "2"), ("X-Amz-Date", "3")])
    assert single_values(single) == {"a": "1", "b": "2", "x-amz-date": "3"}
    for repeated in ([("A", "1"), ("a", "2")], [("X", "1"), ("Y", "2"), ("x", "3")]):
        assert single_values(Request("GET", "https://h.example/", repeated)) is None
    assert single_values(Request("GET", "https://h.example/")) == {}


@pytest.mark.parametrize("with_skip", [False, True])
def test_merged_headers_leave_out_and_stop_as_named(with_skip: bool) -> None:
    from signers._encoding import merge_headers

    exclude = frozenset({"user-agent", "authorization"})
    stop = frozenset({"authorization", "x-amz-date"})
    skip = (exclude | stop) if with_skip else None
    headers = [("User-Agent", "x"), ("B", " 1 "), ("b", "2\t\t3"), ("A", "v")]
    # user-agent left out; b's values trimmed, inner blanks collapsed, joined in order
    assert merge_headers(headers, exclude, stop, skip) == {"b": "1,2 3", "a": "v"}
    # a name in both sets stops, as one in stop alone does
    for name in ("Authorization", "X-Amz-Date"):
        assert merge_headers([*headers, (name, "z")], exclude, stop, skip) is None
    assert merge_headers(headers, frozenset(), frozenset(), None) == {
        "user-agent": "x",
        "b": "1,2 3",
        "a": "v",
    }


def test_sigv4_options_keep_the_header_form_skip_set() -> None:
    from signers.options import SigV4Options

    opts = SigV4Options(region="r", service="s", unsigned_headers=["x-custom"])
    assert "x-custom" in opts.header_form_skip and "user-agent" in opts.header_form_skip
    for name in ("authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"):
        assert name in opts.header_form_skip
    assert "content-type" not in opts.header_form_skip
    # the query form sends the token in the query: a token header is an ordinary one there
    assert {"x-custom", "user-agent", "authorization", "x-amz-date"} <= opts.query_form_skip
    assert "x-amz-security-token" not in opts.query_form_skip
    assert "x-amz-content-sha256" in opts.query_form_skip
    # derived, not an option: equality, pickling and repr go by the options given
    assert "header_form_skip" not in opts.as_kwargs()
    assert "query_form_skip" not in opts.as_kwargs()
    assert opts == SigV4Options(region="r", service="s", unsigned_headers=["x-custom"])
