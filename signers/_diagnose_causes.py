"""The likely causes of a signature mismatch, read from how two artifacts differ (for
:mod:`signers.diagnose`).

SigV4: the canonical request is cut into its parts (method, canonical URI, canonical query,
canonical headers, signed headers, payload hash) and each part that differs names its usual
causes (``path-encoding`` when the paths differ by ``%25``, ``session-token`` when the token is
signed on one side only, ``clock-skew`` when ``x-amz-date`` moved ...); the string to sign adds
the request time and the credential scope (``scope``: region or signing name).  The legacy
schemes (``sigv2``, ``s3-v2``) have no canonical request: their string to sign is read line by
line (S3's Content-MD5, Content-Type, Date, x-amz-* headers and resource; SigV2's method, host,
path and query).

An answer without artifacts can still name the cause: the scope answers ("Credential should be
scoped to correct service: 'x'", "... to a valid region, not 'x'", S3's "the region 'x' is wrong;
expecting 'y'") and the clock answers ("Signature expired: ...", "Signature not yet current: ...",
``RequestTimeTooSkewed``) are read by :func:`answer_causes`.
"""

from __future__ import annotations

import re
from typing import Callable, Collection, Dict, List, Mapping, NamedTuple, Optional

from ._crypto import EMPTY_SHA256
from ._encoding import percent_decode_str, remove_dot_segments

__all__ = [
    "Cause",
    "CanonicalParts",
    "canonical_causes",
    "string_to_sign_causes",
    "string_to_sign_label",
    "legacy_labels",
    "legacy_causes",
    "answer_causes",
    "dedupe",
]

_CANONICAL_NAMES = ("HTTP method", "canonical URI", "canonical query string")
_TOKEN_HEADER = "x-amz-security-token"
_STS_NAMES = ("algorithm", "request time", "credential scope", "hash of the canonical request")
_S3_STS_NAMES = ("HTTP method", "Content-MD5", "Content-Type", "Date (Expires when presigned)")
_SIGV2_STS_NAMES = ("HTTP method", "host", "path", "canonical query string")


class Cause(NamedTuple):
    """A likely cause: a short name (``scope``, ``path-encoding`` ...) and an explanation."""

    name: str
    explanation: str


def dedupe(causes: List[Cause]) -> List[Cause]:
    """``causes`` without repeats, in order."""
    seen = set()
    out = []
    for cause in causes:
        if cause not in seen:
            seen.add(cause)
            out.append(cause)
    return out


def _differences(
    ours: Mapping[str, str],
    theirs: Mapping[str, str],
    *,
    skip: Collection[str] = (),
    same: Collection[str] = (),
    theirs_only: str = "only the server saw",
) -> List[str]:
    """What differs between two name -> value maps, as short phrases: names only we have, names
    only they have (``theirs_only`` says how), values that differ (names in ``skip`` are left
    out; those in ``same`` are not compared)."""
    only_ours = sorted(set(ours) - set(theirs) - set(skip))
    only_theirs = sorted(set(theirs) - set(ours) - set(skip))
    changed = sorted(n for n in set(ours) & set(theirs) if ours[n] != theirs[n] and n not in same)
    parts = []
    if only_ours:
        parts.append(f"only we signed {', '.join(only_ours)}")
    if only_theirs:
        parts.append(f"{theirs_only} {', '.join(only_theirs)}")
    if changed:
        parts.append(f"values differ for {', '.join(changed)}")
    return parts


def _method(ours: str, theirs: str, why: str = "") -> Cause:
    return Cause(
        "method", f"line 1: we signed method {ours!r}, the server received {theirs!r}{why}"
    )


def _query_names(query: str) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for piece in query.split("&") if query else []:
        name, _, value = piece.partition("=")
        out[percent_decode_str(name)] = value
    return out


# -- SigV4: the canonical request --------------------------------------------------------------


class CanonicalParts:
    """A canonical request cut into its parts (when it has the expected shape)."""

    __slots__ = ("headers", "lines", "method", "ok", "payload", "query", "signed", "uri")

    def __init__(self, text: str) -> None:
        lines = text.split("\n")
        self.lines = lines
        # method, URI, query, >= 0 header lines, "", signed headers, payload hash
        self.ok = len(lines) >= 6 and lines[-3] == ""
        self.method = lines[0] if lines else ""
        self.uri = lines[1] if len(lines) > 1 else ""
        self.query = lines[2] if len(lines) > 2 else ""
        self.headers: Dict[str, str] = {}
        if self.ok:
            for line in lines[3:-3]:
                name, _, value = line.partition(":")
                self.headers[name] = value
        self.signed = lines[-2] if self.ok else ""
        self.payload = lines[-1] if self.ok else ""

    def label(self, index: int) -> str:
        """What line ``index`` (0-based) of the canonical request is."""
        if index < 3:
            return _CANONICAL_NAMES[index]
        if not self.ok:
            return ""
        n = len(self.lines)
        if index == n - 1:
            return "payload hash"
        if index == n - 2:
            return "signed headers"
        if index == n - 3:
            return "end of the canonical headers"
        return "canonical header"


