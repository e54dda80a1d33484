"""The performance work: bulk presigning, thread safety, the HMAC state cache, the time cache and
the tuple-based values.  No timing here: the benchmarks live in tests/benchmarks."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import hmac
import pickle
import threading
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import quote, unquote_to_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import signers
from signers import Artifacts, Credentials, Request, SignedRequest, _crypto, _encoding, _time

UTC = dt.timezone.utc
AT = dt.datetime(2015, 8, 30, 12, 36, tzinfo=UTC)
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
TOKEN_CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "tok/en+=")


@contextlib.contextmanager
def _cache_bounded(name: str, size: int) -> Iterator[None]:
    """The cache ``name`` bounded to ``size`` entries (and emptied), restored afterwards."""
    previous = signers._cache.DEFAULT_SIZES[name]
    signers.set_cache_size(name, size)
    signers._cache.caches[name].clear()
    try:
        yield
    finally:
        signers.set_cache_size(name, previous)


# -- presign_many ---------------------------------------------------------------------------------

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
    creds = TOKEN_CREDS if token else CREDS
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
    creds = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    signer = signers.get_signer("s3v4-query", region="us-east-1", service="s3", expires=86400)
    at = dt.datetime(2013, 5, 24, tzinfo=UTC)
    (result,) = signer.presign_many(
        "GET", "https://examplebucket.s3.amazonaws.com", ["test.txt"], creds, at
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


# -- thread safety --------------------------------------------------------------------------------


def _jobs() -> List[Tuple[str, Request, Credentials, Optional[dt.datetime]]]:
    jobs = []
    for i in range(24):
        at = AT + dt.timedelta(days=i % 5, seconds=i)  # several dates: several signing keys
        creds = Credentials(f"AKID{i % 3}", f"secret-{i % 4}", "tok" if i % 2 else None)
        body = b"{}" if i % 3 else b""
        headers = [("X-Amz-Target", f"T.{i}"), ("Content-Type", "application/json")]
        jobs.append(
            ("sigv4", Request("POST", f"https://s{i}.amazonaws.com/p{i}", headers, body), creds, at)
        )
        jobs.append(
            ("sigv4-query", Request("GET", f"https://b.s3.amazonaws.com/k {i}?v={i}"), creds, at)
        )
    return jobs


def test_many_threads_share_signers_and_caches() -> None:
    # A tiny key cache forces concurrent inserts and evictions; the request-time cache is
    # exercised by many instants at once.  Every result must equal the single-threaded one.
    with _cache_bounded("signing-keys", 3):
        _threads_sign_alike()


def _threads_sign_alike() -> None:
    signer_by_name = {
        "sigv4": signers.get_signer("sigv4", region="us-east-1", service="svc"),
        "sigv4-query": signers.get_signer("s3v4-query", region="us-east-1", service="s3"),
    }
    jobs = _jobs()
    expected = [signer_by_name[n].sign(r, c, at) for n, r, c, at in jobs]
    _crypto.clear_signing_key_cache()
    failures: List[str] = []
    start = threading.Barrier(8)

    def worker(offset: int) -> None:
        start.wait()
        for round_ in range(30):
            for index in range(len(jobs)):
                j = (index + offset * 7 + round_) % len(jobs)
                name, request, creds, at = jobs[j]
                got = signer_by_name[name].sign(request, creds, at)
                if got != expected[j]:
                    failures.append(f"job {j}: {got.signature} != {expected[j].signature}")
                    return

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert failures == []
    assert len(_crypto._SIGNING_KEYS) <= 3  # bounded (inserts and evictions under one lock)


def test_many_threads_presign_many_concurrently() -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1", service="s3")
    keys = [f"photos/{i}/img {i}.jpg" for i in range(50)]
    expected = [
        r.url for r in signer.presign_many("GET", "https://b.s3.amazonaws.com", keys, CREDS, AT)
    ]
    results: List[List[str]] = []

    def worker() -> None:
        results.append(
            [
                r.url
                for r in signer.presign_many("GET", "https://b.s3.amazonaws.com", keys, CREDS, AT)
            ]
        )

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [expected] * 6


# -- crypto: HMAC with precomputed state, the key cache -------------------------------------------


@settings(max_examples=80, deadline=None)
@given(key=st.binary(min_size=0, max_size=150), message=st.binary(max_size=300))
def test_prepared_hmac_equals_the_standard_library(key: bytes, message: bytes) -> None:
    expected = hmac.new(key, message, hashlib.sha256).hexdigest()
    assert _crypto.prepare_key(key).hexdigest(message) == expected


def test_signing_key_matches_the_spec_chain_and_is_redacted() -> None:
    def h(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    chain = h(h(h(h(b"AWS4secret", "20150830"), "us-east-1"), "iam"), "aws4_request")
    state = _crypto.signing_key("secret", "20150830", "us-east-1", "iam")
    assert (
        state.key == chain == _crypto.derive_signing_key("secret", "20150830", "us-east-1", "iam")
    )
    assert state.hexdigest(b"msg") == hmac.new(chain, b"msg", hashlib.sha256).hexdigest()
    assert "secret" not in repr(state) and chain.hex() not in repr(state)
    with pytest.raises(TypeError):
        pickle.dumps(state)


def test_signing_key_cache_is_bounded_and_clearable() -> None:
    with _cache_bounded("signing-keys", 4):
        for day in range(1, 10):
            _crypto.signing_key("s", f"201501{day:02d}", "r", "svc")
        assert len(_crypto._SIGNING_KEYS) == 4
        first = _crypto.signing_key("s", "20150109", "r", "svc")
        assert _crypto.signing_key("s", "20150109", "r", "svc") is first
        _crypto.clear_signing_key_cache()
        assert not len(_crypto._SIGNING_KEYS)


# -- the request-time cache -----------------------------------------------------------------------


def test_request_time_of_equal_instants_and_of_now() -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    assert _time.request_time(AT) == ("20150830T123600Z", "20150830")
    same_instant = dt.datetime(2015, 8, 30, 14, 36, 0, 999, tzinfo=plus_two)
    assert _time.request_time(same_instant) == ("20150830T123600Z", "20150830")
    assert _time.request_time(AT + dt.timedelta(seconds=1)) == ("20150830T123601Z", "20150830")
    before = dt.datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    now, date = _time.request_time(None)
    after = dt.datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert before <= now <= after and now.startswith(date)


def test_request_time_refuses_naive_after_an_equal_aware_one() -> None:
    _time.request_time(AT)
    with pytest.raises(signers.InvalidTime, match="naive"):
        _time.request_time(AT.replace(tzinfo=None))
    with pytest.raises(signers.InvalidTime):
        _time.request_time("20150830T123600Z")  # type: ignore[arg-type]


# -- tuple-based values behave as values, not as tuples -------------------------------------------


def test_values_are_not_plain_tuples() -> None:
    request = Request("GET", "https://h.com/x?y=1", [("A", "b")])
    assert (request == tuple(request)) is False and (tuple(request) == request) is False
    assert request != tuple(request)
    with pytest.raises(TypeError):
        request < request  # noqa: B015
    signed = signers.get_signer("sigv4", region="r", service="s").sign(request, CREDS, AT)
    assert signed.artifacts != tuple(signed.artifacts)
    assert signed != signed.request
    with pytest.raises(AttributeError, match="immutable"):
        signed.scheme = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        signed.artifacts.signature = "x"  # type: ignore[misc]


def test_values_copy_and_pickle() -> None:
    request = Request("POST", "https://h.com/", {"X": "1"}, b"body")
    signed = signers.get_signer("sigv4", region="r", service="s").sign(request, CREDS, AT)
    for value in (request, signed, signed.artifacts):
        assert copy.copy(value) == value
        assert copy.deepcopy(value) == value
        assert pickle.loads(pickle.dumps(value)) == value
        assert hash(pickle.loads(pickle.dumps(value))) == hash(value)


def test_public_constructors_still_take_keywords() -> None:
    artifacts = Artifacts(canonical_request=None, string_to_sign="s", signature="sig")
    assert (artifacts.credential_scope, artifacts.signed_headers, artifacts.payload_hash) == (
        None,
        None,
        None,
    )
    request = Request("GET", "https://h.com/")
    signed = SignedRequest(request=request, artifacts=artifacts, scheme="x")
    assert signed.added_headers == () and signed.added_query == ()
    assert signed.url == "https://h.com/" and signed.signature == "sig"
    assert repr(signed) == "SignedRequest(scheme='x', url='https://h.com/', signature='sig')"
    with pytest.raises(TypeError):
        Artifacts("c", "s", "sig")  # type: ignore[misc]


def test_header_name_memo_still_refuses_bad_names() -> None:
    Request("GET", "https://h.com/", [("X-Good", "1")])
    for bad in ("X-Good ", "X Good", "", "Ünïcode", "X-Good\n"):
        with pytest.raises(signers.InvalidRequest, match="not a valid HTTP token"):
            Request("GET", "https://h.com/", [(bad, "1")])


# -- canonical query straight from the query string -----------------------------------------------


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


def test_sigv4_signature_is_the_hmac_of_the_derived_key() -> None:
    def h(key: bytes, text: bytes) -> bytes:
        return hmac.new(key, text, hashlib.sha256).digest()

    chain = h(h(h(h(b"AWS4sk", b"20200101"), b"eu-west-1"), b"sts"), b"aws4_request")
    expected = hmac.new(chain, b"AWS4-HMAC-SHA256\nx", hashlib.sha256).hexdigest()
    _crypto.clear_signing_key_cache()
    for _ in range(2):  # cache miss, then hit
        got = _crypto.sigv4_signature("sk", "20200101", "eu-west-1", "sts", b"AWS4-HMAC-SHA256\nx")
        assert got == expected


@pytest.mark.parametrize("name", ["sigv4", "sigv4-query"])
def test_inner_whitespace_other_than_space_runs_is_kept(name: str) -> None:
    # The rule: trim the ends, collapse runs of spaces (and tabs); a lone vertical tab inside a
    # value or a session token stays as it is, on every path.
    signer = signers.get_signer(name, region="us-east-1", service="svc")
    creds = Credentials("AKID", "secret", "to\x0bken")
    request = Request("GET", "https://h.example.com/", [("X-A", " a\x0bb "), ("X-B", "c  \t d")])
    canonical = signer.sign(request, creds, AT).artifacts.canonical_request
    assert "\nx-a:a\x0bb\n" in canonical and "\nx-b:c d\n" in canonical
    if name == "sigv4":
        assert "\nx-amz-security-token:to\x0bken\n" in canonical
    else:
        assert "X-Amz-Security-Token=to%0Bken" in canonical
