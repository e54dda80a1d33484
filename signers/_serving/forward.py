"""Send a request that passed the gate on to an upstream server, and its answer back.

What goes upstream is the client's request with:

- the upstream's address: the path and query as sent, after the upstream URL's own path; a
  virtual-hosted S3 request (bucket in the host name) goes path-style (``/bucket/key``) with
  ``Host`` the upstream's;
- the client's authentication removed: SigV4's ``Authorization``, ``X-Amz-Date``,
  ``X-Amz-Security-Token`` and the presigned ``X-Amz-*`` parameters; a legacy request
  (SigV2, S3's legacy header or presigned form) is stripped by :func:`signers.migrate`'s own
  code (``Signature``, ``AWSAccessKeyId``, ``SecurityToken``, ``Timestamp`` / ``Expires``,
  ``Date`` ...);
- hop-by-hop headers dropped (``Connection`` and the names it lists, ``Keep-Alive``,
  ``Proxy-*``, ``TE``, ``Trailer``, ``Transfer-Encoding``, ``Upgrade``), and ``Expect``;
- signed again with SigV4 (header form) when :class:`UpstreamSigning` credentials are given:
  a legacy request through :func:`signers.migrate` (region and signing name from the upstream
  host or the options), a SigV4 request for the scope it was verified under.  A body held in
  memory is hashed; a streamed body is signed with the SHA-256 the client declared, else (S3)
  sent aws-chunked with every chunk signed (:func:`signers.streaming.sign_stream`), or as
  ``UNSIGNED-PAYLOAD`` for a store that does not decode aws-chunked.  An aws-chunked body from
  the client is decoded (each chunk checked by the verifier) and sent on the same way.  Without
  credentials the request goes unsigned.

The request body goes up in chunks as it arrives; the answer comes back in chunks as it
arrives (``Content-Length`` kept, else re-chunked for HTTP/1.1 clients), hop-by-hop headers
dropped.  An upstream that cannot be reached is a :class:`UpstreamUnavailable`; its own answers
(errors included) pass through unchanged.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import http.client
import socket
import ssl
import threading
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Protocol,
    Set,
    Tuple,
    Union,
)
from urllib.parse import urlsplit

from .._encoding import percent_decode_str
from .._verification.answers import S3_SERVICES
from .._verification.legacy_auth import LEGACY_SCHEMES
from .._verification.sigv4_parse import QUERY_AUTH
from ..errors import InvalidOption, XAmzContentSHA256Mismatch
from ..model import UNSIGNED_PAYLOAD, Body, Credentials, Request
from .shapes import Scope, s3_address

if TYPE_CHECKING:
    from ..credentials import CredentialProvider

__all__ = [
    "HOP_BY_HOP",
    "PayloadMismatch",
    "Scoped",
    "Upstream",
    "UpstreamCut",
    "UpstreamSigning",
    "UpstreamUnavailable",
    "checked_body",
    "relay",
]

Header = Tuple[str, str]

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
_NOT_FORWARDED = HOP_BY_HOP | {"host", "content-length", "expect"}
_SIGV4_HEADERS = frozenset(
    {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-region-set"}
)
#: The presigned SigV4 (and SigV4A) parameters, by lower-case name.
_SIGV4_PARAMETERS = frozenset(QUERY_AUTH) | {"x-amz-region-set"}
_CHUNK = 64 * 1024


class UpstreamUnavailable(Exception):
    """The upstream could not be reached or did not answer (no secret in the message)."""


class UpstreamCut(Exception):
    """The upstream's answer broke off after its head was relayed (the client's connection is
    then closed: nothing more can be said on it)."""


class PayloadMismatch(Exception):
    """The body's SHA-256 is not the ``x-amz-content-sha256`` the client signed."""

    def __init__(self, declared: str, actual: str) -> None:
        super().__init__("x-amz-content-sha256 does not match the body")
        self.declared = declared
        self.actual = actual

    def as_error(self) -> XAmzContentSHA256Mismatch:
        """S3's answer to it."""
        return XAmzContentSHA256Mismatch(
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            field="x-amz-content-sha256",
            details=[
                ("ClientComputedContentSHA256", self.declared),
                ("S3ComputedContentSHA256", self.actual),
            ],
        )


#: How a streamed S3 body without a declared hash is signed for the upstream.
STREAMED_PAYLOADS = ("aws-chunked", "unsigned")


