"""One conformance case, ready to sign and compare (:class:`Vector`), and the readers of the
files a case is made of (``context.json`` and its fields), shared by the three loaders: the signing
suites (:mod:`conformance.vectors`), POST policies (:mod:`conformance.post`) and event streams
(:mod:`conformance.events`)."""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Mapping, Optional, Set, Tuple

from signers import Credentials, InvalidOption, Request

__all__ = ["STAGES", "KINDS", "LOCATIONS", "Capability", "Vector", "VectorError"]

#: Stages in the order they are compared; the first one that differs is reported.
STAGES = ("canonical-request", "string-to-sign", "signature", "authorization", "signed-request")
LOCATIONS = ("header", "query")
#: What a case is: a request to sign (every signer family), a browser POST policy, an event
#: stream's chain of signatures, or one encoded event-stream message.
KINDS = ("request", "post-policy", "event-signing", "event-framing")

CONTEXT = "context.json"
REQUEST = "request.txt"


class VectorError(ValueError):
    """A vectors root or a case on disk that cannot be read; the message names the file."""


class Capability:
    """A library feature the harness runs like a signer (:func:`conformance.runner.capabilities`):
    its name, one-line description and the features it covers; built without options."""

    name = ""
    description = ""
    features: FrozenSet[str] = frozenset()

    def __init__(self, **options: Any) -> None:
        if options:
            raise InvalidOption(f"{self.name} takes no options, got {', '.join(options)}")


@dataclass(frozen=True)
class Vector:
    """One case at one location, ready to sign and compare.

    ``case`` is the case's path below the vectors root (``v4/get-vanilla``,
    ``aws4_testsuite/normalize-path/get-space``); ``id`` adds family and location
    (``sigv4:query::v4/get-vanilla``) and is unique across the root.  ``options`` are the keyword
    options for the signer factory; ``expected`` maps a stage in :data:`STAGES` to its expected
    text, for the stage files that exist.  ``extras`` names files in the case that the harness
    does not compare (v4a's ``public-key.json``, for instance).

    A case of another :data:`KINDS` than ``request`` keeps its stages in ``expected`` in the
    order they are compared (its module names them) and what it is made of in ``data``; its
    ``request``, ``credentials`` and ``time`` are those it has (``None`` otherwise).
    """

    id: str
    family: str
    location: str
    case: str
    request: Optional[Request]
    credentials: Optional[Credentials]
    time: Optional[_dt.datetime]
    options: Mapping[str, Any]
    requires: FrozenSet[str]
    expected: Mapping[str, str]
    source: Path
    format: str
    xfail: Optional[str] = None
    description: str = ""
    extras: Tuple[str, ...] = ()
    unchecked: Mapping[str, str] = field(default_factory=dict)
    #: an aws-chunked case: its context's ``aws_chunked`` object, and the expected text of its
    #: chain's stages by file stem (``chunk-1-signature``, ``trailer-signature``, ``wire-length``)
    stream: Optional[Mapping[str, Any]] = None
    stream_expected: Mapping[str, str] = field(default_factory=dict)
    kind: str = "request"
    #: a case of another kind: what its module read (the policy, the messages, the bytes...)
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def feature(self) -> str:
        """The primary feature a signer must cover: ``family:location``."""
        return f"{self.family}:{self.location}"

    @property
    def suite(self) -> str:
        """The top folder below the vectors root (``v4``, ``aws4_testsuite``...)."""
        return self.case.split("/", 1)[0]

    @property
    def name(self) -> str:
        """The case's own name (last path segment)."""
        return self.case.rsplit("/", 1)[-1]

    def __repr__(self) -> str:
        return f"Vector({self.id!r})"


def read_text(path: Path) -> str:
    # Stage files are compared byte for byte: no newline translation, no stripping.
    return path.read_bytes().decode("utf-8")


# -- the aws-c-auth folder format --------------------------------------------------------------


def read_json(path: Path) -> Any:
    """The JSON document in ``path``; an error naming the file when it is not JSON."""
    try:
        return json.loads(read_text(path))
    except ValueError as exc:
        raise VectorError(f"{path.name}: not valid JSON ({exc})") from None


