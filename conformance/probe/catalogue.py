"""The probe catalogue: every probe, and which of them apply to an endpoint.

The probes are data (:class:`~.model.Probe` rows in the ``PROBES`` table of each catalogue
module) with one builder function each; this module joins the tables and decides what runs.  A
probe runs when the endpoint and installation offer everything it ``requires``; otherwise it is
listed as skipped with the reason.  New probes are new rows, with a requirement that names the
feature they need (:data:`REASONS` says how each one is read): the aws-chunked uploads of
:mod:`.catalogue_chunked` require ``streaming``; the browser POST uploads of
:mod:`.catalogue_post` need only ``s3`` and ``bucket``.
"""

from __future__ import annotations

import fnmatch
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from .model import Probe

__all__ = [
    "REASONS",
    "CATALOGUES",
    "all_probes",
    "for_service",
    "plan",
    "resolve_schemes",
    "missing",
]

#: Why a probe that requires a feature is skipped when the feature is absent.
REASONS: Dict[str, str] = {
    "s3": "the service is not S3",
    "query-api": "the service is not a query API the probe knows a harmless call of",
    "bucket": "needs --bucket (or --create-bucket)",
    "session-token": "needs session credentials (--session-token)",
    "no-session-token": "the credentials carry a session token",
    "sigv4a": "SigV4A needs the sigv4a extra (pip install 'sigbridge[sigv4a]')",
    "streaming": "aws-chunked signing (signers.streaming) is not in this installation",
    "default-port": "the endpoint is not on its scheme's default port",
}


#: The catalogue modules (in this package), each with its ``PROBES`` table.  The aws-chunked
#: probes' rows require ``streaming`` (:func:`.runner.features_of` finds it when
#: ``signers.streaming`` is installed).
CATALOGUES = (
    "catalogue_s3",
    "catalogue_legacy",
    "catalogue_extra",
    "catalogue_chunked",
    "catalogue_post",
    "catalogue_query",
)


def all_probes() -> List[Probe]:
    """Every probe of every catalogue (ids repeat between the S3 and the query-API ones)."""
    import importlib

    probes: List[Probe] = []
    for name in CATALOGUES:
        probes.extend(importlib.import_module(f".{name}", __package__).PROBES)
    return probes


def for_service(s3: bool) -> List[Probe]:
    """The probes of an S3 endpoint (``s3``) or of a query API; ids are unique within each."""
    wanted = "s3" if s3 else "query-api"
    return [p for p in all_probes() if wanted in p.requires]


def missing(probe: Probe, features: FrozenSet[str]) -> Optional[str]:
    """Why ``probe`` cannot run with ``features``, or ``None`` when it can."""
    for need in sorted(probe.requires - features):
        return REASONS.get(need, f"needs {need}")
    return None


def resolve_schemes(wanted: Sequence[str], probes: Iterable[Probe]) -> Tuple[str, ...]:
    """``--scheme`` values as probe schemes (a registered alias such as ``v4`` stands for its
    signer); ``ValueError`` naming the known ones for an unknown name."""
    import signers

    known = sorted({p.scheme for p in probes})
    aliases = {info.name: info.target for info in signers.schemes()}
    out: List[str] = []
    for name in wanted:
        target = name if name in known else aliases.get(name, name)
        if target not in known:
            raise ValueError(f"--scheme {name!r} is unknown here; available: {', '.join(known)}")
        out.append(target)
    return tuple(out)


def _matches(probe: Probe, pattern: str) -> bool:
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(probe.id, pattern)
    return pattern in probe.id


def plan(
    probes: Sequence[Probe],
    features: FrozenSet[str],
    *,
    schemes: Sequence[str] = (),
    cases: Sequence[str] = (),
) -> List[Tuple[Probe, Optional[str]]]:
    """The probes chosen by ``schemes`` and ``cases`` (globs or substrings of the id), each with
    the reason it is skipped (``None``: it runs).  A pattern that matches nothing is a
    ``ValueError``."""
    chosen = [p for p in probes if not schemes or p.scheme in schemes]
    for pattern in cases:
        if not any(_matches(p, pattern) for p in chosen):
            raise ValueError(f"--case {pattern!r} matches no probe")
    if cases:
        chosen = [p for p in chosen if any(_matches(p, c) for c in cases)]
    return [(p, missing(p, features)) for p in chosen]
