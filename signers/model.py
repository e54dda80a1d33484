"""Immutable values signers read and return: Request, Credentials, SignedRequest, Artifacts."""

from __future__ import annotations

import io as _io
from operator import attrgetter, itemgetter

from ._encoding import split_query
from ._http import DEFAULT_PORTS, split_url, unencodable
from ._redact import MASK, redact, redact_headers
from .errors import InvalidCredentials, InvalidRequest

# typing stays off ``import signers`` (about two thirds of its time): the type aliases and the
# typed tuple bases exist for type checkers; at run time the records subclass plain ``tuple`` and
# ``Header`` / ``Body`` are built on first access (module ``__getattr__`` below).
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from typing import IO, Any, Iterable, List, Mapping, NoReturn, Optional, Tuple, Union

    Header = Tuple[str, str]
    Body = Union[bytes, "_UnsignedPayload", "PayloadHash", IO[bytes]]
    _RequestFields = Tuple[str, str, Tuple[Header, ...], Body, str, str, str, str]
    _ArtifactsFields = Tuple[Optional[str], str, str, Optional[str], Optional[str], Optional[str]]
    _SignedRequestFields = Tuple[
        "Request", "Artifacts", str, Tuple[Header, ...], Tuple[Header, ...]
    ]
else:
    _RequestFields = _ArtifactsFields = _SignedRequestFields = tuple

    def __getattr__(name: str) -> object:
        # ``from signers.model import Header, Body`` at run time: the real aliases, made once
        if name not in ("Header", "Body"):
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from typing import IO, Tuple, Union

        globals()["Header"] = Tuple[str, str]
        globals()["Body"] = Union[bytes, _UnsignedPayload, PayloadHash, IO[bytes]]
        return globals()[name]


__all__ = [
    "Request",
    "Credentials",
    "SignedRequest",
    "Artifacts",
    "PayloadHash",
    "UNSIGNED_PAYLOAD",
    "Body",
    "STREAM_BODY_MESSAGE",
    "is_stream",
    "Header",
    "check_access_key",
]

# RFC 7230 token characters, for header names and methods
_TCHAR = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_TCHAR_BYTES = "".join(sorted(_TCHAR)).encode("ascii")

_tuple_new = tuple.__new__


class _Frozen:
    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable; use .replace(...)")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")


class _TupleValue:
    """Mixin for the values built on every signature (Request, Artifacts, SignedRequest).

    They are tuples underneath, because a tuple is several times cheaper to build than an object
    with slots set one by one, and signing builds three of them per call.  On top, they behave as
    the values they model: named read-only attributes, no assignment, equality only with the same
    kind of value (never with a plain tuple), no ordering.
    """

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable; use .replace(...)")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _TupleValue):
            if isinstance(other, type(self)) or isinstance(self, type(other)):
                return tuple.__eq__(self, other)  # type: ignore[operator]
            return False
        if isinstance(other, tuple):
            return False
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return tuple.__hash__(self)  # type: ignore[arg-type]

    def __lt__(self, other: object) -> bool:
        return NotImplemented

    __le__ = __gt__ = __ge__ = __lt__

    def __reduce__(self) -> Tuple[Any, ...]:
        # pickle / copy: the fields as they are (a keyword-only constructor takes no tuple)
        return (_restore, (type(self), tuple(self)))  # type: ignore[arg-type]


def _field(index: int, doc: str) -> Any:
    # A read-only attribute over one tuple slot, running at C speed.
    return property(itemgetter(index), doc=doc)


def _path_field(path: str, doc: str) -> Any:
    # A read-only attribute of an attribute (``"request.url"``), also at C speed.
    return property(attrgetter(path), doc=doc)


def _restore(cls: Any, fields: Tuple[Any, ...]) -> Any:
    # pickle / copy support for values whose constructor is keyword-only
    return _tuple_new(cls, fields)


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


# ``Body`` (above): a binary file object (``read(size)`` gives bytes) is an aws-chunked body, read
# only to verify one.
STREAM_BODY_MESSAGE = (
    "body: a file object is read only as an aws-chunked stream (sign_stream() signs one, "
    "signers.verify() checks a STREAMING-* request's); give bytes, UNSIGNED_PAYLOAD or a "
    "PayloadHash"
)


def is_stream(body: object) -> bool:
    """Whether ``body`` is a file object (an aws-chunked stream), not bytes or a marker."""
    return not isinstance(body, (bytes, _UnsignedPayload, PayloadHash))


class _Keep:
    """Marker: :meth:`Request.replace` keeps the body (``None`` there means an empty body)."""

    __slots__ = ()


_KEEP = _Keep()