def read_json_object(path: Path) -> Dict[str, Any]:
    """The JSON object in ``path`` (``context.json``, a POST case's ``case.json``)."""
    value = read_json(path)
    if not isinstance(value, dict):
        raise VectorError(f"{path.name}: expected a JSON object")
    return value


def context_str(context: Mapping[str, Any], key: str) -> str:
    value = context.get(key, "")
    if not isinstance(value, str):
        raise VectorError(f"{CONTEXT}: {key!r} must be a string")
    return value


def context_credentials(context: Mapping[str, Any], where: str = CONTEXT) -> Credentials:
    creds = context.get("credentials")
    if not isinstance(creds, dict):
        raise VectorError(f"{where}: 'credentials' is missing or not an object")
    try:
        return Credentials(
            creds["access_key_id"], creds["secret_access_key"], creds.get("token") or None
        )
    except KeyError as exc:
        raise VectorError(f"{where}: 'credentials' has no {exc.args[0]!r}") from None


def context_time(context: Mapping[str, Any]) -> _dt.datetime:
    value = context.get("timestamp")
    if not isinstance(value, str):
        raise VectorError(
            f"{CONTEXT}: 'timestamp' is missing (ISO 8601, e.g. 2015-08-30T12:36:00Z)"
        )
    return parse_timestamp(value, "timestamp")


# The harness reads its own times (the signers' parsers are private to them): an ISO 8601 time
# with Z or an offset, or the compact amz date, into an aware UTC datetime without microseconds.


def parse_timestamp(value: str, field: str) -> _dt.datetime:
    text = value.strip()
    if len(text) == 16 and text[8:9] == "T" and text.endswith("Z") and text[:8].isdigit():
        return parse_amz_date(text, field)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"  # (fromisoformat reads Z only from Python 3.11)
    try:
        parsed = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise VectorError(
            f"{field}: {value!r} is not an ISO 8601 time (e.g. 2015-08-30T12:36:00Z)"
        ) from None
    if parsed.utcoffset() is None:
        raise VectorError(f"{field}: {value!r} has no timezone; add Z or an offset such as +00:00")
    return parsed.astimezone(_dt.timezone.utc).replace(microsecond=0)


def parse_amz_date(value: str, field: str) -> _dt.datetime:
    """``YYYYMMDDTHHMMSSZ`` (the X-Amz-Date form)."""
    digits = value[:8] + value[9:15]
    if (
        len(value) == 16
        and value[8] == "T"
        and value[15] == "Z"
        and digits.isascii()
        and digits.isdigit()
    ):
        year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
        hour, minute, second = int(digits[8:10]), int(digits[10:12]), int(digits[12:])
        try:
            return _dt.datetime(year, month, day, hour, minute, second, tzinfo=_dt.timezone.utc)
        except ValueError:
            pass
    raise VectorError(f"{field}: {value!r} is not a valid YYYYMMDDTHHMMSSZ date and time")


def _context_bool(context: Mapping[str, Any], key: str) -> Optional[bool]:
    value = context.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise VectorError(f"{CONTEXT}: {key!r} must be true or false")
    return value


