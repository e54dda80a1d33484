"""Immutable values signers read and return: Request, Credentials, SignedRequest, Artifacts."""

from __future__ import annotations

from typing import Any, Iterable, List, Mapping, NoReturn, Optional, Tuple, Union

from ._encoding import split_query
from .errors import InvalidCredentials, InvalidRequest

__all__ = [
    "Request",
    "Credentials",
    "SignedRequest",
    "Artifacts",
    "PayloadHash",
    "UNSIGNED_PAYLOAD",
    "Body",
    "Header",
]

Header = Tuple[str, str]

# RFC 7230 token characters, for header names and methods
_TCHAR = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_DEFAULT_PORTS = {"http": "80", "https": "443"}


class _Frozen:
    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable; use .replace(...)")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")


class _UnsignedPayload(_Frozen):
    """Marker: the payload is not hashed; ``UNSIGNED-PAYLOAD`` is signed in its place."""

    __slots__ = ()
    value = "UNSIGNED-PAYLOAD"

    def __repr__(self) -> str:
        return "UNSIGNED_PAYLOAD"

    def __reduce__(self) -> str:
        return "UNSIGNED_PAYLOAD"


UNSIGNED_PAYLOAD = _UnsignedPayload()


class PayloadHash(_Frozen):
    """A precomputed lower-case hex SHA-256 of the payload (64 hex digits)."""

    __slots__ = ("hex",)
    hex: str

    def __init__(self, hex: str) -> None:
        if not isinstance(hex, str):
            raise InvalidRequest(
                f"body: PayloadHash takes a hex string, got {type(hex).__name__}", field="body"
            )
        value = hex.strip().lower()
        if len(value) != 64 or value.strip("0123456789abcdef"):
            raise InvalidRequest(
                f"body: PayloadHash {hex!r} is not 64 hexadecimal digits", field="body"
            )
        object.__setattr__(self, "hex", value)

    def __repr__(self) -> str:
        return f"PayloadHash({self.hex!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PayloadHash) and other.hex == self.hex

    def __hash__(self) -> int:
        return hash(("PayloadHash", self.hex))


Body = Union[bytes, _UnsignedPayload, PayloadHash]


def _bad_text(value: str) -> bool:
    return "\r" in value or "\n" in value or "\0" in value


def _check_header(name: object, value: object) -> Header:
    if not isinstance(name, str) or not isinstance(value, str):
        raise InvalidRequest(
            "headers: name and value must be str, "
            f"got {type(name).__name__}/{type(value).__name__}",
            field="headers",
        )
    if not name or any(c not in _TCHAR for c in name):
        raise InvalidRequest(
            f"header name {name!r} is not a valid HTTP token", field=f"header {name!r}"
        )
    if _bad_text(value):
        raise InvalidRequest(
            f"header {name!r}: value contains CR, LF or NUL", field=f"header {name!r}"
        )
    return (name, value)


def _normalize_headers(headers: Union[Mapping[str, str], Iterable[Header]]) -> Tuple[Header, ...]:
    if isinstance(headers, Mapping):
        items: Iterable[Any] = headers.items()
    elif isinstance(headers, (str, bytes)):  # type: ignore[unreachable]
        raise InvalidRequest(
            "headers: expected a mapping or (name, value) pairs, got a string", field="headers"
        )
    else:
        items = headers
    out = []
    for item in items:
        try:
            name, value = item
        except (TypeError, ValueError):
            raise InvalidRequest(
                f"headers: {item!r} is not a (name, value) pair", field="headers"
            ) from None
        out.append(_check_header(name, value))
    return tuple(out)


def _normalize_body(body: object) -> Body:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, (_UnsignedPayload, PayloadHash)):
        return body
    if body is None:
        return b""
    raise InvalidRequest(
        f"body: expected bytes, str, UNSIGNED_PAYLOAD or PayloadHash, got {type(body).__name__}",
        field="body",
    )


