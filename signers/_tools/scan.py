"""Find Signature Version 2 in Python source: hand-built signatures and SDKs asked for SigV2.

Used by ``sigbridge migrate --scan``.  The scan reads the syntax tree (:mod:`ast`), so comments,
docstrings and bare string statements do not count.  A file that does not parse (often Python 2,
from boto 2's era) is reported as skipped -- not as a finding -- and then read token by token
(:mod:`tokenize`), which still sees its strings and names without mistaking comments for code.
A file that cannot be read as text (binary, undecodable, unreadable) is skipped and not read.

What is reported, one finding per line (the first rule that matches wins):

- ``sdk-signature-version``: ``signature_version='s3'`` / ``'v2'`` / ``'s3-query'`` as a keyword,
  a dict entry (``s3={'signature_version': 's3'}``) or an attribute assignment;
- ``s3-v2-header``: ``"AWS " + key + ":" + signature``, ``"AWS %s:%s"``, ``"AWS {}:{}"``,
  ``f"AWS {key}:{signature}"`` and ``Authorization: AWS key:sig`` in request templates;
- ``sigv2-parameter``: ``SignatureVersion`` (=2), ``AWSAccessKeyId``, ``SignatureMethod``;
- ``sigv2-method``: ``HmacSHA1`` / ``HmacSHA256``;
- ``botocore-legacy-auth``: botocore's own legacy signers (``SigV2Auth``, ``HmacV1Auth``,
  ``HmacV1QueryAuth``, ``HmacV1PostAuth``), imported or called;
- ``hand-rolled-hmac``: in one function, ``hmac`` with SHA-1 or SHA-256 whose result is
  base64-encoded (SigV4 signatures are hex), reported at the ``hmac`` call -- only in a file that
  mentions AWS somewhere (``aws``, ``amazonaws``, ``x-amz-``, ``boto``, ``s3``, ``ec2``, ``sqs``
  ... in a name or a string): a webhook's HMAC + base64 is not SigV2;
- ``boto2``: imports of ``boto`` (version 2), ``S3Connection``, ``calling_format=``,
  ``boto.connect_*`` and each service's ``connect_to_region`` (``boto.ec2.connect_to_region``,
  or through a name imported from ``boto``).
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from typing import (
    Dict,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

__all__ = [
    "Finding",
    "Skipped",
    "FileScan",
    "scan_text",
    "scan_path",
    "scan_source",
    "scan_file",
    "python_files",
    "REPLACEMENTS",
]


class Finding(NamedTuple):
    """One place to change: where, what, and the sigbridge (or SDK) call that replaces it."""

    path: str
    line: int
    code: str
    message: str
    replacement: str

    def text(self) -> str:
        use = f"; use {self.replacement}" if self.replacement else ""
        return f"{self.path}:{self.line}: [{self.code}] {self.message}{use}"


class Skipped(NamedTuple):
    """A file the scan could not read as Python 3: why, and where it stopped."""

    path: str
    line: int
    reason: str

    def text(self) -> str:
        return f"{self.path}:{self.line}: skipped: {self.reason}"


class FileScan(NamedTuple):
    """One file's findings, and why it was skipped (``None`` when it parsed)."""

    path: str
    findings: List[Finding]
    skipped: Optional[Skipped] = None


_R_QUERY = 'signers.get_signer("sigv4", region=..., service=...).sign(request, credentials)'
_R_S3 = 'signers.get_signer("sigv4", s3=True, region=..., service="s3").sign(request, credentials)'
_R_PRESIGN = (
    'signers.get_signer("sigv4-query", s3=True, region=..., service="s3", expires=...) '
    "(signers.migrate(url, credentials) converts an existing URL)"
)
_R_CONFIG_S3 = 'Config(signature_version="s3v4")'
#: botocore's legacy signer -> its SigV4 counterpart in botocore.auth.
_BOTOCORE_V4 = {
    "SigV2Auth": "SigV4Auth",
    "HmacV1Auth": "S3SigV4Auth",
    "HmacV1QueryAuth": "S3SigV4QueryAuth",
    "HmacV1PostAuth": "S3SigV4PostAuth",
}
_R_BOTOCORE = (
    "botocore.auth's SigV4 counterpart (SigV4Auth, S3SigV4Auth, S3SigV4QueryAuth, "
    'S3SigV4PostAuth) or signers.get_signer("sigv4", ...)'
)
_R_CONFIG_V2 = 'Config(signature_version="v4") (botocore\'s default: or leave it out)'
_R_BOTO2 = (
    'boto3 (SigV4 by default; Config(signature_version="s3v4") for S3) or '
    'signers.get_signer("sigv4", region=..., service=...)'
)