def context_mapping(context: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = context.get(key, {})
    if not isinstance(value, dict):
        raise VectorError(f"{CONTEXT}: {key!r} must be an object")
    return value


def context_options(
    context: Mapping[str, Any], location: str, credentials: Credentials
) -> Tuple[Dict[str, Any], Set[str]]:
    """Signer factory options and required features, from the keys the context has."""
    options: Dict[str, Any] = {}
    requires: Set[str] = set()
    for key in ("region", "service"):
        if key in context:
            options[key] = context_str(context, key)
    normalize = _context_bool(context, "normalize")
    if normalize is not None:
        options["normalize_path"] = normalize
        requires.add("normalize-path" if normalize else "no-normalize-path")
    sign_body = _context_bool(context, "sign_body")
    if sign_body is not None:
        options["sign_body"] = sign_body
        if sign_body:
            requires.add("sign-body")
    if credentials.token is not None:
        if _context_bool(context, "omit_session_token"):
            options["session_token"] = "unsigned"
            requires.add("session-token-unsigned")
        else:
            requires.add("session-token")
    if location == "query" and "expiration_in_seconds" in context:
        expires = context["expiration_in_seconds"]
        if isinstance(expires, bool) or not isinstance(expires, int):
            raise VectorError(f"{CONTEXT}: 'expiration_in_seconds' must be an integer")
        options["expires"] = expires
    options.update(context_mapping(context, "options"))
    options.update(context_mapping(context, f"{location}_options"))
    extra = context.get("requires", [])
    if not isinstance(extra, list) or not all(isinstance(f, str) for f in extra):
        raise VectorError(f"{CONTEXT}: 'requires' must be a list of feature strings")
    requires.update(extra)
    return options, requires


STREAM_FILE = re.compile(
    r"(chunk-[1-9][0-9]*-(string-to-sign|signature)|trailer-(string-to-sign|signature)"
    r"|trailers|wire-(length|sha256))\.txt"
)
_STREAM_MODES = ("signed", "signed-trailer", "unsigned-trailer")


def context_stream(context: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The ``aws_chunked`` object of an aws-chunked case, checked, or ``None``."""
    value = context.get("aws_chunked")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise VectorError(f"{CONTEXT}: 'aws_chunked' must be an object")
    if value.get("seed", "sign_stream") not in ("sign_stream", "sign"):
        raise VectorError(f"{CONTEXT}: 'aws_chunked.seed' is 'sign_stream' or 'sign'")
    if value.get("mode") not in _STREAM_MODES:
        raise VectorError(f"{CONTEXT}: 'aws_chunked.mode' is one of {', '.join(_STREAM_MODES)}")
    size = value.get("chunk_size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise VectorError(f"{CONTEXT}: 'aws_chunked.chunk_size' must be a positive integer")
    payload = value.get("payload")
    fill_ok = (
        isinstance(payload, dict)
        and isinstance(payload.get("fill"), str)
        and len(payload["fill"]) == 1
        and isinstance(payload.get("size"), int)
    )
    if not fill_ok and not (isinstance(payload, dict) and isinstance(payload.get("text"), str)):
        raise VectorError(
            f'{CONTEXT}: \'aws_chunked.payload\' is {{"fill": char, "size": n}} or {{"text": ...}}'
        )
    trailers = value.get("trailers", [])
    if not isinstance(trailers, list) or not all(
        isinstance(t, list) and len(t) == 2 and all(isinstance(p, str) for p in t) for t in trailers
    ):
        raise VectorError(f"{CONTEXT}: 'aws_chunked.trailers' must be [name, value] pairs")
    return dict(value)


def context_unchecked(
    context: Mapping[str, Any], stages: Optional[Callable[[str], bool]] = None
) -> Dict[str, str]:
    """The ``unchecked`` stages and their reasons; ``stages`` says which names are stages
    (default: those of :data:`STAGES`)."""
    value = context_mapping(context, "unchecked")
    for stage, reason in value.items():
        if not (stages(stage) if stages is not None else stage in STAGES):
            raise VectorError(f"{CONTEXT}: 'unchecked' names unknown stage {stage!r}")
        if not isinstance(reason, str) or not reason:
            raise VectorError(f"{CONTEXT}: 'unchecked' needs a reason for {stage!r}")
    return dict(value)


def context_xfail(context: Mapping[str, Any], location: str) -> Optional[str]:
    value = context.get("xfail")
    if value is None:
        return None
    if isinstance(value, dict):  # per location: {"query": "why"}
        reason = value.get(location)
        if reason is not None and not isinstance(reason, str):
            raise VectorError(f"{CONTEXT}: 'xfail' reasons must be strings")
        return reason or None
    if not isinstance(value, str) or not value:
        raise VectorError(f"{CONTEXT}: 'xfail' must be a reason (string) or {{location: reason}}")
    return value


# -- the older .req/.creq/.sts/.authz/.sreq format -----------------------------------------------
