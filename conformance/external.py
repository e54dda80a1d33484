"""External signers: a program in any language runs through the harness over a JSON-lines pipe.

Protocol ``sigbridge-signer`` version 1 (the JSON Schema is ``protocol.schema.json`` beside this
module; the examples are in ``conformance/examples/``).  One JSON object per line, UTF-8:

1. the program prints a handshake first::

       {"type": "hello", "protocol": 1, "name": "my-sdk", "version": "1.2.3",
        "schemes": ["sigv4", "sigv4-query"]}

   (``features`` may map a scheme to the features it covers; by default those of sigbridge's
   own signer of that name);
2. the harness writes one ``case`` line per vector that applies to a declared scheme: the
   scheme, its options (sigbridge's option names: ``region``, ``service``, ``normalize_path``,
   ``sign_body``, ``session_token``, ``expires``, ``s3`` ...), the request (method, URL as sent,
   headers as ``[name, value]`` pairs in order, the body in base64, and ``payload``: ``body``,
   ``UNSIGNED-PAYLOAD`` or a precomputed hex hash), the credentials and the signing time;
3. the program answers each case with one line: ``{"id", "status": "signed", "request",
   "canonical_request"?, "string_to_sign"?, "signature"?}``, or ``"unsupported"`` with a
   ``reason`` (the case is skipped), or ``"error"`` with a ``message`` (the case fails);
4. at the end the harness closes the program's standard input; the program exits.

Stages the program does not report are skipped, not failed.  A crash, a timeout or a malformed
answer fails that case with the reason, and the harness starts the program again for the next
case (giving up, with that reason on every remaining case, after three failed starts in a row).

Version 1 carries requests to sign and nothing else: the cases it cannot express -- aws-chunked
bodies (a chain of chunk signatures), POST policies and event streams -- are never sent; they are
listed as skipped with that reason (:func:`not_carried`), the POST and event-stream ones under
their family whatever the program declares.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import json
import os
import queue
import shlex
import subprocess
import threading
import time as _time
from collections import deque
from typing import IO, Any, Deque, Dict, List, Mapping, Optional, Sequence, Tuple

import signers
from signers import (
    Artifacts,
    MissingDependency,
    PayloadHash,
    Request,
    SignedRequest,
)

from .runner import FAILED, PASSED, SKIPPED, XFAILED, XPASSED, Job, Result, _check, plan
from .vectors import Catalog, Vector

__all__ = [
    "PROTOCOL",
    "PROTOCOL_VERSION",
    "SignerError",
    "Hello",
    "ExternalSigner",
    "case_message",
    "not_carried",
    "external_jobs",
    "run_external",
    "describe_hello",
]

PROTOCOL = "sigbridge-signer"
#: The schemes a program may declare (sigbridge's names).
SCHEMES = ("sigv4", "sigv4-query", "sigv4a", "sigv4a-query", "sigv2", "s3-v2", "s3-v2-query")
PROTOCOL_VERSION = 1
DEFAULT_TIMEOUT = 10.0
MAX_LINE = 16 * 1024 * 1024
_STARTS = 3
_STAGE_FIELDS = {
    "canonical-request": "canonical_request",
    "string-to-sign": "string_to_sign",
    "signature": "signature",
}


class SignerError(Exception):
    """The program failed: it could not start, crashed, timed out or answered malformed."""


@dataclasses.dataclass(frozen=True)
class Hello:
    """The program's handshake."""

    name: str
    version: str
    schemes: Tuple[str, ...]
    features: Mapping[str, Tuple[str, ...]]


def _time_text(at: _dt.datetime) -> str:
    return at.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _payload(request: Request) -> str:
    body = request.body
    if isinstance(body, bytes):
        return "body"
    if isinstance(body, PayloadHash):
        return body.hex
    return "UNSIGNED-PAYLOAD"


def not_carried(vector: Vector) -> Optional[str]:
    """Why the protocol cannot send ``vector`` to a program, or ``None`` when it can."""
    what = None
    if vector.kind != "request":
        what = f"{vector.family} cases"
    elif vector.stream is not None:
        what = "aws-chunked bodies"
    if what is None:
        return None
    return (
        f"not sent to external signers: protocol version {PROTOCOL_VERSION} carries requests "
        f"to sign, not {what}"
    )


