"""Find Signature Version 2 in Python source: hand-built signatures and SDKs asked for SigV2.

Used by ``sigbridge migrate --scan``.  The scan reads the syntax tree (:mod:`ast`), so comments,
docstrings and bare string statements do not count.  A file that does not parse (often Python 2,
from boto 2's era) is reported once and then read token by token (:mod:`tokenize`), which still
sees its strings and names without mistaking comments for code.

What is reported, one finding per line (the first rule that matches wins):

- ``sdk-signature-version``: ``signature_version='s3'`` / ``'v2'`` / ``'s3-query'`` as a keyword,
  a dict entry (``s3={'signature_version': 's3'}``) or an attribute assignment;
- ``s3-v2-header``: ``"AWS " + key + ":" + signature``, ``"AWS %s:%s"``, ``"AWS {}:{}"``,
  ``f"AWS {key}:{signature}"`` and ``Authorization: AWS key:sig`` in request templates;
- ``sigv2-parameter``: ``SignatureVersion`` (=2), ``AWSAccessKeyId``, ``SignatureMethod``;
- ``sigv2-method``: ``HmacSHA1`` / ``HmacSHA256``;
- ``hand-rolled-hmac``: in one function, ``hmac`` with SHA-1 or SHA-256 whose result is
  base64-encoded (SigV4 signatures are hex), reported at the ``hmac`` call;
- ``boto2``: imports of ``boto`` (version 2), ``S3Connection``, ``calling_format=``,
  ``boto.connect_*``.
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

__all__ = ["Finding", "scan_source", "scan_file", "python_files", "REPLACEMENTS"]


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


_R_QUERY = 'signers.get_signer("sigv4", region=..., service=...).sign(request, credentials)'
_R_S3 = 'signers.get_signer("sigv4", s3=True, region=..., service="s3").sign(request, credentials)'
_R_PRESIGN = (
    'signers.get_signer("sigv4-query", s3=True, region=..., service="s3", expires=...) '
    "(signers.migrate(url, credentials) converts an existing URL)"
)
_R_CONFIG_S3 = 'Config(signature_version="s3v4")'
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
    "boto2": _R_BOTO2,
    "parse-error": "",
}

# AWSAccessKeyId is both a query-API parameter and an S3 presigned one: which replacement fits
# depends on whether the file also builds SignatureVersion=2 (resolved per file).
_R_ACCESS_KEY = "<AWSAccessKeyId>"

# Rule order decides which finding a line keeps.
_PRIORITY = (
    "parse-error",
    "sdk-signature-version",
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
    """Within one function: HMAC-SHA1/SHA256 whose digest is base64-encoded."""
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
            _scan_code(node, collector)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            _scan_function(node, collector, parents)
    # Module-level code outside functions is one more scope.
    if isinstance(tree, ast.Module):
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


def _scan_code(node: ast.AST, collector: _Collector) -> None:
    """SDK options asking for SigV2, and boto 2."""
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
    elif isinstance(node, ast.Call):
        name = _dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        if last == "S3Connection" or (name.startswith("boto.connect_")):
            collector.add(
                node.lineno,
                "boto2",
                f"boto 2 connection ({last}): SigV2 / S3 legacy signing by default",
                _R_BOTO2,
            )


# -- the token pass (for files that do not parse) ----------------------------------------------

_PREFIX = re.compile(r"^[A-Za-z]*")


def _literal_body(token_text: str) -> str:
    body = _PREFIX.sub("", token_text, count=1)
    for quote in ('"""', "'''", '"', "'"):
        if body.startswith(quote) and body.endswith(quote) and len(body) >= 2 * len(quote):
            return body[len(quote) : -len(quote)]
    return body


def _tokens(text: str) -> Iterator[tokenize.TokenInfo]:
    try:
        yield from tokenize.generate_tokens(io.StringIO(text).readline)
    except (tokenize.TokenError, SyntaxError):
        return


