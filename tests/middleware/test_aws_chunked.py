"""aws-chunked uploads through the middleware, called directly (no sockets): the app reads the
decoded body, each chunk checked before its bytes reach it, and a failed check ends as AWS's
answer.  Bodies are framed by the independent reference (:mod:`tests.middleware.chunked`) or by
``sign_stream``; what the app must see is the payload itself."""

from __future__ import annotations

import asyncio
import io
from typing import Any, Dict, List, Optional, Tuple

import pytest

import signers
from signers.middleware._common import DecodedBody
from signers.middleware.asgi import VerifyingMiddleware as ASGIMiddleware
from signers.middleware.wsgi import VerifyingMiddleware as WSGIMiddleware
from tests.middleware.chunked import MODES, flip, framed, payload, signed_stream
from tests.middleware.support import KEYS

# heavy: botocore/hypothesis runs or whole-suite scans, left out of the quick loop
pytestmark = pytest.mark.slow

HOST = "127.0.0.1:8080"
URL = f"http://{HOST}/bucket/dir/key.bin"
DATA = payload(30_000)  # three 8 KiB chunks and a short last one


def _environ(headers: List[Tuple[str, str]], wire: bytes, **extra: Any) -> Dict[str, Any]:
    environ: Dict[str, Any] = {
        "REQUEST_METHOD": "PUT",
        "PATH_INFO": "/bucket/dir/key.bin",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(wire),
        "HTTP_HOST": HOST,
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
    environ.update(extra)
    return environ


def _call(app: Any, environ: Dict[str, Any], **options: Any) -> Tuple[int, bytes]:
    answer: Dict[str, Any] = {}

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        if "status" in answer and exc_info is None:
            raise AssertionError("start_response called twice without exc_info")
        answer["status"] = status

    body = b"".join(WSGIMiddleware(app, KEYS, **options)(environ, start_response))
    return int(answer["status"].split()[0]), body


class Reader:
    """A WSGI app that reads the body in a given way and records what it got."""

    def __init__(self, how: str = "all", catch: bool = False) -> None:
        self.how, self.catch = how, catch
        self.got: List[bytes] = []
        self.error: Optional[Exception] = None
        self.environ: Dict[str, Any] = {}
        self.complete_after_read = False

    def read(self, stream: Any, length: Optional[int]) -> None:
        if self.how == "all":
            self.got.append(stream.read())
        elif self.how == "length":
            assert length is not None
            self.got.append(stream.read(length))
        elif self.how == "pieces":
            while True:
                piece = stream.read(1000)
                if not piece:
                    break
                self.got.append(piece)
        elif self.how == "lines":
            self.got.extend(stream)
        elif self.how == "readlines":
            self.got.extend(stream.readlines())

    def __call__(self, environ: Dict[str, Any], start_response: Any) -> List[bytes]:
        self.environ = dict(environ)
        length = environ.get("CONTENT_LENGTH")
        try:
            self.read(environ["wsgi.input"], int(length) if length else None)
        except signers.VerificationError as err:
            self.error = err
            if not self.catch:
                raise
            start_response("422 Unprocessable", [])
            return [b"the app's own answer"]
        self.complete_after_read = environ["sigbridge.verified"].payload.complete
        start_response("200 OK", [])
        return [b"stored"]

    @property
    def body(self) -> bytes:
        return b"".join(self.got)


# -- WSGI ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode,checksum", MODES)
@pytest.mark.parametrize("how", ["all", "length", "pieces", "lines", "readlines"])
def test_wsgi_app_reads_the_decoded_body_of_each_mode(
    mode: str, checksum: Optional[str], how: str
) -> None:
    headers, wire = framed(URL, DATA, mode=mode, checksum=checksum)
    app = Reader(how)
    assert _call(app, _environ(headers, wire)) == (200, b"stored")
    assert app.body == DATA
    assert app.complete_after_read is True  # (read(CONTENT_LENGTH) too: the end was checked)
    verified = app.environ["sigbridge.verified"]
    assert verified.payload_checked is True
    assert app.environ["CONTENT_LENGTH"] == str(len(DATA))
    assert "HTTP_CONTENT_ENCODING" not in app.environ


@pytest.mark.parametrize("mode", ["signed", "signed-trailer"])
def test_wsgi_takes_sign_stream_bodies(mode: str) -> None:
    headers, wire = signed_stream(
        URL, DATA, mode=mode, checksum=None if mode == "signed" else "SHA256"
    )
    app = Reader("pieces")
    assert _call(app, _environ(headers, wire))[0] == 200 and app.body == DATA


def test_wsgi_without_a_declared_length_ends_the_input_and_keeps_other_encodings() -> None:
    headers, wire = framed(
        URL, DATA, mode="signed", declare_length=False, encoding="aws-chunked, gzip"
    )
    app = Reader("pieces")
    assert _call(app, _environ(headers, wire))[0] == 200 and app.body == DATA
    assert "CONTENT_LENGTH" not in app.environ and app.environ["wsgi.input_terminated"] is True
    assert app.environ["HTTP_CONTENT_ENCODING"] == "gzip"


@pytest.mark.parametrize(
    "mode,checksum,changed,trailer,code",
    [
        ("signed", None, 1, None, "SignatureDoesNotMatch"),
        ("signed-trailer", "CRC32", 2, None, "SignatureDoesNotMatch"),
        ("unsigned-trailer", "CRC32", 1, None, "BadDigest"),
        ("unsigned-trailer", "CRC32", None, "AAAAAA==", "BadDigest"),
    ],
    ids=["signed", "signed-trailer", "unsigned-trailer-data", "unsigned-trailer-checksum"],
)
@pytest.mark.parametrize("how", ["pieces", "length"])
def test_wsgi_a_failed_check_raises_from_the_read_and_is_answered(
    mode: str, checksum: Optional[str], changed: Optional[int], trailer: Optional[str], code: str,
    how: str,
) -> None:  # fmt: skip
    options: Dict[str, Any] = {} if changed is None else {"change": flip(changed)}
    headers, wire = framed(
        URL, DATA, mode=mode, checksum=checksum, trailer_value=trailer, **options
    )
    app = Reader(how)
    status, body = _call(app, _environ(headers, wire))
    assert app.error is not None and app.error.code == code  # type: ignore[attr-defined]
    assert status == app.error.http_status  # type: ignore[attr-defined]
    assert f"<Code>{code}</Code>".encode() in body
    got = app.body
    if mode != "unsigned-trailer":
        # nothing of a chunk whose signature fails is handed out
        assert changed is not None and DATA.startswith(got) and len(got) <= 8192 * changed
    # the last chunk waits for the end's check (in unsigned-trailer mode, the only one)
    assert len(got) <= 3 * 8192


def test_wsgi_an_app_that_catches_the_error_answers_itself() -> None:
    headers, wire = framed(URL, DATA, mode="signed", change=flip(0))
    app = Reader("pieces", catch=True)
    assert _call(app, _environ(headers, wire)) == (422, b"the app's own answer")
    assert app.body == b""


def test_wsgi_an_app_reading_as_it_iterates_is_answered_before_its_first_byte() -> None:
    headers, wire = framed(URL, DATA, mode="signed", change=flip(2))

    def app(environ: Dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [])
        stream = environ["wsgi.input"]
        yield b""
        while stream.read(4096):
            yield b""
        yield b"done"

    status, body = _call(app, _environ(headers, wire))
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body


def test_wsgi_refusals_before_the_body_is_read() -> None:
    class Unreadable(io.RawIOBase):
        def read(self, *args: Any) -> bytes:
            raise AssertionError("the body was read")

        readline = read

    def refused(headers: Any, **extra: Any) -> Tuple[int, bytes]:
        app = Reader()
        environ = _environ(headers, b"", **{"wsgi.input": Unreadable(), **extra})
        result = _call(app, environ, max_body=20_000)
        assert app.environ == {}
        return result

    headers, _ = framed(URL, DATA, mode="signed")
    too_large = refused(headers)  # (x-amz-decoded-content-length 30000 > max_body)
    assert too_large[0] == 400 and b"<Code>EntityTooLarge</Code>" in too_large[1]
    small, _ = framed(URL, DATA[:100], mode="signed")
    no_length = [(n, v) for n, v in small if n != "Content-Length"]
    assert refused(no_length)[0] == 411
    for declared in ("UNSIGNED-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-EVENTS"):
        other = [(n, declared if n == "x-amz-content-sha256" else v) for n, v in small]
        status, body = refused(other)
        assert status == 501 and b"<Code>NotImplemented</Code>" in body


def test_wsgi_a_streaming_value_aws_does_not_define_is_refused_as_s3_does() -> None:
    headers, wire = framed(URL, DATA[:100], mode="signed")
    other = [(n, "STREAMING-NOT-A-MODE" if n == "x-amz-content-sha256" else v) for n, v in headers]
    app = Reader()
    status, body = _call(app, _environ(other, wire))
    assert status == 400 and b"<Code>InvalidArgument</Code>" in body and app.environ == {}


def test_wsgi_a_seed_that_does_not_verify_is_answered_unread() -> None:
    headers, _ = framed(URL, DATA[:100], mode="signed")
    forged = [
        (n, v[:-1] + ("0" if v[-1] != "0" else "1") if n == "Authorization" else v)
        for n, v in headers
    ]

    class Unreadable(io.RawIOBase):
        def read(self, *args: Any) -> bytes:
            raise AssertionError("the body was read")

    app = Reader()
    status, body = _call(app, _environ(forged, b"", **{"wsgi.input": Unreadable()}))
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body
    assert app.environ == {}


def test_wsgi_max_body_caps_an_undeclared_decoded_length() -> None:
    headers, wire = framed(URL, DATA, mode="signed", declare_length=False)
    app = Reader("pieces")
    status, body = _call(app, _environ(headers, wire), max_body=20_000)
    assert status == 400 and b"<Code>EntityTooLarge</Code>" in body
    assert len(app.body) <= 20_000


# -- ASGI ---------------------------------------------------------------------------------------


def _scope(headers: List[Tuple[str, str]]) -> Dict[str, Any]:
    return {
        "type": "http",
        "method": "PUT",
        "scheme": "http",
        "path": "/bucket/dir/key.bin",
        "raw_path": b"/bucket/dir/key.bin",
        "query_string": b"",
        "headers": [(b"host", HOST.encode())]
        + [(n.lower().encode(), v.encode()) for n, v in headers],
        "server": ("127.0.0.1", 8080),
    }


class ASGIReader:
    """An ASGI app that reads the body to its end (or a disconnect), then answers; with
    ``start_first`` it starts its response before reading."""

    def __init__(self, start_first: bool = False) -> None:
        self.start_first = start_first
        self.messages: List[Dict[str, Any]] = []
        self.scope: Dict[str, Any] = {}
        self.after: Optional[str] = None

    async def __call__(self, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        self.scope = scope
        if self.start_first:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        while True:
            message = await receive()
            self.messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        if message["type"] == "http.request":
            self.after = (await receive())["type"]
        if not self.start_first:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"stored", "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages)


def _asgi(app: Any, headers: Any, wire: bytes, step: int = 5000, **options: Any) -> List[Any]:
    incoming = [
        {"type": "http.request", "body": wire[i : i + step], "more_body": i + step < len(wire)}
        for i in range(0, len(wire), step)
    ]
    sent: List[Any] = []

    async def receive() -> Dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(ASGIMiddleware(app, KEYS, **options)(_scope(headers), receive, send))
    return sent


@pytest.mark.parametrize("mode,checksum", MODES)
@pytest.mark.parametrize("step", [1, 777, 100_000])
def test_asgi_app_receives_the_decoded_body_of_each_mode(
    mode: str, checksum: Optional[str], step: int
) -> None:
    data = DATA if step > 1 else DATA[:9000]
    headers, wire = framed(URL, data, mode=mode, checksum=checksum)
    app = ASGIReader()
    sent = _asgi(app, headers, wire, step)
    assert sent[0]["status"] == 200
    assert app.body == data
    assert all(m["type"] == "http.request" for m in app.messages)
    assert app.messages[-1]["more_body"] is False and app.after == "http.disconnect"
    assert app.scope["sigbridge.verified"].payload.complete is True
    seen = dict(app.scope["headers"])
    assert seen[b"content-length"] == str(len(data)).encode() and b"content-encoding" not in seen


def test_asgi_takes_sign_stream_bodies() -> None:
    headers, wire = signed_stream(URL, DATA, mode="signed-trailer", checksum="CRC32")
    app = ASGIReader()
    assert _asgi(app, headers, wire)[0]["status"] == 200 and app.body == DATA


@pytest.mark.parametrize(
    "mode,change,code",
    [("signed", flip(1), "SignatureDoesNotMatch"), ("unsigned-trailer", flip(3), "BadDigest")],
)
def test_asgi_a_failed_check_is_answered_by_the_middleware(
    mode: str, change: Any, code: str
) -> None:
    checksum = "CRC32" if mode == "unsigned-trailer" else None
    headers, wire = framed(URL, DATA, mode=mode, checksum=checksum, change=change)
    app = ASGIReader()
    sent = _asgi(app, headers, wire)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] in (400, 403) and f"<Code>{code}</Code>".encode() in sent[1]["body"]
    assert app.messages[-1] == {"type": "http.disconnect"}
    assert DATA.startswith(app.body) and len(app.body) < len(DATA)


def test_asgi_a_failure_after_the_response_started_leaves_it_unfinished() -> None:
    headers, wire = framed(URL, DATA, mode="signed", change=flip(2))
    app = ASGIReader(start_first=True)
    sent = _asgi(app, headers, wire)
    assert sent == [{"type": "http.response.start", "status": 200, "headers": []}]
    assert app.messages[-1] == {"type": "http.disconnect"}


def test_asgi_max_body_caps_the_decoded_length() -> None:
    headers, wire = framed(URL, DATA, mode="signed", declare_length=False)
    app = ASGIReader()
    sent = _asgi(app, headers, wire, max_body=20_000)
    assert sent[0]["status"] == 400 and b"EntityTooLarge" in sent[1]["body"]
    declared, wire = framed(URL, DATA, mode="signed")
    app = ASGIReader()
    sent = _asgi(app, declared, wire, max_body=20_000)
    assert sent[0]["status"] == 400 and app.messages == []


# -- the reader the apps get ----------------------------------------------------------------------


class _Chunks:
    """A payload that gives fixed pieces then b"", with ``complete`` as ChunkedPayload's."""

    def __init__(self, pieces: List[bytes]) -> None:
        self.pieces = list(pieces)
        self.complete = False

    def read(self, size: int) -> bytes:
        if not self.pieces:
            self.complete = True
            return b""
        return self.pieces.pop(0)


@pytest.mark.parametrize("sizes", [[1], [3, 50], [8192], [100_000]])
def test_decoded_body_reads_as_a_binary_file_does(sizes: List[int]) -> None:
    data = payload(20_000)
    pieces = [data[i : i + 4000] for i in range(0, len(data), 4000)]
    ours, reference = DecodedBody(_Chunks(pieces), 1 << 20, 8192), io.BytesIO(data)
    turn = 0
    while True:
        size = sizes[turn % len(sizes)]
        if turn % 3 == 2:
            got, expected = ours.readline(size), reference.readline(size)
        else:
            got, expected = ours.read(size), reference.read(size)
        assert got == expected
        if not expected:
            break
        turn += 1
    assert ours.complete
    lines = DecodedBody(_Chunks(pieces), 1 << 20, 8192)
    assert lines.readlines() == io.BytesIO(data).readlines()