class UpstreamSigning:
    """How requests are signed for the upstream: credentials from ``provider`` (refreshed as
    it refreshes them); ``region`` / ``service`` replace the scope read from the request;
    ``streamed`` is how a streamed S3 body without a declared hash goes up: ``"aws-chunked"``
    (each chunk signed) or ``"unsigned"`` (``UNSIGNED-PAYLOAD``, for stores that do not decode
    aws-chunked)."""

    __slots__ = ("provider", "region", "service", "streamed")

    def __init__(
        self,
        provider: CredentialProvider,
        *,
        region: Optional[str] = None,
        service: Optional[str] = None,
        streamed: str = "aws-chunked",
    ) -> None:
        if streamed not in STREAMED_PAYLOADS:
            raise InvalidOption(
                f"streamed: {streamed!r} is not one of {', '.join(STREAMED_PAYLOADS)}",
                field="streamed",
            )
        self.provider = provider
        self.region = region
        self.service = service
        self.streamed = streamed

    def __repr__(self) -> str:
        return (
            f"UpstreamSigning(region={self.region!r}, service={self.service!r}, "
            f"streamed={self.streamed!r})"
        )


def checked_body(chunks: Iterable[bytes], declared: Optional[str], md5: Any) -> Iterator[bytes]:
    """``chunks`` passed on, hashed into ``md5``; with ``declared`` (a hex SHA-256) the last chunk
    is held back until the whole body matched it, else :class:`PayloadMismatch` is raised (so an
    upstream never receives a complete body that does not match)."""
    digest = hashlib.sha256() if declared is not None else None
    held: Optional[bytes] = None
    for chunk in chunks:
        md5.update(chunk)
        if digest is not None:
            digest.update(chunk)
        if held is not None:
            yield held
        held = chunk
    if digest is not None and digest.hexdigest() != declared:
        raise PayloadMismatch(declared or "", digest.hexdigest())
    if held is not None:
        yield held


def _ascii_target(target: str) -> str:
    # Bytes HTTP forbids raw in a request target are sent percent-encoded (S3 and SigV4 read
    # them decoded, so the signature over the encoded form is the same request).
    if target.isascii() and all(" " < c < "\x7f" for c in target):
        return target
    out = []
    for byte in target.encode("utf-8", "surrogateescape"):
        out.append(chr(byte) if 0x20 < byte < 0x7F else "%%%02X" % byte)
    return "".join(out)


def _without_parameters(query: str, names: Set[str]) -> str:
    kept = []
    for piece in query.split("&"):
        name = piece.partition("=")[0]
        if piece and percent_decode_str(name).lower() not in names:
            kept.append(piece)
    return "&".join(kept)


class Scoped(Scope, Protocol):
    """What a verified request was signed with: its scheme, region and service."""

    @property
    def scheme(self) -> str: ...


