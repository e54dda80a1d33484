"""Send one signed request with the standard library and stream the answer (``sigbridge call``).

``http.client`` rather than ``urllib.request``: the request goes out exactly as it was signed --
the request target as signed, the ``Host`` header the signature covers, header values as their
UTF-8 bytes, and nothing added but ``Content-Length`` (which no scheme here signs unless the
caller gave it) and an unsigned ``User-Agent`` -- and no redirect is followed (a redirected
request would no longer match its signature).

* HTTPS is verified against the system's trust store, or ``ca_bundle`` (``AWS_CA_BUNDLE`` in
  the CLI, as botocore); ``verify=False`` turns verification off.
* Proxies come from the environment as ``urllib`` reads them (``http_proxy``, ``https_proxy``,
  ``no_proxy``): an ``http`` URL goes to the proxy in absolute form, an ``https`` one through a
  ``CONNECT`` tunnel; ``user:password@`` in the proxy URL becomes ``Proxy-Authorization``.
* Every failure to get an answer -- a name that does not resolve, a refused connection, a TLS
  failure, a timeout, a connection closed without an answer -- is a :class:`TransportError`
  with a one-line message naming the host.
"""

from __future__ import annotations

import base64
import socket
from typing import Any, Iterator, List, Optional, Tuple
from urllib.parse import unquote, urlsplit

from .. import __version__
from ..model import Request

__all__ = ["TransportError", "Response", "send", "proxy_for", "USER_AGENT", "CHUNK"]

#: The User-Agent sent (after signing, so never signed).
USER_AGENT = f"sigbridge/{__version__}"
#: Bytes read from the answer at a time.
CHUNK = 64 * 1024

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class TransportError(Exception):
    """No answer: DNS, connection, TLS, timeout.  ``str()`` is one line without a secret."""


class Response:
    """An answer being received: status, reason, headers; :meth:`chunks` streams the body."""

    def __init__(self, raw: Any, connection: Any, method: str) -> None:
        self._raw = raw
        self._connection = connection
        self.status: int = raw.status
        self.reason: str = raw.reason or ""
        self.version: str = "HTTP/1.0" if raw.version == 10 else "HTTP/1.1"
        self.headers: List[Tuple[str, str]] = list(raw.getheaders())
        self.method = method

    def header(self, name: str) -> Optional[str]:
        key = name.lower()
        return next((v for n, v in self.headers if n.lower() == key), None)

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """The body, a piece at a time (nothing for HEAD); a broken transfer raises
        :class:`TransportError`."""
        while True:
            try:
                piece = self._raw.read(size)
            except socket.timeout:
                raise TransportError("the answer stopped arriving (timeout)") from None
            except (OSError, _http_exceptions()) as exc:
                raise TransportError(f"the answer was cut off: {_reason(exc)}") from None
            if not piece:
                return
            yield piece

    def close(self) -> None:
        self._raw.close()
        self._connection.close()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _http_exceptions() -> Any:
    import http.client

    return http.client.HTTPException


def proxy_for(url: str) -> Optional[str]:
    """The proxy URL the environment names for ``url``, or ``None`` (direct, or bypassed)."""
    import urllib.request

    parts = urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if not proxy:
        return None
    if urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxy if "://" in proxy else "http://" + proxy


def _ssl_context(verify: bool, ca_bundle: Optional[str]) -> Any:
    import ssl

    if not verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise TransportError(f"CA bundle {ca_bundle!r}: cannot load it ({_reason(exc)})") from None


