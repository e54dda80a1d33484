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
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Mapping, Optional

from .._verification import Lookup
from ..errors import VerificationError
from ..model import Header
from ._common import (
    DEFAULT_MAX_BODY,
    VERIFIED_KEY,
    Answer,
    Config,
    answer_for,
    check,
    incoming_url,
    refusal,
    refuse_aws_chunked,
    too_large,
)

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
    return incoming_url(
        str(scheme), host, raw_target, path.encode("utf-8").decode("latin-1"), query
    )


async def _read_body(receive: Receive, limit: int) -> bytes:
    parts = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise refusal(400, "IncompleteBody", "The client went away before sending the body.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


class VerifyingMiddleware:
    """Wrap the ASGI ``app``: see the module docstring for what it does and its options."""

    def __init__(
        self,
        app: ASGIApp,
        lookup: Lookup,
        *,
        region: Optional[str] = None,
        service: Optional[str] = None,
        schemes: Optional[Iterable[str]] = None,
        options: Optional[Mapping[str, Mapping[str, Any]]] = None,
        max_skew: float = 900,
        max_body: int = DEFAULT_MAX_BODY,
        clock: Optional[Callable[[], _dt.datetime]] = None,
    ) -> None:
        self.app = app
        self.config = Config(
            lookup,
            region=region,
            service=service,
            schemes=schemes,
            options=options,
            max_skew=max_skew,
            max_body=max_body,
            clock=clock,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers: List[Header] = [(_text(k).lower(), _text(v)) for k, v in scope.get("headers", ())]
        lowered = dict(headers)
        method = "GET" if kind == "websocket" else str(scope.get("method", "GET"))
        body = b""
        try:
            refuse_aws_chunked(lowered)
            if kind == "http":
                body = await _read_body(receive, self.config.max_body)
        except VerificationError as err:
            await self._refuse(kind, answer_for(err, None, lowered), send)
            return
        verified, answer = check(self.config, method, _url(scope, lowered), headers, body)
        if answer is not None:
            await self._refuse(kind, answer, send)
            return
        scope = dict(scope)
        scope[VERIFIED_KEY] = verified
        await self.app(scope, _replay(body, receive) if kind == "http" else receive, send)

    @staticmethod
    async def _refuse(kind: str, answer: Answer, send: Send) -> None:
        if kind == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        headers = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in answer.headers]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})

    def __repr__(self) -> str:
        return f"VerifyingMiddleware({self.app!r}, {self.config!r})"


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
