"""Raw HTTP/1.1 request text parsed at the byte level into the parts of a request, and the
absolute URL of a request split into its parts (both checked, with one-line errors).

``http.server``'s parser rejects some of the published vectors (a space inside the path, obs-fold
header lines), so this parser is our own and deliberately lenient where the vectors need it.
"""

from __future__ import annotations

from .errors import InvalidRequest

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see signers/__init__)
if TYPE_CHECKING:
    from typing import List, Set, Tuple, Union

    RawParts = Tuple[str, str, List[Tuple[str, str]], bytes]

#: The port a URL scheme implies (left out of a Host header and of SigV2's host line).
DEFAULT_PORTS = {"http": "80", "https": "443"}

_HEAD_ENDS = (b"\r\n\r\n", b"\n\n", b"\r\n\n", b"\n\r\n")


def _split_head(data: bytes) -> Tuple[bytes, bytes]:
    # The head ends at the first empty line, with CRLF or bare LF line endings.
    found = [(data.find(sep), sep) for sep in _HEAD_ENDS]
    found = [(i, sep) for i, sep in found if i != -1]
    if not found:
        return data.rstrip(b"\r\n"), b""
    idx, sep = min(found)
    return data[:idx], data[idx + len(sep) :]


def _header_lines(lines: List[str]) -> List[Tuple[str, str]]:
    """``(name, value)`` pairs of header lines; a folded line (obs-fold) continues the previous
    value after one space (the parts joined once at the end: linear in the lines)."""
    parts: List[Tuple[str, List[str]]] = []
    for line in lines:
        if not line:
            continue
        if line[0] in " \t":
            if not parts:
                raise InvalidRequest(
                    "raw request: a folded header line comes before any header", field="headers"
                )
            continued = line.strip(" \t")
            if continued:
                parts[-1][1].append(continued)
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise InvalidRequest(f"raw request: header line {line!r} has no ':'", field="headers")
        value = value.strip(" \t")
        parts.append((name.strip(" \t"), [value] if value else []))
    return [(name, " ".join(values)) for name, values in parts]


def parse_raw_request(raw: Union[str, bytes], *, scheme: str = "https") -> RawParts:
    """Parse a raw HTTP/1.1 request into ``(method, url, headers, body)``; see
    :meth:`signers.model.Request.from_raw`."""
    if isinstance(raw, str):
        try:
            data = raw.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raise InvalidRequest(
                "raw request: the text holds a lone surrogate, which no bytes encode", field="raw"
            ) from None
    elif isinstance(raw, (bytes, bytearray, memoryview)):
        data = bytes(raw)
    else:
        raise InvalidRequest(
            f"raw request: expected str or bytes, got {type(raw).__name__}", field="raw"
        )
    if scheme not in ("http", "https"):
        raise InvalidRequest(f"scheme: {scheme!r} is not http or https", field="scheme")
    head, body = _split_head(data)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest(
            "raw request: the request line and headers are not UTF-8", field="raw"
        ) from None
    lines = text.replace("\r\n", "\n").split("\n")
    request_line = lines[0].strip()
    if not request_line:
        raise InvalidRequest("raw request: empty request line", field="request line")
    method, _, rest = request_line.partition(" ")
    target, _, version = rest.rpartition(" ")
    if not target or not version.startswith("HTTP/"):
        # No version: HTTP/0.9-style "GET /path" is accepted with the whole rest as the target.
        if rest and not version.startswith("HTTP/"):
            target, version = rest, "HTTP/1.1"
        else:
            raise InvalidRequest(
                f"raw request: request line {request_line!r} is not 'METHOD target HTTP/1.1'",
                field="request line",
            )
    headers = _header_lines(lines[1:])
    if target.startswith(("http://", "https://")):
        url = target
    else:
        host = None
        for name, value in headers:
            if name.lower() == "host":
                host = value
                break
        if not host:
            raise InvalidRequest("raw request: no Host header to build the URL from", field="Host")
        if not target.startswith("/") and target != "*":
            raise InvalidRequest(
                f"raw request: target {target!r} does not start with '/'", field="target"
            )
        url = f"{scheme}://{host}{target}"
    return method, url, headers, body


def unencodable(text: str) -> bool:
    """Whether ``text`` holds a character no bytes stand for: a lone surrogate outside the
    ``surrogateescape`` range (U+DC80-U+DCFF, raw bytes that are not UTF-8)."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return True
    return False


# Authorities (a host without a port) already found valid: a client sends to the same few hosts,
# so each is checked once and then recognised by a set lookup, as signers.model recognises header
# names.  Bounded; ``set.add`` is atomic, so threads may share it.
_KNOWN_HOSTS: Set[str] = set()
_KNOWN_HOSTS_MAX = 1024


def split_url(url: object) -> Tuple[str, str, str, str]:
    """``(scheme, authority, path, query)`` of an absolute http(s) URL, checked."""
    if not isinstance(url, str):
        raise InvalidRequest(f"url: expected str, got {type(url).__name__}", field="url")
    # (unencodable only for non-ASCII: no call on the common path)
    if "\r" in url or "\n" in url or "\0" in url or (not url.isascii() and unencodable(url)):
        raise InvalidRequest("url: contains CR, LF, NUL or a lone surrogate", field="url")
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme:
        raise InvalidRequest(f"url: {url!r} is not absolute; give scheme://host/path", field="url")
    if scheme == "https" or scheme == "http":
        scheme_l = scheme
    else:
        scheme_l = scheme.lower()
        if scheme_l not in ("http", "https"):
            raise InvalidRequest(f"url: scheme {scheme!r} is not http or https", field="url")
    if "#" in rest:
        raise InvalidRequest(
            "url: has a #fragment, which is never sent to the server; remove it", field="url"
        )
    # The authority ends at the first "/" or "?"; the query starts after the first "?".
    head, _, query = rest.partition("?")
    slash = head.find("/")
    if slash == -1:
        authority, path = head, ""
    else:
        authority, path = head[:slash], head[slash:]
    if authority in _KNOWN_HOSTS:  # (the checks below passed for it before)
        return scheme_l, authority, path, query
    if not authority:
        raise InvalidRequest(f"url: {url!r} has no host", field="url")
    if "@" in authority:
        raise InvalidRequest("url: user information (user@host) is not allowed", field="url")
    if " " in authority or "\t" in authority:
        raise InvalidRequest(f"url: host {authority!r} contains whitespace", field="url")
    if ":" not in authority and "[" not in authority:
        if len(_KNOWN_HOSTS) < _KNOWN_HOSTS_MAX:
            _KNOWN_HOSTS.add(authority)
        return scheme_l, authority, path, query
    if authority.startswith("["):
        close = authority.find("]")
        if close == -1:
            raise InvalidRequest(f"url: unclosed IPv6 literal in {authority!r}", field="url")
        port_part = authority[close + 1 :]
        if port_part and not port_part.startswith(":"):
            raise InvalidRequest(f"url: malformed host {authority!r}", field="url")
        port = port_part[1:] if port_part else None
        host = authority[: close + 1]
    else:
        host, colon, port_text = authority.partition(":")
        port = port_text if colon else None
    if not host or host == "[]":
        raise InvalidRequest(f"url: {url!r} has no host", field="url")
    if port is not None and (not port.isdigit() or not port.isascii() or not 0 < int(port) < 65536):
        raise InvalidRequest(f"url: port {port!r} is not a number from 1 to 65535", field="url")
    return scheme_l, authority, path, query