def canonical_causes(ours: CanonicalParts, theirs: CanonicalParts) -> List[Cause]:
    """The likely causes of the differences between two canonical requests."""
    causes: List[Cause] = []
    if ours.method != theirs.method:
        why = " (a redirect or a proxy may have changed it)"
        causes.append(_method(ours.method, theirs.method, why))
    if ours.uri != theirs.uri:
        causes.append(_path_cause(ours.uri, theirs.uri))
    if ours.query != theirs.query:
        causes.extend(_query_causes(ours.query, theirs.query))
    if ours.ok and theirs.ok:
        causes.extend(_signed_headers_causes(ours.signed, theirs.signed))
        causes.extend(_header_value_causes(ours.headers, theirs.headers))
        if ours.payload != theirs.payload:
            causes.append(_payload_cause(ours.payload, theirs.payload))
    return causes


def _path_cause(ours: str, theirs: str) -> Cause:
    if ours.replace("%25", "%") == theirs:
        return Cause(
            "path-encoding",
            "line 2 differs by %25 encodings: we double-encoded the path, the server encodes it "
            "once (S3 encodes once and does not normalize; sign with s3=True or "
            "double_encode=False)",
        )
    if theirs.replace("%25", "%") == ours:
        return Cause(
            "path-encoding",
            "line 2 differs by %25 encodings: we encoded the path once, the server encodes it "
            "twice (every service but S3 does; sign with double_encode=True)",
        )
    if remove_dot_segments(ours) == theirs or ours == remove_dot_segments(theirs):
        return Cause(
            "path-normalization",
            "line 2 differs by dot segments or repeated slashes: one side normalized the path "
            "(S3 does not; other services do)",
        )
    return Cause(
        "path",
        "line 2: the server received another path than the one we signed (a proxy prefix, a "
        "rewrite, or virtual-hosted vs path-style addressing)",
    )


def _query_causes(ours: str, theirs: str) -> List[Cause]:
    a, b = _query_names(ours), _query_names(theirs)
    causes: List[Cause] = []
    token = [n for n in ("X-Amz-Security-Token",) if (n in a) != (n in b)]
    if token:
        side = "our" if token[0] in a else "the server's"
        causes.append(
            Cause(
                "session-token",
                f"X-Amz-Security-Token is in {side} canonical query only: the token was signed on "
                "one side and added after signing on the other (session_token 'signed' vs "
                "'unsigned')",
            )
        )
    parts = _differences(a, b, skip=token)
    if parts or not token:
        text = "; ".join(parts) or "the query is encoded or ordered differently"
        causes.append(Cause("query", "line 3: " + text))
    return causes


def _signed_headers_causes(ours: str, theirs: str) -> List[Cause]:
    signed_a = set(ours.split(";")) if ours else set()
    signed_b = set(theirs.split(";")) if theirs else set()
    if signed_a == signed_b:
        return []
    causes: List[Cause] = []
    only_a = sorted(signed_a - signed_b)
    only_b = sorted(signed_b - signed_a)
    if _TOKEN_HEADER in only_a + only_b:
        causes.append(
            Cause(
                "session-token",
                "x-amz-security-token is signed on one side only: the token header was added "
                "after signing, or signed where the service expects it unsigned",
            )
        )
    detail = []
    if only_a:
        detail.append(f"we signed {', '.join(only_a)} which the server did not count")
    if only_b:
        detail.append(f"the server counts {', '.join(only_b)} which we did not sign")
    causes.append(
        Cause(
            "signed-headers",
            "signed headers differ: " + "; ".join(detail) + " (a header was added, dropped or "
            "renamed between signing and sending)",
        )
    )
    return causes