def case_message(case_id: str, scheme: str, vector: Vector) -> Dict[str, Any]:
    """The ``case`` line for ``vector`` signed as ``scheme`` (a ``ValueError`` for a vector the
    protocol does not carry: :func:`not_carried`)."""
    request, credentials, at = vector.request, vector.credentials, vector.time
    reason = not_carried(vector)
    if reason is not None or request is None or credentials is None or at is None:
        raise ValueError(f"{vector.id}: {reason or 'not a request to sign'}")
    body = request.body if isinstance(request.body, bytes) else b""
    return {
        "type": "case",
        "id": case_id,
        "scheme": scheme,
        "family": vector.family,
        "location": vector.location,
        "options": dict(vector.options),
        "requires": sorted(vector.requires),
        "request": {
            "method": request.method,
            "url": request.url,
            "headers": [[name, value] for name, value in request.headers],
            "body_base64": base64.b64encode(body).decode("ascii"),
            "payload": _payload(request),
        },
        "credentials": {
            "access_key_id": credentials.access_key,
            "secret_access_key": credentials.secret_key,
            "session_token": credentials.token,
        },
        "time": _time_text(at),
    }


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "..."


def _read_lines(stream: IO[bytes], into: queue.Queue[Optional[bytes]]) -> None:
    try:
        for line in iter(lambda: stream.readline(MAX_LINE), b""):
            into.put(line)
    except (OSError, ValueError):
        pass
    into.put(None)  # end of output


def _drain(stream: IO[bytes], tail: Deque[str]) -> None:
    try:
        for line in iter(stream.readline, b""):
            tail.append(line.decode("utf-8", "replace").rstrip())
    except (OSError, ValueError):
        pass


class ExternalSigner:
    """The program behind ``--signer``: started on demand, restarted after a failure."""

    def __init__(self, command: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.argv = shlex.split(command)
        if not self.argv:
            raise SignerError("--signer: the command is empty")
        self.timeout = timeout
        self.hello: Optional[Hello] = None
        self.restarts = 0
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._lines: queue.Queue[Optional[bytes]] = queue.Queue()
        self._stderr: Deque[str] = deque(maxlen=5)
        self._failed_starts = 0
        self._last_failure = ""

    # -- the process ------------------------------------------------------------------------

    def start(self) -> Hello:
        """Start the program and read its handshake; :class:`SignerError` when that fails."""
        self.close()
        try:
            self._process = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=dict(os.environ, PYTHONUNBUFFERED="1"),
            )
        except OSError as exc:
            raise SignerError(f"cannot start {self.argv[0]!r}: {exc.strerror or exc}") from None
        self._lines = queue.Queue()
        self._stderr = deque(maxlen=5)
        process = self._process
        assert process.stdout is not None and process.stderr is not None
        threading.Thread(
            target=_read_lines, args=(process.stdout, self._lines), daemon=True
        ).start()
        threading.Thread(target=_drain, args=(process.stderr, self._stderr), daemon=True).start()
        hello = self._parse_hello(self._receive("the handshake"))
        if self.hello is not None and (hello.name, hello.schemes) != (
            self.hello.name,
            self.hello.schemes,
        ):
            raise SignerError("the program's handshake changed after a restart")
        self.hello = hello
        return hello

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def _why_dead(self) -> str:
        process = self._process
        code = process.poll() if process is not None else None
        what = (
            "the signer closed its output"
            if code is None
            else f"the signer exited with status {code}"
        )
        if self._stderr:
            what += f" (stderr: {_one_line(' | '.join(self._stderr), 200)})"
        return what

    def _receive(self, what: str) -> Dict[str, Any]:
        try:
            line = self._lines.get(timeout=self.timeout)
        except queue.Empty:
            raise SignerError(f"no answer to {what} within {self.timeout:g} s") from None
        if line is None:
            _time.sleep(0.05)  # (let the exit status and stderr arrive)
            raise SignerError(self._why_dead())
        try:
            message = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            shown = _one_line(line.decode("utf-8", "replace"), 120)
            raise SignerError(f"malformed answer to {what}: not a JSON line: {shown!r}") from None
        if not isinstance(message, dict):
            raise SignerError(f"malformed answer to {what}: not a JSON object")
        return message

    @staticmethod
    def _parse_hello(message: Mapping[str, Any]) -> Hello:
        if message.get("type") != "hello":
            raise SignerError('the first line must be the handshake {"type": "hello", ...}')
        version = message.get("protocol")
        if version != PROTOCOL_VERSION:
            raise SignerError(
                f"the program speaks protocol {version!r}; this harness speaks {PROTOCOL_VERSION}"
            )
        schemes = message.get("schemes")
        if (
            not isinstance(schemes, list)
            or not schemes
            or not all(isinstance(s, str) for s in schemes)
        ):
            raise SignerError("the handshake's 'schemes' must be a non-empty list of names")
        unknown = [s for s in schemes if s not in SCHEMES]
        if unknown:
            known = ", ".join(SCHEMES)
            raise SignerError(
                f"the handshake names scheme {unknown[0]!r}; the protocol's are {known}"
            )
        features: Dict[str, Tuple[str, ...]] = {}
        raw = message.get("features") or {}
        if not isinstance(raw, dict):
            raise SignerError("the handshake's 'features' must map a scheme to a list")
        for scheme, names in raw.items():
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise SignerError(f"the handshake's features of {scheme!r} must be a list")
            features[str(scheme)] = tuple(names)
        return Hello(
            name=str(message.get("name") or "external"),
            version=str(message.get("version") or ""),
            schemes=tuple(schemes),
            features=features,
        )

    # -- one case ---------------------------------------------------------------------------

    def ask(self, message: Mapping[str, Any]) -> Dict[str, Any]:
        """Send a case and read its answer.  On any failure the program is stopped (the next
        case starts it again) and :class:`SignerError` says why."""
        if self._process is None or self._process.poll() is not None:
            if self._failed_starts >= _STARTS:
                raise SignerError(f"gave up restarting the signer: {self._last_failure}")
            try:
                self.start()
                self.restarts += 1
            except SignerError as exc:
                self._failed_starts += 1
                self._last_failure = str(exc)
                self.close()
                raise
            self._failed_starts = 0
        process = self._process
        assert process is not None and process.stdin is not None
        try:
            process.stdin.write(json.dumps(message).encode("utf-8") + b"\n")
            process.stdin.flush()
            answer = self._receive("the case")
        except (OSError, ValueError):
            failure = SignerError(self._why_dead())
            self.close()
            raise failure from None
        except SignerError:
            self.close()
            raise
        if answer.get("id") != message.get("id"):
            self.close()
            raise SignerError(
                f"malformed answer: id {answer.get('id')!r} is not {message.get('id')!r}"
            )
        return answer


