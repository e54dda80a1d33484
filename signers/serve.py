"""``sigbridge serve``: a local HTTP endpoint that verifies the signature of every request.

It answers 200 with a JSON account of what it verified (scheme, access key, signed headers, time,
region, service), or the error AWS would send: XML ``<Error>`` for S3, XML ``<ErrorResponse>`` for
query-protocol services, JSON ``{"__type": ..., "message": ...}`` for JSON-protocol services
(``Content-Type: application/x-amz-json-*`` or an ``X-Amz-Target`` header), with AWS's status.

Bounded by design: loopback by default, a socket timeout per connection, caps on the header
section and the body (both answered with a 400, the connection then closed).  It never logs a
secret: a log line is the method, the path without its query (which can hold a session token),
the status and the code.

Library use (tests, embedding)::

    server = make_server(credentials={"AKID": Credentials("AKID", "secret")})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ... server.url ...
    server.shutdown(); server.server_close()
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import secrets
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from ._verification import Lookup, verify
from ._verification.http_answers import error_response
from ._verification.http_answers import protocol_of as _protocol
from ._verification.http_answers import xml_text as _xml_text
from .errors import InvalidCredentials, SigningError, VerificationError
from .model import Credentials, Request

__all__ = [
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_HEADER_BYTES",
    "DEFAULT_TIMEOUT",
    "ServerConfig",
    "VerifyingServer",
    "make_server",
    "parse_credential",
    "load_credentials_file",
    "error_response",
]

DEFAULT_MAX_BODY = 5 * 1024 * 1024
DEFAULT_MAX_HEADER_BYTES = 64 * 1024
DEFAULT_TIMEOUT = 10.0


# -- credentials -------------------------------------------------------------------------------


def parse_credential(spec: str) -> Credentials:
    """``AK:SECRET`` or ``AK:SECRET:TOKEN`` (the form of ``--credential``)."""
    parts = spec.strip().split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise InvalidCredentials(
            "credential: expected ACCESS_KEY:SECRET_KEY[:SESSION_TOKEN]", field="credential"
        )
    return Credentials(parts[0], parts[1], parts[2] if len(parts) == 3 else None)


def _from_json(data: Any, source: str) -> List[Credentials]:
    def one(access_key: str, value: Any) -> Credentials:
        if isinstance(value, str):
            return Credentials(access_key, value)
        if isinstance(value, Mapping):
            secret = value.get("secret_key", value.get("secret_access_key"))
            token = value.get("token", value.get("session_token"))
            return Credentials(access_key, secret, token)
        raise InvalidCredentials(
            f"{source}: the entry for {access_key!r} is neither a secret nor an object",
            field="credentials file",
        )

    if isinstance(data, Mapping):
        return [one(str(k), v) for k, v in data.items()]
    if isinstance(data, list):
        out = []
        for item in data:
            if not isinstance(item, Mapping):
                raise InvalidCredentials(
                    f"{source}: list entries must be objects", field="credentials file"
                )
            key = item.get("access_key", item.get("access_key_id"))
            if not isinstance(key, str):
                raise InvalidCredentials(
                    f"{source}: a list entry has no access_key", field="credentials file"
                )
            out.append(one(key, item))
        return out
    raise InvalidCredentials(
        f"{source}: expected an object or a list of objects", field="credentials file"
    )


def load_credentials_file(path: str) -> List[Credentials]:
    """Credentials from a small file: JSON (``{"AK": "SECRET"}``, ``{"AK": {"secret_key": ...,
    "token": ...}}`` or a list of ``{"access_key", "secret_key", "token"}``) or lines of
    ``ACCESS_KEY SECRET_KEY [TOKEN]`` (``#`` starts a comment)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidCredentials(
            f"credentials file {path!r}: cannot read it ({type(exc).__name__})",
            field="credentials file",
        ) from None
    source = f"credentials file {path!r}"
    if text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidCredentials(
                f"{source}: not valid JSON (line {getattr(exc, 'lineno', '?')})",
                field="credentials file",
            ) from None
        return _from_json(data, source)
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) not in (2, 3):
            raise InvalidCredentials(
                f"{source}, line {number}: expected ACCESS_KEY SECRET_KEY [TOKEN]",
                field="credentials file",
            )
        out.append(Credentials(*parts))
    return out


# -- the server --------------------------------------------------------------------------------


class ServerConfig:
    """What the server verifies against, and its limits."""

    __slots__ = (
        "clock",
        "log",
        "lookup",
        "max_body",
        "max_header_bytes",
        "max_skew",
        "options",
        "region",
        "service",
        "timeout",
    )

    def __init__(
        self,
        lookup: Lookup,
        *,
        region: Optional[str] = None,
        service: Optional[str] = None,
        max_skew: float = 900,
        max_body: int = DEFAULT_MAX_BODY,
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
        timeout: float = DEFAULT_TIMEOUT,
        options: Optional[Mapping[str, Mapping[str, Any]]] = None,
        clock: Optional[Callable[[], _dt.datetime]] = None,
        log: Optional[Callable[[str], None]] = None,
    ) -> None:
        # (Plain attribute assignments: like registry.SchemeInfo's in shape only.)
        self.lookup = lookup
        self.region = region
        self.service = service
        self.max_skew = max_skew
        self.max_body = max_body
        self.max_header_bytes = max_header_bytes
        self.timeout = timeout
        self.options = options
        self.clock = clock
        self.log = log if log is not None else _log_to_stderr

    def __repr__(self) -> str:
        return (
            f"ServerConfig(region={self.region!r}, service={self.service!r}, "
            f"max_skew={self.max_skew}, max_body={self.max_body})"
        )


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