def _header_value_causes(ours: Mapping[str, str], theirs: Mapping[str, str]) -> List[Cause]:
    causes: List[Cause] = []
    for name in sorted(set(ours) & set(theirs)):
        a, b = ours[name], theirs[name]
        if a == b:
            continue
        if name == "x-amz-date":
            causes.append(
                Cause(
                    "clock-skew",
                    f"x-amz-date differs ({a} vs {b}): the request time changed after signing",
                )
            )
        elif name == "host":
            causes.append(
                Cause(
                    "host",
                    f"host differs ({a!r} vs {b!r}): a port, a proxy, or virtual-hosted vs "
                    "path-style addressing",
                )
            )
        elif name == "x-amz-content-sha256":
            causes.append(
                Cause(
                    "payload-hash", "x-amz-content-sha256 differs: the body changed after signing"
                )
            )
        else:
            causes.append(
                Cause(
                    "header-value",
                    f"header {name!r} has another value on the server (changed in transit, or "
                    "whitespace/folding canonicalized differently)",
                )
            )
    return causes


def _payload_cause(ours: str, theirs: str) -> Cause:
    hint = ""
    if "UNSIGNED-PAYLOAD" in (ours, theirs):
        hint = " (UNSIGNED-PAYLOAD on one side: S3 presigned URLs sign UNSIGNED-PAYLOAD)"
    elif theirs == EMPTY_SHA256:
        hint = " (the server hashed an empty body: the body was not sent)"
    return Cause(
        "payload-hash",
        "last line: the payload hash differs; the body sent is not the body signed" + hint,
    )


# -- SigV4: the string to sign -----------------------------------------------------------------


def string_to_sign_label(index: int) -> str:
    """What line ``index`` (0-based) of a SigV4 string to sign is."""
    return _STS_NAMES[index] if index < len(_STS_NAMES) else ""


def string_to_sign_causes(ours: str, theirs: str) -> List[Cause]:
    """The request time and the credential scope of two SigV4 strings to sign."""
    a, b = ours.split("\n"), theirs.split("\n")
    causes: List[Cause] = []
    if len(a) >= 3 and len(b) >= 3 and a[0].startswith("AWS4") and b[0].startswith("AWS4"):
        if a[1] != b[1]:
            causes.append(
                Cause(
                    "clock-skew",
                    f"request time differs ({a[1]} vs {b[1]}): the time was changed or re-read "
                    "between signing and sending",
                )
            )
        scope_a, scope_b = a[2].split("/"), b[2].split("/")
        if a[2] != b[2] and len(scope_a) == 4 and len(scope_b) == 4:
            names = ("date", "region", "signing name (service)", "terminator")
            for name, x, y in zip(names, scope_a, scope_b):
                if x != y:
                    cause = "scope" if name != "date" else "clock-skew"
                    causes.append(
                        Cause(
                            cause,
                            f"credential scope {name}: we used {x!r}, the server expects {y!r}",
                        )
                    )
        elif a[2] != b[2]:
            causes.append(Cause("scope", f"credential scope differs ({a[2]!r} vs {b[2]!r})"))
    return causes


# -- the legacy schemes' string to sign ---------------------------------------------------------


def _legacy_kind(text: str) -> Optional[str]:
    """``"sigv2"`` or ``"s3-v2"`` when ``text`` has the shape of their string to sign."""
    lines = text.split("\n")
    if lines[0].startswith("AWS4"):
        return None
    if len(lines) == 4 and lines[2].startswith("/") and "SignatureVersion=2" in lines[3]:
        return "sigv2"
    if len(lines) >= 5 and lines[-1].startswith("/"):
        return "s3-v2"
    return None


def legacy_labels(text: str) -> Callable[[int], str]:
    """What each line of a legacy string to sign is (``""`` when its shape is unknown)."""
    lines = text.split("\n")
    kind = _legacy_kind(text)

    def label(index: int) -> str:
        if kind == "sigv2":
            return _SIGV2_STS_NAMES[index] if index < 4 else ""
        if kind == "s3-v2":
            if index < 4:
                return _S3_STS_NAMES[index]
            if index == len(lines) - 1:
                return "canonical resource"
            return "x-amz-* header" if index < len(lines) else ""
        return ""

    return label


def legacy_causes(ours: str, theirs: str) -> List[Cause]:
    """The likely causes of the differences between two legacy strings to sign."""
    kind = _legacy_kind(ours)
    if kind is None or kind != _legacy_kind(theirs) or ours == theirs:
        return []
    a, b = ours.split("\n"), theirs.split("\n")
    return _sigv2_causes(a, b) if kind == "sigv2" else _s3_causes(a, b)