#: code -> the replacement shown with it (some codes pick a more specific one).
REPLACEMENTS: Dict[str, str] = {
    "sdk-signature-version": _R_CONFIG_S3,
    "s3-v2-header": _R_S3,
    "sigv2-parameter": _R_QUERY,
    "sigv2-method": _R_QUERY,
    "hand-rolled-hmac": _R_QUERY,
    "botocore-legacy-auth": _R_BOTOCORE,
    "boto2": _R_BOTO2,
}

# AWSAccessKeyId is both a query-API parameter and an S3 presigned one: which replacement fits
# depends on whether the file also builds SignatureVersion=2 (resolved per file).
_R_ACCESS_KEY = "<AWSAccessKeyId>"

# Rule order decides which finding a line keeps.
_PRIORITY = (
    "sdk-signature-version",
    "botocore-legacy-auth",
    "s3-v2-header",
    "hand-rolled-hmac",
    "sigv2-parameter",
    "sigv2-method",
    "boto2",
)

_LEGACY_VERSIONS = {"s3", "v2", "s3-query", "s3-presign-post"}
_HMAC_DIGESTS = {"sha1", "sha256"}
_B64_FUNCTIONS = {"b64encode", "encodebytes", "encodestring", "standard_b64encode"}
_SKIP_DIRS = {"__pycache__", "node_modules", "site-packages"}

# AWS in a name or a string (words of identifiers split at '_', '.', '-' and case changes).
_AWS_WORDS = re.compile(r"(?<![a-z0-9])(aws|amz|amazon|boto|botocore|s3|ec2|sqs|sdb|sts)(?![a-z])")
_AWS_TEXT = ("amazonaws", "awsaccesskeyid", "x-amz-", "signatureversion")
_CASE_CHANGE = re.compile(r"([a-z0-9])([A-Z])")

_AUTH_TEMPLATE = re.compile(r"AWS (%s|\{[^{}]*\}):(%s|\{[^{}]*\})")
_AUTH_HEADER = re.compile(r"(?im)^\s*Authorization:\s*AWS [^\s:]+:")
_SIGNATURE_VERSION_2 = re.compile(r"\bSignatureVersion=2\b")


# -- rules on one string -----------------------------------------------------------------------


def _string_findings(value: str) -> List[Tuple[int, str, str, str]]:
    """``(character offset, code, message, replacement)`` for what the string ``value`` shows."""
    out: List[Tuple[int, str, str, str]] = []
    if value == "AWS " or _AUTH_TEMPLATE.fullmatch(value):
        out.append(
            (0, "s3-v2-header", "builds S3's legacy 'Authorization: AWS key:signature'", _R_S3)
        )
    else:
        match = _AUTH_HEADER.search(value)
        if match is not None:
            offset = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
            out.append(
                (
                    offset,
                    "s3-v2-header",
                    "request template with 'Authorization: AWS key:sig'",
                    _R_S3,
                )
            )
    if value == "SignatureVersion" or _SIGNATURE_VERSION_2.search(value):
        out.append((0, "sigv2-parameter", "builds a SigV2 request (SignatureVersion=2)", _R_QUERY))
    if value == "AWSAccessKeyId" or "AWSAccessKeyId=" in value:
        out.append(
            (
                0,
                "sigv2-parameter",
                "builds SigV2 / S3 presigned parameters (AWSAccessKeyId)",
                _R_ACCESS_KEY,
            )
        )
    if value == "SignatureMethod" or "SignatureMethod=" in value:
        out.append((0, "sigv2-parameter", "builds SigV2 parameters (SignatureMethod)", _R_QUERY))
    if value in ("HmacSHA1", "HmacSHA256") or re.search(r"\bHmacSHA(1|256)\b", value):
        out.append((0, "sigv2-method", "SigV2 signature method (HmacSHA1/HmacSHA256)", _R_QUERY))
    return out