def _bad_text(value: str) -> bool:
    # CR, LF or NUL (no HTTP message carries them in a header), or a lone surrogate that no
    # bytes encode (raw bytes that are not UTF-8 arrive as surrogate escapes, which do encode)
    return "\r" in value or "\n" in value or "\0" in value or unencodable(value)


def _check_header(name: object, value: object) -> Header:
    if not isinstance(name, str) or not isinstance(value, str):
        raise InvalidRequest(
            "headers: name and value must be str, "
            f"got {type(name).__name__}/{type(value).__name__}",
            field="headers",
        )
    if not _is_token(name):
        raise InvalidRequest(
            f"header name {name!r} is not a valid HTTP token", field=f"header {name!r}"
        )
    if _bad_text(value):
        raise InvalidRequest(
            f"header {name!r}: value contains CR, LF, NUL or a lone surrogate",
            field=f"header {name!r}",
        )
    return (name, value)


# Header names and methods already found to be valid tokens.  A name is checked once and then
# recognised by a set lookup: the same few names recur on every request.  Only exact ``str``
# objects are added (their value cannot change); bounded; ``set.add`` is atomic, so threads may
# share it.
_KNOWN_TOKENS = {"GET", "PUT", "POST", "HEAD", "DELETE", "PATCH", "OPTIONS"}
_KNOWN_TOKENS_MAX = 1024


def _is_token(value: str) -> bool:
    # One C-level pass: delete every token character and see whether anything is left.
    return (
        bool(value) and value.isascii() and not value.encode("ascii").translate(None, _TCHAR_BYTES)
    )


def _normalize_headers(headers: Union[Mapping[str, str], Iterable[Header]]) -> Tuple[Header, ...]:
    # Fast path: a tuple or list of (str, str) tuples, or a plain dict, all valid.  Anything else,
    # or the first doubtful pair, goes to the full check below, which raises the precise error.
    kind = type(headers)
    if kind is tuple or kind is list:
        pairs: Any = headers
    elif kind is dict:
        pairs = list(headers.items())  # type: ignore[union-attr]
    else:
        pairs = None
    if pairs is not None:
        known = _KNOWN_TOKENS
        # (the builtins as locals, and a pair's length checked by unpacking it: a tuple of any
        # other length raises ValueError, caught below; fewer instructions a header, measured)
        type_, tuple_, str_ = type, tuple, str
        try:
            for pair in pairs:
                if type_(pair) is not tuple_:
                    break
                name, value = pair
                if type_(name) is not str_ or type_(value) is not str_:
                    break
                if name not in known:
                    if not _is_token(name):
                        break
                    if len(known) < _KNOWN_TOKENS_MAX:
                        known.add(name)
                if (
                    "\r" in value
                    or "\n" in value
                    or "\0" in value
                    or (not value.isascii() and unencodable(value))  # (no call for ASCII)
                ):
                    break
            else:
                return pairs if kind is tuple_ else tuple_(pairs)
        except ValueError:  # (a tuple that is not a pair: the full check names it)
            pass
    return _check_headers(headers)


def _check_headers(headers: Union[Mapping[str, str], Iterable[Header]]) -> Tuple[Header, ...]:
    from collections.abc import Mapping  # (the slow path only: collections stays off the import)

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
    if type(body) is bytes:
        return body
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
    if callable(getattr(body, "read", None)):
        if isinstance(body, _io.TextIOBase):
            raise InvalidRequest("body: a text file; open it in binary mode ('rb')", field="body")
        return body  # type: ignore[return-value]  # (a binary file: an aws-chunked stream)
    raise InvalidRequest(
        "body: expected bytes, str, UNSIGNED_PAYLOAD, a PayloadHash or a binary file object, "
        f"got {type(body).__name__}",
        field="body",
    )


_NO_HEADERS = ()  # (the one empty tuple: Request() tells it by identity)


