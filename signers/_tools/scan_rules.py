"""What the SigV2 scan reports: the finding record, the rules' codes and replacements, and the
tests on strings and names that both readers use (the syntax-tree scan in :mod:`.scan` and the
token scan in :mod:`.scan_tokens` for files that do not parse)."""

from __future__ import annotations

import ast
import re
from typing import Dict, Iterable, Iterator, List, NamedTuple, Optional, Set, Tuple

__all__ = ["Finding", "REPLACEMENTS"]


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


R_QUERY = 'signers.get_signer("sigv4", region=..., service=...).sign(request, credentials)'
R_S3 = 'signers.get_signer("sigv4", s3=True, region=..., service="s3").sign(request, credentials)'
_R_PRESIGN = (
    'signers.get_signer("sigv4-query", s3=True, region=..., service="s3", expires=...) '
    "(signers.migrate(url, credentials) converts an existing URL)"
)
_R_CONFIG_S3 = 'Config(signature_version="s3v4")'
#: botocore's legacy signer -> its SigV4 counterpart in botocore.auth.
BOTOCORE_V4 = {
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
R_BOTO2 = (
    'boto3 (SigV4 by default; Config(signature_version="s3v4") for S3) or '
    'signers.get_signer("sigv4", region=..., service=...)'
)

#: code -> the replacement shown with it (some codes pick a more specific one).
REPLACEMENTS: Dict[str, str] = {
    "sdk-signature-version": _R_CONFIG_S3,
    "s3-v2-header": R_S3,
    "sigv2-parameter": R_QUERY,
    "sigv2-method": R_QUERY,
    "hand-rolled-hmac": R_QUERY,
    "botocore-legacy-auth": _R_BOTOCORE,
    "boto2": R_BOTO2,
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

LEGACY_VERSIONS = {"s3", "v2", "s3-query", "s3-presign-post"}
HMAC_DIGESTS = {"sha1", "sha256"}
B64_FUNCTIONS = {"b64encode", "encodebytes", "encodestring", "standard_b64encode"}
SKIP_DIRS = {"__pycache__", "node_modules", "site-packages"}

# AWS in a name or a string (words of identifiers split at '_', '.', '-' and case changes).
_AWS_WORDS = re.compile(r"(?<![a-z0-9])(aws|amz|amazon|boto|botocore|s3|ec2|sqs|sdb|sts)(?![a-z])")
_AWS_TEXT = ("amazonaws", "awsaccesskeyid", "x-amz-", "signatureversion")
_CASE_CHANGE = re.compile(r"([a-z0-9])([A-Z])")

_AUTH_TEMPLATE = re.compile(r"AWS (%s|\{[^{}]*\}):(%s|\{[^{}]*\})")
_AUTH_HEADER = re.compile(r"(?im)^\s*Authorization:\s*AWS [^\s:]+:")
_SIGNATURE_VERSION_2 = re.compile(r"\bSignatureVersion=2\b")


# -- rules on one string -----------------------------------------------------------------------


def string_findings(value: str) -> List[Tuple[int, str, str, str]]:
    """``(character offset, code, message, replacement)`` for what the string ``value`` shows."""
    out: List[Tuple[int, str, str, str]] = []
    if value == "AWS " or _AUTH_TEMPLATE.fullmatch(value):
        out.append(
            (0, "s3-v2-header", "builds S3's legacy 'Authorization: AWS key:signature'", R_S3)
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
                    R_S3,
                )
            )
    if value == "SignatureVersion" or _SIGNATURE_VERSION_2.search(value):
        out.append((0, "sigv2-parameter", "builds a SigV2 request (SignatureVersion=2)", R_QUERY))
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
        out.append((0, "sigv2-parameter", "builds SigV2 parameters (SignatureMethod)", R_QUERY))
    if value in ("HmacSHA1", "HmacSHA256") or re.search(r"\bHmacSHA(1|256)\b", value):
        out.append((0, "sigv2-method", "SigV2 signature method (HmacSHA1/HmacSHA256)", R_QUERY))
    return out


def sdk_finding(value: str) -> Tuple[str, str, str]:
    replacement = _R_CONFIG_V2 if value == "v2" else _R_CONFIG_S3
    return (
        "sdk-signature-version",
        f"asks the SDK for Signature Version 2 (signature_version={value!r})",
        replacement,
    )


def mentions_aws(texts: Iterable[str]) -> bool:
    """Whether any of ``texts`` (names and strings of a file) speaks of AWS."""
    for text in texts:
        lowered = text.lower()
        if any(word in lowered for word in _AWS_TEXT):
            return True
        if _AWS_WORDS.search(_CASE_CHANGE.sub(r"\1_\2", text).lower()):
            return True
    return False


def tree_texts(tree: ast.AST, skip: Set[int]) -> Iterator[str]:
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
            text = constant_str(node)
            if text is not None:
                yield text


def boto_names(tree: ast.AST) -> Set[str]:
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


def botocore_finding(name: str, imported: bool) -> Tuple[str, str, str]:
    what = "imports" if imported else "signs with"
    scheme = "SigV2" if name == "SigV2Auth" else "S3's legacy signature"
    return (
        "botocore-legacy-auth",
        f"{what} botocore's {name} ({scheme})",
        f'botocore.auth.{BOTOCORE_V4[name]} or signers.get_signer("sigv4", ...)',
    )


# -- the syntax-tree pass ----------------------------------------------------------------------


class Collector:
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
        access_key = R_QUERY if query_api else _R_PRESIGN
        return [
            f._replace(replacement=access_key) if f.replacement == _R_ACCESS_KEY else f
            for f in findings
        ]


def constant_str(node: Optional[ast.AST]) -> Optional[str]:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return node.value
        if isinstance(node.value, bytes):
            return node.value.decode("latin-1")
    return None
