"""Servers for the adapter tests, all on 127.0.0.1 with ephemeral ports, stopped on exit.

- :func:`serving`: ``sigbridge serve`` (``signers.serve.make_server``) in a thread, with a lookup
  that records which access keys it was asked for;
- :class:`Front`: a scripted recorder in front of it: it writes down every request it gets
  (method, target, headers) and, per request, either answers itself (a 503, a redirect, an
  anonymous 200) or forwards the request byte for byte to ``serve``, which verifies it; the
  ``Host`` header is forwarded unchanged, so ``serve`` checks the signature the client made for
  the front's address.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple

from signers import Credentials
from signers.serve import make_server

TIMEOUT = 10
AK = "AKIDADAPTERS"
SECRET = "adapters/secret+key/EXAMPLE"
AK2 = "ASIAROTATED"
SECRET2 = "rotated/secret+key/EXAMPLE"
TOKEN2 = "session/token+EXAMPLE=="
KEYS = {AK: Credentials(AK, SECRET), AK2: Credentials(AK2, SECRET2, TOKEN2)}
UTC = dt.timezone.utc


class Ticking:
    """A clock one second further on each call (X-Amz-Date has a resolution of one second)."""

    def __init__(self) -> None:
        self.start = dt.datetime.now(UTC).replace(microsecond=0)
        self.calls = itertools.count()

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=next(self.calls))


class Served(NamedTuple):
    url: str
    looked_up: List[str]  # access keys the server looked up, in order
    logs: List[str]


@contextlib.contextmanager
def serving(**config: Any) -> Iterator[Served]:
    """``sigbridge serve`` on a free loopback port, in a thread, stopped (and joined) on exit."""
    looked_up: List[str] = []
    logs: List[str] = []

    def lookup(access_key: str) -> Optional[Credentials]:
        looked_up.append(access_key)
        return KEYS.get(access_key)

    config.setdefault("log", logs.append)
    config.setdefault("timeout", TIMEOUT)
    server = make_server("127.0.0.1", 0, credentials=lookup, **config)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield Served(server.url, looked_up, logs)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)
        assert not thread.is_alive()
        text = "\n".join(logs)
        assert SECRET not in text and SECRET2 not in text and TOKEN2 not in text


class Seen(NamedTuple):
    method: str
    target: str
    headers: Dict[str, str]  # lower-case names
    body: bytes


#: What a script returns for a request: ``None`` to forward it to serve, or an answer
#: ``(status, headers, body)``.
Answer = Optional[Tuple[int, List[Tuple[str, str]], bytes]]
Script = Callable[[int, Seen], Answer]


class Front:
    """A recording, scripted HTTP server in front of ``serve`` (see the module docstring)."""

    def __init__(self, upstream: str, script: Script) -> None:
        self.upstream = upstream.split("://", 1)[1]
        self.script = script
        self.seen: List[Seen] = []
        self.statuses: List[int] = []
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                index = len(front.seen)
                front.seen.append(seen)
                answer = front.script(index, seen)
                if answer is None:
                    answer = front._forward(seen, self.headers.items())
                status, headers, data = answer
                front.statuses.append(status)
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def __getattr__(self, name: str) -> Any:
                if name.startswith("do_"):
                    return self._any
                raise AttributeError(name)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _forward(self, seen: Seen, headers: Any) -> Tuple[int, List[Tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(self.upstream, timeout=TIMEOUT)
        try:
            connection.putrequest(
                seen.method, seen.target, skip_host=True, skip_accept_encoding=True
            )
            for name, value in headers:
                if name.lower() != "transfer-encoding":
                    connection.putheader(name, value)
            connection.endheaders(seen.body or None)
            response = connection.getresponse()
            data = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() == "content-type"]
            return response.status, kept, data
        finally:
            connection.close()

    def __enter__(self) -> Front:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(TIMEOUT)
        assert not self._thread.is_alive()


def forward_all(index: int, seen: Seen) -> Answer:
    return None


def fail_first(index: int, seen: Seen) -> Answer:
    """A server failing the first attempt with a 503, forwarding the others."""
    if index == 0:
        return 503, [("Content-Type", "application/xml")], b"<Error><Code>SlowDown</Code></Error>"
    return None


def redirect_once(location: str, status: int = 307) -> Script:
    """Redirect the first request to ``location``; forward what comes to this host after it, and
    answer a request for another host name (``Host`` not 127.0.0.1) anonymously with 200."""

    def script(index: int, seen: Seen) -> Answer:
        if index == 0:
            return status, [("Location", location)], b""
        if not seen.headers.get("host", "").startswith("127.0.0.1"):
            return 200, [("Content-Type", "text/plain")], b"anonymous"
        return None

    return script


AUTH_HEADERS = ("authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256")


def carries_auth(seen: Seen) -> List[str]:
    """The auth headers a recorded request carries."""
    return [name for name in AUTH_HEADERS if name in seen.headers]