class _Handler(BaseHTTPRequestHandler):
    server: VerifyingServer
    protocol_version = "HTTP/1.1"
    server_version = "sigbridge"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.config.timeout)  # a slow client cannot hang it

    def __getattr__(self, name: str) -> Any:
        # Every method is verified the same way: do_GET, do_PUT, do_FOO ...
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    # -- logging: our own lines only; the request line (with its query) is never logged -------

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass

    def log_message(self, format: str, *args: Any) -> None:
        self.server.config.log("sigbridge serve: " + (format % args).replace("\n", " "))

    def _log(self, status: int, code: str) -> None:
        path = (getattr(self, "path", None) or "").split("?", 1)[0]
        if "://" in path:  # absolute-form target (a client using us as its proxy)
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        method = self.command or "-"
        self.server.config.log(f"{method} {path[:200]!r} {status} {code}")

    def send_error(
        self, code: int, message: Optional[str] = None, explain: Optional[str] = None
    ) -> None:
        # http.server's own refusals (bad request line, header lines too long or too many) get an
        # AWS-shaped 400 instead of its HTML page.
        aws_code = "RequestHeaderSectionTooLarge" if code in (414, 431) else "BadRequest"
        self._send_plain_error(400, aws_code, message or "Bad request")

    # -- answers -------------------------------------------------------------------------------

    def _send(self, status: int, content_type: str, body: bytes, request_id: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-request-id", request_id)
        self.send_header("x-amzn-RequestId", request_id)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_plain_error(
        self, status: int, code: str, message: str, *, close: bool = True
    ) -> None:
        if close:
            self.close_connection = True
        request_id = secrets.token_hex(8).upper()
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{_xml_text(message)}</Message><RequestId>{request_id}</RequestId></Error>"
        ).encode("utf-8", "backslashreplace")
        self._log(status, code)
        with contextlib.suppress(OSError):  # the client may be gone already
            self._send(status, "application/xml", body, request_id)

    def _read_request(self) -> Request:
        config = self.server.config
        headers = self.headers
        size = sum(len(k) + len(v) + 4 for k, v in headers.items())
        if size > config.max_header_bytes:
            raise _Refusal(
                400,
                "RequestHeaderSectionTooLarge",
                f"Your request header section exceeds the maximum allowed size "
                f"({config.max_header_bytes} bytes).",
            )
        if headers.get("Transfer-Encoding") is not None:
            raise _Refusal(
                501,
                "NotImplemented",
                "A header you provided implies functionality that is not implemented "
                "(Transfer-Encoding); send a Content-Length.",
            )
        lengths = set(headers.get_all("Content-Length") or [])
        length = 0
        if lengths:
            text = lengths.pop().strip()
            if lengths or not text.isdigit() or not text.isascii() or len(text) > 15:
                raise _Refusal(400, "InvalidArgument", "Content-Length is not a single number")
            length = int(text)
        if length > config.max_body:
            raise _Refusal(
                400,
                "EntityTooLarge",
                f"Your proposed upload exceeds the maximum allowed size ({config.max_body} bytes).",
            )
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            raise _Refusal(
                400,
                "IncompleteBody",
                "You did not provide the number of bytes "
                "specified by the Content-Length HTTP header.",
            )
        target = _wire(self.path)
        if target.startswith(("http://", "https://")):
            url = target
        else:
            host = headers.get("Host")
            if not host:
                raise _Refusal(400, "InvalidRequest", "Missing required header: Host", close=False)
            if not target.startswith("/"):
                raise _Refusal(
                    400, "InvalidRequest", "The request target must start with '/'", close=False
                )
            url = "http://" + _wire(host).strip() + target
        try:
            return Request(self.command, url, [(k, _wire(v)) for k, v in headers.items()], body)
        except SigningError as exc:
            raise _Refusal(400, "InvalidRequest", exc.message, close=False) from None

    def _handle(self) -> None:
        config = self.server.config
        request_id = secrets.token_hex(8).upper()
        try:
            request = self._read_request()
        except _Refusal as refusal:
            self._send_plain_error(
                refusal.status, refusal.code, refusal.message, close=refusal.close
            )
            return
        lowered = {k.lower(): v for k, v in request.headers}
        try:
            verified = verify(
                request,
                config.lookup,
                now=config.clock() if config.clock is not None else None,
                max_skew=config.max_skew,
                region=config.region,
                service=config.service,
                options=config.options,
            )
        except VerificationError as err:
            status, content_type, body = error_response(
                err, _protocol(request, lowered), request_id
            )
            self._log(status, err.code)
            self._send(status, content_type, body, request_id)
            return
        except SigningError as exc:
            self.close_connection = True
            self._send_plain_error(400, "InvalidRequest", exc.message)
            return
        except Exception as exc:  # a bug must cost one answer, not the server
            self.close_connection = True
            self._send_plain_error(500, "InternalError", f"internal error ({type(exc).__name__})")
            return
        account = verified.as_dict()
        body = json.dumps(account).encode("utf-8", "backslashreplace")
        self._log(200, "OK " + verified.scheme)
        self._send(200, "application/json", body, request_id)


class VerifyingServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer whose every request is verified against ``config``."""

    daemon_threads = True
    config: ServerConfig

    def __init__(self, address: Tuple[str, int], config: ServerConfig) -> None:
        self.config = config
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}"


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    credentials: Union[Lookup, Iterable[Credentials]],
    **config: Any,  # ServerConfig's keywords, passed on as given
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