def _proxy_authorization(proxy: Any) -> List[Tuple[str, str]]:
    if proxy.username is None:
        return []
    user = unquote(proxy.username)
    password = unquote(proxy.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return [("Proxy-Authorization", "Basic " + token)]


def _connection(
    url: str, *, timeout: float, verify: bool, ca_bundle: Optional[str], proxy: Optional[str]
) -> Tuple[Any, bool, List[Tuple[str, str]]]:
    """``(connection, absolute form, extra headers)`` for a request to ``url``."""
    import http.client

    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port
    https = parts.scheme == "https"
    context = _ssl_context(verify, ca_bundle) if https else None
    if proxy is None:
        if https:
            return (
                http.client.HTTPSConnection(host, port, timeout=timeout, context=context),
                False,
                [],
            )
        return http.client.HTTPConnection(host, port, timeout=timeout), False, []
    via = urlsplit(proxy)
    credentials = _proxy_authorization(via)
    if via.scheme not in ("http", ""):
        raise TransportError(f"proxy {via.hostname!r}: only http:// proxies are supported")
    if https:
        tunnel = http.client.HTTPSConnection(
            via.hostname or "", via.port or 8080, timeout=timeout, context=context
        )
        tunnel.set_tunnel(host, port or 443, headers=dict(credentials))
        return tunnel, False, []
    plain = http.client.HTTPConnection(via.hostname or "", via.port or 8080, timeout=timeout)
    return plain, True, credentials


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).replace("\r", " ").replace("\n", " ").strip()
    return text[:200] if text else type(exc).__name__


def _failure(exc: BaseException, host: str, timeout: float, via: Optional[str]) -> TransportError:
    import http.client
    import ssl

    where = f"{host}" + (f" (through proxy {urlsplit(via).netloc})" if via else "")
    if isinstance(exc, socket.gaierror):
        return TransportError(f"cannot resolve {where}: {_reason(exc)}")
    if isinstance(exc, socket.timeout):
        return TransportError(f"no answer from {where} within {timeout:g} s")
    if isinstance(exc, ssl.SSLCertVerificationError):
        detail = exc.verify_message or _reason(exc)
        return TransportError(
            f"TLS: the certificate of {where} did not verify ({detail}); pass --insecure to "
            "skip verification, or --ca-bundle FILE"
        )
    if isinstance(exc, ssl.SSLError):
        return TransportError(f"TLS with {where} failed: {exc.reason or _reason(exc)}")
    if isinstance(exc, ConnectionRefusedError):
        return TransportError(f"connection to {where} refused")
    if isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError)):
        return TransportError(f"{where} closed the connection without an answer")
    if isinstance(exc, http.client.HTTPException):
        return TransportError(f"{where} did not answer in HTTP: {type(exc).__name__}")
    return TransportError(f"cannot reach {where}: {_reason(exc)}")


def _encoded(value: str) -> bytes:
    # What was signed is the UTF-8 text; http.client would send str values as Latin-1.
    return value.encode("utf-8", "surrogateescape")


def send(
    request: Request,
    body: bytes = b"",
    *,
    timeout: float = 60.0,
    verify: bool = True,
    ca_bundle: Optional[str] = None,
    proxies: bool = True,
    user_agent: Optional[str] = USER_AGENT,
) -> Response:
    """Send ``request`` (already signed) with ``body`` and return the answer once its status
    line and headers are in; the caller reads the body from :meth:`Response.chunks` and closes
    it.  Raises :class:`TransportError` when no answer comes."""
    url = request.url
    host = request.authority
    proxy = proxy_for(url) if proxies else None
    connection, absolute, extra = _connection(
        url, timeout=timeout, verify=verify, ca_bundle=ca_bundle, proxy=proxy
    )
    target = url.partition("#")[0] if absolute else request.target
    try:
        connection.putrequest(request.method, target, skip_host=True, skip_accept_encoding=True)
        if not request.has_header("host"):
            connection.putheader("Host", _encoded(request.host_header))
        for name, value in request.headers:
            connection.putheader(name, _encoded(value))
        if user_agent and not request.has_header("user-agent"):
            connection.putheader("User-Agent", user_agent)
        for name, value in extra:
            connection.putheader(name, value)
        if not request.has_header("content-length") and (
            body or request.method.upper() in _BODY_METHODS
        ):
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body if body else None)
        raw = connection.getresponse()
    except TransportError:
        connection.close()
        raise
    except (OSError, _http_exceptions()) as exc:
        connection.close()
        raise _failure(exc, host, timeout, proxy) from None
    return Response(raw, connection, request.method)
