"""requests: sign every request a ``requests`` session sends, as an ``AuthBase``.

    import requests, signers.credentials
    from signers.adapters.requests import AWSAuth

    auth = AWSAuth("sigv4", signers.credentials.default_chain(), region="eu-west-1", service="es")
    requests.get("https://search-x.eu-west-1.es.amazonaws.com/_cluster/health", auth=auth)

The rules are the adapters' (:mod:`signers.adapters._signing`): each attempt signed with its own
time and the provider's credentials of the moment; bodies in memory hashed, file and generator
bodies sent as ``UNSIGNED-PAYLOAD`` without being read, or, with ``streaming="aws-chunked"``, as
S3's aws-chunked upload, each chunk signed as requests sends it (a file's length, or a
``Content-Length`` given with a generator, becomes ``x-amz-decoded-content-length``; a generator
of unknown length goes with ``Transfer-Encoding: chunked``); a request already signed refused.

requests calls an auth once per request it prepares; what happens after (redirects, and
``retries=`` here) goes through a response hook, as requests' own digest auth does:

- redirects: requests copies the request it sent for the next hop.  The hook takes the
  signature off that request first; when the redirect stays on the origin the request was made
  for, it signs the next hop (method, URL and body as requests will send them: 303, and 301/302
  after a POST, become a body-less GET), so requests sends it re-signed.  The response keeps a
  copy of the request as it was sent.
- retries: an answer in ``retry_statuses`` is sent again, signed afresh, up to ``retries``
  times (bodies in memory only).  Retries configured in urllib3 (``HTTPAdapter(max_retries=...)``)
  happen below requests and send the same signature again, valid for the 15 minutes AWS allows.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Collection, List, MutableMapping, Optional, Protocol, TypeVar
from urllib.parse import urljoin, urlsplit

from ..errors import InvalidRequest
from ..model import Header
from ._signing import SigningAuth, require, same_origin, without

__all__ = ["AWSAuth", "PreparedLike"]

requests = require("requests", "requests", "signers.adapters.requests")

_ADAPTER = "signers.adapters.requests.AWSAuth"
# What requests drops with the body when a redirect turns the request into a GET.
_BODY_HEADERS = ("content-length", "content-type", "transfer-encoding")


def _body(body: Any) -> Optional[bytes]:
    """The body in memory as it goes on the wire, or ``None`` for one that is streamed."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        try:
            return body.encode("latin-1")  # (http.client sends a str body as Latin-1)
        except UnicodeEncodeError:
            raise InvalidRequest(
                f"{_ADAPTER}: body: a str body outside Latin-1 cannot be sent by http.client; "
                "encode it to bytes",
                field="body",
            ) from None
    return None


def _redirect_target(response: Any) -> str:
    """The next hop's URL, resolved as requests resolves it (``Session.resolve_redirects``)."""
    location = response.headers["location"].encode("latin-1").decode("utf-8")
    if location.startswith("//"):
        location = urlsplit(response.url).scheme + ":" + location
    requote = requests.utils.requote_uri
    if not urlsplit(location).netloc:
        return str(urljoin(response.url, requote(location)))
    return str(requote(location))


def _redirect_method(method: str, status: int) -> str:
    """requests' ``Session.rebuild_method``: the browsers' rules."""
    if status in (302, 303) and method != "HEAD":
        return "GET"
    if status == 301 and method == "POST":
        return "GET"
    return method


class _Exchange:
    """One request as the user made it, across the attempts and hops requests sends for it."""

    def __init__(self, auth: AWSAuth, origin: str) -> None:
        self.auth = auth
        self.origin = origin  # the URL the user asked for: only its origin is signed for
        self.added: Collection[str] = ()  # what signing put on the request last
        self.url = origin  # the current hop's URL before signing

    def sign(self, prepared: Any, method: str, url: str, body: Optional[bytes]) -> None:
        headers: List[Header] = without(prepared.headers.items(), self.added)
        for name in self.added:
            prepared.headers.pop(name, None)
        self.url = url
        self.added = ()
        if not same_origin(self.origin, url):
            return
        signing = self.auth.signing
        if body is None and signing.streaming == "aws-chunked":
            signed = signing.sign_stream(method, url, headers, prepared.body)
            for name in signed.removed:
                prepared.headers.pop(name, None)
            prepared.body = signed.stream  # (read as urllib3 sends it: each chunk signed then)
            if signed.stream.content_length is None:
                prepared.headers["Transfer-Encoding"] = "chunked"
            else:
                prepared.headers.pop("Transfer-Encoding", None)
        else:
            signed = signing.sign(method, url, headers, body)
        prepared.url = signed.url
        for name, value in signed.headers:
            prepared.headers[name] = value
        self.added = signed.names

    def on_response(self, response: Any, **kwargs: Any) -> Any:
        sent = response.request
        response = self._retried(response, kwargs)
        if response.is_redirect:
            self._next_hop(sent, response)
        return response

    def _retried(self, response: Any, kwargs: Any) -> Any:
        signing = self.auth.signing
        attempt = 0
        while signing.retry(response.status_code, attempt):
            request = response.request
            body = _body(request.body)
            if body is None:
                break  # a streamed body cannot be sent twice
            attempt += 1
            response.content  # noqa: B018  (read, so the connection is released)
            response.close()
            delay = signing.delay(attempt)
            if delay:
                time.sleep(delay)
            again = request.copy()
            self.sign(again, again.method, self.url, body)
            retried = response.connection.send(again, **kwargs)
            retried.history.append(response)
            retried.request = again
            response = retried
        return response

    def _next_hop(self, sent: Any, response: Any) -> None:
        # requests sends a copy of ``sent`` next: the response keeps one of its own, and ``sent``
        # becomes the next hop (re-signed, or stripped of the signature).
        response.request = sent.copy()
        target = _redirect_target(response)
        method = _redirect_method(sent.method, response.status_code)
        body = _body(sent.body)
        if response.status_code not in (307, 308):
            body = b""
            for name in _BODY_HEADERS:
                sent.headers.pop(name, None)
        self.sign(sent, method, target, body)


# requests ships no type hints: its base class is Any to mypy (hence the ignore below).
_AuthBase: Any = requests.auth.AuthBase


class PreparedLike(Protocol):
    """What the adapter uses of a ``requests.PreparedRequest`` (requests ships no type hints)."""

    method: str
    url: str
    headers: MutableMapping[str, str]
    body: object

    def register_hook(self, event: str, hook: Callable[..., object]) -> None: ...


_Prepared = TypeVar("_Prepared", bound=PreparedLike)


class AWSAuth(_AuthBase, SigningAuth):  # type: ignore[misc]
    """Sign requests' requests with ``signer`` (a signer, or a scheme name built with
    ``options``) and ``credentials`` (:class:`~signers.Credentials` or a provider).

    ``clock`` gives the signing time (aware; default now); ``streaming`` what a streamed body
    is sent as (``"unsigned"``, or ``"aws-chunked"`` with ``chunked_mode``, ``chunk_size`` and
    ``checksum``); ``retries`` / ``retry_statuses`` / ``backoff`` (seconds,
    doubled per retry) the re-sends of transient failures.
    """

    adapter = _ADAPTER

    def __call__(self, prepared: _Prepared) -> _Prepared:
        self.signing.refuse_signed(prepared.url, prepared.headers.items())
        exchange = _Exchange(self, prepared.url)
        exchange.sign(prepared, prepared.method, prepared.url, _body(prepared.body))
        prepared.register_hook("response", exchange.on_response)
        return prepared
