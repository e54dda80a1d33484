"""Running the catalogue against a live endpoint, safely.

1. preflight: an anonymous ``GET /`` shows the endpoint answers HTTP at all (otherwise a usage
   error: unreachable, not HTTP), and its ``Date`` header gives the server's clock;
2. setup (S3): the bucket when ``--create-bucket`` asks for it, and two small seed objects;
3. the probes, at most ``concurrency`` at a time, each request bounded by ``timeout``, the whole
   run by ``max_requests`` and ``time_limit`` (a probe that cannot be sent within them is an
   ``error`` saying so);
4. cleanup: every key a probe sent a write for -- refusal probes included, since a lenient
   server stores what it should have refused -- and everything listed under the run's own prefix
   is deleted, then the bucket if the run created it.

Every object key starts with ``<prefix><run id>/``, a prefix unique to the run, so the cleanup can
never touch anything the run did not write.  Reports get copies of what was sent and answered with
every secret replaced (:class:`~.wire.Redactor`).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import importlib.util
import re
import secrets
import threading
import time as _time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from html import unescape
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import signers
from signers import Request, SigningError

from ..diff import text_diff
from . import craft
from .catalogue import for_service, plan
from .context import QUERY_OPERATIONS, Context, ProbeConfig
from .judge import accepted, describe, judge
from .model import (
    ERROR,
    INSECURE,
    PASS,
    SKIPPED,
    VERDICTS,
    Answer,
    NotApplicable,
    Outcome,
    Probe,
    Sent,
    SetupFailed,
)
from .wire import Endpoint, NotHttp, Redactor, TransportError, send

__all__ = ["UsageError", "ProbeRun", "Cleanup", "run", "features_of"]

Log = Callable[[str], None]


class UsageError(Exception):
    """Bad usage: an endpoint that cannot be probed as given (one line, exit status 2)."""


@dataclass
class Cleanup:
    """What the cleanup did: objects deleted, keys it could not delete, the bucket."""

    deleted: int = 0
    leftovers: List[str] = field(default_factory=list)
    bucket_removed: Optional[bool] = None
    notes: List[str] = field(default_factory=list)


@dataclass
class ProbeRun:
    """The result of a run (everything in it already redacted)."""

    endpoint: str
    region: str
    service: str
    bucket: Optional[str]
    run_prefix: str
    outcomes: List[Outcome]
    requests: int
    seconds: float
    clock_offset: float
    cleanup: Cleanup

    def counts(self) -> Dict[str, int]:
        tally = {verdict: 0 for verdict in VERDICTS}
        for outcome in self.outcomes:
            tally[outcome.verdict] += 1
        return tally

    def exit_status(self, *, strict: bool = False) -> int:
        """1 on any ``insecure``; with ``strict``, on anything but ``pass`` (skips aside)."""
        for outcome in self.outcomes:
            if outcome.verdict == INSECURE:
                return 1
            if strict and outcome.verdict not in (PASS, SKIPPED):
                return 1
        return 0


class _Budget:
    """The run's bounds: requests left, and the time by which a probe must have been sent."""

    def __init__(self, max_requests: int, time_limit: float) -> None:
        self._lock = threading.Lock()
        self.left = max_requests
        self.deadline = _time.monotonic() + time_limit

    def take(self) -> Optional[str]:
        """``None`` when a request may go, else why not."""
        with self._lock:
            if _time.monotonic() > self.deadline:
                return "not sent: the run's time limit (--time-limit) ran out"
            if self.left <= 0:
                return "not sent: the request budget (--max-requests) is spent"
            self.left -= 1
            return None


# -- preflight and setup ------------------------------------------------------------------------


def _send(ctx: Context, sent: Sent) -> Answer:
    ctx.counted()
    return send(ctx.endpoint, sent, ctx.config.timeout)