# -- answers into results -----------------------------------------------------------------------


def _signed_request(answer: Mapping[str, Any], vector: Vector) -> SignedRequest:
    """The program's signed request as a :class:`SignedRequest`; ``SignerError`` if malformed."""
    raw = answer.get("request")
    if not isinstance(raw, dict):
        raise SignerError("malformed answer: 'request' is missing")
    try:
        body = base64.b64decode(str(raw.get("body_base64") or ""), validate=True)
        headers = [(str(n), str(v)) for n, v in raw.get("headers") or []]
        request = Request(str(raw["method"]), str(raw["url"]), headers, body)
    except (KeyError, TypeError, ValueError, signers.SigningError) as exc:
        raise SignerError(
            f"malformed answer: the signed request: {_one_line(str(exc), 160)}"
        ) from None
    texts: Dict[str, Optional[str]] = {}
    for field in _STAGE_FIELDS.values():
        value = answer.get(field)
        if value is not None and not isinstance(value, str):
            raise SignerError(f"malformed answer: {field!r} must be a string")
        texts[field] = value
    sts = texts["string_to_sign"]
    if sts is None and vector.family == "sigv4a":
        sts = vector.expected.get("string-to-sign")  # its signature must verify over that one
    artifacts = Artifacts(
        canonical_request=texts["canonical_request"],
        string_to_sign=sts or "",
        signature=texts["signature"] or "",
    )
    return SignedRequest(request=request, artifacts=artifacts, scheme=vector.family)


class _Signed:
    """A signer that returns what the program signed (and, for SigV4A, verifies with sigbridge's
    public SigV4A functions, since ECDSA signatures are randomized)."""

    def __init__(self, signed: SignedRequest, family: str) -> None:
        self._signed = signed
        if family == "sigv4a":
            import signers.sigv4a as sigv4a

            sigv4a.require_cryptography()
            self.verify_signature = sigv4a.verify_signature
            self.public_key = sigv4a.public_key

    def sign(self, request: Any, credentials: Any, at: Any = None) -> SignedRequest:
        return self._signed


