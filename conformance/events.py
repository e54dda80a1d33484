"""Event-stream cases: message signatures in a chain, and the framing of single messages.

Spec: the event-stream encoding (``application/vnd.amazon.eventstream``: prelude, CRCs, typed
headers) and its SigV4 signing (``STREAMING-AWS4-HMAC-SHA256-EVENTS``: each envelope signs
``AWS4-HMAC-SHA256-PAYLOAD``, its time, scope, the prior signature and the SHA-256 of its
``:date`` header bytes and of its payload), as :mod:`signers.eventstream` implements them.

Two kinds of case, read from ``vectors/eventstream`` (see its section in ``vectors/README.md``):

* ``event-signing``: ``NAME.json`` with ``seed_signature`` and ``messages``.  Stages, in order:
  ``initial-authorization`` and ``initial-signature`` when the case has the initial request (its
  signature is the seed), then per message *n* ``message-n-string-to-sign``,
  ``message-n-signature`` and ``message-n-envelope`` (the encoded envelope, hex), each where the
  case gives it.  A chain whose messages all sign their ``:date`` header, with credentials and a
  64-digit seed, runs through :class:`~signers.eventstream.EventStreamSigner` (the final empty
  message by ``sign_end``); any other message (raw header bytes, a seed of another length) through
  :func:`~signers.eventstream.message_signature`.  Every string to sign is
  :func:`~signers.eventstream.string_to_sign`'s, and each signature chains to ours before it.
* ``event-framing``: the encoded messages of a folder with ``encoded/`` and ``decoded/``
  (aws-sdk-go's layout) or with ``expected.json`` (sigbridge's transcription of smithy-rs's
  tests).  A positive case's stages are ``decoded`` (the message decoded, by ``decode_message``
  and by ``iter_messages`` alike, written in aws-sdk-go's JSON form -- byte arrays, strings and
  UUIDs in base64, lengths and CRCs of our own encoding -- against the case's JSON, for the keys
  it gives) and ``encoded`` (our encoding of it, hex, against the case's bytes); a negative
  case's one stage is ``refusal``: both decoders must raise ``InvalidEventStream``.

:class:`EventStreamAPI` is what the harness runs them with (the capability ``eventstream``).
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import json
import re
import struct
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Set, Tuple

import signers
import signers.eventstream as _eventstream
from signers import Credentials, Request
from signers.errors import InvalidEventStream
from signers.sigv4 import credential_scope

from . import case as _case
from .case import Capability, Vector, VectorError
from .diff import text_diff

__all__ = [
    "FEATURES",
    "EventStreamAPI",
    "is_signing_case",
    "read_signing_case",
    "framing_suite",
    "check_signing",
    "check_framing",
    "render_message",
]

LOCATION = "message"
#: What the ``eventstream`` capability covers.
FEATURES = frozenset({"eventstream:message", "event-signing", "event-framing"})

Verdict = Tuple[Optional[str], str, str]
Reader = Callable[[], Vector]

_SIGNING_STAGE = re.compile(
    r"initial-(authorization|signature)|message-[1-9][0-9]*-(string-to-sign|signature|envelope)"
)
_EXPECTED_JSON = "expected.json"
_NOT_CASES = ("LICENSE", "NOTICE", "README")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


class EventStreamAPI(Capability):
    """The capability ``eventstream``: :mod:`signers.eventstream`'s signing and framing."""

    name = "eventstream"
    description = "event streams: signers.eventstream message signatures and framing"
    features = FEATURES

    string_to_sign = staticmethod(_eventstream.string_to_sign)
    message_signature = staticmethod(_eventstream.message_signature)
    date_header = staticmethod(_eventstream.date_header)
    sign_initial_request = staticmethod(_eventstream.sign_initial_request)
    encode_message = staticmethod(_eventstream.encode_message)
    decode_message = staticmethod(_eventstream.decode_message)
    iter_messages = staticmethod(_eventstream.iter_messages)
    EventStreamSigner = _eventstream.EventStreamSigner
    Message = _eventstream.Message
    HeaderValue = _eventstream.HeaderValue
    #: what a decoder raises for a malformed message
    refusal = InvalidEventStream

    @staticmethod
    def sigv4_signer(**options: Any) -> Any:
        """The SigV4 signer of the initial request."""
        return signers.get_signer("sigv4", **options)