class Request(_Frozen):
    """An HTTP request to sign: method, absolute URL, headers as ordered pairs, and a body.

    ``headers`` accepts a mapping or an iterable of ``(name, value)`` pairs; order and duplicates
    are kept.  ``url`` is kept exactly as given (``scheme://host[:port]/path?query``); its parts are
    available as :attr:`scheme`, :attr:`host`, :attr:`port`, :attr:`path` and :attr:`query`.
    """

    __slots__ = ("authority", "body", "headers", "method", "path", "query", "scheme", "url")
    method: str
    url: str
    headers: Tuple[Header, ...]
    body: Body
    scheme: str
    authority: str
    path: str
    query: str

    def __init__(
        self,
        method: str,
        url: str,
        headers: Union[Mapping[str, str], Iterable[Header]] = (),
        body: Union[Body, str] = b"",
    ) -> None:
        if not isinstance(method, str) or not method or any(c not in _TCHAR for c in method):
            raise InvalidRequest(f"method {method!r} is not a valid HTTP method", field="method")
        scheme, authority, path, query = _split_url(url)
        setattr_ = object.__setattr__
        setattr_(self, "method", method)
        setattr_(self, "url", url)
        setattr_(self, "headers", _normalize_headers(headers))
        setattr_(self, "body", _normalize_body(body))
        setattr_(self, "scheme", scheme)
        setattr_(self, "authority", authority)
        setattr_(self, "path", path)
        setattr_(self, "query", query)

    # -- derived views -------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """Host name (or bracketed IPv6 literal) without the port, as written in the URL."""
        authority = self.authority
        if authority.startswith("["):
            return authority[: authority.index("]") + 1]
        return authority.rpartition(":")[0] if ":" in authority else authority

    @property
    def port(self) -> Optional[int]:
        """The explicit port of the URL, or ``None``."""
        authority = self.authority
        tail = authority[authority.index("]") + 1 :] if authority.startswith("[") else authority
        if ":" in tail:
            return int(tail.rpartition(":")[2])
        return None

    @property
    def host_header(self) -> str:
        """The value an HTTP client sends as ``Host``: the authority, less a default port."""
        authority = self.authority
        port = self.port
        if port is not None and _DEFAULT_PORTS.get(self.scheme) == str(port):
            return self.host
        return authority

    @property
    def target(self) -> str:
        """The request target: path (``/`` when empty) and ``?query`` when there is one."""
        path = self.path or "/"
        return path + "?" + self.query if self.query else path

    def query_pairs(self) -> List[Header]:
        """The query as ``(name, value)`` pairs, exactly as written (still percent-encoded)."""
        return split_query(self.query)

    def header(self, name: str) -> Optional[str]:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        key = name.lower()
        for n, v in self.headers:
            if n.lower() == key:
                return v
        return None

    def header_values(self, name: str) -> List[str]:
        """Every value of header ``name`` (case-insensitive), in order."""
        key = name.lower()
        return [v for n, v in self.headers if n.lower() == key]

    def has_header(self, name: str) -> bool:
        key = name.lower()
        return any(n.lower() == key for n, _ in self.headers)

    @property
    def body_bytes(self) -> Optional[bytes]:
        """The body when it is bytes, ``None`` for UNSIGNED_PAYLOAD or a PayloadHash."""
        body = self.body
        return body if isinstance(body, bytes) else None

    # -- building new requests -----------------------------------------------------------------

    def replace(self, **changes: Any) -> Request:
        """A copy with ``method``, ``url``, ``headers`` or ``body`` replaced."""
        unknown = set(changes) - {"method", "url", "headers", "body"}
        if unknown:
            raise TypeError(f"replace() got unexpected field(s): {', '.join(sorted(unknown))}")
        return Request(
            changes.get("method", self.method),
            changes.get("url", self.url),
            changes.get("headers", self.headers),
            changes.get("body", self.body),
        )

    def with_headers(self, *extra: Header) -> Request:
        """A copy with ``extra`` headers appended."""
        return Request(self.method, self.url, self.headers + tuple(extra), self.body)

    def _evolve(self, url: str, headers: Tuple[Header, ...]) -> Request:
        # Signers build their result from validated parts; skip re-validating what is unchanged.
        new = object.__new__(Request)
        scheme, authority, path, query = (
            _split_url(url)
            if url != self.url
            else (
                self.scheme,
                self.authority,
                self.path,
                self.query,
            )
        )
        setattr_ = object.__setattr__
        setattr_(new, "method", self.method)
        setattr_(new, "url", url)
        setattr_(new, "headers", headers)
        setattr_(new, "body", self.body)
        setattr_(new, "scheme", scheme)
        setattr_(new, "authority", authority)
        setattr_(new, "path", path)
        setattr_(new, "query", query)
        return new

    @classmethod
    def from_raw(cls, raw: Union[str, bytes], scheme: str = "https") -> Request:
        """Parse a raw HTTP/1.1 request (request line, headers, blank line, body).

        Lines may end in CRLF or LF; folded header lines (obs-fold) are joined with one space; the
        body is everything after the blank line, byte for byte.  The URL is built from ``scheme``,
        the ``Host`` header and the request target (an absolute-form target is used as it is).
        """
        from ._http import parse_raw_request

        return parse_raw_request(raw, scheme=scheme)

    # -- dunder --------------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Request):
            return NotImplemented
        return (self.method, self.url, self.headers, self.body) == (
            other.method,
            other.url,
            other.headers,
            other.body,
        )

    def __hash__(self) -> int:
        return hash((self.method, self.url, self.headers, self.body))

    def __repr__(self) -> str:
        body = self.body
        if isinstance(body, bytes):
            shown = f"<{len(body)} bytes>"
        else:
            shown = repr(body)
        return (
            f"Request({self.method!r}, {self.url!r}, headers={list(self.headers)!r}, body={shown})"
        )