class Request(_TupleValue, _RequestFields):
    """An HTTP request to sign: method, absolute URL, headers as ordered pairs, and a body.

    ``headers`` accepts a mapping or an iterable of ``(name, value)`` pairs; order and duplicates
    are kept.  ``url`` is kept exactly as given (``scheme://host[:port]/path?query``); its parts are
    available as :attr:`scheme`, :attr:`host`, :attr:`port`, :attr:`path` and :attr:`query`.
    """

    __slots__ = ()
    _fields = ("method", "url", "headers", "body", "scheme", "authority", "path", "query")

    method: str = _field(0, "The HTTP method, upper-cased (as HTTP clients send it).")
    url: str = _field(1, "The absolute URL, exactly as given.")
    headers: Tuple[Header, ...] = _field(
        2, "The headers as (name, value) pairs, in order, duplicates kept."
    )
    body: Body = _field(
        3, "bytes, UNSIGNED_PAYLOAD, a PayloadHash, or a binary file (an aws-chunked body)."
    )
    scheme: str = _field(4, "The URL scheme, lower-cased: http or https.")
    authority: str = _field(5, "host[:port] as written in the URL.")
    path: str = _field(6, "The path as written in the URL (still percent-encoded), maybe empty.")
    query: str = _field(7, "The query as written in the URL, without '?', maybe empty.")

    def __new__(
        cls,
        method: str,
        url: str,
        headers: Union[Mapping[str, str], Iterable[Header]] = (),
        body: Union[Body, str, None] = b"",
    ) -> Request:
        if not (type(method) is str and method in _KNOWN_TOKENS):
            if not isinstance(method, str) or not _is_token(method):
                raise InvalidRequest(
                    f"method {method!r} is not a valid HTTP method", field="method"
                )
            # Upper-cased, as HTTP clients send it (requests, botocore): ``get`` is signed and
            # sent as ``GET``.
            method = method.upper()
        scheme, authority, path, query = split_url(url)
        return _tuple_new(
            cls,
            (
                method,
                url,
                # (no headers, as many requests come: without the call, measured)
                headers if headers is _NO_HEADERS else _normalize_headers(headers),
                body if type(body) is bytes else _normalize_body(body),
                scheme,
                authority,
                path,
                query,
            ),
        )

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
        if port is not None and DEFAULT_PORTS.get(self.scheme) == str(port):
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

    def replace(
        self,
        *,
        method: Optional[str] = None,
        url: Optional[str] = None,
        headers: Union[Mapping[str, str], Iterable[Header], None] = None,
        body: Union[Body, str, _Keep, None] = _KEEP,
    ) -> Request:
        """A copy with ``method``, ``url``, ``headers`` or ``body`` replaced (validated again)."""
        return Request(
            self.method if method is None else method,
            self.url if url is None else url,
            self.headers if headers is None else headers,
            self.body if isinstance(body, _Keep) else body,
        )

    def with_headers(self, *extra: Header) -> Request:
        """A copy with ``extra`` headers appended."""
        return Request(self.method, self.url, self.headers + tuple(extra), self.body)

    def _evolve(self, url: str, headers: Tuple[Header, ...]) -> Request:
        # Signers build their result from validated parts; skip re-validating what is unchanged.
        method, old_url, _, body, scheme, authority, path, query = self
        if url != old_url:
            scheme, authority, path, query = split_url(url)
        return _tuple_new(Request, (method, url, headers, body, scheme, authority, path, query))

    @classmethod
    def from_raw(cls, raw: Union[str, bytes], scheme: str = "https") -> Request:
        """Parse a raw HTTP/1.1 request (request line, headers, blank line, body).

        Lines may end in CRLF or LF; folded header lines (obs-fold) are joined with one space; the
        body is everything after the blank line, byte for byte.  The URL is built from ``scheme``,
        the ``Host`` header and the request target (an absolute-form target is used as it is).
        """
        from ._http import parse_raw_request

        return cls(*parse_raw_request(raw, scheme=scheme))

    def to_raw(self, *, include_host: bool = True) -> bytes:
        """The raw HTTP/1.1 bytes of this request, as :meth:`from_raw` reads them: the request
        line, ``Host`` first when it is not among the headers (``include_host``), the headers as
        ``name:value`` lines, a blank line and the body (empty unless it is bytes)."""
        lines = [f"{self.method} {self.target} HTTP/1.1"]
        if include_host and not self.has_header("host"):
            lines.append(f"Host:{self.host_header}")
        lines.extend(f"{name}:{value}" for name, value in self.headers)
        head = "\n".join(lines) + "\n\n"
        body = self.body if isinstance(self.body, bytes) else b""
        return head.encode("utf-8") + body

    # -- dunder --------------------------------------------------------------------------------

    def __reduce__(self) -> Tuple[Any, ...]:
        return (Request, (self.method, self.url, self.headers, self.body))

    def __repr__(self) -> str:
        body = self.body
        if isinstance(body, bytes):
            shown = f"<{len(body)} bytes>"
        else:
            shown = repr(body)
        # (session tokens and signatures masked: a repr ends up in logs)
        return (
            f"Request({self.method!r}, {redact(self.url)!r}, "
            f"headers={redact_headers(self.headers)!r}, body={shown})"
        )