def _preflight(ctx: Context, log: Log) -> None:
    try:
        answer = _send(ctx, ctx.sent(ctx.request("GET", "/")))
    except NotHttp as exc:
        raise UsageError(f"{ctx.endpoint.base}: {exc}") from None
    except TransportError as exc:
        raise UsageError(f"cannot reach {ctx.endpoint.base}: {exc}") from None
    date = answer.header("date")
    if not date:
        return
    try:
        server = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return
    if server.tzinfo is None:
        server = server.replace(tzinfo=_dt.timezone.utc)
    offset = server - _dt.datetime.now(_dt.timezone.utc)
    if abs(offset.total_seconds()) > 30:
        ctx.clock_offset = offset
        log(f"note: the server's clock is {offset.total_seconds():+.0f} s from this one's; "
            "signing with the server's time")  # fmt: skip


def features_of(ctx: Context) -> frozenset:  # type: ignore[type-arg]
    """What this endpoint and installation offer, as the probes' ``requires`` name them."""
    found = set(ctx.config.features)
    found.add("s3" if ctx.config.s3 else "query-api")
    if not ctx.config.s3 and ctx.service not in QUERY_OPERATIONS:
        found.discard("query-api")
    if ctx.bucket is not None:
        found.add("bucket")
    found.add("session-token" if ctx.credentials.token else "no-session-token")
    if ctx.endpoint.default_port:
        found.add("default-port")
    try:
        signers.get_signer("sigv4a", region_set="*", service="s3")
        found.add("sigv4a")
    except SigningError:
        pass
    if importlib.util.find_spec("signers.streaming") is not None:
        found.add("streaming")
    return frozenset(found)


def _signed_send(ctx: Context, method: str, target: str, body: bytes = b"") -> Answer:
    """The setup's and cleanup's requests, in their most common form: SigV4 over host and the
    x-amz-* headers only (Content-Length added after signing)."""
    signed = ctx.sign("sigv4", Request(method, ctx.url(target), (), body))
    sent = ctx.sent(signed)
    if body or method in ("PUT", "POST"):
        sent = dataclasses.replace(
            sent, headers=(*sent.headers, ("Content-Length", str(len(body))))
        )
    return _send(ctx, sent)


def _create_bucket(ctx: Context, log: Log) -> bool:
    """Create the bucket; ``True`` when this run created it (and so removes it)."""
    body = b""
    if ctx.region != "us-east-1":
        body = (
            '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"<LocationConstraint>{ctx.region}</LocationConstraint></CreateBucketConfiguration>"
        ).encode("ascii")
    try:
        answer = _signed_send(ctx, "PUT", ctx.bucket_path(), body)
    except TransportError as exc:
        raise UsageError(f"--create-bucket: {exc}") from None
    if 200 <= answer.status < 300:
        log(f"created bucket {ctx.bucket!r}")
        return True
    if answer.code == "BucketAlreadyOwnedByYou":
        return False
    raise UsageError(
        f"--create-bucket: the server refused to create {ctx.bucket!r}: "
        f"{ctx.redactor(describe(answer))}"
    )


def _write_seeds(ctx: Context) -> None:
    for name in ("seed.txt", "seed-2.txt"):
        key = ctx.key(name)
        body = f"sigbridge probe seed {name}\n".encode("ascii")
        ctx.track([key])
        try:
            answer = _signed_send(ctx, "PUT", ctx.object_path(key), body)
        except TransportError as exc:
            ctx.seed_errors[key] = str(exc)
            continue
        if 200 <= answer.status < 300:
            ctx.seeds[key] = body
        elif answer.code == "NoSuchBucket":
            # Every probe would be judged by a 404 the server may give before authenticating.
            raise UsageError(
                f"bucket {ctx.bucket!r} does not exist (PUT {key!r} answered "
                f"{answer.status} NoSuchBucket); give an existing --bucket, or --create-bucket"
            )
        else:
            ctx.seed_errors[key] = "PUT answered " + ctx.redactor(describe(answer))


# -- one probe ----------------------------------------------------------------------------------


def _diffs(sent: Sent, answer: Answer) -> List[Tuple[str, str]]:
    out = []
    for stage, ours, theirs in (
        ("canonical request", sent.canonical_request, answer.canonical_request),
        ("string to sign", sent.string_to_sign, answer.string_to_sign),
    ):
        if ours is not None and theirs is not None and ours != theirs:
            out.append((stage, text_diff(ours, theirs)))
    return out