def _split_url(url: object) -> Tuple[str, str, str, str]:
    if not isinstance(url, str):
        raise InvalidRequest(f"url: expected str, got {type(url).__name__}", field="url")
    if _bad_text(url):
        raise InvalidRequest("url: contains CR, LF or NUL", field="url")
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme:
        raise InvalidRequest(f"url: {url!r} is not absolute; give scheme://host/path", field="url")
    scheme_l = scheme.lower()
    if scheme_l not in ("http", "https"):
        raise InvalidRequest(f"url: scheme {scheme!r} is not http or https", field="url")
    if "#" in rest:
        raise InvalidRequest(
            "url: has a #fragment, which is never sent to the server; remove it", field="url"
        )
    end = len(rest)
    for stop in ("/", "?"):
        i = rest.find(stop)
        if i != -1 and i < end:
            end = i
    authority = rest[:end]
    remainder = rest[end:]
    if not authority:
        raise InvalidRequest(f"url: {url!r} has no host", field="url")
    if "@" in authority:
        raise InvalidRequest("url: user information (user@host) is not allowed", field="url")
    if " " in authority or "\t" in authority:
        raise InvalidRequest(f"url: host {authority!r} contains whitespace", field="url")
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
    path, _, query = remainder.partition("?")
    return scheme_l, authority, path, query