def _sdk_finding(value: str) -> Tuple[str, str, str]:
    replacement = _R_CONFIG_V2 if value == "v2" else _R_CONFIG_S3
    return (
        "sdk-signature-version",
        f"asks the SDK for Signature Version 2 (signature_version={value!r})",
        replacement,
    )


def _mentions_aws(texts: Iterable[str]) -> bool:
    """Whether any of ``texts`` (names and strings of a file) speaks of AWS."""
    for text in texts:
        lowered = text.lower()
        if any(word in lowered for word in _AWS_TEXT):
            return True
        if _AWS_WORDS.search(_CASE_CHANGE.sub(r"\1_\2", text).lower()):
            return True
    return False


def _tree_texts(tree: ast.AST, skip: Set[int]) -> Iterator[str]:
    """Names and strings of the code (``skip``: the ids of docstrings and bare strings)."""
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr
        elif isinstance(node, ast.alias):
            yield node.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        else:
            text = _constant_str(node)
            if text is not None:
                yield text


def _boto_names(tree: ast.AST) -> Set[str]:
    """The local names bound to boto 2 modules or functions by the module's imports."""
    names: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "boto" or alias.name.startswith("boto."):
                    names.add(alias.asname or "boto")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module == "boto" or module.startswith("boto."):
                names.update(alias.asname or alias.name for alias in node.names)
    return names


def _botocore_finding(name: str, imported: bool) -> Tuple[str, str, str]:
    what = "imports" if imported else "signs with"
    scheme = "SigV2" if name == "SigV2Auth" else "S3's legacy signature"
    return (
        "botocore-legacy-auth",
        f"{what} botocore's {name} ({scheme})",
        f'botocore.auth.{_BOTOCORE_V4[name]} or signers.get_signer("sigv4", ...)',
    )


# -- the syntax-tree pass ----------------------------------------------------------------------


class _Collector:
    def __init__(self, path: str) -> None:
        self.path = path
        self.found: Dict[int, Finding] = {}

    def add(self, line: int, code: str, message: str, replacement: str) -> None:
        previous = self.found.get(line)
        if previous is not None and _PRIORITY.index(previous.code) <= _PRIORITY.index(code):
            return
        self.found[line] = Finding(self.path, line, code, message, replacement)

    def results(self) -> List[Finding]:
        findings = [self.found[line] for line in sorted(self.found)]
        query_api = any("SignatureVersion" in f.message for f in findings)
        access_key = _R_QUERY if query_api else _R_PRESIGN
        return [
            f._replace(replacement=access_key) if f.replacement == _R_ACCESS_KEY else f
            for f in findings
        ]


def _constant_str(node: Optional[ast.AST]) -> Optional[str]:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return node.value
        if isinstance(node.value, bytes):
            return node.value.decode("latin-1")
    return None


def _template(node: ast.JoinedStr) -> str:
    parts = []
    for value in node.values:
        text = _constant_str(value)
        parts.append(text if text is not None else "{}")
    return "".join(parts)


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return _dotted(node.value) + "." + node.attr
    return ""


