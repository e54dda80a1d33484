"""The ECDSA backend (:mod:`signers._ecdsa`, which needs ``cryptography``), loaded on first use."""

from __future__ import annotations

from types import ModuleType

from .errors import MissingDependency

MISSING_CRYPTOGRAPHY = "sigv4a needs the 'cryptography' package: pip install 'sigbridge[sigv4a]'"


def ecdsa_backend() -> ModuleType:
    """:mod:`signers._ecdsa`, or :class:`MissingDependency` naming the extra to install."""
    try:
        from . import _ecdsa
    except ImportError:
        raise MissingDependency(MISSING_CRYPTOGRAPHY, field="cryptography") from None
    return _ecdsa
