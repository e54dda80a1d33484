"""``sigbridge serve``: a local HTTP endpoint that verifies the signature of every request.

A request that verifies gets the answer its protocol expects (:mod:`signers._serving.shapes`:
S3 operations, query-protocol XML, JSON ``{}``), so SDK clients parse it; the verification
account (scheme, access key, signed headers, time, region, service) is in the
``x-sigbridge-verified`` header (JSON), and is the content of an S3 ``GetObject`` (with
``json_account`` every answer's body, as before SDK-shaped answers).  A request
that fails gets the error AWS would send: XML ``<Error>`` for S3, XML ``<ErrorResponse>`` for
query-protocol services, JSON ``{"__type": ..., "message": ...}`` for JSON-protocol services
(``Content-Type: application/x-amz-json-*`` or an ``X-Amz-Target`` header), with AWS's status;
the request's session token and signature are masked in it (:mod:`signers._serving.masking`).

With an ``upstream`` the verified request is forwarded there instead, streamed both ways, its
authentication removed or replaced by the upstream's own SigV4 signature
(:mod:`signers._serving.forward`); ``sigbridge proxy`` is this server configured to take the
legacy schemes in and send SigV4 out (:mod:`signers.proxy`).

Bounded by design (:mod:`signers._serving.bounded`): loopback by default, a deadline per
request, a cap on connections (the excess answered 503 at once), caps on the header section and
the body (a body too large for memory is streamed only when its signature does not depend on
it).  It never logs a secret: a log line is the method, the path without its query (which can
hold a session token), the status and the code.

Library use (tests, embedding)::

    server = make_server(credentials={"AKID": Credentials("AKID", "secret")})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ... server.url ...
    server.shutdown(); server.server_close()
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import json
import secrets
import socket
import sys
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    Mapping,
    NamedTuple,
    Optional,
    Tuple,
    Union,
    cast,
)

from ._redact import state_repr
from ._serving.bounded import (
    DEFAULT_BACKLOG,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_HEADER_BYTES,
    DEFAULT_MAX_UPLOAD,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_TIMEOUT,
    BadFraming,
    BodyTooLarge,
    BoundedHandler,
    BoundedServer,
    ChunkReader,
    ClientGone,
    Limits,
    RequestTimeout,
)
from ._serving.forward import (
    PayloadMismatch,
    Upstream,
    UpstreamCut,
    UpstreamSigning,
    UpstreamUnavailable,
    checked_body,
    relay,
)
from ._serving.gate import (
    bucket_with_slash,
    check_schemes,
    declared_sha256,
    decoded_headers,
    is_hex_sha256,
    streamable,
    verify_with,
)
from ._serving.keys import load_credentials_file, parse_credential
from ._serving.masking import masked
from ._serving.post import (
    FORM_ALLOWANCE,
    check_form,
    file_etag,
    post_account,
    post_address,
    post_answer,
    put_object,
)
from ._serving.shapes import Answer, md5_hasher, success
from ._verification import Lookup, Verified, detect
from ._verification.http_answers import error_response
from ._verification.http_answers import protocol_of as _protocol
from .errors import (
    InvalidCredentials,
    InvalidOption,
    SignatureDoesNotMatch,
    SigningError,
    UnsupportedAuthorization,
    VerificationError,
)
from .model import UNSIGNED_PAYLOAD, Body, Credentials, PayloadHash, Request

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._serving.keywords import LimitKeywords, ServerKeywords

# The limits' defaults are defined in _serving.bounded and listed (made public) here only.
__all__ = [
    "DEFAULT_BACKLOG",
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_HEADER_BYTES",
    "DEFAULT_MAX_UPLOAD",
    "DEFAULT_REQUEST_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "VERIFIED_HEADER",
    "Limits",
    "ServerConfig",
    "UpstreamSigning",
    "VerifyingServer",
    "make_server",
    "parse_credential",
    "load_credentials_file",
    "error_response",
]

#: The length of a ``Transfer-Encoding: chunked`` body, unknown until it is read.
CHUNKED = -1

#: The response header that carries the verification account (JSON) of an accepted request.
VERIFIED_HEADER = "x-sigbridge-verified"

# -- the server --------------------------------------------------------------------------------


class ServerConfig:
    """What the server verifies against, its limits, and where verified requests go."""

    __slots__ = (
        "clock",
        "json_account",
        "limits",
        "log",
        "lookup",
        "max_skew",
        "options",
        "region",
        "schemes",
        "service",
        "trust",
        "upstream",
        "virtual_host_suffix",
    )

    # The first keywords are the middleware's (signers.middleware) on purpose: one vocabulary.
    # The limits (max_body, timeout, ...: LimitKeywords) go to Limits, which checks them.
    def __init__(
        self,
        lookup: Lookup,
        *,
        region: Optional[str] = None,
        service: Optional[str] = None,
        max_skew: float = 900,
        schemes: Optional[Iterable[str]] = None,
        trust: bool = False,
        upstream: Optional[str] = None,
        upstream_signing: Optional[UpstreamSigning] = None,
        upstream_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        options: Optional[Mapping[str, Mapping[str, object]]] = None,
        json_account: bool = False,
        clock: Optional[Callable[[], _dt.datetime]] = None,
        log: Optional[Callable[[str], None]] = None,
        **limits: Unpack[LimitKeywords],
    ) -> None:
        # What needs an upstream is refused before anything is built.
        if upstream is None:
            if upstream_signing is not None:
                raise InvalidOption(
                    "upstream_signing: give an upstream to sign for", field="upstream"
                )
            if trust:
                raise InvalidOption(
                    "trust: only a forwarding server may trust signatures", field="trust"
                )
        self.lookup = lookup
        self.json_account = json_account
        self.region = region
        self.service = service
        self.max_skew = max_skew
        self.limits = Limits(**limits)
        self.schemes = check_schemes(schemes)
        self.trust = trust
        self.options = options
        legacy = dict((options or {}).get("s3-v2", {}))
        suffix = cast(Optional[str], legacy.get("virtual_host_suffix"))  # (as given)
        self.virtual_host_suffix = suffix
        self.upstream: Optional[Upstream] = None
        if upstream is not None:
            self.upstream = Upstream(
                upstream,
                timeout=upstream_timeout,
                signing=upstream_signing,
                virtual_host_suffix=self.virtual_host_suffix,
                max_idle=self.limits.max_connections,
            )
        self.clock = clock
        self.log = log if log is not None else _log_to_stderr

    def __repr__(self) -> str:
        return state_repr(self, "region", "service", "max_skew", "limits", "schemes", "upstream")


def _log_to_stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _wire(text: str) -> str:
    # http.server decodes the request line and headers as Latin-1; get the bytes back and read
    # them as UTF-8 (raw non-UTF-8 bytes survive as surrogate escapes, as the signers expect).
    try:
        return text.encode("latin-1").decode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text


class _Refusal(Exception):
    """A request refused before verification: status, code, message, and whether to close."""

    def __init__(self, status: int, code: str, message: str, *, close: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.close = close


class _Admitted(NamedTuple):
    """A request let in: its scheme and scope, and the account sent in ``x-sigbridge-verified``."""

    scheme: str
    region: Optional[str]
    service: Optional[str]
    account: Dict[str, Any]
    payload: Any = None  # an aws-chunked body's reader (signers.streaming.ChunkedPayload)


class _Incoming(NamedTuple):
    """A request let in, as far as its body goes: ``source`` is the body still to be read (its
    ``length`` bytes), whose SHA-256 must be ``declared`` when given."""

    request: Request
    length: int
    source: Optional[Iterable[bytes]] = None
    declared: Optional[str] = None


class _Handler(BoundedHandler):
    server: VerifyingServer
    _head: Optional[Request] = None  # the request as far as it was read (for refusals)
    _lowered: Dict[str, str]  # its headers, lower-case names (for refusals); set by reset()

    def reset(self) -> None:
        self._head = None
        self._lowered = {}

    # -- logging: our own lines only; the request line (with its query) is never logged -------

    def _log(self, status: int, code: str) -> None:
        path = (getattr(self, "path", None) or "").split("?", 1)[0]
        if "://" in path:  # absolute-form target (a client using us as its proxy)
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        method = self.command or "-"
        self.server.config.log(f"{method} {path[:200]!r} {status} {code}")

    # -- answers -------------------------------------------------------------------------------

    def _send(
        self,
        status: int,
        headers: Iterable[Tuple[str, str]],
        body: bytes,
        request_id: str,
    ) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-request-id", request_id)
        self.send_header("x-amzn-RequestId", request_id)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and status != 204:
            self.wfile.write(body)

    def _send_error(self, err: VerificationError, request: Optional[Request]) -> None:
        request_id = secrets.token_hex(8).upper()
        shown = masked(err, request) if request is not None else err
        protocol = _protocol(request, self._lowered)
        status, content_type, body = error_response(shown, protocol, request_id)
        self._log(status, err.code)
        if self.unread_body:
            self.close_connection = True
        self._send(status, [("Content-Type", content_type)], body, request_id)

    def refuse(self, status: int, code: str, message: str) -> None:
        # Every early refusal, AWS-shaped in the request's protocol as far as it is known.
        self.close_connection = True
        err = VerificationError(message, code=code, http_status=status, json_code=code)
        with contextlib.suppress(OSError):  # the client may be gone already
            self._send_error(err, self._head)

    # -- reading -------------------------------------------------------------------------------

    def _read_head(self) -> Tuple[Request, int]:
        """The request without its body, and the body's length (checked against the limits)."""
        limits = self.server.config.limits
        headers = self.headers
        self._lowered = {k.lower(): v for k, v in headers.items()}
        size = sum(len(k) + len(v) + 4 for k, v in headers.items())
        if size > limits.max_header_bytes:
            raise _Refusal(
                400,
                "RequestHeaderSectionTooLarge",
                f"Your request header section exceeds the maximum allowed size "
                f"({limits.max_header_bytes} bytes).",
            )
        encodings = headers.get_all("Transfer-Encoding") or []
        if encodings:
            if [e.strip().lower() for e in encodings] != ["chunked"]:
                raise _Refusal(
                    501,
                    "NotImplemented",
                    "A header you provided implies functionality that is not implemented "
                    "(Transfer-Encoding other than chunked).",
                )
            if headers.get("Content-Length") is not None:  # RFC 9112 6.3: ambiguous framing
                raise _Refusal(400, "InvalidRequest", "Transfer-Encoding with Content-Length")
        lengths = set(headers.get_all("Content-Length") or [])
        length = CHUNKED if encodings else 0
        if lengths:
            text = lengths.pop().strip()
            if lengths or not text.isdigit() or not text.isascii() or len(text) > 15:
                raise _Refusal(400, "InvalidArgument", "Content-Length is not a single number")
            length = int(text)
        self.unread_body = length != 0
        target = _wire(self.path)
        if target.startswith(("http://", "https://")):
            url = target
        else:
            host = headers.get("Host")
            if not host:
                raise _Refusal(400, "InvalidRequest", "Missing required header: Host")
            if not target.startswith("/"):
                raise _Refusal(400, "InvalidRequest", "The request target must start with '/'")
            url = "http://" + _wire(host).strip() + target
        try:
            head = Request(self.command, url, [(k, _wire(v)) for k, v in headers.items()], b"")
        except SigningError as exc:
            raise _Refusal(400, "InvalidRequest", exc.message) from None
        self._head = head
        return head, length

    def _check_size(self, head: Request, length: int) -> bool:
        """Whether the body is streamed rather than held; refuses what is too large either way
        (before ``100 Continue``, as S3 does)."""
        limits = self.server.config.limits
        if length <= limits.max_body:  # (CHUNKED too: an unannounced length is never streamed)
            return False
        limit = limits.max_upload if streamable(head) else limits.max_body
        if length > limit:
            raise _Refusal(
                400,
                "EntityTooLarge",
                f"Your proposed upload exceeds the maximum allowed size ({limit} bytes).",
            )
        return True

    def _body(self, length: int, limit: int) -> Iterable[bytes]:
        """The body as it arrives: ``length`` bytes, or a chunked one of ``limit`` at most."""
        return self.chunked_body(limit) if length == CHUNKED else self.body_chunks(length)

    def _admit(self, request: Request) -> _Admitted:
        config = self.server.config
        if config.trust:
            detected = detect(request)
            if config.schemes is not None and detected.scheme not in config.schemes:
                raise UnsupportedAuthorization(
                    f"The authorization mechanism you have provided is not supported: scheme "
                    f"{detected.scheme!r} is not accepted here (accepted: "
                    f"{', '.join(config.schemes)})",
                    field="scheme",
                )
            account = {"scheme": detected.scheme, "access_key": detected.access_key}
            account["trusted"] = True  # type: ignore[assignment]
            return _Admitted(detected.scheme, detected.region, detected.service, account)
        try:
            verified = self._verify(request)
        except SignatureDoesNotMatch as first:
            slashed = bucket_with_slash(request)
            if slashed is None:
                raise
            try:
                verified = self._verify(slashed)
            except VerificationError:
                raise first from None  # the answer for the path as sent
        return _Admitted(
            verified.scheme,
            verified.region,
            verified.service,
            verified.as_dict(),
            verified.payload,
        )

    def _verify(self, request: Request) -> Verified:
        return verify_with(self.server.config, request)

    # -- one request ---------------------------------------------------------------------------

    def handle_request(self) -> None:
        request: Optional[Request] = None
        try:
            head, length = self._read_head()
            request = head
            config = self.server.config
            address = post_address(head, config.service, config.virtual_host_suffix)
            if address is not None:
                self._post_upload(head, length, address)
                return
            limits = config.limits
            declared = declared_sha256(head)
            chunked = declared is not None and declared.startswith("STREAMING-")
            streamed = self._check_size(head, length) or chunked
            source: Optional[Iterable[bytes]] = None
            check = None
            if chunked:
                # the seed signature now; each chunk's as the payload is read, after 100 Continue
                wire = io.BufferedReader(ChunkReader(self._body(length, limits.max_upload)))
                admitted = self._admit(head.replace(body=wire))
                self.send_continue()
                request, length, source = _decoded(head, admitted)
            elif streamed:
                admitted = self._admit(head.replace(body=UNSIGNED_PAYLOAD))
                self.send_continue()
                request = head.replace(body=UNSIGNED_PAYLOAD)
                source = self.body_chunks(length)
                check = declared if is_hex_sha256(declared) else None
            else:
                self.send_continue()
                body = b"".join(self._body(length, limits.max_body))
                request, length = head.replace(body=body), len(body)
                admitted = self._admit(request)
            self._go_on(_Incoming(request, length, source, check), admitted)
        except BodyTooLarge as exc:
            self.refuse(400, "EntityTooLarge", f"Your upload exceeds the maximum allowed size "
                        f"({exc.limit} bytes).")  # fmt: skip
        except BadFraming as exc:
            self.refuse(400, "IncompleteBody", f"The chunked request body is malformed: {exc}")
        except _Refusal as refusal:
            if refusal.close or self.unread_body:
                self.close_connection = True
            self.refuse(refusal.status, refusal.code, refusal.message)
        except VerificationError as err:
            self._send_error(err, request)
        except PayloadMismatch as exc:
            self._send_error(exc.as_error(), request)
        except UpstreamUnavailable as exc:
            self.close_connection = True
            self.refuse(503, "ServiceUnavailable", str(exc))
        except UpstreamCut:
            self._log(502, "upstream answer cut short")  # its head went out: close, say no more
        except (RequestTimeout, ClientGone, ConnectionError, socket.timeout):
            raise
        except SigningError as exc:
            self.refuse(400, "InvalidRequest", exc.message)
        except Exception as exc:  # a bug must cost one answer, not the server
            self.refuse(500, "InternalError", f"internal error ({type(exc).__name__})")

    def _post_upload(self, head: Request, length: int, address: Any) -> None:
        """A browser POST upload (:mod:`signers._serving.post`): the form read as it arrives,
        verified as S3 verifies it, then answered as S3 answers or sent upstream as a PutObject."""
        config = self.server.config
        limits = config.limits
        if length > limits.max_upload + FORM_ALLOWANCE:
            raise _Refusal(
                400,
                "EntityTooLarge",
                f"Your proposed upload exceeds the maximum allowed size ({limits.max_upload} "
                "bytes).",
            )
        self.send_continue()
        chunks = self._body(length, limits.max_upload + FORM_ALLOWANCE)
        verified = check_form(
            head,
            chunks,
            config.lookup,
            bucket=address.bucket,
            region=config.region,
            now=config.clock() if config.clock is not None else None,
            max_file=limits.max_upload,
            schemes=config.schemes,
        )
        upload = verified.file
        assert upload is not None
        try:
            for _ in chunks:  # the epilogue after the closing delimiter
                pass
            account = json.dumps(post_account(verified), separators=(",", ":"))
            if config.upstream is None:
                answer = post_answer(head, address, verified, file_etag(upload))
                self._log(answer.status, "OK " + verified.scheme)
                headers = [*answer.headers, (VERIFIED_HEADER, account)]
                self._send(answer.status, headers, answer.body, secrets.token_hex(8).upper())
                return
            put, payload, source = put_object(
                head, address, verified, upload, max_body=limits.max_body
            )
            admitted = _Admitted("sigv4", verified.region, "s3", {})
            incoming = _Incoming(put, upload.size, source)
            post = (head, address, verified)
            self._forward(incoming, admitted, account, payload=payload, post=post)
        finally:
            upload.stream.close()

    def _go_on(self, incoming: _Incoming, admitted: _Admitted) -> None:
        """Answer (or forward) a request let in."""
        account = json.dumps(admitted.account, separators=(",", ":"))
        if self.server.config.upstream is not None:
            self._forward(incoming, admitted, account)
            return
        request = incoming.request
        md5 = md5_hasher()
        if incoming.source is not None:
            for _ in checked_body(incoming.source, incoming.declared, md5):
                pass
        elif isinstance(request.body, bytes):
            md5.update(request.body)
        request_id = secrets.token_hex(8).upper()
        body = json.dumps(admitted.account).encode("utf-8")
        if self.server.config.json_account:  # the answer of old: the account, whatever was asked
            self._log(200, "OK " + admitted.scheme)
            json_type = [("Content-Type", "application/json"), (VERIFIED_HEADER, account)]
            self._send(200, json_type, body, request_id)
            return
        answer: Answer = success(
            request,
            scheme=admitted.scheme,
            service=admitted.service,
            region=admitted.region,
            account=body,
            request_id=request_id,
            body_md5=md5.hexdigest(),
            virtual_host_suffix=self.server.config.virtual_host_suffix,
        )
        self._log(answer.status, "OK " + admitted.scheme)
        headers = [*answer.headers, (VERIFIED_HEADER, account)]
        self._send(answer.status, headers, answer.body, request_id)

    def _forward(
        self,
        incoming: _Incoming,
        admitted: _Admitted,
        account: str,
        *,
        payload: Optional[Body] = None,
        post: Optional[Tuple[Request, Any, Any]] = None,
    ) -> None:
        """Send the request upstream and its answer back; ``payload`` given: how the body is
        signed (its chunks as they are); ``post``: the browser POST upload (request, address,
        verified form) whose upstream PutObject this is, answered as S3 answers a POST."""
        upstream = self.server.config.upstream
        assert upstream is not None
        request, length, chunks, declared = incoming
        if payload is None:
            payload = request.body
            if chunks is not None:
                payload = PayloadHash(declared.lower()) if declared else UNSIGNED_PAYLOAD
                chunks = checked_body(chunks, declared, md5_hasher())
        outgoing, headers, body = upstream.prepare(
            request, admitted, payload=payload, length=length, source=chunks
        )
        connection, response = upstream.exchange(outgoing, headers, body)
        try:
            if post is not None and 200 <= response.status < 300:
                response.read()
                answer = post_answer(*post, response.getheader("ETag") or '""')
                request_id = response.getheader("x-amz-request-id") or secrets.token_hex(8)
                status = answer.status
                self._send(status, [*answer.headers, (VERIFIED_HEADER, account)], answer.body,
                           request_id.upper())  # fmt: skip
            else:
                status = relay(self, response, [(VERIFIED_HEADER, account)])
        finally:
            upstream.release(connection, response)
        self._log(status, "upstream " + (post[2].scheme if post else admitted.scheme))


