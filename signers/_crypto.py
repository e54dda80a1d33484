"""Crypto primitives, bytes in and bytes out.  Caches wrap these, never canonicalization."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

_sha256 = hashlib.sha256
_hmac_digest = hmac.digest


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of ``data``."""
    if not data:
        return EMPTY_SHA256
    return _sha256(data).hexdigest()


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA256 of ``message`` under ``key``."""
    return _hmac_digest(key, message, "sha256")


def hmac_sha256_hex(key: bytes, message: bytes) -> str:
    """Lower-case hex HMAC-SHA256."""
    return _hmac_digest(key, message, "sha256").hex()


def hmac_sha1(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA1 of ``message`` under ``key`` (the legacy schemes)."""
    return _hmac_digest(key, message, "sha1")


def derive_signing_key(
    secret_key: str, date: str, region: str, service: str, *, prefix: str = "AWS4"
) -> bytes:
    """The SigV4 signing key: HMAC chain over date, region, service and ``aws4_request``.

    Results are cached per (secret, date, region, service): the chain costs four HMACs and changes
    at most once a day per scope.  The cache is bounded (LRU) and thread-safe.
    """
    return _derive_cached(secret_key, date, region, service, prefix)


@lru_cache(maxsize=512)
def _derive_cached(secret_key: str, date: str, region: str, service: str, prefix: str) -> bytes:
    return derive_signing_key_uncached(secret_key, date, region, service, prefix=prefix)


def derive_signing_key_uncached(
    secret_key: str, date: str, region: str, service: str, *, prefix: str = "AWS4"
) -> bytes:
    """:func:`derive_signing_key` without the cache (benchmarks, tests)."""
    k_date = _hmac_digest((prefix + secret_key).encode("utf-8"), date.encode("utf-8"), "sha256")
    k_region = _hmac_digest(k_date, region.encode("utf-8"), "sha256")
    k_service = _hmac_digest(k_region, service.encode("utf-8"), "sha256")
    return _hmac_digest(k_service, b"aws4_request", "sha256")


def clear_signing_key_cache() -> None:
    """Drop every cached signing key (for example after rotating secrets)."""
    _derive_cached.cache_clear()


def constant_time_equal(a: str, b: str) -> bool:
    """Compare two signatures without leaking where they differ."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
