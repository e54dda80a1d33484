"""A threaded HTTP/1.1 server whose every resource is bounded (shared by ``serve`` and ``proxy``).

``http.server.ThreadingHTTPServer`` starts one thread per connection without a cap, bounds each
socket read rather than the request, listens with a backlog of 5 and prints a traceback when a
client hangs up.  Here:

- **connections**: at most ``max_connections`` at once, each served by its own worker thread;
  one more is answered ``503 ServiceUnavailable`` at once by the accepting thread and closed,
  so threads never exceed ``max_connections`` + 1;
- **time**: every request has a deadline, set when the server starts waiting for it: the head
  (request line and headers) must arrive within ``request_timeout`` seconds, and a body gets
  ``length / BODY_MIN_RATE`` seconds more; no single read or write may wait more than
  ``timeout`` seconds (that also ends an idle keep-alive connection).  A client that trickles
  one byte a second is cut off at its deadline with ``400 RequestTimeout``;
- **backlog**: ``listen(backlog)`` (default 128; the kernel may cap it), so bursts of new
  connections are queued instead of waiting for SYN retransmissions;
- **closing**: a connection closed with unread input is shut down for writing and drained for a
  moment by the accepting thread (a "lingering close"), so that the client reads the answer
  rather than a reset;
- **hang-ups**: one log line ("client hung up ..."), never a traceback; another exception in a
  worker is one line naming its type.

The handler reads the body through :meth:`BoundedHandler.body_chunks` (a ``Transfer-Encoding:
chunked`` one through :meth:`BoundedHandler.chunked_body`, bounded the same way) and sends
``100 Continue`` only when asked to (:meth:`BoundedHandler.send_continue`), so that an
oversized or refused request is answered before the client sends its body.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Callable, Iterable, Iterator, List, Optional, Set, Tuple

from ..errors import InvalidOption

# The limits' defaults (DEFAULT_*) are public as signers.serve's names: listed in its __all__.
__all__ = [
    "BODY_MIN_RATE",
    "BadFraming",
    "BodyTooLarge",
    "BoundedHandler",
    "BoundedServer",
    "ChunkReader",
    "ClientGone",
    "Limits",
    "RequestTimeout",
]

DEFAULT_TIMEOUT = 10.0
DEFAULT_REQUEST_TIMEOUT = 60.0
DEFAULT_MAX_CONNECTIONS = 64
DEFAULT_BACKLOG = 128
DEFAULT_MAX_HEADER_BYTES = 64 * 1024
DEFAULT_MAX_BODY = 5 * 1024 * 1024
DEFAULT_MAX_UPLOAD = 5 * 1024**3  # S3's largest single PUT
#: The slowest body accepted, in bytes a second: a body of n bytes extends its request's
#: deadline by n / BODY_MIN_RATE seconds.
BODY_MIN_RATE = 256 * 1024

_LINGER_SECONDS = 2.0
_CHUNK = 64 * 1024
_HEX = b"0123456789abcdefABCDEF"
_MAX_FRAMING_LINE = 4096
_MAX_TRAILER_LINES = 64

Log = Callable[[str], None]


class Limits:
    """The bounds of a :class:`BoundedServer` (checked when built)."""

    __slots__ = (
        "backlog",
        "max_body",
        "max_connections",
        "max_header_bytes",
        "max_upload",
        "request_timeout",
        "timeout",
    )

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        backlog: int = DEFAULT_BACKLOG,
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
        max_body: int = DEFAULT_MAX_BODY,
        max_upload: int = DEFAULT_MAX_UPLOAD,
    ) -> None:
        for name, value in (("timeout", timeout), ("request_timeout", request_timeout)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise InvalidOption(f"{name}: expected seconds > 0, got {value!r}", field=name)
            if value > 86400 * 365:
                raise InvalidOption(f"{name}: {value!r} seconds is more than a year", field=name)
        for name, number, least in (
            ("max_connections", max_connections, 1),
            ("backlog", backlog, 1),
            ("max_header_bytes", max_header_bytes, 1024),
            ("max_body", max_body, 0),
            ("max_upload", max_upload, 0),
        ):
            if isinstance(number, bool) or not isinstance(number, int) or number < least:
                raise InvalidOption(
                    f"{name}: expected a whole number >= {least}, got {number!r}", field=name
                )
        self.timeout = float(timeout)
        self.request_timeout = float(request_timeout)
        self.max_connections = max_connections
        self.backlog = backlog
        self.max_header_bytes = max_header_bytes
        self.max_body = max_body
        self.max_upload = max(max_upload, max_body)

    def __repr__(self) -> str:
        return "Limits(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__) + ")"


class RequestTimeout(Exception):
    """A read waited more than ``timeout``, or the request passed its deadline."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class ClientGone(Exception):
    """The client closed the connection before the request was complete."""


