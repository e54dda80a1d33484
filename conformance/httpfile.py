"""Raw HTTP/1.1 request text for the signed-request stage: render ours, parse both, compare.

The expected ``*-signed-request.txt`` / ``.sreq`` and our rendered result are parsed by the same
small parser here (independent of the one the signers use to read ``request.txt``), and compared by
meaning rather than bytes: method, path, query parameters as a multiset (percent-decoded), headers
by case-insensitive name with trimmed values (the order of values under one name counts, the order
of different names does not), and the body bytes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Tuple, Union
from urllib.parse import unquote_to_bytes

from signers import SignedRequest

from .diff import visible

__all__ = ["HttpMessage", "parse_http", "render_signed", "compare_http"]


@dataclass(frozen=True)
class HttpMessage:
    """A parsed request: the request line's parts, headers as pairs in order, and the body."""

    method: str
    target: str
    version: str
    headers: Tuple[Tuple[str, str], ...]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]


def parse_http(raw: Union[str, bytes]) -> HttpMessage:
    """Parse raw request text leniently (LF or CRLF lines, obs-fold, spaces inside the target)."""
    data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    head, body = data, b""
    # The head ends at the first empty line, whatever the line endings.
    ends = [i for i in (data.find(b"\n\n"), data.find(b"\n\r\n")) if i != -1]
    if ends:
        i = min(ends)
        skip = 2 if data[i + 1 : i + 2] == b"\n" else 3
        head, body = data[:i], data[i + skip :]
    lines = head.decode("utf-8", "surrogateescape").replace("\r\n", "\n").split("\n")
    request_line = lines[0].strip()
    method, _, rest_line = request_line.partition(" ")
    target, _, version = rest_line.rpartition(" ")
    if not version.startswith("HTTP/"):
        target, version = rest_line, ""
    headers: List[Tuple[str, str]] = []
    for line in lines[1:]:
        if not line.strip():
            continue
        if line[0] in " \t" and headers:
            name, value = headers[-1]
            headers[-1] = (name, (value + " " + line.strip()).strip())
            continue
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip(" \t")))
    return HttpMessage(method, target.strip(), version, tuple(headers), body)


def render_signed(signed: SignedRequest) -> bytes:
    """Our signed request as raw HTTP/1.1 (``Host`` from the URL when the request has none)."""
    return signed.request.to_raw(include_host=True)


def _query_multiset(query: str) -> Counter[Tuple[bytes, bytes]]:
    pairs: Counter[Tuple[bytes, bytes]] = Counter()
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs[(unquote_to_bytes(name), unquote_to_bytes(value))] += 1
    return pairs


def _header_map(headers: Tuple[Tuple[str, str], ...]) -> Dict[str, List[str]]:
    out: Dict[str, List[str]] = {}
    for name, value in headers:
        out.setdefault(name.lower(), []).append(value.strip())
    return out


def _show(value: Union[str, bytes]) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "backslashreplace")
    return "'" + visible(value) + "'"


def compare_http(expected: HttpMessage, actual: HttpMessage) -> List[str]:
    """The differences, one line each (empty when the two requests mean the same)."""
    out: List[str] = []
    if expected.method != actual.method:
        out.append(f"method: expected {_show(expected.method)}, got {_show(actual.method)}")
    if expected.path != actual.path:
        out.append(f"path: expected {_show(expected.path)}, got {_show(actual.path)}")
    want_q, got_q = _query_multiset(expected.query), _query_multiset(actual.query)
    for (key, value), count in sorted((want_q - got_q).items()):
        times = f" ({count}x)" if count > 1 else ""
        out.append(f"query: missing {_show(key)}={_show(value)}{times}")
    for (key, value), count in sorted((got_q - want_q).items()):
        times = f" ({count}x)" if count > 1 else ""
        out.append(f"query: unexpected {_show(key)}={_show(value)}{times}")
    want_h, got_h = _header_map(expected.headers), _header_map(actual.headers)
    for name in sorted(set(want_h) | set(got_h)):
        want, got = want_h.get(name), got_h.get(name)
        if want == got:
            continue
        if got is None:
            out.append(f"header {name!r}: missing; expected {', '.join(map(_show, want or []))}")
        elif want is None:
            out.append(f"header {name!r}: unexpected {', '.join(map(_show, got))}")
        else:
            out.append(
                f"header {name!r}: expected {', '.join(map(_show, want))}; "
                f"got {', '.join(map(_show, got))}"
            )
    if expected.body != actual.body:
        out.append(
            f"body: expected {len(expected.body)} bytes {_show(expected.body[:80])}, "
            f"got {len(actual.body)} bytes {_show(actual.body[:80])}"
        )
    return out
