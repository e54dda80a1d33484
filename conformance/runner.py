"""The signer x vector matrix: who runs what, and a stage-by-stage verdict for each pair.

A signer declares the features it covers; a vector the features it requires (at least
``family:location``).  A pair runs when the vector's requirements are a subset of the signer's
features.  A vector whose ``family:location`` no registered signer covers is skipped under its
family with that reason; one whose primary feature is covered but which needs more is skipped under
the signer, naming what is missing.

A run builds the signer with ``factory(**vector.options)``, signs with
``signer.sign(vector.request, vector.credentials, at=vector.time)`` and compares the stages in
:data:`~conformance.vectors.STAGES` order, stopping at the first that differs.  A signer whose
signatures are randomized (SigV4A's ECDSA) says so by providing ``verify_signature(string_to_sign,
signature, public_key)`` and ``public_key(credentials)``: its signature stage is checked by
verifying both the expected signature and its own with the case's ``public-key.json`` (which its
derived key must equal), and the Authorization header and signed request are compared with the
signature values left out.  A signer that cannot be built for want of an optional package
(:class:`~signers.errors.MissingDependency`) is skipped with that reason.

Cases that are not a request to sign (POST policies, event streams: :data:`~conformance.vectors.
KINDS`) are run by :func:`capabilities`: the library's features that are not signers in the
registry's sense, declared here with the features they cover.  Their factory makes what the case's
module (:mod:`conformance.post`, :mod:`conformance.events`) runs the case with, stage by stage.
Use it from code::

    from conformance.runner import plan, run
    for job in plan():
        result = job.run()
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import re
import time as _time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import signers
from signers import MissingDependency, SignedRequest

from . import events, post
from .diff import text_diff
from .httpfile import HttpMessage, compare_http, parse_http, render_signed
from .streaming import check_chain, sign_case
from .vectors import Catalog, Vector, scan

__all__ = [
    "PASSED",
    "FAILED",
    "SKIPPED",
    "XFAILED",
    "XPASSED",
    "STATUSES",
    "Job",
    "Result",
    "Run",
    "plan",
    "select",
    "run",
    "registered_signers",
    "capabilities",
    "describe",
]

PASSED = "passed"
FAILED = "failed"
SKIPPED = "skipped"
XFAILED = "xfailed"
XPASSED = "xpassed"
#: Every status, in the order the report shows them.
STATUSES = (PASSED, FAILED, SKIPPED, XFAILED, XPASSED)


@dataclass(frozen=True)
class Result:
    """The verdict on one job.  ``stage`` is the first stage that differed (or ``sign`` / ``load``
    when signing raised or the case could not be read); ``diff`` shows the difference with
    whitespace made visible; ``message`` is one line (the skip or xfail reason, or the failure)."""

    id: str
    scheme: str
    status: str
    message: str = ""
    stage: Optional[str] = None
    diff: str = ""
    vector: Optional[Vector] = None
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        """Not a failure: passed, skipped or an expected failure."""
        return self.status in (PASSED, SKIPPED, XFAILED)


@dataclass(frozen=True)
class Job:
    """One (signer, vector) pair, or a vector skipped because no signer can take it.

    ``scheme`` is the signer's name, or the vector's family when no signer covers it.
    """

    id: str
    scheme: str
    vector: Optional[Vector]
    factory: Optional[Callable[..., Any]] = None
    skip: Optional[str] = None
    problem: Optional[str] = None  # a case that could not be read

    def run(self) -> Result:
        """Sign and compare; never raises for a signer's or a vector's fault."""
        if self.problem is not None:
            return Result(self.id, self.scheme, FAILED, self.problem, stage="load")
        vector = self.vector
        if self.skip is not None or self.factory is None or vector is None:
            return Result(self.id, self.scheme, SKIPPED, self.skip or "", vector=vector)
        started = _time.perf_counter()
        try:
            stage, message, diff = _check(self.factory, vector)
        except MissingDependency as exc:
            return Result(self.id, self.scheme, SKIPPED, str(exc), vector=vector)
        duration = _time.perf_counter() - started
        status = PASSED if stage is None else FAILED
        if vector.xfail:
            if status == FAILED:
                status, message = XFAILED, f"{vector.xfail} (fails at {stage}: {message})"
            else:
                status, message = XPASSED, f"passed unexpectedly; marked xfail: {vector.xfail}"
        return Result(self.id, self.scheme, status, message, stage, diff, vector, duration)


def _check(factory: Callable[..., Any], vector: Vector) -> Tuple[Optional[str], str, str]:
    """``(first differing stage, one-line message, diff)``; the stage is ``None`` when all match.

    Raises :class:`~signers.errors.MissingDependency` when the signer cannot be built here.
    """
    if vector.kind != "request":
        return _check_kind(factory, vector)
    chain: Any = None
    stream: Any = None
    signed: Any = None
    try:
        signer = factory(**vector.options)
        if vector.stream is not None:
            signed, chain, stream = sign_case(signer, vector)
        else:
            signed = signer.sign(vector.request, vector.credentials, at=vector.time)
    except MissingDependency:
        raise
    except Exception as exc:
        text = str(exc).replace("\r", "\\r").replace("\n", "\\n")
        return "sign", f"{type(exc).__name__}: {text}" if text else type(exc).__name__, ""
    if not isinstance(signed, SignedRequest):
        return "sign", f"sign() returned {type(signed).__name__}, not signers.SignedRequest", ""
    hook = getattr(signer, "verify_signature", None)
    randomized: Optional[Tuple[Callable[..., bool], Tuple[str, str]]] = None
    if callable(hook):
        # Randomized signatures: verified with the public key, never compared byte for byte.
        try:
            public_key, problem = _public_key(signer, vector)
        except MissingDependency:
            raise
        except Exception as exc:  # the signer's fault: a failure, not a crash
            public_key, problem = None, f"public_key() raised {type(exc).__name__}: {exc}"
        if public_key is None:
            return "public-key", problem.replace("\r", "\\r").replace("\n", "\\n"), ""
        randomized = (_verifier(hook), public_key)
    for stage, expected in vector.expected.items():
        if stage == "signed-request":
            want, got = parse_http(expected), parse_http(render_signed(signed))
            if randomized is not None:
                signatures = (_embedded_signature(want), _embedded_signature(got))
                problem = _check_signatures(*randomized, vector, signed, stage, signatures)
                if problem:
                    return stage, problem, ""
                want, got = _mask_message(want), _mask_message(got)
            problems = compare_http(want, got)
            if problems:
                return stage, problems[0], "\n".join(problems)
            continue
        actual = _artifact(stage, signed)
        if actual is None:
            return stage, f"the signer produced no {stage}", ""
        if stage in ("signature", "authorization"):
            # Tokens on one line: the file's final newline (if any) is not part of them.
            expected = expected.strip()
        if randomized is not None and stage == "signature":
            signatures = (expected, signed.artifacts.signature)
            problem = _check_signatures(*randomized, vector, signed, stage, signatures)
            if problem:
                return stage, problem, ""
            continue
        if randomized is not None and stage == "authorization":
            expected, actual = _mask_signature(expected), _mask_signature(actual)
        if actual != expected:
            diff = text_diff(expected, actual)
            return stage, diff.split("\n", 1)[0], diff
    if vector.stream is not None:
        return check_chain(vector, signed, chain, stream, randomized)
    return None, "", ""


#: How a case of each kind other than ``request`` is run, given what its factory made.
_KIND_CHECKS: Mapping[str, Callable[[Any, Vector], Tuple[Optional[str], str, str]]] = {
    "post-policy": post.check_case,
    **events.CHECKS,
}


def _check_kind(factory: Callable[..., Any], vector: Vector) -> Tuple[Optional[str], str, str]:
    check = _KIND_CHECKS.get(vector.kind)
    if check is None:
        return "load", f"no way to run a case of kind {vector.kind!r}", ""
    try:
        return check(factory(**vector.options), vector)
    except MissingDependency:
        raise
    except Exception as exc:  # a fault of the capability's: a failure, not a crash
        text = str(exc).replace("\r", "\\r").replace("\n", "\\n")
        return "sign", f"{type(exc).__name__}: {text}" if text else type(exc).__name__, ""


# -- randomized signatures (SigV4A) ---------------------------------------------------------------

_PUBLIC_KEY_FILE = "public-key.json"
_SIGNATURE_VALUE = re.compile(r"(Signature=)([^,\s&]*)")
_MASK = "<verified>"


def _verifier(hook: Callable[..., Any]) -> Callable[..., bool]:
    """The signer's verify_signature, answering False where it raises (a signer's fault)."""

    def verify(string_to_sign: str, signature: str, public_key: Tuple[str, str]) -> bool:
        try:
            return bool(hook(string_to_sign, signature, public_key))
        except MissingDependency:
            raise
        except Exception:
            return False

    return verify


def _public_key(signer: Any, vector: Vector) -> Tuple[Optional[Tuple[str, str]], str]:
    """The key to verify with: the case's ``public-key.json``, which the signer's key derived from
    the credentials must equal; without the file, the derived key."""
    derive = getattr(signer, "public_key", None)
    if not callable(derive):
        return None, "the signer has verify_signature() but no public_key(credentials)"
    derived = tuple(str(part).lower() for part in derive(vector.credentials))
    if _PUBLIC_KEY_FILE not in vector.extras:
        return (derived[0], derived[1]), ""
    try:
        data = json.loads((vector.source / _PUBLIC_KEY_FILE).read_text(encoding="utf-8"))
        published = (str(data["X"]).lower(), str(data["Y"]).lower())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, f"{_PUBLIC_KEY_FILE}: cannot read X and Y ({type(exc).__name__})"
    if derived != published:
        return None, (
            f"the public key derived from the credentials (X={derived[0]}, Y={derived[1]}) is "
            f"not {_PUBLIC_KEY_FILE}'s (X={published[0]}, Y={published[1]})"
        )
    return published, ""


#: Why a randomized signature fails, by stage and side: the signature stage's come from the stage
#: file and the artifacts, the signed request's are read from the two signed requests.
_DOES_NOT_VERIFY = {
    ("signature", "expected"): "the expected signature does not verify with the public key "
    "(a defect in the case)",
    (
        "signature",
        "our",
    ): "our signature does not verify over our string to sign with the public key",
    ("signed-request", "expected"): "the expected signed request's signature does not verify "
    "with the public key",
    ("signed-request", "our"): "the our signed request's signature does not verify with the "
    "public key",
}


def _check_signatures(
    verify_signature: Callable[..., bool],
    public_key: Tuple[str, str],
    vector: Vector,
    signed: SignedRequest,
    stage: str,
    signatures: Tuple[Optional[str], Optional[str]],
) -> str:
    """The expected signature must verify over the expected string to sign (ours where the case
    has none), ours over ours; ``signatures``: the expected one and ours, as ``stage`` has them."""
    ours = signed.artifacts.string_to_sign
    strings = (vector.expected.get("string-to-sign", ours), ours)
    for label, string_to_sign, signature in zip(("expected", "our"), strings, signatures):
        if signature is None:
            return f"the {label} signed request carries no signature"
        if not verify_signature(string_to_sign, signature, public_key):
            return _DOES_NOT_VERIFY[stage, label]
    return ""


def _embedded_signature(message: HttpMessage) -> Optional[str]:
    for name, value in message.headers:
        if name.lower() == "authorization":
            found = _SIGNATURE_VALUE.search(value)
            return found.group(2) if found else None
    for part in message.query.split("&"):
        name, _, value = part.partition("=")
        if name.lower() == "x-amz-signature":
            return value
    return None


def _mask_signature(text: str) -> str:
    return _SIGNATURE_VALUE.sub(lambda m: m.group(1) + _MASK, text)


def _mask_message(message: HttpMessage) -> HttpMessage:
    """``message`` with the signature values (Authorization's, X-Amz-Signature's) masked."""
    headers = tuple(
        (name, _mask_signature(value) if name.lower() == "authorization" else value)
        for name, value in message.headers
    )
    path, mark, query = message.target.partition("?")
    if mark:
        parts = []
        for part in query.split("&"):
            name, eq, _ = part.partition("=")
            parts.append(name + eq + _MASK if name.lower() == "x-amz-signature" else part)
        path = path + "?" + "&".join(parts)
    return dataclasses.replace(message, headers=headers, target=path)


def _artifact(stage: str, signed: SignedRequest) -> Optional[str]:
    artifacts = signed.artifacts
    if stage == "canonical-request":
        return artifacts.canonical_request
    if stage == "string-to-sign":
        return artifacts.string_to_sign
    if stage == "signature":
        return artifacts.signature
    if stage == "authorization":
        return signed.request.header("authorization")
    raise ValueError(f"unknown stage {stage!r}")


@dataclass(frozen=True)
class Run:
    """The results of a run, and what the registry could not load."""

    results: List[Result]
    load_errors: Mapping[str, str]
    root: str = ""

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def by_scheme(self) -> Dict[str, List[Result]]:
        out: Dict[str, List[Result]] = {}
        for result in self.results:
            out.setdefault(result.scheme, []).append(result)
        return out


def registered_signers() -> List[signers.registry.SchemeInfo]:
    """The registry's signers (aliases left out: they run as the signer they stand for)."""
    return signers.schemes(include_aliases=False)