# -- reading: signing cases ---------------------------------------------------------------------


def is_signing_case(path: Path) -> bool:
    """Whether ``path`` (a ``.json`` file outside any case folder) is an event signing case; a
    file that is not valid JSON is taken as one, so that its reader reports it."""
    try:
        value = json.loads(_case.read_text(path))
    except (ValueError, OSError):
        return True
    return isinstance(value, dict) and "messages" in value and "seed_signature" in value


def _message_time(entry: Mapping[str, Any], where: str) -> Tuple[_dt.datetime, int]:
    """A message's time (``timestamp``, or ``epoch_nanoseconds``) and its milliseconds."""
    if "epoch_nanoseconds" in entry:
        nanos = entry["epoch_nanoseconds"]
        if isinstance(nanos, bool) or not isinstance(nanos, int):
            raise VectorError(f"{where}: 'epoch_nanoseconds' must be an integer")
        return _EPOCH + _dt.timedelta(microseconds=nanos // 1000), nanos // 1_000_000
    value = entry.get("timestamp")
    if not isinstance(value, str):
        raise VectorError(f"{where}: 'timestamp' or 'epoch_nanoseconds' is missing")
    at = _case.parse_timestamp(value, f"{where} timestamp")
    return at, int((at - _EPOCH).total_seconds()) * 1000


def _signing_expected(case: Mapping[str, Any]) -> Dict[str, str]:
    expected: Dict[str, str] = {}
    initial = case.get("initial_request")
    if initial is not None:
        for key in ("authorization", "signature"):
            if isinstance(initial.get(key), str):
                expected[f"initial-{key}"] = initial[key]
    for number, entry in enumerate(case["messages"], 1):
        if not isinstance(entry, dict):
            raise VectorError(f"messages[{number - 1}]: expected an object")
        _message_time(entry, f"messages[{number - 1}]")
        if entry.get("signed_headers") != "date" and "signed_headers_hex" not in entry:
            raise VectorError(f"messages[{number - 1}]: 'signed_headers' or its hex is missing")
        if "payload_hex" not in entry and "payload_message" not in entry:
            raise VectorError(f"messages[{number - 1}]: 'payload_hex' or 'payload_message'")
        for key, stage in (
            ("string_to_sign", "string-to-sign"),
            ("signature", "signature"),
            ("envelope_hex", "envelope"),
        ):
            if isinstance(entry.get(key), str):
                expected[f"message-{number}-{stage}"] = entry[key]
    return expected


def read_signing_case(path: Path, case: str, family: str) -> Vector:
    """The event signing case in ``path``."""
    data = _case.read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise VectorError(f"{path.name}: expected an object with a 'messages' list")
    if not isinstance(data.get("seed_signature"), str) or not data["messages"]:
        raise VectorError(f"{path.name}: 'seed_signature' and at least one message are needed")
    for key in ("region", "service"):
        if not _case.context_str(data, key):
            raise VectorError(f"{path.name}: {key!r} is missing")
    credentials = _case.context_credentials(data, path.name) if "credentials" in data else None
    expected = _signing_expected(data)
    unchecked = _case.context_unchecked(data, lambda s: bool(_SIGNING_STAGE.fullmatch(s)))
    initial = data.get("initial_request")
    request: Optional[Request] = None
    if initial is not None:
        try:
            headers = [(str(name), str(value)) for name, value in initial.get("headers", [])]
            request = Request(str(initial["method"]), str(initial["url"]), headers)
        except (KeyError, TypeError, ValueError) as exc:
            raise VectorError(f"{path.name}: 'initial_request' is not a request ({exc})") from None
        time = _case.parse_timestamp(str(initial.get("timestamp")), "initial_request timestamp")
    else:
        time = _message_time(data["messages"][0], "messages[0]")[0]
    return _vector(
        data,
        family,
        case,
        path,
        kind="event-signing",
        requires={"event-signing"},
        expected={s: t for s, t in expected.items() if s not in unchecked},
        unchecked={s: why for s, why in unchecked.items() if s in expected},
        request=request,
        credentials=credentials,
        time=time,
    )


def _vector(
    context: Mapping[str, Any],
    family: str,
    case: str,
    source: Path,
    *,
    kind: str,
    requires: Set[str],
    **fields: Any,
) -> Vector:
    fields.setdefault("request", None)
    fields.setdefault("credentials", None)
    fields.setdefault("time", None)
    fields.setdefault("unchecked", {})
    fields.setdefault("data", context)
    return Vector(
        id=f"{family}:{LOCATION}::{case}",
        family=family,
        location=LOCATION,
        case=case,
        options={},
        requires=frozenset(requires | {f"{family}:{LOCATION}"}),
        source=source,
        format=kind,
        xfail=_case.context_xfail(context, LOCATION),
        description=_case.context_str(context, "description"),
        kind=kind,
        **fields,
    )


# -- reading: framing cases ---------------------------------------------------------------------

Suite = Callable[[Path, str, str], Iterator[Tuple[str, Reader]]]


def framing_suite(folder: Path, names: Set[str]) -> Optional[Suite]:
    """How to read the framing cases of ``folder``, if it holds a framing suite."""
    if {"encoded", "decoded"} <= names and (folder / "encoded").is_dir():
        return _sdk_go_cases
    if _EXPECTED_JSON in names:
        return _expected_json_cases
    return None


def _canonical(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _expected_message(document: Any, where: str) -> Dict[str, Any]:
    if not isinstance(document, dict):
        raise VectorError(f"{where}: the decoded message must be a JSON object")
    out = dict(document)
    for key in ("prelude_crc", "message_crc"):  # (upstream writes some as signed 32-bit)
        if isinstance(out.get(key), int):
            out[key] &= 0xFFFFFFFF
    return out


def _framing_vector(
    family: str, case: str, source: Path, encoded: bytes, entry: Mapping[str, Any]
) -> Vector:
    """``entry``: ``{"message": ...}`` (positive) or ``{"error": ...}`` (must be refused)."""
    if "error" in entry:
        expected = {"refusal": str(entry["error"])}
    else:
        message = _expected_message(entry.get("message", {}), case)
        expected = {"decoded": _canonical(message), "encoded": encoded.hex()}
    return _vector(
        entry,
        family,
        case,
        source,
        kind="event-framing",
        requires={"event-framing"},
        expected=expected,
        data={"encoded": encoded, "refused": "error" in entry},
    )


def _sdk_go_cases(folder: Path, rel: str, family: str) -> Iterator[Tuple[str, Reader]]:
    for kind in ("positive", "negative"):
        encoded = folder / "encoded" / kind
        names = sorted(p.name for p in encoded.iterdir() if p.is_file()) if encoded.is_dir() else []
        for name in names:
            case = f"{rel}/encoded/{kind}/{name}"
            yield case, functools.partial(_read_sdk_go, folder, kind, name, case, family)


def _read_sdk_go(folder: Path, kind: str, name: str, case: str, family: str) -> Vector:
    source = folder / "encoded" / kind / name
    decoded = folder / "decoded" / kind / name
    if not decoded.is_file():
        raise VectorError(f"decoded/{kind}/{name} is missing")
    text = _case.read_text(decoded)
    entry = {"message": _case.read_json(decoded)} if kind == "positive" else {"error": text.strip()}
    return _framing_vector(family, case, source, source.read_bytes(), entry)


def _expected_json_cases(folder: Path, rel: str, family: str) -> Iterator[Tuple[str, Reader]]:
    on_disk = {
        p.name
        for p in folder.iterdir()
        if p.is_file() and p.name != _EXPECTED_JSON and not p.name.startswith(_NOT_CASES)
    }
    try:
        cases = _case.read_json(folder / _EXPECTED_JSON)["cases"]
        if not isinstance(cases, dict):
            raise TypeError
    except (VectorError, KeyError, TypeError) as exc:
        reason = str(exc) if isinstance(exc, VectorError) else "expected a 'cases' object"
        yield f"{rel}/{_EXPECTED_JSON}", functools.partial(_fail, f"{_EXPECTED_JSON}: {reason}")
        return
    for name in sorted(on_disk | set(cases)):
        case = f"{rel}/{name}"
        if name not in cases:
            yield case, functools.partial(_fail, f"{name} has no entry in {_EXPECTED_JSON}")
        elif name not in on_disk:
            yield case, functools.partial(_fail, f"{_EXPECTED_JSON} names {name}; no such file")
        else:
            yield case, functools.partial(_read_expected, folder / name, cases[name], case, family)


def _fail(reason: str) -> Vector:
    raise VectorError(reason)


def _read_expected(path: Path, entry: Any, case: str, family: str) -> Vector:
    if not isinstance(entry, dict) or not ({"error", "message", "decodes"} & set(entry)):
        raise VectorError(f"{_EXPECTED_JSON}: {path.name}: give 'error', 'message' or 'decodes'")
    return _framing_vector(family, case, path, path.read_bytes(), entry)


# -- running: signing ---------------------------------------------------------------------------


def _raised(stage: str, exc: Exception) -> Verdict:
    text = str(exc).replace("\r", "\\r").replace("\n", "\\n")
    return stage, f"{type(exc).__name__}: {text}" if text else type(exc).__name__, ""


def _differs(stage: str, expected: str, actual: Optional[str]) -> Verdict:
    if actual is None:
        return stage, f"the signer produced no {stage}", ""
    diff = text_diff(expected, actual)
    return stage, diff.split("\n", 1)[0], diff


def _check_initial(api: Any, vector: Vector) -> Tuple[Verdict, str]:
    """The initial request's stages, and the seed it gives."""
    initial = vector.data["initial_request"]
    try:
        signer = api.sigv4_signer(
            region=vector.data["region"],
            service=vector.data["service"],
            **initial.get("options", {}),
        )
        signed, seed = api.sign_initial_request(
            vector.request, vector.credentials, vector.time, signer=signer
        )
    except Exception as exc:
        return _raised("initial-signature", exc), ""
    for stage, actual in (
        ("initial-authorization", signed.request.header("authorization")),
        ("initial-signature", seed),
    ):
        if stage in vector.expected and actual != vector.expected[stage]:
            return _differs(stage, vector.expected[stage], actual), ""
    return (None, "", ""), str(seed)


def _inner(api: Any, entry: Mapping[str, Any]) -> Tuple[Any, bytes]:
    """A message's payload as given to the chain (a Message, or bytes) and as signed (bytes)."""
    inner = entry.get("payload_message")
    if inner is None:
        payload = bytes.fromhex(entry["payload_hex"])
        return payload, payload
    headers = [
        (h["name"], api.HeaderValue(h["type"], _header_python(h["type"], h["value"])))
        for h in inner["headers"]
    ]
    message = api.Message(headers, base64.b64decode(inner["payload"]))
    return message, api.encode_message(message)


def _header_python(code: int, value: Any) -> Any:
    """A header value of the JSON form as Python (byte arrays, strings, UUIDs in base64)."""
    if code in (6, 9):
        raw = base64.b64decode(value)
        return uuid.UUID(bytes=raw) if code == 9 else raw
    if code == 7:
        return base64.b64decode(value).decode("utf-8")
    return value


def check_signing(api: Any, vector: Vector) -> Verdict:
    """Run an event signing case's stages in order; the first difference, or none."""
    data, expected, credentials = vector.data, vector.expected, vector.credentials
    region, service = data["region"], data["service"]
    prior = str(data["seed_signature"])
    if "initial_request" in data:
        verdict, prior = _check_initial(api, vector)
        if verdict[0] is not None:
            return verdict
    chain = None
    messages = data["messages"]
    if (
        credentials is not None
        and _HEX64.fullmatch(prior)
        and all(entry.get("signed_headers") == "date" for entry in messages)
    ):
        try:
            chain = api.EventStreamSigner(
                prior, credentials=credentials, region=region, service=service
            )
        except Exception as exc:
            return _raised("message-1-signature", exc)
    for number, entry in enumerate(messages, 1):
        stage = f"message-{number}"
        try:
            verdict, signature = _check_message(
                api, stage, entry, prior, chain, credentials, (region, service), expected
            )
        except Exception as exc:
            return _raised(f"{stage}-signature", exc)
        if verdict[0] is not None:
            return verdict
        prior = signature or expected.get(f"{stage}-signature", prior)
    return None, "", ""


def _check_message(
    api: Any,
    stage: str,
    entry: Mapping[str, Any],
    prior: str,
    chain: Any,
    credentials: Optional[Credentials],
    where: Tuple[str, str],
    expected: Mapping[str, str],
) -> Tuple[Verdict, Optional[str]]:
    at, millis = _message_time(entry, stage)
    stamp = at.strftime("%Y%m%dT%H%M%SZ")
    scope = credential_scope(stamp[:8], where[0], where[1])
    if entry.get("signed_headers") == "date":
        date_bytes = api.date_header(millis)
    else:
        date_bytes = bytes.fromhex(entry["signed_headers_hex"])
    inner, payload = _inner(api, entry)
    parts = {"prior_signature": prior, "date_header": date_bytes, "payload": payload}
    want = expected.get(f"{stage}-string-to-sign")
    if want is not None:
        ours = api.string_to_sign(amz_date=stamp, scope=scope, **parts)
        if ours != want:
            return _differs(f"{stage}-string-to-sign", want, ours), None
    envelope: Optional[str] = None
    if chain is not None:
        wrapped = chain.sign_end(at) if inner == b"" else chain.sign(inner, at)
        signature: Optional[str] = chain.signature
        envelope = api.encode_message(wrapped).hex()
    elif credentials is not None:
        signature = api.message_signature(credentials, amz_date=stamp, scope=scope, **parts)
    else:
        signature = None  # (a string-to-sign case: no credentials, nothing signed)
    for name, actual in (("signature", signature), ("envelope", envelope)):
        want = expected.get(f"{stage}-{name}")
        if want is not None and actual != want:
            return _differs(f"{stage}-{name}", want, actual), None
    return (None, "", ""), signature


# -- running: framing ---------------------------------------------------------------------------


def render_message(message: Any, encoded: Optional[bytes], keys: Any) -> Dict[str, Any]:
    """A decoded message in aws-sdk-go's JSON form, limited to ``keys``; lengths and CRCs are
    those of ``encoded`` (our encoding of it; ``None`` when it could not be encoded)."""
    out: Dict[str, Any] = {}
    if encoded is not None and len(encoded) >= 16:
        total, headers_length, prelude_crc = struct.unpack(">III", encoded[:12])
        (message_crc,) = struct.unpack(">I", encoded[-4:])
        out.update(
            total_length=total,
            headers_length=headers_length,
            prelude_crc=prelude_crc,
            message_crc=message_crc,
        )
    headers = []
    for name, header in message.headers:
        value = header.value
        if isinstance(value, uuid.UUID):
            value = value.bytes
        if isinstance(value, str):
            value = value.encode("utf-8")
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        headers.append({"name": name, "type": int(header.type), "value": value})
    out["headers"] = headers
    out["payload"] = base64.b64encode(message.payload).decode("ascii")
    return {key: out.get(key) for key in keys}


def check_framing(api: Any, vector: Vector) -> Verdict:
    """Decode (or refuse) a framing case's message; the first difference, or none."""
    encoded = vector.data["encoded"]
    expected = vector.expected
    if vector.data["refused"]:
        upstream = expected.get("refusal", "")
        decoders: Tuple[Tuple[str, Callable[[bytes], Any]], ...] = (
            ("decode_message", api.decode_message),
            ("iter_messages", lambda data: list(api.iter_messages(data))),
        )
        for label, decode in decoders:
            try:
                decode(encoded)
            except api.refusal:
                continue
            except Exception as exc:
                wrong = f"{label} raised {type(exc).__name__} ({exc}), not {api.refusal.__name__}"
                return "refusal", wrong, ""
            return "refusal", f"{label} decoded a message the case refuses ({upstream})", ""
        return None, "", ""
    try:
        message = api.decode_message(encoded)
        streamed = list(api.iter_messages(encoded))
    except Exception as exc:
        return _raised("decoded", exc)
    if streamed != [message]:
        return "decoded", f"iter_messages gave {len(streamed)} message(s), not decode_message's", ""
    ours: Optional[bytes] = None
    failure: Optional[Verdict] = None
    try:
        ours = api.encode_message(message)
    except Exception as exc:
        failure = _raised("encoded", exc)
    if "decoded" in expected:
        keys = json.loads(expected["decoded"]).keys()
        rendered = _canonical(render_message(message, ours, keys))
        if rendered != expected["decoded"]:
            return _differs("decoded", expected["decoded"], rendered)
    if failure is not None:
        return failure
    if "encoded" in expected and ours is not None and ours.hex() != expected["encoded"]:
        return _differs("encoded", expected["encoded"], ours.hex())
    return None, "", ""


#: How a case of each kind is run, given what its capability's factory made.
CHECKS: Mapping[str, Callable[[Any, Vector], Verdict]] = {
    "event-signing": check_signing,
    "event-framing": check_framing,
}
