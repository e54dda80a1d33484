"""ASGI middleware (ASGI 3): verify the AWS signature of every request before the app sees it.

    from signers.middleware.asgi import VerifyingMiddleware

    app = VerifyingMiddleware(app, lookup, region="us-east-1", service="sts")

    async def app(scope, receive, send):        # behind it
        verified = scope["sigbridge.verified"]     # a signers.Verified (Starlette:
                                                   # request.scope["sigbridge.verified"])

The options and the answers are those of :mod:`signers.middleware.wsgi`.  HTTP requests are
verified with their body, read whole first (at most ``max_body`` bytes) and handed to the app
again through ``receive``; a WebSocket handshake is verified as the GET it is, and refused by
closing it (code 1008, which servers answer with a 403 before the upgrade).  Lifespan and other
scope types pass through.  The scope the app gets is a copy carrying the ``Verified`` result
under ``"sigbridge.verified"``.  The path is ``raw_path`` when the server gives it (uvicorn,
hypercorn do).  ``lookup`` is called on the event loop: keep it fast (a dict, a cache).

aws-chunked uploads (``x-amz-content-sha256: STREAMING-...``) reach the app once their seed
signature verifies, before any of the body is read.  Each ``receive()`` of the app then reads
and checks the next chunk (``Verified.payload``, run in the loop's default executor: it reads
the server's messages through a blocking bridge) and gives its decoded bytes as an
``http.request`` message; the last message (``more_body`` false) comes only once the trailer,
the checksums and the decoded length are checked, so an app that reads to it has a verified
body (the bytes of the last chunk come with it when the decoded length was declared).  The
scope's headers are those the app would see from S3: ``content-length`` the decoded length when
declared (else absent), ``aws-chunked`` out of ``content-encoding``.  When a check
fails (or the body passes ``max_body`` decoded bytes), the middleware answers AWS's error itself
if the app has not started its response, and the app's ``receive()`` gets ``http.disconnect``;
everything the app sends after that is dropped, so a response it had already started never
completes and the server closes the connection.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional

from ..errors import VerificationError
from ..model import Header, Request
from . import _common  # (the one implementation the two middlewares share)
from ._common import DEFAULT_MAX_BODY, VERIFIED_KEY

__all__ = ["DEFAULT_MAX_BODY", "VERIFIED_KEY", "VerifyingMiddleware"]

Scope = Dict[str, Any]
Message = Dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _url(scope: Scope, headers: Mapping[str, str]) -> str:
    scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", "http"), scope.get("scheme"))
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = str(server[0]) + (f":{server[1]}" if server[1] else "")
    query = _text(scope.get("query_string", b""))
    raw_path = scope.get("raw_path")
    raw_target = None
    if raw_path:
        raw_target = _text(raw_path) + (f"?{query}" if query else "")
    path = str(scope.get("root_path", "")) + str(scope.get("path", "/"))
    return _common.incoming_url(
        str(scheme), host, raw_target, path.encode("utf-8").decode("latin-1"), query
    )


async def _read_body(receive: Receive, limit: int) -> bytes:
    parts = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _common.refusal(
                400, "IncompleteBody", "The client went away before sending the body."
            )
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _common.too_large(limit)
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


class WireSource:
    """The wire body of an aws-chunked upload as a blocking binary file, for the payload reader
    running in a worker thread: a read that needs more waits for the server's next
    ``http.request`` message, received on the event loop.  An ``http.disconnect`` ends it (the
    reader then reports the body cut short); so does :meth:`abandon`, called when the request is
    over, so that no worker waits on a loop that moved on."""

    _POLL = 0.5  # seconds between looks at whether the request was abandoned

    def __init__(self, receive: Receive, loop: asyncio.AbstractEventLoop) -> None:
        self._receive = receive
        self._loop = loop
        self._buffer = bytearray()
        self._ended = False
        self._abandoned = False
        self.disconnected = False

    def abandon(self) -> None:
        self._abandoned = True

    async def _next(self) -> Message:
        return await self._receive()

    def _more(self) -> bool:
        """Wait for the next message; ``False`` when the body has ended."""
        if self._ended or self._abandoned:
            return False
        future = asyncio.run_coroutine_threadsafe(self._next(), self._loop)
        while True:
            try:
                message = future.result(timeout=self._POLL)
                break
            except concurrent.futures.TimeoutError:
                if self._abandoned or self._loop.is_closed():
                    future.cancel()
                    self._ended = True
                    return False
        if message.get("type") != "http.request":
            self.disconnected = self._ended = True
            return False
        self._buffer += message.get("body", b"")
        if not message.get("more_body", False):
            self._ended = True
        return True

    def _take(self, size: int) -> bytes:
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def read(self, size: int = -1) -> bytes:
        while (size < 0 or len(self._buffer) < size) and self._more():
            pass
        return self._take(len(self._buffer) if size < 0 else size)

    def readline(self, size: int = -1) -> bytes:
        while True:
            end = self._buffer.find(b"\n") + 1
            if end or (0 <= size <= len(self._buffer)) or not self._more():
                break
        if not end:
            end = len(self._buffer)
        return self._take(end if size < 0 else min(end, size))


class _Streamed:
    """One aws-chunked request on its way to the app: the ``receive`` and ``send`` it gets."""

    def __init__(
        self,
        body: _common.DecodedBody,
        receive: Receive,
        send: Send,
        answer: Callable[[VerificationError], _common.Answer],
    ) -> None:
        self.body = body
        self._receive = receive
        self._send = send
        self._answer = answer
        self.started = False  # the app has sent http.response.start
        self.failed: Optional[VerificationError] = None
        self.ended = False

    async def receive(self) -> Message:
        if self.failed is not None:
            return {"type": "http.disconnect"}
        if self.ended:
            return await self._receive()  # (after the body: the server's, a disconnect)
        loop = asyncio.get_running_loop()
        try:
            data = await loop.run_in_executor(None, self.body.next_chunk)
        except VerificationError as err:
            self.failed = err
            if not self.started:
                await _answer(self._answer(err), self._send)
            return {"type": "http.disconnect"}
        self.ended = self.body.complete  # (the last bytes come once the end is checked)
        return {"type": "http.request", "body": data, "more_body": not self.ended}

    async def send(self, message: Message) -> None:
        if self.failed is not None:
            return  # (the middleware answered, or the response is left unfinished)
        if message.get("type") == "http.response.start":
            self.started = True
        await self._send(message)


def _decoded_scope(scope: Scope, lowered: Mapping[str, str]) -> List[Any]:
    """The scope's headers as the app sees a decoded aws-chunked body (see the docstring)."""
    changes = _common.decoded_headers(lowered)
    kept = [(k, v) for k, v in scope.get("headers", ()) if _text(k).lower() not in changes]
    for name, value in changes.items():
        if value is not None:
            kept.append((name.encode("latin-1"), value.encode("latin-1")))
    return kept


