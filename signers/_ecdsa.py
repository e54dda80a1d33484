"""ECDSA P-256 for SigV4A, through the optional ``cryptography`` package.

This module imports ``cryptography`` at the top: only :mod:`signers.sigv4a` imports it, and only
when a SigV4A signer is built or used, so ``import signers`` and every other scheme stay
standard-library only.  The key derivation itself (HMAC only) is
:func:`signers._crypto.sigv4a_private_value`; the elliptic-curve arithmetic, signing and
verification are cryptography's (we do not write our own).

Derived keys are cached per (access key, secret): the derivation costs an HMAC and a scalar
multiplication, and a credential pair signs many requests.  The cache is bounded and thread-safe,
like the SigV4 signing-key cache.
"""

from __future__ import annotations

from typing import Tuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from . import _cache
from ._cache import BoundedCache
from ._crypto import sigv4a_private_value

__all__ = [
    "private_key",
    "public_key_xy",
    "public_key_from_xy",
    "sign",
    "verify",
    "clear_key_cache",
]

_CURVE = ec.SECP256R1()
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())

# (access key, secret) -> private key: bounded and thread-safe (signers._cache).
_KEYS: BoundedCache[Tuple[str, str], ec.EllipticCurvePrivateKey] = _cache.new("sigv4a-keys")


def private_key(access_key: str, secret_key: str) -> ec.EllipticCurvePrivateKey:
    """The (cached) SigV4A private key of a credential pair."""
    return _KEYS.get_or_make((access_key, secret_key), _derived_key, access_key, secret_key)


def _derived_key(access_key: str, secret_key: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(sigv4a_private_value(access_key, secret_key), _CURVE)


def clear_key_cache() -> None:
    """Drop every cached SigV4A key (for example after rotating secrets)."""
    _KEYS.clear()


def public_key_xy(key: ec.EllipticCurvePrivateKey) -> Tuple[str, str]:
    """The public point of ``key``: 64-digit lower-case hex X and Y (as ``public-key.json``)."""
    numbers = key.public_key().public_numbers()
    return f"{numbers.x:064x}", f"{numbers.y:064x}"


def public_key_from_xy(x_hex: str, y_hex: str) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from hex X and Y; ``ValueError`` when the point is not on the curve."""
    return ec.EllipticCurvePublicNumbers(int(x_hex, 16), int(y_hex, 16), _CURVE).public_key()


def sign(key: ec.EllipticCurvePrivateKey, message: bytes) -> str:
    """Hex DER-encoded ECDSA signature over SHA-256(``message``) (randomized: differs each call)."""
    return key.sign(message, _ECDSA_SHA256).hex()


def verify(public_key: ec.EllipticCurvePublicKey, message: bytes, signature_hex: str) -> bool:
    """Whether ``signature_hex`` (hex DER) is a valid ECDSA signature of ``message``."""
    if not (signature_hex.isascii() and signature_hex.isalnum()):
        return False  # (bytes.fromhex would skip whitespace)
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        return False
    if not signature or len(signature) > 80:  # DER of two 256-bit integers is at most 72 bytes
        return False
    try:
        public_key.verify(signature, message, _ECDSA_SHA256)
    except (InvalidSignature, ValueError):
        return False
    return True
