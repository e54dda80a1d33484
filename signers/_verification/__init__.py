"""Verification: the server's side of every scheme.

:func:`verify` detects the scheme of a request (:mod:`.detect`, the one detector), finds the
credentials, and checks the request as AWS does, answering with AWS's error codes
(:mod:`.answers`).  SigV4 and SigV4A are parsed by :mod:`.sigv4_parse` and checked by
:mod:`.sigv4`, which recomputes the signature through the same stage functions the signers use;
the legacy schemes (SigV2, S3's HMAC-SHA1 header and presigned forms) by :mod:`.legacy`, with
:mod:`.sigv2` and :mod:`.s3_v2`.  No module here imports a signer module: the verifiers take a
scheme's name and the signer's options.
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