def capabilities() -> List[signers.registry.SchemeInfo]:
    """The library's features that are not registry signers, as the harness runs them:
    ``post-policy`` (:class:`conformance.post.PostPolicyAPI`) and ``eventstream``
    (:class:`conformance.events.EventStreamAPI`), each with the features it covers."""
    apis: Tuple[Any, ...] = (post.PostPolicyAPI, events.EventStreamAPI)
    return [
        signers.registry.SchemeInfo(
            api.name, api.name, api.description, api.features, api, None, "sigbridge"
        )
        for api in apis
    ]


def _locations_of(features: Iterable[str], family: str) -> int:
    prefix = family + ":"
    return sum(1 for f in features if f.startswith(prefix))


def plan(
    catalog: Union[Catalog, Sequence[Vector], None] = None,
    infos: Optional[Sequence[signers.registry.SchemeInfo]] = None,
) -> List[Job]:
    """Every job: each signer against each vector whose primary feature it covers, and a skip
    under the family for each vector no signer covers.  Defaults: the bundled vectors, every
    registered signer and the harness's :func:`capabilities`."""
    if catalog is None:
        catalog = scan()
    if isinstance(catalog, Catalog):
        vectors, problems = catalog.vectors, catalog.problems
    else:
        vectors, problems = list(catalog), []
    if infos is None:
        infos = registered_signers() + capabilities()
    jobs: List[Job] = []
    unclaimed: List[Job] = []
    for vector in vectors:
        claimed = False
        for info in infos:
            if info.factory is None or vector.feature not in info.features:
                continue
            claimed = True
            job_id = f"{info.name}::{vector.case}"
            if _locations_of(info.features, vector.family) > 1:
                job_id += f"@{vector.location}"
            missing = vector.requires - info.features
            skip = None
            if missing:
                skip = f"{info.name} lacks feature(s) {', '.join(sorted(missing))}"
            elif not vector.expected:
                skip = f"the case has no {vector.location}-*.txt files to compare"
            jobs.append(Job(job_id, info.name, vector, info.factory, skip))
        if not claimed:
            unclaimed.append(
                Job(
                    vector.id,
                    vector.family,
                    vector,
                    skip=f"no registered signer implements {vector.feature}",
                )
            )
    for case, reason in problems:
        family = case.split("/", 1)[0]
        unclaimed.append(Job(f"load::{case}", family, None, problem=f"cannot read case: {reason}"))
    jobs.sort(key=lambda j: (j.scheme, j.id))
    unclaimed.sort(key=lambda j: (j.scheme, j.id))
    return jobs + unclaimed