def _one(ctx: Context, probe: Probe, budget: _Budget) -> Outcome:
    started = _time.perf_counter()
    try:
        sent = probe.build(ctx)
    except NotApplicable as exc:
        return Outcome(probe, SKIPPED, str(exc))
    except SetupFailed as exc:
        return Outcome(probe, ERROR, str(exc))
    except SigningError as exc:
        return Outcome(probe, ERROR, f"could not build the request: {exc}")
    except Exception as exc:  # a defect in a builder costs one probe, not the run
        return Outcome(probe, ERROR, f"internal error building the request: {type(exc).__name__}")
    refused = budget.take()
    if refused is not None:
        return Outcome(probe, ERROR, refused, sent=sent)
    ctx.track(sent.writes)
    try:
        answer = _send(ctx, sent)
    except TransportError as exc:
        return Outcome(probe, ERROR, f"no answer: {exc}", sent=sent)
    verdict, detail = judge(probe, answer)
    diffs = _diffs(sent, answer) if verdict != PASS else []
    seconds = _time.perf_counter() - started
    return Outcome(probe, verdict, detail, sent, answer, diffs, seconds)


# -- cleanup ------------------------------------------------------------------------------------

_KEY = re.compile(r"<Key>(.*?)</Key>", re.S)
_TRUNCATED = re.compile(r"<IsTruncated>\s*true\s*</IsTruncated>", re.I)


def _listed(ctx: Context, notes: List[str]) -> Set[str]:
    """Every key under the run's prefix, as the server lists it (V1 listing, paged)."""
    found: Set[str] = set()
    marker = ""
    for _ in range(20):
        query = "prefix=" + craft.encode_key(ctx.run_prefix, safe="")
        if marker:
            query += "&marker=" + craft.encode_key(marker, safe="")
        try:
            answer = _signed_send(ctx, "GET", f"{ctx.bucket_path()}?{query}")
        except TransportError as exc:
            notes.append(f"could not list the run's prefix: {exc}")
            return found
        if not 200 <= answer.status < 300:
            notes.append(f"could not list the run's prefix: {describe(answer)}")
            return found
        text = answer.body.decode("utf-8", "replace")
        keys = [unescape(k) for k in _KEY.findall(text)]
        found.update(k for k in keys if k.startswith(ctx.run_prefix))
        if not keys or not _TRUNCATED.search(text):
            break
        marker = keys[-1]
    return found


# A server that stored a key sent with raw reserved characters may only find it that way.
_RAW_SAFE = "/~=:@*!'()"


def _delete(ctx: Context, key: str) -> bool:
    for safe in ("/~", _RAW_SAFE):
        try:
            answer = _signed_send(ctx, "DELETE", ctx.object_path(key, safe=safe))
        except TransportError:
            continue
        if accepted(answer.status):
            return True
    return False


def _cleanup(ctx: Context, created: bool, pool: ThreadPoolExecutor) -> Cleanup:
    result = Cleanup()
    if ctx.bucket is None:
        return result
    keys = set(ctx.written) | _listed(ctx, result.notes)
    deleted = list(pool.map(lambda k: (k, _delete(ctx, k)), sorted(keys)))
    result.deleted = sum(1 for _, ok in deleted if ok)
    remaining = _listed(ctx, [])
    result.leftovers = sorted(remaining | {k for k, ok in deleted if not ok and k in remaining})
    if created:
        try:
            answer = _signed_send(ctx, "DELETE", ctx.bucket_path())
            result.bucket_removed = accepted(answer.status)
            if not result.bucket_removed:
                result.notes.append(f"could not remove bucket {ctx.bucket!r}: {describe(answer)}")
        except TransportError as exc:
            result.bucket_removed = False
            result.notes.append(f"could not remove bucket {ctx.bucket!r}: {exc}")
    return result


# -- redaction ----------------------------------------------------------------------------------


