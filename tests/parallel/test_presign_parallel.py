"""Bulk presigning on worker processes (signers.parallel, SigV4Signer.presign_many(jobs=N)):
each result ``==`` the single-process one at the same instant, in input order; the published
S3 example through the workers; keys read as results are taken (memory bounded); one instant for
the batch; errors where the single-process iterator raises them; credentials as fields or as a
provider each worker resolves; small batches without processes; workers stopped afterwards.

The tests that start processes are marked slow; one spawn pool serves most of them."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import threading
from itertools import count
from typing import Any, Dict, Iterator, List
from urllib.parse import quote

import pytest

import signers
from signers import Credentials, Request
from signers.credentials import ChainCredentials
from signers.parallel import PresignPool, presign_many, presign_urls
from tests._support import CREDS, CREDS_TOKEN, DOC_CREDS, SECRET, UTC
from tests._support import VECTOR_TIME as AT

BASE = "https://examplebucket.s3.amazonaws.com"
KEYS = [f"photos/2024/img-{i:05d}.jpg" for i in range(700)] + ["dir/a b/ü.txt", "x+y", "%41"]


@pytest.fixture(scope="module")
def pool() -> Iterator[PresignPool]:
    # chunks of 64 keys over two workers: every batch below crosses many chunks and both workers
    with PresignPool(CREDS_TOKEN, jobs=2, chunk_size=64) as started:
        yield started.start()


def _single(signer: Any, keys: List[str], creds: Credentials = CREDS_TOKEN, **kw: Any) -> Any:
    return list(signer.presign_many("GET", BASE, keys, creds, AT, **kw))


OPTIONS: List[Dict[str, Any]] = [
    {"region": "us-east-1", "service": "s3", "s3": True},
    {"region": "eu-west-1", "service": "s3", "s3": True, "session_token": "unsigned"},
    {"region": "us-west-2", "service": "execute-api", "expires": 60},  # normalized, encoded twice
    {"region": "us-east-1", "service": "s3", "normalize_path": False, "double_encode": False},
]


@pytest.mark.slow
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: f"{o['service']}:{len(o)}")
def test_results_equal_the_single_process_run_in_order(
    pool: PresignPool, options: Dict[str, Any]
) -> None:
    signer = signers.get_signer("sigv4-query", **options)
    headers = [("X-Amz-Meta-Owner", " two  spaces ")]
    expected = _single(signer, KEYS, headers=headers)
    got = list(pool.presign_many(signer, "GET", BASE, iter(KEYS), AT, headers=headers))
    assert got == expected
    assert [r.url for r in got] == [r.url for r in expected]
    assert list(pool.presign_urls(signer, "GET", BASE, KEYS, AT, headers=headers)) == [
        r.url for r in expected
    ]
    texts = list(pool.url_lines(signer, "GET", BASE, KEYS, AT, headers=headers))
    assert len(texts) > 2 and "".join(texts) == "".join(r.url + "\n" for r in expected)


@pytest.mark.slow
def test_general_path_through_the_workers(pool: PresignPool) -> None:
    # A declared payload hash: each URL is presigned alone, by sign(), in the workers.
    signer = signers.get_signer("s3v4-query", region="us-east-1")
    headers = [("x-amz-content-sha256", "UNSIGNED-PAYLOAD")]
    keys = KEYS[:150]
    got = list(pool.presign_many(signer, "GET", BASE, keys, AT, headers=headers))
    for key, result in zip(keys, got):
        url = f"{BASE}/{quote(key, safe='/-_.~')}"  # the key encoded independently
        assert result == signer.sign(Request("GET", url, headers), CREDS_TOKEN, AT)
    assert len(got) == len(keys)


@pytest.mark.slow
def test_the_published_s3_example_through_a_worker() -> None:
    # S3 SigV4 documentation, "Query String Authentication": chunk_size=1 puts it on a worker.
    signer = signers.get_signer("s3v4-query", region="us-east-1", expires=86400)
    at = dt.datetime(2013, 5, 24, tzinfo=UTC)
    before = set(multiprocessing.active_children())
    (result,) = presign_many(signer, "GET", BASE, ["test.txt"], DOC_CREDS, at, jobs=2, chunk_size=1)
    assert result.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    assert set(multiprocessing.active_children()) <= before  # the call's own pool is stopped


@pytest.mark.slow
def test_the_signer_method_takes_jobs() -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1")
    keys = [f"k{i}" for i in range(9000)]  # more than one chunk: workers start
    before = set(multiprocessing.active_children())
    got = list(signer.presign_many("GET", BASE, keys, CREDS, AT, jobs=2))
    assert got == _single(signer, keys, CREDS)
    assert set(multiprocessing.active_children()) <= before


@pytest.mark.slow
def test_keys_are_read_as_results_are_taken(pool: PresignPool) -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1")
    taken = count()
    read: List[int] = []

    def endless() -> Iterator[str]:
        for i in taken:
            read.append(i)
            yield f"k{i}"

    results = pool.presign_urls(signer, "GET", BASE, endless(), AT)
    first = [next(results) for _ in range(10)]
    # in flight: at most two chunks per worker, and the one being read
    assert len(read) <= pool.chunk_size * (2 * pool.jobs + 1)
    assert first == [r.url for r in _single(signer, [f"k{i}" for i in range(10)])]
    results.close()  # type: ignore[attr-defined]


@pytest.mark.slow
def test_now_is_read_once_for_the_whole_batch(pool: PresignPool) -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1")
    before = dt.datetime.now(UTC).replace(microsecond=0)
    got = list(pool.presign_many(signer, "GET", BASE, KEYS, None))
    after = dt.datetime.now(UTC)
    dates = {dict(r.added_query)["X-Amz-Date"] for r in got}
    assert len(dates) == 1
    when = dt.datetime.strptime(dates.pop(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert before <= when <= after


@pytest.mark.slow
def test_a_bad_key_is_raised_after_the_results_before_it(pool: PresignPool) -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1")
    keys: List[Any] = [*KEYS[:200], 7, "never"]
    results = pool.presign_many(signer, "GET", BASE, keys, AT)
    got = []
    with pytest.raises(signers.InvalidRequest, match="keys: expected str keys, got int"):
        for result in results:
            got.append(result)
    assert got == _single(signer, KEYS[:200])


def test_bad_arguments_are_refused_before_any_process_starts() -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1")
    pool = PresignPool(CREDS, jobs=2)
    with pytest.raises(signers.InvalidRequest, match="base_url: must not have a query"):
        pool.presign_many(signer, "GET", BASE + "/?x=1", KEYS, AT)
    with pytest.raises(signers.InvalidRequest, match="single string"):
        pool.presign_urls(signer, "GET", BASE, "key", AT)
    header_signer = signers.get_signer("sigv4", region="us-east-1", service="s3")
    with pytest.raises(signers.InvalidRequest, match="Authorization header"):
        pool.presign_many(header_signer, "GET", BASE, KEYS, AT)
    with pytest.raises(signers.InvalidTime, match="naive"):
        pool.presign_many(signer, "GET", BASE, KEYS, dt.datetime(2015, 8, 30))
    assert not pool.started
    pool.close()


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"jobs": 0}, "jobs"),
        ({"jobs": -2}, "jobs"),
        ({"jobs": True}, "jobs"),
        ({"jobs": "2"}, "jobs"),
        ({"start_method": "thread"}, "start_method"),
        ({"chunk_size": 0}, "chunk_size"),
    ],
)
def test_bad_pool_options_are_one_line(kwargs: Dict[str, Any], field: str) -> None:
    with pytest.raises(signers.InvalidOption) as info:
        PresignPool(CREDS, **kwargs)
    assert info.value.field == field and "\n" not in str(info.value)


def test_fewer_keys_than_a_chunk_are_signed_here() -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1")
    with PresignPool(CREDS, jobs=2) as pool:
        got = list(pool.presign_many(signer, "GET", BASE, KEYS[:5], AT))
        urls = list(pool.presign_urls(signer, "GET", BASE, KEYS[:5], AT))
        (text,) = pool.url_lines(signer, "GET", BASE, KEYS[:5], AT)
        # a bad key: the results before it, then the error, as the single-process iterator
        results = pool.url_lines(signer, "GET", BASE, [*KEYS[:3], b"k"], AT)  # type: ignore[list-item]
        assert next(results) == "".join(r.url + "\n" for r in _single(signer, KEYS[:3], CREDS))
        with pytest.raises(signers.InvalidRequest, match="expected str keys, got bytes"):
            next(results)
        assert not pool.started
    assert got == _single(signer, KEYS[:5], CREDS)
    assert urls == [r.url for r in got] and text == "".join(u + "\n" for u in urls)
    assert list(signer.presign_many("GET", BASE, [], CREDS, AT, jobs=2)) == []


def test_a_provider_that_does_not_pickle_is_refused_by_name() -> None:
    class Local:
        lock = threading.Lock()

        def __init__(self) -> None:
            self.held = threading.Lock()

        def credentials(self) -> Credentials:
            return CREDS

    with pytest.raises(signers.InvalidCredentials) as info:
        PresignPool(Local(), jobs=2)  # type: ignore[arg-type]
    assert "Local cannot be sent to a worker" in str(info.value)
    assert "ChainCredentials" in str(info.value)


@pytest.mark.slow
def test_workers_resolve_the_chain_themselves(
    monkeypatch: pytest.MonkeyPatch, offline_environment: None
) -> None:
    # The spawned workers inherit this environment and read the keys from it themselves.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDWORKER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    signer = signers.get_signer("s3v4-query", region="us-east-1")
    got = list(
        presign_urls(signer, "GET", BASE, KEYS, ChainCredentials(), AT, jobs=2, chunk_size=100)
    )
    assert got == [r.url for r in _single(signer, KEYS, Credentials("AKIDWORKER", SECRET))]


@pytest.mark.slow
def test_closing_the_results_early_stops_the_workers() -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1")
    keys = (f"k{i}" for i in range(10**9))
    before = set(multiprocessing.active_children())
    results = presign_many(signer, "GET", BASE, keys, CREDS, AT, jobs=2, chunk_size=50)
    assert next(results).url.startswith(BASE + "/k0?")
    assert len(set(multiprocessing.active_children()) - before) == 2
    results.close()  # type: ignore[attr-defined]
    assert set(multiprocessing.active_children()) <= before


@pytest.mark.slow
def test_a_signer_without_presign_many_signs_each_url(pool: PresignPool) -> None:
    # S3's legacy presigned URLs: each equal to sign() of base/key, the key encoded independently
    signer = signers.get_signer("s3-v2-query", expires=3600)
    keys = KEYS[:130]
    got = list(pool.presign_many(signer, "GET", BASE, keys, AT))
    expected = [
        signer.sign(Request("GET", f"{BASE}/{quote(k, safe='/-_.~')}"), CREDS_TOKEN, AT)
        for k in keys
    ]
    assert got == expected


@pytest.mark.slow
def test_sigv4a_urls_through_the_workers_verify() -> None:
    pytest.importorskip("cryptography", reason="SigV4A needs the sigv4a extra")
    signer = signers.get_signer("s3v4a-query", region="us-east-1")
    keys = KEYS[:40]
    got = list(presign_many(signer, "GET", BASE, keys, CREDS, AT, jobs=2, chunk_size=10))
    for key, result in zip(keys, got):
        alone = signer.sign(Request("GET", f"{BASE}/{quote(key, safe='/-_.~')}"), CREDS, AT)
        assert result.artifacts.string_to_sign == alone.artifacts.string_to_sign
        assert signer.verify(result.request, CREDS, AT).signature == result.signature
    assert len(got) == len(keys)


@pytest.mark.slow
@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods() or os.name != "posix",
    reason="fork is a POSIX start method",
)
def test_fork_start_method_gives_the_same_results() -> None:
    signer = signers.get_signer("s3v4-query", region="us-east-1")
    got = list(
        presign_many(
            signer, "GET", BASE, KEYS, CREDS, AT, jobs=2, chunk_size=100, start_method="fork"
        )
    )
    assert got == _single(signer, KEYS, CREDS)