# -- the connection's two directions -----------------------------------------------------------


class DeadlineReader(io.RawIOBase):
    """Socket reads bounded by ``timeout`` each and by the request's deadline in all."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        super().__init__()
        self._sock = sock
        self._timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.received = 0  # bytes of the current request so far

    def start(self, seconds: float) -> None:
        """A new request: its deadline is ``seconds`` from now."""
        self.deadline = time.monotonic() + seconds
        self.received = 0

    def extend(self, seconds: float) -> None:
        self.deadline += seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise RequestTimeout("the request's deadline passed")
        wait = min(self._timeout, remaining)
        self._sock.settimeout(wait)
        try:
            count = self._sock.recv_into(buffer)
        except socket.timeout:
            if wait < self._timeout:
                raise RequestTimeout("the request's deadline passed") from None
            raise RequestTimeout(f"nothing received for {self._timeout:g} s") from None
        self.received += count
        return count


class SocketWriter(io.RawIOBase):
    """``sendall`` with ``timeout`` for each write (a reader that stops reading is dropped)."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        super().__init__()
        self._sock = sock
        self._timeout = timeout

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._sock.settimeout(self._timeout)
        self._sock.sendall(data)
        with memoryview(data) as view:
            return view.nbytes


class BadFraming(Exception):
    """A ``Transfer-Encoding: chunked`` body whose framing is broken (the message says how)."""


class BodyTooLarge(Exception):
    """A body of unannounced length that grew past the limit it was read under."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body exceeds {limit} bytes")
        self.limit = limit


class ChunkReader(io.RawIOBase):
    """A readable file over an iterator of bytes (a body read as it arrives)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        super().__init__()
        self._chunks = iter(chunks)
        self._rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._rest:
            try:
                self._rest = next(self._chunks)
            except StopIteration:
                return 0
        count = min(len(buffer), len(self._rest))
        buffer[:count] = self._rest[:count]
        self._rest = self._rest[count:]
        return count


# -- the server --------------------------------------------------------------------------------


_BUSY_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ServiceUnavailable</Code>'
    "<Message>Too many connections at once (%d); retry later.</Message></Error>"
)