def run_external(signer: ExternalSigner, job: Job) -> Result:
    """Run one job through the program: skipped, failed with the reason, or compared stage by
    stage (the stages it reported)."""
    vector = job.vector
    if job.problem is not None:
        return Result(job.id, job.scheme, FAILED, job.problem, stage="load")
    if job.skip is not None or vector is None:
        return Result(job.id, job.scheme, SKIPPED, job.skip or "", vector=vector)
    started = _time.perf_counter()
    try:
        answer = signer.ask(case_message(job.id, job.scheme, vector))
        status = answer.get("status")
        if status == "unsupported":
            reason = _one_line(str(answer.get("reason") or "unsupported by the signer"))
            return Result(job.id, job.scheme, SKIPPED, reason, vector=vector)
        if status == "error":
            raise SignerError("the signer refused: " + _one_line(str(answer.get("message") or "")))
        if status != "signed":
            raise SignerError(
                f"malformed answer: status {status!r} is not signed, unsupported or error"
            )
        signed = _signed_request(answer, vector)
    except SignerError as exc:
        return _failed(job, vector, str(exc), _time.perf_counter() - started)
    reported = {stage for stage, field in _STAGE_FIELDS.items() if answer.get(field) is not None}
    dropped = {
        s: "not reported by the signer"
        for s in vector.expected
        if s in _STAGE_FIELDS and s not in reported
    }
    checked = dataclasses.replace(
        vector,
        expected={s: t for s, t in vector.expected.items() if s not in dropped},
        unchecked={**vector.unchecked, **dropped},
    )
    try:
        stage, message, diff = _check(lambda **_: _Signed(signed, vector.family), checked)
    except MissingDependency as exc:
        return Result(job.id, job.scheme, SKIPPED, str(exc), vector=vector)
    outcome = PASSED if stage is None else FAILED
    if vector.xfail:
        outcome = XFAILED if outcome == FAILED else XPASSED
        message = (
            f"{vector.xfail} (fails at {stage}: {message})"
            if stage
            else (f"passed unexpectedly; marked xfail: {vector.xfail}")
        )
    return Result(
        job.id, job.scheme, outcome, message, stage, diff, checked, _time.perf_counter() - started
    )


def _failed(job: Job, vector: Vector, message: str, seconds: float) -> Result:
    status = XFAILED if vector.xfail else FAILED
    return Result(job.id, job.scheme, status, message, "sign", "", vector, seconds)


# -- planning -----------------------------------------------------------------------------------


def _features(hello: Hello, scheme: str) -> frozenset:  # type: ignore[type-arg]
    if scheme in hello.features:
        return frozenset(hello.features[scheme])
    try:
        info = next(i for i in signers.schemes() if i.name == scheme)
    except StopIteration:
        return frozenset({f"{scheme}:header", f"{scheme}:query"})
    return info.features


def external_jobs(catalog: Catalog, hello: Hello) -> List[Job]:
    """The jobs of the schemes the program declared (the harness's own planning, with the
    program standing in for the registry's signers), and the cases the protocol does not carry,
    skipped with the reason."""
    infos = []
    for scheme in hello.schemes:
        features = _features(hello, scheme)
        description = f"{hello.name} (external)"
        info = signers.registry.SchemeInfo(
            scheme, scheme, description, features, _Placeholder(), None, None
        )
        infos.append(info)
    jobs = []
    for job in plan(catalog, infos):
        vector = job.vector
        reason = not_carried(vector) if vector is not None else None
        declared = job.scheme in hello.schemes
        if reason is None:
            if declared or job.problem is not None:
                jobs.append(job)
        elif declared or (vector is not None and vector.kind != "request"):
            jobs.append(dataclasses.replace(job, factory=None, skip=reason))
    return jobs


class _Placeholder:
    """Stands in for a factory in planning; the program signs."""

    def __call__(self, **options: Any) -> Any:  # pragma: no cover - never called
        raise SignerError("external signers sign through run_external")


def describe_hello(hello: Hello, argv: Sequence[str]) -> str:
    version = f" {hello.version}" if hello.version else ""
    schemes = ", ".join(hello.schemes)
    return f"signer: {hello.name}{version} (external: {' '.join(argv)}; schemes {schemes})"