def _amz_lines(lines: List[str]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for line in lines[4:-1]:
        name, _, value = line.partition(":")
        out[name] = value
    return out


def _s3_causes(a: List[str], b: List[str]) -> List[Cause]:
    causes: List[Cause] = []
    if a[0] != b[0]:
        causes.append(_method(a[0], b[0]))
    for index, name in ((1, "Content-MD5"), (2, "Content-Type")):
        if a[index] != b[index]:
            causes.append(
                Cause(
                    "header-value",
                    f"line {index + 1}: {name} {a[index]!r} signed, {b[index]!r} received (a "
                    "client or proxy set or changed it; a presigned URL must be used with the "
                    f"{name} it was signed with)",
                )
            )
    if a[3] != b[3]:
        causes.append(
            Cause(
                "clock-skew",
                f"line 4: Date (Expires when presigned) {a[3]!r} signed, {b[3]!r} on the server: "
                "the date header was replaced after signing, or x-amz-date was sent on one side "
                "only (it empties this line)",
            )
        )
    causes.extend(_s3_amz_causes(_amz_lines(a), _amz_lines(b)))
    if a[-1] != b[-1]:
        causes.extend(_s3_resource_causes(a[-1], b[-1]))
    return causes


def _s3_amz_causes(amz_a: Dict[str, str], amz_b: Dict[str, str]) -> List[Cause]:
    if amz_a == amz_b:
        return []
    causes: List[Cause] = []
    if (_TOKEN_HEADER in amz_a) != (_TOKEN_HEADER in amz_b):
        causes.append(
            Cause(
                "session-token",
                "x-amz-security-token is signed on one side only: the token was added after "
                "signing (or dropped on the way)",
            )
        )
    parts = _differences(amz_a, amz_b, skip={_TOKEN_HEADER}, theirs_only="the server also counts")
    if parts:
        causes.append(
            Cause(
                "signed-headers",
                "x-amz-* headers differ (S3 signs every x-amz-* header sent): " + "; ".join(parts),
            )
        )
    return causes


def _s3_resource_causes(resource_a: str, resource_b: str) -> List[Cause]:
    causes: List[Cause] = []
    path_a, _, sub_a = resource_a.partition("?")
    path_b, _, sub_b = resource_b.partition("?")
    if path_a != path_b:
        if path_a.endswith(path_b) or path_b.endswith(path_a):
            causes.append(
                Cause(
                    "host",
                    f"canonical resource {path_a!r} vs {path_b!r}: the bucket from a "
                    "virtual-hosted Host is counted on one side only (virtual-hosted vs "
                    "path-style addressing; sign with addressing= or bucket=)",
                )
            )
        else:
            causes.append(
                Cause(
                    "path",
                    f"canonical resource {path_a!r} vs {path_b!r}: the server received another "
                    "path (S3 signs the path as sent, not decoded or normalized)",
                )
            )
    if sub_a != sub_b:
        causes.append(
            Cause(
                "query",
                f"signed sub-resources differ ({sub_a!r} vs {sub_b!r}): a sub-resource such as "
                "?acl or ?versionId was added, dropped or changed, or one side signs a parameter "
                "the other does not count",
            )
        )
    return causes


def _sigv2_causes(a: List[str], b: List[str]) -> List[Cause]:
    causes: List[Cause] = []
    if a[0] != b[0]:
        causes.append(_method(a[0], b[0]))
    if a[1] != b[1]:
        causes.append(
            Cause(
                "host",
                f"host differs ({a[1]!r} vs {b[1]!r}): a port, a proxy, or the endpoint the "
                "request was signed for",
            )
        )
    if a[2] != b[2]:
        causes.append(Cause("path", f"path differs ({a[2]!r} vs {b[2]!r})"))
    if a[3] != b[3]:
        causes.extend(_sigv2_query_causes(_query_names(a[3]), _query_names(b[3]), bool(causes)))
    return causes


def _sigv2_query_causes(ours: Dict[str, str], theirs: Dict[str, str], named: bool) -> List[Cause]:
    causes: List[Cause] = []
    if ("SecurityToken" in ours) != ("SecurityToken" in theirs):
        causes.append(
            Cause(
                "session-token",
                "SecurityToken is signed on one side only: the token was added after signing (or "
                "dropped on the way)",
            )
        )
    times = ("Timestamp", "Expires")
    for name in times:
        if name in ours and name in theirs and ours[name] != theirs[name]:
            causes.append(
                Cause(
                    "clock-skew",
                    f"{name} differs ({percent_decode_str(ours[name])} vs "
                    f"{percent_decode_str(theirs[name])}): the time was changed after signing",
                )
            )
    parts = _differences(ours, theirs, skip={"SecurityToken"}, same=times)
    if parts or not (causes or named):
        causes.append(
            Cause(
                "query",
                "line 4: "
                + ("; ".join(parts) or "the parameters are encoded or ordered differently")
                + " (SigV2 signs every parameter sent, URL query and form body)",
            )
        )
    return causes


# -- what an answer without artifacts says -----------------------------------------------------

# AWS's own wordings (JSON services, the query services, S3), quoted in the tests with where each
# was seen.  Matched case-insensitively: proxies and SDKs re-case the first letter.
_SCOPED_SERVICE = re.compile(r"credential should be scoped to correct service: '([^']*)'", re.I)
_SCOPED_REGION = re.compile(
    r"credential (?:should|must) be scoped to a valid region(?:, not '([^']*)')?", re.I
)
_REGION_WRONG = re.compile(r"the region '([^']*)' is wrong; expecting '([^']*)'", re.I)
_EXPIRED = re.compile(
    r"signature expired: (\S+) is now earlier than (\S+) \((\S+) - (\d+) min\.\)", re.I
)
_NOT_YET = re.compile(
    r"signature not yet current: (\S+) is still later than (\S+) \((\S+) \+ (\d+) min\.\)", re.I
)


def _scope_parts(scope: Optional[str]) -> Optional[List[str]]:
    parts = scope.split("/") if scope else []
    return parts if len(parts) == 4 else None


def _used(parts: Optional[List[str]], index: int) -> str:
    return f"we used {parts[index]!r}, " if parts is not None else ""


def _expected(part: str, used: str, expected: str, option: str) -> Cause:
    """A scope part the answer names the right value of."""
    return Cause(
        "scope",
        f"credential scope {part}: {used}the server expects {expected!r} "
        f"(sign with --{option} / {option}={expected!r})",
    )


def answer_causes(
    code: Optional[str],
    message: Optional[str],
    *,
    ours_scope: Optional[str] = None,
    host_region: Optional[str] = None,
) -> List[Cause]:
    """The causes an answer names in words: the credential scope it refused (signing name or
    region, with what it expects) or the clock.  ``ours_scope`` is our credential scope
    (``date/region/service/aws4_request``) when known; ``host_region`` the region the host
    signs for (when the answer refuses a region without naming the right one)."""
    text = message or ""
    parts = _scope_parts(ours_scope)
    causes: List[Cause] = []
    found = _SCOPED_SERVICE.search(text)
    if found is not None:
        used = _used(parts, 2)
        causes.append(_expected("signing name (service)", used, found.group(1), "service"))
    wrong = _REGION_WRONG.search(text)
    if wrong is not None:
        used = f"we used {wrong.group(1)!r}, "
        causes.append(_expected("region", used, wrong.group(2), "region"))
    region = _SCOPED_REGION.search(text)
    if region is not None and wrong is None:
        refused = region.group(1) or (parts[1] if parts is not None else None)
        said = f"the server refuses region {refused!r}" if refused else "the server refuses it"
        if host_region is not None and host_region != refused:
            said += f"; it expects {host_region!r}, the region its host signs for"
        elif host_region is not None:
            said += " (the region its host names: is the region enabled for the account?)"
        else:
            said += " (sign with the endpoint's region; a global endpoint signs in us-east-1)"
        causes.append(Cause("scope", "credential scope region: " + said))
    causes.extend(_clock_causes(code, text))
    return causes


# AWS's two time-window answers, each with the way the signing clock is off.
_CLOCK_ANSWERS = (
    (_EXPIRED, "before", "the signing clock is behind, or the request was sent late"),
    (_NOT_YET, "after", "the signing clock is ahead"),
)


def _clock_causes(code: Optional[str], text: str) -> List[Cause]:
    for pattern, side, why in _CLOCK_ANSWERS:
        found = pattern.search(text)
        if found is not None:
            sent, _, server, minutes = found.groups()
            return [
                Cause(
                    "clock-skew",
                    f"the request time {sent} is more than {minutes} min. {side} the server's "
                    f"clock ({server}): {why}",
                )
            ]
    if code == "RequestTimeTooSkewed":
        return [
            Cause(
                "clock-skew",
                "the request time is too far from the server's clock (RequestTimeTooSkewed): "
                "check the signing clock",
            )
        ]
    return []