class Credentials(_Frozen):
    """An access key, its secret, and an optional session token.  ``repr`` never shows secrets."""

    __slots__ = ("access_key", "secret_key", "token")
    access_key: str
    secret_key: str
    token: Optional[str]

    def __init__(self, access_key: str, secret_key: str, token: Optional[str] = None) -> None:
        for field, value in (("access_key", access_key), ("secret_key", secret_key)):
            if not isinstance(value, str):
                raise InvalidCredentials(
                    f"{field}: expected str, got {type(value).__name__}", field=field
                )
            if not value:
                raise InvalidCredentials(f"{field}: is empty", field=field)
            if _bad_text(value) or value != value.strip():
                raise InvalidCredentials(
                    f"{field}: contains whitespace, CR, LF or NUL", field=field
                )
        if token is not None:
            if not isinstance(token, str):
                raise InvalidCredentials(
                    f"token: expected str or None, got {type(token).__name__}", field="token"
                )
            if not token:
                token = None
            elif _bad_text(token) or token != token.strip():
                raise InvalidCredentials("token: contains whitespace, CR, LF or NUL", field="token")
        if "/" in access_key:
            raise InvalidCredentials("access_key: must not contain '/'", field="access_key")
        setattr_ = object.__setattr__
        setattr_(self, "access_key", access_key)
        setattr_(self, "secret_key", secret_key)
        setattr_(self, "token", token)

    def __repr__(self) -> str:
        token = "None" if self.token is None else "'<redacted>'"
        return (
            f"Credentials(access_key={self.access_key!r}, secret_key='<redacted>', token={token})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credentials):
            return NotImplemented
        return (self.access_key, self.secret_key, self.token) == (
            other.access_key,
            other.secret_key,
            other.token,
        )

    def __hash__(self) -> int:
        return hash((self.access_key, self.secret_key, self.token))

    def __reduce__(self) -> NoReturn:
        raise TypeError("Credentials are not picklable (they hold secrets)")


class Artifacts(_Frozen):
    """What a signer computed on the way: the spec's intermediate values.

    ``canonical_request`` is ``None`` for schemes that have none (the legacy ones sign a string to
    sign built directly from the request).
    """

    __slots__ = (
        "canonical_request",
        "credential_scope",
        "payload_hash",
        "signature",
        "signed_headers",
        "string_to_sign",
    )
    canonical_request: Optional[str]
    string_to_sign: str
    signature: str
    credential_scope: Optional[str]
    signed_headers: Optional[str]
    payload_hash: Optional[str]

    def __init__(
        self,
        *,
        canonical_request: Optional[str],
        string_to_sign: str,
        signature: str,
        credential_scope: Optional[str] = None,
        signed_headers: Optional[str] = None,
        payload_hash: Optional[str] = None,
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "canonical_request", canonical_request)
        setattr_(self, "string_to_sign", string_to_sign)
        setattr_(self, "signature", signature)
        setattr_(self, "credential_scope", credential_scope)
        setattr_(self, "signed_headers", signed_headers)
        setattr_(self, "payload_hash", payload_hash)

    def __repr__(self) -> str:
        return (
            f"Artifacts(signature={self.signature!r}, credential_scope={self.credential_scope!r}, "
            f"signed_headers={self.signed_headers!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Artifacts):
            return NotImplemented
        return all(getattr(self, s) == getattr(other, s) for s in self.__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, s) for s in self.__slots__))


class SignedRequest(_Frozen):
    """The result of ``sign()``: a new request, what signing added, and the artifacts."""

    __slots__ = ("added_headers", "added_query", "artifacts", "request", "scheme")
    request: Request
    added_headers: Tuple[Header, ...]
    added_query: Tuple[Header, ...]
    artifacts: Artifacts
    scheme: str

    def __init__(
        self,
        *,
        request: Request,
        artifacts: Artifacts,
        scheme: str,
        added_headers: Tuple[Header, ...] = (),
        added_query: Tuple[Header, ...] = (),
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "request", request)
        setattr_(self, "artifacts", artifacts)
        setattr_(self, "scheme", scheme)
        setattr_(self, "added_headers", added_headers)
        setattr_(self, "added_query", added_query)

    @property
    def url(self) -> str:
        """The signed URL (for presigned schemes it carries the signature)."""
        return self.request.url

    @property
    def headers(self) -> Tuple[Header, ...]:
        """All headers after signing, as ``(name, value)`` pairs."""
        return self.request.headers

    @property
    def signature(self) -> str:
        return self.artifacts.signature

    def header_dict(self) -> dict[str, str]:
        """Headers as a dict for HTTP clients that take one (repeated names joined with ``,``)."""
        out: dict[str, str] = {}
        for name, value in self.request.headers:
            out[name] = out[name] + "," + value if name in out else value
        return out

    def __repr__(self) -> str:
        return (
            f"SignedRequest(scheme={self.scheme!r}, url={self.url!r}, signature={self.signature!r})"
        )
