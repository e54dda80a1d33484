"""The values of a probe run: what a probe is, what it sent, what came back, and the verdict.

A :class:`Probe` is data -- a name, the AWS behaviour it expects and where that behaviour is
documented -- plus one function that builds the request (:class:`Sent`) from a
:class:`~conformance.probe.context.Context`.  The runner sends it, reads the answer
(:class:`Answer`) and judges it (:mod:`conformance.probe.judge`) into an :class:`Outcome`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, FrozenSet, List, Optional, Sequence, Tuple

__all__ = [
    "ACCEPT",
    "REFUSE",
    "PASS",
    "INCOMPATIBLE",
    "INSECURE",
    "LENIENT",
    "CODE_DIFFERS",
    "ERROR",
    "SKIPPED",
    "VERDICTS",
    "Probe",
    "Table",
    "Sent",
    "Answer",
    "Outcome",
    "NotApplicable",
    "SetupFailed",
    "header_value",
]

#: A correctly signed request that AWS accepts: a compatible server must accept it too.
ACCEPT = "accept"
#: A request AWS refuses (one component changed after signing, a bad key or time...).
REFUSE = "refuse"

PASS = "pass"
#: Refused what AWS accepts.
INCOMPATIBLE = "incompatible"
#: Accepted a request whose signature, key, token or time AWS would refuse.
INSECURE = "insecure"
#: Accepted what AWS refuses without weakening authentication (a scope for another region).
LENIENT = "lenient"
#: Refused, but not with AWS's code or status.
CODE_DIFFERS = "code-differs"
#: The exchange could not be judged: a transport failure, a 5xx, a budget exhausted.
ERROR = "error"
#: Not run: the probe does not apply to this endpoint or installation (the reason says why).
SKIPPED = "skipped"

#: Every verdict, in the order reports show them (``skipped`` is not a verdict on the server).
VERDICTS = (PASS, INCOMPATIBLE, INSECURE, LENIENT, CODE_DIFFERS, ERROR, SKIPPED)


class NotApplicable(Exception):
    """Raised by a probe's builder: the probe does not apply here (the message says why)."""


class SetupFailed(Exception):
    """Raised by a probe's builder: what it builds on (a seed object) could not be made."""


# Like signers.Request.header, over bare pairs: the probe's messages are not signers Requests.
def header_value(headers: Sequence[Tuple[str, str]], name: str) -> Optional[str]:
    """The first value of header ``name`` (case-insensitive) in ``headers``, or ``None``."""
    key = name.lower()
    for n, v in headers:
        if n.lower() == key:
            return v
    return None


@dataclass(frozen=True)
class Sent:
    """One HTTP request, exactly as it goes on the wire.

    ``target`` is the request target (path and query, already encoded); ``headers`` are sent in
    order, duplicates kept, ``Host`` among them.  ``writes`` are the object keys a lenient server
    may store (the runner deletes them afterwards); ``canonical_request`` and ``string_to_sign``
    are the client's side, for the diff against what the server says it computed; ``secrets``
    are values never to be shown (signatures of the caller's credentials).
    """

    method: str
    target: str
    headers: Tuple[Tuple[str, str], ...]
    body: bytes = b""
    writes: Tuple[str, ...] = ()
    canonical_request: Optional[str] = None
    string_to_sign: Optional[str] = None
    secrets: Tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Answer:
    """What the server answered: status, headers, the start of the body, and the AWS error code
    read from it (XML ``<Code>``, JSON ``__type``/``code``, or ``x-amzn-ErrorType``)."""

    status: int
    reason: str
    headers: Tuple[Tuple[str, str], ...]
    body: bytes
    code: Optional[str] = None
    message: Optional[str] = None
    canonical_request: Optional[str] = None
    string_to_sign: Optional[str] = None

    def header(self, name: str) -> Optional[str]:
        return header_value(self.headers, name)


#: What builds a probe's request: a function of the run's
#: :class:`~conformance.probe.context.Context` (the one argument; the values here stay below the
#: context, which sends them).
Builder = Callable[..., Sent]


@dataclass(frozen=True)
class Probe:
    """A named case: the request a builder makes and the AWS behaviour it is judged against.

    ``id`` is ``scheme/name`` (``@bucket`` / ``@service`` name where a credential refusal is
    tried).  For a refuse probe, ``codes`` are the AWS error codes that count as AWS's answer
    and ``status`` its HTTP status; ``if_accepted`` says what accepting it means (``insecure``
    or ``lenient``).  ``requires`` names what the endpoint or installation must offer (``s3``,
    ``query-api``, ``bucket``, ``seed``, ``session-token``, ``no-session-token``, ``sigv4a``,
    ``streaming``, ``default-port``); ``source`` is where AWS documents the behaviour.
    """

    id: str
    kind: str
    summary: str
    build: Builder
    source: str
    codes: Tuple[str, ...] = ()
    status: int = 0
    if_accepted: str = INSECURE
    requires: FrozenSet[str] = frozenset()

    @property
    def scheme(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def expected(self) -> str:
        """AWS's behaviour in words: ``2xx`` or ``403 SignatureDoesNotMatch``."""
        if self.kind == ACCEPT:
            return "accepted (2xx)"
        return f"{self.status} {' or '.join(self.codes)}"


@dataclass(frozen=True)
class Table:
    """What the probes of one catalogue's table share: what they require, and where AWS documents
    the behaviour when a row names no source.  A probe whose id holds ``@service`` (a credential
    refused before any bucket is looked at) requires ``service_requires`` instead, when given."""

    requires: FrozenSet[str]
    accept_source: str = ""
    refuse_source: str = ""
    service_requires: Optional[FrozenSet[str]] = None

    def accept(
        self, id: str, summary: str, build: Builder, source: str = "", *requires: str
    ) -> Probe:
        """A probe of a request AWS accepts."""
        needs = self._requires(id, requires)
        return Probe(id, ACCEPT, summary, build, source or self.accept_source, requires=needs)

    def refuse(
        self,
        id: str,
        summary: str,
        build: Builder,
        codes: Tuple[str, ...],
        status: int,
        source: str = "",
        *requires: str,
        if_accepted: str = INSECURE,
    ) -> Probe:
        """A probe of a request AWS refuses with one of ``codes`` and ``status``."""
        source = source or self.refuse_source
        needs = self._requires(id, requires)
        return Probe(id, REFUSE, summary, build, source, codes, status, if_accepted, needs)

    def _requires(self, id: str, more: Tuple[str, ...]) -> FrozenSet[str]:
        base = self.requires
        if self.service_requires is not None and "@service" in id:
            base = self.service_requires
        return base | frozenset(more)


@dataclass
class Outcome:
    """The verdict on one probe, with what was sent and answered (already redacted)."""

    probe: Probe
    verdict: str
    detail: str = ""
    sent: Optional[Sent] = None
    answer: Optional[Answer] = None
    diffs: List[Tuple[str, str]] = field(default_factory=list)  # (stage, diff text)
    seconds: float = 0.0
