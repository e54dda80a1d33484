"""The caches and thread safety: many threads sharing signers, verifiers and the bounded caches
(signing keys, secret-key states, shared signers), the HMAC state cache and the request-time
cache, each result equal to the one-thread one or to the standard library's.  No timing here:
the benchmarks live in tests/benchmarks."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import pickle
import threading
from typing import Any, List, Optional, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import signers
from signers import Credentials, Request, _crypto, _time, registry
from tests._support import CREDS, UTC, cache_bounded
from tests._support import VECTOR_TIME as AT

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


@pytest.mark.slow
def test_many_threads_share_signers_and_caches() -> None:
    # A tiny key cache forces concurrent inserts and evictions; the request-time cache is
    # exercised by many instants at once.  Every result must equal the single-threaded one.
    with cache_bounded("signing-keys", 3):
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


@settings(max_examples=80, deadline=None)
@given(key=st.binary(max_size=100), head=st.binary(max_size=150), message=st.binary(max_size=100))
def test_states_after_a_shared_head_give_the_hmac_of_head_and_message(
    key: bytes, head: bytes, message: bytes
) -> None:
    # the bulk presign's per-URL HMAC: the head hashed once, the states copied for each message
    inner_head, outer = _crypto.prepare_key(key).states(head)
    for _ in range(2):  # copies only: the states stay usable
        inner = inner_head.copy()
        inner.update(message)
        finished = outer.copy()
        finished.update(inner.digest())
        assert finished.hexdigest() == hmac.new(key, head + message, hashlib.sha256).hexdigest()


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
    with cache_bounded("signing-keys", 4):
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


def test_sigv4_signature_is_the_hmac_of_the_derived_key() -> None:
    def h(key: bytes, text: bytes) -> bytes:
        return hmac.new(key, text, hashlib.sha256).digest()

    chain = h(h(h(h(b"AWS4sk", b"20200101"), b"eu-west-1"), b"sts"), b"aws4_request")
    expected = hmac.new(chain, b"AWS4-HMAC-SHA256\nx", hashlib.sha256).hexdigest()
    _crypto.clear_signing_key_cache()
    for _ in range(2):  # cache miss, then hit
        got = _crypto.sigv4_signature("sk", "20200101", "eu-west-1", "sts", b"AWS4-HMAC-SHA256\nx")
        assert got == expected


# -- the new caches under threads -----------------------------------------------------------------


def _thread_jobs() -> List[Tuple[Any, Request, Credentials, dt.datetime]]:
    jobs = []
    for i in range(18):
        at = AT + dt.timedelta(days=i % 3, seconds=i)  # several instants: the time caches churn
        creds = Credentials(f"AKID{i % 3}", f"secret-{i % 4}/+", "tok" if i % 2 else None)
        jobs.append(
            (
                signers.get_signer("sigv2", signature_method=("HmacSHA1", "HmacSHA256")[i % 2]),
                Request(
                    "GET", f"https://ec2.amazonaws.com/?Action=Describe{i}&Filter.1.Name=a%3Ab"
                ),
                creds,
                at,
            )
        )
        jobs.append(
            (
                signers.get_signer("s3-v2"),
                Request("GET", f"https://bucket{i % 2}.s3.amazonaws.com/k {i}"),
                creds,
                at,
            )
        )
        jobs.append(
            (
                signers.get_signer("s3-v2-query", expires=60 + i),
                Request("GET", f"https://s3.amazonaws.com/b/k{i}"),
                creds,
                at,
            )
        )
    return jobs


@pytest.mark.slow
def test_many_threads_share_the_legacy_signers_verifiers_and_caches() -> None:
    # Tiny bounds force concurrent inserts and evictions in the secret-key and shared-signer
    # caches; the instants churn the time caches.  Every result must equal the one-thread one.
    with cache_bounded("secret-keys", 2), cache_bounded("verifiers", 2):
        _legacy_threads_alike()


def _legacy_threads_alike() -> None:
    _crypto.clear_signing_key_cache()
    jobs = _thread_jobs()
    expected = [signer.sign(request, creds, at) for signer, request, creds, at in jobs]
    received = [
        Request(s.request.method, s.url, [("Host", s.request.host_header), *s.headers])
        for s in expected
    ]
    lookups = [{creds.access_key: creds} for _, _, creds, _ in jobs]
    _crypto.clear_signing_key_cache()
    failures: List[str] = []
    start = threading.Barrier(6)

    def worker(offset: int) -> None:
        start.wait()
        for round_ in range(12):
            for index in range(len(jobs)):
                j = (index + offset * 5 + round_) % len(jobs)
                signer, request, creds, at = jobs[j]
                got = signer.sign(request, creds, at)
                if got != expected[j]:
                    failures.append(f"sign {j}: {got.signature} != {expected[j].signature}")
                    return
                verified = signers.verify(received[j], lookups[j], at)
                if verified.artifacts.signature != expected[j].signature:
                    failures.append(f"verify {j}")
                    return

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert failures == []
    assert len(_crypto._SECRET_KEYS) <= 2 and len(registry._shared) <= 2


def test_secret_key_state_is_the_hmac_of_the_secret() -> None:
    import base64
    import hmac

    for algorithm in ("sha1", "sha256"):
        for secret in ("s", "x" * 100, "é/+"):
            expected = hmac.new(secret.encode("utf-8"), b"message", algorithm).digest()
            state = _crypto.secret_key_state(secret, algorithm)
            assert state.digest(b"message") == expected
            assert _crypto.hmac_base64(secret, algorithm, b"message") == base64.b64encode(
                expected
            ).decode("ascii")
            assert secret not in repr(state)
    _crypto.clear_signing_key_cache()
    assert not _crypto._SECRET_KEYS


def test_shared_signers_are_forgotten_on_refresh_and_not_shared_for_plugins() -> None:
    first = registry.shared_signer("sigv4", {"region": "r", "service": "s"})
    assert registry.shared_signer("sigv4", {"region": "r", "service": "s"}) is first
    # True and 1 are equal keys in a dict; the option types keep them apart
    assert registry.shared_signer("sigv2", {"expires": 60}) is not registry.shared_signer(
        "sigv2", {"expires": 61}
    )
    with pytest.raises(signers.InvalidOption):
        registry.shared_signer("sigv4", {"region": "r", "service": "s", "s3": 1})
    # unhashable option values: a new signer each time
    listed = {"region": "r", "service": "s", "unsigned_headers": ["x-a"]}
    assert registry.shared_signer("sigv4", listed) is not registry.shared_signer("sigv4", listed)
    registry.refresh()
    assert registry.shared_signer("sigv4", {"region": "r", "service": "s"}) is not first


def test_a_callers_own_key_finds_the_signer_it_was_made_under() -> None:
    registry.refresh()
    key = ("sigv4", "r", "s", False)
    assert registry.cached_shared_signer(key) is None
    made = registry.shared_signer("sigv4", {"region": "r", "service": "s", "s3": False}, key)
    assert registry.cached_shared_signer(key) is made
    assert registry.shared_signer("sigv4", {"region": "r", "service": "s"}, key) is made
    # the options' own key is another entry: the same options made again without the key
    other = registry.shared_signer("sigv4", {"region": "r", "service": "s", "s3": False})
    assert other is not made and other.options == made.options
    # no options: the name is the key, and the signer is shared all the same
    assert registry.shared_signer("sigv2", {}) is registry.shared_signer("sigv2", {})
    registry.refresh()
    assert registry.cached_shared_signer(key) is None


def test_a_failed_make_is_not_kept_under_a_callers_key() -> None:
    key = ("sigv4", 5, "s", False)
    with pytest.raises(signers.InvalidOption):
        registry.shared_signer("sigv4", {"region": 5, "service": "s", "s3": False}, key)
    assert registry.cached_shared_signer(key) is None


def test_shared_signer_leaves_plugin_signers_alone(monkeypatch: Any) -> None:
    class PluginSigner(signers.get_signer("sigv4", region="r", service="s").__class__):
        pass

    PluginSigner.__module__ = "someone_elses.plugin"
    info = registry._load("sigv4")
    monkeypatch.setitem(registry._loaded, "sigv4", info._replace(factory=PluginSigner))
    try:
        a = registry.shared_signer("sigv4", {"region": "q", "service": "s"})
        b = registry.shared_signer("sigv4", {"region": "q", "service": "s"})
        assert type(a) is PluginSigner and a is not b
    finally:
        registry.refresh()