def _redacted(outcome: Outcome, redact: Redactor) -> Outcome:
    def maybe(text: Optional[str]) -> Optional[str]:
        return redact(text) if text else None

    sent = outcome.sent
    if sent is not None:
        body = sent.body
        text = body.decode("utf-8", "replace")
        sent = dataclasses.replace(
            sent,
            target=redact(sent.target),
            headers=tuple((n, redact(v)) for n, v in sent.headers),
            body=redact(text).encode("utf-8"),
            canonical_request=maybe(sent.canonical_request),
            string_to_sign=maybe(sent.string_to_sign),
            secrets=(),
        )
    answer = outcome.answer
    if answer is not None:
        answer = dataclasses.replace(
            answer,
            headers=tuple((n, redact(v)) for n, v in answer.headers),
            body=redact(answer.body.decode("utf-8", "replace")).encode("utf-8"),
            message=maybe(answer.message),
            canonical_request=maybe(answer.canonical_request),
            string_to_sign=maybe(answer.string_to_sign),
        )
    return dataclasses.replace(
        outcome,
        detail=redact(outcome.detail),
        sent=sent,
        answer=answer,
        diffs=[(stage, redact(text)) for stage, text in outcome.diffs],
    )


# -- the run ------------------------------------------------------------------------------------


def _context(config: ProbeConfig) -> Context:
    try:
        endpoint = Endpoint(config.url)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not config.s3 and config.service not in QUERY_OPERATIONS:
        known = ", ".join(["s3", *sorted(QUERY_OPERATIONS)])
        raise UsageError(
            f"--service {config.service!r}: the probe knows a harmless call of: {known}"
        )
    bucket = config.bucket
    if bucket is None and config.create_bucket and config.s3:
        bucket = "sigbridge-probe-" + secrets.token_hex(6)
    creds = config.credentials
    redactor = Redactor([creds.secret_key, creds.token])
    run_prefix = config.prefix + secrets.token_hex(4) + "/"
    return Context(config, endpoint, redactor, run_prefix, bucket=bucket if config.s3 else None)


def run(
    config: ProbeConfig,
    *,
    probes: Optional[Sequence[Probe]] = None,
    log: Optional[Log] = None,
) -> ProbeRun:
    """Probe ``config.url``; :class:`UsageError` when the endpoint cannot be probed at all."""
    say: Log = log if log is not None else (lambda line: None)
    started = _time.monotonic()
    ctx = _context(config)
    catalogue = list(probes) if probes is not None else for_service(config.s3)
    ctx.features = features_of(ctx)
    try:
        chosen = plan(catalogue, ctx.features, schemes=config.schemes, cases=config.cases)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    _preflight(ctx, say)
    budget = _Budget(config.max_requests, config.time_limit)
    created = False
    if ctx.bucket is not None and any(skip is None for _, skip in chosen):
        if config.create_bucket:
            created = _create_bucket(ctx, say)
        _write_seeds(ctx)
        for key, why in ctx.seed_errors.items():
            say(f"note: could not write the seed object {key!r}: {why}")
    outcomes: List[Outcome] = []
    with ThreadPoolExecutor(max_workers=max(1, config.concurrency)) as pool:
        futures = [
            None if skip is not None else pool.submit(_one, ctx, probe, budget)
            for probe, skip in chosen
        ]
        try:
            for (probe, skip), future in zip(chosen, futures):
                if future is None:
                    outcomes.append(Outcome(probe, SKIPPED, skip or ""))
                else:
                    outcomes.append(future.result())
        except KeyboardInterrupt:
            # Interrupted: send nothing more, but still delete what was written.
            for future in futures:
                if future is not None:
                    future.cancel()
            _cleanup(ctx, created, pool)
            raise
        cleanup = _cleanup(ctx, created, pool)
    outcomes = [_redacted(o, ctx.redactor) for o in outcomes]
    for leftover in cleanup.leftovers:
        say(f"warning: could not delete {leftover!r}")
    for note in cleanup.notes:
        say("warning: " + ctx.redactor(note))
    return ProbeRun(
        endpoint=ctx.endpoint.base,
        region=ctx.region,
        service=ctx.service,
        bucket=ctx.bucket,
        run_prefix=ctx.run_prefix,
        outcomes=outcomes,
        requests=ctx.requests,
        seconds=_time.monotonic() - started,
        clock_offset=ctx.clock_offset.total_seconds(),
        cleanup=cleanup,
    )