def _mentions(node: ast.AST, names: Set[str]) -> Optional[str]:
    """The first of ``names`` that ``node`` refers to (a name, attribute or string), if any."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in names:
            return sub.id
        if isinstance(sub, ast.Attribute) and sub.attr in names:
            return sub.attr
        text = _constant_str(sub)
        if text is not None and text.lower() in names:
            return text.lower()
    return None


def _is_hmac_call(node: ast.Call) -> bool:
    name = _dotted(node.func)
    return name in ("hmac.new", "hmac.HMAC", "hmac.digest", "HMAC") or name.endswith(".hmac.new")


def _hex_digest(call: ast.Call, parents: Dict[int, ast.AST]) -> bool:
    """Whether ``hmac.new(...)`` is followed by ``.hexdigest()`` (SigV4's hex signature)."""
    parent = parents.get(id(call))
    return isinstance(parent, ast.Attribute) and parent.attr == "hexdigest"


def _scan_function(scope: ast.AST, collector: _Collector, parents: Dict[int, ast.AST]) -> None:
    """Within one function: HMAC-SHA1/SHA256 whose digest is base64-encoded (the caller runs it
    only for a file that mentions AWS)."""
    hmac_calls: List[Tuple[ast.Call, str]] = []
    base64 = False
    sorts = False
    for node in ast.walk(scope):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        if _is_hmac_call(node):
            digest = _mentions(node, _HMAC_DIGESTS)
            if digest is not None and not _hex_digest(node, parents):
                hmac_calls.append((node, digest))
        elif last in _B64_FUNCTIONS:
            base64 = True
        elif last in ("sorted", "sort"):
            sorts = True
    if not base64:
        return
    for call, digest in hmac_calls:
        algorithm = "HMAC-SHA1" if digest == "sha1" else "HMAC-SHA256"
        if sorts:
            message = f"hand-rolled SigV2 signature ({algorithm} + base64 over a sorted query)"
            replacement = _R_QUERY
        elif digest == "sha1":
            message = "hand-rolled S3 legacy signature (HMAC-SHA1 + base64)"
            replacement = _R_S3
        else:
            message = f"hand-rolled SigV2-style signature ({algorithm} + base64)"
            replacement = _R_QUERY
        collector.add(call.lineno, "hand-rolled-hmac", message, replacement)


def _bare_strings(tree: ast.AST) -> Set[int]:
    """ids of string constants that are whole statements (docstrings and the like)."""
    skip: Set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Constant, ast.JoinedStr)):
            for sub in ast.walk(node.value):
                skip.add(id(sub))
    return skip


def _string_line(node: ast.AST, value: str, offset: int) -> int:
    line: int = getattr(node, "lineno", 1)
    end = getattr(node, "end_lineno", None)
    if offset and end is not None and end > line:
        # A literal spanning lines: count the newlines before the match (escaped newlines in a
        # one-line literal are not lines of the file).
        line += value.count("\n", 0, offset)
    return line


def scan_tree(tree: ast.AST, path: str) -> List[Finding]:
    """The findings in a parsed module."""
    collector = _Collector(path)
    skip = _bare_strings(tree)
    aws = _mentions_aws(_tree_texts(tree, skip))
    boto = _boto_names(tree)
    parents: Dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    in_fstring: Set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for sub in ast.walk(node):
                if sub is not node:
                    in_fstring.add(id(sub))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, (ast.JoinedStr, ast.Constant)):
            if id(node) not in in_fstring:
                _scan_string(node, collector)
        else:
            _scan_code(node, collector, boto)
        if aws and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            _scan_function(node, collector, parents)
    # Module-level code outside functions is one more scope.
    if aws and isinstance(tree, ast.Module):
        top = ast.Module(
            body=[
                s
                for s in tree.body
                if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            ],
            type_ignores=[],
        )
        _scan_function(top, collector, parents)
    return collector.results()


def _scan_string(node: Union[ast.JoinedStr, ast.Constant], collector: _Collector) -> None:
    """A string literal (an f-string read as its template)."""
    text = _template(node) if isinstance(node, ast.JoinedStr) else _constant_str(node)
    if text is not None:
        for offset, code, message, replacement in _string_findings(text):
            collector.add(_string_line(node, text, offset), code, message, replacement)