def check_access_key(value: str, *, field: str = "access_key") -> str:
    """An access key id as every scheme can carry it: printable ASCII, no blank, no ``/`` (it
    separates the SigV4 credential scope) and no ``,`` (it separates the Authorization
    header's parts).  The one rule, for credentials given in code, on the command line or in a
    server's key file."""
    if not value.isascii() or not value.isprintable() or any(c in value for c in " /,"):
        raise InvalidCredentials(
            f"{field}: {value[:40]!r} is not an access key id (printable ASCII without "
            "spaces, '/' or ',')",
            field=field,
        )
    return value


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
        check_access_key(access_key)
        setattr_ = object.__setattr__
        setattr_(self, "access_key", access_key)
        setattr_(self, "secret_key", secret_key)
        setattr_(self, "token", token)

    def token_matches(self, sent: Optional[str]) -> bool:
        """Whether ``sent`` (a session token a request carries, or ``None``) is this token:
        both absent, or equal, compared in constant time."""
        expected = self.token
        if sent is None or expected is None:
            return sent is expected
        if not sent.isascii():  # a token is ASCII; compare_digest refuses other text
            return False
        from . import _crypto  # (off the import path: verification loads it anyway)

        return _crypto.constant_time_equal(sent, expected)

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


class Artifacts(_TupleValue, _ArtifactsFields):
    """What a signer computed on the way: the spec's intermediate values.

    ``canonical_request`` is ``None`` for schemes that have none (the legacy ones sign a string to
    sign built directly from the request).
    """

    __slots__ = ()
    _fields = (
        "canonical_request",
        "string_to_sign",
        "signature",
        "credential_scope",
        "signed_headers",
        "payload_hash",
    )

    canonical_request: Optional[str] = _field(
        0, "The canonical request (None for the legacy schemes)."
    )
    string_to_sign: str = _field(1, "The string to sign.")
    signature: str = _field(2, "The signature, as sent.")
    credential_scope: Optional[str] = _field(3, "date/region/service/aws4_request, or None.")
    signed_headers: Optional[str] = _field(4, "The signed header names joined with ';', or None.")
    payload_hash: Optional[str] = _field(
        5, "The payload hash the canonical request ends with, or None."
    )

    def __new__(
        cls,
        *,
        canonical_request: Optional[str],
        string_to_sign: str,
        signature: str,
        credential_scope: Optional[str] = None,
        signed_headers: Optional[str] = None,
        payload_hash: Optional[str] = None,
    ) -> Artifacts:
        return _tuple_new(
            cls,
            (
                canonical_request,
                string_to_sign,
                signature,
                credential_scope,
                signed_headers,
                payload_hash,
            ),
        )

    def __repr__(self) -> str:
        return (
            f"Artifacts(signature={MASK!r}, credential_scope={self.credential_scope!r}, "
            f"signed_headers={self.signed_headers!r})"
        )


class SignedRequest(_TupleValue, _SignedRequestFields):
    """The result of ``sign()``: a new request, what signing added, and the artifacts."""

    __slots__ = ()
    _fields = ("request", "artifacts", "scheme", "added_headers", "added_query")

    request: Request = _field(0, "The signed request: a new Request; the input is untouched.")
    artifacts: Artifacts = _field(1, "The spec's intermediate values (Artifacts).")
    scheme: str = _field(2, "The name of the scheme that signed.")
    added_headers: Tuple[Header, ...] = _field(3, "The headers signing added, in the order added.")
    added_query: Tuple[Header, ...] = _field(4, "The query parameters signing added (not encoded).")

    def __new__(
        cls,
        *,
        request: Request,
        artifacts: Artifacts,
        scheme: str,
        added_headers: Tuple[Header, ...] = (),
        added_query: Tuple[Header, ...] = (),
    ) -> SignedRequest:
        return _tuple_new(cls, (request, artifacts, scheme, added_headers, added_query))

    # (attributes of a part, read through C: the bulk presign loop reads ``url`` per URL)
    url: str = _path_field("request.url", "The signed URL (presigned schemes: with the signature).")
    headers: Tuple[Header, ...] = _path_field(
        "request.headers", "All headers after signing, as ``(name, value)`` pairs."
    )
    signature: str = _path_field("artifacts.signature", "The signature (Artifacts.signature).")

    def header_dict(self) -> dict[str, str]:
        """Headers as a dict for HTTP clients that take one (repeated names joined with ``,``)."""
        out: dict[str, str] = {}
        for name, value in self.request.headers:
            out[name] = out[name] + "," + value if name in out else value
        return out

    def __repr__(self) -> str:
        return (
            f"SignedRequest(scheme={self.scheme!r}, url={redact(self.url)!r}, signature={MASK!r})"
        )