class Upstream:
    """An upstream server: where requests go, how they are signed, and a pool of connections."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        signing: Optional[UpstreamSigning] = None,
        virtual_host_suffix: Optional[str] = None,
        max_idle: int = 16,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidOption(
                f"upstream: expected http://HOST[:PORT][/PATH] or https://..., got {url!r}",
                field="upstream",
            )
        if parts.query or parts.fragment or parts.username or parts.password:
            raise InvalidOption(
                "upstream: a query, fragment or user name has no place in the upstream URL",
                field="upstream",
            )
        try:
            port = parts.port
        except ValueError:
            raise InvalidOption(f"upstream: bad port in {url!r}", field="upstream") from None
        self.scheme = parts.scheme
        self.hostname = parts.hostname
        self.port = port or (443 if parts.scheme == "https" else 80)
        self.authority = parts.netloc.lower()
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.signing = signing
        self.virtual_host_suffix = virtual_host_suffix
        self._idle: List[http.client.HTTPConnection] = []
        self._max_idle = max_idle
        self._lock = threading.Lock()
        self._context = ssl.create_default_context() if parts.scheme == "https" else None

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.authority}{self.prefix}"

    def __repr__(self) -> str:
        return f"Upstream({self.url!r}, signing={self.signing!r})"

    # -- the request that goes up --------------------------------------------------------------

    def prepare(
        self,
        request: Request,
        scope: Scoped,
        *,
        payload: Body,
        length: int,
        source: Optional[Iterable[bytes]] = None,
    ) -> Tuple[Request, List[Header], Union[bytes, Iterable[bytes]]]:
        """``(request to send, its headers as sent, its body)``: re-addressed, stripped, maybe
        signed.

        ``scope`` is what the request verified with; ``payload`` the body (bytes) or how a
        streamed body is signed (a :class:`~signers.model.PayloadHash` or ``UNSIGNED_PAYLOAD``);
        ``length`` its size and ``source`` its chunks as they arrive.  Signed for S3, a streamed
        body without a declared hash goes up aws-chunked (each chunk signed) rather than
        ``UNSIGNED-PAYLOAD``.
        """
        scheme, service = scope.scheme, scope.service
        moved = self._readdressed(request, payload, s3=_is_s3(scheme, service))
        if scheme in LEGACY_SCHEMES:
            stripped, options = self._legacy(moved, scheme)
        else:
            stripped, options = self._sigv4(moved, scope.region, service)
        body: Union[bytes, Iterable[bytes]] = (
            stripped.body if isinstance(stripped.body, bytes) else source or b""
        )
        outgoing = stripped
        if options is not None:
            outgoing, body = self._signed(stripped, options, length, body)
        headers = list(outgoing.headers)
        headers.insert(0, ("Host", outgoing.host_header))
        sized = any(name.lower() == "content-length" for name, _ in headers)
        if not sized and (length or request.method in ("PUT", "POST", "PATCH")):
            size = len(body) if isinstance(body, bytes) else length
            headers.append(("Content-Length", str(size)))
        return outgoing, headers, body

    def _signed(
        self,
        request: Request,
        options: Dict[str, Any],
        length: int,
        body: Union[bytes, Iterable[bytes]],
    ) -> Tuple[Request, Union[bytes, Iterable[bytes]]]:
        from ..sigv4 import SigV4Signer

        signer = SigV4Signer(**options)
        credentials = self._credentials()
        assert self.signing is not None
        chunked = self.signing.streamed == "aws-chunked" and options["s3"]
        if isinstance(body, bytes) or request.body is not UNSIGNED_PAYLOAD or not chunked:
            return signer.sign(request, credentials, at=_now()).request, body
        from ..streaming import sign_stream

        declared = request.with_headers(("x-amz-decoded-content-length", str(length)))
        stream = sign_stream(
            signer, declared, credentials, body, _now(), mode="signed", chunk_size=_CHUNK
        )
        return stream.request, stream

    def _readdressed(self, request: Request, payload: Body, *, s3: bool) -> Request:
        path = request.path or "/"
        if s3:
            address = s3_address(request, self.virtual_host_suffix)
            if address.virtual and address.bucket:
                path = "/" + address.bucket + (path if path.startswith("/") else "/" + path)
        target = _ascii_target(self.prefix + path + ("?" + request.query if request.query else ""))
        listed: Set[str] = set()
        for name, value in request.headers:
            if name.lower() == "connection":
                listed.update(token.strip().lower() for token in value.split(","))
        headers = [
            (name, value)
            for name, value in request.headers
            if name.lower() not in _NOT_FORWARDED and name.lower() not in listed
        ]
        url = f"{self.scheme}://{self.authority}{target}"
        return Request(request.method, url, headers, payload)

    def _sigv4(
        self, request: Request, region: Optional[str], service: Optional[str]
    ) -> Tuple[Request, Optional[Dict[str, Any]]]:
        """The request without SigV4's authentication, and the options to sign it again with
        (``None``: it goes unsigned)."""
        signing = self.signing
        dropped = _SIGV4_HEADERS | ({"x-amz-content-sha256"} if signing else set())
        headers = [(n, v) for n, v in request.headers if n.lower() not in dropped]
        query = _without_parameters(request.query, set(_SIGV4_PARAMETERS))
        base = request.url.partition("?")[0]
        url = base + ("?" + query if query else "")
        stripped = Request(request.method, url, headers, request.body)
        if signing is None:
            return stripped, None
        region = signing.region or region or "us-east-1"
        service = signing.service or service or "s3"
        return stripped, {"region": region, "service": service, "s3": service in S3_SERVICES}

    def _legacy(self, request: Request, scheme: str) -> Tuple[Request, Optional[Dict[str, Any]]]:
        """As :meth:`_sigv4`, for the legacy schemes, through :func:`signers.migrate`."""
        from .._tools.migrate import migrate
        from .._tools.migrate_legacy import strip

        signing = self.signing
        if signing is None:
            return strip(request, scheme, [])[0], None
        service = signing.service
        if scheme != "sigv2" and service not in S3_SERVICES:
            service = None  # S3's legacy schemes sign for s3 (or what the host says)
        result = migrate(request, region=signing.region, service=service)
        options = {k: v for k, v in result.options.items() if k != "expires"}
        options.setdefault("s3", False)
        return result.request, options

    def _credentials(self) -> Credentials:
        assert self.signing is not None
        return self.signing.provider.credentials()

    # -- the exchange --------------------------------------------------------------------------

    def _connect(self) -> http.client.HTTPConnection:
        if self._context is not None:
            return http.client.HTTPSConnection(
                self.hostname, self.port, timeout=self.timeout, context=self._context
            )
        return http.client.HTTPConnection(self.hostname, self.port, timeout=self.timeout)

    def _pooled(self) -> Tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            while self._idle:
                connection = self._idle.pop()
                if connection.sock is not None:
                    return connection, True
        return self._connect(), False

    def release(self, connection: http.client.HTTPConnection, response: Any) -> None:
        """Keep ``connection`` for another request when its answer was read to the end."""
        if response is not None and response.isclosed() and not response.will_close:
            with self._lock:
                if len(self._idle) < self._max_idle:
                    self._idle.append(connection)
                    return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def exchange(
        self,
        request: Request,
        headers: List[Header],
        body: Union[bytes, Iterable[bytes]],
    ) -> Tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """Send the request (the body as it comes) and read the answer's head."""
        replayable = isinstance(body, bytes)
        connection, reused = self._pooled() if replayable else (self._connect(), False)
        try:
            try:
                self._send(connection, request, headers, body)
                return connection, connection.getresponse()
            except (ConnectionError, http.client.BadStatusLine) as exc:
                if not (reused and replayable):
                    raise UpstreamUnavailable(_failure(self, exc)) from None
                connection.close()  # a kept connection the upstream had closed: once more
                connection = self._connect()
                self._send(connection, request, headers, body)
                return connection, connection.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise UpstreamUnavailable(_failure(self, exc)) from None
        except BaseException:
            connection.close()  # the client's body failed: the upstream gets no complete body
            raise

    def _send(
        self,
        connection: http.client.HTTPConnection,
        request: Request,
        headers: List[Header],
        body: Union[bytes, Iterable[bytes]],
    ) -> None:
        connection.putrequest(
            request.method, request.target, skip_host=True, skip_accept_encoding=True
        )
        for name, value in headers:
            connection.putheader(name, value.encode("utf-8", "surrogateescape"))
        connection.endheaders()
        if isinstance(body, bytes):
            if body:
                connection.send(body)
            return
        for chunk in body:
            connection.send(chunk)