def _case_names(job: Job) -> List[str]:
    """The case as users type it: its path (``aws4_testsuite/normalize-path/get-slash``) and
    every tail of it after a ``/`` (``normalize-path/get-slash``, ``get-slash``)."""
    case = job.vector.case if job.vector is not None else job.id.partition("::")[2]
    parts = case.split("/")
    return ["/".join(parts[i:]) for i in range(len(parts))]


def _matches(job: Job, pattern: str) -> bool:
    if any(ch in pattern for ch in "*?["):
        # A glob with '::' is over the whole id (with and without its @location); without,
        # over the case name, so that 'get-vanilla*' matches 'sigv4::v4/get-vanilla'.
        if "::" in pattern:
            names = [job.id, job.id.partition("@")[0]]
            if job.vector is not None:
                names.append(job.vector.id)
        else:
            names = _case_names(job)
        return any(fnmatch.fnmatchcase(name, pattern) for name in names)
    names = [job.id]
    if job.vector is not None:
        names += [job.vector.id, job.vector.case]
    return any(pattern in name for name in names)


def select(
    jobs: Sequence[Job],
    *,
    schemes: Sequence[str] = (),
    cases: Sequence[str] = (),
) -> List[Job]:
    """Jobs of the given schemes (signer names or families) whose id or case matches a pattern.

    A pattern with ``*``, ``?`` or ``[`` is a glob: with ``::`` over the whole job id
    (``sigv4-query::*vanilla*``), without over the case name as users type it -- the case path
    or any tail of it after a ``/`` (``get-vanilla*``, ``v4/get-*``, ``normalize-path/*``).
    Anything else is a substring of the job id, vector id or case path.
    """
    out = [j for j in jobs if not schemes or j.scheme in schemes]
    if cases:
        out = [j for j in out if any(_matches(j, p) for p in cases)]
    return out


def run(
    jobs: Optional[Sequence[Job]] = None,
    *,
    root: str = "",
    load_errors: Optional[Mapping[str, str]] = None,
) -> Run:
    """Run ``jobs`` (default: :func:`plan` of everything bundled)."""
    if jobs is None:
        jobs = plan()
    if load_errors is None:
        load_errors = signers.load_errors()
    return Run([job.run() for job in jobs], dict(load_errors), root)


def describe(result: Result) -> str:
    """One line for a result: id, status and why."""
    text = f"{result.id}: {result.status}"
    if result.stage:
        text += f" at {result.stage}"
    if result.message:
        text += ": " + result.message.replace("\n", "⏎")
    return text