_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT}
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_MIDDLE = getattr(tokenize, "FSTRING_MIDDLE", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


def _significant(text: str) -> List[Tuple[int, str, int, str]]:
    """``(type, text, line, kind)`` of the tokens that matter, f-strings joined into one STRING."""
    out: List[Tuple[int, str, int, str]] = []
    fstring: Optional[List[str]] = None
    depth = 0
    start_line = 0
    for tok in _tokens(text):
        if tok.type in _SKIPPED:
            continue
        if _FSTRING_START is not None and tok.type == _FSTRING_START:
            fstring, depth, start_line = [], 0, tok.start[0]
            continue
        if fstring is not None:
            if tok.type == _FSTRING_END:
                out.append((tokenize.STRING, '"' + "".join(fstring) + '"', start_line, "f"))
                fstring = None
            elif tok.type == _FSTRING_MIDDLE:
                if depth == 0:
                    fstring.append(tok.string)
            elif tok.type == tokenize.OP and tok.string == "{":
                if depth == 0:
                    fstring.append("{}")
                depth += 1
            elif tok.type == tokenize.OP and tok.string == "}":
                depth -= 1
            continue
        out.append((tok.type, tok.string, tok.start[0], ""))
    return out


def scan_tokens(text: str, path: str) -> List[Finding]:
    """The findings of a file read token by token (strings and names; comments never count)."""
    collector = _Collector(path)
    tokens = _significant(text)
    names = {t[1] for t in tokens if t[0] == tokenize.NAME}
    strings = {_literal_body(t[1]).lower() for t in tokens if t[0] == tokenize.STRING}
    hand_rolled = (
        "hmac" in names
        and bool(_HMAC_DIGESTS & (names | strings))
        and bool(_B64_FUNCTIONS & names or "base64" in strings)
    )
    for i, (kind, value, line, _) in enumerate(tokens):
        previous = tokens[i - 1] if i else (tokenize.NEWLINE, "", 0, "")
        following = tokens[i + 1] if i + 1 < len(tokens) else (tokenize.NEWLINE, "", 0, "")
        if kind == tokenize.STRING:
            if previous[0] == tokenize.NEWLINE and following[0] in (
                tokenize.NEWLINE,
                tokenize.ENDMARKER,
            ):
                continue  # a docstring or bare string statement
            body = _literal_body(value)
            for offset, code, message, replacement in _string_findings(body):
                at = line + (body.count("\n", 0, offset) if offset else 0)
                collector.add(at, code, message, replacement)
        elif kind == tokenize.NAME:
            if value == "signature_version" and following[1] in ("=", ":"):
                nxt = tokens[i + 2] if i + 2 < len(tokens) else None
                if nxt is not None and nxt[0] == tokenize.STRING:
                    literal = _literal_body(nxt[1])
                    if literal in _LEGACY_VERSIONS:
                        collector.add(nxt[2], *_sdk_finding(literal))
            elif value in ("import", "from") and following[1] == "boto":
                collector.add(
                    line,
                    "boto2",
                    "boto 2 signs query APIs with SigV2 and S3 with its legacy scheme by default",
                    _R_BOTO2,
                )
            elif (
                value.startswith("connect_")
                and previous[1] == "."
                and i >= 2
                and tokens[i - 2][1] == "boto"
            ):
                collector.add(
                    line,
                    "boto2",
                    f"boto 2 connection ({value}): SigV2 / S3 legacy signing by default",
                    _R_BOTO2,
                )
            elif value in ("S3Connection", "calling_format"):
                collector.add(
                    line, "boto2", f"boto 2 ({value}): S3's legacy signature by default", _R_BOTO2
                )
            elif value == "hmac" and hand_rolled and following[1] == ".":
                collector.add(
                    line,
                    "hand-rolled-hmac",
                    "hand-rolled legacy signature (hmac + base64)",
                    _R_QUERY,
                )
    return collector.results()


# -- files -------------------------------------------------------------------------------------


def scan_source(source: str, path: str) -> List[Finding]:
    """Scan Python ``source``; a file that does not parse gets one ``parse-error`` line, then the
    token pass."""
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 1
        reason = getattr(exc, "msg", None) or str(exc)
        first = Finding(
            path,
            line,
            "parse-error",
            f"cannot parse as Python 3 ({type(exc).__name__}: {reason}); only its strings and "
            "names were checked",
            REPLACEMENTS["parse-error"],
        )
        rest = [f for f in scan_tokens(source, path) if f.line != line]
        return sorted([first, *rest], key=lambda f: f.line)
    return scan_tree(tree, path)


def scan_file(path: str) -> List[Finding]:
    """Scan one file; unreadable or undecodable files are one ``parse-error`` finding."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return [Finding(path, 1, "parse-error", f"cannot read: {exc.strerror}", "")]
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        source = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "msg", None) or str(exc)
        return [Finding(path, 1, "parse-error", f"cannot decode: {reason}", "")]
    if source.startswith("\ufeff"):
        source = source[1:]
    return scan_source(source, path)


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