class VerifyingMiddleware(_common.Wrapper[ASGIApp]):
    """Wrap the ASGI ``app``: see the module docstring for what it does and its options."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers: List[Header] = [(_text(k).lower(), _text(v)) for k, v in scope.get("headers", ())]
        lowered = dict(headers)
        method = "GET" if kind == "websocket" else str(scope.get("method", "GET"))
        body: Any = b""
        mode = None
        try:
            mode = _common.chunked_mode(lowered, self.config.max_body) if kind == "http" else None
            if mode is not None:
                body = WireSource(receive, asyncio.get_running_loop())
            elif kind == "http":
                body = await _read_body(receive, self.config.max_body)
        except VerificationError as err:
            await self._refuse(kind, _common.answer_for(err, None, lowered), send)
            return
        verified, answer, request = _common.check(
            self.config, method, _url(scope, lowered), headers, body
        )
        if answer is not None:
            await self._refuse(kind, answer, send)
            return
        scope = dict(scope)
        scope[VERIFIED_KEY] = verified
        if mode is not None:
            assert verified is not None
            await self._streamed(scope, lowered, verified.payload, body, request, receive, send)
            return
        await self.app(scope, _replay(body, receive) if kind == "http" else receive, send)

    async def _streamed(
        self,
        scope: Scope,
        lowered: Mapping[str, str],
        payload: Any,
        source: WireSource,
        request: Optional[Request],
        receive: Receive,
        send: Send,
    ) -> None:
        body = self.decoded_body(payload, lowered)
        exchange = _Streamed(
            body, receive, send, lambda err: _common.answer_for(err, request, lowered)
        )
        scope["headers"] = _decoded_scope(scope, lowered)
        try:
            await self.app(scope, exchange.receive, exchange.send)
        finally:
            source.abandon()

    @staticmethod
    async def _refuse(kind: str, answer: _common.Answer, send: Send) -> None:
        if kind == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await _answer(answer, send)


async def _answer(answer: _common.Answer, send: Send) -> None:
    headers = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in answer.headers]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


def _replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the app: the body read for verification, then the server's messages."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
