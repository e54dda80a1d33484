"""Crypto primitives, bytes in and bytes out.  Caches wrap these, never canonicalization."""

from __future__ import annotations

import hashlib
import hmac
from binascii import b2a_base64 as _b2a_base64
from typing import Any, Callable, Dict, NoReturn, Tuple

from . import _cache
from ._cache import BoundedCache

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
    at most once a day per scope.  The cache is bounded and thread-safe (see :func:`signing_key`).
    """
    return signing_key(secret_key, date, region, service, prefix)[0]


class SigningKey(Tuple[bytes, Any, Any]):
    """A key with its HMAC state precomputed: a derived SigV4 signing key (HMAC-SHA256), or the
    secret key the legacy schemes sign with directly (HMAC-SHA256 or HMAC-SHA1).

    HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)).  The two pad blocks depend on the key only,
    so their hash states are computed once per key and copied for each message: that saves two of
    the four compression runs and the per-call key setup of ``hmac.digest``.  The states are never
    updated in place (only copied), so one ``SigningKey`` is safe to share across threads.
    """

    __slots__ = ()

    @property
    def key(self) -> bytes:
        return self[0]

    def digest(self, message: bytes) -> bytes:
        """The HMAC of ``message`` under this key."""
        return _hmac_of(self, message).digest()  # type: ignore[no-any-return]

    def hexdigest(self, message: bytes) -> str:
        """Lower-case hex HMAC of ``message`` under this key."""
        return _hmac_of(self, message).hexdigest()  # type: ignore[no-any-return]

    def states(self, head: bytes = b"") -> Tuple[Any, Any]:
        """The inner hash state with ``head`` hashed after the pad, and the outer state: for
        many messages that all start with ``head`` (HMAC(m) is ``outer.copy()`` updated with
        ``inner.copy()``'s digest over the rest of m).  Copy both per message, never update them
        in place: they are this key's secret-derived state."""
        _, inner_state, outer_state = self
        inner = inner_state.copy()
        inner.update(head)
        return inner, outer_state

    def __repr__(self) -> str:
        return "SigningKey(<redacted>)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("signing keys are not picklable (they are secrets)")


def _hmac_of(state: Tuple[bytes, Any, Any], message: bytes) -> Any:
    """The finished outer hash of HMAC(``message``) from a key's precomputed pad states: the one
    place the states are used (copied, never updated in place)."""
    _, inner_state, outer_state = state
    inner = inner_state.copy()
    inner.update(message)
    outer = outer_state.copy()
    outer.update(inner.digest())
    return outer


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


#: The hashes the schemes sign with (both have 64-byte blocks).
_HASHES: Dict[str, Callable[..., Any]] = {"sha256": _sha256, "sha1": hashlib.sha1}


def prepare_key(key: bytes, algorithm: str = "sha256") -> SigningKey:
    """Precompute the HMAC state of ``key`` (any length, as HMAC defines) for ``algorithm``
    (``"sha256"`` or ``"sha1"``)."""
    new = _HASHES[algorithm]
    if len(key) > 64:
        key = new(key).digest()
    block = key.ljust(64, b"\0")
    inner, outer = new(block.translate(_IPAD)), new(block.translate(_OPAD))
    return tuple.__new__(SigningKey, (key, inner, outer))


# (secret, date, region, service, prefix) -> SigningKey of the derived signing key, and
# (secret, algorithm) -> SigningKey of the secret key itself (SigV2 and S3's HMAC-SHA1 scheme sign
# with the secret key directly).  Bounded and thread-safe (signers._cache).
_SIGNING_KEYS: BoundedCache[Tuple[str, str, str, str, str], SigningKey] = _cache.new("signing-keys")
_SECRET_KEYS: BoundedCache[Tuple[str, str], SigningKey] = _cache.new("secret-keys")
_signing_key_of = _SIGNING_KEYS.lookup
_secret_key_of = _SECRET_KEYS.lookup


def signing_key(
    secret_key: str, date: str, region: str, service: str, prefix: str = "AWS4"
) -> SigningKey:
    """The cached :class:`SigningKey` of a scope: ``signing_key(...).hexdigest(string_to_sign)``."""
    cache_key = (secret_key, date, region, service, prefix)
    found = _signing_key_of(cache_key)
    if found is not None:
        return found
    return _SIGNING_KEYS.get_or_make(
        cache_key, _prepared_signing_key, secret_key, date, region, service, prefix
    )


def _prepared_signing_key(
    secret_key: str, date: str, region: str, service: str, prefix: str
) -> SigningKey:
    return prepare_key(
        derive_signing_key_uncached(secret_key, date, region, service, prefix=prefix)
    )


def derive_signing_key_uncached(
    secret_key: str, date: str, region: str, service: str, *, prefix: str = "AWS4"
) -> bytes:
    """:func:`derive_signing_key` without the cache (benchmarks, tests)."""
    k_date = _hmac_digest((prefix + secret_key).encode("utf-8"), date.encode("utf-8"), "sha256")
    k_region = _hmac_digest(k_date, region.encode("utf-8"), "sha256")
    k_service = _hmac_digest(k_region, service.encode("utf-8"), "sha256")
    return _hmac_digest(k_service, b"aws4_request", "sha256")


def sigv4_signature(
    secret_key: str, date: str, region: str, service: str, string_to_sign: bytes
) -> str:
    """Hex HMAC-SHA256 of ``string_to_sign`` under the (cached) signing key of the scope.

    The same as ``signing_key(...).hexdigest(string_to_sign)``, in one call: signing does this
    once per request.
    """
    state = _signing_key_of((secret_key, date, region, service, "AWS4"))
    if state is None:
        state = signing_key(secret_key, date, region, service)
    # (_hmac_of's steps written out: one call fewer on every SigV4 signature, measured on 3.11)
    _, inner_state, outer_state = state
    inner = inner_state.copy()
    inner.update(string_to_sign)
    outer = outer_state.copy()
    outer.update(inner.digest())
    return outer.hexdigest()  # type: ignore[no-any-return]


def secret_key_state(secret_key: str, algorithm: str) -> SigningKey:
    """The cached :class:`SigningKey` of a secret key (UTF-8) for ``"sha256"`` or ``"sha1"``."""
    return _SECRET_KEYS.get_or_make(
        (secret_key, algorithm), _prepared_secret_key, secret_key, algorithm
    )


def _prepared_secret_key(secret_key: str, algorithm: str) -> SigningKey:
    return prepare_key(secret_key.encode("utf-8"), algorithm)


def hmac_base64(secret_key: str, algorithm: str, message: bytes) -> str:
    """Base64 of the HMAC (``"sha256"`` or ``"sha1"``) of ``message`` under the secret key: the
    legacy schemes' signature.  The key's HMAC state is cached (:func:`secret_key_state`)."""
    state = _secret_key_of((secret_key, algorithm))
    if state is None:
        state = secret_key_state(secret_key, algorithm)
    # (_hmac_of's steps written out, as in sigv4_signature: one call fewer a signature, measured)
    _, inner_state, outer_state = state
    inner = inner_state.copy()
    inner.update(message)
    outer = outer_state.copy()
    outer.update(inner.digest())
    return _b2a_base64(outer.digest(), newline=False).decode("ascii")


def clear_signing_key_cache() -> None:
    """Drop every cached signing key and secret-key state (for example after rotating secrets)."""
    _SIGNING_KEYS.clear()
    _SECRET_KEYS.clear()


# -- SigV4A: the ECDSA P-256 private key is derived from the credentials, with HMAC only -----------

#: The order n of the NIST P-256 group (FIPS 186-5 / SP 800-186).
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_SIGV4A_LABEL = b"AWS4-ECDSA-P256-SHA256"


def sigv4a_private_value(access_key: str, secret_key: str) -> int:
    """The SigV4A private key d (an integer in [1, n-1]) of a credential pair.

    NIST SP 800-108 key derivation in counter mode with HMAC-SHA256 as the PRF, keyed with
    ``"AWS4A" + secret``, for 256 bits (one PRF block, so the KDF's own counter i is 1):
    ``HMAC(key, i(4 bytes) || label || 0x00 || context || L(4 bytes))`` with label
    ``AWS4-ECDSA-P256-SHA256``, L = 256 and context = access key id + one external counter byte.
    A candidate c is accepted when c <= n - 2 (else the external counter, from 1, goes up and the
    KDF runs again), and d = c + 1: the construction of FIPS 186-5 A.2.2 ("rejection sampling").
    """
    key = ("AWS4A" + secret_key).encode("utf-8")
    context = access_key.encode("utf-8")
    limit = P256_ORDER - 2
    for counter in range(1, 256):
        fixed_input = (
            b"\x00\x00\x00\x01"
            + _SIGV4A_LABEL
            + b"\x00"
            + context
            + bytes((counter,))
            + b"\x00\x00\x01\x00"
        )
        candidate = int.from_bytes(_hmac_digest(key, fixed_input, "sha256"), "big")
        if candidate <= limit:
            return candidate + 1
    # Each round fails with probability about 2**-32; 254 in a row does not happen.
    raise ArithmeticError("sigv4a key derivation: no candidate below n - 1 in 254 rounds")


def constant_time_equal(a: str, b: str) -> bool:
    """Compare two signatures without leaking where they differ."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
