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
import tokenize
from typing import (
    Dict,
    Iterable,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

from .scan_rules import (
    B64_FUNCTIONS,
    BOTOCORE_V4,
    HMAC_DIGESTS,
    LEGACY_VERSIONS,
    R_BOTO2,
    R_QUERY,
    R_S3,
    REPLACEMENTS,
    SKIP_DIRS,
    Collector,
    Finding,
    boto_names,
    botocore_finding,
    constant_str,
    mentions_aws,
    sdk_finding,
    string_findings,
    tree_texts,
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


def _template(node: ast.JoinedStr) -> str:
    parts = []
    for value in node.values:
        text = constant_str(value)
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
        text = constant_str(sub)
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


def _scan_function(scope: ast.AST, collector: Collector, parents: Dict[int, ast.AST]) -> None:
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
            digest = _mentions(node, HMAC_DIGESTS)
            if digest is not None and not _hex_digest(node, parents):
                hmac_calls.append((node, digest))
        elif last in B64_FUNCTIONS:
            base64 = True
        elif last in ("sorted", "sort"):
            sorts = True
    if not base64:
        return
    for call, digest in hmac_calls:
        algorithm = "HMAC-SHA1" if digest == "sha1" else "HMAC-SHA256"
        if sorts:
            message = f"hand-rolled SigV2 signature ({algorithm} + base64 over a sorted query)"
            replacement = R_QUERY
        elif digest == "sha1":
            message = "hand-rolled S3 legacy signature (HMAC-SHA1 + base64)"
            replacement = R_S3
        else:
            message = f"hand-rolled SigV2-style signature ({algorithm} + base64)"
            replacement = R_QUERY
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
    collector = Collector(path)
    skip = _bare_strings(tree)
    aws = mentions_aws(tree_texts(tree, skip))
    boto = boto_names(tree)
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


def _scan_string(node: Union[ast.JoinedStr, ast.Constant], collector: Collector) -> None:
    """A string literal (an f-string read as its template)."""
    text = _template(node) if isinstance(node, ast.JoinedStr) else constant_str(node)
    if text is not None:
        for offset, code, message, replacement in string_findings(text):
            collector.add(_string_line(node, text, offset), code, message, replacement)


def _scan_code(node: ast.AST, collector: Collector, boto: Set[str]) -> None:
    """SDK options asking for SigV2, botocore's legacy signers, and boto 2 (``boto``: the names
    the module's imports bind to boto 2)."""
    if isinstance(node, ast.keyword):
        value = constant_str(node.value)
        if node.arg == "signature_version" and value in LEGACY_VERSIONS:
            assert value is not None
            collector.add(node.value.lineno, *sdk_finding(value))
        elif node.arg == "calling_format":
            collector.add(
                node.value.lineno,
                "boto2",
                "boto 2 S3 connection option (calling_format): S3's legacy signature",
                R_BOTO2,
            )
    elif isinstance(node, ast.Dict):
        for key, value_node in zip(node.keys, node.values):
            value = constant_str(value_node)
            if constant_str(key) == "signature_version" and value in LEGACY_VERSIONS:
                assert value is not None
                collector.add(value_node.lineno, *sdk_finding(value))
    elif isinstance(node, ast.Assign):
        value = constant_str(node.value)
        if value in LEGACY_VERSIONS and any(
            isinstance(t, ast.Attribute) and t.attr == "signature_version" for t in node.targets
        ):
            assert value is not None
            collector.add(node.lineno, *sdk_finding(value))
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
                R_BOTO2,
            )
        legacy = [a.name for a in node.names if a.name in BOTOCORE_V4]
        if isinstance(node, ast.ImportFrom) and node.module == "botocore.auth" and legacy:
            code, message, replacement = botocore_finding(legacy[0], imported=True)
            if len(legacy) > 1:
                message = f"imports botocore's {', '.join(legacy)} (SigV2 / S3's legacy signature)"
            collector.add(node.lineno, code, message, replacement)
    elif isinstance(node, ast.Call):
        name = _dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        root = name.split(".", 1)[0]
        if last in BOTOCORE_V4:
            collector.add(node.lineno, *botocore_finding(last, imported=False))
        elif (
            last == "S3Connection"
            or name.startswith("boto.connect_")
            or (root in boto and last.startswith("connect_"))
        ):
            collector.add(
                node.lineno,
                "boto2",
                f"boto 2 connection ({name or last}): SigV2 / S3 legacy signing by default",
                R_BOTO2,
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
                and d not in SKIP_DIRS
                and not _is_virtualenv(os.path.join(root, d))
            )
            for name in sorted(files):
                if name.endswith(".py"):
                    yield os.path.join(root, name)
