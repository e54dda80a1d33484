"""The bulk-presigning operations over 100,000 keys: one process, and two worker processes
(:mod:`signers.parallel`), for the table of :mod:`signers._tools.bench_ops`.

Each run presigns :data:`PARALLEL_KEYS` and returns the URLs (as signed requests, as URLs, or as
the text ``sigbridge presign --from`` writes).  The pool rows keep their workers between runs (a
:class:`~signers.parallel.PresignPool` started outside the timing, shared by the rows and stopped
when the interpreter exits), so they measure the steady rate; the ``presign_many(jobs=2)`` row
starts its workers in every run, so it carries the start-up a single call pays.  Every row's
signature is the single-process one: the check that the workers sign alike.
"""

from __future__ import annotations

import atexit
from typing import Any, Dict, Tuple

from ..model import Credentials
from ..registry import get_signer
from .bench_ops_inputs import (
    ACCESS_KEY,
    AT,
    EXPIRES,
    REGION,
    S3_BUCKET_URL,
    SECRET_KEY,
    Subject,
    signature_of_url,
)

__all__ = [
    "PARALLEL_KEYS",
    "PARALLEL_JOBS",
    "ours_bulk_100k",
    "ours_pool_signed",
    "ours_pool_urls",
    "ours_pool_lines",
    "ours_jobs_cold",
]

PARALLEL_KEYS = tuple(f"photos/2024/img-{i:06d}.jpg" for i in range(100_000))
PARALLEL_JOBS = 2

_POOLS: Dict[int, Any] = {}


def _signer() -> Any:
    return get_signer("s3v4-query", region=REGION, service="s3", expires=EXPIRES)


def _credentials() -> Credentials:
    return Credentials(ACCESS_KEY, SECRET_KEY)


def _pool() -> Any:
    # One started pool per process for the rows that keep their workers.
    pool = _POOLS.get(PARALLEL_JOBS)
    if pool is None:
        from ..parallel import PresignPool

        pool = _POOLS[PARALLEL_JOBS] = PresignPool(_credentials(), jobs=PARALLEL_JOBS).start()
        atexit.register(pool.close)
    return pool


def _signatures(urls: Tuple[str, ...]) -> str:
    # every 997th signature and the count: enough to catch a worker that signs differently
    return f"{len(urls)}|" + "|".join(signature_of_url(u) for u in urls[::997])


def ours_bulk_100k() -> Subject:
    signer, credentials = _signer(), _credentials()

    def run() -> Tuple[str, ...]:
        signed = signer.presign_many("GET", S3_BUCKET_URL, PARALLEL_KEYS, credentials, AT)
        return tuple([s.url for s in signed])

    return Subject(run, lambda: _signatures(run()))


def ours_pool_signed() -> Subject:
    signer, pool = _signer(), _pool()

    def run() -> Tuple[str, ...]:
        signed = pool.presign_many(signer, "GET", S3_BUCKET_URL, PARALLEL_KEYS, AT)
        return tuple([s.url for s in signed])

    return Subject(run, lambda: _signatures(run()), f"{PARALLEL_JOBS} workers kept")


def ours_pool_urls() -> Subject:
    signer, pool = _signer(), _pool()

    def run() -> Tuple[str, ...]:
        return tuple(pool.presign_urls(signer, "GET", S3_BUCKET_URL, PARALLEL_KEYS, AT))

    return Subject(run, lambda: _signatures(run()), f"{PARALLEL_JOBS} workers kept")


def ours_pool_lines() -> Subject:
    signer, pool = _signer(), _pool()

    def run() -> Tuple[str, ...]:
        text = "".join(pool.url_lines(signer, "GET", S3_BUCKET_URL, PARALLEL_KEYS, AT))
        return (text,)

    def signatures() -> str:
        return _signatures(tuple(run()[0].splitlines()))

    return Subject(run, signatures, f"{PARALLEL_JOBS} workers kept")


def ours_jobs_cold() -> Subject:
    signer, credentials = _signer(), _credentials()

    def run() -> Tuple[str, ...]:
        signed = signer.presign_many(
            "GET", S3_BUCKET_URL, PARALLEL_KEYS, credentials, AT, jobs=PARALLEL_JOBS
        )
        return tuple([s.url for s in signed])

    return Subject(run, lambda: _signatures(run()), "workers started in every run")
