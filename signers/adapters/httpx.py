"""httpx: sign every request of a ``Client`` or an ``AsyncClient``, as an ``httpx.Auth``.

    import httpx
    from signers.adapters.httpx import AWSAuth

    auth = AWSAuth("s3v4", credentials_or_provider, region="us-east-1", follow_redirects=True)
    with httpx.Client(auth=auth) as client:
        client.put("https://bucket.s3.amazonaws.com/key", content=open("big.bin", "rb"))

The rules are the adapters' (:mod:`signers.adapters._signing`).  A streamed body (an iterator,
a file, an async iterator) is never read for signing: it is sent as ``UNSIGNED-PAYLOAD``
(``streaming="unsigned"``); ``streaming="aws-chunked"`` (chunk signatures, ``sign_stream``) is
the option's other value, refused by this version.  httpx sends a streamed body of unknown
length with ``Transfer-Encoding: chunked``; set ``Content-Length`` when the server wants one
(S3 does).

Redirects: httpx follows them *below* an auth, copying the first request's headers (it drops
only ``Authorization`` when the origin changes), so the redirects are followed here instead:
``AWSAuth(follow_redirects=True)`` with the client's own ``follow_redirects`` off (httpx's
default).  A hop on the origin the request was made for is signed again; a hop elsewhere goes
without any header signing added.  When the client follows a redirect itself, the answer is
refused with :class:`~signers.errors.InvalidOption` (``follow_redirects``): the next hop went out
with the first hop's signature headers.
"""

from __future__ import annotations

import datetime as _dt
import time
from typing import Any, AsyncIterator, Callable, Collection, Generator, Optional, Union

from ..errors import InvalidOption
from ._signing import DEFAULT_RETRY_STATUSES, Signing, require, same_origin

__all__ = ["AWSAuth"]

httpx = require("httpx", "httpx", "signers.adapters.httpx")

_ADAPTER = "signers.adapters.httpx.AWSAuth"

# The flow below yields a request to send, or a number of seconds to wait before the next one.
_Step = Union[Any, float]


def _content(request: Any) -> Optional[bytes]:
    """The body in memory, or ``None`` for a streamed one (not read here)."""
    try:
        return bytes(request.content)
    except httpx.RequestNotRead:
        if isinstance(request.stream, httpx.ByteStream):
            return bytes(request.read())
        return None


# httpx is imported at run time (require): its Auth is Any to mypy (hence the ignore below).
_Auth: Any = httpx.Auth


class AWSAuth(_Auth):  # type: ignore[misc]
    """Sign httpx's requests with ``signer`` (a signer, or a scheme name built with ``options``)
    and ``credentials`` (:class:`~signers.Credentials` or a provider).

    ``clock`` gives the signing time (aware; default now); ``streaming`` what a streamed body is
    sent as; ``retries`` / ``retry_statuses`` / ``backoff`` (seconds, doubled per retry) the
    re-sends of transient failures (bodies in memory only); ``follow_redirects`` /
    ``max_redirects`` the redirects followed here (see the module docstring).
    """

    requires_request_body = False  # a streamed body stays a stream
    requires_response_body = False

    def __init__(
        self,
        signer: Any,
        credentials: Any,
        *,
        clock: Optional[Callable[[], _dt.datetime]] = None,
        streaming: str = "unsigned",
        retries: int = 0,
        retry_statuses: Collection[int] = DEFAULT_RETRY_STATUSES,
        backoff: float = 0.0,
        follow_redirects: bool = False,
        max_redirects: int = 20,
        **options: Any,
    ) -> None:
        self.signing = Signing(
            signer,
            credentials,
            options,
            adapter=_ADAPTER,
            clock=clock,
            streaming=streaming,
            retries=retries,
            retry_statuses=retry_statuses,
            backoff=backoff,
        )
        self.follow_redirects = bool(follow_redirects)
        self.max_redirects = max_redirects

    # -- httpx's entry points: the one flow, with a sleep of the right kind ---------------------

    def sync_auth_flow(self, request: Any) -> Generator[Any, Any, None]:
        flow = self._flow(request)
        step = next(flow)
        while True:
            if isinstance(step, float):
                time.sleep(step)
                step = flow.send(None)
                continue
            response = yield step
            try:
                step = flow.send(response)
            except StopIteration:
                return

    async def async_auth_flow(self, request: Any) -> AsyncIterator[Any]:
        flow = self._flow(request)
        step = next(flow)
        while True:
            if isinstance(step, float):
                import anyio  # (httpx's own dependency; works under asyncio and trio)

                await anyio.sleep(step)
                step = flow.send(None)
                continue
            response = yield step
            try:
                step = flow.send(response)
            except StopIteration:
                return

    # -- the flow ------------------------------------------------------------------------------

    def _flow(self, request: Any) -> Generator[_Step, Any, None]:
        signing = self.signing
        signing.refuse_signed(str(request.url), request.headers.multi_items())
        origin = str(request.url)
        added: Collection[str] = ()

        def sign(outgoing: Any, body: Optional[bytes]) -> Collection[str]:
            for name in added:
                outgoing.headers.pop(name, None)
            url = str(outgoing.url)
            if not same_origin(origin, url):
                return ()
            signed = signing.sign(outgoing.method, url, outgoing.headers.multi_items(), body)
            if signed.url != url:
                outgoing.url = httpx.URL(signed.url)
            for name, value in signed.headers:
                outgoing.headers[name] = value
            return signed.names

        body = _content(request)
        added = sign(request, body)
        response = yield request
        attempt = hops = 0
        while True:
            if response.request is not request:
                raise InvalidOption(
                    f"{_ADAPTER}: the client followed a redirect with the first request's "
                    "signature headers; leave the client's follow_redirects off and pass "
                    "follow_redirects=True to AWSAuth",
                    field="follow_redirects",
                )
            if body is not None and signing.retry(response.status_code, attempt):
                attempt += 1
                delay = signing.delay(attempt)
                if delay:
                    yield delay
                added = sign(request, body)
                response = yield request
                continue
            following = response.next_request
            if not (self.follow_redirects and following is not None and hops < self.max_redirects):
                return
            hops += 1
            attempt = 0
            request = following
            body = _content(request)
            added = sign(request, body)
            response = yield request

    def __repr__(self) -> str:
        return repr(self.signing)