def _failure(upstream: Upstream, exc: BaseException) -> str:
    what = "did not answer in time" if isinstance(exc, socket.timeout) else "could not be reached"
    return f"the upstream server {upstream.url} {what} ({type(exc).__name__})"


def _is_s3(scheme: str, service: Optional[str]) -> bool:
    return scheme.startswith("s3-") or service in S3_SERVICES


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def relay(handler: Any, response: http.client.HTTPResponse, extra: List[Header]) -> int:
    """Send ``response`` (status, end-to-end headers, body in chunks) to ``handler``'s client;
    its status.  ``extra`` headers are added (replacing any of the same name)."""
    status = response.status
    handler.send_response_only(status, response.reason)
    listed: Set[str] = set()
    for value in response.headers.get_all("Connection") or []:
        listed.update(token.strip().lower() for token in value.split(","))
    listed.update(name.lower() for name, _ in extra)  # ours replace the upstream's
    for name, value in response.getheaders():
        lowered = name.lower()
        if lowered not in HOP_BY_HOP and lowered not in listed:
            handler.send_header(name, value)
    for name, value in extra:
        handler.send_header(name, value)
    no_body = handler.command == "HEAD" or status in (204, 304) or status < 200
    chunked = False
    if not no_body and response.getheader("Content-Length") is None:
        if handler.request_version == "HTTP/1.1":
            handler.send_header("Transfer-Encoding", "chunked")
            chunked = True
        else:
            handler.close_connection = True
    if handler.close_connection:
        handler.send_header("Connection", "close")
    handler.end_headers()
    if no_body:
        response.read()
        return status
    write = handler.wfile.write
    length = (response.getheader("Content-Length") or "").strip()
    declared = int(length) if length.isdigit() else None
    sent = 0
    while True:
        try:
            chunk = response.read1(_CHUNK)
        except (OSError, http.client.HTTPException):
            chunk = None
        if chunk is None or (not chunk and declared is not None and sent < declared):
            handler.close_connection = True  # the answer is cut: the client must see it end
            raise UpstreamCut()
        if not chunk:
            break
        sent += len(chunk)
        write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
    if chunked:
        write(b"0\r\n\r\n")
    return status
