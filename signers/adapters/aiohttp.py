"""aiohttp: sign every request of a ``ClientSession``, as a client middleware (aiohttp >= 3.12).

    import aiohttp
    from signers.adapters.aiohttp import AWSAuth

    auth = AWSAuth("sigv4", credentials_or_provider, region="us-east-1", service="sts")
    async with aiohttp.ClientSession(middlewares=(auth,)) as session:
        async with session.post(url, data={"Action": "GetCallerIdentity", ...}) as response:
            ...

The rules are the adapters' (:mod:`signers.adapters._signing`).  A body aiohttp holds in memory
(bytes, str, JSON, a url-encoded form) is hashed; any other payload (a file, an async iterator,
a multipart writer) is never read for signing and goes as ``UNSIGNED-PAYLOAD``.  aws-chunked
uploads (``streaming="aws-chunked"``) are not offered here: a client middleware can replace a
payload only by closing it first (``ClientRequest.update_body``), and aiohttp asks middlewares
not to change a payload's type; use the httpx adapter's ``AsyncClient`` for them.

aiohttp calls its middlewares for every hop of a redirect, with a request built afresh from the
caller's headers, so each hop is signed on its own, with its own time.  Which hops: the
middleware signs for its *origins* -- the ``origins`` given (``"https://host[:port]"``), or
else the origin of the first request it sees, as aiohttp's own digest middleware scopes its
credentials.  A request to any other origin, a redirect's included, passes through unsigned.
Put a retry middleware of your own *before* this one in ``middlewares`` and each attempt is
signed again; ``retries=`` does the same here.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import weakref
from typing import TYPE_CHECKING, Any, Callable, Collection, Iterable, List, Optional

from ..errors import InvalidOption, MissingDependency
from ._signing import DEFAULT_RETRY_STATUSES, SignerArg, Signing, require, same_origin

if TYPE_CHECKING:  # (aiohttp is an optional extra, imported at run time by require)
    from aiohttp import ClientHandlerType, ClientRequest, ClientResponse

    from .._arguments import CredentialsLike

__all__ = ["AWSAuth"]

aiohttp = require("aiohttp", "aiohttp", "signers.adapters.aiohttp")
_payload = require("aiohttp.payload", "aiohttp", "signers.adapters.aiohttp")
_yarl = require("yarl", "aiohttp", "signers.adapters.aiohttp")


def _version(text: str) -> tuple:  # type: ignore[type-arg]
    return tuple(int(part) for part in text.split(".")[:2] if part.isdigit())


if _version(aiohttp.__version__) < (3, 12):
    raise MissingDependency(
        f"signers.adapters.aiohttp needs aiohttp >= 3.12 (client middlewares), found "
        f"{aiohttp.__version__}: pip install 'sigbridge[aiohttp]'",
        field="aiohttp",
    )

_ADAPTER = "signers.adapters.aiohttp.AWSAuth"


async def _content(request: Any) -> Optional[bytes]:
    """The body in memory, or ``None`` for a payload that is streamed (not read here)."""
    body = request.body
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, tuple) and all(isinstance(part, bytes) for part in body):
        return b"".join(body)  # (aiohttp 3.12.0 keeps a sent bytes body as a 1-tuple)
    if isinstance(body, _payload.BytesPayload):  # bytes, str, JSON, url-encoded forms
        as_bytes = getattr(body, "as_bytes", None)
        if as_bytes is not None:
            return bytes(await as_bytes())
        return bytes(body.decode("latin-1").encode("latin-1"))  # (aiohttp < 3.12.7)
    return None


class AWSAuth:
    """An aiohttp client middleware signing with ``signer`` (a signer, or a scheme name built
    with ``options``) and ``credentials`` (:class:`~signers.Credentials` or a provider).

    ``origins`` are the ``scheme://host[:port]`` it signs for (default: the first request's);
    ``clock`` gives the signing time (aware; default now); ``streaming`` what a streamed body
    is sent as; ``retries`` / ``retry_statuses`` / ``backoff`` (seconds, doubled per retry) the
    re-sends of transient failures (bodies in memory only).
    """

    def __init__(
        self,
        signer: SignerArg,
        credentials: CredentialsLike,
        *,
        origins: Optional[Iterable[str]] = None,
        clock: Optional[Callable[[], _dt.datetime]] = None,
        streaming: str = "unsigned",
        retries: int = 0,
        retry_statuses: Collection[int] = DEFAULT_RETRY_STATUSES,
        backoff: float = 0.0,
        **options: object,
    ) -> None:
        if streaming == "aws-chunked":
            raise InvalidOption(
                f"{_ADAPTER}: streaming='aws-chunked' is not offered for aiohttp (its middlewares "
                "cannot swap a streamed payload); use the httpx adapter with an AsyncClient",
                field="streaming",
            )
        self.signing = Signing(
            _ADAPTER,
            options,
            signer,
            credentials,
            clock=clock,
            streaming=streaming,
            retries=retries,
            retry_statuses=retry_statuses,
            backoff=backoff,
        )
        self.origins: List[str] = [] if origins is None else [str(o) for o in origins]
        # Requests signed here, with what signing added: a retry middleware placed before this
        # one hands the same request back, to be signed again rather than refused.
        self._signed: weakref.WeakKeyDictionary[Any, Collection[str]] = weakref.WeakKeyDictionary()

    def signs_for(self, url: str) -> bool:
        """Whether a request to ``url`` is signed (its origin is one of :attr:`origins`)."""
        if not self.origins:
            self.origins.append(url)  # pinned to the first request, as aiohttp's digest auth
        return any(same_origin(origin, url) for origin in self.origins)

    def _sign(self, request: Any, body: Optional[bytes], added: Collection[str]) -> Collection[str]:
        for name in added:
            request.headers.popall(name, None)
        url = str(request.url)
        signed = self.signing.sign(request.method, url, request.headers.items(), body)
        if signed.url != url:
            request.url = _yarl.URL(signed.url, encoded=True)
        for name, value in signed.headers:
            request.headers[name] = value
        self._signed[request] = signed.names
        return signed.names

    async def __call__(self, request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        url = str(request.url)
        if not self.signs_for(url):
            return await handler(request)
        added = self._signed.get(request)
        if added is None:
            self.signing.refuse_signed(url, request.headers.items())
        body = await _content(request)
        added = self._sign(request, body, added or ())
        attempt = 0
        while True:
            response = await handler(request)
            if body is None or not self.signing.retry(response.status, attempt):
                return response
            attempt += 1
            response.release()
            delay = self.signing.delay(attempt)
            if delay:
                await asyncio.sleep(delay)
            added = self._sign(request, body, added)

    def __repr__(self) -> str:
        return repr(self.signing)