def busy_answer(max_connections: int) -> bytes:
    body = (_BUSY_BODY % max_connections).encode("ascii")
    head = (
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\n"
        f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class BoundedServer(HTTPServer):
    """An HTTP server with :class:`Limits`: see the module's docstring."""

    limits: Limits

    def __init__(
        self,
        address: Tuple[str, int],
        handler: Callable[..., BaseHTTPRequestHandler],
        limits: Limits,
        log: Log,
    ) -> None:
        self.limits = limits
        self.log = log
        self.request_queue_size = limits.backlog  # read by server_activate's listen()
        self._slots = threading.BoundedSemaphore(limits.max_connections)
        self._lock = threading.Lock()
        self._workers: Set[threading.Thread] = set()
        self._lingering: List[Tuple[socket.socket, float]] = []
        self._to_linger: Set[int] = set()
        self.refused_busy = 0  # connections answered 503 (for tests and reports)
        super().__init__(address, handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}"

    @property
    def active_connections(self) -> int:
        with self._lock:
            return len(self._workers)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._refuse_busy(request)
            return
        worker = threading.Thread(
            target=self._work, args=(request, client_address), name="sigbridge-worker"
        )
        worker.daemon = True
        with self._lock:
            self._workers.add(worker)
        try:
            worker.start()
        except RuntimeError:  # no thread could be started: answer as for a full house
            with self._lock:
                self._workers.discard(worker)
            self._slots.release()
            self._refuse_busy(request)

    def _work(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._lock:
                self._workers.discard(threading.current_thread())
            self._slots.release()

    def _refuse_busy(self, request: socket.socket) -> None:
        self.refused_busy += 1
        with contextlib.suppress(OSError):
            request.setblocking(False)
            request.send(busy_answer(self.limits.max_connections))
        busy = self.limits.max_connections
        self.log(f"- - 503 ServiceUnavailable (connection refused: {busy} busy)")
        self._linger(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # One line, never a traceback (and never the exception's text, which may quote input).
        import sys

        kind = sys.exc_info()[0]
        name = kind.__name__ if kind is not None else "error"
        self.log(f"- - connection ended by {name}")

    def linger_on_close(self, request: Any) -> None:
        """Close ``request`` with a lingering close (it may hold unread input)."""
        with self._lock:
            self._to_linger.add(id(request))

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            linger = id(request) in self._to_linger
            self._to_linger.discard(id(request))
        if linger:
            self._linger(request)
        else:
            super().shutdown_request(request)

    def _linger(self, request: socket.socket) -> None:
        with contextlib.suppress(OSError):
            request.shutdown(socket.SHUT_WR)
            request.setblocking(False)
        overflow: List[socket.socket] = []
        with self._lock:
            self._lingering.append((request, time.monotonic() + _LINGER_SECONDS))
            cap = max(64, 2 * self.limits.max_connections)
            while len(self._lingering) > cap:
                overflow.append(self._lingering.pop(0)[0])
        for sock in overflow:
            sock.close()

    def service_actions(self) -> None:
        """Called by ``serve_forever`` between polls: drain and close lingering connections."""
        with self._lock:
            pending, self._lingering = self._lingering, []
        now = time.monotonic()
        keep = []
        for sock, until in pending:
            if now < until and not _drained(sock):
                keep.append((sock, until))
            else:
                sock.close()
        if keep:
            with self._lock:
                self._lingering.extend(keep)

    def server_close(self) -> None:
        super().server_close()
        with self._lock:
            pending, self._lingering = self._lingering, []
            workers = list(self._workers)
        for sock, _ in pending:
            sock.close()
        until = time.monotonic() + 2.0
        for worker in workers:
            worker.join(max(0.0, until - time.monotonic()))


def _drained(sock: socket.socket) -> bool:
    """Read what is waiting; whether the peer closed (or the socket failed)."""
    try:
        for _ in range(16):
            if not sock.recv(_CHUNK):
                return True
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True
    return False


# -- the handler -------------------------------------------------------------------------------


class BoundedHandler(BaseHTTPRequestHandler):
    """Reads requests under the server's :class:`Limits`; subclasses answer them.

    A subclass implements :meth:`handle_request` (every method goes there) and may override
    :meth:`refuse` (how an answer that ends the request early is rendered).
    """

    server: BoundedServer
    protocol_version = "HTTP/1.1"
    server_version = "sigbridge"
    sys_version = ""

    def setup(self) -> None:
        limits = self.server.limits
        self.connection = self.request
        self.reader = DeadlineReader(self.connection, limits.timeout)
        self.rfile = io.BufferedReader(self.reader, _CHUNK)
        self.wfile = SocketWriter(self.connection, limits.timeout)  # type: ignore[assignment]
        self.expect_continue = False
        self.unread_body = False

    def finish(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.rfile.close()

    def __getattr__(self, name: str) -> Any:
        # Every method reaches handle_request: do_GET, do_PUT, do_FOO ...
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def handle_request(self) -> None:  # pragma: no cover - subclasses answer
        raise NotImplementedError

    def reset(self) -> None:
        """Called before each request: subclasses forget the previous one."""

    def refuse(self, status: int, code: str, message: str) -> None:
        """Answer ``status`` / ``code`` and close (subclasses render it as AWS would)."""
        self.close_connection = True
        self.server.log(f"- - {status} {code}")
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>"
        ).encode("utf-8", "backslashreplace")
        with contextlib.suppress(OSError):
            self.send_response(status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

    # -- one request ---------------------------------------------------------------------------

    def handle_one_request(self) -> None:
        self.reader.start(self.server.limits.request_timeout)
        self.reset()
        self.expect_continue = False
        self.unread_body = False
        self.command = ""
        self.path = ""
        try:
            self._one_request()
        except RequestTimeout:
            self.close_connection = True  # an idle keep-alive connection ends silently
            if self.reader.received:
                self.unread_body = True
                self.refuse(
                    400,
                    "RequestTimeout",
                    "Your socket connection to the server was not read from or written to "
                    "within the timeout period.",
                )
        except ClientGone:
            self.close_connection = True
            self.server.log("- - client hung up before its request was complete")
        except (ConnectionError, socket.timeout) as exc:
            self.close_connection = True
            self.server.log(f"- - client hung up ({type(exc).__name__})")
        if self.unread_body:
            self.server.linger_on_close(self.connection)

    def _one_request(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline:
            self.close_connection = True
            return
        if not self.raw_requestline.endswith(b"\n") and len(self.raw_requestline) <= 65536:
            raise ClientGone()
        if len(self.raw_requestline) > 65536:
            self.requestline = ""
            self.request_version = ""
            self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        getattr(self, "do_" + self.command)()
        self.wfile.flush()

    def _dispatch(self) -> None:
        self.handle_request()

    def handle_expect_100(self) -> bool:
        # Not yet: the handler sends 100 Continue once the request may go on (send_continue).
        self.expect_continue = True
        return True

    def send_continue(self) -> None:
        if self.expect_continue:
            self.expect_continue = False
            self.send_response_only(100)
            self.end_headers()

    def body_chunks(self, length: int) -> Iterator[bytes]:
        """The body, ``length`` bytes in chunks; its deadline is extended for its size."""
        self.reader.extend(length / BODY_MIN_RATE)
        self.unread_body = length > 0
        left = length
        while left:
            try:
                chunk = self.rfile.read1(min(left, _CHUNK))
            except OSError as exc:
                if isinstance(exc, socket.timeout):
                    raise
                raise ClientGone() from None  # (not an upstream's failure, when forwarding)
            if not chunk:
                raise ClientGone()
            left -= len(chunk)
            if not left:
                self.unread_body = False
            yield chunk

    def read_body(self, length: int) -> bytes:
        return b"".join(self.body_chunks(length))

    def chunked_body(self, limit: int) -> Iterator[bytes]:
        """A ``Transfer-Encoding: chunked`` body (RFC 9112 section 7.1): the chunks' data as it
        arrives, ``limit`` bytes at most (:class:`BodyTooLarge` past it); chunk extensions and
        trailer fields are read and dropped.  Broken framing is a :class:`BadFraming`."""
        self.unread_body = True
        total = 0
        while True:
            size_text = self._framing_line().split(b";", 1)[0].strip()
            if not size_text or len(size_text) > 15 or size_text.strip(_HEX):
                raise BadFraming("a chunk size line is not hexadecimal")
            size = int(size_text, 16)
            if not size:
                break
            total += size
            if total > limit:
                raise BodyTooLarge(limit)
            yield from self.body_chunks(size)
            self.unread_body = True
            if self._framing_line():
                raise BadFraming("a chunk's data is not followed by CRLF")
        for _ in range(_MAX_TRAILER_LINES):
            if not self._framing_line():
                self.unread_body = False
                return
        raise BadFraming(f"more than {_MAX_TRAILER_LINES} trailer lines")

    def _framing_line(self) -> bytes:
        line = self.rfile.readline(_MAX_FRAMING_LINE + 1)
        if not line.endswith(b"\r\n"):
            if not line:
                raise ClientGone()
            raise BadFraming("a chunk size or trailer line is too long or not ended by CRLF")
        return line[:-2]

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass  # our own lines only: the request line (with its query) is never logged

    def log_message(self, format: str, *args: Any) -> None:
        self.server.log("sigbridge: " + (format % args).replace("\n", " "))

    def send_error(
        self, code: int, message: Optional[str] = None, explain: Optional[str] = None
    ) -> None:
        # http.server's own refusals (bad request line, header lines too long or too many): an
        # AWS-shaped 400 instead of its HTML page, without echoing the request line (its query
        # may hold a session token).
        aws_code = "RequestHeaderSectionTooLarge" if code in (414, 431) else "BadRequest"
        text = (message or "Bad request").split(" (", 1)[0]
        self.refuse(400, aws_code, text)
