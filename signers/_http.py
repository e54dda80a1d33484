"""Raw HTTP/1.1 request text parsed at the byte level into the parts of a request.

``http.server``'s parser rejects some of the published vectors (a space inside the path, obs-fold
header lines), so this parser is our own and deliberately lenient where the vectors need it.
"""

from __future__ import annotations

from typing import List, Tuple, Union

from .errors import InvalidRequest

RawParts = Tuple[str, str, List[Tuple[str, str]], bytes]

_HEAD_ENDS = (b"\r\n\r\n", b"\n\n", b"\r\n\n", b"\n\r\n")


def _split_head(data: bytes) -> Tuple[bytes, bytes]:
    # The head ends at the first empty line, with CRLF or bare LF line endings.
    found = [(data.find(sep), sep) for sep in _HEAD_ENDS]
    found = [(i, sep) for i, sep in found if i != -1]
    if not found:
        return data.rstrip(b"\r\n"), b""
    idx, sep = min(found)
    return data[:idx], data[idx + len(sep) :]


def parse_raw_request(raw: Union[str, bytes], *, scheme: str = "https") -> RawParts:
    """Parse a raw HTTP/1.1 request into ``(method, url, headers, body)``; see
    :meth:`signers.model.Request.from_raw`."""
    if isinstance(raw, str):
        data = raw.encode("utf-8")
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
    headers: List[Tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t":
            if not headers:
                raise InvalidRequest(
                    "raw request: a folded header line comes before any header", field="headers"
                )
            name, value = headers[-1]
            # obs-fold: the continuation joins the previous value with one space
            headers[-1] = (name, (value + " " + line.strip()) if value else line.strip())
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise InvalidRequest(f"raw request: header line {line!r} has no ':'", field="headers")
        headers.append((name.strip(), value.strip(" \t")))
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
