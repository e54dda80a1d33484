"""The one vector loader: walks a vectors root and reads every case into :class:`Vector`.

Two on-disk formats are read, both without any hand-kept list of cases:

* the aws-c-auth folder format -- a case is a folder holding ``context.json`` and ``request.txt``
  plus, per location (``header`` / ``query``), ``<location>-<stage>.txt`` for the stages
  ``canonical-request``, ``string-to-sign``, ``signature`` and ``signed-request`` (a missing stage
  file is simply not checked);
* the older AWS "Signature Version 4 test suite" format -- a case is ``NAME.req`` with
  ``NAME.creq``, ``NAME.sts``, ``NAME.authz`` and ``NAME.sreq`` beside it, possibly nested in
  group folders (``normalize-path/``, ``post-sts-token/``).  That suite fixes its own context:
  credentials AKIDEXAMPLE, region ``us-east-1``, service ``service``, the time in the request's
  ``X-Amz-Date`` header, header form only.  A ``context.json`` beside ``NAME.req`` may add
  sigbridge's own keys (``description``, ``xfail``, ``unchecked``, ``requires``, ``options``).

The first folder below the root names the family: ``v4`` and ``aws4_testsuite`` are ``sigv4``,
``v4a`` is ``sigv4a``, any other folder name is its own family.  A vector of family F at location L
requires the feature ``F:L``; options in the case (path normalization, a signed body, an unsigned
session token, ``"requires"``) add more.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Set, Tuple, Union

from signers import Credentials, Request, SigningError

__all__ = [
    "STAGES",
    "LOCATIONS",
    "FAMILY_OF_FOLDER",
    "Vector",
    "VectorError",
    "Catalog",
    "family_of",
    "default_root",
    "scan",
    "load_vectors",
]

#: Stages in the order they are compared; the first one that differs is reported.
STAGES = ("canonical-request", "string-to-sign", "signature", "authorization", "signed-request")
LOCATIONS = ("header", "query")

#: Folder names of imported suites whose family is not the folder name itself.
FAMILY_OF_FOLDER: Mapping[str, str] = {
    "v4": "sigv4",
    "aws4_testsuite": "sigv4",
    "v4a": "sigv4a",
    "v4-chunked": "sigv4",
    "v4a-chunked": "sigv4a",
}

# The older suite's fixed context (its README; the same values aws-c-auth's copy spells out).
_LEGACY_ACCESS_KEY = "AKIDEXAMPLE"
_LEGACY_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
_LEGACY_REGION = "us-east-1"
_LEGACY_SERVICE = "service"
_LEGACY_SUFFIXES = {
    ".creq": "canonical-request",
    ".sts": "string-to-sign",
    ".authz": "authorization",
    ".sreq": "signed-request",
}

_CONTEXT = "context.json"
_REQUEST = "request.txt"
# sigbridge's own keys, the only ones a context.json beside an older-format case may hold.
_SIDECAR_KEYS = frozenset(
    {"description", "xfail", "unchecked", "requires", "options", "header_options"}
)


class VectorError(ValueError):
    """A vectors root or a case on disk that cannot be read; the message names the file."""


@dataclass(frozen=True)
class Vector:
    """One case at one location, ready to sign and compare.

    ``case`` is the case's path below the vectors root (``v4/get-vanilla``,
    ``aws4_testsuite/normalize-path/get-space``); ``id`` adds family and location
    (``sigv4:query::v4/get-vanilla``) and is unique across the root.  ``options`` are the keyword
    options for the signer factory; ``expected`` maps a stage in :data:`STAGES` to its expected
    text, for the stage files that exist.  ``extras`` names files in the case that the harness
    does not compare (v4a's ``public-key.json``, for instance).
    """

    id: str
    family: str
    location: str
    case: str
    request: Request
    credentials: Credentials
    time: _dt.datetime
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


@dataclass
class Catalog:
    """Everything found under a root: the vectors, and the cases that could not be read."""

    root: Path
    vectors: List[Vector] = field(default_factory=list)
    problems: List[Tuple[str, str]] = field(default_factory=list)  # (case, one-line reason)


def family_of(folder: str) -> str:
    """The family a top-level vectors folder holds."""
    return FAMILY_OF_FOLDER.get(folder, folder)


def default_root() -> Path:
    """The bundled vectors: ``conformance/_vectors`` when installed, else the checkout's
    ``vectors/`` beside the package (a source checkout or an editable install)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_vectors", here.parent / "vectors"):
        if candidate.is_dir():
            return candidate
    raise VectorError(
        "vectors: no bundled vectors found (looked for conformance/_vectors and ../vectors); "
        "give --vectors DIR"
    )


def load_vectors(root: Union[str, os.PathLike[str], None] = None) -> List[Vector]:
    """Every vector under ``root`` (default: :func:`default_root`); a broken case raises."""
    catalog = scan(root)
    if catalog.problems:
        case, reason = catalog.problems[0]
        raise VectorError(f"{case}: {reason}")
    return catalog.vectors


def scan(root: Union[str, os.PathLike[str], None] = None) -> Catalog:
    """Walk ``root`` and read every case; unreadable cases are listed in ``problems``."""
    base = default_root() if root is None else Path(root)
    if not base.is_dir():
        raise VectorError(f"vectors: {str(base)!r} is not a directory")
    catalog = Catalog(root=base)
    for top in _subdirs(base):
        _walk(base, top, family_of(top.name), catalog)
    catalog.vectors.sort(key=lambda v: v.id)
    return catalog


# -- walking -----------------------------------------------------------------------------------


def _subdirs(path: Path) -> List[Path]:
    return sorted(
        p
        for p in path.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_")) and p.name != "__pycache__"
    )


def _walk(base: Path, folder: Path, family: str, catalog: Catalog) -> None:
    names = {p.name for p in folder.iterdir()}
    legacy = any(name.endswith(".req") for name in names)
    if _REQUEST in names or (_CONTEXT in names and not legacy):
        case = folder.relative_to(base).as_posix()
        try:
            catalog.vectors.extend(_read_folder_case(folder, case, family))
        except (VectorError, SigningError, OSError, ValueError) as exc:
            catalog.problems.append((case, _one_line(exc)))
        return
    for name in sorted(names):
        if name.endswith(".req") and (folder / name).is_file():
            stem = name[: -len(".req")]
            rel = folder.relative_to(base).as_posix()
            case = rel if stem == folder.name else f"{rel}/{stem}"
            try:
                catalog.vectors.append(_read_legacy_case(folder, stem, case, family))
            except (VectorError, SigningError, OSError, ValueError) as exc:
                catalog.problems.append((case, _one_line(exc)))
    for sub in _subdirs(folder):
        _walk(base, sub, family, catalog)


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _read_text(path: Path) -> str:
    # Stage files are compared byte for byte: no newline translation, no stripping.
    return path.read_bytes().decode("utf-8")


# -- the aws-c-auth folder format --------------------------------------------------------------


def _read_folder_case(folder: Path, case: str, family: str) -> List[Vector]:
    context_path = folder / _CONTEXT
    request_path = folder / _REQUEST
    if not context_path.is_file():
        raise VectorError(f"{_CONTEXT} is missing")
    if not request_path.is_file():
        raise VectorError(f"{_REQUEST} is missing")
    context = _read_context(context_path)
    request = Request.from_raw(request_path.read_bytes())
    credentials = _context_credentials(context)
    time = _context_time(context)

    found: Dict[str, Dict[str, str]] = {}
    known = {_CONTEXT, _REQUEST}
    for location in LOCATIONS:
        stages: Dict[str, str] = {}
        for stage in STAGES:
            name = f"{location}-{stage}.txt"
            path = folder / name
            if path.is_file():
                stages[stage] = _read_text(path)
                known.add(name)
        if stages:
            found[location] = stages
    stream = _context_stream(context)
    stream_expected: Dict[str, str] = {}
    if stream is not None:
        for path in sorted(folder.iterdir()):
            if _STREAM_FILE.fullmatch(path.name):
                stream_expected[path.name[:-4]] = _read_text(path)
                known.add(path.name)
        found = {"header": found.get("header", {})}  # (the Authorization header form only)
    if not found:
        # A case without any expected file still says what it is; the runner reports it as
        # having nothing to compare instead of dropping it silently.
        found = {location: {} for location in LOCATIONS}
    extras = tuple(sorted(p.name for p in folder.iterdir() if p.name not in known))

    unchecked = _context_unchecked(context)
    vectors = []
    for location, expected in found.items():
        skipped = {stage: why for stage, why in unchecked.items() if stage in expected}
        expected = {stage: text for stage, text in expected.items() if stage not in skipped}
        options, requires = _context_options(context, location, credentials)
        requires.add(f"{family}:{location}")
        if stream is not None:
            requires.add("aws-chunked")
        vectors.append(
            _vector(
                context,
                family,
                location,
                case,
                request=request,
                credentials=credentials,
                time=time,
                options=options,
                requires=frozenset(requires),
                expected=expected,
                source=folder,
                format="aws-c-auth",
                extras=extras,
                unchecked=skipped,
                stream=stream,
                stream_expected=stream_expected,
            )
        )
    return vectors


def _vector(
    context: Mapping[str, Any], family: str, location: str, case: str, **fields: Any
) -> Vector:
    """The :class:`Vector` of ``case`` at ``location``; its id, xfail and description from here."""
    return Vector(
        id=f"{family}:{location}::{case}",
        family=family,
        location=location,
        case=case,
        xfail=_context_xfail(context, location),
        description=_context_str(context, "description"),
        **fields,
    )


def _read_context(path: Path) -> Dict[str, Any]:
    try:
        context = json.loads(_read_text(path))
    except ValueError as exc:
        raise VectorError(f"{_CONTEXT}: not valid JSON ({exc})") from None
    if not isinstance(context, dict):
        raise VectorError(f"{_CONTEXT}: expected a JSON object")
    return context


def _context_str(context: Mapping[str, Any], key: str) -> str:
    value = context.get(key, "")
    if not isinstance(value, str):
        raise VectorError(f"{_CONTEXT}: {key!r} must be a string")
    return value


def _context_credentials(context: Mapping[str, Any]) -> Credentials:
    creds = context.get("credentials")
    if not isinstance(creds, dict):
        raise VectorError(f"{_CONTEXT}: 'credentials' is missing or not an object")
    try:
        return Credentials(
            creds["access_key_id"], creds["secret_access_key"], creds.get("token") or None
        )
    except KeyError as exc:
        raise VectorError(f"{_CONTEXT}: 'credentials' has no {exc.args[0]!r}") from None


def _context_time(context: Mapping[str, Any]) -> _dt.datetime:
    value = context.get("timestamp")
    if not isinstance(value, str):
        raise VectorError(
            f"{_CONTEXT}: 'timestamp' is missing (ISO 8601, e.g. 2015-08-30T12:36:00Z)"
        )
    return _parse_timestamp(value, "timestamp")


# The harness reads its own times (the signers' parsers are private to them): an ISO 8601 time
# with Z or an offset, or the compact amz date, into an aware UTC datetime without microseconds.


def _parse_timestamp(value: str, field: str) -> _dt.datetime:
    text = value.strip()
    if len(text) == 16 and text[8:9] == "T" and text.endswith("Z") and text[:8].isdigit():
        return _parse_amz_date(text, field)
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


def _parse_amz_date(value: str, field: str) -> _dt.datetime:
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
        raise VectorError(f"{_CONTEXT}: {key!r} must be true or false")
    return value


def _context_mapping(context: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = context.get(key, {})
    if not isinstance(value, dict):
        raise VectorError(f"{_CONTEXT}: {key!r} must be an object")
    return value


def _context_options(
    context: Mapping[str, Any], location: str, credentials: Credentials
) -> Tuple[Dict[str, Any], Set[str]]:
    """Signer factory options and required features, from the keys the context has."""
    options: Dict[str, Any] = {}
    requires: Set[str] = set()
    for key in ("region", "service"):
        if key in context:
            options[key] = _context_str(context, key)
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
            raise VectorError(f"{_CONTEXT}: 'expiration_in_seconds' must be an integer")
        options["expires"] = expires
    options.update(_context_mapping(context, "options"))
    options.update(_context_mapping(context, f"{location}_options"))
    extra = context.get("requires", [])
    if not isinstance(extra, list) or not all(isinstance(f, str) for f in extra):
        raise VectorError(f"{_CONTEXT}: 'requires' must be a list of feature strings")
    requires.update(extra)
    return options, requires


_STREAM_FILE = re.compile(
    r"(chunk-[1-9][0-9]*-(string-to-sign|signature)|trailer-(string-to-sign|signature)"
    r"|trailers|wire-(length|sha256))\.txt"
)
_STREAM_MODES = ("signed", "signed-trailer", "unsigned-trailer")


def _context_stream(context: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The ``aws_chunked`` object of an aws-chunked case, checked, or ``None``."""
    value = context.get("aws_chunked")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise VectorError(f"{_CONTEXT}: 'aws_chunked' must be an object")
    if value.get("seed", "sign_stream") not in ("sign_stream", "sign"):
        raise VectorError(f"{_CONTEXT}: 'aws_chunked.seed' is 'sign_stream' or 'sign'")
    if value.get("mode") not in _STREAM_MODES:
        raise VectorError(f"{_CONTEXT}: 'aws_chunked.mode' is one of {', '.join(_STREAM_MODES)}")
    size = value.get("chunk_size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise VectorError(f"{_CONTEXT}: 'aws_chunked.chunk_size' must be a positive integer")
    payload = value.get("payload")
    fill_ok = (
        isinstance(payload, dict)
        and isinstance(payload.get("fill"), str)
        and len(payload["fill"]) == 1
        and isinstance(payload.get("size"), int)
    )
    if not fill_ok and not (isinstance(payload, dict) and isinstance(payload.get("text"), str)):
        raise VectorError(
            f'{_CONTEXT}: \'aws_chunked.payload\' is {{"fill": char, "size": n}} or {{"text": ...}}'
        )
    trailers = value.get("trailers", [])
    if not isinstance(trailers, list) or not all(
        isinstance(t, list) and len(t) == 2 and all(isinstance(p, str) for p in t) for t in trailers
    ):
        raise VectorError(f"{_CONTEXT}: 'aws_chunked.trailers' must be [name, value] pairs")
    return dict(value)


def _context_unchecked(context: Mapping[str, Any]) -> Dict[str, str]:
    value = _context_mapping(context, "unchecked")
    for stage, reason in value.items():
        if stage not in STAGES:
            raise VectorError(f"{_CONTEXT}: 'unchecked' names unknown stage {stage!r}")
        if not isinstance(reason, str) or not reason:
            raise VectorError(f"{_CONTEXT}: 'unchecked' needs a reason for {stage!r}")
    return dict(value)


def _context_xfail(context: Mapping[str, Any], location: str) -> Optional[str]:
    value = context.get("xfail")
    if value is None:
        return None
    if isinstance(value, dict):  # per location: {"query": "why"}
        reason = value.get(location)
        if reason is not None and not isinstance(reason, str):
            raise VectorError(f"{_CONTEXT}: 'xfail' reasons must be strings")
        return reason or None
    if not isinstance(value, str) or not value:
        raise VectorError(f"{_CONTEXT}: 'xfail' must be a reason (string) or {{location: reason}}")
    return value


# -- the older .req/.creq/.sts/.authz/.sreq format -----------------------------------------------


def _read_legacy_case(folder: Path, stem: str, case: str, family: str) -> Vector:
    parsed = Request.from_raw((folder / f"{stem}.req").read_bytes())
    expected = _legacy_expected(folder, stem)
    # The suite fixes its own context; a sigbridge context.json beside the files may add the
    # harness's own keys (description, xfail, unchecked, requires, options).
    sidecar = _legacy_sidecar(folder)
    unchecked = _context_unchecked(sidecar)

    # The suite's requests already carry X-Amz-Date, which is the signing time; a signer adds
    # that header itself (and refuses a request that has it), so it moves from request to time.
    dates = parsed.header_values("x-amz-date")
    if len(dates) != 1:
        raise VectorError(f"{stem}.req: expected one X-Amz-Date header, found {len(dates)}")
    time = _parse_amz_date(dates[0].strip(), f"{stem}.req X-Amz-Date")

    token, session_token = _legacy_session_token(parsed, expected)
    dropped = ("x-amz-date", "x-amz-security-token")
    request = parsed.replace(
        headers=[(n, v) for n, v in parsed.headers if n.lower() not in dropped]
    )
    options, requires = _legacy_options(family, token, session_token, sidecar)
    known = {f"{stem}.req", _CONTEXT} | {f"{stem}{suffix}" for suffix in _LEGACY_SUFFIXES}
    return _vector(
        sidecar,
        family,
        "header",
        case,
        request=request,
        credentials=Credentials(_LEGACY_ACCESS_KEY, _LEGACY_SECRET_KEY, token),
        time=time,
        options=options,
        requires=frozenset(requires),
        expected={stage: text for stage, text in expected.items() if stage not in unchecked},
        source=folder / f"{stem}.req",
        format="aws4_testsuite",
        unchecked=unchecked,
        extras=tuple(
            sorted(
                p.name
                for p in folder.iterdir()
                if p.is_file() and p.name.startswith(stem + ".") and p.name not in known
            )
        ),
    )


def _legacy_expected(folder: Path, stem: str) -> Dict[str, str]:
    """The stage files beside ``NAME.req``, by stage, in :data:`STAGES` order."""
    expected: Dict[str, str] = {}
    for suffix, stage in _LEGACY_SUFFIXES.items():
        path = folder / f"{stem}{suffix}"
        if path.is_file():
            expected[stage] = _read_text(path)
    authorization = expected.get("authorization")
    if authorization is not None and "Signature=" in authorization:
        # The suite has no signature file; the .authz carries it.
        expected["signature"] = authorization.rsplit("Signature=", 1)[1].strip()
    return {stage: expected[stage] for stage in STAGES if stage in expected}


def _legacy_sidecar(folder: Path) -> Dict[str, Any]:
    """A sigbridge ``context.json`` beside an older-format case: only the harness's own keys."""
    if not (folder / _CONTEXT).is_file():
        return {}
    loaded = _read_context(folder / _CONTEXT)
    unknown = set(loaded) - _SIDECAR_KEYS
    if unknown:
        raise VectorError(
            f"{_CONTEXT}: beside a .req file only {', '.join(sorted(_SIDECAR_KEYS))} "
            f"are read, not {', '.join(sorted(unknown))}"
        )
    return loaded


def _legacy_session_token(
    parsed: Request, expected: Mapping[str, str]
) -> Tuple[Optional[str], str]:
    """The case's session token and whether it is ``"signed"`` or ``"unsigned"``.

    The token is in the request (post-sts-header-before) or only in the signed request
    (post-sts-header-after, get-vanilla-with-session-token); it travels in the credentials.
    Whether it is signed is what the expected canonical request says: its signed-headers line.
    """
    token = parsed.header("x-amz-security-token")
    token_in_request = token is not None
    if token is None and "signed-request" in expected:
        signed = Request.from_raw(expected["signed-request"].encode("utf-8"))
        token = signed.header("x-amz-security-token")
    session_token = "signed" if token_in_request else "unsigned"
    creq = expected.get("canonical-request")
    if token is not None and creq is not None:
        lines = creq.split("\n")
        signed_headers = lines[-2].split(";") if len(lines) >= 2 else []
        session_token = "signed" if "x-amz-security-token" in signed_headers else "unsigned"
    return token, session_token


def _legacy_options(
    family: str, token: Optional[str], session_token: str, sidecar: Mapping[str, Any]
) -> Tuple[Dict[str, Any], Set[str]]:
    """The signer options and the features the case requires: the suite's fixed context, the
    session token, and what the sidecar adds."""
    options: Dict[str, Any] = {
        "region": _LEGACY_REGION,
        "service": _LEGACY_SERVICE,
        "normalize_path": True,
    }
    requires = {f"{family}:header", "normalize-path"}
    if token is not None:
        if session_token == "unsigned":
            options["session_token"] = "unsigned"
            requires.add("session-token-unsigned")
        else:
            requires.add("session-token")
    options.update(_context_mapping(sidecar, "options"))
    options.update(_context_mapping(sidecar, "header_options"))
    extra = sidecar.get("requires", [])
    if not isinstance(extra, list) or not all(isinstance(f, str) for f in extra):
        raise VectorError(f"{_CONTEXT}: 'requires' must be a list of feature strings")
    requires.update(extra)
    return options, requires