def _scan_code(node: ast.AST, collector: _Collector, boto: Set[str]) -> None:
    """SDK options asking for SigV2, botocore's legacy signers, and boto 2 (``boto``: the names
    the module's imports bind to boto 2)."""
    if isinstance(node, ast.keyword):
        value = _constant_str(node.value)
        if node.arg == "signature_version" and value in _LEGACY_VERSIONS:
            assert value is not None
            collector.add(node.value.lineno, *_sdk_finding(value))
        elif node.arg == "calling_format":
            collector.add(
                node.value.lineno,
                "boto2",
                "boto 2 S3 connection option (calling_format): S3's legacy signature",
                _R_BOTO2,
            )
    elif isinstance(node, ast.Dict):
        for key, value_node in zip(node.keys, node.values):
            value = _constant_str(value_node)
            if _constant_str(key) == "signature_version" and value in _LEGACY_VERSIONS:
                assert value is not None
                collector.add(value_node.lineno, *_sdk_finding(value))
    elif isinstance(node, ast.Assign):
        value = _constant_str(node.value)
        if value in _LEGACY_VERSIONS and any(
            isinstance(t, ast.Attribute) and t.attr == "signature_version" for t in node.targets
        ):
            assert value is not None
            collector.add(node.lineno, *_sdk_finding(value))
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        modules = (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
        if any(m == "boto" or m.startswith("boto.") for m in modules):
            collector.add(
                node.lineno,
                "boto2",
                "boto 2 signs query APIs with SigV2 and S3 with its legacy scheme by default",
                _R_BOTO2,
            )
        legacy = [a.name for a in node.names if a.name in _BOTOCORE_V4]
        if isinstance(node, ast.ImportFrom) and node.module == "botocore.auth" and legacy:
            code, message, replacement = _botocore_finding(legacy[0], imported=True)
            if len(legacy) > 1:
                message = f"imports botocore's {', '.join(legacy)} (SigV2 / S3's legacy signature)"
            collector.add(node.lineno, code, message, replacement)
    elif isinstance(node, ast.Call):
        name = _dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        root = name.split(".", 1)[0]
        if last in _BOTOCORE_V4:
            collector.add(node.lineno, *_botocore_finding(last, imported=False))
        elif (
            last == "S3Connection"
            or name.startswith("boto.connect_")
            or (root in boto and last.startswith("connect_"))
        ):
            collector.add(
                node.lineno,
                "boto2",
                f"boto 2 connection ({name or last}): SigV2 / S3 legacy signing by default",
                _R_BOTO2,
            )


# -- files -------------------------------------------------------------------------------------


def scan_text(source: str, path: str) -> FileScan:
    """Scan Python ``source``.  Source that does not parse as Python 3 is skipped (the reason
    names the line), then read token by token: what that pass finds is still reported."""
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 1
        reason = getattr(exc, "msg", None) or str(exc)
        skipped = Skipped(
            path,
            line,
            f"does not parse as Python 3 ({type(exc).__name__}: {reason}); only its strings and "
            "names were read",
        )
        from .scan_tokens import scan_tokens  # (only for files that do not parse)

        return FileScan(path, scan_tokens(source, path), skipped)
    return FileScan(path, scan_tree(tree, path))


def _binary(data: bytes) -> bool:
    # Text files hold no NUL byte; compiled files, archives and images do, early on.
    return b"\x00" in data[:8192]


def scan_path(path: str) -> FileScan:
    """Scan one file.  A file that cannot be read as text (unreadable, binary, undecodable) is
    skipped and not read further; one that does not parse, as :func:`scan_text` says."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return FileScan(path, [], Skipped(path, 1, f"cannot read: {reason}"))
    if _binary(data):
        return FileScan(path, [], Skipped(path, 1, "binary file (NUL bytes), not Python source"))
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        source = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "msg", None) or str(exc)
        return FileScan(path, [], Skipped(path, 1, f"cannot decode: {reason}"))
    if source.startswith("\ufeff"):
        source = source[1:]
    return scan_text(source, path)


def scan_source(source: str, path: str) -> List[Finding]:
    """The findings of Python ``source`` (:func:`scan_text` without the skip report)."""
    return scan_text(source, path).findings


def scan_file(path: str) -> List[Finding]:
    """The findings of one file (:func:`scan_path` without the skip report)."""
    return scan_path(path).findings


def _is_virtualenv(directory: str) -> bool:
    return os.path.exists(os.path.join(directory, "pyvenv.cfg"))


def python_files(paths: Sequence[str]) -> Iterable[str]:
    """The files to scan: each file given, and every ``*.py`` under each directory (hidden
    directories, ``__pycache__``, ``site-packages`` and virtualenvs skipped), sorted."""
    for path in paths:
        if not os.path.isdir(path):
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(
                d
                for d in dirs
                if not d.startswith(".")
                and d not in _SKIP_DIRS
                and not _is_virtualenv(os.path.join(root, d))
            )
            for name in sorted(files):
                if name.endswith(".py"):
                    yield os.path.join(root, name)
