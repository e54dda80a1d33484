"""Small S3 endpoints on 127.0.0.1 for the probe tests: an object store with a pluggable check.

:class:`FakeS3` stores objects in memory (buckets, PUT/GET/HEAD/DELETE of keys, V1 listing with
a prefix, browser POST uploads) and asks its ``authenticate`` function about every request
first: ``None`` lets it through, ``(status, code)`` refuses it with S3's XML error.  It records
every request (method, target, headers) and the most requests it served at once, so that tests
can check what the probe sent.  The verifiers it is given are built in :mod:`.mutants`.
"""

from __future__ import annotations

import http.server
import threading
from typing import Callable, Dict, List, Optional, Set, Tuple
from urllib.parse import unquote
from xml.sax.saxutils import escape

import signers

Refusal = Optional[Tuple[int, str]]
Authenticate = Callable[[signers.Request], Refusal]


def lenient(request: signers.Request) -> Refusal:
    """Lets everything through: the server of a vendor who forgot authentication."""
    return None


class Recorded:
    __slots__ = ("body", "headers", "method", "target")

    def __init__(self, method: str, target: str, headers: List[Tuple[str, str]], body: bytes):
        self.method, self.target, self.headers, self.body = method, target, headers, body


class FakeS3(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, authenticate: Authenticate = lenient) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.authenticate = authenticate
        self.lock = threading.Lock()
        self.buckets: Set[str] = set()
        self.objects: Dict[Tuple[str, str], bytes] = {}
        self.requests: List[Recorded] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.writes: List[Tuple[str, str]] = []  # (bucket, key) of every stored object

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> FakeS3:
        threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    def keys(self) -> List[Tuple[str, str]]:
        with self.lock:
            return sorted(self.objects)


def _wire(text: str) -> str:
    # http.server reads header values and the target as Latin-1: get the UTF-8 back.
    try:
        return text.encode("latin-1").decode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text


class _Handler(http.server.BaseHTTPRequestHandler):
    server: FakeS3
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def __getattr__(self, name: str) -> object:
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _answer(
        self, status: int, body: bytes = b"", content_type: str = "application/xml"
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        # The request ends here, before a byte of the answer leaves: a client that has read the
        # answer may send its next request before this thread would get back to _handle.
        self._leave()
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _leave(self) -> None:
        if getattr(self, "_counted", False):
            self._counted = False
            with self.server.lock:
                self.server.in_flight -= 1

    def _error(self, status: int, code: str) -> None:
        body = f"<Error><Code>{code}</Code><Message>{code}</Message></Error>".encode()
        self._answer(status, body)

    def _handle(self) -> None:
        server = self.server
        with server.lock:
            server.in_flight += 1
            server.most_in_flight = max(server.most_in_flight, server.in_flight)
        self._counted = True
        try:
            self._serve()
        finally:
            self._leave()

    def _serve(self) -> None:
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = [(k, _wire(v)) for k, v in self.headers.items()]
        target = _wire(self.path)
        with server.lock:
            server.requests.append(Recorded(self.command, target, headers, body))
        host = self.headers.get("Host", "")
        request = signers.Request(self.command, f"http://{host}{target}", headers, body)
        refusal = server.authenticate(request)
        if refusal is not None:
            self._error(*refusal)
            return
        path, _, query = target.partition("?")
        parts = path.lstrip("/").split("/", 1)
        bucket = unquote(parts[0])
        key = unquote(parts[1]) if len(parts) > 1 else ""
        self._storage(bucket, key, query, body)

    def _storage(self, bucket: str, key: str, query: str, body: bytes) -> None:
        server = self.server
        method = self.command
        if not bucket:
            names = "".join(f"<Bucket><Name>{escape(b)}</Name></Bucket>" for b in server.buckets)
            self._answer(200, f"<ListAllMyBucketsResult><Buckets>{names}</Buckets>"
                              "</ListAllMyBucketsResult>".encode())  # fmt: skip
            return
        with server.lock:
            exists = bucket in server.buckets
        if not key and method == "PUT":
            with server.lock:
                server.buckets.add(bucket)
            self._answer(200)
            return
        if not exists:
            self._error(404, "NoSuchBucket")
            return
        if not key and method == "DELETE":
            with server.lock:
                server.buckets.discard(bucket)
            self._answer(204)
        elif not key and method == "GET":
            self._list(bucket, query)
        elif not key and method == "POST":
            self._post(bucket, body)
        elif method == "PUT":
            self._store(bucket, key, body)
            self._answer(200)
        elif method in ("GET", "HEAD"):
            with server.lock:
                data = server.objects.get((bucket, key))
            if data is None:
                self._error(404, "NoSuchKey")
            else:
                self._answer(200, data, "application/octet-stream")
        elif method == "DELETE":
            with server.lock:
                server.objects.pop((bucket, key), None)
            self._answer(204)
        else:
            self._error(405, "MethodNotAllowed")

    def _store(self, bucket: str, key: str, body: bytes) -> None:
        with self.server.lock:
            self.server.objects[(bucket, key)] = body
            self.server.writes.append((bucket, key))

    def _list(self, bucket: str, query: str) -> None:
        prefix = ""
        for piece in query.split("&"):
            name, _, value = piece.partition("=")
            if name == "prefix":
                prefix = unquote(value)
        with self.server.lock:
            keys = sorted(k for b, k in self.server.objects if b == bucket and k.startswith(prefix))
        contents = "".join(f"<Contents><Key>{escape(k)}</Key></Contents>" for k in keys)
        body = f"<ListBucketResult><IsTruncated>false</IsTruncated>{contents}</ListBucketResult>"
        self._answer(200, body.encode("utf-8"))

    def _post(self, bucket: str, body: bytes) -> None:
        from signers.post_policy import parse_multipart

        fields, _ = parse_multipart(self.headers.get("Content-Type", ""), body)
        key = next((v for n, v in fields if n.lower() == "key"), None)
        if key is None:
            self._error(400, "InvalidArgument")
            return
        self._store(bucket, key, b"(posted)")
        self._answer(204)