def _decoded(head: Request, admitted: _Admitted) -> Tuple[Request, int, Iterable[bytes]]:
    """An aws-chunked request as its decoded payload: the request without aws-chunked's headers,
    the decoded length, and the payload's chunks (each checked as it is read)."""
    text = (head.header("x-amz-decoded-content-length") or "").strip()
    if admitted.payload is None or not (text.isascii() and text.isdigit()):
        raise _Refusal(
            411,
            "MissingContentLength",
            "An aws-chunked upload needs x-amz-decoded-content-length (and a verified seed).",
        )
    headers = decoded_headers(head.headers)
    request = head.replace(headers=headers, body=UNSIGNED_PAYLOAD)
    return request, int(text), admitted.payload.iter_chunks()


class VerifyingServer(BoundedServer):
    """A bounded HTTP server whose every request is verified against ``config``."""

    config: ServerConfig

    def __init__(self, address: Tuple[str, int], config: ServerConfig) -> None:
        self.config = config
        super().__init__(address, _Handler, config.limits, config.log)

    def server_close(self) -> None:
        super().server_close()
        if self.config.upstream is not None:
            self.config.upstream.close()


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    credentials: Union[Lookup, Iterable[Credentials]],
    **config: Unpack[ServerKeywords],
) -> VerifyingServer:
    """A :class:`VerifyingServer` bound to ``host:port`` (``0`` = a free port).

    ``credentials`` is a lookup (mapping access key -> Credentials, or a callable) or an iterable
    of :class:`~signers.model.Credentials`; ``config`` are :class:`ServerConfig` keywords.
    """
    lookup: Lookup
    if isinstance(credentials, Mapping) or callable(credentials):
        lookup = credentials
    else:
        table: Dict[str, Credentials] = {}
        for item in credentials:
            if not isinstance(item, Credentials):
                raise InvalidCredentials(
                    f"credentials: expected signers.Credentials, got {type(item).__name__}",
                    field="credentials",
                )
            table[item.access_key] = item
        lookup = table
    return VerifyingServer((host, port), ServerConfig(lookup, **config))
