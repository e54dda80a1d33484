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

Cases that are not a request to sign are read by the same walk, each by the module that also runs
them (their ``kind``): a folder holding ``case.json`` is a POST-policy case
(:mod:`conformance.post`); a ``NAME.json`` holding ``seed_signature`` and ``messages`` is an
event-stream signing case, and a folder with ``encoded/`` and ``decoded/`` or with
``expected.json`` holds event-stream framing cases (:mod:`conformance.events`).

The first folder below the root names the family: ``v4`` and ``aws4_testsuite`` are ``sigv4``,
``v4a`` is ``sigv4a``, any other folder name is its own family.  A vector of family F at location L
requires the feature ``F:L``; options in the case (path normalization, a signed body, an unsigned
session token, ``"requires"``) add more.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Set, Tuple, Union

from signers import Credentials, Request, SigningError

from . import events, post
from .case import (
    CONTEXT,
    KINDS,
    LOCATIONS,
    REQUEST,
    STAGES,
    STREAM_FILE,
    Vector,
    VectorError,
    context_credentials,
    context_mapping,
    context_options,
    context_str,
    context_stream,
    context_time,
    context_unchecked,
    context_xfail,
    parse_amz_date,
    read_json_object,
    read_text,
)

__all__ = [
    "STAGES",
    "KINDS",
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

# sigbridge's own keys, the only ones a context.json beside an older-format case may hold.
_SIDECAR_KEYS = frozenset(
    {"description", "xfail", "unchecked", "requires", "options", "header_options"}
)


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
    rel = folder.relative_to(base).as_posix()
    if post.CASE_FILE in names:
        _collect(catalog, rel, post.read_case, folder, rel, family)
        return
    framing = events.framing_suite(folder, names)
    if framing is not None:
        for case, read in framing(folder, rel, family):
            _collect(catalog, case, read)
        return
    legacy = any(name.endswith(".req") for name in names)
    if REQUEST in names or (CONTEXT in names and not legacy):
        _collect(catalog, rel, _read_folder_case, folder, rel, family)
        return
    for name in sorted(names):
        path = folder / name
        if not path.is_file():
            continue
        if name.endswith(".req"):
            stem = name[: -len(".req")]
            case = rel if stem == folder.name else f"{rel}/{stem}"
            _collect(catalog, case, _read_legacy_case, folder, stem, case, family)
        elif name.endswith(".json") and events.is_signing_case(path):
            case = f"{rel}/{name[: -len('.json')]}"
            _collect(catalog, case, events.read_signing_case, path, case, family)
    for sub in _subdirs(folder):
        _walk(base, sub, family, catalog)


def _collect(
    catalog: Catalog, case: str, read: Callable[..., Union[Vector, List[Vector]]], *args: Any
) -> None:
    """The vector(s) ``read(*args)`` makes of ``case``, or why it cannot, into ``catalog``."""
    try:
        found = read(*args)
    except (VectorError, SigningError, OSError, ValueError, KeyError, TypeError) as exc:
        catalog.problems.append((case, _one_line(exc)))
        return
    catalog.vectors.extend(found if isinstance(found, list) else [found])


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _read_folder_case(folder: Path, case: str, family: str) -> List[Vector]:
    context_path = folder / CONTEXT
    request_path = folder / REQUEST
    if not context_path.is_file():
        raise VectorError(f"{CONTEXT} is missing")
    if not request_path.is_file():
        raise VectorError(f"{REQUEST} is missing")
    context = read_json_object(context_path)
    request = Request.from_raw(request_path.read_bytes())
    credentials = context_credentials(context)
    time = context_time(context)

    found: Dict[str, Dict[str, str]] = {}
    known = {CONTEXT, REQUEST}
    for location in LOCATIONS:
        stages: Dict[str, str] = {}
        for stage in STAGES:
            name = f"{location}-{stage}.txt"
            path = folder / name
            if path.is_file():
                stages[stage] = read_text(path)
                known.add(name)
        if stages:
            found[location] = stages
    stream = context_stream(context)
    stream_expected: Dict[str, str] = {}
    if stream is not None:
        for path in sorted(folder.iterdir()):
            if STREAM_FILE.fullmatch(path.name):
                stream_expected[path.name[:-4]] = read_text(path)
                known.add(path.name)
        found = {"header": found.get("header", {})}  # (the Authorization header form only)
    if not found:
        # A case without any expected file still says what it is; the runner reports it as
        # having nothing to compare instead of dropping it silently.
        found = {location: {} for location in LOCATIONS}
    extras = tuple(sorted(p.name for p in folder.iterdir() if p.name not in known))

    unchecked = context_unchecked(context)
    vectors = []
    for location, expected in found.items():
        skipped = {stage: why for stage, why in unchecked.items() if stage in expected}
        expected = {stage: text for stage, text in expected.items() if stage not in skipped}
        options, requires = context_options(context, location, credentials)
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
        xfail=context_xfail(context, location),
        description=context_str(context, "description"),
        **fields,
    )


def _read_legacy_case(folder: Path, stem: str, case: str, family: str) -> Vector:
    parsed = Request.from_raw((folder / f"{stem}.req").read_bytes())
    expected = _legacy_expected(folder, stem)
    # The suite fixes its own context; a sigbridge context.json beside the files may add the
    # harness's own keys (description, xfail, unchecked, requires, options).
    sidecar = _legacy_sidecar(folder)
    unchecked = context_unchecked(sidecar)

    # The suite's requests already carry X-Amz-Date, which is the signing time; a signer adds
    # that header itself (and refuses a request that has it), so it moves from request to time.
    dates = parsed.header_values("x-amz-date")
    if len(dates) != 1:
        raise VectorError(f"{stem}.req: expected one X-Amz-Date header, found {len(dates)}")
    time = parse_amz_date(dates[0].strip(), f"{stem}.req X-Amz-Date")

    token, session_token = _legacy_session_token(parsed, expected)
    dropped = ("x-amz-date", "x-amz-security-token")
    request = parsed.replace(
        headers=[(n, v) for n, v in parsed.headers if n.lower() not in dropped]
    )
    options, requires = _legacy_options(family, token, session_token, sidecar)
    known = {f"{stem}.req", CONTEXT} | {f"{stem}{suffix}" for suffix in _LEGACY_SUFFIXES}
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
            expected[stage] = read_text(path)
    authorization = expected.get("authorization")
    if authorization is not None and "Signature=" in authorization:
        # The suite has no signature file; the .authz carries it.
        expected["signature"] = authorization.rsplit("Signature=", 1)[1].strip()
    return {stage: expected[stage] for stage in STAGES if stage in expected}


def _legacy_sidecar(folder: Path) -> Dict[str, Any]:
    """A sigbridge ``context.json`` beside an older-format case: only the harness's own keys."""
    if not (folder / CONTEXT).is_file():
        return {}
    loaded = read_json_object(folder / CONTEXT)
    unknown = set(loaded) - _SIDECAR_KEYS
    if unknown:
        raise VectorError(
            f"{CONTEXT}: beside a .req file only {', '.join(sorted(_SIDECAR_KEYS))} "
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
    options.update(context_mapping(sidecar, "options"))
    options.update(context_mapping(sidecar, "header_options"))
    extra = sidecar.get("requires", [])
    if not isinstance(extra, list) or not all(isinstance(f, str) for f in extra):
        raise VectorError(f"{CONTEXT}: 'requires' must be a list of feature strings")
    requires.update(extra)
    return options, requires
