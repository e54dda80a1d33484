"""httpx: sign every request of a ``Client`` or an ``AsyncClient``, as an ``httpx.Auth``.

    import httpx
    from signers.adapters.httpx import AWSAuth

    auth = AWSAuth("s3v4", credentials_or_provider, region="us-east-1", follow_redirects=True)
    with httpx.Client(auth=auth) as client:
        client.put("https://bucket.s3.amazonaws.com/key", content=open("big.bin", "rb"))

The rules are the adapters' (:mod:`signers.adapters._signing`).  A streamed body (an iterator,
a file, an async iterator, a multipart upload) is never read for signing, nor held in memory: it
is sent as ``UNSIGNED-PAYLOAD`` (``streaming="unsigned"``), or as S3's aws-chunked upload::

    auth = AWSAuth("s3v4", credentials, region="us-east-1", streaming="aws-chunked",
                   chunked_mode="signed-trailer", checksum="CRC32")
    client.put(url, content=open("big.bin", "rb"))   # or an (async) iterator of bytes

Each chunk (``chunk_size`` bytes, 64 KiB by default) is signed as httpx sends it, sync or async,
with ``Content-Encoding: aws-chunked`` and ``x-amz-decoded-content-length`` when the length is
known (a file; a ``Content-Length`` header given with an iterator).  httpx sends a streamed body
of unknown length with ``Transfer-Encoding: chunked``; give the length when the server wants one
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

import time
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncGenerator,
    AsyncIterator,
    Collection,
    Generator,
    Iterator,
    Optional,
    Union,
    cast,
)

from ..errors import InvalidOption
from ._signing import (
    Fed,
    Signed,
    SignerArg,
    Signing,
    SigningAuth,
    require,
    same_origin,
)

if TYPE_CHECKING:  # (httpx is an optional extra, imported at run time by require)
    from httpx import Request as _Request
    from httpx import Response as _Response

    from .._arguments import CredentialsLike

__all__ = ["AWSAuth"]

httpx = require("httpx", "httpx", "signers.adapters.httpx")

_ADAPTER = "signers.adapters.httpx.AWSAuth"

# The flow below yields a request to send, or a number of seconds to wait before the next one.
_Step = Union["_Request", float]


def _content(request: Any) -> Optional[bytes]:
    """The body in memory, or ``None`` for a streamed one (not read here)."""
    try:
        return bytes(request.content)
    except httpx.RequestNotRead:
        if isinstance(request.stream, httpx.ByteStream):
            return bytes(request.read())
        return None


# httpx is imported at run time (require): its classes are Any to mypy (hence the ignores).
_Auth: Any = httpx.Auth
_SyncStream: Any = httpx.SyncByteStream
_AsyncStream: Any = httpx.AsyncByteStream


class _Wire(_SyncStream, _AsyncStream):  # type: ignore[misc]
    """The wire bytes of an aws-chunked upload: the signed stream, read as httpx sends it.  Async,
    the source's pieces are fed to it (:class:`~signers.adapters._signing.Fed`) and a part is
    asked for once a whole chunk has come."""

    def __init__(self, signed: Signed, source: Any, fed: Optional[Fed]) -> None:
        self._stream = signed.stream
        self._source = source
        self._fed = fed

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        fed = self._fed
        if fed is None:
            raise InvalidOption(f"{_ADAPTER}: the body was signed for a sync client", field="body")
        parts = iter(self._stream)
        async for piece in self._source:
            fed.put(piece)
            while not fed.ended and fed.ready():
                yield next(parts)
        fed.end()
        for part in parts:
            yield part

    def close(self) -> None:
        close = getattr(self._source, "close", None)
        if callable(close):
            close()

    async def aclose(self) -> None:
        close = getattr(self._source, "aclose", None)
        if callable(close):
            await close()


class AWSAuth(_Auth, SigningAuth):  # type: ignore[misc]
    """Sign httpx's requests with ``signer`` (a signer, or a scheme name built with ``options``)
    and ``credentials`` (:class:`~signers.Credentials` or a provider).

    ``clock`` gives the signing time (aware; default now); ``streaming`` what a streamed body is
    sent as (``chunked_mode``, ``chunk_size``, ``checksum``: how, for ``"aws-chunked"``);
    ``retries`` / ``retry_statuses`` / ``backoff`` (seconds, doubled per retry) the
    re-sends of transient failures (bodies in memory only); ``follow_redirects`` /
    ``max_redirects`` the redirects followed here (see the module docstring).
    """

    requires_request_body = False  # a streamed body stays a stream
    requires_response_body = False

    adapter = _ADAPTER

    def __init__(
        self,
        signer: SignerArg,
        credentials: CredentialsLike,
        *,
        follow_redirects: bool = False,
        max_redirects: int = 20,
        **settings: object,
    ) -> None:
        # SigningAuth's keywords, passed on as given (it checks each one)
        super().__init__(signer, credentials, **settings)  # type: ignore[arg-type]
        self.follow_redirects = bool(follow_redirects)
        self.max_redirects = max_redirects

    # -- httpx's entry points: the one flow, with a sleep of the right kind ---------------------

    def sync_auth_flow(self, request: _Request) -> Generator[_Request, _Response, None]:
        # The flow itself sleeps between sync attempts; only the async driver below awaits.
        flow = self._flow(request, asynchronous=False)
        yield from cast("Generator[_Request, _Response, None]", flow)  # (it yields no pause)

    async def async_auth_flow(self, request: _Request) -> AsyncGenerator[_Request, _Response]:
        flow = self._flow(request, asynchronous=True)
        step = next(flow)
        while True:
            if isinstance(step, float):
                import anyio  # (httpx's own dependency; works under asyncio and trio)

                await anyio.sleep(step)
                step = next(flow)
                continue
            response = yield step
            try:
                step = flow.send(response)
            except StopIteration:
                return

    # -- the flow ------------------------------------------------------------------------------

    def _flow(self, request: _Request, *, asynchronous: bool) -> Generator[_Step, _Response, None]:
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
            headers = outgoing.headers.multi_items()
            if body is None and signing.streaming == "aws-chunked":
                signed = _sign_stream(signing, outgoing, url, asynchronous)
            else:
                signed = signing.sign(outgoing.method, url, headers, body)
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
                if delay and asynchronous:
                    yield delay  # (awaited by async_auth_flow)
                elif delay:
                    time.sleep(delay)
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


def _sign_stream(signing: Signing, outgoing: Any, url: str, asynchronous: bool) -> Signed:
    """Sign ``outgoing`` for an aws-chunked body and make its stream the signed one."""
    source = outgoing.stream
    fed = Fed(signing.chunk_size) if asynchronous else None
    body = source if fed is None else fed
    signed = signing.sign_stream(outgoing.method, url, outgoing.headers.multi_items(), body)
    for name in signed.removed:
        outgoing.headers.pop(name, None)
    if signed.stream.content_length is None:
        outgoing.headers["Transfer-Encoding"] = "chunked"
    else:
        outgoing.headers.pop("Transfer-Encoding", None)
    outgoing.stream = _Wire(signed, source, fed)
    return signed
