"""Probes that need more than the core schemes: SigV4A (``AWS4-ECDSA-P256-SHA256``, needs the
``sigv4a`` extra), an ordinary GET and one with the path changed after signing.  (The browser
POST uploads have their own catalogue, :mod:`.catalogue_post`.)
"""

from __future__ import annotations

from typing import List

import signers
from signers import MissingDependency

from .context import Context
from .model import ACCEPT, REFUSE, NotApplicable, Probe, Sent

__all__ = ["PROBES", "SIGV4A"]

SIGV4A = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html"


def _sigv4a_get(ctx: Context) -> signers.SignedRequest:
    key, _ = ctx.seed()
    try:
        return ctx.sign("sigv4a", ctx.request("GET", ctx.object_path(key)))
    except MissingDependency as exc:
        raise NotApplicable(str(exc)) from None


def sigv4a_get(ctx: Context) -> Sent:
    return ctx.sent(_sigv4a_get(ctx))


def sigv4a_tamper_path(ctx: Context) -> Sent:
    other, _ = ctx.seed("seed-2.txt")
    return ctx.sent(_sigv4a_get(ctx), target=ctx.object_path(other))


_V4A = frozenset({"s3", "bucket", "sigv4a"})

PROBES: List[Probe] = [
    Probe("sigv4a/get-object", ACCEPT, "GET signed with SigV4A (ECDSA P-256) for the region",
          sigv4a_get, SIGV4A, requires=_V4A),
    Probe("sigv4a/tamper-path", REFUSE, "SigV4A, signed for one key, sent for another",
          sigv4a_tamper_path, SIGV4A, ("SignatureDoesNotMatch",), 403, requires=_V4A),
]  # fmt: skip
