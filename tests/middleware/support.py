"""Apps behind the middleware, the servers that run them, and botocore clients for them.

The apps answer a few AWS operations in their protocol's shape, enough for botocore's parsers
(botocore/parsers.py: the query parser reads ``<OperationResult>`` under the response element,
the JSON parser the body's members, the REST-XML parser headers and the body), and put what the
middleware handed them (the ``Verified`` result) into the answer:

- STS ``GetCallerIdentity`` (query protocol): ``UserId`` is the verified access key, ``Arn`` ends
  with the verified scheme;
- DynamoDB ``ListTables`` (JSON 1.0): ``TableNames`` is ``[scheme, access key]``;
- S3 ``PutObject`` / ``GetObject`` (REST-XML): objects kept in memory; ``GetObject`` returns
  ``x-amz-meta-verified-by`` (botocore's ``Metadata``) with the scheme and access key.

Servers run on 127.0.0.1 with ephemeral ports, in threads, and are stopped (and joined) on exit.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qs, unquote

from signers import Credentials

TIMEOUT = 10
AK = "AKIDMIDDLEWARE"
SECRET = "middleware/secret+key/EXAMPLE"
KEYS = {AK: Credentials(AK, SECRET)}
REGION = "us-east-1"

Answer = Tuple[int, List[Tuple[str, str]], bytes]


class Operations:
    """The AWS operations the test apps answer, and what they saw."""

    def __init__(self) -> None:
        self.objects: Dict[str, bytes] = {}
        self.verified: List[Any] = []  # every Verified result handed to the app
        self.calls = 0

    def answer(
        self, method: str, path: str, headers: Dict[str, str], body: bytes, verified: Any
    ) -> Answer:
        self.calls += 1
        self.verified.append(verified)
        who = f"{verified.scheme} {verified.access_key}"
        if headers.get("x-amz-target", "").endswith(".ListTables"):
            data = (
                '{"TableNames": ["%s", "%s"]}' % (verified.scheme, verified.access_key)
            ).encode()
            return 200, [("Content-Type", "application/x-amz-json-1.0")], data
        form = parse_qs(body.decode("utf-8", "replace")) if method == "POST" else {}
        if form.get("Action") == ["GetCallerIdentity"]:
            data = (
                '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                "<GetCallerIdentityResult>"
                f"<Arn>arn:aws:iam::123456789012:user/{verified.scheme}</Arn>"
                f"<UserId>{verified.access_key}</UserId><Account>123456789012</Account>"
                "</GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId>"
                "</ResponseMetadata></GetCallerIdentityResponse>"
            ).encode()
            return 200, [("Content-Type", "text/xml")], data
        key = unquote(path)
        etag = '"%s"' % hashlib.md5(body).hexdigest()  # S3's ETag of a PUT
        if method == "PUT":
            self.objects[key] = body
            return 200, [("ETag", etag)], b""
        if method in ("GET", "HEAD") and key in self.objects:
            data = self.objects[key]
            return (
                200,
                [
                    ("Content-Type", "application/octet-stream"),
                    ("ETag", '"%s"' % hashlib.md5(data).hexdigest()),
                    ("x-amz-meta-verified-by", who),
                ],
                data,
            )
        error = b"<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>"
        return 404, [("Content-Type", "application/xml")], error


def wsgi_app(operations: Operations) -> Any:
    def app(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        status, answer_headers, data = operations.answer(
            environ["REQUEST_METHOD"],
            environ["PATH_INFO"],
            headers,
            body,
            environ["sigbridge.verified"],
        )
        start_response(f"{status} X", [*answer_headers, ("Content-Length", str(len(data)))])
        return [data]

    return app


def asgi_app(operations: Operations) -> Any:
    async def app(scope: Dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        parts = []
        while True:
            message = await receive()
            parts.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        status, answer_headers, data = operations.answer(
            scope["method"], scope["path"], headers, b"".join(parts), scope["sigbridge.verified"]
        )
        raw = [(k.lower().encode(), v.encode()) for k, v in answer_headers]
        raw.append((b"content-length", str(len(data)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": data})

    return app


@contextlib.contextmanager
def wsgiref_server(app: Any) -> Iterator[str]:
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Threading(WSGIServer):
        daemon_threads = True

    server = make_server("127.0.0.1", 0, app, server_class=Threading, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)
        assert not thread.is_alive()


@contextlib.contextmanager
def waitress_server(app: Any) -> Iterator[str]:
    import waitress
    from waitress import wasyncore

    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
    stop = threading.Event()

    def run() -> None:
        # waitress's own run() loops while any connection is open (botocore keeps its own
        # alive): loop here until told to stop, then close everything from this same thread.
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, count=1)
        server.close()
        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop.set()
        thread.join(TIMEOUT)
        assert not thread.is_alive()


@contextlib.contextmanager
def uvicorn_server(app: Any) -> Iterator[str]:
    import uvicorn

    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="error", lifespan="off", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + TIMEOUT
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(TIMEOUT)
        assert not thread.is_alive()


def botocore_client(service: str, url: str, *, key: str = AK, secret: str = SECRET) -> Any:
    import botocore.session
    from botocore.config import Config

    session = botocore.session.get_session()
    return session.create_client(
        service,
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(
            retries={"max_attempts": 1},
            connect_timeout=TIMEOUT,
            read_timeout=TIMEOUT,
            s3={"addressing_style": "path"},
        ),
    )


def error_code(exc: Any) -> Optional[str]:
    return exc.response.get("Error", {}).get("Code")
