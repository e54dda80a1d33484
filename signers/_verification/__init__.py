"""Verification: the server's side of every scheme.

:func:`verify` detects the scheme of a request (:mod:`.detect`, the one detector), finds the
credentials, and checks the request as AWS does, answering with AWS's error codes
(:mod:`.answers`).  SigV4 and SigV4A are parsed by :mod:`.sigv4_parse` and checked by
:mod:`.sigv4`, which recomputes the signature through the same stage functions the signers use.
"""

from __future__ import annotations

from .detect import Detected, detect
from .dispatch import LEGACY_SCHEMES, SIGV4_SCHEMES, SIGV4A_SCHEMES, Lookup, Verified, verify

__all__ = [
    "Detected",
    "Lookup",
    "Verified",
    "detect",
    "verify",
    "SIGV4_SCHEMES",
    "SIGV4A_SCHEMES",
    "LEGACY_SCHEMES",
]
